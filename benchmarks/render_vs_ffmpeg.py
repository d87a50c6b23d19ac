"""`vidgen render` against a hand-written single FFmpeg command, same composition.

The reference composition (vidgen_desktop/resources/examples/reference.json): 1920×1080,
30 fps, 20 s, H.264 veryfast/CRF 23 + AAC; a background video (cover), a
1280×720 clip (contain), a photo (cover, 5–15 s), a logo with alpha
(contain, opacity 0.8). Both are run alternately, RUNS times each; prints
both medians and the ratio (goal ≤ 1.05), then preview latency at random
times (1280×720, 4 layers), and one JSON line of the figures.

    python benchmarks/render_vs_ffmpeg.py [--runs 3] [--samples DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vidgen_desktop import paths
from vidgen_desktop.composition import project
from vidgen_desktop.media import proxy
from vidgen_desktop.media.ffmpeg import ffmpeg_exe
from vidgen_desktop.media.samples import make_samples
from vidgen_desktop.render import engine, preview


def hand_written(media: Path, out: Path) -> list[str]:
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
        "-i", str(media / "background.mp4"), "-i", str(media / "clip.mp4"),
        "-i", str(media / "photo.jpg"), "-i", str(media / "logo.png"),
        "-filter_complex", graph, "-map", "[v]", "-map", "[a]", "-t", "20",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "160k", "-ar", "48000", "-ac", "2",
        "-movflags", "+faststart", str(out),
    ]  # fmt: skip


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--samples", type=Path, default=paths.cache_dir() / "bench-samples")
    parser.add_argument("--preview-samples", type=int, default=60)
    args = parser.parse_args()

    make_samples(args.samples)
    reference = paths.resources_dir() / "examples" / "reference.json"
    comp = project.parse(reference.read_text(), base_dir=args.samples)
    media = args.samples / "media"
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        project.save(comp, args.samples / "reference.json")
        cli = [sys.executable, "-m", "vidgen_desktop", "render",
               str(args.samples / "reference.json"), "-o", str(out / "vidgen.mp4")]  # fmt: skip
        command = hand_written(media, out / "ffmpeg.mp4")
        for run in range(args.runs):
            # alternate which goes first (ABBA): whatever the first of a pair pays
            # (caches, clocks, the other's leftovers) is shared fairly
            pair = [("vidgen", cli), ("ffmpeg", command)]
            for name, argv in pair if run % 2 == 0 else reversed(pair):
                seconds = timed(lambda argv=argv: subprocess.run(argv, check=True))
                (ours if name == "vidgen" else theirs).append(seconds)
            print(f"run {run + 1}: vidgen {ours[-1]:.2f} s, ffmpeg {theirs[-1]:.2f} s", flush=True)
    vidgen_s, ffmpeg_s = statistics.median(ours), statistics.median(theirs)
    paired = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
    print(f"median: vidgen {vidgen_s:.2f} s, hand-written ffmpeg {ffmpeg_s:.2f} s, "
          f"ratio {vidgen_s / ffmpeg_s:.3f}; median of paired ratios {paired:.3f} "
          f"(goal ≤ 1.05)")  # fmt: skip

    plan = engine.prepare(comp)
    for element in comp.elements:  # the editor makes proxies on import, in the background
        if element.type == "video":
            proxy.make_proxy(element.source)
    scale = 1280 / comp.output.width
    figures = {}
    for label, use_proxies in (("direct", False), ("proxies", True)):
        previewer = preview.Previewer(plan, use_proxies=use_proxies)
        previewer.frame(0.0, scale)  # open the decoders once
        rng = random.Random(7)
        latencies = []
        for _ in range(args.preview_samples):
            t = rng.uniform(0, plan.duration)
            latencies.append(timed(lambda t=t, p=previewer: p.frame(t, scale)) * 1000)
        latencies.sort()
        p50 = statistics.median(latencies)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        figures[label] = (p50, p95)
        print(f"preview at random times, 1280×720, 4 layers, {label}: "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms")  # fmt: skip
    p50, p95 = figures["proxies"]
    print(json.dumps({
        "vidgen_s": round(vidgen_s, 3), "ffmpeg_s": round(ffmpeg_s, 3),
        "ratio": round(vidgen_s / ffmpeg_s, 4), "paired_ratio": round(paired, 4),
        "preview_p50_ms": round(p50, 1),
        "preview_p95_ms": round(p95, 1), "preview_direct_p95_ms": round(figures["direct"][1], 1),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
