"""Lengths on the canvas: ``"10%"`` of the canvas, ``"192px"``, or a bare number (pixels)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

Unit = Literal["%", "px"]

_LENGTH = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(%|px)?\s*$")


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
            raise ValueError(f"must be a length like '10%' or '192px', got {raw!r}")
        if isinstance(raw, int | float):
            value, unit = float(raw), "px"
        elif isinstance(raw, str):
            match = _LENGTH.match(raw)
            if not match:
                raise ValueError(f"must be a length like '10%' or '192px', got {raw!r}")
            value, unit = float(match.group(1)), match.group(2) or "px"
        else:
            raise ValueError(f"must be a length like '10%' or '192px', got {raw!r}")
        if not math.isfinite(value):
            raise ValueError(f"must be a finite length, got {raw!r}")
        return cls(value, unit)  # type: ignore[arg-type]

    def to_px(self, extent: int) -> float:
        """This length in (fractional) pixels on an axis ``extent`` pixels long."""
        return self.value * extent / 100.0 if self.unit == "%" else self.value

    def convert(self, unit: Unit, extent: int) -> Length:
        """The same length in another unit, exactly (no rounding)."""
        px = self.to_px(extent)
        return Length(px if unit == "px" else px * 100.0 / extent, unit)

    def __str__(self) -> str:
        number = f"{self.value:.6f}".rstrip("0").rstrip(".")
        if number in ("-0", ""):
            number = "0"
        return f"{number}{self.unit}"


def round_half_up(value: float) -> int:
    """The rounding rule for every pixel Vidgen computes: halves go up (towards +inf)."""
    return math.floor(value + 0.5 + 1e-9)
