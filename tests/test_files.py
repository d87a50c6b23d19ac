"""The one atomic file write (``vidgen_desktop.files``) and the writers that use it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from vidgen_desktop import config, files
from vidgen_desktop.storage.base import copy_atomic
from vidgen_desktop.storage.cache import DownloadCache
from vidgen_desktop.storage.errors import CorruptDownload


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_write_replaces_the_file_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "deep" / "notes.json"
    files.atomic_write(target, "first")
    files.atomic_write(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(target.parent) == ["notes.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "notes.json"
    files.atomic_write(target, "kept")
    with pytest.raises(RuntimeError), files.atomic_open(target) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("disk pulled out")
    assert target.read_text() == "kept" and os.listdir(tmp_path) == ["notes.json"]


def test_new_files_are_ordinary_and_kept_files_keep_their_permissions(tmp_path):
    fresh = tmp_path / "fresh.txt"
    files.atomic_write(fresh, "x")
    assert mode(fresh) == files.NEW_FILE_MODE
    fresh.chmod(0o640)
    files.atomic_write(fresh, "y")
    assert mode(fresh) == 0o640


def test_the_file_and_then_its_folder_are_flushed_to_disk(tmp_path, monkeypatch):
    # what survives a power cut: the data (file fsync) and the rename (folder fsync)
    flushed: list[str] = []
    real = os.fsync

    def recording(fd: int) -> None:
        flushed.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", recording)
    target = tmp_path / "settings.json"
    files.atomic_write(target, "{}")
    assert flushed[-1] == str(tmp_path) and any(files.PARTIAL_MARK in p for p in flushed[:-1])


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc to see the flushes")
def test_settings_are_saved_like_every_other_file(home, monkeypatch):
    # config.save had its own copy: no folder flush, and the file came out 0600
    flushed: list[str] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (flushed.append(os.readlink(f"/proc/self/fd/{fd}")),
                                                 real(fd))[1])  # fmt: skip
    path = config.save(config.Settings(route_threshold=12))
    assert mode(path) == files.NEW_FILE_MODE
    assert str(path.parent) in flushed
    path.chmod(0o600)  # a user who made it private keeps it private
    config.update(route_threshold=13)
    assert mode(path) == 0o600 and config.saved().route_threshold == 13
    assert [p.name for p in path.parent.iterdir() if files.is_partial(p)] == []


def test_a_folder_appears_whole_or_not_at_all(tmp_path):
    target = tmp_path / "proxy"
    with pytest.raises(OSError), files.atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "000000.jpg").write_bytes(b"frame")
        raise OSError("the encoder died")
    assert list(tmp_path.iterdir()) == []
    with files.atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "000000.jpg").write_bytes(b"frame")
    assert [p.name for p in tmp_path.iterdir()] == ["proxy"]
    assert (target / "000000.jpg").read_bytes() == b"frame"


def test_temporaries_keep_the_extension_programs_choose_a_format_by(tmp_path):
    with files.atomic_path(tmp_path / "clip.mp4") as tmp:
        assert tmp.suffix == ".mp4" and files.is_partial(tmp) and tmp.parent == tmp_path
        tmp.write_bytes(b"video")
    assert (tmp_path / "clip.mp4").read_bytes() == b"video"


def test_a_copy_that_fails_midway_leaves_nothing(tmp_path):
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(3 * 1024 * 1024))
    destination = tmp_path / "store" / "big.bin"

    def stop(_bytes: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        copy_atomic(source, destination, progress=stop)
    assert list(destination.parent.iterdir()) == []
    copy_atomic(source, destination)
    assert destination.read_bytes() == source.read_bytes()
    assert mode(destination) == files.NEW_FILE_MODE


def test_a_damaged_download_never_enters_the_cache(tmp_path):
    cache = DownloadCache(tmp_path)
    with pytest.raises(CorruptDownload):
        cache.fill("ab" * 32, "logo.png", lambda out: out.write(b"not it"), sha256="0" * 64)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    import hashlib

    good = hashlib.sha256(b"logo").hexdigest()
    path = cache.fill(good, "logo.png", lambda out: out.write(b"logo"), sha256=good)
    assert path.read_bytes() == b"logo" and cache.get(good, "logo.png") == path


def test_an_export_that_fails_midway_keeps_the_previous_file(db, tmp_path, monkeypatch):
    from vidgen_desktop.composition.model import Composition
    from vidgen_desktop.store import exports

    for n in range(3):
        db.jobs.create(Composition(name=f"job {n}"))
    target = tmp_path / "exports" / "jobs.csv"
    target.parent.mkdir()
    assert db.export(target, "csv") == 3
    previous = target.read_bytes()
    real, calls = exports._row, []

    def failing(*args):  # the job log goes away after the first row
        calls.append(args)
        if len(calls) > 1:
            raise OSError("database disk image is malformed")
        return real(*args)

    monkeypatch.setattr(exports, "_row", failing)
    with pytest.raises(OSError, match="malformed"):
        db.export(target, "csv")
    assert target.read_bytes() == previous and os.listdir(target.parent) == ["jobs.csv"]
