"""``vidgen backend check`` on a good and a broken configuration; secrets; remote upgrade."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

import teamkit as kit
from vidgen_desktop import cli, config
from vidgen_desktop.store import migrate

pytestmark = pytest.mark.postgres
SECRET = "hunter2-not-printed"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VIDGEN_HOME", str(tmp_path))
    for variable in (*config.ENV, *config.BACKEND_ENV, *config.SECRETS.values()):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv(config.DATABASE_URL_ENV, raising=False)
    return tmp_path


@pytest.fixture
def os_keyring() -> Iterator[dict[tuple[str, str], str]]:
    """An in-memory keyring backend standing in for the OS keyring."""
    import keyring
    from keyring.backend import KeyringBackend

    store: dict[tuple[str, str], str] = {}

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            store.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    yield store
    keyring.set_keyring(previous)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def _lines(output: str) -> dict[str, list[str]]:
    parts: dict[str, list[str]] = {}
    for line in output.splitlines():
        part, verdict, *_ = line.split()
        parts.setdefault(part, []).append(verdict)
    return parts


@pytest.mark.render  # backend check asks FFmpeg for its build and encoders
def test_a_good_configuration_checks_out(capsys, os_keyring) -> None:
    with kit.database() as url:
        assert _run(capsys, "backend", "set", "database_url", url)[0] == 0
        status, output = _run(capsys, "backend", "check")
    assert status == 0, output
    assert _lines(output) == {
        "vidgen": ["ok"], "ffmpeg": ["ok"], "text": ["ok"], "encoders": ["ok"],
        "database": ["ok"], "replication": ["ok"], "storage": ["ok"], "supabase": ["--"],
        "keyring": ["ok"],
    }  # fmt: skip
    assert f"schema {migrate.head()}, triggers in place, writable" in output


@pytest.mark.render  # backend check asks FFmpeg for its build and encoders
def test_a_broken_configuration_says_what_is_wrong_and_no_secret(
    capsys, os_keyring, monkeypatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    assert _run(capsys, "backend", "secret", "database_password")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "-anon\n"))
    assert _run(capsys, "backend", "secret", "supabase_anon_key")[0] == 0
    assert os_keyring[(config.KEYRING_SERVICE, "database_password")] == SECRET
    _run(capsys, "backend", "set", "database_url", "postgresql://alice@127.0.0.1:1/team")
    _run(capsys, "backend", "set", "supabase_url", "http://127.0.0.1:9")
    _run(capsys, "backend", "set", "s3_bucket", "renders")
    _run(capsys, "backend", "set", "s3_endpoint", "http://127.0.0.1:9")
    status, output = _run(capsys, "backend", "check")
    assert status == 1
    verdicts = _lines(output)
    assert verdicts["database"] == ["FAIL"] and verdicts["supabase"] == ["FAIL"]
    assert "cannot connect to postgresql://alice:***@127.0.0.1:1/team" in output
    assert "http://127.0.0.1:9 is unreachable" in output
    assert SECRET not in output and SECRET not in config.settings_path().read_text()


@pytest.mark.render  # backend check asks FFmpeg for its build and encoders
def test_an_empty_database_is_upgraded_by_db_upgrade_remote(capsys, os_keyring) -> None:
    with kit.database(migrated=False) as url:
        _run(capsys, "backend", "set", "database_url", url)
        status, output = _run(capsys, "backend", "check")
        assert status == 1
        assert "no Vidgen schema yet: run `vidgen db upgrade --remote`" in output
        status, output = _run(capsys, "db", "upgrade", "--remote")
        assert status == 0 and f"schema at {migrate.head()}" in output
        assert _run(capsys, "backend", "check")[0] == 0
