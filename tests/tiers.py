"""Keeps the test tiers' markers true: tests/conftest.py fails a test that uses more than it says.

- ``render``: the test started FFmpeg (or ffprobe) in this process. Seen with an
  audit hook on ``subprocess.Popen``, so every path counts, not just ours.
- ``postgres``: the test opened a psycopg connection in this process.
- ``s3``: the test uses a fixture (or lives in a module) that starts moto's S3
  server.

Not seen: FFmpeg or PostgreSQL used only by a child process the test starts
(``python -m vidgen_desktop …``, ``vidgen worker``); such tests carry their
markers by hand. ``conftest.py`` imports the hook and the fixture from here.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

_seen: dict[str, str] = {}  # marker -> what showed it, for the running test
_lock = threading.Lock()


def _note(marker: str, what: str) -> None:
    with _lock:
        _seen.setdefault(marker, what)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "subprocess.Popen":
        return
    executable, argv = args[0], args[1]
    first = executable or (argv[0] if isinstance(argv, list | tuple) and argv else argv)
    name = os.path.basename(os.fsdecode(first)) if first else ""
    if "ffmpeg" in name or "ffprobe" in name:
        _note("render", name)


def _watch_psycopg() -> None:
    try:
        import psycopg
    except ImportError:
        return
    for cls in (psycopg.Connection, psycopg.AsyncConnection):
        original = cls.__dict__["connect"].__func__

        def connect(klass: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            _note("postgres", f"{klass.__name__}.connect")
            return _original(klass, *args, **kwargs)

        cls.connect = classmethod(connect)


def install() -> None:
    """Once per test process (from ``pytest_configure``)."""
    sys.addaudithook(_audit)
    _watch_psycopg()


def _uses_moto(item: pytest.Item) -> bool:
    def has(namespace: dict[str, Any]) -> bool:
        return "ThreadedMotoServer" in namespace

    module = getattr(item, "module", None)
    if module is not None and has(vars(module)):
        return True
    for defs in item._fixtureinfo.name2fixturedefs.values():  # noqa: SLF001 - pytest's own
        for fixturedef in defs:
            if has(getattr(fixturedef.func, "__globals__", {})):
                return True
    return False


def start(item: pytest.Item) -> None:
    with _lock:
        _seen.clear()
    if _uses_moto(item) and item.get_closest_marker("s3") is None:
        pytest.fail(f"{item.nodeid} uses moto's S3 server but is not marked s3", pytrace=False)


def check(item: pytest.Item) -> None:
    with _lock:
        seen = dict(_seen)
    missing = {m: what for m, what in seen.items() if item.get_closest_marker(m) is None}
    if missing:
        said = ", ".join(f"{m} (it used {what})" for m, what in sorted(missing.items()))
        pytest.fail(f"{item.nodeid} is not marked {said}", pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    install()


@pytest.fixture(autouse=True)
def _markers_stay_true(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that runs FFmpeg, PostgreSQL or the S3 stand-in must say so."""
    start(request.node)
    yield
    check(request.node)
