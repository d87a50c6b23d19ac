"""Measure this machine's render speed with a few tiny real renders (a few seconds in all).

``calibrate()`` makes its own test media in a temporary folder, renders:

1. a 640×360 clip with one full-frame video layer (x264 ultrafast) at two
   lengths: the fixed cost of a render (``startup``) is the intercept;
2. the same with four layers: one multiplier for the pixel work (canvas,
   decode, scale, overlay) relative to the default coefficients;
3. the one-layer clip with each representative encoder and preset: that
   encoder's own cost per megapixel-frame.

Encoders not measured (VP9 best, ProRes draft and HQ, …) keep their default
ratio to a measured sibling. The result is a ``MachineSpeed``; storing it is
the caller's business (``jobs.speed``).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.media import probe as media_probe
from vidgen_desktop.media import samples
from vidgen_desktop.render import engine, estimate
from vidgen_desktop.render.estimate import DEFAULT_ENCODE, MachineSpeed

CAL_SIZE = (640, 360)  # px: big enough that pixel work dominates the fixed cost
CAL_SECONDS = 2.0  # length of each calibration clip
CAL_FPS = 30
# (format, quality, mov_codec) measured; the rest follow their sibling's ratio.
MEASURED = (
    ("mp4", "draft"),
    ("mp4", "standard"),
    ("mp4", "high"),
    ("webm", "draft"),
    ("webm", "standard"),
    ("mov", "standard"),
    ("gif", "standard"),
)
SIBLINGS = {
    "libvpx-vp9:high": "libvpx-vp9:standard",
    "prores_ks:draft": "prores_ks:standard",
    "prores_ks:high": "prores_ks:standard",
    "gif:draft": "gif:standard",
    "gif:high": "gif:standard",
}
PIXEL_FIELDS = ("canvas", "decode_video", "decode_still", "scale", "overlay", "fade")

Report = Callable[[str], None]


def _composition(
    fmt: str, quality: str, layers: int, clip: Path, *, seconds: float = CAL_SECONDS
) -> Composition:
    elements = [
        # distinct trims: identical layers would be merged into one node by ffmpeg-python
        {"type": "video", "id": f"v{i}", "source": str(clip), "fit": "fill", "trim_start": i / 50}
        for i in range(layers)
    ]
    return Composition.from_data(
        {
            "name": "calibration",
            "output": {
                "width": CAL_SIZE[0],
                "height": CAL_SIZE[1],
                "fps": CAL_FPS,
                "format": fmt,
                "quality": quality,
                "duration": seconds,
            },
            "elements": elements,
        }
    )


def _timed(comp: Composition, folder: Path, name: str) -> tuple[float, estimate.Estimate]:
    facts = engine.probe_sources(comp)
    plan = engine.prepare(comp, facts)
    target = folder / f"{name}{engine.formats.EXTENSIONS[comp.output.format]}"
    process = engine.render_process(plan, target)
    started = time.perf_counter()
    process.run()
    elapsed = time.perf_counter() - started
    target.unlink(missing_ok=True)
    return elapsed, estimate.estimate(plan, facts, MachineSpeed())


def calibrate(report: Report | None = None) -> MachineSpeed:
    """Run the calibration renders and return this machine's coefficients."""
    say = report or (lambda _message: None)
    defaults = MachineSpeed()
    with tempfile.TemporaryDirectory(prefix="vidgen-calibrate-") as tmp:
        folder = Path(tmp)
        clip = samples.make_test_video(
            folder / "clip.mp4", width=CAL_SIZE[0], height=CAL_SIZE[1], fps=CAL_FPS,
            duration=CAL_SECONDS + 0.5,
        )  # fmt: skip
        media_probe.probe(clip)
        # The same render at two lengths: the slope is the per-frame cost, the intercept the
        # fixed cost of a render (start-up, encoder set-up, the check of the finished file).
        short, est_short = _timed(_composition("mp4", "draft", 1, clip, seconds=0.5), folder, "s")
        one, est_one = _timed(_composition("mp4", "draft", 1, clip), folder, "one")
        units_short = est_short.parts["canvas"] / defaults.canvas
        units_one = est_one.parts["canvas"] / defaults.canvas
        slope = max(0.0, (one - short) / (units_one - units_short))
        startup = max(0.02, short - slope * units_short - defaults.per_input)
        say(f"fixed cost per render: {startup:.2f} s")
        four, est_four = _timed(_composition("mp4", "draft", 4, clip), folder, "four")
        # The extra three layers are pure pixel work (decode + overlay).
        layer_defaults = (est_four.raw_seconds - est_one.raw_seconds) - 3 * defaults.per_input
        layer_actual = four - one - 3 * defaults.per_input
        pixel = _clamp(layer_actual / layer_defaults if layer_defaults > 0 else 1.0)
        say(f"pixel work: {pixel:.2f}× the default speed")
        scaled = {name: getattr(defaults, name) * pixel for name in PIXEL_FIELDS}
        speed = defaults.evolve(startup=startup, **scaled)
        encode = dict(DEFAULT_ENCODE)
        for fmt, quality in MEASURED:
            if (fmt, quality) == ("mp4", "draft"):
                elapsed, est = one, est_one
            else:
                elapsed, est = _timed(_composition(fmt, quality, 1, clip), folder, fmt + quality)
            units = est.parts["encode"] / DEFAULT_ENCODE[est.encoder]  # Mpx-frames encoded
            rest = _without_encode(speed, est)
            cost = max(0.1 * DEFAULT_ENCODE[est.encoder], (elapsed - rest) / units)
            encode[est.encoder] = cost
            say(f"{est.encoder}: {elapsed:.2f} s → {cost * 1000:.2f} ms per Mpx-frame")
        for key, sibling in SIBLINGS.items():
            encode[key] = encode[sibling] * DEFAULT_ENCODE[key] / DEFAULT_ENCODE[sibling]
    return speed.evolve(encode=encode, factors={}, source="calibrated")


def _without_encode(speed: MachineSpeed, est: estimate.Estimate) -> float:
    """The estimate's seconds other than encoding, with ``speed``'s coefficients."""
    defaults = MachineSpeed()
    total = speed.startup + (est.parts["startup"] - defaults.startup)
    for part, field_name in (("canvas", "canvas"), ("overlay", "overlay"), ("scale", "scale")):
        total += est.parts[part] * getattr(speed, field_name) / getattr(defaults, field_name)
    total += est.parts["decode"] * speed.decode_video / defaults.decode_video
    total += est.parts["audio"]
    return total


def _clamp(value: float) -> float:
    return min(max(value, 0.05), 20.0)
