"""The editor's memory with the bundled example open, after scrubbing the whole timeline.

    python benchmarks/editor_memory.py [--quick] [--steps N]

A new process per measurement (``--runs``, default 3): a real ``MainWindow``
(offscreen) opens the example the editor makes on its first start
(``media.examples``: the spring promo, two 1280×720 videos, a photo, a logo,
music) the way a designer does, waits for it to settle (probes, first
frame, thumbnails, proxies, the job log), then drags the timeline's playhead
with mouse events from the start to the end of the composition in ``--steps``
moves, each waiting for the canvas to show its frame, and lets it settle on
the last frame's exact draw. Read from ``/proc/self/smaps_rollup``: RSS and
PSS after opening and after scrubbing, and the peak RSS. Goal: PSS after
scrubbing ≤ 220 MB. Prints the load average; ends with one JSON line.

By default every run reuses one home, so only the first run is a first start
(proxies, thumbnails and the probe cache made while it runs); ``--fresh``
gives every run a copy of the home as it was before the first, so every run
is a designer's first start.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from editor_start import child_report, loadavg  # noqa: E402 - the benchmarks' folder

HERE = Path(__file__).resolve().parents[1] / "src"
GOAL_MB = 220

CHILD = r"""
import json, os, resource, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from pathlib import Path
from PySide6.QtCore import QEvent, QEventLoop, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from vidgen_desktop.ui.shell.app import _application, settled
app = _application()  # as ``vidgen gui`` makes it (the theme)
from vidgen_desktop.ui.shell.main_window import MainWindow

def spin(condition, timeout=300.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {condition.__name__}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

def memory():
    fields = {}
    with open("/proc/self/smaps_rollup") as stream:
        for line in stream:
            name, _, rest = line.partition(":")
            if name in ("Rss", "Pss", "Private_Clean", "Private_Dirty", "Anonymous"):
                fields[name.lower()] = int(rest.split()[0]) / 1024  # kB -> MB
    return {"rss_mb": round(fields["rss"], 1), "pss_mb": round(fields["pss"], 1),
            "anonymous_mb": round(fields["anonymous"], 1)}

window = MainWindow()
window.projects.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
window.resize(1400, 900)
window.show()
window.projects.open_path(Path(os.environ["BENCH_PROJECT"]), ask=False)
hub, proxies = window.renders.hub, window.renders.proxies
def calm():
    thumbs = window.layers.background
    return settled(window) and hub.is_ready and not proxies.busy and not thumbs.busy
def rest():
    spin(calm)
    trim = getattr(window, "idle_trim", None)  # the heap trimmed once the canvas rests
    if trim is not None:
        spin(lambda: not trim.timer.isActive())
rest()
opened = memory()
doc, view, canvas = window.doc, window.timeline.view, window.canvas
duration = doc.timeline().duration
steps = int(os.environ["BENCH_STEPS"])
def mouse(kind, t, buttons):
    pos = QPointF(view.x_of(t), 4.0)  # the ruler: a press there scrubs
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, pos, view.mapToGlobal(pos), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, event)
started = time.monotonic()
held = Qt.MouseButton.LeftButton
mouse(QEvent.Type.MouseButtonPress, 0.01, held)  # just right of the track headers
if doc.time > 0.5:
    raise SystemExit(f"the press did not scrub: the playhead is at {doc.time}")
for i in range(1, steps + 1):
    t = duration * i / steps - 1e-3
    mouse(QEvent.Type.MouseMove, t, held)
    want = doc.time
    def shown():
        request = canvas.image_request
        return request is not None and abs(request.t - want) < 1e-6
    spin(shown, timeout=60)
mouse(QEvent.Type.MouseButtonRelease, duration - 1e-3, Qt.MouseButton.NoButton)
scrub_s = time.monotonic() - started
last = doc.time
if last < duration - 0.5:
    raise SystemExit(f"the drag did not scrub to the end: the playhead is at {last}")
rest()
scrubbed = memory()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH " + json.dumps({"opened": opened, "scrubbed": scrubbed, "peak_rss_mb": round(peak, 1),
      "scrub_s": round(scrub_s, 2), "last_t": last, "duration": duration}), flush=True)
window.close()
"""


def one(project: Path, home: Path, steps: int, src: Path = HERE) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "VIDGEN_HOME": str(home),
           "BENCH_PROJECT": str(project), "BENCH_STEPS": str(steps)}  # fmt: skip
    env.pop("VIDGEN_DATABASE_URL", None)
    return child_report(CHILD, env, timeout=900)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run, 20 moves")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=80, help="playhead moves start to end")
    parser.add_argument("--against", type=Path, help="another src/ to measure too, alternating")
    parser.add_argument("--fresh", action="store_true", help="every run a first start")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.steps = 1, 20
    with tempfile.TemporaryDirectory(prefix="vidgen-memory-") as scratch:
        folder = Path(scratch)
        env = {**os.environ, "PYTHONPATH": str(HERE), "VIDGEN_HOME": str(folder / "home")}
        code = "from vidgen_desktop.media import examples; print(examples.main_example())"
        made = subprocess.run([sys.executable, "-c", code], env=env, check=True, text=True,
                              capture_output=True, timeout=600)  # fmt: skip
        project = Path(made.stdout.strip().splitlines()[-1])
        pristine = folder / "pristine"
        if args.fresh:  # the home as the example left it: no proxies, thumbnails, job log
            shutil.copytree(folder / "home", pristine, symlinks=True)
        runs: list[dict] = []
        other: list[dict] = []
        for n in range(args.runs):
            order = [(HERE, runs), (args.against, other)] if args.against else [(HERE, runs)]
            for src, into in order if n % 2 == 0 else reversed(order):
                if args.fresh:
                    shutil.rmtree(folder / "home")
                    shutil.copytree(pristine, folder / "home", symlinks=True)
                into.append(one(project, folder / "home", args.steps, src))
                report(n, "this" if src == HERE else "against", into[-1])

    figures = {"benchmark": "editor_memory", "runs": args.runs, "steps": args.steps,
               "fresh": args.fresh,
               **summary(runs), "goal_mb": GOAL_MB}  # fmt: skip
    if other:
        figures["against"] = {"src": str(args.against), **summary(other)}
    figures["load_avg"] = loadavg()
    figures["ok"] = figures["scrubbed_pss_mb"] <= GOAL_MB
    print(json.dumps(figures))
    return 0


def report(n: int, name: str, r: dict) -> None:
    print(f"{name} run {n + 1}: opened rss {r['opened']['rss_mb']} MB pss "
          f"{r['opened']['pss_mb']} MB; scrubbed rss {r['scrubbed']['rss_mb']} MB pss "
          f"{r['scrubbed']['pss_mb']} MB; peak rss {r['peak_rss_mb']} MB; "
          f"scrub {r['scrub_s']} s  load {' '.join(loadavg())}", flush=True)  # fmt: skip


def summary(runs: list[dict]) -> dict:
    def med(path: tuple[str, ...]) -> float:
        values = []
        for r in runs:
            value = r
            for key in path:
                value = value[key]
            values.append(value)
        return round(statistics.median(values), 1)

    return {
        "opened_rss_mb": med(("opened", "rss_mb")), "opened_pss_mb": med(("opened", "pss_mb")),
        "scrubbed_rss_mb": med(("scrubbed", "rss_mb")),
        "scrubbed_pss_mb": med(("scrubbed", "pss_mb")),
        "scrubbed_anonymous_mb": med(("scrubbed", "anonymous_mb")),
        "peak_rss_mb": med(("peak_rss_mb",)),
    }  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
