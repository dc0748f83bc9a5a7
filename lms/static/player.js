// 在线学习 player: sends heartbeats while the page is visible and the learner is active.
// The server alone decides what is credited; this script only reports that the learner is here.
(function () {
  "use strict";
  var root = document.getElementById("player");
  if (!root || !root.dataset.chapter || root.dataset.studyOpen !== "1") return;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var interval = Number(root.dataset.heartbeat) * 1000;
  var activeWindow = Number(root.dataset.interactionWindow) * 1000;
  var statusEl = document.getElementById("status");
  var video = document.getElementById("video");
  var furthest = Number(root.dataset.furthest) || 0;
  var required = Number(root.dataset.required) || 0;
  var stream = null, seq = 0, lastBeat = 0, lastActivity = Date.now(), prompt = null, paused = false, busy = false;

  function say(text, cls) { statusEl.textContent = text; statusEl.className = "status " + (cls || ""); }
  function fmt(sec) { sec = Math.floor(sec); var h = Math.floor(sec / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
    return h ? h + " 小时 " + m + " 分" : m + " 分 " + s + " 秒"; }

  function api(path, body) {
    return fetch("/api/v1" + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) { return r.json().catch(function () { return {}; }).then(function (j) { j._status = r.status; return j; }); });
  }

  function start() {
    paused = false;
    document.getElementById("elsewhere").hidden = true;
    return api("/study/streams", { enrolment_id: Number(root.dataset.enrolment), chapter_id: Number(root.dataset.chapter) })
      .then(function (j) {
        if (j._status !== 201) { say(j.message || "无法开始计时，请刷新页面", "warn"); paused = true; return; }
        stream = j.stream; seq = 0; lastBeat = 0;
        say("正在计时", "ok");
        beat();
      });
  }

  function active() {
    if (document.visibilityState !== "visible") return false;
    if (video && !video.paused && !video.ended) return true;
    return Date.now() - lastActivity < activeWindow;
  }

  function beat() {
    if (!stream || paused || busy || prompt) return;
    if (!active()) { say("您已较长时间没有操作，计时已暂停。点击或滑动页面即可继续学习。", "warn"); return; }
    busy = true; lastBeat = Date.now(); seq += 1;
    api("/study/heartbeat", { stream: stream, seq: seq, position: video ? video.currentTime : null })
      .then(function (j) {
        busy = false;
        if (j._status === 409 && j.error === "paused_elsewhere") {
          paused = true; stream = null;
          document.getElementById("elsewhere").hidden = false;
          say("本页面已暂停计时", "warn"); return;
        }
        if (j._status === 401) { paused = true; say("登录已失效，请重新登录后继续学习", "warn"); return; }
        if (j._status === 409 && j.error === "not_studying") { start(); return; }
        if (j._status !== 200) { return; }
        if (j.chapter) {
          document.getElementById("chapter-credited").textContent = fmt(j.chapter.credited_seconds);
          if (j.chapter.complete) document.getElementById("chapter-done").hidden = false;
          var bar = root.querySelector(".bar span");
          if (bar && required) bar.style.width = Math.min(100, Math.floor(j.chapter.credited_seconds * 100 / required)) + "%";
          if (j.chapter.furthest_position > furthest) furthest = j.chapter.furthest_position;
        }
        if (j.state === "prompt_missed") { say("人机交互确认超时，本段学习已结束；继续操作将重新开始计时。", "warn"); }
        else if (j.state === "started") { say("正在计时（新的学习时段已开始）", "ok"); }
        else if (j.state === "credited") { say("正在计时 · 本次计入 " + Math.round(j.credited_seconds) + " 秒", "ok"); }
        if (j.chapter && j.chapter.complete && !chapterDone) { chapterDone = true; refreshCourse(); }
        if (j.prompt) showPrompt(j.prompt);
      })
      .catch(function () { busy = false; say("网络连接中断，恢复后将自动继续（中断期间不计时）", "warn"); });
  }

  var chapterDone = document.getElementById("chapter-done") && !document.getElementById("chapter-done").hidden;
  function refreshCourse() {
    fetch("/api/v1/enrolments/" + root.dataset.enrolment + "/progress", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        document.getElementById("course-percent").textContent = p.percent;
        var bar = document.querySelector("#course-bar .bar span");
        if (bar) bar.style.width = p.percent + "%";
        p.chapters.forEach(function (c) {
          var el = document.querySelector('[data-chapter-percent="' + c.chapter_id + '"]');
          if (el) el.textContent = c.percent + "%" + (c.complete ? " ✓" : "");
        });
        if (p.complete) {
          document.getElementById("course-done").hidden = false;
          document.getElementById("course-done-note").hidden = false;
        }
      });
  }

  function showPrompt(p) {
    prompt = p;
    var box = document.getElementById("presence"), left = document.getElementById("presence-left");
    var deadline = Date.now() + p.seconds_left * 1000;
    box.hidden = false;
    say("请确认您正在学习（计时已暂停）", "warn");
    (function tick() {
      if (!prompt || prompt.id !== p.id) return;
      var s = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      left.textContent = s;
      if (s > 0) setTimeout(tick, 500);
    })();
  }

  document.getElementById("presence-ok").addEventListener("click", function () {
    if (!prompt) return;
    var id = prompt.id;
    api("/study/prompts/" + id + "/answer", { stream: stream }).then(function (j) {
      document.getElementById("presence").hidden = true; prompt = null; lastActivity = Date.now();
      if (j._status === 200) { say("已确认，继续计时", "ok"); lastBeat = Date.now(); }
      else { say(j.message || "确认失败", "warn"); }
    });
  });
  document.getElementById("take-over").addEventListener("click", start);

  ["mousemove", "mousedown", "keydown", "touchstart", "scroll", "wheel"].forEach(function (ev) {
    window.addEventListener(ev, function () {
      var wasIdle = !active();
      lastActivity = Date.now();
      if (wasIdle && stream && !paused && !prompt) say("正在计时", "ok");
    }, { passive: true });
  });

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
  }

  setInterval(function () { if (Date.now() - lastBeat >= interval) beat(); }, 250);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") say("页面不在前台，计时已暂停", "warn");
  });
  window.addEventListener("pagehide", function () {
    if (stream) fetch("/api/v1/study/streams/end", { method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify({ stream: stream }) });
  });
  start();
})();
