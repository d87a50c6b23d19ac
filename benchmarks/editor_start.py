"""Cold start of the editor: ``vidgen gui`` launched to the window shown and the event loop idle.

    python benchmarks/editor_start.py [--runs N]

Each run starts ``vidgen gui`` as a new process (offscreen, a fresh
``VIDGEN_HOME``); the editor prints the wall-clock time of its first idle
moment (``VIDGEN_EXIT_WHEN_IDLE``) and quits. Start-up is that time minus the
time just before the process was launched: interpreter, imports, Qt, the
window. Goal: ≤ 1.0 s. Ends with one JSON line.
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
import time


def one_start(home: str) -> float:
    env = {**os.environ, "VIDGEN_HOME": home, "QT_QPA_PLATFORM": "offscreen",
           "VIDGEN_EXIT_WHEN_IDLE": "1"}  # fmt: skip
    vidgen = shutil.which("vidgen")
    command = [vidgen, "gui"] if vidgen else [sys.executable, "-m", "vidgen_desktop", "gui"]
    started = time.time()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    for line in result.stdout.splitlines():
        if line.startswith("vidgen: idle at "):
            return float(line.rsplit(" ", 1)[1]) - started
    raise SystemExit(f"the editor did not report idle:\n{result.stdout}\n{result.stderr}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vidgen-start-") as home:
        times = [one_start(home) for _ in range(args.runs)]
    for n, seconds in enumerate(times, 1):
        print(f"run {n}: {seconds * 1000:.0f} ms")
    figures = {
        "benchmark": "editor_start",
        "first_s": round(times[0], 3),
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "runs": len(times),
        "goal_s": 1.0,
        "ok": statistics.median(times) <= 1.0,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
