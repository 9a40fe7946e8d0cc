"""Frame rate of the projector's 2D view (regl-scatterplot, WebGL) with 1,000,000 points
in headless Chromium, while the view pans every frame; and how long hover and lasso take.

A lumos server with the fake models serves the built UI; the page computes a (tiny) PCA
projection so the projector's view exists, then draws ``--points`` random points into it
(the projector's ``drawRandom`` hook: each a copy of the row whose real point is nearest)
and moves the camera on every animation frame for ``--seconds``. Reported, for the
16-point layout (the baseline) and for ``--points``: requestAnimationFrame callbacks and
scatterplot redraws per second, the worst frame, the points drawn per frame while moving
(the level of detail), and the time from the last move until every point is drawn again.
Then, with ``--points``: the time from moving the mouse onto a point until the tooltip
shows, and from releasing a lasso until the table counts the selected rows and until the
projector highlights all their points.

``--dims 3`` measures the 3D view (deck.gl) instead: the same camera moves (``panBy``
moves the orbit's target), the random points get a random depth; no hover or lasso.
``--no-lod`` switches the level of detail off (the "before" figures).

    .venv/bin/python benchmarks/bench_projector_fps.py [--points 1000000] [--seconds 5]
        [--gl default|swiftshader] [--dims 2|3] [--no-lod]
"""

from __future__ import annotations

import argparse
import re
import socket
import tempfile
import time
from pathlib import Path

from lumos.api import registry
from lumos.server.serve import make_server
from lumos.testing import FakeClassifier
from lumos.testing.sample import sample_datasets

CHROMIUM = "/usr/bin/chromium"
BASE_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"]
GL_ARGS = {"default": [], "swiftshader": ["--use-gl=angle", "--use-angle=swiftshader",
                                          "--enable-unsafe-swiftshader"]}

MEASURE = """async ([seconds]) => {
  const h = window.__lumosProjector;
  const f0 = h.frames();
  let raf = 0, worst = 0, last = performance.now(), drawn = Infinity;
  const t0 = last;
  await new Promise((done) => {
    const step = (now) => {
      raf++;
      worst = Math.max(worst, now - last);
      last = now;
      if (raf > 2) drawn = Math.min(drawn, h.lod().drawn);
      const t = (now - t0) / 1000;
      h.panBy(0.004 * Math.cos(t * 2), 0.004 * Math.sin(t * 2));
      if (now - t0 < seconds * 1000) requestAnimationFrame(step); else done();
    };
    requestAnimationFrame(step);
  });
  const stop = performance.now(), secs = (stop - t0) / 1000;
  const draws = (h.frames() - f0) / secs;
  // the camera is still: wait for the frame that draws every point again
  await new Promise((done) => {
    const wait = () => (h.lod().drawn === h.lod().total ? done() : requestAnimationFrame(wait));
    wait();
  });
  const full = performance.now() - stop;
  // and on the screen: two more animation frames wait for the GPU to finish that frame
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return { raf: raf / secs, draws, worst_ms: worst, drawn, full_ms: full,
           shown_ms: performance.now() - stop };
}"""

SETTLED = "() => { const l = window.__lumosProjector.lod(); return l.drawn === l.total; }"
# after SETTLED: the frame of every point has been drawn on the screen, not only submitted
# (in 3D, a million points keep SwiftShader busy for seconds after deck.gl's render call)
SHOWN = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"

# regl-scatterplot builds the spatial index (for hover and lasso) of 1,000,000 points or
# more in a Web Worker: time the worker's round trip
TIME_WORKERS = """(() => {
  const Native = window.Worker;
  window.__workerMs = [];
  window.Worker = class extends Native {
    postMessage(...a) { this.__t = performance.now(); return super.postMessage(...a); }
    set onmessage(f) {
      super.onmessage = (e) => { window.__workerMs.push(performance.now() - this.__t); f(e); };
    }
  };
})()"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--gl", choices=sorted(GL_ARGS), default="default")
    ap.add_argument("--dims", type=int, choices=(2, 3), default=2)
    ap.add_argument("--no-lod", action="store_true", help="switch the level of detail off")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    # load the component registry now: loaded lazily by two of the server's threads at
    # once, one of them can find no projector ("no projector 'pca'")
    registry.load_all()
    with tempfile.TemporaryDirectory() as tmp:
        srv = make_server({"keywords": FakeClassifier()}, {"sentiment": sample_datasets()[
            "sentiment"]}, port=free_port(), store=Path(tmp) / "s.sqlite", quiet=True).start()
        srv.wait_loaded(30)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM,
                                            args=BASE_ARGS + GL_ARGS[args.gl])
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.add_init_script(TIME_WORKERS)
                page.goto(srv.url.rstrip("/") + "/?models=keywords&dataset=sentiment")
                page.get_by_test_id("projector-compute").click(timeout=20000)
                page.wait_for_function(
                    "window.__lumosProjector && window.__lumosProjector.frames() > 0",
                    timeout=20000)
                renderer = page.evaluate("""() => {
                    const gl = document.createElement('canvas').getContext('webgl');
                    const ext = gl && gl.getExtension('WEBGL_debug_renderer_info');
                    return gl ? (ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)
                                     : gl.getParameter(gl.RENDERER)) : 'no WebGL';
                }""")
                if args.dims == 3:
                    to_3d(page)
                if args.no_lod:
                    page.evaluate("window.__lumosProjector.setLod(false)")
                base = page.evaluate(MEASURE, [args.seconds])
                t0 = time.perf_counter()
                page.evaluate("n => window.__lumosProjector.drawRandom(n)", args.points)
                load = time.perf_counter() - t0
                index_ms = page.evaluate("window.__workerMs")
                page.wait_for_function(SETTLED)  # the first frame of all points is drawn
                page.evaluate(SHOWN)
                big = page.evaluate(MEASURE, [args.seconds])
                hover, lasso = interact(page) if args.dims == 2 else (None, None)
                browser.close()
        finally:
            srv.stop()

    print(f"{args.dims}D view, level of detail {'off' if args.no_lod else 'on'}")
    print(f"WebGL renderer: {renderer} (flags: {args.gl})")
    print(f"drawing {args.points:,} points took {load:.2f} s"
          + (f" (spatial index in a worker: {index_ms[-1] / 1000:.2f} s)" if index_ms else ""))
    print(f"{'points':>10} {'rAF/s':>8} {'redraws/s':>10} {'worst frame':>12} "
          f"{'drawn/frame':>12} {'all drawn after stop':>21} {'on screen':>10}")
    for n, r in (("16", base), (f"{args.points:,}", big)):
        print(f"{n:>10} {r['raf']:8.1f} {r['draws']:10.1f} {r['worst_ms']:9.0f} ms "
              f"{r['drawn']:12,} {r['full_ms']:18.0f} ms {r['shown_ms']:7.0f} ms")
    print(f"ratio (redraws/s, {args.points:,} vs 16 points): "
          f"{big['draws'] / max(base['draws'], 1e-9):.2f}")
    if hover is None:
        return
    print(f"hover: tooltip {hover * 1000:.0f} ms after the mouse moved onto a point")
    print(f"lasso (100x100 px): {lasso['rows']} rows selected in the table "
          f"{lasso['table'] * 1000:.0f} ms after mouse-up; all {lasso['highlighted']:,} "
          f"points of those rows highlighted after {lasso['highlight'] * 1000:.0f} ms")


def to_3d(page) -> None:
    """Switch the projector to its 3D view (computing the 3D projection if need be)."""
    stage = page.get_by_test_id("projector")
    page.get_by_test_id("projector-3d").click()
    page.wait_for_function("() => { const s = document.querySelector('[data-testid=projector]');"
                           " return s.dataset.dims === '3'"
                           " && /missing|ready/.test(s.dataset.status); }", timeout=20000)
    if stage.get_attribute("data-status") == "missing":
        page.get_by_test_id("projector-compute").click()
    page.wait_for_function("() => document.querySelector('[data-testid=projector]').dataset.status"
                           " === 'ready' && document.querySelector('.deck canvas')"
                           " && window.__lumosProjector.lod()?.total === 16"
                           " && window.__lumosProjector.frames() > 0", timeout=60000)


def interact(page) -> tuple[float, dict]:
    """Hover a point, then lasso a 100x100 px square around it, at rest, timed from the
    test driver (so the times include Playwright's round trips, a few milliseconds)."""
    stage = page.get_by_test_id("projector")
    box = stage.bounding_box()
    page.wait_for_function(SETTLED)
    # the real points come first in drawRandom's: hover the first one
    x, y = page.evaluate("() => { const h = window.__lumosProjector;"
                         " return h.screenPosition(h.ids()[0]); }")
    x, y = box["x"] + x, box["y"] + y
    page.mouse.move(box["x"] + 2, box["y"] + 2)
    page.wait_for_timeout(300)
    t0 = time.perf_counter()
    page.mouse.move(x, y)
    page.get_by_test_id("projector-tooltip").wait_for(state="visible", timeout=20000)
    hover = time.perf_counter() - t0

    page.get_by_test_id("projector-lasso").click()
    page.wait_for_function(SETTLED)
    page.wait_for_timeout(300)
    x0, y0, x1, y1 = x - 50, y - 50, x + 50, y + 50
    page.mouse.move(x0, y0)
    page.mouse.down()
    # end the lasso 10 px from its start: closer, regl-scatterplot takes it for a click
    for px, py in [(x1, y0), (x1, y1), (x0, y1), (x0, y0 + 10)]:
        page.mouse.move(px, py, steps=5)
    t0 = time.perf_counter()
    page.mouse.up()
    count = page.get_by_test_id("row-count")
    count.filter(has_text=re.compile(r"· [1-9][\d,]* selected")).wait_for(timeout=20000)
    table = time.perf_counter() - t0
    rows = int(re.search(r"([\d,]+) selected", count.inner_text())[1].replace(",", ""))
    # every point of the selected rows highlighted (and drawn)
    highlighted = page.evaluate("""() => {
        const sel = new Set(Array.from(document.querySelectorAll(
            '.spacer-rows .row[aria-selected=true]'), (r) => r.dataset.id));
        return window.__lumosProjector.ids().filter((id) => sel.has(id)).length;
    }""")
    page.wait_for_function("""n => {
        const l = window.__lumosProjector.lod();
        return l.selected === n && l.drawn === l.total
            && +document.querySelector('[data-testid=projector]').dataset.selected === n;
    }""", arg=highlighted, timeout=30000, polling=20)
    highlight = time.perf_counter() - t0
    return hover, {"table": table, "rows": rows, "highlight": highlight,
                   "highlighted": highlighted}


if __name__ == "__main__":
    main()
