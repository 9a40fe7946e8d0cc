"""Colour scales for per-token values, with text colours that stay readable.

* :data:`SEQUENTIAL`: 32 steps of matplotlib's *viridis*, for unsigned values (an
  activation's magnitude, attention, rollout). Its lightness rises from the first step
  to the last, so a high value never looks like a low one (Flair's Highlighter used a
  hue wheel that starts and ends at red).
* :data:`DIVERGING`: 33 steps of matplotlib's *RdBu* reversed (blue for negative, red
  for positive), for signed values (gradient × input, IG, LIME). The range is symmetric,
  ``[-m, m]``, and the odd count gives 0 its own neutral middle step.

The hex values are matplotlib's (``colormaps[name].resampled(n)``), written out so that
rendering imports no matplotlib; ``tests/visual/test_scales.py`` checks them against it.

Each step carries the text colour (black or white) with the higher WCAG 2.x contrast
against it; :func:`contrast_ratio` is WCAG's definition (relative luminance of sRGB,
``(L1 + 0.05) / (L2 + 0.05)``), and every step of both scales reaches at least 4.5 : 1
(WCAG AA for body text).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

#: matplotlib viridis, 32 steps (``colormaps["viridis"].resampled(32)``)
VIRIDIS_32 = (
    "#440154", "#470d60", "#48186a", "#482374", "#472e7c", "#453882", "#424186", "#3e4a89",
    "#3a548c", "#365d8d", "#32658e", "#2e6d8e", "#2b758e", "#287d8e", "#25848e", "#228c8d",
    "#1f948c", "#1e9c89", "#20a386", "#25ab82", "#2eb37c", "#3aba76", "#48c16e", "#58c765",
    "#6ccd5a", "#7fd34e", "#93d741", "#a8db34", "#c0df25", "#d5e21a", "#eae51a", "#fde725",
)

#: matplotlib RdBu reversed, 33 steps (``colormaps["RdBu_r"].resampled(33)``)
RDBU_R_33 = (
    "#053061", "#0e4178", "#175290", "#1f63a7", "#2a71b2", "#347fb9", "#3f8dc0", "#529cc8",
    "#6bacd0", "#83bcd9", "#9ac9e0", "#aed3e6", "#c1ddec", "#d3e6f0", "#dfecf3", "#ebf1f5",
    "#f7f7f7",
    "#f9eee8", "#fbe5d9", "#fdddca", "#fbcdb6", "#f8bda0", "#f5ac8b", "#ee9878", "#e58268",
    "#dc6d57", "#d25749", "#c6413e", "#bb2a34", "#ad172a", "#960f27", "#7e0823", "#67001f",
)

BLACK = "#000000"
WHITE = "#ffffff"
#: WCAG AA contrast for normal text
MIN_CONTRAST = 4.5


def _channel(c8: int) -> float:
    c = c8 / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def parse_hex(color: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` (or ``"#rgb"``) as three 0–255 ints."""
    s = color.lstrip("#")
    if len(s) == 3:
        s = "".join(ch * 2 for ch in s)
    if len(s) != 6:
        raise ValueError(f"not a hex colour: {color!r}")
    return int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16)


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of an sRGB hex colour (0 black … 1 white)."""
    r, g, b = (_channel(c) for c in parse_hex(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def text_colour(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (always ≥ 4.58 : 1:
    the two ratios multiply to 21, so the larger is at least √21)."""
    return BLACK if contrast_ratio(background, BLACK) >= contrast_ratio(background, WHITE) \
        else WHITE


@dataclass(frozen=True)
class Scale:
    """A stepped colour scale over ``[lo, hi]``.

    ``diverging`` scales are symmetric around 0 (``lo == -hi``). ``step(v)`` is the index
    of the step holding ``v`` (values outside the range take the end steps)."""

    name: str
    colours: tuple[str, ...]
    lo: float
    hi: float
    diverging: bool

    @cached_property
    def text_colours(self) -> tuple[str, ...]:
        return tuple(text_colour(c) for c in self.colours)

    @property
    def steps(self) -> int:
        return len(self.colours)

    def step(self, value: float) -> int:
        n = len(self.colours)
        span = self.hi - self.lo
        if span <= 0 or not math.isfinite(value):
            return n // 2 if self.diverging else 0
        k = int((value - self.lo) / span * n)
        return 0 if k < 0 else n - 1 if k >= n else k

    def bounds(self, k: int) -> tuple[float, float]:
        """The value range of step ``k``."""
        w = (self.hi - self.lo) / len(self.colours)
        return self.lo + k * w, self.lo + (k + 1) * w


def sequential(lo: float, hi: float) -> Scale:
    return Scale("viridis", VIRIDIS_32, float(lo), float(hi), diverging=False)


def diverging(limit: float) -> Scale:
    m = abs(float(limit))
    return Scale("RdBu", RDBU_R_33, -m, m, diverging=True)


def choose(values: Sequence[float], *, kind: str = "auto", vmin: float | None = None,
           vmax: float | None = None) -> Scale:
    """The scale for ``values`` (finite ones; NaN means "no value").

    ``kind``: ``"sequential"``, ``"diverging"`` or ``"auto"`` (diverging when any value
    is negative). A sequential range is ``[vmin, vmax]``, by default from 0 (or the least
    value, if negative) to the greatest; a diverging one is ``[-m, m]`` with ``m`` =
    ``vmax`` or the largest magnitude.
    """
    finite = [float(v) for v in values if math.isfinite(float(v))]
    if kind not in ("auto", "sequential", "diverging"):
        raise ValueError(f"scale: must be auto, sequential or diverging, got {kind!r}")
    if kind == "auto":
        kind = "diverging" if any(v < 0 for v in finite) else "sequential"
    if kind == "diverging":
        m = vmax if vmax is not None else max((abs(v) for v in finite), default=0.0)
        if vmin is not None and vmax is None:
            m = abs(vmin)
        return diverging(m if m > 0 else 1.0)
    lo = vmin if vmin is not None else min([0.0, *finite])
    hi = vmax if vmax is not None else max([lo, *finite])
    if hi <= lo:
        hi = lo + 1.0
    return sequential(lo, hi)
