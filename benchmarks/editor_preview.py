"""Scrubbing and playback in the editor on the reference composition (4 layers, 1280×720 preview).

    python benchmarks/editor_preview.py [--scrubs N] [--resumes N] [--rests N] [--play SECONDS]

Opens ``vidgen_desktop/resources/examples/reference.json`` (media from
``media.samples.make_samples``) in a real ``MainWindow`` (offscreen) the way a
designer does: the editor makes preview proxies in the background on open,
and the benchmark waits for them. Scrubbing: the playhead jumps to random
times; each figure is the time from ``set_time`` to the canvas holding that
frame (GUI thread → preview worker → GUI thread). Goal p95 ≤ 50 ms.
Resuming: the playhead rests long enough for the canvas to start refining the
frame exactly (FFmpeg), then jumps again; the same latency, measured while
that exact draw is being abandoned (goal p95 ≤ 50 ms too). Resting: the time
from a jump to the canvas settling on its final (exact) frame.
CPU-seconds (this process, and FFmpeg children) are counted per phase.
Playback: the Play action for a few seconds; frames shown per second.
Goal ≥ 30 fps. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REFERENCE = (  # package data, where paths.resources_dir() finds it
    Path(__file__).resolve().parents[1] / "src/vidgen_desktop/resources/examples/reference.json"
)
PREVIEW_WIDTH = 1280  # px


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[int(round(q * (len(sorted_values) - 1)))]


class CpuClock:
    """CPU-seconds since the last lap: this process (every thread) + finished children."""

    def __init__(self) -> None:
        self._last = self._now()

    @staticmethod
    def _now() -> tuple[float, float]:
        t = os.times()
        return t.user + t.system, t.children_user + t.children_system

    def lap(self) -> dict[str, float]:
        now = self._now()
        own, children = (round(b - a, 2) for a, b in zip(self._last, now, strict=True))
        self._last = now
        return {"process": own, "ffmpeg": children}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scrubs", type=int, default=100)
    parser.add_argument("--resumes", type=int, default=20, help="jumps after a rest")
    parser.add_argument("--rests", type=int, default=5, help="jumps waited out to the end")
    parser.add_argument("--play", type=float, default=5.0, help="seconds of playback")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="vidgen-preview-") as tmp:
        os.environ["VIDGEN_HOME"] = str(Path(tmp) / "home")
        from PySide6.QtCore import QEventLoop
        from PySide6.QtWidgets import QApplication, QMessageBox

        from vidgen_desktop.media import samples
        from vidgen_desktop.ui.shell.actions import ActionId
        from vidgen_desktop.ui.shell.app import settled
        from vidgen_desktop.ui.shell.main_window import MainWindow

        samples.make_samples(tmp)
        project = Path(tmp) / "reference.json"
        shutil.copy(REFERENCE, project)
        app = QApplication.instance() or QApplication(sys.argv[:1])

        def spin(condition, timeout: float = 120.0) -> None:
            deadline = time.monotonic() + timeout
            while not condition():
                if time.monotonic() > deadline:
                    raise SystemExit(f"timed out waiting for {condition}")
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

        def idle(seconds: float) -> None:
            until = time.monotonic() + seconds
            while time.monotonic() < until:
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

        window = MainWindow()
        window.projects.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
        window.resize(1600, 1000)
        window.show()
        opened = time.perf_counter()
        window.projects.open_path(project, ask=False)
        proxies = window.renders.proxies
        spin(lambda: settled(window) and not proxies.busy, timeout=600)
        proxy_seconds = time.perf_counter() - opened
        doc, canvas = window.doc, window.canvas
        canvas.set_zoom(PREVIEW_WIDTH / doc.comp.output.width)
        spin(lambda: settled(window))

        shown: list[float] = []
        canvas.renderer.ready.connect(lambda image, request: shown.append(request.t))
        rng = random.Random(7)
        duration, fps = doc.timeline().duration, doc.comp.output.fps

        def jump(rest: float = 0.0) -> float:
            """Seconds from a jump to the canvas holding that frame, after ``rest`` s idle."""
            idle(rest)
            t = doc.time
            while abs(t - doc.time) < 1e-9:
                t = round(rng.uniform(0, duration - 1 / fps) * fps) / fps
            shown.clear()
            started = time.perf_counter()
            doc.set_time(t)
            spin(lambda: t in shown, timeout=30)
            return time.perf_counter() - started

        cpu = CpuClock()
        latencies = sorted(jump() for _ in range(args.scrubs))
        scrub_cpu = cpu.lap()
        # 150 ms until the refinement starts, then well into its FFmpeg runs
        resumed = sorted(jump(rest=0.25) for _ in range(args.resumes))
        resume_cpu = cpu.lap()
        rests = []
        for _ in range(args.rests):
            started = time.perf_counter()
            jump()
            spin(lambda: settled(window))
            rests.append(time.perf_counter() - started)
        rest_cpu = cpu.lap()

        doc.set_time(0.0)
        spin(lambda: settled(window))
        drawn_before = canvas.renderer.frames_drawn
        times_seen: set[float] = set()
        canvas.renderer.ready.connect(lambda image, request: times_seen.add(request.t))
        window.actions[ActionId.PLAY].trigger()
        started = time.perf_counter()
        spin(lambda: time.perf_counter() - started >= args.play or not window.timeline.playing)
        played = time.perf_counter() - started
        window.timeline.stop()
        frames = canvas.renderer.frames_drawn - drawn_before
        window.close()

    p95 = percentile(latencies, 0.95)
    resume_p95 = percentile(resumed, 0.95)
    print(f"proxies ready {proxy_seconds:.1f} s after open")
    print(
        f"scrub: {len(latencies)} jumps, median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms, cpu {scrub_cpu}"
    )
    print(
        f"resume after a rest: {len(resumed)} jumps, median "
        f"{statistics.median(resumed) * 1000:.1f} ms, p95 {resume_p95 * 1000:.1f} ms, "
        f"cpu {resume_cpu}"
    )
    print(f"rest to the final frame: median {statistics.median(rests) * 1000:.0f} ms, "
          f"max {max(rests) * 1000:.0f} ms, cpu {rest_cpu}")  # fmt: skip
    print(f"playback: {frames} frames in {played:.2f} s = {frames / played:.1f} fps "
          f"({len(times_seen)} distinct times)")  # fmt: skip
    figures = {
        "benchmark": "editor_preview",
        "preview": f"{PREVIEW_WIDTH}x{PREVIEW_WIDTH * 9 // 16}",
        "scrub_median_ms": round(statistics.median(latencies) * 1000, 1),
        "scrub_p95_ms": round(p95 * 1000, 1),
        "scrub_goal_ms": 50,
        "scrub_cpu_s": scrub_cpu,
        "resume_median_ms": round(statistics.median(resumed) * 1000, 1),
        "resume_p95_ms": round(resume_p95 * 1000, 1),
        "resume_cpu_s": resume_cpu,
        "rest_median_ms": round(statistics.median(rests) * 1000),
        "rest_cpu_s": rest_cpu,
        "playback_fps": round(frames / played, 1),
        "playback_goal_fps": 30,
        "proxies_s": round(proxy_seconds, 1),
        "ok": p95 <= 0.050 and resume_p95 <= 0.050 and frames / played >= 30,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
