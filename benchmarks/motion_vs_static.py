"""Render time of the reference composition animated against the same composition static.

    python benchmarks/motion_vs_static.py [--runs 2] [--samples DIR] [--duration S]

The reference composition (resources/examples/reference.json, media from
``media.samples.make_samples``) as it is, and with its clip sliding in
(``slide-from-right``), its photo in a Ken Burns (over its 10 s), its logo
spinning in and moving by keyframes (x 85% → 60%, ease-in-out). Both are
rendered in this run, alternating ABBA (``vidgen render`` subprocesses);
prints the medians and the median of paired ratios of wall time and of
CPU-seconds (the render and its FFmpeg; steadier on a shared machine) (goal ≤ 1.3), then the
animated preview's latency at random times (1280×720, with proxies; goal
p95 ≤ 50 ms) and one JSON line of the figures with the load average.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vidgen_desktop import paths
from vidgen_desktop.composition import project
from vidgen_desktop.media import proxy
from vidgen_desktop.media.samples import make_samples
from vidgen_desktop.render import engine, preview

MOTION = {
    "clip": {"animation_in": {"preset": "slide-from-right", "duration": 0.8}},
    "photo": {"animation_in": {"preset": "ken-burns", "duration": 10}},
    "logo": {
        "animation_in": {"preset": "spin", "duration": 1.0},
        "keyframes": {"x": [{"time": 1, "value": "85%"},
                            {"time": 6, "value": "60%", "easing": "ease-in-out"}]},
    },
}  # fmt: skip


def animated(data: dict) -> dict:
    data = json.loads(json.dumps(data))
    for element in data["elements"]:
        element.update(MOTION.get(element["id"], {}))
    return data


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def timed(fn) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the render and its FFmpeg, user + system) of ``fn``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    fn()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--samples", type=Path, default=paths.cache_dir() / "bench-samples")
    parser.add_argument("--duration", type=float, default=None, help="cut the composition")
    parser.add_argument("--preview-samples", type=int, default=60)
    args = parser.parse_args()

    make_samples(args.samples)
    data = json.loads((paths.resources_dir() / "examples" / "reference.json").read_text())
    if args.duration:
        data["output"]["duration"] = args.duration
    files = {}
    for name, doc in (("static", data), ("animated", animated(data))):
        comp = project.parse(json.dumps(doc), base_dir=args.samples)
        files[name] = args.samples / f"motion-{name}.json"
        project.save(comp, files[name])
    times: dict[str, list[float]] = {"static": [], "animated": []}
    cpu: dict[str, list[float]] = {"static": [], "animated": []}
    loads = [loadavg()]
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            order = ["static", "animated"] if run % 2 == 0 else ["animated", "static"]
            for name in order:
                argv = [sys.executable, "-m", "vidgen_desktop", "render", str(files[name]),
                        "-o", str(Path(tmp) / f"{name}.mp4")]  # fmt: skip
                wall, used = timed(lambda a=argv: subprocess.run(a, check=True))
                times[name].append(wall)
                cpu[name].append(used)
            print(f"run {run + 1}: static {times['static'][-1]:.2f} s "
                  f"({cpu['static'][-1]:.1f} CPU-s), animated {times['animated'][-1]:.2f} s "
                  f"({cpu['animated'][-1]:.1f} CPU-s)", flush=True)  # fmt: skip
            loads.append(loadavg())
    static_s, animated_s = (statistics.median(times[k]) for k in ("static", "animated"))
    paired = statistics.median(
        a / s for a, s in zip(times["animated"], times["static"], strict=True)
    )
    # on a shared machine wall time follows the neighbours; CPU time is the render's own
    paired_cpu = statistics.median(
        a / s for a, s in zip(cpu["animated"], cpu["static"], strict=True)
    )
    print(f"median: static {static_s:.2f} s, animated {animated_s:.2f} s; "
          f"median of paired ratios {paired:.3f}, of CPU-seconds {paired_cpu:.3f} "
          f"(goal ≤ 1.3); load {loads}")  # fmt: skip

    figures = {}
    for name in ("static", "animated"):  # the same random times for both
        comp = project.load(files[name])
        plan = engine.prepare(comp)
        for element in comp.elements:
            if element.type == "video":
                proxy.make_proxy(element.source)
        scale = 1280 / comp.output.width
        previewer = preview.Previewer(plan, use_proxies=True)
        previewer.frame(0.0, scale)
        rng = random.Random(11)
        latencies = []
        for _ in range(args.preview_samples):
            t = rng.uniform(0, plan.duration)
            started = time.perf_counter()
            previewer.frame(t, scale)
            latencies.append((time.perf_counter() - started) * 1000)
        latencies.sort()
        figures[name] = (statistics.median(latencies), latencies[int(0.95 * (len(latencies) - 1))])
        print(f"{name} preview at random times, 1280×720, proxies: p50 "
              f"{figures[name][0]:.1f} ms, p95 {figures[name][1]:.1f} ms (goal ≤ 50)")  # fmt: skip
    p50, p95 = figures["animated"]
    loads.append(loadavg())
    print(json.dumps({
        "static_s": round(static_s, 3), "animated_s": round(animated_s, 3),
        "paired_ratio": round(paired, 4), "paired_cpu_ratio": round(paired_cpu, 4),
        "static_cpu_s": round(statistics.median(cpu["static"]), 2),
        "animated_cpu_s": round(statistics.median(cpu["animated"]), 2), "runs": args.runs,
        "duration_s": plan.duration, "preview_p50_ms": round(p50, 1),
        "preview_p95_ms": round(p95, 1), "static_preview_p95_ms": round(figures["static"][1], 1),
        "loadavg": loads,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
