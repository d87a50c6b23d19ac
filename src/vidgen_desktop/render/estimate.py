"""How long a render will take on this machine: the work, times the machine's speed.

Pure arithmetic over a ``RenderPlan`` and its sources' probe facts; nothing is
read or run here. The work is counted in megapixel-frames (Mpx × frames):

- a fixed cost per render (FFmpeg start-up, muxer, the check of the file), per
  input opened, per output frame and per layer frame (each frame a layer hands
  to the graph): at small sizes these outweigh the pixels;
- the canvas: output pixels × output frames (generated, converted, encoded);
- the encoder: the same pixels again, times the cost of the codec and quality
  preset (x264 ultrafast … slow, VP9 realtime/good, ProRes, GIF palette);
- per video layer: its source pixels × the source frames it is visible
  (decoded), the larger of source and scaled pixels × those frames (scaled),
  and the pixels it covers × the output frames it is shown (overlaid), but
  for a background clip that is the canvas itself (``graph.is_canvas``);
- per still (image or text): decoded and scaled once, overlaid every frame
  (fading stills are looped, so they pay a per-frame fade as well);
- audio: seconds decoded per audible input and seconds encoded.

Each kind of work has a coefficient in seconds per unit (``MachineSpeed``).
``render.calibrate`` times a set of small real renders and ``render.fitting``
solves for the coefficients by least squares on relative error, pulled gently
toward a prior so that what the runs cannot tell apart stays sensible; after that,
every completed job refines a correction per encoder and resolution class
(``refine``, ``render.learning``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from vidgen_desktop.composition.model import TextElement, VideoElement
from vidgen_desktop.render import formats, learning
from vidgen_desktop.render.graph import RenderPlan, is_canvas

MPX = 1_000_000.0

# Seconds per Mpx-frame of encoding, by encoder and quality preset, on top of the
# per-frame and canvas costs: fitted (with every other default below) to the CPU-seconds
# of 29 renders of varied compositions (1 to 8 layers, 270p to 1080p, 0.2 to 20 s, every
# encoder) on a 2-core x86-64 VM, over 1.4 (what two cores save, rendering).
# Before calibration they are the estimate; after, the prior ``fitting.fit`` anchors to
# (their ratios to each other matter most).
DEFAULT_ENCODE: dict[str, float] = {
    "libx264:draft": 0.0017,  # ultrafast
    "libx264:standard": 0.0074,  # veryfast
    "libx264:high": 0.033,  # slow
    "libvpx-vp9:draft": 0.0082,  # realtime, cpu-used 8
    "libvpx-vp9:standard": 0.068,  # good, cpu-used 5
    "libvpx-vp9:high": 0.10,  # good, cpu-used 2: half as much again (small frames cost more)
    "prores_ks:draft": 0.050,  # proxy: no cheaper than standard here
    "prores_ks:standard": 0.051,
    "prores_ks:high": 0.053,  # HQ
    "gif:draft": 0.087,  # palettegen + paletteuse + LZW; no presets
    "gif:standard": 0.087,
    "gif:high": 0.087,
}
# What a frame costs the scaler whatever its size, in Mpx of scaling: the CPU-seconds of
# FFmpeg's bicubic scale alone (decode and scale to null, less decode), 60 frames, three
# times, fit 0.2 ms a frame + 0.85 ms per Mpx (the larger of source and result): 360p to
# 108p and 180p 0.4-0.45 ms, 360p to 720p 0.9, 720p to 360p 1.0, 720p to 1080p 2.2. With a
# cost per Mpx alone, small layers (most calibration runs) made a 1080p scale cost double.
SCALE_FRAME_MPX = 0.24
# The same for a layer blended over the canvas (its pad, the conversion to the canvas's
# format, the blend), measured as the CPU-seconds a looped still or a video adds to a
# 360p and a 1080p canvas, 60 frames, three times: 0.5 ms a frame + 4 ms per covered Mpx
# (0.6 ms for 0.023 Mpx, 1.3 ms for 0.2 Mpx; the first layer also copies the canvas).
OVERLAY_FRAME_MPX = 0.125
# s per second of sound: AAC (with x264) and Opus cost far more than PCM (with ProRes)
AUDIO_ENCODE = {"libx264": 0.0069, "libvpx-vp9": 0.0030, "prores_ks": 0.00014, "gif": 0.0}
# s per render that starting the encoder costs on top of ``startup``: x264's threads and
# look-ahead. One 360p run made at two lengths, alternated four or five times: CPU-seconds
# at zero frames 0.053-0.065 s with x264, 0.030-0.053 s with ProRes (2 cores, load 4-10),
# over 1.4 like the rest. Without it the short ProRes runs of the calibration leave x264's
# start-up on every ProRes frame: renders of a few seconds came out 10-20 % short.
ENCODER_STARTUP = {"libx264": 0.013}


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

    startup: float = 0.027  # s per render: process start, muxer set-up, verification probe
    per_input: float = 0.009  # s per input file opened
    per_frame: float = 0.00033  # s per output frame, whatever its size
    per_layer_frame: float = 0.00005  # s per frame a layer feeds the graph (decoded or looped)
    canvas: float = 0.00048  # s per output Mpx-frame: background, pixel-format conversions
    decode_video: float = 0.0019  # s per source Mpx-frame decoded
    decode_still: float = 0.0035  # s per Mpx of a still, decoded once
    scale: float = 0.0006  # s per Mpx-frame through the scaler (+ SCALE_FRAME_MPX a frame)
    overlay: float = 0.0028  # s per covered Mpx-frame blended (+ OVERLAY_FRAME_MPX a frame)
    fade: float = 0.0003  # s per covered Mpx-frame of a fading still
    audio_decode: float = 0.00037  # s per second of audio decoded, per input
    encode: Mapping[str, float] = dataclasses.field(default_factory=lambda: dict(DEFAULT_ENCODE))
    audio_encode: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: dict(AUDIO_ENCODE)
    )
    encoder_startup: Mapping[str, float] = dataclasses.field(  # s per render, by encoder
        default_factory=lambda: dict(ENCODER_STARTUP)
    )
    factors: Mapping[str, float] = dataclasses.field(default_factory=dict)  # learned corrections
    history: Mapping[str, tuple[float, ...]] = dataclasses.field(default_factory=dict)  # ratios
    source: str = "defaults"  # "defaults", "calibrated", "refined"

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key in ("encode", "audio_encode", "encoder_startup", "factors"):
            data[key] = dict(data[key])
        data["history"] = {key: list(ratios) for key, ratios in self.history.items()}
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
        # a speed stored before the encoder's start-up was counted has it in ``startup``
        values["encoder_startup"] = dict(values.get("encoder_startup") or {})
        values["history"] = {k: tuple(v) for k, v in dict(values.get("history") or {}).items()}
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
    speed: str = "defaults"  # MachineSpeed.source: "defaults" means never measured here
    resolution: str = ""  # the output's resolution class (``learning.resolution_class``)

    @property
    def calibrated(self) -> bool:
        """False on a machine that never rendered or calibrated: the figure is a guess."""
        return self.speed != "defaults"

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
        "frames": float(frames),
        "layer_frames": 0.0,
        "canvas": canvas_mpx * frames,
        "decode_video": 0.0,
        "decode_still": 0.0,
        "scale": 0.0,
        "overlay": 0.0,
        "fade": 0.0,
        "audio_decode": 0.0,
        "audio_encode": plan.duration if formats.has_audio(out) else 0.0,
    }
    canvas_layer = plan.visuals[0] if is_canvas(plan) else None
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
            amounts["layer_frames"] += src_frames
            if scaling:
                amounts["scale"] += (max(media_mpx, scaled_mpx) + SCALE_FRAME_MPX) * src_frames
        else:
            still_mpx = media_mpx if not isinstance(vp.element, TextElement) else covered
            amounts["layer_frames"] += out_frames
            amounts["decode_still"] += still_mpx
            if scaling:
                amounts["scale"] += max(media_mpx, scaled_mpx) + SCALE_FRAME_MPX
            if vp.element.fade_in > 0 or vp.element.fade_out > 0:
                amounts["fade"] += covered * out_frames
        if vp is not canvas_layer:  # a background clip is the canvas: nothing blended
            amounts["overlay"] += (covered + OVERLAY_FRAME_MPX) * out_frames
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
    out = plan.composition.output
    resolution = learning.resolution_class(out.width, out.height)
    parts = {
        "startup": speed.startup
        + speed.encoder_startup.get(codec, 0.0)
        + speed.per_input * amounts["inputs"],
        "frames": speed.per_frame * amounts["frames"]
        + speed.per_layer_frame * amounts["layer_frames"],
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
    factor = learning.factor(speed.factors, key, resolution)
    return Estimate(
        seconds=raw * factor,
        raw_seconds=raw,
        encoder=key,
        factor=factor,
        parts=parts,
        frames=plan.frames,
        duration=plan.duration,
        speed=speed.source,
        resolution=resolution,
    )


def refine(
    speed: MachineSpeed, encoder: str, raw_estimate: float, actual: float, resolution: str = ""
) -> MachineSpeed:
    """Learn from one finished render: its actual/raw ratio joins the history of its
    encoder and resolution class, and every correction is worked out again from that
    history (robust medians, ``render.learning``)."""
    if raw_estimate <= 0 or actual <= 0:
        return speed
    key = learning.fine_key(encoder, resolution)
    history = learning.observe(speed.history, key, raw_estimate, actual)
    factors = {**speed.factors, **learning.corrections(history)}
    return speed.evolve(factors=factors, history=history, source="refined")
