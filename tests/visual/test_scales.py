"""Colour scales: matplotlib's colours, perceptual order, WCAG contrast on every step."""

import math

import pytest

from lumos.visual import scales as S


@pytest.mark.parametrize(("a", "b", "ratio"), [
    ("#000000", "#ffffff", 21.0),
    ("#ffffff", "#ffffff", 1.0),
    ("#777777", "#ffffff", 4.48),   # the classic "grey just fails AA on white"
    ("#767676", "#ffffff", 4.54),   # ... and the darkest grey that passes
    ("#0000ff", "#ffffff", 8.59),
    ("#ff0000", "#ffffff", 4.0),
    ("#00ff00", "#000000", 15.3),
])
def test_contrast_ratio_matches_published_wcag_values(a, b, ratio):
    assert S.contrast_ratio(a, b) == pytest.approx(ratio, abs=0.01)
    assert S.contrast_ratio(b, a) == pytest.approx(ratio, abs=0.01)


def test_relative_luminance_follows_the_wcag_formula():
    assert S.relative_luminance("#000000") == 0.0
    assert S.relative_luminance("#ffffff") == pytest.approx(1.0)
    # one channel: 0.2126 * ((0.5 + 0.055) / 1.055) ** 2.4 for #800000
    c = 128 / 255
    assert S.relative_luminance("#800000") == pytest.approx(
        0.2126 * ((c + 0.055) / 1.055) ** 2.4)
    # below the linear threshold of 0.04045 the channel is divided by 12.92
    assert S.relative_luminance("#0a0a0a") == pytest.approx((10 / 255) / 12.92)
    assert S.relative_luminance("#fff") == S.relative_luminance("#ffffff")
    with pytest.raises(ValueError):
        S.parse_hex("#12345")


@pytest.mark.parametrize("colours", [S.VIRIDIS_32, S.RDBU_R_33], ids=["viridis", "rdbu"])
def test_every_step_has_readable_text(colours):
    for c in colours:
        text = S.text_colour(c)
        assert text in (S.BLACK, S.WHITE)
        assert S.contrast_ratio(c, text) >= S.MIN_CONTRAST, c
        other = S.WHITE if text == S.BLACK else S.BLACK
        assert S.contrast_ratio(c, text) >= S.contrast_ratio(c, other)


def test_scales_are_the_ones_matplotlib_draws():
    mpl = pytest.importorskip("matplotlib")
    from matplotlib import colors

    vir = mpl.colormaps["viridis"].resampled(32)
    assert S.VIRIDIS_32 == tuple(colors.to_hex(vir(i)) for i in range(32))
    rdbu = mpl.colormaps["RdBu_r"].resampled(33)
    assert S.RDBU_R_33 == tuple(colors.to_hex(rdbu(i)) for i in range(33))


def test_sequential_scale_is_ordered_and_never_wraps():
    lum = [S.relative_luminance(c) for c in S.VIRIDIS_32]
    assert len(S.VIRIDIS_32) == 32 and len(set(S.VIRIDIS_32)) == 32
    assert all(a < b for a, b in zip(lum, lum[1:], strict=False))
    # the ends are as far apart as the scale goes (a hue wheel's would be the same colour)
    assert S.contrast_ratio(S.VIRIDIS_32[0], S.VIRIDIS_32[-1]) > 10


def test_diverging_scale_is_lightest_at_zero_and_darkens_both_ways():
    lum = [S.relative_luminance(c) for c in S.RDBU_R_33]
    mid = len(lum) // 2
    assert len(lum) % 2 == 1 and lum[mid] == max(lum)
    assert all(a < b for a, b in zip(lum[:mid], lum[1:mid + 1], strict=True))
    assert all(a > b for a, b in zip(lum[mid:], lum[mid + 1:], strict=False))
    s = S.diverging(2.0)
    assert s.step(0.0) == mid
    assert s.step(-2.0) == 0 and s.step(2.0) == len(lum) - 1
    assert s.step(-0.5) < mid < s.step(0.5)
    assert (s.lo, s.hi) == (-2.0, 2.0)


def test_step_mapping_and_bounds():
    s = S.sequential(0.0, 32.0)
    assert [s.step(v) for v in (0.0, 0.99, 1.0, 31.5, 32.0, 99.0, -5.0)] == \
        [0, 0, 1, 31, 31, 31, 0]
    assert s.bounds(3) == (3.0, 4.0)
    assert s.step(math.nan) == 0


def test_choose_picks_by_sign_and_keeps_the_diverging_range_symmetric():
    assert not S.choose([0.1, 0.5]).diverging
    seq = S.choose([0.1, 0.5])
    assert (seq.lo, seq.hi) == (0.0, 0.5)
    div = S.choose([-0.2, 0.5, math.nan])
    assert div.diverging and (div.lo, div.hi) == (-0.5, 0.5)
    assert S.choose([1.0, 2.0], kind="diverging").hi == 2.0
    assert S.choose([1.0, 2.0], vmin=1.0, vmax=4.0).lo == 1.0
    assert S.choose([], kind="sequential").hi == 1.0  # no values: a valid range still
    assert S.choose([0.0, 0.0]).hi > S.choose([0.0, 0.0]).lo
    with pytest.raises(ValueError, match="scale"):
        S.choose([1.0], kind="rainbow")
