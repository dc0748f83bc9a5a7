// 考生签到: read the admission ticket's QR code with the tablet's or phone's camera and fill in the ticket number.
// The browser's BarcodeDetector where it reads QR codes, else jsQR (vendored from npm) on frames drawn to a canvas.
// The code holds the ticket number alone; check-in itself still needs the proctor's assignment to the session and
// the last four characters of the candidate's ID number, typed by the proctor from the ID card.
(function () {
  "use strict";
  var box = document.getElementById("scanner");
  if (!box) return;
  var ticket = document.getElementById("ticket_no"), idLast = document.getElementById("id_last");
  var startBtn = document.getElementById("scan-start"), stopBtn = document.getElementById("scan-stop");
  var video = document.getElementById("scan-video"), statusEl = document.getElementById("scan-status");
  var TICKET = /^[0-9]{14}$/;
  var stream = null, detector = null, timer = null;
  var canvas = document.createElement("canvas"), ctx = canvas.getContext("2d", { willReadFrequently: true });

  function say(text, cls) { statusEl.textContent = text; statusEl.className = "scan-status " + (cls || ""); }

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    startBtn.disabled = true;
    say("此浏览器不能使用摄像头（需 HTTPS），请手动输入准考证号。", "error");
    return;
  }

  function makeDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    }).catch(function () { return null; });
  }

  function read() {
    if (detector) {
      return detector.detect(video).then(function (found) { return found.length ? found[0].rawValue : null; });
    }
    var w = video.videoWidth, h = video.videoHeight;
    if (!w || !h) return Promise.resolve(null);
    var scale = Math.min(1, 800 / Math.max(w, h));  // jsQR's time grows with the pixels: a ticket needs few
    canvas.width = Math.round(w * scale); canvas.height = Math.round(h * scale);
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "attemptBoth" });
    return Promise.resolve(code ? code.data : null);
  }

  function tick() {
    if (!stream) return;
    read().catch(function () { return null; }).then(function (text) {
      if (!stream) return;
      if (text !== null) {
        text = String(text).trim();
        if (TICKET.test(text)) { found(text); return; }
        say("这不是准考证上的二维码，请扫描准考证。", "error");
      }
      timer = setTimeout(tick, 150);
    });
  }

  function found(number) {
    stop();
    ticket.value = number;
    ticket.dispatchEvent(new Event("input", { bubbles: true }));
    say("已识别准考证号 " + number + "。请核对考生身份证，输入身份证号后四位后签到。", "ok");
    idLast.focus();
  }

  function stop() {
    if (timer) clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.srcObject = null;
    video.hidden = true; startBtn.hidden = false; stopBtn.hidden = true;
  }

  function start() {
    say("正在打开摄像头…");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false; startBtn.hidden = true; stopBtn.hidden = false;
        return Promise.all([video.play(), makeDetector()]);
      })
      .then(function (got) {
        detector = got[1];
        box.dataset.decoder = detector ? "BarcodeDetector" : "jsQR";
        say("请将准考证上的二维码对准摄像头。");
        tick();
      })
      .catch(function (e) {
        stop();
        say((e && e.name === "NotAllowedError" ? "没有获得摄像头权限" : "无法打开摄像头") + "，请手动输入准考证号。", "error");
      });
  }

  startBtn.addEventListener("click", start);
  stopBtn.addEventListener("click", function () { stop(); say(""); });
  window.addEventListener("pagehide", stop);
})();
