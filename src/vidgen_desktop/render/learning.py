"""Learning from finished renders: a robust correction per encoder and resolution class.

Each finished render on this machine leaves one ratio, FFmpeg's seconds over
the estimate before correction (``Estimate.raw_seconds``), under its key
``<encoder>@<resolution class>`` (``libx264:standard@hd``). The correction
of a key is the median of its last ``HISTORY`` ratios, in logs, each clamped
to ``RATIO_LIMITS``: one render slowed by a busy machine (or sped up by an
idle one after a calibration under load) moves the median by one place, not
by its size. A key with few renders leans on its encoder's correction over
every resolution, and that on 1 (no correction), by ``SHRINK`` pseudo-renders:
one render moves the estimate half-way toward what it saw, five nearly all
the way. Pure arithmetic: storing is ``jobs.speed``'s business.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping

HISTORY = 20  # ratios kept per key (the newest)
SHRINK = 1.0  # pseudo-renders at the broader correction: how much a lone render is trusted
RATIO_LIMITS = (0.25, 4.0)  # an observed actual/estimate ratio is clamped to this range
# Short side of the output in px: the resolution classes the correction is kept for
CLASSES = ((576, "sd"), (720, "hd"), (1080, "fhd"))
LARGEST = "uhd"

History = Mapping[str, tuple[float, ...]]


def resolution_class(width: int, height: int) -> str:
    short = min(width, height)
    return next((name for limit, name in CLASSES if short <= limit), LARGEST)


def fine_key(encoder: str, resolution: str) -> str:
    return f"{encoder}@{resolution}" if resolution else encoder


def observe(history: History, key: str, raw_estimate: float, actual: float) -> dict:
    """``history`` with one render's ratio added under ``key`` (the oldest past ``HISTORY``
    dropped); unchanged when either figure is not a positive number of seconds."""
    if not (raw_estimate > 0 and actual > 0):
        return dict(history)
    ratio = min(max(actual / raw_estimate, RATIO_LIMITS[0]), RATIO_LIMITS[1])
    kept = (*history.get(key, ()), round(ratio, 4))[-HISTORY:]
    return {**history, key: kept}


def _shrunk(logs: list[float], toward: float) -> float:
    """The median of ``logs``, pulled toward ``toward`` by ``SHRINK`` pseudo-observations."""
    if not logs:
        return toward
    n = len(logs)
    return (n * statistics.median(logs) + SHRINK * toward) / (n + SHRINK)


def corrections(history: History) -> dict[str, float]:
    """Every correction factor the history supports: per encoder, and per encoder and
    resolution class (``Estimate`` looks the finer one up first)."""
    by_encoder: dict[str, list[float]] = {}
    for key, ratios in history.items():
        encoder = key.split("@", 1)[0]
        by_encoder.setdefault(encoder, []).extend(math.log(r) for r in ratios)
    factors: dict[str, float] = {}
    for encoder, logs in by_encoder.items():
        factors[encoder] = _shrunk(logs, 0.0)
    for key, ratios in history.items():
        if "@" in key:
            encoder = key.split("@", 1)[0]
            factors[key] = _shrunk([math.log(r) for r in ratios], factors[encoder])
    return {key: round(math.exp(value), 4) for key, value in factors.items()}


def factor(factors: Mapping[str, float], encoder: str, resolution: str) -> float:
    """The correction for a render: its resolution class's, else its encoder's, else 1."""
    value = factors.get(fine_key(encoder, resolution), factors.get(encoder, 1.0))
    return float(value)
