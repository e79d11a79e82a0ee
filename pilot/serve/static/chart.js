/* A small time-series chart on a canvas, written for this dashboard (no library, no
   network): lines per series, horizontal bands (process window, dioxin formation
   window), time and value axes. window.PilotChart.draw(canvas, spec). */
"use strict";
(function () {
  const COLOURS = ["#0969da", "#8250df", "#bf3989", "#fb8500", "#1a7f37", "#57606a", "#cf222e"];

  function niceStep(span, count) {
    const raw = span / Math.max(1, count);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) { if (raw <= m * mag) return m * mag; }
    return 10 * mag;
  }

  function draw(canvas, spec) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio);
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const pad = { left: 44, right: 8, top: 8, bottom: 22 };
    const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
    let lo = Infinity, hi = -Infinity;
    for (const points of Object.values(spec.series)) {
      for (const p of points) { if (p[1] < lo) lo = p[1]; if (p[1] > hi) hi = p[1]; }
    }
    for (const b of spec.bands || []) { lo = Math.min(lo, b.lo); hi = Math.max(hi, b.show ? b.hi : hi); }
    if (!isFinite(lo)) { lo = 0; hi = 1; }
    if (spec.yMin !== undefined) lo = Math.min(lo, spec.yMin);
    if (hi - lo < 1) hi = lo + 1;
    const margin = (hi - lo) * 0.05; lo -= margin; hi += margin;
    const x0 = spec.xMin, x1 = Math.max(spec.xMax, spec.xMin + 1);
    const X = (t) => pad.left + (t - x0) / (x1 - x0) * plotW;
    const Y = (v) => pad.top + (hi - v) / (hi - lo) * plotH;
    g.save();
    g.beginPath(); g.rect(pad.left, pad.top, plotW, plotH); g.clip();
    for (const b of spec.bands || []) {
      g.fillStyle = b.colour;
      const top = Y(Math.min(b.hi, hi)), bottom = Y(Math.max(b.lo, lo));
      if (bottom > top) g.fillRect(pad.left, top, plotW, bottom - top);
    }
    Object.entries(spec.series).forEach(([name, points], i) => {
      g.strokeStyle = (spec.colours && spec.colours[name]) || COLOURS[i % COLOURS.length];
      g.lineWidth = 1.5; g.beginPath();
      let last = null;
      for (const p of points) {
        const px = X(p[0]), py = Y(p[1]);
        // A gap longer than a few sample steps is missing data: do not join across it.
        if (last === null || p[0] - last > spec.gapMs) g.moveTo(px, py); else g.lineTo(px, py);
        last = p[0];
      }
      g.stroke();
    });
    g.restore();
    g.strokeStyle = "#d0d7de"; g.fillStyle = "#57606a"; g.font = "11px system-ui, sans-serif";
    g.strokeRect(pad.left, pad.top, plotW, plotH);
    const yStep = niceStep(hi - lo, Math.max(2, Math.floor(plotH / 40)));
    g.textAlign = "right"; g.textBaseline = "middle";
    for (let v = Math.ceil(lo / yStep) * yStep; v <= hi; v += yStep) {
      g.fillText(String(Math.round(v * 100) / 100), pad.left - 4, Y(v));
      g.beginPath(); g.moveTo(pad.left, Y(v)); g.lineTo(pad.left + plotW, Y(v)); g.strokeStyle = "#eaeef2"; g.stroke();
    }
    const ticks = Math.max(2, Math.floor(plotW / 90));
    g.textAlign = "center"; g.textBaseline = "top";
    for (let i = 0; i <= ticks; i++) {
      const t = x0 + (x1 - x0) * i / ticks;
      g.fillText(spec.timeLabel(t), Math.min(Math.max(X(t), pad.left + 20), pad.left + plotW - 20), pad.top + plotH + 4);
    }
  }
  window.PilotChart = { draw: draw, COLOURS: COLOURS };
})();
