"""The local-folder backend (the default) and the job log's storage tables.

Same flows as the S3 tests, on a real folder and a real SQLite job log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import urllib.request
import uuid
from pathlib import Path

import pytest

from vidgen_desktop import files, storage
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.config import Settings
from vidgen_desktop.storage import (
    InvalidKey,
    LocalFolderStorage,
    MemoryRecorder,
    ObjectMissing,
    StorageError,
)
from vidgen_desktop.store import open_local


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("VIDGEN_HOME", str(tmp_path / "home"))


@pytest.fixture
def db(tmp_path):
    with open_local(tmp_path / "jobs.sqlite3") as database:
        yield database


@pytest.fixture
def job(db):
    return db.jobs.create(Composition.from_data({"name": "Spring promo"}))


@pytest.fixture
def folder(tmp_path, db, job):
    return LocalFolderStorage(tmp_path / "store", recorder=db.storage_log.recorder(job.id))


def media(folder: Path, name: str, size: int, seed: int = 1) -> Path:
    path = folder / name
    block = hashlib.sha256(f"{seed}".encode()).digest() * 4096
    path.write_bytes((block * (size // len(block) + 1))[:size])
    return path


def test_upload_source_copies_once_by_content_with_progress(folder, db, job, tmp_path):
    source = media(tmp_path, "Logo – final.png", 3 * 1024 * 1024 + 7)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    ticks: list[tuple[int, int]] = []
    one = folder.upload_source(source, progress=lambda d, t: ticks.append((d, t)))
    assert one.key == f"sources/{sha}/Logo-final.png" and one.uploaded
    assert folder.path(one.key).read_bytes() == source.read_bytes()
    assert one.uri == folder.path(one.key).as_uri()
    assert len(ticks) > 1 and ticks[-1] == (source.stat().st_size,) * 2
    two = folder.upload_source(source)
    assert two.key == one.key and not two.uploaded
    assert not [p for p in folder.root.rglob("*") if files.is_partial(p)]  # no temporary left
    ops = db.storage_log.operations(job.id)
    assert [(o.operation, o.backend, o.status) for o in ops] == [
        ("upload", "local", "completed")
    ] * 2
    assert [o.details.get("skipped") for o in ops] == [None, "already stored"]
    assert ops[0].size_bytes == source.stat().st_size and ops[0].bucket is None


def test_output_download_link_and_delete(folder, db, job, tmp_path):
    source = media(tmp_path, "final cut.mp4", 5000)
    out = folder.upload_output(source, job.id)
    assert out.key == f"outputs/{job.id}/final-cut.mp4"
    assert folder.download(out.key) == folder.path(out.key)
    copy = folder.download(out.key, tmp_path / "elsewhere" / "cut.mp4")
    assert copy.read_bytes() == source.read_bytes()

    link = folder.share_link(out.key, client="desktop")
    assert (link.mode, link.expires_at) == ("file", None)
    with urllib.request.urlopen(link.url) as response:  # a file: URL anyone here can open
        assert response.read() == source.read_bytes()
    # a copy of the link is logged by the queue panel (test_ui_render), not by the storage
    assert [(r.action, r.url) for r in db.storage_log.links(job.id)] == [("created", link.url)]

    assert folder.exists(out.key) and folder.delete(out.key)
    assert not folder.exists(out.key) and not folder.delete(out.key)
    assert not (folder.root / "outputs").exists()  # empty folders tidied away
    kinds = [o.operation for o in db.storage_log.operations(job.id)]
    assert kinds == ["upload", "download", "download", "link", "delete", "delete"]


def test_missing_things_fail_clearly_and_are_logged(folder, db, job, tmp_path):
    with pytest.raises(ObjectMissing, match="ghost.mp4 is not in the storage"):
        folder.download("outputs/x/ghost.mp4")
    with pytest.raises(ObjectMissing):
        folder.share_link("outputs/x/ghost.mp4")
    with pytest.raises(StorageError, match="nothing.png cannot be read"):
        folder.upload_source(tmp_path / "nothing.png")
    ops = db.storage_log.operations(job.id)
    assert [(o.operation, o.status) for o in ops] == [("download", "failed"), ("link", "failed")]
    assert "ghost.mp4" in ops[0].error_message


@pytest.mark.parametrize("key", ["/etc/passwd", "../x", "sources/../../x", "a\\b", "a//b", ""])
def test_keys_cannot_leave_the_folder(folder, key):
    with pytest.raises(InvalidKey):
        folder.download(key)


def test_a_symlink_out_of_the_folder_is_refused(folder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("keep out")
    (folder.root / "sources").mkdir()
    os.symlink(tmp_path, folder.root / "sources" / "out")
    with pytest.raises(InvalidKey):
        folder.download("sources/out/secret.txt")


def test_a_failing_recorder_does_not_fail_the_transfer(tmp_path, caplog):
    class Broken:
        def operation(self, op):
            raise RuntimeError("log is down")

        def link(self, event):
            raise RuntimeError("log is down")

    store = LocalFolderStorage(tmp_path / "s", recorder=Broken())
    assert store.upload_source(media(tmp_path, "a.png", 10)).uploaded
    assert "could not record a storage operation" in caplog.text


def test_memory_recorder_sees_what_storage_did(tmp_path):
    seen = MemoryRecorder()
    store = LocalFolderStorage(tmp_path / "s", recorder=seen)
    key = store.upload_output(media(tmp_path, "a.mp4", 10), "job-9").key
    store.share_link(key, job_id="job-9")
    assert [o.kind for o in seen.operations] == ["upload", "link"]
    assert seen.operations[0].job_id == "job-9" and seen.links[0].action == "created"


def test_from_settings_defaults_to_a_folder():
    local = storage.from_settings(Settings())
    assert isinstance(local, LocalFolderStorage)
    assert local.root == (Path(os.environ["VIDGEN_HOME"]) / "data" / "storage").resolve()
    assert "is writable" in local.check()


def test_storage_log_repository(db, job):
    other = db.jobs.create(Composition.from_data({"name": "other"}))
    log = db.storage_log
    log.record_operation("upload", backend="s3", key="k1", bucket="b", size_bytes=10,
                         duration_seconds=0.5, details={"path": Path("/x")},
                         job_id=job.id)  # fmt: skip
    log.record_operation("delete", backend="s3", key="k2", status="failed",
                         error_message="nope", job_id=str(other.id))  # fmt: skip
    log.record_operation("download", backend="local", key="k3")  # no job
    log.record_link("https://x/k1", "created", job_id=job.id, client="desktop")
    [mine] = log.operations(job.id)
    assert (mine.key, mine.size_bytes, mine.details) == ("k1", 10, {"path": "/x"})
    assert [o.key for o in log.operations()] == ["k1", "k2", "k3"]
    assert [r.url for r in log.links(job.id)] == ["https://x/k1"] and log.links(other.id) == []

    # A report for a job id that is not a UUID keeps it, but not as a reference.
    recorder = log.recorder("not-a-uuid")
    recorder.link(storage.LinkEvent(action="copied", key="k", url="u", mode="file",
                                    expires_at=None, job_id=None, client=None,
                                    at=dt.datetime.now(dt.UTC)))  # fmt: skip
    assert log.links()[-1].details == {"key": "k", "mode": "file", "job": "not-a-uuid"}

    db.jobs.delete(job.id)  # a job's log goes with it
    assert log.operations(job.id) == [] and log.links(job.id) == []
    assert log.operations(uuid.uuid4()) == []
