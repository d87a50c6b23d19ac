"""What every `vidgen` command costs before and around its real work.

- ``vidgen --help`` (goal ≤ 0.08 s), beside ``python -c pass`` (the interpreter's
  own start, site included);
- ``vidgen render`` of a 1 s 320×180 clip against the hand-written FFmpeg
  command that makes the same file: the difference is Vidgen's fixed overhead
  per render (goal ≤ 0.15 s). The first render is the cold one (an empty probe
  cache); then rounds paired ABBA.

Each run's wall time and the CPU seconds (user + sys) of its whole process tree
(``RUSAGE_CHILDREN``: FFmpeg included) are counted. The subprocesses share a
fresh VIDGEN_HOME. Python's compiled bytecode is kept (in a scratch
PYTHONPYCACHEPREFIX, written by one warm-up run), as an installed Vidgen has it,
even where PYTHONDONTWRITEBYTECODE is set; ``--no-bytecode`` measures without.
Prints the load average beside the figures and one JSON line.

    python benchmarks/cli_start.py [--rounds 10] [--quick] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from vidgen_desktop.media.ffmpeg import ffmpeg_exe  # noqa: E402

DURATION = 1  # second
SIZE = (320, 180)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process tree) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, timeout=600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def make_clip(folder: Path) -> Path:
    """The 1 s source clip (picture and sound) and a project that shows it on the whole canvas."""
    source = folder / "clip.mp4"
    w, h = SIZE
    subprocess.run([
        ffmpeg_exe(), "-v", "error", "-nostdin", "-y",
        "-f", "lavfi", "-i", f"testsrc2=s={w}x{h}:r=30:d={DURATION}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={DURATION}",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(source),
    ], check=True)  # fmt: skip
    project = folder / "clip.json"
    project.write_text(json.dumps({
        "schema_version": 1, "name": "cli start",
        "output": {"width": w, "height": h, "fps": 30, "format": "mp4", "quality": "standard",
                   "background": "#000000", "duration": DURATION},
        "elements": [{"id": "clip", "type": "video", "source": str(source), "x": "0%",
                      "y": "0%", "width": "100%", "height": "100%", "fit": "cover"}],
    }))  # fmt: skip
    return project


def hand_written(source: Path, out: Path) -> list[str]:
    """What an FFmpeg user would type for the same file (standard quality: veryfast, CRF 23)."""
    return [
        ffmpeg_exe(), "-v", "error", "-nostdin", "-y", "-i", str(source), "-t", str(DURATION),
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-r", "30",
        "-c:a", "aac", "-b:a", "160k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart",
        str(out),
    ]  # fmt: skip


def paired(runs: dict[str, list[tuple[float, float]]], a: str, b: str,
           over: str) -> dict[str, float]:  # fmt: skip
    """Medians of wall and CPU for ``a`` and ``b``, and of the paired differences a − b."""
    wall = [x[0] - y[0] for x, y in zip(runs[a], runs[b], strict=True)]
    cpu = [x[1] - y[1] for x, y in zip(runs[a], runs[b], strict=True)]
    return {
        f"{a}_wall_s": round(statistics.median(x[0] for x in runs[a]), 4),
        f"{a}_cpu_s": round(statistics.median(x[1] for x in runs[a]), 4),
        f"{b}_wall_s": round(statistics.median(x[0] for x in runs[b]), 4),
        f"{b}_cpu_s": round(statistics.median(x[1] for x in runs[b]), 4),
        f"{over}_wall_s": round(statistics.median(wall), 4),
        f"{over}_cpu_s": round(statistics.median(cpu), 4),
    }


def abba(commands: dict[str, list[str]], rounds: int, env: dict[str, str]) -> dict:
    names = list(commands)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for n in range(rounds):
        for name in names if n % 2 == 0 else reversed(names):
            runs[name].append(measured(commands[name], env))
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="ABBA rounds (pairs) of each")
    parser.add_argument("--quick", action="store_true", help="3 rounds (a smoke run)")
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="compile every module on every start (PYTHONDONTWRITEBYTECODE)",
    )
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="cli-start-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "VIDGEN_HOME": str(folder / "home"),
               "PYTHONPATH": str(ROOT / "src")}  # fmt: skip
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        project = make_clip(folder)
        warm_up = {**env, "VIDGEN_HOME": str(folder / "warm-up")}  # the cold render stays cold
        for command in ([python, "-c", "pass"], [python, "-m", "vidgen_desktop", "--help"],
                        [python, "-m", "vidgen_desktop", "render", str(project), "-o",
                         str(folder / "warm-up.mp4")]):  # fmt: skip
            measured(command, warm_up)
        print(f"load average before: {loadavg()}", flush=True)

        helps = abba({"help": [python, "-m", "vidgen_desktop", "--help"],
                      "python": [python, "-c", "pass"]}, rounds, env)  # fmt: skip
        help_figures = paired(helps, "help", "python", "help_over_python")
        print(f"vidgen --help: {help_figures['help_wall_s']:.3f} s wall, "
              f"{help_figures['help_cpu_s']:.3f} s CPU; python -c pass "
              f"{help_figures['python_wall_s']:.3f} s (load {loadavg()})", flush=True)  # fmt: skip

        render = [python, "-m", "vidgen_desktop", "render", str(project),
                  "-o", str(folder / "vidgen.mp4")]  # fmt: skip
        ffmpeg = hand_written(folder / "clip.mp4", folder / "ffmpeg.mp4")
        cold = measured(render, env)  # nothing probed yet in this VIDGEN_HOME
        renders = abba({"vidgen": render, "ffmpeg": ffmpeg}, rounds, env)
        figures = paired(renders, "vidgen", "ffmpeg", "overhead")
        print(f"vidgen render (1 s {SIZE[0]}×{SIZE[1]}): {figures['vidgen_wall_s']:.3f} s wall, "
              f"{figures['vidgen_cpu_s']:.3f} s CPU; hand-written ffmpeg "
              f"{figures['ffmpeg_wall_s']:.3f} s, {figures['ffmpeg_cpu_s']:.3f} s CPU; "
              f"overhead {figures['overhead_wall_s']:.3f} s wall (goal ≤ 0.15), "
              f"{figures['overhead_cpu_s']:.3f} s CPU; cold first render {cold[0]:.3f} s "
              f"(load {loadavg()})", flush=True)  # fmt: skip
    print(json.dumps({
        "rounds": rounds, "bytecode_cached": not args.no_bytecode, **help_figures, **figures,
        "cold_render_wall_s": round(cold[0], 4), "cold_render_cpu_s": round(cold[1], 4),
        "loadavg": loadavg(),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
