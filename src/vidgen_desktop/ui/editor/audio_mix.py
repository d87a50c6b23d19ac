"""The editor's sound: PCM of the composition for a time range (no Qt).

The same rules as the renderer's soundtrack (``render.graph``'s audio stream):
the audible elements are ``graph.plan(...).audio`` (videos with sound and audio
elements, not hidden, volume above 0, with a window), each one's source is
read from ``trim_start``, cut to its window, scaled by its volume (keyframed
``volume`` stepped every 10 ms, as ``motion_graph.volume_expr`` does), faded
in and out linearly (FFmpeg's ``afade`` default curve), delayed to its start
in whole milliseconds (``adelay``) and summed without normalising (``amix
normalize=0``). Stereo float32 at ``graph.SAMPLE_RATE``.

Sources are decoded once, whole, by FFmpeg (imageio-ffmpeg's binary) and
kept by path and modification time as 16-bit PCM, what the renderer writes:
a minute of stereo is 11.5 MB (float32 kept twice that: the example's music
held 15 MB of the editor's memory, ``benchmarks/editor_memory.py``). The mix
itself is float32: each source sample is within 1/65536 of FFmpeg's float.
"""

from __future__ import annotations

import math
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vidgen_desktop.composition import layout  # noqa: F401 - first: states and layout import each other
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.composition.states import value_at
from vidgen_desktop.render import graph

RATE = graph.SAMPLE_RATE
CHANNELS = 2
VOLUME_STEPS = 100.0  # per second, as the renderer's keyframed volume


PCM_SCALE = 1.0 / 32768.0  # int16 -> [-1, 1)


def decode_pcm(source: str) -> np.ndarray:
    """The whole sound of ``source`` as (n, 2) int16 at ``RATE``; raises ``ValueError``."""
    from vidgen_desktop.media.ffmpeg import ffmpeg_exe, file_url

    args = [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", file_url(source), "-vn",
            "-ac", str(CHANNELS), "-ar", str(RATE), "-f", "s16le", "-"]  # fmt: skip
    done = subprocess.run(args, capture_output=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        raise ValueError(f"{Path(source).name}: cannot decode its sound: {detail[0]}")
    return np.frombuffer(done.stdout, dtype=np.int16).reshape(-1, CHANNELS)


@dataclass(frozen=True, slots=True)
class Voice:
    """One audible element on the timeline, in samples."""

    element: object
    start: int  # first sample on the timeline (the delay, in whole ms like ``adelay``)
    length: int  # samples it lasts (its window)
    trim: float  # seconds into the source
    pcm: np.ndarray  # (n, 2): int16 (``decode_pcm``) or float in [-1, 1]

    def gains(self, tau: np.ndarray) -> np.ndarray:
        """The gain at ``tau`` seconds into the element (volume × fades)."""
        element = self.element
        if "volume" in element.keyframes:
            steps = np.floor(tau * VOLUME_STEPS)
            unique, inverse = np.unique(steps, return_inverse=True)
            values = [value_at(element, "volume", s / VOLUME_STEPS) for s in unique]
            gain = np.asarray(values, dtype=np.float64)[inverse]
        else:
            gain = np.full(tau.shape, float(element.volume))
        duration = self.length / RATE
        if element.fade_in > 0:
            gain *= np.clip(tau / element.fade_in, 0.0, 1.0)
        if element.fade_out > 0:
            st = max(0.0, duration - element.fade_out)
            gain *= np.clip(1.0 - (tau - st) / element.fade_out, 0.0, 1.0)
        return gain


class AudioMix:
    """The composition's mixed sound, for any span of samples."""

    def __init__(self, decoder: Callable[[str], np.ndarray] = decode_pcm) -> None:
        self._decoder = decoder
        self._decoded: dict[tuple[str, float], np.ndarray] = {}
        self.voices: list[Voice] = []
        self.problems: list[str] = []

    def set_composition(self, comp: Composition, facts: Mapping[str, object]) -> None:
        """Resolve which elements sound where (decoding sources not yet decoded)."""
        usable = [e for e in comp.elements if e.id in facts or e.type == "text"]
        plan = graph.plan(comp.model_copy(update={"elements": usable}), facts)
        voices, problems = [], []
        for ap in plan.audio:
            try:
                pcm = self._pcm(ap.element.source)
            except (OSError, ValueError) as error:
                problems.append(f"{ap.element.id}: {error}")
                continue
            start = round(ap.window.start * 1000) * RATE // 1000
            length = round(ap.window.duration * RATE)
            voices.append(Voice(ap.element, start, length, ap.window.trim_start, pcm))
        self.voices, self.problems = voices, problems

    def _pcm(self, source: str) -> np.ndarray:
        key = (source, Path(source).stat().st_mtime)
        if key not in self._decoded:
            self._decoded[key] = self._decoder(source)
        return self._decoded[key]

    @property
    def audible(self) -> bool:
        return bool(self.voices)

    def samples(self, first: int, count: int) -> np.ndarray:
        """Samples ``first`` .. ``first + count`` of the mix, (count, 2) float32."""
        out = np.zeros((count, CHANNELS), dtype=np.float32)
        for voice in self.voices:
            lo, hi = max(first, voice.start), min(first + count, voice.start + voice.length)
            if hi <= lo:
                continue
            local = np.arange(lo - voice.start, hi - voice.start)
            offset = round(voice.trim * RATE)
            src = local + offset
            inside = src < len(voice.pcm)
            if not inside.any():
                continue
            local, src = local[inside], src[inside]
            gain = voice.gains(local / RATE)
            if voice.pcm.dtype == np.int16:
                gain = gain * PCM_SCALE
            gain = gain.astype(np.float32)
            out[local[0] + voice.start - first : local[-1] + voice.start - first + 1] += (
                voice.pcm[src] * gain[:, None]
            )
        return out

    def at(self, t: float, seconds: float) -> np.ndarray:
        """The mix from ``t`` for ``seconds`` (the sample at ``t`` rounded down)."""
        return self.samples(math.floor(t * RATE + 1e-6), round(seconds * RATE))
