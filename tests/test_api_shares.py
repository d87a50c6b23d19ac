"""Tracked links of a key owner's jobs, and renders the editor sends, under a real uvicorn.

The editor's client (``api.client.ShareServer``) talks to ``vidgen serve``'s
app on 127.0.0.1; each link is fetched over HTTP with no key, as anyone
given it would.
"""

from __future__ import annotations

import os
import uuid

import httpx
import pytest

from apikit import api_server
from vidgen_desktop import config
from vidgen_desktop.api.client import ServerRefused, ServerUnreachable, ShareServer
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store.api_keys import ApiKeys

RENDER = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 4000  # ~1 MB: over the JSON limit


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("shares")
    old = os.environ.get("VIDGEN_HOME")
    os.environ["VIDGEN_HOME"] = str(root / "server-home")
    settings = config.Settings(output_folder=str(root / "out"))
    settings.api.link_expiry = 7 * 86400
    with api_server(settings) as (base, state):
        keys = ApiKeys(state.db)
        yield {"base": base, "state": state, "root": root,
               "alice": keys.create("alice").key, "bob": keys.create("bob").key}  # fmt: skip
    if old is None:
        os.environ.pop("VIDGEN_HOME", None)
    else:
        os.environ["VIDGEN_HOME"] = old


def render_file(env, name: str = "promo.mp4", data: bytes = RENDER):
    path = env["root"] / f"{uuid.uuid4().hex[:6]}-{name}"
    path.write_bytes(data)
    return path


def test_a_desktop_render_is_sent_once_shared_opened_and_revoked_to_410(env) -> None:
    alice = ShareServer(env["base"], env["alice"])
    job_id, path = uuid.uuid4(), render_file(env)
    made = alice.share(job_id, expires_in=3600, output=path, project="Promo")
    assert made.uploaded and made.url.startswith(env["base"] + "/s/")
    left = (made.link.expires_at - made.link.created_at).total_seconds()
    assert left == pytest.approx(3600, abs=2) and made.link.state == "active"
    fetched = httpx.get(made.url, headers={"User-Agent": "reviewer/1.0"}, timeout=30)
    assert fetched.status_code == 200 and fetched.content == RENDER

    again = alice.share(job_id, expires_in=86400, output=path)  # the server has it now
    assert not again.uploaded and again.url != made.url
    [first, second] = alice.links(job_id)
    assert (first.id, first.opened, first.state) == (made.link.id, 1, "active")
    assert first.accesses[0].user_agent == "reviewer/1.0" and first.shown.endswith("…")
    assert made.url.rsplit("/", 1)[1] not in (first.shown or "")  # the token is never listed
    assert second.opened == 0

    revoked = alice.revoke(made.link.id)
    assert revoked.state == "revoked" and revoked.revoked_at is not None
    gone = httpx.get(made.url, timeout=30)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "gone"
    assert httpx.get(again.url, timeout=30).status_code == 200  # the other link still works
    first = alice.links(job_id)[0]
    assert first.state == "revoked" and [a.action for a in first.accesses] == ["opened", "refused"]
    job = env["state"].db.jobs.get(job_id)
    assert str(job.status) == "completed" and job.project_name == "Promo"


def test_a_key_shares_lists_and_revokes_only_its_owners_jobs(env) -> None:
    alice = ShareServer(env["base"], env["alice"])
    bob = ShareServer(env["base"], env["bob"])
    job_id, path = uuid.uuid4(), render_file(env)
    made = alice.share(job_id, expires_in=3600, output=path)
    asked = httpx.post(f"{env['base']}/api/v1/jobs/{job_id}/share", json={}, timeout=30,
                       headers={"Authorization": f"Bearer {env['bob']}"})  # fmt: skip
    assert asked.status_code == 404
    with pytest.raises(ServerRefused) as refused:
        bob.share(job_id, expires_in=3600, output=path)  # the same bytes: still alice's job
    assert refused.value.status == 404
    assert bob.links(job_id) == []
    with pytest.raises(ServerRefused) as refused:
        bob.revoke(made.link.id)
    assert refused.value.status == 404
    assert httpx.get(made.url, timeout=30).status_code == 200


def test_a_job_of_the_servers_own_log_is_claimed_only_with_its_own_bytes(env) -> None:
    db = env["state"].db
    output = render_file(env, "local.mp4", RENDER[::-1])
    job = db.jobs.create(Composition(name="same log"), status=JobStatus.PENDING)
    db.jobs.transition(job.id, JobStatus.PROCESSING)
    db.jobs.transition(job.id, JobStatus.COMPLETED, output_path=str(output))
    bob = ShareServer(env["base"], env["bob"])
    with pytest.raises(ServerRefused) as refused:
        bob.share(job.id, expires_in=3600, output=render_file(env, "other.mp4"))
    assert refused.value.status == 404
    made = bob.share(job.id, expires_in=3600, output=output)
    assert httpx.get(made.url, timeout=30).content == RENDER[::-1]


def test_bad_sends_and_expiries_get_one_line_errors(env) -> None:
    headers = {"Authorization": f"Bearer {env['alice']}"}
    with httpx.Client(base_url=env["base"], headers=headers, timeout=30) as http:
        job_id = uuid.uuid4()
        wrong = http.put(f"/api/v1/jobs/{job_id}/output", params={"sha256": "0" * 64},
                         content=iter([b"abc"]))  # fmt: skip
        assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "sha256_mismatch"
        assert http.post(f"/api/v1/jobs/{job_id}/share", json={}).status_code == 404
        sent = http.put(f"/api/v1/jobs/{job_id}/output", params={"name": "../../x.mp4"},
                        content=iter([b"abc"]))  # fmt: skip
        assert sent.status_code == 201
        stored = env["state"].db.jobs.get(job_id).output_path
        assert stored.endswith(f"shared/{job_id}/x.mp4")
        long = http.post(f"/api/v1/jobs/{job_id}/share", json={"expires_in": 30 * 86400})
        assert long.status_code == 422 and "at most 604800 s" in long.json()["error"]["message"]
        assert http.post("/api/v1/shares/nope/revoke").status_code == 422
        nobody = httpx.post(f"{env['base']}/api/v1/jobs/{job_id}/share", json={}, timeout=30)
        assert nobody.status_code == 401


def test_an_unreachable_server_is_one_line_without_the_key(env) -> None:
    from apikit import free_port

    secret = "vg_do-not-print-this-key"
    down = ShareServer(f"http://127.0.0.1:{free_port()}", secret)
    with pytest.raises(ServerUnreachable) as error:
        down.links(uuid.uuid4())
    assert "is not answering" in str(error.value) and "\n" not in str(error.value)
    assert secret not in str(error.value) and secret not in repr(down)
