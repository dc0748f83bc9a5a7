// PDF chapters drawn in the player page with PDF.js (vendored from npm: static/vendor/pdfjs/).
// In the page rather than in a frame: phones show no PDF in a frame, and scrolling or touching the pages is
// activity of this page, which player.js hears. Pages are drawn as they come near the screen, at the column's
// width (sharp on high-density screens, at most 2x to spare phones' memory).
const box = document.getElementById("pdf");
if (box) {
  const pdfjs = await import(box.dataset.lib);
  pdfjs.GlobalWorkerOptions.workerSrc = box.dataset.worker;
  const loading = document.getElementById("pdf-loading");
  try {
    const doc = await pdfjs.getDocument({
      url: box.dataset.src, cMapUrl: box.dataset.cmaps, cMapPacked: true,
      standardFontDataUrl: box.dataset.fonts, isEvalSupported: false,
    }).promise;
    loading.remove();
    const first = await doc.getPage(1);
    const ratio = first.getViewport({ scale: 1 }).height / first.getViewport({ scale: 1 }).width;
    const slots = [];
    for (let n = 1; n <= doc.numPages; n += 1) {
      const slot = document.createElement("div");
      slot.className = "pdf-page";
      slot.dataset.page = String(n);
      slot.style.aspectRatio = `1 / ${ratio}`;
      slot.setAttribute("aria-label", `第 ${n} 页，共 ${doc.numPages} 页`);
      box.appendChild(slot);
      slots.push(slot);
    }
    box.dataset.pages = String(doc.numPages);
    const draw = async (slot) => {
      if (slot.dataset.drawn) return;
      slot.dataset.drawn = "1";
      const page = await doc.getPage(Number(slot.dataset.page));
      const base = page.getViewport({ scale: 1 });
      const scale = slot.clientWidth / base.width;
      const dpr = Math.min(window.devicePixelRatio || 1, 2);
      const view = page.getViewport({ scale: scale * dpr });
      const canvas = document.createElement("canvas");
      canvas.width = Math.floor(view.width);
      canvas.height = Math.floor(view.height);
      slot.style.aspectRatio = `${base.width} / ${base.height}`;
      slot.appendChild(canvas);
      await page.render({ canvas, canvasContext: canvas.getContext("2d"), viewport: view }).promise;
      slot.dataset.rendered = "1";
    };
    const seen = new IntersectionObserver((entries) => {
      entries.forEach((e) => { if (e.isIntersecting) { seen.unobserve(e.target); draw(e.target); } });
    }, { rootMargin: "600px 0px" });
    slots.forEach((slot) => seen.observe(slot));
  } catch (err) {
    loading.textContent = "文档无法在本页显示，请使用下方链接在新窗口打开（在其他窗口阅读时不计时）。";
    loading.className = "flash warning";
    console.error(err);
  }
}
