// 在线学习 player: sends heartbeats while the page is visible and the learner is active.
// The server alone decides what is credited; this script only reports that the learner is here, and says
// what happens: how much of the chapter is left and why, when it is complete and what comes next, time lost
// to a missed presence prompt, and a server that cannot record a beat for a moment (it retries).
(function () {
  "use strict";
  var root = document.getElementById("player");
  if (!root || !root.dataset.chapter || root.dataset.studyOpen !== "1") return;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var interval = Number(root.dataset.heartbeat) * 1000;
  var activeWindow = Number(root.dataset.interactionWindow) * 1000;
  var idleMs = Number(root.dataset.idle) * 1000;
  var chapterId = root.dataset.chapter;
  var statusEl = document.getElementById("status");
  var video = document.getElementById("video");
  var furthest = Number(root.dataset.furthest) || 0;
  var required = Number(root.dataset.required) || 0;
  var credited = Number(root.dataset.credited) || 0;
  var courseComplete = root.dataset.courseComplete === "1";
  var stream = null, seq = 0, lastBeat = 0, lastActivity = Date.now(), prompt = null, paused = false, busy = false;
  var retryAt = 0, failures = 0, leftPage = false, starting = false, lostNoted = false;

  function $(id) { return document.getElementById(id); }
  function say(text, cls) { statusEl.textContent = text; statusEl.className = "status " + (cls || ""); }
  function fmt(sec) { sec = Math.max(0, Math.floor(sec)); var h = Math.floor(sec / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
    return h ? h + " 小时 " + m + " 分" : m ? m + " 分 " + s + " 秒" : s + " 秒"; }
  function clockTime(d) { return d.toLocaleTimeString("zh-CN", { hour12: false }); }
  function chapterDone() { return required > 0 && credited >= required; }

  function api(path, body) {
    return fetch("/api/v1" + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        j._status = r.status; j._retryAfter = Number(r.headers.get("Retry-After")) || 0; return j;
      });
    });
  }

  // ---- the server could not record this beat (503 while the database is away, or a lost connection) -------
  // Retry soon: the server credits the gap since the last accepted beat (up to one interval and its grace) as
  // long as it is under the idle timeout, so a beat that gets through quickly after the outage keeps the
  // segment going. Waits follow Retry-After, else 1, 2, 4 … s; never longer than one interval nor a quarter
  // of the idle timeout; with a little jitter so that a room of learners does not come back all at once.
  function unavailable(retryAfterS) {
    failures += 1;
    var wait = retryAfterS > 0 ? retryAfterS * 1000 : Math.min(1000 * Math.pow(2, failures - 1), 16000);
    wait = Math.max(1000, Math.min(wait, interval, idleMs / 4));
    wait = wait * (0.8 + Math.random() * 0.4);
    retryAt = Date.now() + wait;
    say("服务器暂时无法记录学习时间，" + Math.ceil(wait / 1000) + " 秒后自动重试。请继续学习，恢复后接着计时"
        + "（中断超过 " + (idleMs >= 60000 ? Math.round(idleMs / 60000) + " 分钟" : Math.round(idleMs / 1000) + " 秒")
        + "将开始新的学习时段）。", "warn");
  }
  function transient(status) { return status === 0 || status === 502 || status === 503 || status === 504 || status === 500; }

  function start() {
    paused = false; starting = true; stream = null;
    $("elsewhere").hidden = true;
    return api("/study/streams", { enrolment_id: Number(root.dataset.enrolment), chapter_id: Number(chapterId) })
      .then(function (j) {
        starting = false;
        if (transient(j._status)) { unavailable(j._retryAfter); return; }
        if (j._status !== 201) { say(j.message || "无法开始计时，请刷新页面", "warn"); paused = true; return; }
        stream = j.stream; seq = 0; lastBeat = 0; failures = 0; retryAt = 0;
        sayCounting();
        beat();
      }, function () { starting = false; unavailable(0); });
  }

  function active() {
    if (document.visibilityState !== "visible") return false;
    if (video && !video.paused && !video.ended) return true;
    return Date.now() - lastActivity < activeWindow;
  }

  // What the status line says while the clock runs: what is left and why, or that the chapter is done.
  function sayCounting(extra) {
    if (courseComplete) { say("本课程在线学习已全部完成" + (extra || "") + "。继续学习会记录在学习记录中。", "ok"); return; }
    if (chapterDone()) { say("本章已完成" + (extra || "") + (root.dataset.nextTitle ? "，可以学习下一章" : "") + "。在本页继续阅读仍会记入学习记录。", "ok"); return; }
    var left = "本章还需 " + fmt(required - credited);
    if (video && video.ended) {
      say("视频已播放完毕，但" + left + "才算完成：页面保持打开、在前台并有操作（点击、滑动）时继续计时。", "warn");
      return;
    }
    say("正在计时 · " + left + (extra || ""), "ok");
  }

  function beat() {
    if (paused || busy || prompt || starting) return;
    if (!stream) { start(); return; }
    if (!active()) {
      say(video && video.ended && !chapterDone()
        ? "视频已播放完毕，本章还需 " + fmt(required - credited) + "。计时已暂停：点击或滑动页面即可继续计时。"
        : "您已较长时间没有操作，计时已暂停。点击或滑动页面即可继续学习。", "warn");
      return;
    }
    busy = true; lastBeat = Date.now(); seq += 1;
    api("/study/heartbeat", { stream: stream, seq: seq, position: video ? video.currentTime : null })
      .then(function (j) {
        busy = false;
        if (transient(j._status)) { unavailable(j._retryAfter); return; }
        failures = 0; retryAt = 0;
        if (j._status === 409 && j.error === "paused_elsewhere") {
          paused = true; stream = null;
          $("elsewhere").hidden = false;
          say("本页面已暂停计时", "warn"); return;
        }
        if (j._status === 401) { paused = true; say("登录已失效，请重新登录后继续学习", "warn"); return; }
        // no clock, or this page ended its own stream when it was hidden (pagehide, then restored): open a new one
        if (j._status === 409 && (j.error === "not_studying" || j.error === "stream_ended")) { start(); return; }
        if (j._status !== 200) { return; }
        if (j.chapter) showChapter(j.chapter);
        if (j.course_complete) courseDone();
        // (after a late click the server says so once more on the next beat: the note already says more)
        if (j.state === "prompt_missed") { if (!lostNoted) lost(null, new Date()); say("人机交互确认超时，本段学习已结束；继续操作将开始新的学习时段。", "warn"); }
        else if (j.state === "started") { sayCounting("（新的学习时段已开始）"); }
        else if (j.state === "credited") { sayCounting(); }
        if (j.prompt) showPrompt(j.prompt);
      }, function () { busy = false; unavailable(0); });
  }

  // ---- progress on the page follows the counter: this chapter, its line in the list, the course --------------
  function showChapter(c) {
    var wasDone = chapterDone();
    credited = c.credited_seconds; required = c.required_seconds || required;
    if (c.furthest_position > furthest) furthest = c.furthest_position;
    $("chapter-credited").textContent = fmt(credited);
    $("chapter-left-time").textContent = fmt(required - credited);
    var pct = required ? Math.min(100, Math.floor(credited * 100 / required)) : 100;
    var bar = document.querySelector("#chapter-bar .bar span");
    if (bar) bar.style.width = pct + "%";
    var li = document.querySelector('li[data-chapter-id="' + chapterId + '"]');
    if (li) li.dataset.credited = credited;
    var cell = document.querySelector('[data-chapter-percent="' + chapterId + '"]');
    if (cell) cell.textContent = pct + "%" + (c.complete ? " ✓" : "");
    coursePercent();
    if (c.complete || chapterDone()) {
      $("chapter-done").hidden = false; $("chapter-left").hidden = true;
      if (!wasDone) { $("chapter-next").hidden = false; refreshCourse(); }
    }
  }
  // The course's percentage as the server computes it (course_progress): each chapter counts up to its minutes.
  function coursePercent() {
    var got = 0, need = 0;
    Array.prototype.forEach.call(document.querySelectorAll("ol.chapters li[data-chapter-id]"), function (li) {
      var r = Number(li.dataset.required), c = Number(li.dataset.credited);
      got += Math.min(c, r); need += r;
    });
    if (!need) return;
    var pct = Math.floor(got * 100 / need);
    $("course-percent").textContent = pct;
    var bar = document.querySelector("#course-bar .bar span");
    if (bar) bar.style.width = pct + "%";
  }
  function courseDone() {
    courseComplete = true;
    $("course-done").hidden = false; $("course-done-note").hidden = false;
    $("chapter-next").hidden = false;
    $("chapter-next-text").textContent = "本课程在线学习已全部完成。";
    var next = $("next-chapter"); if (next) next.hidden = true;
  }
  function refreshCourse() {
    fetch("/api/v1/enrolments/" + root.dataset.enrolment + "/progress", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        p.chapters.forEach(function (c) {
          var li = document.querySelector('li[data-chapter-id="' + c.chapter_id + '"]');
          if (li && String(c.chapter_id) !== chapterId) li.dataset.credited = c.credited_seconds;
        });
        coursePercent();
        if (p.complete) courseDone();
      }).catch(function () { /* the next chapter's completion refreshes again */ });
  }

  // ---- 人机交互: the prompt, its countdown, and what a missed one cost --------------------------------------
  function showPrompt(p) {
    prompt = p; prompt.shownAt = new Date(); lostNoted = false;
    var deadline = Date.now() + p.seconds_left * 1000;
    $("presence-ask").hidden = false; $("presence-late").hidden = true;
    $("presence").hidden = false;
    say("请确认您正在学习（计时已暂停）", "warn");
    (function tick() {
      if (!prompt || prompt.id !== p.id) return;
      var s = Math.round((deadline - Date.now()) / 1000);
      if (s <= 0) { promptLate(p); return; }
      $("presence-left").textContent = s;
      setTimeout(tick, 500);
    })();
  }
  function promptLate(p) {
    p.late = true;
    $("presence-shown").textContent = clockTime(p.shownAt);
    $("presence-ask").hidden = true; $("presence-late").hidden = false;
    say("人机交互确认已超时，本段学习已结束", "warn");
  }
  // Said once and left on the page: the status line changes with every beat, this does not.
  function lost(shownAt, at) {
    var el = $("lost");
    el.textContent = shownAt
      ? "人机交互确认超时：从 " + clockTime(shownAt) + " 弹出确认到 " + clockTime(at) + " 点击之间的 " + fmt((at - shownAt) / 1000)
        + " 未计入学时。本段学习已于弹出确认时结束，现已开始新的学习时段。"
      : "人机交互确认超时：从弹出确认起的时间未计入学时，已开始新的学习时段。";
    el.hidden = false;
  }
  function answerPrompt() {
    if (!prompt) return;
    var p = prompt, at = new Date();
    api("/study/prompts/" + p.id + "/answer", { stream: stream }).then(function (j) {
      $("presence").hidden = true; prompt = null; lastActivity = Date.now();
      if (j._status === 200) { say("已确认，继续计时", "ok"); lastBeat = Date.now(); }
      else if (j.error === "prompt_missed") { lost(p.shownAt, at); lostNoted = true; lastBeat = 0; }
      else if (transient(j._status)) { prompt = p; $("presence").hidden = false; unavailable(j._retryAfter); }
      else { say(j.message || "确认失败", "warn"); }
    }, function () { say("网络连接中断，请再点一次确认", "warn"); });
  }
  $("presence-ok").addEventListener("click", answerPrompt);
  $("presence-again").addEventListener("click", answerPrompt);
  $("take-over").addEventListener("click", start);

  // ---- activity: this page, and the chapter's own document ------------------------------------------------
  function touched() {
    var wasIdle = !active();
    lastActivity = Date.now();
    if (wasIdle && stream && !paused && !prompt && !retryAt) sayCounting();
  }
  var EVENTS = ["mousemove", "mousedown", "keydown", "touchstart", "scroll", "wheel"];
  EVENTS.forEach(function (ev) { window.addEventListener(ev, touched, { passive: true, capture: true }); });
  // An HTML chapter is a sandboxed frame without scripts of its own, of this origin (sandbox allow-same-origin),
  // so this page can listen inside it; it is sized to its content so that the page, not the frame, scrolls.
  var frame = $("doc");
  if (frame) {
    var fit = function () {
      try {
        var d = frame.contentDocument;
        if (d && d.documentElement) frame.style.height = Math.max(320, d.documentElement.scrollHeight + 4) + "px";
      } catch (e) { /* not of this origin: keep the fixed height */ }
    };
    var hook = function () {
      var w;
      try { w = frame.contentWindow; w.document; } catch (e) { return; }
      EVENTS.forEach(function (ev) { w.addEventListener(ev, touched, { passive: true, capture: true }); });
      fit();
      if (window.ResizeObserver) new ResizeObserver(fit).observe(w.document.documentElement);
      Array.prototype.forEach.call(w.document.images, function (img) { img.addEventListener("load", fit); });
    };
    frame.addEventListener("load", hook);
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") hook();
  }
  var opener = $("pdf-open");
  if (opener) opener.addEventListener("click", function () { leftPage = true; });

  if (video) {
    video.addEventListener("timeupdate", function () {
      if (video.currentTime <= furthest + 2) furthest = Math.max(furthest, video.currentTime);
    });
    video.addEventListener("seeking", function () {
      // 不允许拖动到尚未观看的位置
      if (video.currentTime > furthest + 1) { video.currentTime = furthest; say("不能跳到尚未观看的位置", "warn"); }
    });
    video.addEventListener("loadedmetadata", function () {
      if (furthest > 0 && furthest < video.duration) video.currentTime = Math.min(furthest, video.duration - 1);
    });
    video.addEventListener("ended", function () { lastActivity = Date.now(); if (!chapterDone()) sayCounting(); });
  }

  setInterval(function () {
    if (retryAt) { if (Date.now() >= retryAt) { retryAt = 0; lastBeat = 0; beat(); } return; }
    if (Date.now() - lastBeat >= interval) beat();
  }, 250);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") {
      say(leftPage ? "您在其他窗口阅读 PDF，本页计时已暂停（离开本页的时间不计入学时）" : "页面不在前台，计时已暂停", "warn");
    } else if (leftPage) {
      leftPage = false; lastActivity = Date.now();
      say("欢迎回来：在其他窗口阅读的时间未计入学时，在本页阅读即继续计时。", "warn");
    }
  });
  window.addEventListener("pagehide", function () {
    if (stream) fetch("/api/v1/study/streams/end", { method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify({ stream: stream }) });
  });
  start();
})();
