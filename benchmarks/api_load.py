"""The HTTP API under load: 200 concurrent pollers and 50 concurrent videocreate calls.

    python benchmarks/api_load.py [--pollers 200] [--rounds 5] [--creates 50]

A real `vidgen serve` app under uvicorn in a process of its own (this file
with ``--serve``; a throwaway VIDGEN_HOME, one worker, 127.0.0.1), and an
httpx AsyncClient here. Its embedded queue is not started: the figures are
the API's, not FFmpeg's (the queued jobs are left queued, then cancelled).

- ``poll``: one finished job; ``--pollers`` clients each GET
  ``/api/v1/videoresult/{id}`` ``--rounds`` times, once per ``--interval``
  (1 s, as a status poller does; spread over the second), all at once. ABBA
  order: A plain GETs (200 with the body), B with ``If-None-Match`` (304),
  so a machine that gets busier weighs on both; p50/p95 of each and the
  paired ratio B/A. Goal: p95 ≤ 50 ms for A. Also, once, every poller
  back to back (no interval): the worst case, reported, not a goal.
- ``create``: ``--creates`` concurrent ``videocreate`` calls (the element
  form, a 5-minute 1080p video by source_url from a local media server the
  settings allow: estimated over the 30 s threshold, so queued): all must be accepted
  (202), none lost, and each exactly once in the job log and the owners table.

Ends with one JSON line; ``/proc/loadavg`` before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
TESTS = Path(__file__).resolve().parents[1] / "tests"


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def serve(port: int, media: str) -> None:
    """The server process: the app with its queue left idle."""
    import uvicorn

    from vidgen_desktop import config
    from vidgen_desktop.api.app import create_app
    from vidgen_desktop.api.server import ApiServer

    settings = config.Settings(route_threshold=30, output_folder=os.environ["VIDGEN_OUT"])
    settings.api.allowed_source_prefixes = [media]
    settings.api.rate_per_second = 0  # limits off: the load is the point
    state = ApiServer.open(settings)
    state.start = lambda: None  # no renders of queued jobs during the benchmark
    if os.environ.get("VIDGEN_BENCH_KEYS"):
        print(json.dumps({"key": state.keys.create("bench").key}), flush=True)
    uvicorn.run(create_app(state), host="127.0.0.1", port=port, log_level="warning")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def burst(
    client, url: str, pollers: int, rounds: int, etag: str | None, interval: float = 0.0
) -> list[float]:  # noqa: ANN001
    """Each poller GETs ``rounds`` times, one GET per ``interval`` (0: back to back)."""
    headers = {"If-None-Match": etag} if etag else {}
    times: list[float] = []

    async def one(n: int) -> None:
        start = time.perf_counter() + interval * n / pollers  # spread over the interval
        for k in range(rounds):
            await asyncio.sleep(max(0.0, start + k * interval - time.perf_counter()))
            started = time.perf_counter()
            answer = await client.get(url, headers=headers)
            times.append(time.perf_counter() - started)
            assert answer.status_code == (304 if etag else 200), answer.status_code

    await asyncio.gather(*(one(n) for n in range(pollers)))
    return times


async def load(base: str, key: str, form: dict, args: argparse.Namespace) -> dict:
    import httpx

    limits = httpx.Limits(max_connections=args.pollers, max_keepalive_connections=args.pollers)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120, limits=limits) as c:
        made = await c.post("/api/v1/videocreate", json=form)
        assert made.status_code == 200, made.text
        url = f"/api/v1/videoresult/{made.json()['job_id']}"
        etag = (await c.get(url)).headers["etag"]
        await burst(c, url, args.pollers, 1, None)  # open the connections
        p, r, every = args.pollers, args.rounds, args.interval
        a1 = await burst(c, url, p, r, None, every)
        b1 = await burst(c, url, p, r, etag, every)
        b2 = await burst(c, url, p, r, etag, every)
        a2 = await burst(c, url, p, r, None, every)
        at_once = await burst(c, url, p, 2, None)  # all 200 back to back: the worst case
        # estimated well over the threshold (1080p, 5 minutes, high): each is queued
        long = {**form, "width": 1920, "height": 1080, "quality": "high", "duration": 300}
        long["elements"] = [{**form["elements"][0], "duration": 300}]
        started = time.perf_counter()
        answers = await asyncio.gather(
            *(c.post("/api/v1/videocreate", json=long) for _ in range(args.creates))
        )
        create_wall = time.perf_counter() - started
    return {"a": (a1, a2), "b": (b1, b2), "answers": answers, "create_wall": create_wall,
            "at_once": at_once}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pollers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--creates", type=int, default=50)
    parser.add_argument("--interval", type=float, default=1.0, help="s between a poller's GETs")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--media", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.media)
        return 0
    sys.path[:0] = [str(SRC), str(TESTS)]
    from apikit import free_port, media_server
    from jobkit import clip

    load_before = loadavg()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "media").mkdir()
        source = clip(root / "media", 1.0, (96, 72))
        env = {**os.environ, "PYTHONPATH": str(SRC), "VIDGEN_HOME": str(root / "home"),
               "VIDGEN_OUT": str(root / "out"), "VIDGEN_BENCH_KEYS": "1"}  # fmt: skip
        with media_server(root) as media:
            port = free_port()
            server = subprocess.Popen(
                [sys.executable, __file__, "--serve", str(port), "--media", f"{media}/media/"],
                env=env, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            try:
                key = json.loads(server.stdout.readline())["key"]
                base = f"http://127.0.0.1:{port}"
                import httpx

                for _ in range(300):
                    try:
                        if httpx.get(base + "/health", timeout=2).status_code in (200, 503):
                            break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                form = {
                    "output_format": "mp4", "width": 160, "height": 90, "fps": 15,
                    "quality": "draft", "duration": 1,
                    "elements": [{"type": "video", "source_url": f"{media}/media/{source.name}",
                                  "fit_mode": "cover", "duration": 1}],
                }  # fmt: skip
                result = asyncio.run(_run(base, key, form, args, env))
            finally:
                server.terminate()
                server.wait(30)
                server.stdout.close()
    a = [t for part in result["a"] for t in part]
    b = [t for part in result["b"] for t in part]
    pairs = zip(result["a"], reversed(result["b"]), strict=True)
    ratios = [pct(b_, 0.95) / pct(a_, 0.95) for a_, b_ in pairs]
    at_once = result["at_once"]
    figures = {
        "benchmark": "api_load", "pollers": args.pollers, "rounds": args.rounds,
        "poll_p50_ms": round(1000 * statistics.median(a), 1),
        "poll_p95_ms": round(1000 * pct(a, 0.95), 1),
        "poll_304_p50_ms": round(1000 * statistics.median(b), 1),
        "poll_304_p95_ms": round(1000 * pct(b, 0.95), 1),
        "paired_ratio_p95_304_over_200": [round(r, 2) for r in ratios],
        "interval_s": args.interval,
        "back_to_back_p50_ms": round(1000 * statistics.median(at_once), 1),
        "back_to_back_p95_ms": round(1000 * pct(at_once, 0.95), 1),
        "creates": args.creates, **result["create"],
        "goal": "poll p95 <= 50 ms; every videocreate accepted (202), none lost, each once",
        "ok": pct(a, 0.95) <= 0.050 and result["create"]["all_accepted_once"],
        "loadavg": {"before": load_before, "after": loadavg()},
    }  # fmt: skip
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


async def _run(base: str, key: str, form: dict, args: argparse.Namespace, env: dict) -> dict:
    out = await load(base, key, form, args)
    codes = [answer.status_code for answer in out["answers"]]
    ids = [answer.json().get("job_id") for answer in out["answers"]]
    counted = _count_in_log(env, [i for i in ids if i])
    out["create"] = {
        "create_wall_s": round(out["create_wall"], 2), "create_statuses": sorted(set(codes)),
        "accepted": codes.count(202), "distinct_ids": len(set(ids)),
        "in_job_log_once": counted["jobs"], "owned_once": counted["owned"],
        "all_accepted_once": codes.count(202) == args.creates == len(set(ids))
        == counted["jobs"] == counted["owned"],
    }  # fmt: skip
    return out


def _count_in_log(env: dict, ids: list[str]) -> dict[str, int]:
    """How many of ``ids`` are exactly once in the server's job log and owners table."""
    script = (
        "import json, sys, sqlite3; from vidgen_desktop import paths\n"
        "ids = json.loads(sys.argv[1])\n"
        "db = sqlite3.connect(paths.data_dir() / 'jobs.sqlite3')\n"
        "def once(table, column):\n"
        "    rows = db.execute(f'SELECT {column}, count(*) FROM {table} GROUP BY {column}')\n"
        "    rows = rows.fetchall()\n"
        "    seen = {str(r[0]).replace('-', ''): r[1] for r in rows}\n"
        "    return sum(1 for i in ids if seen.get(i.replace('-', '')) == 1)\n"
        "owned = once('api_job_owners', 'job_id')\n"
        "print(json.dumps({'jobs': once('jobs', 'id'), 'owned': owned}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, json.dumps(ids)], env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
