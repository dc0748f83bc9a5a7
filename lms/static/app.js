// Behaviour shared by every page (small, and the pages work without it).

// 1. Confirmations for destructive actions (取消报名, 停用账号, 下架, 取消指派, 撤销证书 …): a form with
// data-confirm="what will happen" asks first, in a dialog that says it. Progressive: without this script the
// form posts as before, and the server still requires the POST with its CSRF token whatever the page did.
(function () {
  "use strict";
  var dialog = null;
  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-title");
    dialog.innerHTML = '<form method="dialog"><h2 id="confirm-title"></h2><p id="confirm-text"></p>'
      + '<div class="confirm-actions"><button value="cancel" class="secondary" id="confirm-cancel">取消</button>'
      + '<button value="ok" class="danger" id="confirm-ok"></button></div></form>';
    document.body.appendChild(dialog);
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.dataset || !form.dataset.confirm || form.dataset.confirmed === "1") return;
    ev.preventDefault();
    if (!dialog) build();
    if (typeof dialog.showModal !== "function") {  // very old browsers: the plain confirm box
      if (window.confirm(form.dataset.confirm)) { form.dataset.confirmed = "1"; form.submit(); }
      return;
    }
    dialog.querySelector("#confirm-title").textContent = form.dataset.confirmTitle || "请确认";
    dialog.querySelector("#confirm-text").textContent = form.dataset.confirm;
    dialog.querySelector("#confirm-ok").textContent = form.dataset.confirmOk || "确定";
    dialog.onclose = function () {
      if (dialog.returnValue === "ok") { form.dataset.confirmed = "1"; form.submit(); }
    };
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector("#confirm-cancel").focus();  // the safe choice has the focus
  }, true);
})();

// 2. Tables at phone width (app.css shows each row as a card): each cell gets its column's name from the
// header as data-label, unless the template gave one.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("table.list"), function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
      Array.prototype.forEach.call(tr.children, function (td, i) {
        if (!td.hasAttribute("data-label") && !td.hasAttribute("colspan") && heads[i]) td.setAttribute("data-label", heads[i]);
      });
    });
  });
});
