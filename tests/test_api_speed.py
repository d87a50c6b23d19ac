"""What makes a poll cheap must not make it wrong: ETags from the job's stamp, kept records,
cached keys, and `vidgen serve --no-queue` with `vidgen queue run` rendering elsewhere.

Real uvicorn on 127.0.0.1, real SQLite, httpx; the speed itself is measured by
benchmarks/api_load.py, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from apikit import api_server, free_port, media_server
from jobkit import clip
from vidgen_desktop import config, store
from vidgen_desktop.api.server import KEY_CACHE
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store.api_keys import ApiKeys

pytestmark = pytest.mark.render  # the fixture makes its source clip with FFmpeg

REPO = Path(__file__).resolve().parents[1]


def form(url: str, seconds: float = 1.0) -> dict:
    return {
        "output_format": "mp4", "width": 160, "height": 90, "fps": 15, "quality": "draft",
        "duration": seconds,
        "elements": [{"type": "video", "source_url": url, "fit_mode": "cover",
                      "duration": seconds}],
    }  # fmt: skip


@pytest.fixture
def queued(tmp_path, monkeypatch):
    """A server that queues every job and renders none (as `vidgen serve --no-queue`)."""
    monkeypatch.setenv("VIDGEN_HOME", str(tmp_path / "home"))
    (tmp_path / "media").mkdir()
    source = clip(tmp_path / "media", 1.0, (96, 72))
    with media_server(tmp_path) as media:
        settings = config.Settings(route_threshold=0, output_folder=str(tmp_path / "out"))
        settings.api.allowed_source_prefixes = [f"{media}/media/"]
        with api_server(settings, run_queue=False) as (base, state):
            key = ApiKeys(state.db).create("poller").key
            http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"})
            with http:
                made = http.post("/api/v1/videocreate", json=form(f"{media}/media/{source.name}"))
                assert made.status_code == 202, made.text
                yield http, state, made.json()["job_id"], key


def test_a_poll_is_304_while_the_job_is_unchanged_and_200_once_another_writer_changed_it(
    queued,
) -> None:
    http, state, job_id, _ = queued
    url = f"/api/v1/videoresult/{job_id}"
    first = http.get(url)
    assert first.status_code == 200 and first.json()["status"] == "queued"
    tag = first.headers["etag"]
    assert http.get(url).headers["etag"] == tag  # the same job, the same tag
    again = http.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.headers["etag"] == tag and not again.content
    # another connection to the log (as `vidgen jobs cancel` in another process would)
    other = store.open_local()
    try:
        other.jobs.transition(job_id, JobStatus.CANCELLED)
    finally:
        other.close()
    changed = http.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.json()["status"] == "cancelled"
    assert changed.headers["etag"] != tag
    assert http.get(url, headers={"If-None-Match": changed.headers["etag"]}).status_code == 304
    # a tag among several, and the tags of other jobs, as RFC 9110 lists them
    listed = http.get(url, headers={"If-None-Match": f'"x", {changed.headers["etag"]}'})
    assert listed.status_code == 304
    assert http.get(url, headers={"If-None-Match": tag}).status_code == 200


def test_a_cancel_through_the_api_is_seen_by_the_next_poll(queued) -> None:
    http, _, job_id, _ = queued
    url = f"/api/v1/videoresult/{job_id}"
    tag = http.get(url).headers["etag"]
    assert http.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 200
    seen = http.get(url, headers={"If-None-Match": tag})
    assert seen.status_code == 200 and seen.json()["status"] == "cancelled"
    missing = http.get("/api/v1/videoresult/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404


def test_a_revoked_key_stops_working_within_the_cache_bound(queued) -> None:
    http, state, job_id, key = queued
    url = f"/api/v1/videoresult/{job_id}"
    assert http.get(url).status_code == 200  # the key is now remembered
    keys = ApiKeys(state.db)
    keys.revoke(keys.find("poller").id)
    time.sleep(KEY_CACHE + 0.2)
    refused = http.get(url)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"


def test_serve_no_queue_leaves_renders_to_vidgen_queue_run_and_its_pollers_see_them(
    tmp_path,
) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "VIDGEN_HOME": str(home),
           "VIDGEN_THRESHOLD": "0"}  # fmt: skip
    vidgen = [sys.executable, "-m", "vidgen_desktop"]
    (tmp_path / "media").mkdir()
    source = clip(tmp_path / "media", 1.0, (96, 72))
    with media_server(tmp_path) as media:
        (home / "data").mkdir(parents=True)
        settings = {"output_folder": str(tmp_path / "out"),
                    "api": {"allowed_source_prefixes": [f"{media}/media/"]}}  # fmt: skip
        (home / "data" / "settings.json").write_text(json.dumps(settings))
        made_key = subprocess.run([*vidgen, "api-key", "create", "--name", "t"], env=env,
                                  capture_output=True, text=True, check=True)  # fmt: skip
        key = made_key.stdout.split()[0]
        port = free_port()
        log = (tmp_path / "serve.log").open("w")
        server = subprocess.Popen(
            [*vidgen, "serve", "--port", str(port), "--no-queue"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            api = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    health = httpx.get(api + "/health", timeout=2)
                    break
                except httpx.HTTPError:
                    assert time.monotonic() < deadline and server.poll() is None
                    time.sleep(0.2)
            assert health.status_code == 200, health.text
            assert "vidgen queue run" in health.json()["queue"]["detail"]
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=api, headers=headers, timeout=60) as http:
                made = http.post("/api/v1/videocreate", json=form(f"{media}/media/{source.name}"))
                assert made.status_code == 202, made.text
                url = f"/api/v1/videoresult/{made.json()['job_id']}"
                time.sleep(1.0)  # nothing here renders it
                first = http.get(url)
                assert first.json()["status"] == "queued"
                tag = first.headers["etag"]
                ran = subprocess.run([*vidgen, "queue", "run"], env=env, capture_output=True,
                                     text=True, timeout=300)  # fmt: skip
                assert ran.returncode == 0, ran.stderr
                done = http.get(url, headers={"If-None-Match": tag})
                assert done.status_code == 200, done.status_code
                body = done.json()
                assert body["status"] == "completed" and body["progress"] == 100.0
                assert httpx.get(body["video_url"], timeout=30).status_code == 200
                again = http.get(url, headers={"If-None-Match": done.headers["etag"]})
                assert again.status_code == 304
        finally:
            server.terminate()
            server.wait(30)
            log.close()
    served = (tmp_path / "serve.log").read_text()
    assert "GET /api/v1/videoresult" not in served, served  # no line per request by default
