"""Time a short job spends outside FFmpeg: submit → file ready, minus FFmpeg's own run.

    python benchmarks/job_overhead.py [--runs N]

Each run submits a small composition through ``JobService`` (immediate route)
on a fresh SQLite job log: logging, probing, planning, estimating, the
timeline writes and publishing are the overhead; FFmpeg's run (as
``FFmpegProcess.run`` measures it, including the check of the finished file)
is subtracted. Goal: ≤ 300 ms. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vidgen-overhead-") as tmp:
        os.environ["VIDGEN_HOME"] = tmp
        from vidgen_desktop.composition.model import Composition
        from vidgen_desktop.jobs.service import JobService
        from vidgen_desktop.media import samples
        from vidgen_desktop.store import open_local

        folder = Path(tmp)
        clip = samples.make_test_video(folder / "clip.mp4", width=320, height=180, duration=2)
        logo = samples.make_test_image(folder / "logo.png", width=64, height=64, pattern="disc")
        comp = Composition.from_data({
            "name": "overhead",
            "output": {"width": 320, "height": 180, "quality": "draft", "duration": 1},
            "elements": [
                {"type": "video", "id": "clip", "source": str(clip), "fit": "cover"},
                {"type": "image", "id": "logo", "source": str(logo), "width": "20%"},
            ],
        })  # fmt: skip
        db = open_local()
        service = JobService(db, learn=False)
        service.submit(comp, output=folder / "warm-up.mp4")  # imports, first connection
        overheads, totals, phases = [], [], {"probe": [], "prepare": [], "publish": []}
        for n in range(args.runs):
            answer = service.submit(comp, output=folder / f"out{n}.mp4")
            steps = {s.step: s for s in db.timeline.steps(answer.job_id)}
            ffmpeg = steps["render"].details["ffmpeg_seconds"]
            overheads.append(answer.duration - ffmpeg)
            totals.append(answer.duration)
            for name in phases:
                phases[name].append(steps[name].duration_seconds)
        db.close()
    overheads.sort()
    median = statistics.median(overheads)
    p90 = overheads[int(round(0.9 * (len(overheads) - 1)))]
    for name, values in phases.items():
        print(f"{name:<8} median {statistics.median(values) * 1000:6.1f} ms")
    total = statistics.median(totals) * 1000
    print(f"outside FFmpeg: median {median * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms "
          f"(goal ≤ 300 ms); submit → file median {total:.0f} ms")  # fmt: skip
    print(json.dumps({
        "benchmark": "job_overhead", "runs": len(overheads),
        "median_ms": round(median * 1000, 1), "p90_ms": round(p90 * 1000, 1),
        "total_median_ms": round(statistics.median(totals) * 1000, 1), "goal_ms": 300,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
