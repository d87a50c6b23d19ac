"""A designer's laptop and the team's farm, end to end, through the ``vidgen`` command.

Real PostgreSQL (a fresh database per test), moto's S3 server over real HTTP
as the stand-in for the team bucket, real FFmpeg, two ``vidgen worker``
processes on homes of their own, and the laptop as ``vidgen`` commands on a
third home: a short render made on the laptop and a long one made by the farm
both get share links that serve the file over HTTP, the farm's render lands
in the laptop's output folder, ``vidgen jobs watch`` follows the farm job to
its end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import uuid

import pytest

from jobkit import clip, composition, save, slow_composition
from test_farm_e2e import (
    bucket,
    endpoint,
    pg_url,
    remote,
    s3,
    team_env,
    template,
    wait_status,
    workers,
)
from vidgen_desktop.jobs.states import JobStatus

pytestmark = [pytest.mark.postgres, pytest.mark.render, pytest.mark.s3]
__all__ = ["bucket", "endpoint", "pg_url", "remote", "team_env", "template", "workers"]  # fixtures


@pytest.fixture
def laptop(tmp_path, team_env):
    """``vidgen …`` as the designer runs it: a home and an output folder of its own."""
    env = {**os.environ, "VIDGEN_HOME": str(tmp_path / "laptop"),
           "VIDGEN_OUTPUT_DIR": str(tmp_path / "laptop-videos")}  # fmt: skip

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "vidgen_desktop", *args], env=env, capture_output=True,
            text=True, timeout=timeout,
        )  # fmt: skip

    run.env = env  # type: ignore[attr-defined]
    return run


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args}: {result.stderr}"
    return result.stdout


def test_a_laptop_shares_both_renders_and_gets_the_farms_output(
    tmp_path, laptop, workers, endpoint, bucket, remote
):
    source = clip(tmp_path, 1.0)
    short_project = save(composition(source, name="teaser", seconds=1.0), tmp_path / "teaser.json")
    long_project = save(slow_composition(tmp_path, name="promo", seconds=10.0),
                        tmp_path / "promo.json")  # fmt: skip

    short = json.loads(ok(laptop("submit", str(short_project), "--threshold", "3600", "--json")))
    assert short["status"] == "completed"  # rendered here, now
    farm = json.loads(ok(laptop("submit", str(long_project), "--threshold", "0", "--json")))
    assert farm["status"] == "processing"  # the farm's
    job_id = uuid.UUID(farm["job_id"])

    # The watch is up before any worker is: it sees the job wait, run and end.
    watch = subprocess.Popen(
        [sys.executable, "-m", "vidgen_desktop", "jobs", "watch", str(job_id)],
        env=laptop.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    first = watch.stdout.readline()
    assert first.startswith(f"{job_id.hex[:8]} queued"), first
    workers.start("a")
    workers.start("b")
    rest, errors = watch.communicate(timeout=240)
    assert watch.returncode == 0, errors  # the job's own status: completed
    lines = [first.rstrip("\n"), *rest.splitlines()]  # not a terminal: one line per change
    assert len(lines) > 2 and all(a != b for a, b in zip(lines, lines[1:], strict=False))
    assert any(" processing " in ln and " render " in ln and "%" in ln for ln in lines), lines
    assert lines[-1].startswith(f"{job_id.hex[:8]} completed")

    # The farm's render is in the laptop's output folder, under a name of its own.
    shown = ok(laptop("jobs", "show", str(job_id)))
    fields = dict(ln.split(None, 1) for ln in shown.splitlines() if ln and not ln[0].isspace()
                  and " " in ln)  # fmt: skip
    local = tmp_path / "laptop-videos" / f"promo-{job_id.hex[:8]}.mp4"
    assert fields["output_path"] == str(local) and local.is_file()
    key = f"vidgen/outputs/{job_id}/promo.mp4"
    stored = s3(endpoint).get_object(Bucket=bucket, Key=key)["Body"].read()
    assert local.read_bytes() == stored
    assert fields["output_url"].startswith(f"{endpoint}/{bucket}/{key}?")  # the link, as text

    # Share both: the farm's is linked where it is, the laptop's goes up once.
    farm_share = json.loads(ok(laptop("share", str(job_id), "--expires", "1h", "--json")))
    assert farm_share["uploaded"] is False and "X-Amz-Expires=3600" in farm_share["url"]
    assert fetch(farm_share["url"]) == stored
    first = json.loads(ok(laptop("share", short["job_id"], "--expires", "1d", "--json")))
    again = json.loads(ok(laptop("share", short["job_id"], "--expires", "7d", "--json")))
    assert (first["uploaded"], again["uploaded"]) == (True, False)
    with open(short["result"], "rb") as made_here:
        assert fetch(first["url"]) == fetch(again["url"]) == made_here.read()
    details = ok(laptop("jobs", "show", short["job_id"]))
    assert details.count("expires ") == 2 and "shares:" in details
    assert not short["result"].startswith("file:")

    # The team's view, the relay both ways, and each worker's own health.
    assert str(job_id) in ok(laptop("jobs", "list", "--team"))
    # A farm job nobody watched: `relay --once` pulls it and brings its render here.
    unwatched = save(composition(source, name="cutdown", seconds=1.0), tmp_path / "cutdown.json")
    quiet = json.loads(ok(laptop("submit", str(unwatched), "--threshold", "0", "--json")))
    assert wait_status(remote, uuid.UUID(quiet["job_id"]), JobStatus.COMPLETED).status.value
    relayed = ok(laptop("backend", "relay", "--once"))
    assert "pulled 1 farm job(s), 1 render(s) downloaded" in relayed, relayed
    assert (tmp_path / "laptop-videos" / f"cutdown-{quiet['job_id'][:8]}.mp4").is_file()
    assert laptop("worker", "--health", "--name", "a").returncode == 0
    ghost = laptop("worker", "--health", "--name", "ghost")
    assert ghost.returncode == 1 and "no heartbeat from a worker named 'ghost'" in ghost.stderr

    # Cancel and retry a farm job from the command line: the farm's, not `vidgen queue run`'s.
    endless = save(slow_composition(tmp_path, name="endless", seconds=600.0),
                   tmp_path / "endless.json")  # fmt: skip
    other = json.loads(ok(laptop("submit", str(endless), "--threshold", "0", "--json")))
    assert "cancelled" in ok(laptop("jobs", "cancel", other["job_id"]))
    retried = ok(laptop("jobs", "retry", other["job_id"]))
    assert "queued again on the render farm" in retried and "queue run" not in retried
    ok(laptop("jobs", "cancel", other["job_id"]))
