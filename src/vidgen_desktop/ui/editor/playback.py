"""The playback clock (no Qt): where playback is now, from the audio or the monotonic clock.

With sound, playback time is the audio clock (the sample at the speaker), so the
picture follows what is heard and cannot drift from it; until the first block
is heard it holds the start. Without sound (nothing audible, muted is still
sound, no output device) it is the monotonic clock from the start. It never
goes backwards. The frame to show is the one for that time: frames the
previewer could not draw in time are skipped, not queued.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class PlaybackClock:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._audio: Callable[[], float | None] | None = None
        self._from = 0.0
        self._since = 0.0
        self._last = 0.0

    def start(self, t: float, audio: Callable[[], float | None] | None = None) -> None:
        """Run from ``t``; ``audio`` (the audio clock) drives it when given."""
        self._from = self._last = t
        self._since = self._monotonic()
        self._audio = audio

    @property
    def audio_driven(self) -> bool:
        return self._audio is not None

    def now(self) -> float:
        if self._audio is not None:
            heard = self._audio()
            t = self._from if heard is None else heard
        else:
            t = self._from + (self._monotonic() - self._since)
        self._last = max(self._last, t)
        return self._last


def frame_time(t: float, fps: float) -> float:
    """The start of the frame showing at ``t``."""
    return math.floor(t * fps + 1e-6) / fps
