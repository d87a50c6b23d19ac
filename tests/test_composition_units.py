"""Lengths: parsing, conversion between % and px, and their text form."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from vidgen_desktop.composition.units import Length, round_half_up


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10%", Length(10, "%")),
        ("192px", Length(192, "px")),
        (192, Length(192, "px")),
        (192.5, Length(192.5, "px")),
        ("192", Length(192, "px")),
        ("-5%", Length(-5, "%")),
        ("+5%", Length(5, "%")),
        (" 7.5 % ", Length(7.5, "%")),  # whitespace is allowed around number and unit
        ("7.5 px", Length(7.5, "px")),
        ("192PX", Length(192, "px")),
        (".5%", Length(0.5, "%")),
        ("5.%", Length(5, "%")),
        ("-0%", Length(0, "%")),
        (Length(3, "%"), Length(3, "%")),
    ],
)
def test_parse_accepts(raw: object, expected: Length) -> None:
    assert Length.parse(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "must be a length like '10%' or '192px', got 'abc'"),
        ("10 pct", "must be a length like '10%' or '192px', got '10 pct'"),
        ("", "must be a length like '10%' or '192px', got ''"),
        ("%", "must be a length like '10%' or '192px', got '%'"),
        ("1e3", "must be a length like '10%' or '192px', got '1e3'"),
        ("10%%", "must be a length like '10%' or '192px', got '10%%'"),
        ("nan", "must be a length like '10%' or '192px', got 'nan'"),
        (True, "must be a length like '10%' or '192px', got True"),
        (None, "must be a length like '10%' or '192px', got None"),
        ([10], "must be a length like '10%' or '192px', got [10]"),
        (math.nan, "must be a finite length, got nan"),
        (math.inf, "must be a finite length, got inf"),
        (-math.inf, "must be a finite length, got -inf"),
        ("9" * 400, "must be a finite length"),
        (10**400, "must be a finite length"),
    ],
)
def test_parse_rejects_with_a_readable_message(raw: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        Length.parse(raw)
    assert str(info.value).startswith(message)


def test_to_px() -> None:
    assert Length(10, "%").to_px(1920) == 192
    assert Length(50, "%").to_px(1080) == 540
    assert Length(192, "px").to_px(1080) == 192


@pytest.mark.parametrize(
    ("percent", "extent", "px"),
    [(10, 1920, 192), (50, 1080, 540), (0.1, 1000, 1), (-5, 1920, -96), (12.5, 16, 2)],
)
def test_convert_is_exact_both_ways(percent: float, extent: int, px: float) -> None:
    assert Length(percent, "%").convert("px", extent) == Length(px, "px")
    assert Length(px, "px").convert("%", extent) == Length(percent, "%")


def test_convert_is_the_nearest_float_and_round_trips() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        value = round(rng.uniform(-200, 200), rng.randint(0, 6))
        extent = rng.choice([16, 333, 720, 1001, 1080, 1920, 7680])
        px = Length(value, "%").convert("px", extent)
        assert px.unit == "px"
        assert px.value == float(Fraction(value) * extent / 100)  # no rounding to pixels
        back = px.convert("%", extent)
        assert back.unit == "%"
        assert math.isclose(back.value, value, rel_tol=1e-15, abs_tol=1e-15)


def test_convert_to_the_same_unit_is_identity() -> None:
    length = Length(7.25, "%")
    assert length.convert("%", 1920) is length


def test_convert_refuses_an_empty_axis() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        Length(10, "%").convert("px", 0)


@pytest.mark.parametrize(
    ("length", "text"),
    [
        (Length(10, "%"), "10%"),
        (Length(192, "px"), "192px"),
        (Length(7.5, "%"), "7.5%"),
        (Length(-5, "%"), "-5%"),
        (Length(-0.0, "px"), "0px"),
        (Length(1e-5, "%"), "0.00001%"),
        (Length(1e20, "px"), "100000000000000000000px"),
        (Length(1 / 3, "%"), "0.3333333333333333%"),
    ],
)
def test_str(length: Length, text: str) -> None:
    assert str(length) == text


def test_str_round_trips_every_float() -> None:
    rng = random.Random(11)
    values = [rng.uniform(-1e4, 1e4) for _ in range(2000)]
    values += [rng.uniform(-1, 1) * 10 ** rng.randint(-12, 12) for _ in range(2000)]
    for value in values:
        for unit in ("%", "px"):
            length = Length(value, unit)
            assert Length.parse(str(length)) == length


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.5, 1), (1.5, 2), (2.5, 3), (-0.5, 0), (-1.5, -1), (2.4999, 2), (639.99936, 640)],
)
def test_round_half_up(value: float, expected: int) -> None:
    assert round_half_up(value) == expected


def test_round_half_up_forgives_float_error_below_a_half() -> None:
    assert 0.1 * 3 * 5 == 1.5000000000000002  # the float error this guards against
    assert round_half_up(2.5 - 1e-12) == 3
