"""Fuzz project files: how many load, how many are refused in words, how many crash.

    python benchmarks/fuzz_projects.py [--examples N] [--seed S]

Draws N documents (default 1000) with the suite's strategies (``tests/fuzzkit.py``:
valid structure mixed with hostile values) and runs the suite's property on each:
the document loads (and then saves, reloads, estimates and builds its FFmpeg graph
without running FFmpeg) or is refused with a message in words. Anything else is a
crash: its first lines are printed with the document. Ends with one JSON line:
counts, wall and CPU seconds, and the load average before and after.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

import fuzzkit  # noqa: E402

SHOWN_CRASHES = 5  # crashes printed in full; all are counted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--shared-sources",
        choices=["mixed", "always", "never"],
        default="mixed",
        help="whether elements share media files (a clip placed twice); default: drawn",
    )
    args = parser.parse_args()
    counts: collections.Counter[str] = collections.Counter()
    crashes: list[str] = []
    kinds: collections.Counter[str] = collections.Counter()  # crashes by their last line
    load_before = os.getloadavg()
    wall, cpu = time.perf_counter(), time.process_time()

    with tempfile.TemporaryDirectory(prefix="vidgen-fuzz-") as root:
        folder = Path(root)

        @settings(
            max_examples=args.examples,
            deadline=None,
            database=None,
            phases=[Phase.generate],  # count, do not shrink: crashes are caught
            suppress_health_check=list(HealthCheck),
        )
        @given(
            fuzzkit.documents(
                shared_sources={"mixed": None, "always": True, "never": False}[args.shared_sources]
            )
        )
        def run(document) -> None:
            text, facts = document
            try:
                counts[fuzzkit.check(text, facts, folder)] += 1
            except Exception:  # noqa: BLE001 - counting crashes is the point
                counts["crashed"] += 1
                kinds[traceback.format_exc().strip().splitlines()[-1][:160]] += 1
                if len(crashes) < SHOWN_CRASHES:
                    crashes.append(f"{text[:300]}\n{traceback.format_exc(limit=4)}")

        seed(args.seed)(run)()  # the same seed draws the same documents

    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for crash in crashes:
        print(crash, file=sys.stderr)
    for kind, count in kinds.most_common():
        print(f"crashed {count}x: {kind}", file=sys.stderr)
    total = sum(counts.values())
    print(
        f"{total} documents: {counts['loaded']} loaded, {counts['refused']} refused with "
        f"a message in words, {counts['crashed']} crashed ({wall:.1f} s)"
    )
    print(
        json.dumps(
            {
                "benchmark": "fuzz_projects",
                "examples": total,
                "loaded": counts["loaded"],
                "refused": counts["refused"],
                "crashed": counts["crashed"],
                "seed": args.seed,
                "shared_sources": args.shared_sources,
                "crash_kinds": len(kinds),
                "wall_seconds": round(wall, 2),
                "cpu_seconds": round(cpu, 2),
                "loadavg_before": load_before,
                "loadavg_after": os.getloadavg(),
            }
        )
    )
    return 1 if counts["crashed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
