"""The desktop bundle's size and start time, against the source tree's `python -m vidgen_desktop`.

Starts measured (wall time to exit, each with a fresh VIDGEN_HOME):

- ``--version``: the program up, FFmpeg asked for its build (the smallest start);
- ``gui PROJECT --screenshot``: the editor up on the example offscreen, painted, closed.

The first run of each is the cold start (right after the build, or with
``--build``: a new bundle; the page cache still holds what the build wrote,
so it is "first start", not "after a reboot"). Then ABBA rounds, bundle (A)
against source (B), paired ratios A/B. Prints the load average beside the
figures and one JSON line at the end.

    python benchmarks/bundle_start.py [--bundle DIST/vidgen] [--build] [--rounds 3]
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

ROOT = Path(__file__).resolve().parents[1]


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "n/a"


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "bundle" / "vidgen")
    parser.add_argument("--build", action="store_true", help="build the bundle first")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.build:
        subprocess.run([sys.executable, str(ROOT / "packaging" / "build_bundle.py"),
                        "--dist", str(args.bundle.parent)], check=True)  # fmt: skip
    program = args.bundle / ("vidgen.exe" if sys.platform == "win32" else "vidgen")
    size = sum(  # a symlinked library counts once
        p.stat().st_size for p in args.bundle.rglob("*") if p.is_file() and not p.is_symlink()
    )
    scratch = Path(tempfile.mkdtemp(prefix="bundle-start-"))
    base = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    base["QT_QPA_PLATFORM"] = "offscreen"
    source_env = {**base, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([sys.executable, "-m", "vidgen_desktop", "samples", str(scratch / "ex")],
                   env={**source_env, "VIDGEN_HOME": str(scratch / "h0")}, check=True,
                   capture_output=True)  # fmt: skip
    project = str(scratch / "ex" / "spring_promo.json")
    runs = {"bundle": [str(program)], "source": [sys.executable, "-m", "vidgen_desktop"]}
    envs = {"bundle": base, "source": source_env}
    shapes = {"version": ["--version"],
              "editor": ["gui", project, "--screenshot", str(scratch / "shot.png")]}  # fmt: skip
    count = 0

    def once(who: str, shape: str) -> float:
        nonlocal count
        count += 1
        env = {**envs[who], "VIDGEN_HOME": str(scratch / f"h{count}")}
        return timed([*runs[who], *shapes[shape]], env)

    figures: dict[str, float] = {"bundle_bytes": size}
    print(f"load average before: {loadavg()}")
    for shape in shapes:
        figures[f"cold_{shape}_s"] = round(once("bundle", shape), 3)
        pairs, a_times, b_times = [], [], []
        for _ in range(args.rounds):
            a1, b1, b2, a2 = (once("bundle", shape), once("source", shape),
                              once("source", shape), once("bundle", shape))  # fmt: skip
            a_times += [a1, a2]
            b_times += [b1, b2]
            pairs.append(((a1 + a2) / 2) / ((b1 + b2) / 2))
        figures[f"bundle_{shape}_s"] = round(statistics.median(a_times), 3)
        figures[f"source_{shape}_s"] = round(statistics.median(b_times), 3)
        figures[f"{shape}_paired_ratio"] = round(statistics.median(pairs), 3)
        print(f"{shape}: cold {figures[f'cold_{shape}_s']} s; bundle {figures[f'bundle_{shape}_s']}"
              f" s, source {figures[f'source_{shape}_s']} s, paired ratio "
              f"{figures[f'{shape}_paired_ratio']}")  # fmt: skip
    print(f"bundle {size / 1e6:.0f} MB at {args.bundle}; load average after: {loadavg()}")
    print(json.dumps({**figures, "loadavg": loadavg()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
