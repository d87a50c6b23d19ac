"""A batch of 20 rows on two farm workers: every job completes, exactly once.

The farm as in ``test_farm_e2e.py`` (its fixtures): real PostgreSQL, moto's S3
server over HTTP as the stand-in for the team bucket, two ``vidgen worker``
processes, real FFmpeg. ``vidgen batch`` runs here, the designer's side.
"""

# ruff: noqa: F811 - the farm's fixtures, imported from test_farm_e2e, are the arguments

from __future__ import annotations

import csv
import json
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from jobkit import wait_for

from test_farm_e2e import (  # noqa: F401 - fixtures
    bucket,
    endpoint,
    outputs,
    pg_url,
    procrastinate_jobs,
    remote,
    team_env,
    template,
    workers,
)
from vidgen_desktop import cli
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import JobQuery, open_local

pytestmark = [pytest.mark.postgres, pytest.mark.render, pytest.mark.s3]


def test_twenty_rows_on_two_workers_complete_once_each(
    tmp_path, workers, remote, endpoint, bucket, pg_url, capsys
):
    Image.new("RGB", (16, 16), (200, 30, 30)).save(tmp_path / "logo.png")
    project = tmp_path / "card.json"
    project.write_text(json.dumps({
        "schema_version": 2, "name": "card",
        "output": {"width": 64, "height": 48, "fps": 5, "duration": 0.4, "quality": "draft"},
        "variables": {"who": {"type": "text", "default": "x"},
                      "logo": {"type": "image", "default": "logo.png"}},
        "elements": [{"id": "logo", "type": "image", "source": "{{logo}}"},
                     {"id": "who", "type": "text", "text": "Hi {{who}}"}],
    }))  # fmt: skip
    rows = tmp_path / "rows.csv"
    rows.write_text("who\n" + "".join(f"person{n}\n" for n in range(1, 21)))
    # not a stall test: a loaded machine's slow heartbeat must not count as a lost worker
    calm = {"VIDGEN_WORKER_STALL_TIMEOUT": "60", "VIDGEN_WORKER_HEARTBEAT": "1"}
    workers.start("a", **calm)
    workers.start("b", **calm)
    # both serving before the rows go out: on a loaded machine the first worker up could
    # otherwise take all twenty tiny renders before the second had started
    wait_for(lambda: all(f"worker {n} started" in workers.log(n) for n in "ab"), timeout=60)

    out = tmp_path / "out"
    status = cli.main(["batch", str(project), str(rows), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 0, err
    assert "20 job(s) to the farm" in err and "batch: 20/20 done (100%)" in err

    table = list(csv.DictReader((out / "batch.csv").read_text().splitlines()))
    assert [int(r["row"]) for r in table] == list(range(1, 21))
    assert {r["status"] for r in table} == {"completed"}
    ids = [r["job_id"] for r in table]
    assert len(set(ids)) == 20
    rendered_by = set()
    for entry in table:
        job = remote.jobs.get(entry["job_id"])
        assert (job.status, job.attempts) == (JobStatus.COMPLETED, 1), job.error_message
        assert job.batch_row["values"] == {"who": f"person{job.batch_row['row']}"}
        assert str(job.batch_id) == str(remote.jobs.get(ids[0]).batch_id)
        assert procrastinate_jobs(pg_url, job.id) == [("succeeded", 1)]
        assert outputs(endpoint, bucket, job.id) == [
            f"vidgen/outputs/{job.id}/card-{job.batch_row['row']:03d}.mp4"
        ]
        # the farm's render is downloaded into DIR, under a name of its own per job
        local = Path(entry["output"])
        assert local.parent == out and local.is_file(), entry["output"]
        assert local.name == f"card-{job.batch_row['row']:03d}-{job.id.hex[:8]}.mp4"
        assert local.read_bytes()[4:8] == b"ftyp"
        renders = [s for s in remote.timeline.steps(job.id) if s.step == "render"]
        assert [s.status for s in renders] == ["completed"]  # rendered once
        # the worker that took the row names itself in the job's steps (a 0.4 s render may
        # end before the FFmpeg-started note is written, so that note is not counted on)
        rendered_by |= {s.details.get("worker") for s in remote.timeline.steps(job.id)
                        if (s.details or {}).get("worker")}  # fmt: skip
    assert rendered_by == {"a", "b"}  # both workers took rows
    with urllib.request.urlopen(table[6]["share_link"], timeout=10) as response:
        assert response.read()[4:8] == b"ftyp"  # an MP4 behind the share link

    with open_local() as db:  # the laptop's log groups the batch, mirrored from the farm
        batch = db.jobs.get(ids[0]).batch_id
        mine = db.jobs.list(JobQuery(batch_id=batch, limit=None))
        assert len(mine) == 20 and {j.status for j in mine} == {JobStatus.COMPLETED}
        assert {j.route for j in mine} == {"remote"}
    assert len(list(Path(out).glob("*.mp4"))) == 20  # every farm render is here, once
