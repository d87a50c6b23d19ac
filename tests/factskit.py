"""What a probe would say of a source (``render.graph.SourceFacts``), for tests that plan
without media files: the golden command lines, the bounds and the fuzz."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Facts:
    width: int
    height: int
    duration: float | None
    fps: float | None
    has_audio: bool
    has_alpha: bool
    container: str | None = None  # the demuxer the probe found (None: by the extension)
