"""How close is the render-time estimate? Estimate, then really render, varied compositions.

    python benchmarks/estimate_accuracy.py [--no-calibrate] [--repeats N] [--quick]

Calibrates this machine first (as ``vidgen calibrate`` does; skip with
``--no-calibrate`` to measure the built-in defaults), then for each case:
estimate with those coefficients (no learning in between), render, compare.
Prints each case's error and the median and p90 of |estimate − actual| /
actual (goal: median ≤ 8 %, p90 ≤ 20 %, and every case within 2× even
uncalibrated), each render's CPU-seconds (user + sys of FFmpeg: what load
changes least), then one JSON line of the figures,
with the load average before and after (other work on the machine slows the
renders, not the estimate). ``--repeats N`` renders every case N times, in
N passes over all the cases, and compares with the median: on a shared
machine one render's time is itself a noisy measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.media import samples
from vidgen_desktop.render import calibrate as calibration
from vidgen_desktop.render import engine, estimate

# name, width, height, seconds, layers, format, quality
CASES = [
    ("360p-2s-1L-mp4-draft", 640, 360, 2, 1, "mp4", "draft"),
    ("360p-60s-1L-mp4-draft", 640, 360, 60, 1, "mp4", "draft"),
    ("360p-10s-2L-mp4-standard", 640, 360, 10, 2, "mp4", "standard"),
    ("720p-5s-3L-mp4-standard", 1280, 720, 5, 3, "mp4", "standard"),
    ("1080p-3s-1L-mp4-draft", 1920, 1080, 3, 1, "mp4", "draft"),
    ("1080p-2s-8L-mp4-draft", 1920, 1080, 2, 8, "mp4", "draft"),
    ("480p-6s-4L-mp4-high", 854, 480, 6, 4, "mp4", "high"),
    ("720p-20s-5L-mp4-standard", 1280, 720, 20, 5, "mp4", "standard"),
    ("360p-4s-2L-webm-draft", 640, 360, 4, 2, "webm", "draft"),
    ("360p-3s-1L-webm-standard", 640, 360, 3, 1, "webm", "standard"),
    ("270p-2s-1L-webm-high", 480, 270, 2, 1, "webm", "high"),
    ("720p-3s-2L-mov-standard", 1280, 720, 3, 2, "mov", "standard"),
    ("360p-4s-3L-mov-high", 640, 360, 4, 3, "mov", "high"),
    ("360p-2s-1L-mov-draft", 640, 360, 2, 1, "mov", "draft"),
    ("270p-3s-2L-gif", 480, 270, 3, 2, "gif", "standard"),
]


def make_media(folder: Path) -> dict[str, Path]:
    return {
        "hd": samples.make_test_video(
            folder / "hd.mp4", width=1280, height=720, fps=30, duration=20, audio=True
        ),
        "sd": samples.make_test_video(
            folder / "sd.mp4", width=640, height=360, fps=30, duration=60, audio=True
        ),
        "photo": samples.make_test_image(folder / "photo.png", width=1200, height=800),
        "logo": samples.make_test_image(folder / "logo.png", width=300, height=300, pattern="disc"),
        "music": samples.make_test_audio(folder / "music.wav", duration=60),
    }


def composition(case: tuple, media: dict[str, Path]) -> Composition:
    name, width, height, seconds, layers, fmt, quality = case
    elements: list[dict] = [
        {"type": "video", "id": "base", "source": str(media["hd" if width > 700 else "sd"]),
         "fit": "cover"},
    ]  # fmt: skip
    kinds = ["photo", "logo", "sd", "text", "hd", "logo", "photo"]
    for n in range(1, layers):
        kind = kinds[n - 1]
        box = {
            "x": f"{(n * 11) % 60}%",
            "y": f"{(n * 17) % 60}%",
            "width": f"{30 + n}%",
            "height": f"{30 + n}%",
        }  # distinct sizes: ffmpeg-python merges identical nodes
        if kind == "text":
            elements.append({"type": "text", "id": f"t{n}", "text": "Spring sale", **box})
        elif kind in ("photo", "logo"):
            fades = {"fade_in": 0.5} if n % 2 else {}
            elements.append({"type": "image", "id": f"i{n}", "source": str(media[kind]),
                             "opacity": 0.9, **box, **fades})  # fmt: skip
        else:
            elements.append({"type": "video", "id": f"v{n}", "source": str(media[kind]),
                             "trim_start": n / 10, "fit": "cover", **box})  # fmt: skip
    if layers >= 3 and fmt != "gif":
        elements.append({"type": "audio", "id": "music", "source": str(media["music"])})
    return Composition.from_data(
        {
            "name": name,
            "output": {"width": width, "height": height, "fps": 30 if fmt != "gif" else 15,
                       "format": fmt, "quality": quality, "duration": seconds},
            "elements": elements,
        }
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-calibrate", action="store_true")
    parser.add_argument("--repeats", type=int, default=1, help="renders per case (median)")
    parser.add_argument("--quick", action="store_true", help="every other case")
    parser.add_argument("--cpu", action="store_true", help="CPU-seconds, not wall time")
    args = parser.parse_args()
    if args.cpu:
        calibration._timed = _cpu_timed(calibration._timed)
    cases = CASES[::2] if args.quick else CASES
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="vidgen-estimate-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        speed = estimate.MachineSpeed() if args.no_calibrate else calibration.calibrate()
        calibration_seconds = time.perf_counter() - started
        media = make_media(folder)
        plans = []
        for case in cases:
            comp = composition(case, media)
            facts = engine.probe_sources(comp)
            plan = engine.prepare(comp, facts, text_folder=folder)
            plans.append((case[0], plan, estimate.estimate(plan, facts, speed).seconds))
        times: dict[str, list[float]] = {name: [] for name, _plan, _guess in plans}
        cpu: dict[str, list[float]] = {name: [] for name, _plan, _guess in plans}
        for _ in range(max(1, args.repeats)):
            for name, plan, _guess in plans:
                ext = engine.formats.EXTENSIONS[plan.composition.output.format]
                target = folder / f"{name}{ext}"
                process = engine.render_process(plan, target)
                c0, t0 = _children_cpu(), time.perf_counter()
                process.run()
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(_children_cpu() - c0)
                target.unlink()
        errors, ratios = [], []
        print(f"{'case':<28} {'estimate':>9} {'actual':>8} {'error':>7} {'cpu':>7}")
        for name, _plan, guess in plans:
            actual = statistics.median(cpu[name] if args.cpu else times[name])
            error = (guess - actual) / actual
            errors.append(abs(error))
            ratios.append(max(guess / actual, actual / guess))
            print(f"{name:<28} {guess:>8.2f}s {actual:>7.2f}s {error:>+7.1%} "
                  f"{statistics.median(cpu[name]):>6.2f}s", flush=True)  # fmt: skip
    errors.sort()
    median = statistics.median(errors)
    p90 = errors[min(len(errors) - 1, int(round(0.9 * (len(errors) - 1))))]
    print(f"median |error| {median:.1%} (goal ≤ 8%), p90 {p90:.1%} (goal ≤ 20%), "
          f"worst {max(ratios):.2f}× (goal ≤ 2×)")  # fmt: skip
    print(json.dumps({
        "benchmark": "estimate_accuracy", "cases": len(errors), "median_error": round(median, 4),
        "p90_error": round(p90, 4), "max_error": round(errors[-1], 4),
        "max_ratio": round(max(ratios), 3), "quick": args.quick, "cpu": args.cpu,
        "calibrated": not args.no_calibrate, "calibration_seconds": round(calibration_seconds, 2),
        "repeats": max(1, args.repeats), "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "goal_median": 0.08, "goal_p90": 0.20, "goal_max_ratio": 2.0,
    }))  # fmt: skip
    return 0


def _cpu_timed(timed):
    """``calibrate``'s timing of a run, in the CPU-seconds of its FFmpeg."""

    def cpu_timed(*args, **kwargs) -> float:
        before = _children_cpu()
        timed(*args, **kwargs)
        return _children_cpu() - before

    return cpu_timed


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
