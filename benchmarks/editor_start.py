"""Editor cold start: the process started until the window is interactive with the example drawn.

    python benchmarks/editor_start.py [--runs N] [--quick] [--against SRC] [--busy N]
    python benchmarks/editor_start.py --open-only [--busy N]

Each run is a new process (``vidgen gui EXAMPLE`` offscreen, the bundled
example, a job log of a few hundred jobs in one ``VIDGEN_HOME``). Moments, from
the process's start:

- ``shown``: the main window's Show event;
- ``drawn``: the canvas has painted a frame made with every media file's facts
  (the example composition, not a placeholder);
- ``interactive``: after that paint, the event loop handles a posted event, as
  it would a key press: the start goal (≤ 0.5 s on an idle machine);
- ``hub_ready``: the job log open and the queue running (Render and Job
  History wait for it), reported after ``shown`` (goal ≤ 1.5 s).

CPU seconds (user+sys of the editor's threads) are reported at ``shown`` and
``interactive``: they move less with the machine's load than wall time.

Runs alternate (ABBA) with a baseline: an empty PySide6 window shown and
answering a posted event (the floor no editor start goes under), or with
``--against SRC`` another source tree (e.g. ``/work/main/src``); the median of
the paired ratios is reported with the medians. ``--busy N`` keeps N pure-Python
threads spinning in the editor (preview and probe threads at work).
Both trees' modules are compiled once before the runs (in the scratch folder,
as an installed package has its ``.pyc`` files) whatever
``PYTHONDONTWRITEBYTECODE`` says. ``--open-only`` times just the hub's opening
with the short GIL switch interval the hub uses against Python's default. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "src"
GOAL_INTERACTIVE_S = 0.5
GOAL_HUB_S = 1.5

# The editor as ``vidgen gui PROJECT`` starts it; an application-wide event filter
# (installed before anything of the editor is imported) spots the main window's Show.
EDITOR = r"""
import json, os, sys, threading, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
app = QApplication(sys.argv[:1])
PING = QEvent.Type(QEvent.registerEventType())
busy = int(os.environ.get("BENCH_BUSY", "0"))
stop = []
def spin():
    x = 0
    while not stop:
        x += 1

class Watch(QObject):
    def __init__(self):
        super().__init__()
        self.window = None
        self.at, self.cpu = {}, {}
    def mark(self, moment):
        self.at[moment] = time.time()
        self.cpu[moment] = time.process_time()
    def eventFilter(self, obj, event):
        kind = event.type()
        if self.window is None and kind == QEvent.Type.Show and obj.objectName() == "MainWindow":
            self.window = obj
            self.mark("shown")
            for _ in range(busy):
                threading.Thread(target=spin, daemon=True).start()
            hub = obj.renders.hub
            if hub.is_ready:
                self.mark("hub_ready")
            hub.ready.connect(lambda: self.mark("hub_ready") or self.finish())
            hub.open_failed.connect(lambda why: self.report(f"the job log did not open: {why}"))
            QTimer.singleShot(120_000, lambda: self.report("timeout"))
        elif (obj is not None and self.window is not None and kind == QEvent.Type.Paint
              and "drawn" not in self.at and obj is self.window.canvas and self.drawn()):
            QTimer.singleShot(0, self.painted)  # once this paint has returned
        return False
    def drawn(self):
        doc, canvas = self.window.doc, self.window.canvas
        request = canvas.image_request
        if canvas.image is None or request is None or doc.probing:
            return False
        sources = {e.id: getattr(e, "source", None) for e in doc.comp.elements}
        wanted = {i for i, s in sources.items() if s and s not in doc.media_errors}
        return wanted <= set(request.facts)
    def painted(self):
        if "drawn" not in self.at:
            self.mark("drawn")
            QCoreApplication.postEvent(self, QEvent(PING))
    def event(self, event):
        if event.type() == PING:
            self.mark("interactive")
            self.finish()
            return True
        return super().event(event)
    def finish(self):
        if "interactive" in self.at and "hub_ready" in self.at:
            self.report(None)
    def report(self, error):
        if getattr(self, "reported", False):
            return
        self.reported = True
        stop.append(1)
        print("BENCH " + json.dumps({"at": self.at, "cpu": self.cpu, "error": error}), flush=True)
        if self.window is not None:
            self.window.projects.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
            self.window.close()
        app.quit()

watch = Watch()
app.installEventFilter(watch)
from vidgen_desktop.cli import main
sys.argv = ["vidgen", "gui", os.environ["BENCH_PROJECT"]]
status = main()  # as the `vidgen` command calls it: the process is the command's own
sys.exit(status)
"""

EMPTY = r"""
import json, os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
PING = QEvent.Type(QEvent.registerEventType())
at, cpu = {}, {}
def mark(moment):
    at[moment] = time.time()
    cpu[moment] = time.process_time()
class Window(QMainWindow):
    def event(self, event):
        if event.type() == PING:
            mark("interactive")
            print("BENCH " + json.dumps({"at": at, "cpu": cpu, "error": None}), flush=True)
            app.quit()
            return True
        return super().event(event)
window = Window()
window.resize(1280, 800)
window.show()
mark("shown")
QCoreApplication.postEvent(window, QEvent(PING))
app.exec()
"""


def child_report(code: str, env: dict[str, str], timeout: float = 300) -> dict:
    """Run ``code`` in a new Python; the JSON of its ``BENCH {...}`` line (or exit saying why)."""
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=timeout)  # fmt: skip
    for line in result.stdout.splitlines():
        if line.startswith("BENCH "):
            figures = json.loads(line[6:])
            if figures.get("error"):
                raise SystemExit(f"the child failed: {figures['error']}\n{result.stderr}")
            return figures
    raise SystemExit(f"no report:\n{result.stdout}\n{result.stderr[-4000:]}")


def start(code: str, env: dict[str, str]) -> dict:
    """One cold start; moments in seconds after the process was spawned."""
    spawned = time.time()
    figures = child_report(code, env)
    out = {f"{k}_s": v - spawned for k, v in figures["at"].items()}
    out.update({f"cpu_{k}_s": v for k, v in figures["cpu"].items()})
    return out


def loadavg() -> list[str]:
    with open("/proc/loadavg") as stream:
        return stream.read().split()[:3]


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
    return child_report(OPEN_ONLY, env, timeout=180)


def main_open_only(args: argparse.Namespace) -> int:
    args.pairs = args.runs
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
    load = loadavg()
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


def make_example(folder: Path) -> Path:
    env = {**os.environ, "PYTHONPATH": str(HERE), "VIDGEN_HOME": str(folder / "home0")}
    subprocess.run([sys.executable, "-m", "vidgen_desktop", "samples", str(folder / "example")],
                   env=env, check=True, capture_output=True, timeout=300)  # fmt: skip
    return folder / "example" / "spring_promo.json"


def median(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


def summary(runs: list[dict]) -> dict:
    keys = [k for k in runs[0] if all(k in r for r in runs)]
    return {f"{k[:-2]}_median_s": median(runs, k) for k in keys}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="editor starts (each paired)")
    parser.add_argument("--quick", action="store_true", help="3 runs, 50 jobs in the log")
    parser.add_argument("--against", type=Path, help="another src/ to compare, in ABBA order")
    parser.add_argument("--busy", type=int, default=0, help="busy Python threads in the editor")
    parser.add_argument("--jobs", type=int, default=300, help="finished jobs in the log")
    parser.add_argument("--open-only", action="store_true", help="time the hub's opening alone")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.jobs = 3, 50
    if args.open_only:
        return main_open_only(args)
    with tempfile.TemporaryDirectory(prefix="vidgen-start-") as scratch:
        project = make_example(Path(scratch))
        home = str(Path(scratch) / "home")
        seed_log(home, HERE, args.jobs)
        base = {**os.environ, "VIDGEN_HOME": home, "BENCH_PROJECT": str(project),
                "BENCH_BUSY": str(args.busy)}  # fmt: skip
        base.pop("VIDGEN_DATABASE_URL", None)  # the local job log, no team backend
        # compiled once, as an installed package is (pip writes the .pyc files): a shell
        # with PYTHONDONTWRITEBYTECODE would otherwise compile ~140 modules every start
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        base["PYTHONPYCACHEPREFIX"] = str(Path(scratch) / "pycache")
        ours_env = {**base, "PYTHONPATH": str(HERE)}
        if args.against:
            theirs = ("against", EDITOR, {**base, "PYTHONPATH": str(args.against)})
        else:
            theirs = ("empty window", EMPTY, ours_env)
        start(EDITOR, ours_env)  # warms the page cache, compiles, writes the window's settings
        if args.against:
            start(EDITOR, theirs[2])
        ours: list[dict] = []
        other: list[dict] = []
        load_before = loadavg()
        for n in range(args.runs):
            order = [("this", EDITOR, ours_env, ours), (*theirs, other)]
            for name, code, env, into in order if n % 2 == 0 else reversed(order):
                into.append(start(code, env))
                r = into[-1]
                print(f"{name}: shown {r['shown_s']:.3f} s, interactive {r['interactive_s']:.3f} s"
                      f" (cpu {r['cpu_interactive_s']:.2f} s)"
                      + (f", hub ready {r['hub_ready_s']:.2f} s" if "hub_ready_s" in r else "")
                      + f"  load {' '.join(loadavg())}", flush=True)  # fmt: skip
    ratios = [a["interactive_s"] / b["interactive_s"] for a, b in zip(ours, other, strict=True)]
    hub = [r["hub_ready_s"] - r["shown_s"] for r in ours]
    figures = {
        "benchmark": "editor_start", "runs": args.runs, "busy_threads": args.busy,
        **summary(ours), "hub_ready_after_shown_median_s": round(statistics.median(hub), 3),
        "baseline": {"what": str(args.against or "empty PySide6 window"), **summary(other)},
        "interactive_ratio_median": round(statistics.median(ratios), 3),
        "goal_interactive_s": GOAL_INTERACTIVE_S, "goal_hub_s": GOAL_HUB_S,
        "load_avg_before": load_before, "load_avg": loadavg(),
    }  # fmt: skip
    figures["ok"] = (figures["interactive_median_s"] <= GOAL_INTERACTIVE_S
                     and figures["hub_ready_after_shown_median_s"] <= GOAL_HUB_S)  # fmt: skip
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
