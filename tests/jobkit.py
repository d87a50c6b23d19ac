"""Helpers for the job, queue and CLI tests: real media, real SQLite, real FFmpeg."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidgen_desktop.composition import project
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.media import samples
from vidgen_desktop.render.runner import PARTIAL_MARK


def clip(folder: Path, seconds: float = 2.0, size: tuple[int, int] = (96, 72)) -> Path:
    path = folder / f"clip-{seconds:g}s-{size[0]}x{size[1]}.mp4"
    if not path.exists():
        samples.make_test_video(path, width=size[0], height=size[1], duration=seconds, fps=15)
    return path


def composition(
    source: Path, *, name: str = "promo", seconds: float = 1.0, size: tuple[int, int] = (160, 120),
    quality: str = "draft", fps: float = 15,
) -> Composition:  # fmt: skip
    """One video layer covering the canvas, ``seconds`` long."""
    return Composition.from_data(
        {
            "name": name,
            "output": {"width": size[0], "height": size[1], "fps": fps, "quality": quality,
                       "duration": seconds},
            "elements": [{"type": "video", "id": "clip", "source": str(source), "fit": "cover"}],
        }
    )  # fmt: skip


def slow_composition(
    folder: Path, *, name: str = "long", seconds: float = 12.0, size: tuple[int, int] = (320, 240)
) -> Composition:
    """A render of several seconds with a small output (x264 'slow' on textured frames).

    Beyond 12 s the clip holds its last frame: a long ``seconds`` makes a render that
    cannot finish before a test has cancelled it, however fast the machine.
    """
    source = clip(folder, min(seconds, 12.0), (160, 120))
    return composition(source, name=name, seconds=seconds, size=size, quality="high", fps=30)


def save(comp: Composition, path: Path) -> Path:
    project.save(comp, path)
    return path


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {condition}")


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, exited but not reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def partials(folder: Path) -> list[Path]:
    return sorted(folder.glob(f".*{PARTIAL_MARK}*"))


def vidgen(home: Path, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
    """``vidgen ARGS`` as a separate process with ``VIDGEN_HOME=home``."""
    env = {**os.environ, "VIDGEN_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "vidgen_desktop", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs,
    )  # fmt: skip
