"""The HTTP API under a real uvicorn on 127.0.0.1, with httpx, real FFmpeg and a real SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from apikit import api_server, media_server
from jobkit import clip
from vidgen_desktop import config
from vidgen_desktop.api.limits import Buckets, client_address
from vidgen_desktop.media import probe
from vidgen_desktop.store.api_keys import ApiKeys

pytestmark = pytest.mark.render

REPO = Path(__file__).resolve().parents[1]


def element_form(url: str, seconds: float = 1.0) -> dict:
    return {
        "output_format": "mp4",
        "width": 160,
        "height": 90,
        "fps": 15,
        "quality": "draft",
        "background": "#203040",
        "duration": seconds,
        "elements": [
            {
                "type": "video",
                "source_url": url,
                "element_order": 0,
                "track": 0,
                "x_position": "10%",
                "y_position": "10%",
                "width": "80%",
                "height": "80%",
                "fit_mode": "contain",
                "start_time": 0,
                "duration": seconds,
            }
        ],
    }


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    old = os.environ.get("VIDGEN_HOME")
    os.environ["VIDGEN_HOME"] = str(root / "home")
    media = root / "media"
    (media / "media").mkdir(parents=True)
    (media / "secret").mkdir()
    source = clip(media / "media", 2.0, (96, 72))
    (media / "secret" / source.name).write_bytes(source.read_bytes())
    with media_server(media) as media_url:
        settings = config.Settings(route_threshold=30, output_folder=str(root / "out"))
        settings.api.allowed_source_prefixes = [f"{media_url}/media/"]
        with api_server(settings) as (base, state):
            keys = ApiKeys(state.db)
            a, b = keys.create("alice").key, keys.create("bob").key
            yield {
                "base": base,
                "state": state,
                "root": root,
                "media": f"{media_url}/media/{source.name}",
                "secret": f"{media_url}/secret/{source.name}",
                "a": a,
                "b": b,
            }
    if old is None:
        os.environ.pop("VIDGEN_HOME", None)
    else:
        os.environ["VIDGEN_HOME"] = old


def client(env, key="a") -> httpx.Client:
    headers = {"Authorization": f"Bearer {env[key]}"} if key else {}
    return httpx.Client(base_url=env["base"], headers=headers, timeout=120)


def middle_frame(path: Path) -> np.ndarray:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    assert frames, f"{path} has no frames"
    return frames[len(frames) // 2]


def test_short_render_answers_200_with_a_url_that_fetches_a_playable_file(env) -> None:
    with client(env) as http:
        answer = http.post("/api/v1/videocreate", json=element_form(env["media"]))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status"] == "completed" and body["processing_time"] > 0
        video = httpx.get(body["video_url"], timeout=30)  # no key: a share link
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    out = env["root"] / "fetched.mp4"
    out.write_bytes(video.content)
    info = probe.probe(out)
    assert (info.width, info.height, info.has_video) == (160, 90, True)
    assert info.duration == pytest.approx(1.0, abs=0.1)


def test_long_render_is_queued_and_polling_and_sse_reach_completed(env) -> None:
    state = env["state"]
    state.service.threshold = 0.0  # every estimate is longer: queued
    try:
        with client(env) as http:
            answer = http.post("/api/v1/videocreate", json=element_form(env["media"], 1.5))
        assert answer.status_code == 202, answer.text
        body = answer.json()
        assert body["status"] == "queued" and body["status_url"].endswith(body["job_id"])
        seen = []
        with client(env) as http, http.stream("GET", body["status_url"] + "/events") as events:
            assert events.headers["content-type"].startswith("text/event-stream")
            for line in events.iter_lines():
                if line.startswith("data: "):
                    seen.append(json.loads(line[6:]))
                    if seen[-1]["status"] in ("completed", "failed"):
                        break
        assert seen[-1]["status"] == "completed" and seen[-1]["progress"] == 100.0
        assert seen[-1]["video_url"]
        with client(env) as http:
            first = http.get(body["status_url"])
            assert first.status_code == 200 and first.json()["status"] == "completed"
            again = http.get(body["status_url"], headers={"If-None-Match": first.headers["etag"]})
            assert again.status_code == 304
            listed = http.get("/api/v1/jobs", params={"status": "completed"}).json()
        assert body["job_id"] in [job["job_id"] for job in listed["jobs"]]
    finally:
        state.service.threshold = 30.0


def test_the_element_form_renders_the_same_pixels_as_the_project_file(env, tmp_path) -> None:
    form = element_form(env["media"])
    with client(env) as http:
        body = http.post("/api/v1/videocreate", json=form).json()
        served = tmp_path / "served.mp4"
        served.write_bytes(httpx.get(body["video_url"], timeout=30).content)
    local = Path(env["media"].split("/media/", 1)[0])  # not a path: find the file instead
    source = next((env["root"] / "media" / "media").glob("*.mp4"))
    assert local
    project = {
        "schema_version": 2,
        "name": "same",
        "output": {
            "width": 160,
            "height": 90,
            "fps": 15,
            "quality": "draft",
            "format": "mp4",
            "background": "#203040",
            "duration": 1.0,
        },
        "elements": [
            {
                "type": "video",
                "id": "clip",
                "source": str(source),
                "x": "10%",
                "y": "10%",
                "width": "80%",
                "height": "80%",
                "fit": "contain",
                "start": 0,
                "duration": 1.0,
            }
        ],
    }
    path = tmp_path / "same.json"
    path.write_text(json.dumps(project))
    rendered = tmp_path / "rendered.mp4"
    subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", "render", str(path), "-o", str(rendered)],
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        capture_output=True,
    )
    a, b = middle_frame(served), middle_frame(rendered)
    assert a.shape == b.shape == (90, 160, 3)
    assert np.array_equal(a, b)
    assert abs(int(a[5, 5, 0]) - 0x40) <= 3  # the margin shows the background (BGR: blue 0x40)


def test_each_error_answers_its_status(env) -> None:
    with client(env, key=None) as anonymous:
        assert anonymous.post("/api/v1/videocreate", json={}).status_code == 401
        assert anonymous.get("/health").status_code == 200
        assert "vidgen_api_requests_total" in anonymous.get("/metrics").text
    with client(env) as http:
        big = http.post(
            "/api/v1/videocreate",
            content=b"{" + b" " * 1_100_000 + b"}",
            headers={"Content-Type": "application/json"},
        )
        assert big.status_code == 413
        malformed = http.post(
            "/api/v1/videocreate",
            content=b'{"elements": [',
            headers={"Content-Type": "application/json"},
        )
        assert (
            malformed.status_code == 400 and malformed.json()["error"]["code"] == "malformed_json"
        )
        form = element_form(env["media"])
        form["elements"][0]["id"] = "logo"
        form["elements"][0]["width"] = "wide"
        invalid = http.post("/api/v1/videocreate", json=form)
        assert invalid.status_code == 422
        first = invalid.json()["errors"][0]
        assert (first["element"], first["field"]) == ("logo", "width")
        assert first["message"].startswith("element 'logo': width")
        assert http.get("/api/v1/videoresult/not-a-uuid").status_code == 422
        missing = http.get("/api/v1/videoresult/00000000-0000-4000-8000-000000000000")
        assert missing.status_code == 404
        assert http.get("/api/v1/jobs", params={"status": "done"}).status_code == 422
    state = env["state"]
    kept = state.buckets
    state.buckets = Buckets(rate=0.01, burst=2)  # the settings' limit, made tiny
    try:
        with client(env) as http:
            codes = [http.get("/api/v1/jobs").status_code for _ in range(3)]
            limited = http.get("/api/v1/jobs")
        assert codes[:2] == [200, 200] and limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
    finally:
        state.buckets = kept


def test_a_key_cannot_read_another_keys_job(env) -> None:
    with client(env, "a") as alice, client(env, "b") as bob:
        job_id = alice.post("/api/v1/videocreate", json=element_form(env["media"])).json()["job_id"]
        assert alice.get(f"/api/v1/videoresult/{job_id}").status_code == 200
        assert bob.get(f"/api/v1/videoresult/{job_id}").status_code == 404
        assert bob.post(f"/api/v1/jobs/{job_id}/retry").status_code == 404
        assert job_id not in [j["job_id"] for j in bob.get("/api/v1/jobs").json()["jobs"]]
        revoked = ApiKeys(env["state"].db)
        revoked.revoke(revoked.find("bob").id)
        deadline = time.monotonic() + 10  # the server trusts a key it saw for 2 s
        while bob.get("/api/v1/jobs").status_code != 401:
            assert time.monotonic() < deadline, "a revoked key still works"
            time.sleep(0.2)


def test_a_revoked_link_gives_410_and_its_accesses_are_logged(env) -> None:
    with client(env) as http:
        body = http.post("/api/v1/videocreate", json=element_form(env["media"])).json()
    url = body["video_url"]
    for agent in ("first-player", "second-player"):
        assert (
            httpx.get(
                url, headers={"User-Agent": agent, "Referer": "https://example.com/p"}
            ).status_code
            == 200
        )
    done = subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", "share", "revoke", url],
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    gone = httpx.get(url)
    assert gone.status_code == 410
    links = env["state"].links
    link = links.find(url)
    accesses = links.accesses(link.id)
    assert [a.action for a in accesses] == ["opened", "opened", "refused"]
    assert [a.details["user_agent"] for a in accesses[:2]] == ["first-player", "second-player"]
    assert accesses[0].details["referrer"] == "https://example.com/p"
    hashed = accesses[0].details["client_hash"]
    assert hashed and "127.0.0.1" not in json.dumps([a.details for a in accesses])
    actions = [a.action for a in env["state"].db.audit.trail(link.job_id)]
    assert "shared" in actions and "link_revoked" in actions


def test_a_source_url_to_loopback_is_refused(env) -> None:
    with client(env) as http:
        refused = http.post("/api/v1/videocreate", json=element_form(env["secret"]))
        metadata = http.post(
            "/api/v1/videocreate",
            json=element_form("http://169.254.169.254/latest/meta-data/x.mp4"),
        )
        path = element_form(env["media"])
        path["elements"][0]["source_url"] = "/etc/passwd"
        local = http.post("/api/v1/videocreate", json=path)
    assert refused.status_code == 422
    assert "non-public address (127.0.0.1)" in refused.json()["error"]["message"]
    assert refused.json()["errors"][0]["element"] == "element-1"
    assert metadata.status_code == 422 and "169.254.169.254" in metadata.json()["error"]["message"]
    assert local.status_code == 422 and "http(s) URL" in local.json()["error"]["message"]


def test_health_says_which_part_is_down(env) -> None:
    state = env["state"]
    with client(env, key=None) as http:
        healthy = http.get("/health").json()
        assert healthy["status"] == "ok" and healthy["database"]["state"] == "up"
        state.queue.stop(wait=True)
        try:
            down = http.get("/health")
        finally:
            state.queue.start()
    assert down.status_code == 503 and down.json()["queue"]["state"] == "down"


def test_forwarded_for_is_read_only_from_trusted_proxies() -> None:
    assert client_address("127.0.0.1", "203.0.113.9", []) == "127.0.0.1"
    assert client_address("10.0.0.2", "203.0.113.9, 10.0.0.7", ["10.0.0.0/8"]) == "203.0.113.9"
    assert client_address("198.51.100.1", "203.0.113.9", ["10.0.0.0/8"]) == "198.51.100.1"
