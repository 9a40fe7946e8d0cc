// The embedding map's page script (inlined by lumos/visual/embed_map.py): reads
// LUMOS_MAP, draws the points on a canvas, shows the hovered point's token inside its
// sentence (text only through textContent), zooms and pans. window.lumosMap exposes the
// count and each point's position for tests. No external resource.
(function () {
  "use strict";
  var D = LUMOS_MAP, n = D.x.length, C = D.colour;
  var cv = document.getElementById("map"), ctx = cv.getContext("2d");
  var over = document.getElementById("hover"), octx = over.getContext("2d");
  var tip = document.getElementById("tip");
  var hidden = {}, hover = -1, W = 0, H = 0, k = 1, tx = 0, ty = 0;
  var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity, i;
  for (i = 0; i < n; i++) {
    if (D.x[i] < minX) minX = D.x[i]; if (D.x[i] > maxX) maxX = D.x[i];
    if (D.y[i] < minY) minY = D.y[i]; if (D.y[i] > maxY) maxY = D.y[i];
  }
  function hex(h) { return [1, 3, 5].map(function (j) { return parseInt(h.substr(j, 2), 16); }); }
  var ramp = C.ramp.map(hex);
  function rampAt(t) {
    var x = Math.min(1, Math.max(0, t)) * (ramp.length - 1), j = Math.min(ramp.length - 2, Math.floor(x)), f = x - j;
    var a = ramp[j], b = ramp[j + 1];
    return "rgb(" + [0, 1, 2].map(function (q) { return Math.round(a[q] + (b[q] - a[q]) * f); }).join(",") + ")";
  }
  var colour = new Array(n), group = new Array(n);
  for (i = 0; i < n; i++) {
    if (C.kind === "category") { group[i] = C.values[i]; colour[i] = C.colours[C.values[i]]; }
    else if (C.kind === "number") {
      var v = C.values[i]; group[i] = -1;
      colour[i] = v === null ? C.missing : rampAt(C.hi > C.lo ? (v - C.lo) / (C.hi - C.lo) : 0.5);
    } else { group[i] = -1; colour[i] = "#4e79a7"; }
  }
  var r = n > 5000 ? 2.2 : n > 1000 ? 3 : 4.5;
  var sx = new Float64Array(n), sy = new Float64Array(n);
  function layout() {
    var box = cv.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    W = box.width; H = box.height;
    cv.width = over.width = Math.round(W * dpr); cv.height = over.height = Math.round(H * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0); octx.setTransform(dpr, 0, 0, dpr, 0, 0);
    var pad = 18, spanX = (maxX - minX) || 1, spanY = (maxY - minY) || 1;
    var s = Math.min((W - 2 * pad) / spanX, (H - 2 * pad) / spanY);
    var ox = (W - spanX * s) / 2, oy = (H - spanY * s) / 2;
    for (var j = 0; j < n; j++) { sx[j] = ox + (D.x[j] - minX) * s; sy[j] = oy + (maxY - D.y[j]) * s; }
  }
  function px(j) { return sx[j] * k + tx; }
  function py(j) { return sy[j] * k + ty; }
  function visible(j) { return !(group[j] >= 0 && hidden[group[j]]); }
  function draw() {
    ctx.clearRect(0, 0, W, H);
    var byColour = {}, drawn = 0, j, x, y;
    for (j = 0; j < n; j++) {
      if (!visible(j)) continue;
      x = px(j); y = py(j);
      if (x < -r || y < -r || x > W + r || y > H + r) continue;
      (byColour[colour[j]] = byColour[colour[j]] || []).push(x, y);
      drawn++;
    }
    ctx.globalAlpha = 0.82;
    Object.keys(byColour).forEach(function (c) {
      var p = byColour[c]; ctx.fillStyle = c; ctx.beginPath();
      for (var q = 0; q < p.length; q += 2) { ctx.moveTo(p[q] + r, p[q + 1]); ctx.arc(p[q], p[q + 1], r, 0, 2 * Math.PI); }
      ctx.fill();
    });
    ctx.globalAlpha = 1;
    cv.dataset.drawn = String(drawn);
    ring();
  }
  // the hovered point's ring, on its own canvas: hovering never redraws the points
  function ring() {
    octx.clearRect(0, 0, W, H);
    if (hover < 0) return;
    octx.beginPath(); octx.arc(px(hover), py(hover), r + 3, 0, 2 * Math.PI);
    octx.lineWidth = 2; octx.strokeStyle = "#111"; octx.stroke();
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag); if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text; return e;
  }
  function show(j, cx, cy) {
    var s = D.sentences[D.s[j]], t = D.t[j];
    tip.textContent = "";
    var sent = el("div", "sent"); sent.dir = "auto";
    if (t >= 0 && s.tokens.length) {
      var head = el("div", "tok"); head.appendChild(el("bdi", "", s.tokens[t])); tip.appendChild(head);
      for (var q = 0; q < s.tokens.length; q++) {
        if (q > 0 && !s.joins[q]) sent.appendChild(document.createTextNode(" "));
        sent.appendChild(el(q === t ? "mark" : "span", "", s.tokens[q]));
      }
    } else {
      sent.className = "sent whole"; sent.textContent = s.text;
    }
    tip.appendChild(sent);
    if (C.field) tip.appendChild(el("div", "val", C.field + ": " + C.labels[j]));
    tip.dataset.point = String(j);
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = cx + 14, top = cy + 14;
    if (left + w > window.innerWidth - 4) left = Math.max(4, cx - w - 14);
    if (top + h > window.innerHeight - 4) top = Math.max(4, cy - h - 14);
    tip.style.left = left + "px"; tip.style.top = top + "px";
  }
  function nearest(mx, my) {
    var best = -1, bd = (r + 5) * (r + 5);
    for (var j = 0; j < n; j++) {
      if (!visible(j)) continue;
      var dx = px(j) - mx, dy = py(j) - my, d = dx * dx + dy * dy;
      if (d <= bd) { bd = d; best = j; }
    }
    return best;
  }
  var drag = null;
  cv.addEventListener("mousemove", function (e) {
    var b = cv.getBoundingClientRect(), mx = e.clientX - b.left, my = e.clientY - b.top;
    if (drag) { tx = drag.tx + mx - drag.x; ty = drag.ty + my - drag.y; tip.hidden = true; hover = -1; draw(); return; }
    var j = nearest(mx, my);
    if (j !== hover) { hover = j; ring(); }
    if (j >= 0) show(j, e.clientX, e.clientY); else tip.hidden = true;
  });
  cv.addEventListener("mouseleave", function () { tip.hidden = true; hover = -1; ring(); });
  cv.addEventListener("mousedown", function (e) {
    var b = cv.getBoundingClientRect();
    drag = { x: e.clientX - b.left, y: e.clientY - b.top, tx: tx, ty: ty };
  });
  window.addEventListener("mouseup", function () { drag = null; });
  cv.addEventListener("wheel", function (e) {
    e.preventDefault();
    var b = cv.getBoundingClientRect(), mx = e.clientX - b.left, my = e.clientY - b.top;
    var f = Math.exp(-e.deltaY * 0.0015), nk = Math.min(200, Math.max(0.2, k * f));
    tx = mx - (mx - tx) * (nk / k); ty = my - (my - ty) * (nk / k); k = nk;
    tip.hidden = true; hover = -1; draw();
  }, { passive: false });
  cv.addEventListener("dblclick", function () { k = 1; tx = 0; ty = 0; draw(); });
  Array.prototype.forEach.call(document.querySelectorAll("#legend button[data-cat]"), function (b) {
    b.addEventListener("click", function () {
      var c = Number(b.dataset.cat); hidden[c] = !hidden[c];
      b.setAttribute("aria-pressed", hidden[c] ? "false" : "true"); hover = -1; tip.hidden = true; draw();
    });
  });
  window.addEventListener("resize", function () { layout(); draw(); });
  layout(); draw();
  window.lumosMap = {
    count: n,
    /** point j's position in the page (client coordinates), or null when hidden */
    position: function (j) {
      var b = cv.getBoundingClientRect();
      return visible(j) ? [b.left + px(j), b.top + py(j)] : null;
    }
  };
})();
