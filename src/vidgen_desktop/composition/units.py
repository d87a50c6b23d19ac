"""Lengths on the canvas: ``"10%"`` of the canvas, ``"192px"``, or a bare number (pixels).

Whitespace around the number and unit is allowed (``" 7.5 % "``) and the unit
is case-insensitive (``"192PX"``); exponents (``"1e3"``) are not, in a string.
``str(length)`` writes the shortest text that reads back to the same value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

Unit = Literal["%", "px"]

LENGTH_PATTERN = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*(%|[pP][xX])?\s*$"  # also the JSON Schema's
_LENGTH = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(%|px)?\s*$", re.IGNORECASE)


SHOWN_CHARS = 60  # a value quoted in a message is cut to this many characters


def _shown(raw: object) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) >= 10**15:
        return f"a {len(str(abs(raw)))}-digit number"
    text = repr(raw)
    return text if len(text) <= SHOWN_CHARS else f"{text[: SHOWN_CHARS - 1]}…"


def _not_a_length(raw: object) -> ValueError:
    return ValueError(f"must be a length like '10%' or '192px', got {_shown(raw)}")


@dataclass(frozen=True, slots=True)
class Length:
    """A position or size along one canvas axis."""

    value: float
    unit: Unit = "px"

    @classmethod
    def parse(cls, raw: object) -> Length:
        """Read ``"10%"``, ``"192px"``, ``192`` or ``"192"``; raise ValueError otherwise."""
        if isinstance(raw, Length):
            return raw
        if isinstance(raw, bool):
            raise _not_a_length(raw)
        if isinstance(raw, int | float):
            try:
                value, unit = float(raw), "px"
            except OverflowError:  # an int beyond float range
                raise ValueError(f"must be a finite length, got {_shown(raw)}") from None
        elif isinstance(raw, str):
            match = _LENGTH.match(raw)
            if not match:
                raise _not_a_length(raw)
            value, unit = float(match.group(1)), (match.group(2) or "px").lower()
        else:
            raise _not_a_length(raw)
        if not math.isfinite(value):
            raise ValueError(f"must be a finite length, got {_shown(raw)}")
        return cls(value + 0.0, unit)  # type: ignore[arg-type]  # + 0.0: no "-0"

    def to_px(self, extent: int) -> float:
        """This length in (fractional) pixels on an axis ``extent`` pixels long."""
        return self.value * extent / 100.0 if self.unit == "%" else self.value

    def convert(self, unit: Unit, extent: int) -> Length:
        """The same length in another unit, with no rounding to whole pixels.

        The result is the float nearest to the exact value (computed in
        fractions), so ``10%`` of 1920 is exactly ``192px`` and back.
        """
        if unit == self.unit:
            return self
        if extent <= 0:
            raise ValueError(f"the canvas extent must be positive, got {extent}")
        exact = Fraction(self.value)
        exact = exact * extent / 100 if unit == "px" else exact * 100 / extent
        return Length(float(exact), unit)

    def __str__(self) -> str:
        # repr() is the shortest text that reads back to the same float; Decimal
        # writes it without an exponent, which the length syntax does not allow.
        number = format(Decimal(repr(self.value)), "f")
        if "." in number:
            number = number.rstrip("0").rstrip(".")
        if number in ("-0", ""):
            number = "0"
        return f"{number}{self.unit}"


def round_half_up(value: float) -> int:
    """The rounding rule for every pixel Vidgen computes: halves go up (towards +inf).

    The 1e-9 slack makes values a float error below a half (``639.4999999999999``
    from ``33.3125% of 1920``) round as the exact value would.
    """
    return math.floor(value + 0.5 + 1e-9)
