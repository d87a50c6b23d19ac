"""The playback clock (no Qt): where playback is now, from the audio or the monotonic clock.

With sound, playback time is the audio clock (the sample at the speaker), so the
picture follows what is heard and cannot drift from it; until the first block
is heard it holds the start. Without sound (nothing audible, muted is still
sound, no output device) it is the monotonic clock from the start. It never
goes backwards. The frame to show is the one for that time: frames the
previewer could not draw in time are skipped, not queued.

A frame takes the preview a while to draw, so it is asked for ``lead`` seconds
ahead: ``frame_shown`` measures how late each frame reached the screen against
the clock and moves ``lead`` so that frames land mid-frame, on time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

MAX_LEAD = 0.3  # s: a preview slower than this skips frames but is not chased further
LEAD_GAIN = 0.5  # of each frame's lateness taken into the lead


class PlaybackClock:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._audio: Callable[[], float | None] | None = None
        self._from = 0.0
        self._since = 0.0
        self._last = 0.0
        self.lead = 0.0  # s: how far ahead frames are asked for (the preview's draw time)

    def start(self, t: float, audio: Callable[[], float | None] | None = None) -> None:
        """Run from ``t``; ``audio`` (the audio clock) drives it when given."""
        self._from = self._last = t
        self._since = self._monotonic()
        self._audio = audio
        self.lead = min(self.lead, MAX_LEAD)  # what the last run learnt, the preview's pace

    @property
    def audio_driven(self) -> bool:
        return self._audio is not None

    def frame_shown(self, t: float, fps: float) -> None:
        """A frame for ``t`` reached the screen: learn the lead from how late it was."""
        late = self.now() - (t + 0.5 / fps)
        self.lead = max(0.0, min(MAX_LEAD, self.lead + LEAD_GAIN * late))

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
