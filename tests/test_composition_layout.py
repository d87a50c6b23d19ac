"""Layout: boxes, fit modes, crops and offsets in whole pixels."""

from __future__ import annotations

import random
from typing import Any

import pytest

from vidgen_desktop.composition.layout import (
    Placement,
    Rect,
    box,
    fit_media,
    place,
    source_region,
)
from vidgen_desktop.composition.model import ImageElement, TextElement, VideoElement

HD = (1920, 1080)


def element(x: Any = "0%", y: Any = "0%", w: Any = "100%", h: Any = "100%", fit: str = "contain"):
    return ImageElement(id="e", source="e.png", x=x, y=y, width=w, height=h, fit=fit)


def placed(box_: Rect, scaled: tuple[int, int], crop: Rect, offset: tuple[int, int]) -> Placement:
    return Placement(box_, scaled, crop, offset)


# Boxes


def test_box_from_percentages() -> None:
    assert box(element("55%", "10%", "40%", "40%"), HD) == Rect(1056, 108, 768, 432)


def test_px_and_percent_give_the_same_box() -> None:
    a = element("55%", "10%", "40%", "40%")
    b = element("1056px", 108, "768", "432px")
    assert box(a, HD) == box(b, HD)
    rng = random.Random(5)
    for _ in range(500):
        percent = [round(rng.uniform(-50, 150), 4) for _ in range(4)]
        percent[2:] = [abs(v) + 0.01 for v in percent[2:]]
        as_percent = element(*(f"{v}%" for v in percent))
        as_px = element(
            *(
                as_percent_length.convert("px", extent)
                for as_percent_length, extent in zip(
                    (as_percent.x, as_percent.y, as_percent.width, as_percent.height),
                    (1920, 1080, 1920, 1080),
                    strict=True,
                )
            )
        )
        assert box(as_percent, HD) == box(as_px, HD)


def test_box_partly_off_canvas() -> None:
    assert box(element("-10%", "-5%", "20%", "20%"), HD) == Rect(-192, -54, 384, 216)
    assert box(element("95%", "90%", "10%", "20%"), HD) == Rect(1824, 972, 192, 216)


def test_edges_round_half_up() -> None:
    assert box(element("10.5px", "0.5px", "10px", "10px"), HD) == Rect(11, 1, 10, 10)
    assert box(element("-1.5px", "-0.5px", "10px", "10px"), HD) == Rect(-1, 0, 10, 10)
    # the left edge rounds 0.4 down, the right 10.6 up: the box grows to 11 px
    assert box(element("0.4px", "0px", "10.2px", "10px"), HD) == Rect(0, 0, 11, 10)


def test_adjacent_boxes_tile_exactly() -> None:
    a = box(element("0%", "0%", "33.3333%", "100%"), HD)
    b = box(element("33.3333%", "0%", "33.3333%", "100%"), HD)
    c = box(element("66.6666%", "0%", "33.3334%", "100%"), HD)
    assert (a.x, a.right, b.x, b.right, c.x, c.right) == (0, 640, 640, 1280, 1280, 1920)


def test_random_cuts_tile_exactly() -> None:
    rng = random.Random(9)
    for canvas in (HD, (1080, 1920), (1001 + 1, 720), (16, 16)):
        cuts = sorted({round(rng.uniform(-20, 120), 4) for _ in range(40)})
        for left, right in zip(cuts, cuts[1:], strict=False):
            a = box(element(f"{left}%", "0%", f"{round(right - left, 4)}%", "10%"), canvas)
            nxt = box(element(f"{right}%", "0%", "1%", "10%"), canvas)
            if a.w > 1:  # a 1 px minimum may overlap its neighbour
                assert a.right == nxt.x


def test_tiny_boxes_are_never_zero_pixels() -> None:
    for scale in (1.0, 0.5, 0.1):
        tiny = box(element("50%", "50%", "0.001%", "0.001px"), HD, scale)
        assert (tiny.w, tiny.h) == (1, 1)
        for fit in ("contain", "cover", "fill", "auto"):
            p = place(element("50%", "50%", "0.001%", "0.001px", fit), (1920, 1080), HD, scale)
            assert p.scaled[0] >= 1 and p.scaled[1] >= 1
            assert (p.drawn.w, p.drawn.h) == (1, 1)


# Fit modes, exact


def test_contain() -> None:
    e = element("55%", "10%", "40%", "40%", "contain")
    b = Rect(1056, 108, 768, 432)
    assert place(e, (1280, 720), HD) == placed(b, (768, 432), Rect(0, 0, 768, 432), (0, 0))
    assert place(e, (1000, 1000), HD) == placed(b, (432, 432), Rect(0, 0, 432, 432), (168, 0))
    assert place(e, (1000, 1000), HD).drawn == Rect(1224, 108, 432, 432)


def test_contain_odd_leftover_goes_right() -> None:
    p = place(element(0, 0, 101, 50, "contain"), (100, 100), HD)
    assert p == placed(Rect(0, 0, 101, 50), (50, 50), Rect(0, 0, 50, 50), (25, 0))


def test_cover() -> None:
    e = element("5%", "55%", "30%", "35%", "cover")
    p = place(e, (1920, 1080), HD)
    assert p == placed(Rect(96, 594, 576, 378), (672, 378), Rect(48, 0, 576, 378), (0, 0))
    assert p.drawn == p.box
    assert p.needs_crop


def test_cover_odd_leftover() -> None:
    p = place(element(0, 0, 101, 50, "cover"), (100, 100), HD)
    assert p == placed(Rect(0, 0, 101, 50), (101, 101), Rect(0, 25, 101, 50), (0, 0))


def test_fill() -> None:
    e = element("5%", "55%", "30%", "35%", "fill")
    p = place(e, (7, 3000), HD)
    assert p == placed(Rect(96, 594, 576, 378), (576, 378), Rect(0, 0, 576, 378), (0, 0))
    assert not p.needs_crop


def test_auto_never_enlarges() -> None:
    e = element("55%", "10%", "40%", "40%", "auto")
    assert place(e, (200, 100), HD) == placed(
        Rect(1056, 108, 768, 432), (200, 100), Rect(0, 0, 200, 100), (284, 166)
    )
    # larger than the box: the same as contain
    assert place(e, (3840, 2160), HD) == place(
        element("55%", "10%", "40%", "40%"), (3840, 2160), HD
    )


def test_auto_at_half_scale_never_exceeds_half_the_source() -> None:
    e = element("55%", "10%", "40%", "40%", "auto")
    assert place(e, (200, 100), HD, 0.5) == placed(
        Rect(528, 54, 384, 216), (100, 50), Rect(0, 0, 100, 50), (142, 83)
    )
    for media in [(101, 51), (1, 1), (3, 7), (383, 215)]:
        p = place(e, media, HD, 0.5)
        assert p.scaled[0] <= (media[0] + 1) // 2 and p.scaled[1] <= (media[1] + 1) // 2


@pytest.mark.parametrize(
    ("fit", "scaled", "crop", "offset"),
    [
        # the strip is 0.05 px wide exactly, centred at 960; at least 1 px is drawn
        ("contain", (1, 100), Rect(0, 0, 1, 100), (960, 0)),
        ("auto", (1, 100), Rect(0, 0, 1, 100), (960, 0)),
        ("fill", (1920, 100), Rect(0, 0, 1920, 100), (0, 0)),
        ("cover", (1920, 3840000), Rect(0, 1919950, 1920, 100), (0, 0)),
    ],
)
def test_tall_strip_into_a_wide_box(fit: str, scaled: Any, crop: Rect, offset: Any) -> None:
    p = place(element(0, 0, 1920, 100, fit), (1, 2000), HD)
    assert p == placed(Rect(0, 0, 1920, 100), scaled, crop, offset)


@pytest.mark.parametrize(
    ("fit", "scaled", "crop", "offset"),
    [
        ("contain", (100, 1), Rect(0, 0, 100, 1), (0, 540)),
        ("auto", (100, 1), Rect(0, 0, 100, 1), (0, 540)),
        ("fill", (100, 1080), Rect(0, 0, 100, 1080), (0, 0)),
        ("cover", (4320000, 1080), Rect(2159950, 0, 100, 1080), (0, 0)),
    ],
)
def test_wide_strip_into_a_tall_box(fit: str, scaled: Any, crop: Rect, offset: Any) -> None:
    p = place(element(0, 0, 100, 1080, fit), (4000, 1), HD)
    assert p == placed(Rect(0, 0, 100, 1080), scaled, crop, offset)


@pytest.mark.parametrize(
    ("fit", "scaled", "crop", "offset"),
    [
        ("contain", (432, 432), Rect(0, 0, 432, 432), (168, 0)),
        ("auto", (1, 1), Rect(0, 0, 1, 1), (383, 215)),
        ("fill", (768, 432), Rect(0, 0, 768, 432), (0, 0)),
        ("cover", (768, 768), Rect(0, 168, 768, 432), (0, 0)),
    ],
)
def test_one_pixel_media(fit: str, scaled: Any, crop: Rect, offset: Any) -> None:
    p = place(element("55%", "10%", "40%", "40%", fit), (1, 1), HD)
    assert p == placed(Rect(1056, 108, 768, 432), scaled, crop, offset)


def test_source_region_of_an_extreme_cover() -> None:
    p = place(element(0, 0, 1920, 100, "cover"), (1, 2000), HD)
    assert source_region(p, (1, 2000)) == Rect(0, 999, 1, 2)
    p = place(element("5%", "55%", "30%", "35%", "cover"), (1920, 1080), HD)
    assert source_region(p, (1920, 1080)) == Rect(137, 0, 1646, 1080)


def test_text_and_unknown_media_fill_the_box() -> None:
    text = TextElement(id="t", x="5%", y="5%", width="50%", height="12%")
    p = place(text, None, HD)
    assert p == placed(Rect(96, 54, 960, 130), (960, 130), Rect(0, 0, 960, 130), (0, 0))
    assert place(element("5%", "5%", "50%", "12%"), None, HD) == p


def test_video_elements_place_like_images() -> None:
    video = VideoElement(id="v", source="v.mp4", x="5%", y="5%", width="50%", height="12%")
    assert place(video, (640, 480), HD) == place(element("5%", "5%", "50%", "12%"), (640, 480), HD)


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="media size must be positive"):
        fit_media("contain", (0, 10), Rect(0, 0, 10, 10))
    with pytest.raises(ValueError, match="unknown fit mode"):
        fit_media("stretch", (10, 10), Rect(0, 0, 10, 10))


def test_fit_media_without_an_exact_box_uses_the_rect() -> None:
    assert fit_media("contain", (100, 100), Rect(3, 4, 101, 50)) == placed(
        Rect(3, 4, 101, 50), (50, 50), Rect(0, 0, 50, 50), (25, 0)
    )


# Properties over many random cases


def _random_case(rng: random.Random) -> tuple[ImageElement, tuple[int, int], tuple[int, int]]:
    canvas = rng.choice([HD, (1280, 720), (1080, 1920), (640, 360), (16, 16)])
    e = element(
        f"{rng.uniform(-60, 110):.4f}%",
        f"{rng.uniform(-60, 110):.4f}%",
        f"{rng.uniform(0.01, 150):.4f}%",
        f"{rng.uniform(0.01, 150):.4f}%",
        rng.choice(["contain", "cover", "fill", "auto"]),
    )
    media = (
        rng.choice([1, 2, 3, 7, 99, 640, 1280, 1920, 4000]),
        rng.choice([1, 2, 3, 9, 100, 480, 720, 1080, 2000]),
    )
    return e, media, canvas


def test_properties_of_every_fit() -> None:
    rng = random.Random(2024)
    for _ in range(4000):
        e, (mw, mh), canvas = _random_case(rng)
        for scale in (1.0, 0.5, 0.25):
            p = place(e, (mw, mh), canvas, scale)
            b, (sw, sh), crop, drawn = p.box, p.scaled, p.crop, p.drawn
            assert b.w >= 1 and b.h >= 1 and sw >= 1 and sh >= 1
            # the crop lies within the scaled media
            assert crop.x >= 0 and crop.y >= 0 and crop.right <= sw and crop.bottom <= sh
            if e.fit in ("cover", "fill"):
                assert drawn == b
            else:  # contain, auto: within the box
                assert b.intersect(drawn) == drawn
            if e.fit == "contain":
                # touches two opposite sides of the box (to the pixel)
                assert sw == b.w or sh == b.h or abs(sw - b.w) <= 1 or abs(sh - b.h) <= 1
            if e.fit == "auto":
                assert sw <= max(1, mw * scale + 0.5) and sh <= max(1, mh * scale + 0.5)
            if e.fit != "fill":
                # aspect kept within rounding: each side is within a pixel of k * media
                assert abs(sw * mh - sh * mw) <= mw + mh


def test_preview_scale_is_half_the_render_within_a_pixel() -> None:
    rng = random.Random(77)
    for _ in range(4000):
        e, media, canvas = _random_case(rng)
        full, half = place(e, media, canvas, 1.0), place(e, media, canvas, 0.5)
        for a, b in [
            (full.box.x, half.box.x),
            (full.box.y, half.box.y),
            (full.box.right, half.box.right),
            (full.box.bottom, half.box.bottom),
            (full.drawn.x, half.drawn.x),
            (full.drawn.y, half.drawn.y),
            (full.drawn.right, half.drawn.right),
            (full.drawn.bottom, half.drawn.bottom),
            (full.scaled[0], half.scaled[0]),
            (full.scaled[1], half.scaled[1]),
            (full.crop.x, half.crop.x),
            (full.crop.y, half.crop.y),
        ]:
            assert abs(a * 0.5 - b) <= 1, (e, media, canvas, full, half)
