"""Editor start: the window shown, then the render hub ready (job log open, queue running).

    python benchmarks/editor_start.py [--pairs N] [--against SRC] [--busy N] [--project FILE]

Each run starts a new Python process (offscreen Qt, a fresh ``VIDGEN_HOME``
with a job log of a few hundred jobs) that builds ``MainWindow``, shows it and
waits for ``RenderHub.ready``: Render and Job History wait for that moment.
It reports the time from the process start to the window shown, from the
window shown to the hub ready (goal: ≤ 1.5 s on an idle machine), and the
process's CPU seconds by then.

``--open-only`` measures just the hub's opening in a thread while ``--busy`` threads
spin, with the short GIL switch interval the hub uses against Python's default
(ABBA pairs, median ratio): the cause of the 10-26 s starts and its fix.

``--against SRC`` runs another source tree (e.g. ``/work/main/src``) in
alternating pairs (ABBA…) and reports the median of the paired ratios.
``--busy N`` keeps N pure-Python threads busy in the editor process, a stand-in
for preview, probe and thumbnail threads at work: they make the hub's ~280
imports wait for the GIL at every file read. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "src"
GOAL_S = 1.5

CHILD = r"""
import json, os, resource, sys, threading, time
t0 = time.perf_counter()
os.environ["QT_QPA_PLATFORM"] = "offscreen"
busy = int(os.environ.get("BENCH_BUSY", "0"))
stop = False
def spin():
    x = 0
    while not stop:
        x += 1
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
app = QApplication(sys.argv[:1])
from vidgen_desktop.ui.shell.main_window import MainWindow
window = MainWindow()
project = os.environ.get("BENCH_PROJECT")
if project:
    from pathlib import Path
    window.projects.open_path(Path(project), ask=False)
window.show()
shown = time.perf_counter()
for _ in range(busy):
    threading.Thread(target=spin, daemon=True).start()
hub = window.renders.hub
def done(error=None):
    global stop
    ready = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stop = True
    print("BENCH " + json.dumps({"shown_s": shown - t0, "ready_s": ready - shown,
          "cpu_s": usage.ru_utime + usage.ru_stime, "error": error}), flush=True)
    window.projects.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    window.close()
    app.quit()
hub.ready.connect(done)
if hasattr(hub, "open_failed"):  # older trees have no such signal
    hub.open_failed.connect(done)
QTimer.singleShot(120_000, lambda: done("timeout"))
app.exec()
"""


OPEN_ONLY = r"""
import json, os, resource, sys, threading, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
import vidgen_desktop.ui.shell.main_window  # the editor's modules, loaded as when the hub opens
from vidgen_desktop.ui.jobs import render_hub
if os.environ["BENCH_SWITCH"] == "default":
    render_hub.OPEN_SWITCH_INTERVAL = 1.0  # min(Python's 5 ms, 1 s): left as it is
stop = False
def spin():
    x = 0
    while not stop:
        x += 1
for _ in range(int(os.environ.get("BENCH_BUSY", "0"))):
    threading.Thread(target=spin, daemon=True).start()
hub = render_hub.RenderHub(start_queue=False)
usage = resource.getrusage(resource.RUSAGE_THREAD)
started = time.perf_counter()
cpu = []
def work():
    u0 = resource.getrusage(resource.RUSAGE_THREAD)
    hub._open()
    u1 = resource.getrusage(resource.RUSAGE_THREAD)
    cpu.append(u1.ru_utime + u1.ru_stime - u0.ru_utime - u0.ru_stime)
thread = threading.Thread(target=work)
thread.start()
thread.join()
print("BENCH " + json.dumps({"open_s": time.perf_counter() - started, "cpu_s": cpu[0]}))
stop = True
hub.db.close()
"""


def open_only(home: str, busy: int, switch: str) -> dict:
    env = {**os.environ, "VIDGEN_HOME": home, "PYTHONPATH": str(HERE), "BENCH_BUSY": str(busy),
           "BENCH_SWITCH": switch}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", OPEN_ONLY], env=env, capture_output=True,
                            text=True, timeout=180)  # fmt: skip
    for line in result.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    raise SystemExit(f"the hub did not open:\n{result.stdout}\n{result.stderr}")


def main_open_only(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="vidgen-start-") as home:
        seed_log(home, HERE, args.jobs)
        short: list[dict] = []
        default: list[dict] = []
        for n in range(args.pairs):
            order = [("short", short), ("default", default)]
            for switch, into in order if n % 2 == 0 else reversed(order):
                into.append(open_only(home, args.busy, switch))
                print(f"{switch}: open {into[-1]['open_s']:.2f} s, "
                      f"cpu {into[-1]['cpu_s']:.2f} s", flush=True)  # fmt: skip
    with open("/proc/loadavg") as stream:
        load = stream.read().split()[:3]
    ratios = [a["open_s"] / b["open_s"] for a, b in zip(short, default, strict=True)]
    figures = {
        "benchmark": "editor_start_open_only", "busy_threads": args.busy, "pairs": args.pairs,
        "short_switch_open_median_s": round(statistics.median(r["open_s"] for r in short), 3),
        "default_switch_open_median_s": round(statistics.median(r["open_s"] for r in default), 3),
        "short_switch_cpu_median_s": round(statistics.median(r["cpu_s"] for r in short), 3),
        "default_switch_cpu_median_s": round(statistics.median(r["cpu_s"] for r in default), 3),
        "open_ratio_median": round(statistics.median(ratios), 3), "load_avg": load,
    }  # fmt: skip
    print(json.dumps(figures))
    return 0


def seed_log(home: str, src: Path, jobs: int) -> None:
    """A job log with ``jobs`` finished jobs, as a designer's laptop has."""
    code = (
        "import datetime as dt\n"
        "from vidgen_desktop.store import open_local\n"
        "from vidgen_desktop.composition.model import Composition, Output\n"
        "from vidgen_desktop.jobs.states import JobStatus as S\n"
        "c = Composition(name='bench', output=Output(width=160, height=120, duration=1))\n"
        "now = dt.datetime.now(dt.UTC)\n"
        "with open_local() as db:\n"
        f"    for i in range({jobs}):\n"
        "        at = now - dt.timedelta(minutes=i)\n"
        "        j = db.jobs.create(c, status=S.QUEUED, at=at, estimated_seconds=2.0)\n"
        "        db.jobs.transition(j.id, S.PROCESSING, at=at + dt.timedelta(seconds=1))\n"
        "        db.jobs.transition(j.id, S.COMPLETED, at=at + dt.timedelta(seconds=3))\n"
    )
    env = {**os.environ, "VIDGEN_HOME": home, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=300)


def one_start(src: Path, home: str, busy: int, project: str | None) -> dict:
    env = {**os.environ, "VIDGEN_HOME": home, "PYTHONPATH": str(src), "BENCH_BUSY": str(busy)}
    if project:
        env["BENCH_PROJECT"] = project
    result = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                            text=True, timeout=180)  # fmt: skip
    for line in result.stdout.splitlines():
        if line.startswith("BENCH "):
            figures = json.loads(line[6:])
            if figures["error"]:
                raise SystemExit(f"the hub did not open: {figures['error']}\n{result.stderr}")
            return figures
    raise SystemExit(f"the editor did not report:\n{result.stdout}\n{result.stderr}")


def summary(runs: list[dict]) -> dict:
    return {
        "ready_after_window_median_s": round(statistics.median(r["ready_s"] for r in runs), 3),
        "ready_after_window_max_s": round(max(r["ready_s"] for r in runs), 3),
        "window_median_s": round(statistics.median(r["shown_s"] for r in runs), 3),
        "cpu_median_s": round(statistics.median(r["cpu_s"] for r in runs), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="runs (pairs with --against)")
    parser.add_argument("--against", type=Path, help="another src/ to compare, in ABBA order")
    parser.add_argument("--busy", type=int, default=0, help="busy Python threads in the editor")
    parser.add_argument("--jobs", type=int, default=300, help="finished jobs in the log")
    parser.add_argument("--project", help="a project file to open")
    parser.add_argument("--open-only", action="store_true", help="time the hub's opening alone")
    args = parser.parse_args()
    if args.open_only:
        return main_open_only(args)
    with tempfile.TemporaryDirectory(prefix="vidgen-start-") as home:
        seed_log(home, HERE, args.jobs)
        ours: list[dict] = []
        theirs: list[dict] = []
        for n in range(args.pairs):
            order = [(HERE, ours), (args.against, theirs)] if args.against else [(HERE, ours)]
            if n % 2:
                order.reverse()  # ABBA: neither side always runs on a warmer machine
            for src, into in order:
                into.append(one_start(src, home, args.busy, args.project))
                print(f"{'this' if src == HERE else 'against'}: window "
                      f"{into[-1]['shown_s']:.2f} s, hub ready +{into[-1]['ready_s']:.2f} s, "
                      f"cpu {into[-1]['cpu_s']:.2f} s", flush=True)  # fmt: skip
    with open("/proc/loadavg") as stream:
        load = stream.read().split()[:3]
    figures = {"benchmark": "editor_start", "busy_threads": args.busy, "runs": len(ours),
               **summary(ours), "goal_s": GOAL_S, "load_avg": load}  # fmt: skip
    figures["ok"] = figures["ready_after_window_median_s"] <= GOAL_S
    if theirs:
        ratios = [a["ready_s"] / b["ready_s"] for a, b in zip(ours, theirs, strict=True)]
        figures["against"] = {**summary(theirs), "src": str(args.against)}
        figures["ready_ratio_median"] = round(statistics.median(ratios), 3)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
