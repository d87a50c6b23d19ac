"""A 60 s 1080p30 composition: one worker on one core against two workers on a core each.

The composition: a 1920×1080 background video (cover, 60 s), a 1280×720 clip
(contain, 10–40 s), a photo fading in (20–50 s), a logo with alpha (opacity
0.8), a title fading out and a soundtrack; H.264 'standard' + AAC.

- unchunked: the whole render as one FFmpeg run, pinned to core 0 (``taskset``);
- chunked: the farm's way, with two workers pinned to cores 0 and 1: the
  sound mixed once (worker 0, as the job's render task does), the chunks
  (``chunk_seconds`` 15 s: 4, cut on H.264's 2 s keyframe grid) taken from
  one queue by whichever worker is free, then the join (stream copy) — the
  same argument lists the farm's chunk and join tasks run (``render.chunks``,
  ``render.chunk_run``), without the database and the bucket around them.

Alternating A B B A (``--rounds`` times), paired ratios. Prints the
speed-up (goal ≥ 1.8×), the total CPU-seconds of the chunked render against
the unchunked one (goal within 5 %), the predicted time for 4, 8 and 16
single-core workers from the measured per-chunk costs (CPU-seconds: a chunk
per worker, the longest one's fixed cost plus its frames at the one-core rate,
plus the sound and the join), where the extra CPU goes (a one-frame chunk's
cost, the sound's and the join's), the shortest composition that two chunks
render within 5 % of the one-piece CPU (what ``chunk_threshold`` is chosen
from), ``/proc/loadavg`` at every run, and one JSON line.

    python benchmarks/chunked_render.py [--quick] [--rounds 1] [--media DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.media.ffmpeg import ffmpeg_exe
from vidgen_desktop.media.samples import make_samples, make_test_video
from vidgen_desktop.render import chunk_run, chunks, engine, graph

FPS = 30
CHUNK_SECONDS = 15.0  # the settings' default chunk_seconds
CORES = (0, 1)


def composition(media: Path, seconds: float) -> Composition:
    background = media / f"background-{seconds:g}s-1080p.mp4"
    if not background.exists():
        make_test_video(background, width=1920, height=1080, fps=FPS, duration=seconds)
    return Composition.from_data({
        "name": "chunk-bench",
        "output": {"width": 1920, "height": 1080, "fps": FPS, "duration": seconds,
                   "quality": "standard", "format": "mp4"},
        "elements": [
            {"id": "bg", "type": "video", "source": str(background), "fit": "cover"},
            {"id": "clip", "type": "video", "source": str(media / "clip.mp4"),
             "start": seconds / 6, "duration": seconds / 2, "x": "55%", "y": "10%",
             "width": "40%", "height": "40%", "fit": "contain"},
            {"id": "photo", "type": "image", "source": str(media / "photo.jpg"),
             "start": seconds / 3, "duration": seconds / 2, "fade_in": 2, "x": "5%",
             "y": "55%", "width": "30%", "height": "35%", "fit": "cover"},
            {"id": "logo", "type": "image", "source": str(media / "logo.png"), "x": "87%",
             "y": "85%", "width": "10%", "height": "10%", "opacity": 0.8},
            {"id": "title", "type": "text", "text": "Chunked", "start": 0,
             "duration": seconds / 3,
             "fade_out": 4, "x": "5%", "y": "5%", "width": "40%", "height": "12%"},
            {"id": "music", "type": "audio", "source": str(media / "music.wav")},
        ],
    })  # fmt: skip


def pinned(core: int, args: list[str]) -> tuple[float, float]:
    """Run FFmpeg pinned to ``core``: (wall seconds, CPU seconds user + system)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        ["taskset", "-c", str(core), ffmpeg_exe(), "-v", "error", *args],
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"FFmpeg failed ({process.returncode}): {' '.join(args[:6])} …")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def unchunked(plan: graph.RenderPlan, folder: Path) -> dict:
    wall, cpu = pinned(CORES[0], graph.arguments(plan, str(folder / "whole.mp4")))
    return {"wall": wall, "cpu": cpu}


def chunked(plan: graph.RenderPlan, folder: Path, pieces: list[chunks.Chunk]) -> dict:
    started = time.perf_counter()
    sound = folder / chunk_run.sound_name("mp4")
    sound_wall, sound_cpu = pinned(CORES[0], chunks.sound_arguments(plan, str(sound)))
    todo: queue.Queue[chunks.Chunk] = queue.Queue()
    for piece in pieces:
        todo.put(piece)
    costs: dict[int, tuple[float, float, int]] = {}

    def worker(core: int) -> None:
        while True:
            try:
                piece = todo.get_nowait()
            except queue.Empty:
                return
            path = folder / chunk_run.chunk_name(piece, "mp4")
            wall, cpu = pinned(core, chunks.chunk_arguments(plan, piece, str(path)))
            costs[piece.index] = (wall, cpu, core)

    threads = [threading.Thread(target=worker, args=(core,)) for core in CORES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    parts = [folder / chunk_run.chunk_name(p, "mp4") for p in pieces]
    join = chunk_run.join_process(plan, parts, sound, folder / "chunked.mp4", folder)
    join_started, cpu_before = time.perf_counter(), os.times()
    join.run()
    cpu_after = os.times()
    join_cpu = (cpu_after.children_user - cpu_before.children_user) + (
        cpu_after.children_system - cpu_before.children_system
    )
    join_wall = time.perf_counter() - join_started
    wall = time.perf_counter() - started
    fixed = fixed_cost(plan, folder)  # after the render: not part of its time
    per_core = {core: sum(c for _, c, k in costs.values() if k == core) for core in CORES}
    per_core[CORES[0]] += sound_cpu + join_cpu
    return {
        "wall": wall,
        "cpu": sound_cpu + sum(c for _, c, _ in costs.values()) + join_cpu,
        "busiest_core_cpu": max(per_core.values()),
        "sound": sound_wall, "join": join_wall, "sound_cpu": sound_cpu, "join_cpu": join_cpu,
        "fixed_cpu": fixed, "load": Path("/proc/loadavg").read_text().split()[:3],
        "chunks": [costs[p.index][0] for p in pieces],
        "chunk_cpu": [costs[p.index][1] for p in pieces],
    }  # fmt: skip


def fixed_cost(plan: graph.RenderPlan, folder: Path) -> float:
    """CPU-seconds of a one-frame chunk in the middle: what any chunk costs beyond its
    frames (FFmpeg's start, opening and probing the sources, the seek's decode from the
    sources' keyframe before the cut, the encoder's start and flush)."""
    middle = plan.frames // 2
    piece = chunks.Chunk(0, 1, middle, middle + 1)
    return pinned(CORES[0], chunks.chunk_arguments(plan, piece, str(folder / "one.mp4")))[1]


def predict(plan: graph.RenderPlan, costs: dict, workers: int) -> float:
    """Seconds for ``workers`` single-core workers, a chunk each (cut on the keyframe grid,
    so the longest chunk sets the pace), from CPU-seconds (which the other load on a
    shared machine does not inflate the way it does wall time): the sound (mixed before
    the chunks are handed out, as the farm does), the longest chunk (its fixed cost plus
    its frames at the one-core rate), the join."""
    longest = max(p.frames for p in chunks.split(plan, workers))
    return costs["sound"] + costs["fixed"] + costs["per_frame"] * longest + costs["join"]


def threshold(plan: graph.RenderPlan, costs: dict, goal: float = 0.05) -> float:
    """The shortest composition (s) whose render in two chunks costs at most ``goal`` more
    CPU than in one piece: two chunks' fixed costs, the sound's own FFmpeg and the join
    against the frames' cost."""
    extra = 2 * costs["fixed"] + costs["sound_extra"] + costs["join"]
    return extra / (goal * costs["per_frame"] * plan.composition.output.fps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="A B B A rounds")
    parser.add_argument("--media", type=Path, help="a folder to keep the media in")
    parser.add_argument("--seconds", type=float, default=60.0, help="only to try it out")
    parser.add_argument("--quick", action="store_true", help="20 s, one A B B A round")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rounds = 20.0, 1
    if shutil.which("taskset") is None:
        raise SystemExit("taskset (util-linux) is needed to pin workers to cores")
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    root = args.media or Path(tempfile.gettempdir()) / "vidgen-chunk-bench"
    media = make_samples(root)["clip"].parent  # kept: made once
    plan = engine.with_text_files(engine.prepare(composition(media, args.seconds)))
    pieces = chunks.split(plan, max(2, round(plan.duration / CHUNK_SECONDS)))
    a_runs, b_runs, runs = [], [], []
    with tempfile.TemporaryDirectory(prefix="vidgen-chunk-bench-") as tmp:
        order = "ABBA" * args.rounds
        for n, which in enumerate(order):
            folder = Path(tmp) / f"{n}{which}"
            folder.mkdir()
            result = unchunked(plan, folder) if which == "A" else chunked(plan, folder, pieces)
            result.setdefault("load", Path("/proc/loadavg").read_text().split()[:3])
            (a_runs if which == "A" else b_runs).append(result)
            runs.append(result)
            print(f"{which}: {result['wall']:.1f} s wall, {result['cpu']:.1f} CPU-s "
                  f"(load {' '.join(result['load'])})", flush=True)  # fmt: skip
            shutil.rmtree(folder)
    speedups = [a["wall"] / b["wall"] for a, b in zip(a_runs, b_runs, strict=True)]
    cpu_ratios = [b["cpu"] / a["cpu"] for a, b in zip(a_runs, b_runs, strict=True)]
    # what the speed-up would be with each core to itself: the one-core CPU time over the
    # busiest worker's (a figure the other load on a shared machine cannot distort)
    cpu_speedups = [a["cpu"] / b["busiest_core_cpu"] for a, b in zip(a_runs, b_runs, strict=True)]
    whole_cpu = statistics.median(a["cpu"] for a in a_runs)
    med = statistics.median
    costs = {
        "per_frame": whole_cpu / plan.frames,
        "fixed": med(b["fixed_cpu"] for b in b_runs),
        "sound": med(b["sound_cpu"] for b in b_runs),
        "join": med(b["join_cpu"] for b in b_runs),
    }
    # the sound's FFmpeg beyond the mixing and encoding the one-piece run does as well:
    # what the chunked render costs above its chunks' frames and fixed costs and the join
    costs["sound_extra"] = max(0.0, med(
        b["cpu"] - a["cpu"] - len(pieces) * costs["fixed"] - costs["join"]
        for a, b in zip(a_runs, b_runs, strict=True)
    ))  # fmt: skip
    predicted = {w: round(predict(plan, costs, w), 1) for w in (4, 8, 16)}
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    figures = {
        "benchmark": "chunked_render",
        "composition": f"{args.seconds:g}s 1920x1080@{FPS} libx264:standard",
        "chunks": len(pieces), "frames_per_chunk": [p.frames for p in pieces],
        "unchunked_1core_s": round(statistics.median(a["wall"] for a in a_runs), 2),
        "chunked_2cores_s": round(statistics.median(b["wall"] for b in b_runs), 2),
        "speedup": round(statistics.median(speedups), 3),
        "speedup_pairs": [round(s, 3) for s in speedups],
        "speedup_cpu": round(statistics.median(cpu_speedups), 3),
        "cpu_ratio": round(statistics.median(cpu_ratios), 4),
        "cpu_unchunked_s": round(whole_cpu, 1),
        "cpu_chunked_s": round(statistics.median(b["cpu"] for b in b_runs), 1),
        "chunk_wall_s": [round(c, 2) for c in b_runs[-1]["chunks"]],
        "sound_s": round(b_runs[-1]["sound"], 2), "join_s": round(b_runs[-1]["join"], 2),
        "chunk_cpu_s": [round(c, 2) for c in b_runs[-1]["chunk_cpu"]],
        "fixed_chunk_cpu_s": round(costs["fixed"], 3), "sound_cpu_s": round(costs["sound"], 2),
        "sound_extra_cpu_s": round(costs["sound_extra"], 2),
        "join_cpu_s": round(costs["join"], 2),
        "cpu_per_frame_ms": round(1000 * costs["per_frame"], 2),
        "predicted_s": predicted,
        "threshold_5pct_s": round(threshold(plan, costs), 1),
        "loadavg_runs": dict(zip([f"{n}{w}" for n, w in enumerate("ABBA" * args.rounds)],
                                 [r["load"] for r in runs], strict=True)),  # fmt: skip
        "goal_speedup_1_8": statistics.median(speedups) >= 1.8,
        "goal_cpu_within_5pct": abs(statistics.median(cpu_ratios) - 1) <= 0.05,
        "loadavg_before": load_before, "loadavg_after": load_after, "cores": os.cpu_count(),
    }  # fmt: skip
    print(f"speed-up {figures['speedup']}× (pairs {figures['speedup_pairs']}; from CPU time "
          f"per worker {figures['speedup_cpu']}×), CPU "
          f"{figures['cpu_chunked_s']} vs {figures['cpu_unchunked_s']} s "
          f"(×{figures['cpu_ratio']}); predicted 4/8/16 workers: {predicted}; "
          f"fixed cost {figures['fixed_chunk_cpu_s']} CPU-s a chunk, two chunks within 5 % "
          f"from {figures['threshold_5pct_s']} s; "
          f"load {' '.join(load_before)} → {' '.join(load_after)}")  # fmt: skip
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
