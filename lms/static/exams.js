// 现场电子化考试: one question at a time, an answer sheet, every answer saved as it is given. The server keeps
// the time and the key (the page never has it); flags (标记) are the candidate's own reminders, kept in this
// browser only.
(function () {
  "use strict";
  var root = document.getElementById("paper");
  if (!root) return;
  var paperId = root.dataset.paper, count = Number(root.dataset.count);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var statusEl = document.getElementById("save-status");
  var left = Number(root.dataset.secondsLeft), endAt = Date.now() + left * 1000, pending = {};
  var questions = Array.prototype.slice.call(root.querySelectorAll("fieldset.question"));
  var sheet = {};
  Array.prototype.forEach.call(document.querySelectorAll("#sheet button"), function (b) { sheet[b.dataset.go] = b; });
  var flagKey = "xst-paper-" + paperId + "-flags", flags = {};
  try { flags = JSON.parse(window.localStorage.getItem(flagKey) || "{}"); } catch (e) { flags = {}; }
  var current = 1;

  function $(id) { return document.getElementById(id); }
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
  function answered(pos) { return chosen(questions[pos - 1]).length > 0; }
  function unanswered() { return questions.map(function (fs, i) { return i + 1; }).filter(function (p) { return !answered(p); }); }
  function flagged() { return Object.keys(flags).filter(function (k) { return flags[k]; }).map(Number).sort(function (a, b) { return a - b; }); }

  function paint() {
    var n = 0;
    questions.forEach(function (fs, i) {
      var pos = i + 1, b = sheet[pos], done = answered(pos);
      if (done) n += 1;
      fs.classList.toggle("current", pos === current);
      b.classList.toggle("answered", done);
      b.classList.toggle("flagged", !!flags[pos]);
      b.classList.toggle("current", pos === current);
      b.setAttribute("aria-label", "第 " + pos + " 题，" + (done ? "已答" : "未答") + (flags[pos] ? "，已标记" : ""));
    });
    $("answered-n").textContent = n;
    $("prev").disabled = current === 1;
    $("next").textContent = current === count ? "去答题卡" : "下一题";
    var f = $("flag");
    f.setAttribute("aria-pressed", flags[current] ? "true" : "false");
    f.textContent = flags[current] ? "取消标记" : "标记本题";
  }
  function go(pos) {
    current = Math.max(1, Math.min(count, pos));
    paint();
    root.scrollIntoView({ block: "start" });
  }

  // One save per question at a time: a box ticked while the previous answer is on its way is sent after it, so the
  // server always ends with the latest choice (two saves in flight could be applied in either order).
  var inflight = {}, again = {};
  function save(fs) {
    var pos = Number(fs.dataset.position);
    if (inflight[pos]) { again[pos] = true; return; }
    inflight[pos] = true; pending[pos] = true; say("正在保存第 " + pos + " 题…");
    post("/answers", { position: pos, answer: chosen(fs) }).then(function (j) {
      inflight[pos] = false;
      if (again[pos]) { again[pos] = false; save(fs); return; }
      if (j._status === 200) { delete pending[pos]; say("第 " + pos + " 题答案已保存", "ok"); fs.dataset.saved = "1"; }
      else if (j._status === 409) { location.reload(); }
      else if (j._status >= 500) { say("服务器暂时无法保存，3 秒后重试", "warn"); setTimeout(function () { save(fs); }, 3000); }
      else { delete pending[pos]; say(j.message || "保存失败，请重新选择", "warn"); }
    }).catch(function () {
      inflight[pos] = false; again[pos] = false;
      say("网络中断，答案将在恢复后重新保存", "warn"); setTimeout(function () { save(fs); }, 3000);
    });
  }
  questions.forEach(function (fs) { fs.addEventListener("change", function () { fs.dataset.saved = ""; save(fs); paint(); }); });

  root.classList.add("js-paper");
  $("prev").addEventListener("click", function () { go(current - 1); });
  $("next").addEventListener("click", function () {
    if (current === count) { $("sheet-card").scrollIntoView({ block: "start" }); return; }
    go(current + 1);
  });
  $("flag").addEventListener("click", function () {
    flags[current] = !flags[current];
    try { window.localStorage.setItem(flagKey, JSON.stringify(flags)); } catch (e) { /* private mode: kept for this page */ }
    paint();
  });
  Object.keys(sheet).forEach(function (pos) { sheet[pos].addEventListener("click", function () { go(Number(pos)); }); });

  // 交卷: the confirmation names what is unanswered (and flagged) before anything is sent.
  function list(ps) { return ps.map(function (p) { return "第 " + p + " 题"; }).join("、"); }
  $("submit-paper").addEventListener("click", function () {
    if (Object.keys(pending).length) { say("还有答案正在保存，请稍候再交卷", "warn"); return; }
    var u = unanswered(), f = flagged();
    $("unanswered-text").textContent = u.length
      ? "还有 " + u.length + " 道题未作答：" + list(u) + "。未作答的题不得分。"
      : "全部 " + count + " 道题都已作答。";
    $("unanswered-text").className = u.length ? "flash warning" : "";
    $("flagged-text").hidden = !f.length;
    $("flagged-text").textContent = f.length ? "您标记了需要检查的题：" + list(f) + "。" : "";
    $("submit-confirm").hidden = false;
    $("submit-back").focus();
  });
  $("submit-back").addEventListener("click", function () {
    $("submit-confirm").hidden = true;
    var u = unanswered();
    if (u.length) go(u[0]);
  });
  $("submit-go").addEventListener("click", function () {
    $("submit-go").disabled = true;
    post("/submit").then(function () { try { window.localStorage.removeItem(flagKey); } catch (e) { /* ignore */ } location.reload(); },
      function () { $("submit-go").disabled = false; say("网络中断，交卷未成功，请再试一次", "warn"); });
  });

  function tick() {
    var sec = Math.max(0, Math.round((endAt - Date.now()) / 1000));
    $("time-left").textContent = Math.floor(sec / 60) + " 分 " + (sec % 60) + " 秒";
    if (sec <= 0) { setTimeout(function () { location.reload(); }, 1500); return; }
    setTimeout(tick, 1000);
  }
  var first = unanswered()[0];
  go(first || 1);
  tick();
})();
