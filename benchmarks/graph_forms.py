"""FFmpeg alone running our filter graph against alternative forms of it (issue 17).

    python benchmarks/graph_forms.py [--runs 4] [--quick] [--callgrind] [--samples DIR]

The picture of the reference composition (resources/examples/reference.json,
media from ``media.samples.make_samples``), decoded and filtered to ``-f null``
(no encoder: the graph's own cost), in these pairs, old form against new:

- ``odd``: its 768×432 clip at x 1057, y 109 (odd): the RGBA border (before) against
  ``render.parity``'s yuva420p border with its chroma shift (adopted);
- ``alpha``: the clip at opacity 0.8: scaled straight to yuva420p (kept) against
  yuv420p then yuva420p (rejected: the same frames, +0.8 % instructions);
- ``chain``: reference plus four more clips (6 videos, 8 layers): the graph as it is
  against each video's trim/settb/setpts chain twice (what the chain costs), and
  against ``-t`` on the inputs in place of ``trim`` (rejected: the same frames,
  no measurable saving).

Each pair runs alternately (ABBA), ``--runs`` times; figures are CPU-seconds
(user + system of FFmpeg) with the load average beside them; whether the two
forms give identical frames (``framemd5``); with ``--callgrind``, instructions
of a 3 s cut (valgrind; independent of load). Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import ffmpeg

from vidgen_desktop import paths
from vidgen_desktop.composition import project
from vidgen_desktop.media.ffmpeg import ffmpeg_exe
from vidgen_desktop.media.samples import make_samples
from vidgen_desktop.render import engine, graph, parity
from vidgen_desktop.render.inputs import Inputs

CALLGRIND_SECONDS = "3"


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@contextlib.contextmanager
def rgba_borders():
    """The form before: every element that needs a border gets it in RGBA."""
    kept = parity.needs_rgba
    parity.needs_rgba = lambda drawn, *, video: parity.needs_border(drawn)
    try:
        yield
    finally:
        parity.needs_rgba = kept


def picture_args(data: dict, samples: Path) -> list[str]:
    comp = project.parse(json.dumps(data), base_dir=samples)
    plan = engine.prepare(comp)
    video = graph.picture(plan, Inputs(plan))
    rate = str(comp.output.fps)
    return ffmpeg.output(video, "-", f="null", r=rate, t=graph.length(plan)).get_args()


def edit_graph(args: list[str], edit) -> list[str]:
    at = args.index("-filter_complex") + 1
    changed = edit(args[at])
    assert changed != args[at], "the form to rewrite is not in the graph"
    return [*args[:at], changed, *args[at + 1 :]]


def chain_twice(args: list[str]) -> list[str]:
    return edit_graph(args, lambda g: re.sub(
        r"(\[\d+:v\]trim=duration=[0-9.]+\[s\d+\];\[s\d+\]settb=1/1000000\[s\d+\];"
        r"\[s\d+\]setpts=PTS-STARTPTS\+[0-9.]+/TB)",
        r"\1,trim=duration=100000,settb=1/1000000,setpts=PTS", g))  # fmt: skip


def input_t(args: list[str]) -> list[str]:
    """Each video's ``trim`` as ``-t`` on its input (FFmpeg then trims it itself)."""
    at = args.index("-filter_complex") + 1
    pattern = r"\[(\d+):v\]trim=duration=([0-9.]+)\[(s\d+)\];\[\3\]"
    durations = {int(k): d for k, d, _ in re.findall(pattern, args[at])}
    out, index = [], 0
    for arg in args[: at - 1]:
        if arg == "-i":
            out += ["-t", durations[index]] if index in durations else []
            index += 1
        out.append(arg)
    return [*out, "-filter_complex", re.sub(pattern, r"[\1:v]", args[at]), *args[at + 1 :]]


def via_yuv420p(args: list[str]) -> list[str]:
    return edit_graph(args, lambda g: re.sub(
        r"(scale=\d+:\d+:flags=bicubic)\[(s\d+)\];\[\2\]format=yuva420p",
        r"\1,format=yuv420p[\2];[\2]format=yuva420p", g))  # fmt: skip


def run(args: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-nostdin", *args], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def frames_digest(args: list[str]) -> str:
    argv = [ffmpeg_exe(), "-v", "error", "-nostdin", *args]
    argv[argv.index("null")] = "framemd5"  # the output's format
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    sums = [line.rsplit(",", 1)[-1].strip() for line in out.splitlines() if line[:1] != "#"]
    return hashlib.sha256("\n".join(sums).encode()).hexdigest()


def instructions(args: list[str], tmp: Path) -> int | None:
    if shutil.which("valgrind") is None:
        return None
    cut = list(args)
    cut[len(cut) - 1 - cut[::-1].index("-t") + 1] = CALLGRIND_SECONDS  # the output's -t
    out = tmp / "callgrind.out"
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", ffmpeg_exe(),
         "-v", "error", "-nostdin", "-filter_threads", "1", *cut],
        check=True, capture_output=True,
    )  # fmt: skip
    for line in out.read_text(errors="replace").splitlines():
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])
    return None


def compare(name: str, old: list[str], new: list[str], runs: int, tmp: Path, cg: bool) -> dict:
    cpu: dict[str, list[float]] = {"old": [], "new": []}
    loads = [loadavg()]
    for n in range(runs):  # ABBA: whatever the first of a pair pays is shared fairly
        for form in ("old", "new") if n % 2 == 0 else ("new", "old"):
            cpu[form].append(run(old if form == "old" else new))
        loads.append(loadavg())
    paired = statistics.median(b / a for a, b in zip(cpu["old"], cpu["new"], strict=True))
    figures = {
        "old_cpu_s": round(statistics.median(cpu["old"]), 3),
        "new_cpu_s": round(statistics.median(cpu["new"]), 3),
        "paired_cpu_ratio": round(paired, 4),
        "identical_frames": frames_digest(old) == frames_digest(new),
        "loadavg": loads,
    }
    if cg:
        figures["old_instructions"] = instructions(old, tmp)
        figures["new_instructions"] = instructions(new, tmp)
    print(f"{name}: old {figures['old_cpu_s']} CPU-s, new {figures['new_cpu_s']} CPU-s, "
          f"paired ratio {paired:.4f}, identical frames {figures['identical_frames']}, "
          f"load {loads[0]} → {loads[-1]}", flush=True)  # fmt: skip
    if cg:
        print(f"  instructions ({CALLGRIND_SECONDS} s): old {figures['old_instructions']}, "
              f"new {figures['new_instructions']}", flush=True)  # fmt: skip
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="2 runs of a 5 s cut")
    parser.add_argument("--callgrind", action="store_true", help="also count instructions")
    parser.add_argument("--samples", type=Path, default=paths.cache_dir() / "bench-samples")
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs

    make_samples(args.samples)
    base = json.loads((paths.resources_dir() / "examples" / "reference.json").read_text())
    if args.quick:
        base["output"]["duration"] = 5

    def variant(**clip) -> dict:
        data = json.loads(json.dumps(base))
        data["elements"][1].update(clip)
        return data

    odd = variant(x="1057px", y="109px")
    with rgba_borders():
        odd_before = picture_args(odd, args.samples)
    eight = variant()
    eight["elements"] += [
        {"id": f"v{i}", "type": "video", "source": "media/clip.mp4", "x": f"{5 + 20 * i}%",
         "y": "5%", "width": "15%", "height": "15%", "fit": "contain", "start": i * 0.5,
         "trim_start": 0.5 + i * 0.3}
        for i in range(4)
    ]  # fmt: skip
    eight_args = picture_args(eight, args.samples)
    alpha_args = picture_args(variant(opacity=0.8), args.samples)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        t, cg = Path(tmp), args.callgrind
        new_odd = picture_args(odd, args.samples)
        results["odd"] = compare("odd position, RGBA → yuva420p border", odd_before, new_odd,
                                 runs, t, cg)  # fmt: skip
        results["alpha"] = compare("opacity, straight → via yuv420p", alpha_args,
                                   via_yuv420p(alpha_args), runs, t, cg)  # fmt: skip
        results["chain_twice"] = compare("8 layers, chain → chain twice", eight_args,
                                         chain_twice(eight_args), runs, t, cg)  # fmt: skip
        results["input_t"] = compare("8 layers, trim → input -t", eight_args,
                                     input_t(eight_args), runs, t, cg)  # fmt: skip
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    print(json.dumps({"runs": runs, "quick": args.quick, "at": started, **results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
