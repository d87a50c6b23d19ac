"""How jobs read to a designer: durations, routes, statuses, times."""

from __future__ import annotations

import datetime as dt
import math

STATUS_TEXT = {
    "pending": "Preparing",
    "queued": "Waiting",
    "processing": "Running",
    "completed": "Done",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
STATUS_COLOR = {  # readable on light and dark backgrounds
    "pending": "#8a8f98",
    "queued": "#8a8f98",
    "processing": "#3d8bfd",
    "completed": "#2f9e44",
    "failed": "#e03131",
    "cancelled": "#b08900",
}
STEP_TEXT = {
    "probe": "Reading media",
    "prepare": "Planning",
    "upload_sources": "Uploading sources",
    "render": "Rendering",
    "upload_output": "Uploading",
    "publish": "Publishing",
}


def about(seconds: float | None) -> str:
    """``~12 s``, ``~3 min``, ``~1 h 5 min``: rounded the way a person says it."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    if seconds < 60:
        return f"~{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"~{minutes} min"
    return f"~{minutes // 60} h {minutes % 60} min"


CALIBRATING = "first render on this machine: calibrating"


def route_text(response_type: str, seconds: float, *, calibrated: bool = True) -> str:
    """``Renders now, ~12 s`` or ``Queued, ~3 min``; no time promised before calibration."""
    route = "Renders now" if response_type == "immediate" else "Queued"
    return f"{route}, {about(seconds)}" if calibrated else f"{route} · {CALIBRATING}"


def status_text(status: str | None) -> str:
    return STATUS_TEXT.get(str(status), str(status or ""))


def step_text(step: str | None) -> str:
    return STEP_TEXT.get(step or "", step or "")


def chunk_text(details: dict) -> str:
    """A chunk's row under its render step: ``Chunk 2 of 4 · frames 450–899 · worker a``."""
    where = f" · {details['worker']}" if details.get("worker") else ""
    first, end = details.get("first", 0), details.get("end", 0)
    return (f"Chunk {details.get('index', 0) + 1} of {details.get('count', '?')} · "
            f"frames {first}–{end - 1}{where}")  # fmt: skip


def eta_text(eta: float | None) -> str:
    return "" if eta is None else f"{about(eta)} left"


def local_time(when: dt.datetime | None) -> str:
    """A stored UTC time in the designer's time zone, to the minute."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def seconds_text(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds:.1f} s"
