// 现场电子化考试: saves every answer as it is given; the server keeps the time and the key.
(function () {
  "use strict";
  var root = document.getElementById("paper");
  if (!root) return;
  var paperId = root.dataset.paper;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var statusEl = document.getElementById("save-status");
  var left = Number(root.dataset.secondsLeft), endAt = Date.now() + left * 1000, pending = {};
  function say(text, cls) { statusEl.textContent = text; statusEl.className = "status " + (cls || ""); }
  function post(path, body) {
    return fetch("/api/v1/exams/papers/" + paperId + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(body || {})
    }).then(function (r) { return r.json().catch(function () { return {}; }).then(function (j) { j._status = r.status; return j; }); });
  }
  function chosen(fs) {
    return Array.prototype.filter.call(fs.querySelectorAll("input"), function (i) { return i.checked; })
      .map(function (i) { return Number(i.value); });
  }
  function save(fs) {
    var pos = Number(fs.dataset.position);
    pending[pos] = true; say("正在保存第 " + pos + " 题…");
    post("/answers", { position: pos, answer: chosen(fs) }).then(function (j) {
      if (j._status === 200) { delete pending[pos]; say("第 " + pos + " 题答案已保存", "ok"); fs.dataset.saved = "1"; }
      else if (j._status === 409) { location.reload(); }
      else { say(j.message || "保存失败，请重新选择", "warn"); }
    }).catch(function () { say("网络中断，答案将在恢复后重新保存", "warn"); setTimeout(function () { save(fs); }, 3000); });
  }
  Array.prototype.forEach.call(root.querySelectorAll("fieldset.question"), function (fs) {
    fs.addEventListener("change", function () { save(fs); });
  });
  document.getElementById("submit-paper").addEventListener("click", function () {
    if (Object.keys(pending).length) { say("还有答案正在保存，请稍候再交卷", "warn"); return; }
    if (!window.confirm("确定交卷吗？交卷后不能再修改答案。")) return;
    post("/submit").then(function () { location.reload(); });
  });
  function tick() {
    var sec = Math.max(0, Math.round((endAt - Date.now()) / 1000));
    document.getElementById("time-left").textContent = Math.floor(sec / 60) + " 分 " + (sec % 60) + " 秒";
    if (sec <= 0) { setTimeout(function () { location.reload(); }, 1500); return; }
    setTimeout(tick, 1000);
  }
  tick();
})();
