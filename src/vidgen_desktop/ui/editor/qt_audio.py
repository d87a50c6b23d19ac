"""The editor's sound output: ``AudioMix`` PCM pushed to the sound card (PortAudio).

PortAudio through ``sounddevice`` rather than QtMultimedia's ``QAudioSink``:
a 100 kB wheel plus the system's libportaudio instead of the ~150 MB
PySide6-Addons, a callback that asks for exactly the samples the card needs
(numpy arrays, no QIODevice), and ``outputBufferDacTime`` for each block, so
the audio clock (which sample is at the speaker now) is known, not guessed
from the bytes written. On Linux it plays through ALSA, which reaches
PulseAudio/PipeWire.

The stream is opened when sound is wanted (playback, a scrub snippet) and
closed a minute after it is no longer; no sound card means no sound and a
one-line ``error``, never a failure: playback then runs on the monotonic clock.
"""

from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from vidgen_desktop.ui.editor.audio_mix import CHANNELS, RATE, AudioMix

LATENCY = 0.2  # s of buffer: a loaded machine still feeds it in time; the clock allows for it
SNIPPET_SECONDS = 0.1  # what a scrub plays
# an idle stream (handing out silence) is kept this long: a new stream's first second is
# slow to start on a busy PulseAudio, and an open one plays the next scrub or Play at once
CLOSE_AFTER_MS = 60_000
RETRY_AFTER_S = 10.0  # after failing to open the output (each try blocks ~0.1 s)
KEEP_SENT_SECONDS = 4.0  # what ``sent`` remembers, for tests and the benchmark


def _sounddevice():
    """The module, or the one-line reason it cannot load (no libportaudio)."""
    try:
        import sounddevice
    except (ImportError, OSError) as error:
        return None, f"no sound output: {error}"
    return sounddevice, ""


class AudioOut(QObject):
    """Plays ``mix`` from a sample on; knows which sample is being heard."""

    error_changed = Signal(str)

    def __init__(self, mix: AudioMix, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mix = mix
        self.muted = False
        self.volume = 1.0  # master, 0..1
        self.error = ""
        self._stream = None
        self._retry_at = 0.0  # monotonic time before which no stream is tried again
        self._lock = threading.Lock()
        self._next = 0  # the next sample the callback hands out
        self._until: int | None = None  # stop handing out sound here (a snippet); None: on
        self._playing = False
        # the last block played: (first sample, samples, monotonic time handed out, its delay)
        self._anchor: tuple[int, int, float, float] | None = None
        self.sent: list[tuple[int, np.ndarray]] = []  # (first sample, block as sent), recent
        self._generation = 0  # counts starts: a block is recorded only for the start it is of
        self.close_timer = QTimer(self, singleShot=True, interval=CLOSE_AFTER_MS)
        self.close_timer.timeout.connect(self._close_if_idle)

    # -- control (GUI thread) ----------------------------------------------------------------

    def play(self, t: float) -> bool:
        """Sound from ``t`` on, until ``stop``; False when there is no output."""
        return self._start(t, None)

    def snippet(self, t: float, seconds: float = SNIPPET_SECONDS) -> bool:
        """A short piece from ``t`` (a scrub)."""
        return self._start(t, int(round(seconds * RATE)))

    def stop(self) -> None:
        with self._lock:
            self._playing = False
            self._until = self._next
            self._anchor = None
        self.close_timer.start()

    def clock(self) -> float | None:
        """Composition seconds at the speaker now, or None before the first block."""
        stream, anchor = self._stream, self._anchor
        if stream is None or anchor is None or not self._playing:
            return None
        first, count, called, delay = anchor
        # from the block's first sample, as far as the time since it was handed out minus
        # the card's delay, never past what was handed out (a stalled card stops the clock)
        return first / RATE + min(count / RATE, time.monotonic() - called - delay)

    @property
    def latency(self) -> float:
        return float(self._stream.latency) if self._stream is not None else 0.0

    def shutdown(self) -> None:
        self.close_timer.stop()
        self._close()

    # -- internals ---------------------------------------------------------------------------

    def _start(self, t: float, samples: int | None) -> bool:
        first = max(0, int(np.floor(t * RATE + 1e-6)))
        with self._lock:
            self._next = first
            self._until = None if samples is None else first + samples
            self._playing = samples is None
            self._anchor = None
            self.sent = []
            self._generation += 1  # a block worked out for an earlier start is not this one's
        self.close_timer.stop()
        if not self._open():
            return False
        if samples is not None:
            self.close_timer.start()
        return True

    def _open(self) -> bool:
        if self._stream is not None:
            return True
        if time.monotonic() < self._retry_at:  # no output a moment ago: scrubs stay quick
            return False
        sd, problem = _sounddevice()
        if sd is not None:
            try:
                stream = sd.OutputStream(
                    samplerate=RATE, channels=CHANNELS, dtype="float32",
                    callback=self._fill, latency=LATENCY,
                )  # fmt: skip
                stream.start()
            except Exception as error:  # PortAudioError, or no device at all (ValueError)
                problem = f"no sound output: {error}"
            else:
                self._stream = stream
                problem = ""
        if problem:
            self._retry_at = time.monotonic() + RETRY_AFTER_S
        if problem != self.error:
            self.error = problem
            self.error_changed.emit(problem)
        return self._stream is not None

    def _close_if_idle(self) -> None:
        if self._playing:
            return
        if self._until is not None and self._next < self._until:
            self.close_timer.start()  # a snippet still sounding
            return
        self._close()

    def _close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.abort()
            stream.close()

    def _fill(self, outdata: np.ndarray, frames: int, time_info, status) -> None:
        """PortAudio's thread: the next ``frames`` samples, or silence."""
        with self._lock:
            generation = self._generation
            first, until = self._next, self._until
            count = frames if until is None else max(0, min(frames, until - first))
            self._next = first + count
            if self._playing:
                delay = max(0.0, time_info.outputBufferDacTime - time_info.currentTime)
                self._anchor = (first, count, time.monotonic(), delay)
        outdata.fill(0)
        if count == 0:
            return
        block = self.mix.samples(first, count)
        if self.muted:
            block[:] = 0
        elif self.volume != 1.0:
            block *= np.float32(self.volume)
        outdata[:count] = block
        with self._lock:
            if generation != self._generation:  # restarted (and maybe muted) meanwhile
                outdata.fill(0)
                return
            sent = self.sent
            sent.append((first, block))
            while sent and (first - sent[0][0]) > KEEP_SENT_SECONDS * RATE:
                sent.pop(0)

    def sent_pcm(self) -> tuple[int, np.ndarray]:
        """What was handed to the card since the last start: (first sample, samples)."""
        blocks = list(self.sent)
        if not blocks:
            return 0, np.zeros((0, CHANNELS), dtype=np.float32)
        return blocks[0][0], np.concatenate([b for _, b in blocks])


def wait_sent(out: AudioOut, samples: int, timeout: float = 5.0) -> None:
    """Block until ``out`` has sent ``samples`` samples (tests, benchmarks)."""
    deadline = time.monotonic() + timeout
    while sum(len(b) for _, b in list(out.sent)) < samples and time.monotonic() < deadline:
        time.sleep(0.01)
