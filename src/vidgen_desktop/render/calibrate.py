"""Measure this machine's render speed with small real renders (about 10 s in all).

``calibrate()`` makes its own test clip in a temporary folder and times a set
of short renders (``RUNS``) chosen so that each coefficient of the estimate is
exercised by a run that differs from the others mostly in it:

- the same one-layer 360p render at two lengths: the fixed cost of a render
  against the cost per frame;
- four full-frame layers, four small layers, an upscaled layer on a 720p
  canvas: decoding (H.264 sources) against blending against scaling;
- two stills (one fading, half-transparent) and a text over the clip, and a
  longer run with a second sound mixed in: the costs of stills, fades and
  sound (the test clip has sound, as most sources do);
- every encoder and quality preset (x264, VP9, ProRes, GIF) on a small canvas,
  sized so that the slow ones (VP9 best) still take well under a second;
  ProRes proxy, which costs what ProRes standard does here, follows its family.

``fitting.fit`` then solves for all the coefficients at once (least squares
on relative error, anchored to the defaults, a run far off the others
weighing less). The whole set is made twice, and each run's shorter time kept:
work elsewhere on the machine only ever slows a run, so the faster copy is the
nearer to this machine's own speed (what a busy machine costs on top is
learned from real renders, ``render.learning``), and one burst of work
elsewhere slows only one copy of a run. On a machine so busy that the first
round took most of ``BUDGET``, the second is cut short. ``should_stop`` (the
background calibration: a render started) ends it early, with no result. The
result is a ``MachineSpeed``; storing it is the caller's business
(``jobs.speed``).
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.media import probe as media_probe
from vidgen_desktop.media import samples
from vidgen_desktop.render import engine, estimate, fitting, graph
from vidgen_desktop.render.estimate import MachineSpeed

CLIP_SIZE = (640, 360)  # px: the test clip, H.264 like most sources
CLIP_SECONDS = 2.5
CLIP_FPS = 30
REPEATS = 2  # times each run is made; the fastest is kept
BUDGET = 11.0  # s: no further copy of a run is started past this (``vidgen calibrate`` ≤ 15 s)

Report = Callable[[str], None]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Run:
    """One calibration render: canvas, length, encoder and how the clip is laid out."""

    name: str
    width: int = CLIP_SIZE[0]
    height: int = CLIP_SIZE[1]
    seconds: float = 1.0
    fps: float = CLIP_FPS
    fmt: str = "mp4"
    quality: str = "draft"
    layers: int = 1
    box: str = "100%"  # each layer's width and height
    fit: str = "fill"
    stills: bool = False  # two images (one fading, half-transparent) and a text on top
    music: bool = False  # a second sound mixed with the clip's


RUNS = (
    Run(name="fixed cost", seconds=0.2),
    Run(name="per frame", seconds=1.5),
    Run(name="4 layers", layers=4, seconds=0.6),
    Run(name="4 small layers", layers=4, box="30%", seconds=0.6),
    Run(name="upscaled 720p", width=1280, height=720, seconds=0.5, fit="cover"),
    Run(name="stills and text", stills=True, seconds=1.0),
    Run(name="sound", music=True, width=320, height=180, seconds=2.4),
    Run(name="x264 standard", quality="standard", seconds=0.6),
    Run(name="x264 high", quality="high", seconds=0.5),
    Run(name="VP9 draft", fmt="webm", quality="draft", seconds=0.6),
    Run(name="VP9 standard", fmt="webm", quality="standard", width=480, height=270, seconds=0.4),
    Run(name="VP9 high", fmt="webm", quality="high", width=480, height=270, seconds=0.3),
    Run(name="ProRes", fmt="mov", quality="standard", seconds=0.4),
    Run(name="ProRes HQ", fmt="mov", quality="high", seconds=0.4),
    # long enough that the palette pass (once per render) is not taken for a cost per pixel
    Run(name="GIF", fmt="gif", quality="standard", width=320, height=180, fps=15, seconds=1.6),
)


class Cancelled(Exception):
    """The calibration was stopped by ``should_stop`` before it finished."""


def composition(run: Run, clip: Path, media: dict[str, Path] | None = None) -> Composition:
    media = media or {}
    elements = [
        # distinct trims: identical layers would be merged into one node by ffmpeg-python
        {"type": "video", "id": f"v{i}", "source": str(clip), "fit": run.fit,
         "trim_start": i / 50, "x": f"{i * 20}%" if run.box != "100%" else 0,
         "width": run.box, "height": run.box}
        for i in range(run.layers)
    ]  # fmt: skip
    if run.stills:
        elements += [
            {"type": "image", "id": "photo", "source": str(media["photo"]), "x": "10%",
             "width": "40%", "height": "40%", "opacity": 0.9, "fade_in": 0.5},
            {"type": "image", "id": "logo", "source": str(media["logo"]), "x": "60%", "y": "5%",
             "width": "30%", "height": "30%"},
            {"type": "text", "id": "title", "text": "Calibration", "y": "60%",
             "width": "60%", "height": "25%"},
        ]  # fmt: skip
    if run.music:
        elements.append({"type": "audio", "id": "music", "source": str(media["music"])})
    return Composition.from_data(
        {
            "name": f"calibration: {run.name}",
            "output": {"width": run.width, "height": run.height, "fps": run.fps,
                       "format": run.fmt, "quality": run.quality, "duration": run.seconds},
            "elements": elements,
        }
    )  # fmt: skip


def _timed(plan: graph.RenderPlan, folder: Path) -> float:
    target = folder / f"run{engine.formats.EXTENSIONS[plan.composition.output.format]}"
    process = engine.render_process(plan, target)
    started = time.perf_counter()
    process.run()
    elapsed = time.perf_counter() - started
    target.unlink(missing_ok=True)
    return elapsed


def _media(folder: Path) -> dict[str, Path]:
    return {
        "photo": samples.make_test_image(folder / "photo.png", width=800, height=600),
        "logo": samples.make_test_image(folder / "logo.png", width=300, height=300,
                                        pattern="disc"),
        "music": samples.make_test_audio(folder / "music.wav", duration=3.0),
    }  # fmt: skip


def calibrate(
    report: Report | None = None,
    *,
    runs: tuple[Run, ...] = RUNS,
    should_stop: Callable[[], bool] | None = None,
    budget: float = BUDGET,
) -> MachineSpeed:
    """Run the calibration renders and return this machine's coefficients.

    Raises ``Cancelled`` when ``should_stop()`` turns true between two runs.
    """
    say = report or (lambda _message: None)
    stop = should_stop or (lambda: False)
    started = time.perf_counter()
    observations = []
    with tempfile.TemporaryDirectory(prefix="vidgen-calibrate-") as tmp:
        folder = Path(tmp)
        clip = samples.make_test_video(
            folder / "clip.mp4", width=CLIP_SIZE[0], height=CLIP_SIZE[1], fps=CLIP_FPS,
            duration=CLIP_SECONDS, audio=True,
        )  # fmt: skip
        media = _media(folder)
        known = {str(clip): media_probe.probe(clip)}
        known.update({str(path): media_probe.probe(path) for path in media.values()})
        plans = []
        for run in runs:
            comp = composition(run, clip, media)
            facts = engine.probe_sources(comp, prober=lambda source: known[str(source)])
            plans.append((engine.prepare(comp, facts, text_folder=folder), facts))
        # Whole rounds rather than back-to-back repeats: a burst of work elsewhere then
        # slows one copy of a run, not both.
        # A busy machine makes every run slower: past BUDGET the later copies are skipped.
        times: list[list[float]] = [[] for _ in plans]
        for _round in range(REPEATS):
            for i, (plan, _facts) in enumerate(plans):
                spent = time.perf_counter() - started
                if times[i] and spent + times[i][0] > budget:
                    continue
                if stop():
                    raise Cancelled("the calibration was stopped")
                times[i].append(_timed(plan, folder))
        for i, (run, (plan, facts)) in enumerate(zip(runs, plans, strict=True)):
            seconds = min(times[i])
            observations.append(
                fitting.Observation(
                    encoder=estimate.encoder_key(plan),
                    amounts=estimate.work(plan, facts),
                    seconds=seconds,
                )
            )
            say(f"{run.name}: {seconds:.2f} s")
    speed = fitting.fit(observations)
    say(
        f"fixed cost per render {speed.startup:.2f} s; per Mpx-frame: "
        + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in sorted(speed.encode.items()))
    )
    return speed
