"""`vidgen render` against a hand-written single FFmpeg command, same composition.

The reference composition (vidgen_desktop/resources/examples/reference.json): 1920×1080,
30 fps, 20 s, H.264 veryfast/CRF 23 + AAC; a background video (cover), a
1280×720 clip (contain), a photo (cover, 5–15 s), a logo with alpha
(contain, opacity 0.8). Rendered at 5 s, 20 s and 60 s (the 60 s one over a
60 s background made beside the samples): both commands run alternately (ABBA),
RUNS times each, after one untimed warm-up pair (FFmpeg's binary and the media in
the page cache; Vidgen's probes kept, as for any project rendered before). For
each length: medians of wall time and of CPU seconds (user + sys of the whole
process tree, FFmpeg included), their ratios, and the median of paired ratios
(goals: 5 s ≤ 1.05; 20 s ≤ 1.01 idle, ≤ 1.03 loaded). Then preview latency at
random times (1280×720, 4 layers), and one JSON line of the figures.

Python's bytecode is kept in a scratch PYTHONPYCACHEPREFIX, as an installed
Vidgen has it, even where PYTHONDONTWRITEBYTECODE is set.

    python benchmarks/render_vs_ffmpeg.py [--runs 3] [--lengths 5,20,60] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from vidgen_desktop import paths  # noqa: E402
from vidgen_desktop.composition import project  # noqa: E402
from vidgen_desktop.media import proxy  # noqa: E402
from vidgen_desktop.media.ffmpeg import ffmpeg_exe  # noqa: E402
from vidgen_desktop.media.samples import make_samples, make_test_video  # noqa: E402
from vidgen_desktop.render import engine, preview  # noqa: E402


def hand_written(media: Path, out: Path, seconds: float = 20, background: str = "") -> list[str]:
    """What an FFmpeg expert would type for the reference composition."""
    graph = (
        "[1:v]scale=768:432[clip];"
        "[2:v]scale=605:378,crop=576:378:14:0[photo];"
        "[3:v]scale=108:108,format=yuva420p,lutyuv=a=val*0.8[logo];"
        "[0:v][clip]overlay=1056:108:eof_action=pass[v1];"
        "[v1][photo]overlay=96:594:enable='gte(t,5)*lt(t,15)'[v2];"
        "[v2][logo]overlay=1674:918[v];"
        "[0:a][1:a]amix=inputs=2:normalize=0:duration=longest,apad[a]"
    )
    return [
        ffmpeg_exe(), "-v", "error", "-nostdin", "-y",
        "-i", background or str(media / "background.mp4"), "-i", str(media / "clip.mp4"),
        "-i", str(media / "photo.jpg"), "-i", str(media / "logo.png"),
        "-filter_complex", graph, "-map", "[v]", "-map", "[a]", "-t", f"{seconds:g}",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "160k", "-ar", "48000", "-ac", "2",
        "-movflags", "+faststart", str(out),
    ]  # fmt: skip


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process tree) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def version(samples: Path, seconds: float) -> tuple[Path, str]:
    """The reference project at ``seconds`` long (saved beside the samples) and its
    background (a 60 s one where the 20 s sample would end before the composition)."""
    comp = project.parse(
        (paths.resources_dir() / "examples" / "reference.json").read_text(), base_dir=samples
    )
    comp.output = comp.output.model_copy(update={"duration": seconds})
    background = ""
    if seconds > 20:
        long = samples / "media" / f"background-{seconds:g}s.mp4"
        if not long.is_file():
            make_test_video(long, width=1920, height=1080, fps=30, duration=seconds, audio=True)
        background = str(long)
        comp.elements[0] = comp.elements[0].model_copy(update={"source": background})
    saved = samples / f"reference-{seconds:g}s.json"
    project.save(comp, saved)
    return saved, background


def compare(samples: Path, seconds: float, runs: int, env: dict[str, str], out: Path) -> dict:
    """``runs`` ABBA pairs of vidgen and hand-written FFmpeg at ``seconds``; their figures."""
    saved, background = version(samples, seconds)
    cli = [sys.executable, "-m", "vidgen_desktop", "render", str(saved),
           "-o", str(out / "vidgen.mp4")]  # fmt: skip
    command = hand_written(samples / "media", out / "ffmpeg.mp4", seconds, background)
    pair = [("vidgen", cli), ("ffmpeg", command)]
    for _name, argv in pair:  # untimed warm-up
        measured(argv, env)
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for run in range(runs):
        # alternate which goes first (ABBA): whatever the first of a pair pays
        # (caches, clocks, the other's leftovers) is shared fairly
        for name, argv in pair if run % 2 == 0 else reversed(pair):
            (ours if name == "vidgen" else theirs).append(measured(argv, env))
        print(f"{seconds:g} s run {run + 1}: vidgen {ours[-1][0]:.2f} s ({ours[-1][1]:.2f} CPU), "
              f"ffmpeg {theirs[-1][0]:.2f} s ({theirs[-1][1]:.2f} CPU); load {loadavg()}",
              flush=True)  # fmt: skip
    wall = statistics.median(w for w, _ in ours), statistics.median(w for w, _ in theirs)
    cpu = statistics.median(c for _, c in ours), statistics.median(c for _, c in theirs)
    paired = statistics.median(a[0] / b[0] for a, b in zip(ours, theirs, strict=True))
    paired_cpu = statistics.median(a[1] / b[1] for a, b in zip(ours, theirs, strict=True))
    print(f"{seconds:g} s: vidgen {wall[0]:.2f} s / {cpu[0]:.2f} CPU-s, hand-written ffmpeg "
          f"{wall[1]:.2f} s / {cpu[1]:.2f} CPU-s; wall ratio {wall[0] / wall[1]:.3f} (paired "
          f"{paired:.3f}), CPU ratio {cpu[0] / cpu[1]:.3f} (paired {paired_cpu:.3f}); "
          f"load {loadavg()}", flush=True)  # fmt: skip
    tag = f"{seconds:g}s"
    return {
        f"vidgen_s_{tag}": round(wall[0], 3), f"ffmpeg_s_{tag}": round(wall[1], 3),
        f"vidgen_cpu_s_{tag}": round(cpu[0], 3), f"ffmpeg_cpu_s_{tag}": round(cpu[1], 3),
        f"ratio_{tag}": round(wall[0] / wall[1], 4), f"paired_ratio_{tag}": round(paired, 4),
        f"cpu_ratio_{tag}": round(cpu[0] / cpu[1], 4),
        f"paired_cpu_ratio_{tag}": round(paired_cpu, 4),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lengths", default="5,20,60", help="seconds, comma-separated")
    parser.add_argument("--samples", type=Path, default=paths.cache_dir() / "bench-samples")
    parser.add_argument("--preview-samples", type=int, default=60)
    parser.add_argument(
        "--quick", action="store_true", help="the 5 s version, 2 runs, 10 preview samples"
    )
    args = parser.parse_args()
    lengths = [5.0] if args.quick else [float(x) for x in args.lengths.split(",")]
    runs = 2 if args.quick else args.runs
    preview_samples = 10 if args.quick else args.preview_samples

    make_samples(args.samples)
    reference = paths.resources_dir() / "examples" / "reference.json"
    comp = project.parse(reference.read_text(), base_dir=args.samples)
    figures: dict = {"load_before": loadavg()}
    print(f"load average before: {figures['load_before']}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
               "PYTHONPYCACHEPREFIX": str(out / "pycache")}  # fmt: skip
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for seconds in lengths:
            figures.update(compare(args.samples, seconds, runs, env, out))
    if "ratio_20s" in figures:  # the names this benchmark printed before
        for old in ("vidgen_s", "ffmpeg_s", "ratio", "paired_ratio"):
            figures[old] = figures[f"{old}_20s"]

    plan = engine.prepare(comp)
    for element in comp.elements:  # the editor makes proxies on import, in the background
        if element.type == "video":
            proxy.make_proxy(element.source)
    scale = 1280 / comp.output.width
    latency = {}
    for label, use_proxies in (("direct", False), ("proxies", True)):
        previewer = preview.Previewer(plan, use_proxies=use_proxies)
        previewer.frame(0.0, scale)  # open the decoders once
        rng = random.Random(7)
        latencies = []
        for _ in range(preview_samples):
            t = rng.uniform(0, plan.duration)
            latencies.append(timed(lambda t=t, p=previewer: p.frame(t, scale)) * 1000)
        latencies.sort()
        p50 = statistics.median(latencies)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        latency[label] = (p50, p95)
        print(f"preview at random times, 1280×720, 4 layers, {label}: "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms")  # fmt: skip
    p50, p95 = latency["proxies"]
    print(json.dumps({
        **figures, "preview_p50_ms": round(p50, 1), "preview_p95_ms": round(p95, 1),
        "preview_direct_p95_ms": round(latency["direct"][1], 1), "load_after": loadavg(),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
