"""Argument types for the ``vidgen`` command: every number has a range, said in words.

``type=whole_number(1, 16)`` refuses ``--concurrency 99999999999999999999`` and
``--offset -5`` before any command runs, with argparse's usual usage line and
``argument --limit: must be a whole number from 1 to 100000, got '-5'``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from vidgen_desktop.errors import VidgenError

if TYPE_CHECKING:
    import uuid

SHOWN_CHARS = 40  # an argument quoted in a message is cut to this many characters

MAX_LIST_ROWS = 100_000  # rows `jobs list` prints at once; `jobs export` writes them all
MAX_OFFSET = 10**9  # rows skipped; a job log never holds a billion jobs
MAX_CONCURRENCY = 16  # renders at once (the settings' own limit)
MAX_DAYS = 36_500  # days: a hundred years, and within what a date can hold
MAX_THRESHOLD = 24 * 3600  # seconds: the settings' limit for route_threshold
MAX_AT = 24 * 3600  # seconds: past any composition (the command checks its real length)


def _shown(text: str) -> str:
    quoted = repr(text)
    return quoted if len(quoted) <= SHOWN_CHARS else f"{quoted[: SHOWN_CHARS - 1]}…"


def _limit(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number in ``[low, high]``."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low} to {high}, got {_shown(text)}"
            )
        return value

    parse.__name__ = "whole number"  # argparse names the type in some messages
    return parse


def number(
    low: float, high: float, *, above: bool = False, unit: str = ""
) -> Callable[[str], float]:
    """An argparse type: a finite number in ``[low, high]`` (``(low, high]`` with ``above``)."""
    unit_text = f" {unit}" if unit else ""
    lower = f"greater than {_limit(low)}" if above else f"at least {_limit(low)}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        too_low = value <= low if above else value < low
        if not math.isfinite(value) or too_low or value > high:
            raise argparse.ArgumentTypeError(
                f"must be a number {lower} and at most {_limit(high)}{unit_text}, "
                f"got {_shown(text)}"
            )
        return value

    parse.__name__ = "number"
    return parse


def batch_id(text: str | None) -> uuid.UUID | None:
    """``--batch ID``: a batch id (``vidgen batch`` prints it), or None when not given."""
    if not text:
        return None
    import uuid  # here: every command imports this module, few take --batch (uuid: ~2 ms)

    try:
        return uuid.UUID(text)
    except ValueError:
        raise VidgenError(f"--batch: '{text}' is not a batch id (a UUID)") from None
