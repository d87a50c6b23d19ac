"""Which sources a farm worker reads: only the team storage's, or allow-listed URLs.

Pure checks against a local-folder storage and an S3 storage object (no
request is sent: building the client and naming keys needs no server).
"""

from __future__ import annotations

import pytest

from vidgen_desktop.jobs.errors import BadInput, FailureKind, classify
from vidgen_desktop.storage import LocalFolderStorage
from vidgen_desktop.storage.s3 import S3Storage
from vidgen_desktop.worker import sources
from vidgen_desktop.worker.metrics import Metrics

SHA = "a" * 64


@pytest.fixture(scope="module")
def s3():  # building a boto3 client takes ~0.7 s: once
    return S3Storage("team", endpoint_url="http://127.0.0.1:9", access_key_id="k",
                     secret_access_key="s", prefix="vidgen/")  # fmt: skip


def comp(*sources_: str) -> dict:
    return {"elements": [{"id": f"e{n}", "source": s} for n, s in enumerate(sources_)]
            + [{"id": "title", "type": "text", "text": "Hi"}]}  # fmt: skip


def test_team_storage_sources_are_planned_as_keys(s3, tmp_path):
    uri = f"s3://team/vidgen/sources/{SHA}/logo.png"
    assert sources.check(comp(uri), s3, []) == {"e0": ("storage", f"vidgen/sources/{SHA}/logo.png")}
    local = LocalFolderStorage(tmp_path / "shared", prefix="vidgen/")
    uri = local.uri(f"vidgen/sources/{SHA}/clip.mp4")
    assert uri.startswith("file://")
    assert sources.check(comp(uri), local, [])["e0"][0] == "storage"


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("/etc/passwd", "is a local path"),
        ("../../etc/passwd", "is a local path"),
        ("C:\\Windows\\win.ini", "is a local path"),
        ("file:///etc/passwd", "is a file: URL"),
        ("s3://other-team/vidgen/sources/" + SHA + "/x.mp4", "not in this worker's team storage"),
        ("s3://team/vidgen/outputs/job/x.mp4", "not in this worker's team storage"),
        ("s3://team/vidgen/sources/" + SHA + "/../../../secret", "not in this worker's"),
        ("s3://team/vidgen/sources/not-a-hash/x.mp4", "not in this worker's team storage"),
        ("https://cdn.example.com.evil.org/a.mp4", "not under an allowed prefix"),
        ("https://cdn.example.com/media/../private/a.mp4", "not under an allowed prefix"),
        ("https://user@cdn.example.com/media/a.mp4", "not under an allowed prefix"),
        ("http://cdn.example.com/media/a.mp4", "not under an allowed prefix"),
        ("https://cdn.example.com/mediaX/a.mp4", "not under an allowed prefix"),
    ],
)
def test_anything_else_is_refused_as_bad_input(s3, source, why):
    with pytest.raises(BadInput, match="renders only files from the team storage") as caught:
        sources.check(comp(source), s3, ["https://cdn.example.com/media", "file:///etc/"])
    assert why in str(caught.value) and "element 'e0'" in str(caught.value)
    failure = classify(caught.value)
    assert (failure.kind, failure.code, failure.retryable) == (
        FailureKind.BAD_INPUT,
        "source_refused",
        False,
    )


def test_allow_listed_urls_pass_and_every_refusal_is_named_at_once(s3):
    allowed = ["https://cdn.example.com/media", "file:///etc/"]  # file: entries are ignored
    assert sources.allowed_prefixes(allowed) == ["https://cdn.example.com/media"]
    ok = "https://CDN.example.com/media/spring/a.mp4"
    assert sources.check(comp(ok), s3, allowed) == {"e0": ("url", ok)}
    with pytest.raises(BadInput) as caught:
        sources.check(comp(ok, "/etc/shadow", "file:///etc/hosts"), s3, allowed)
    assert "'e1'" in str(caught.value) and "'e2'" in str(caught.value)
    assert "'e0'" not in str(caught.value)


def test_rewrite_points_planned_elements_at_local_files():
    data = comp("s3://team/x", "https://cdn/y")
    out = sources.rewrite(data, {"e0": "/cache/x"})
    assert [e.get("source") for e in out["elements"]] == ["/cache/x", "https://cdn/y", None]
    assert data["elements"][0]["source"] == "s3://team/x"  # the job's own copy is untouched


def test_metrics_text_is_prometheus_exposition():
    metrics = Metrics()
    metrics.count("completed", 3.0)
    metrics.count("failed_attempt", 0.5, kind="transient")
    text = metrics.text()
    assert 'vidgen_jobs_total{status="completed"} 1' in text
    assert 'vidgen_job_failures_total{kind="transient"} 1' in text
    assert 'vidgen_job_duration_seconds_bucket{le="1"} 1' in text
    assert 'vidgen_job_duration_seconds_bucket{le="+Inf"} 2' in text
    assert "vidgen_job_duration_seconds_count 2" in text and text.endswith("\n")


def test_heartbeats_keep_an_hour_of_history_not_forever(tmp_path):
    import datetime as dt

    from vidgen_desktop.store import open_local
    from vidgen_desktop.worker import metrics as worker_metrics

    with open_local(tmp_path / "team.sqlite3") as db:  # the same repository as on PostgreSQL
        old = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=worker_metrics.HEARTBEAT_KEEP + 60)
        for n in range(5):
            db.metrics.put(worker_metrics.HEARTBEAT, 0, at=old - dt.timedelta(seconds=n))
        counters = worker_metrics.Metrics()
        worker_metrics.beat(db, counters, "w1")
        rows = db.metrics.history(worker_metrics.HEARTBEAT, limit=None)
        assert len(rows) == 1 and rows[0].details["worker"] == "w1"
        ok, why = worker_metrics.fresh(db, max_age=5)
        assert ok, why
