"""How long a render will take on this machine: the work, times the machine's speed.

Pure arithmetic over a ``RenderPlan`` and its sources' probe facts; nothing is
read or run here. The work is counted in megapixel-frames (Mpx × frames):

- the canvas: output pixels × output frames (generated, converted, encoded);
- the encoder: the same pixels again, times the cost of the codec and quality
  preset (x264 ultrafast … slow, VP9 realtime/good, ProRes, GIF palette);
- per video layer: its source pixels × the source frames it is visible
  (decoded), the larger of source and scaled pixels × those frames (scaled),
  and the pixels it covers × the output frames it is shown (overlaid);
- per still (image or text): decoded and scaled once, overlaid every frame
  (fading stills are looped, so they pay a per-frame fade as well);
- audio: seconds decoded per audible input and seconds encoded.

Each kind of work has a coefficient in seconds per unit (``MachineSpeed``),
measured by ``render.calibrate`` and refined after every completed job by a
per-encoder correction factor (see ``refine``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from vidgen_desktop.composition.model import TextElement, VideoElement
from vidgen_desktop.render import formats
from vidgen_desktop.render.graph import RenderPlan

MPX = 1_000_000.0
REFINE_WEIGHT = 0.3  # share of a new observation in the per-encoder correction (EMA)
RATIO_LIMITS = (0.25, 4.0)  # an observed actual/estimate ratio is clamped to this range
FACTOR_LIMITS = (0.1, 10.0)  # the correction factor never leaves this range

# Seconds per Mpx-frame of encoding, by encoder and quality preset, as ``calibrate``
# measured them with textured content (testsrc2) on a 2-core x86-64 VM; they include
# the output's audio track and the check of the finished file.
DEFAULT_ENCODE: dict[str, float] = {
    "libx264:draft": 0.011,  # ultrafast
    "libx264:standard": 0.0155,  # veryfast
    "libx264:high": 0.072,  # slow
    "libvpx-vp9:draft": 0.017,  # realtime, cpu-used 8
    "libvpx-vp9:standard": 0.185,  # good, cpu-used 5
    "libvpx-vp9:high": 0.50,  # good, cpu-used 2
    "prores_ks:draft": 0.053,  # proxy
    "prores_ks:standard": 0.071,
    "prores_ks:high": 0.084,  # HQ
    "gif:draft": 0.135,  # palettegen + paletteuse + LZW
    "gif:standard": 0.135,
    "gif:high": 0.135,
}
AUDIO_ENCODE = {"libx264": 0.0010, "libvpx-vp9": 0.0015, "prores_ks": 0.0002, "gif": 0.0}


class SourceFacts(Protocol):
    """The probe facts the estimate reads (``media.probe.MediaInfo`` has them)."""

    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def fps(self) -> float | None: ...


@dataclasses.dataclass(frozen=True, kw_only=True)
class MachineSpeed:
    """This machine's coefficients: seconds per unit of each kind of work."""

    startup: float = 0.08  # s per render: process start, muxer set-up, verification probe
    per_input: float = 0.02  # s per input file opened
    canvas: float = 0.0015  # s per output Mpx-frame: background, pixel-format conversions
    decode_video: float = 0.0019  # s per source Mpx-frame decoded
    decode_still: float = 0.0076  # s per Mpx of a still, decoded once
    scale: float = 0.0023  # s per Mpx-frame through the scaler
    overlay: float = 0.0027  # s per covered Mpx-frame blended (alpha, format conversion)
    fade: float = 0.0011  # s per covered Mpx-frame of a fading still
    audio_decode: float = 0.0008  # s per second of audio decoded, per input
    encode: Mapping[str, float] = dataclasses.field(default_factory=lambda: dict(DEFAULT_ENCODE))
    audio_encode: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: dict(AUDIO_ENCODE)
    )
    factors: Mapping[str, float] = dataclasses.field(default_factory=dict)  # learned, per encoder
    source: str = "defaults"  # "defaults", "calibrated", "refined"

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key in ("encode", "audio_encode", "factors"):
            data[key] = dict(data[key])
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> MachineSpeed:
        """Rebuild from ``to_dict`` output; unknown keys are ignored, missing ones defaulted."""
        if not data:
            return cls()
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        defaults = cls()
        for key in ("encode", "audio_encode"):  # keep defaults for encoders not measured
            values[key] = {**getattr(defaults, key), **dict(values.get(key) or {})}
        return cls(**values)

    def evolve(self, **changes: Any) -> MachineSpeed:
        return dataclasses.replace(self, **changes)

    def encode_cost(self, key: str) -> float:
        return self.encode.get(key, DEFAULT_ENCODE.get(key, DEFAULT_ENCODE["libx264:standard"]))


@dataclasses.dataclass(frozen=True, kw_only=True)
class Estimate:
    """Predicted render seconds, with the parts it is made of (before the correction)."""

    seconds: float
    raw_seconds: float  # before the encoder's learned correction factor
    encoder: str  # e.g. "libx264:standard": the key of the correction factor
    factor: float
    parts: Mapping[str, float]
    frames: int
    duration: float

    def explain(self) -> str:
        biggest = sorted(self.parts.items(), key=lambda kv: -kv[1])[:3]
        shares = ", ".join(f"{name} {secs:.1f} s" for name, secs in biggest if secs > 0)
        return (
            f"{self.seconds:.1f} s for {self.frames} frames ({self.duration:g} s) with "
            f"{self.encoder}; mostly {shares}"
        )


def encoder_key(plan: RenderPlan) -> str:
    out = plan.composition.output
    return f"{formats.video_codec(out)}:{out.quality}"


def work(plan: RenderPlan, facts: Mapping[str, SourceFacts]) -> dict[str, float]:
    """The amount of each kind of work (units of the ``MachineSpeed`` fields)."""
    out = plan.composition.output
    frames = plan.frames
    out_fps = out.fps
    canvas_mpx = out.width * out.height / MPX
    amounts = {
        "inputs": 0.0,
        "canvas": canvas_mpx * frames,
        "decode_video": 0.0,
        "decode_still": 0.0,
        "scale": 0.0,
        "overlay": 0.0,
        "fade": 0.0,
        "audio_decode": 0.0,
        "audio_encode": plan.duration if formats.has_audio(out) else 0.0,
    }
    for vp in plan.visuals:
        amounts["inputs"] += 1
        window, placement = vp.window, vp.placement
        shown = max(0.0, min(window.end, plan.duration) - window.start)
        out_frames = min(frames, shown * out_fps)
        covered = _covered_mpx(placement.drawn, out.width, out.height)
        media = vp.media_size or (placement.box.w, placement.box.h)
        media_mpx = media[0] * media[1] / MPX
        scaled_mpx = placement.scaled[0] * placement.scaled[1] / MPX
        scaling = (placement.scaled != tuple(media)) or placement.needs_crop
        if isinstance(vp.element, VideoElement):
            info = facts.get(vp.element.id)
            src_fps = (info.fps if info is not None and info.fps else None) or out_fps
            src_frames = shown * src_fps
            amounts["decode_video"] += media_mpx * src_frames
            if scaling:
                amounts["scale"] += max(media_mpx, scaled_mpx) * src_frames
        else:
            still_mpx = media_mpx if not isinstance(vp.element, TextElement) else covered
            amounts["decode_still"] += still_mpx
            if scaling:
                amounts["scale"] += max(media_mpx, scaled_mpx)
            if vp.element.fade_in > 0 or vp.element.fade_out > 0:
                amounts["fade"] += covered * out_frames
        amounts["overlay"] += covered * out_frames
    for ap in plan.audio:
        amounts["inputs"] += 1
        amounts["audio_decode"] += max(0.0, ap.window.duration)
    return amounts


def _covered_mpx(drawn: Any, width: int, height: int) -> float:
    w = max(0, min(drawn.x + drawn.w, width) - max(drawn.x, 0))
    h = max(0, min(drawn.y + drawn.h, height) - max(drawn.y, 0))
    return w * h / MPX


def estimate(
    plan: RenderPlan, facts: Mapping[str, SourceFacts], speed: MachineSpeed | None = None
) -> Estimate:
    """Predicted seconds for FFmpeg to render ``plan`` on the machine ``speed`` describes."""
    speed = speed or MachineSpeed()
    key = encoder_key(plan)
    amounts = work(plan, facts)
    codec = key.split(":", 1)[0]
    parts = {
        "startup": speed.startup + speed.per_input * amounts["inputs"],
        "canvas": speed.canvas * amounts["canvas"],
        "encode": speed.encode_cost(key) * amounts["canvas"],
        "decode": speed.decode_video * amounts["decode_video"]
        + speed.decode_still * amounts["decode_still"],
        "scale": speed.scale * amounts["scale"],
        "overlay": speed.overlay * amounts["overlay"] + speed.fade * amounts["fade"],
        "audio": speed.audio_decode * amounts["audio_decode"]
        + speed.audio_encode.get(codec, 0.0) * amounts["audio_encode"],
    }
    raw = sum(parts.values())
    factor = float(speed.factors.get(key, 1.0))
    return Estimate(
        seconds=raw * factor,
        raw_seconds=raw,
        encoder=key,
        factor=factor,
        parts=parts,
        frames=plan.frames,
        duration=plan.duration,
    )


def refine(speed: MachineSpeed, encoder: str, raw_estimate: float, actual: float) -> MachineSpeed:
    """Learn from one finished render: move the encoder's correction toward actual/raw.

    An exponential moving average (weight ``REFINE_WEIGHT``) of the ratio, each
    observation clamped to ``RATIO_LIMITS`` so one odd render (a machine busy
    with something else) cannot throw the estimate far off.
    """
    if raw_estimate <= 0 or actual <= 0:
        return speed
    ratio = min(max(actual / raw_estimate, RATIO_LIMITS[0]), RATIO_LIMITS[1])
    old = float(speed.factors.get(encoder, 1.0))
    new = (1 - REFINE_WEIGHT) * old + REFINE_WEIGHT * ratio
    new = min(max(new, FACTOR_LIMITS[0]), FACTOR_LIMITS[1])
    return speed.evolve(factors={**speed.factors, encoder: new}, source="refined")
