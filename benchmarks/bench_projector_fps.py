"""Frame rate of the projector's 2D view (regl-scatterplot, WebGL) with 1,000,000 points
in headless Chromium, while the view pans every frame.

A lumos server with the fake models serves the built UI; the page computes a (tiny) PCA
projection so the projector's view exists, then draws ``--points`` random points into it
(the projector's ``drawRandom`` hook) and moves the camera on every animation frame for
``--seconds``. Reported: requestAnimationFrame callbacks per second and scatterplot
redraws per second, with the same run on the 16-point layout as the baseline (ratio).

    .venv/bin/python benchmarks/bench_projector_fps.py [--points 1000000] [--seconds 5]
        [--gl default|swiftshader]
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
from pathlib import Path

from lumos.server.sample import sample_datasets
from lumos.server.serve import make_server
from lumos.testing import FakeClassifier

CHROMIUM = "/usr/bin/chromium"
BASE_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"]
GL_ARGS = {"default": [], "swiftshader": ["--use-gl=angle", "--use-angle=swiftshader",
                                          "--enable-unsafe-swiftshader"]}

MEASURE = """async ([seconds]) => {
  const h = window.__lumosProjector;
  const f0 = h.frames();
  let raf = 0, worst = 0, last = performance.now();
  const t0 = last;
  await new Promise((done) => {
    const step = (now) => {
      raf++;
      worst = Math.max(worst, now - last);
      last = now;
      const t = (now - t0) / 1000;
      h.panBy(0.004 * Math.cos(t * 2), 0.004 * Math.sin(t * 2));
      if (now - t0 < seconds * 1000) requestAnimationFrame(step); else done();
    };
    requestAnimationFrame(step);
  });
  const secs = (performance.now() - t0) / 1000;
  return { raf: raf / secs, draws: (h.frames() - f0) / secs, worst_ms: worst };
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--gl", choices=sorted(GL_ARGS), default="default")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        srv = make_server({"keywords": FakeClassifier()}, {"sentiment": sample_datasets()[
            "sentiment"]}, port=free_port(), store=Path(tmp) / "s.sqlite", quiet=True).start()
        srv.wait_loaded(30)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM,
                                            args=BASE_ARGS + GL_ARGS[args.gl])
                page = browser.new_page(viewport={"width": 1400, "height": 900})
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
                base = page.evaluate(MEASURE, [args.seconds])
                t0 = time.perf_counter()
                page.evaluate("n => window.__lumosProjector.drawRandom(n)", args.points)
                load = time.perf_counter() - t0
                big = page.evaluate(MEASURE, [args.seconds])
                browser.close()
        finally:
            srv.stop()

    print(f"WebGL renderer: {renderer} (flags: {args.gl})")
    print(f"drawing {args.points:,} points took {load:.2f} s")
    print(f"{'points':>10} {'rAF/s':>8} {'redraws/s':>10} {'worst frame':>12}")
    for n, r in (("16", base), (f"{args.points:,}", big)):
        print(f"{n:>10} {r['raf']:8.1f} {r['draws']:10.1f} {r['worst_ms']:10.0f} ms")
    print(f"ratio (redraws/s, {args.points:,} vs 16 points): "
          f"{big['draws'] / max(base['draws'], 1e-9):.2f}")


if __name__ == "__main__":
    main()
