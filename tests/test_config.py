"""Settings: file, environment overrides, validation, and a damaged file that costs nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from vidgen_desktop import config
from vidgen_desktop.jobs import routing
from vidgen_desktop.queue import local


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("VIDGEN_HOME", str(tmp_path))
    for variable in config.ENV:
        monkeypatch.delenv(variable, raising=False)
    return tmp_path


def test_defaults_then_saved_values_reach_routing_and_the_queue():
    assert routing.default_threshold() == 30.0 and local.default_concurrency() == 1
    config.update(route_threshold=12, queue_concurrency=2)
    assert routing.default_threshold() == 12.0
    assert local.default_concurrency() == 2
    saved = json.loads(config.settings_path().read_text())
    assert saved["route_threshold"] == 12.0 and saved["queue_concurrency"] == 2


def test_environment_overrides_the_file_and_bad_values_are_ignored(monkeypatch):
    config.update(route_threshold=12)
    monkeypatch.setenv("VIDGEN_THRESHOLD", "45")
    monkeypatch.setenv("VIDGEN_CONCURRENCY", "many")
    settings = config.load()
    assert settings.route_threshold == 45.0
    assert settings.queue_concurrency == 1


def test_an_invalid_change_writes_nothing():
    config.update(queue_concurrency=3)
    before = config.settings_path().read_bytes()
    with pytest.raises(ValueError):
        config.update(queue_concurrency=0)
    assert config.settings_path().read_bytes() == before


def test_a_damaged_file_is_set_aside_and_defaults_apply(home):
    config.settings_path().write_text('{"route_threshold": ')
    settings = config.load()
    assert settings.route_threshold == 30.0
    damaged = list((home / "data").glob("settings.json.damaged-*"))
    assert len(damaged) == 1 and damaged[0].read_text() == '{"route_threshold": '


def test_output_folder_setting_is_where_renders_go(home):
    config.update(output_folder=str(home / "my renders"))
    assert config.load().output_dir() == home / "my renders"
    assert (home / "my renders").is_dir()


def test_vidgen_settings_command(home):
    run = [sys.executable, "-m", "vidgen_desktop", "settings"]
    changed = subprocess.run([*run, "route_threshold", "20"], capture_output=True, text=True)
    assert changed.returncode == 0, changed.stderr
    assert '"route_threshold": 20.0' in changed.stdout
    refused = subprocess.run([*run, "queue_concurrency", "0"], capture_output=True, text=True)
    assert refused.returncode == 1
    assert "queue_concurrency must be at least 1" in refused.stderr


class MemoryKeyring:
    """An in-memory keyring backend: a stand-in for the OS keyring (Keychain, Secret
    Service, Credential Locker), which a headless CI machine does not run."""

    @staticmethod
    def install():
        import keyring
        from keyring.backend import KeyringBackend

        class Backend(KeyringBackend):
            priority = 1
            store: dict = {}

            def get_password(self, service, username):
                return self.store.get((service, username))

            def set_password(self, service, username, password):
                self.store[(service, username)] = password

            def delete_password(self, service, username):
                self.store.pop((service, username), None)

        previous = keyring.get_keyring()
        keyring.set_keyring(Backend())
        return previous


@pytest.fixture
def os_keyring():
    import keyring

    previous = MemoryKeyring.install()
    yield keyring.get_keyring()
    keyring.set_keyring(previous)


def test_secrets_go_to_the_keyring_never_to_the_settings_file(os_keyring, monkeypatch):
    monkeypatch.delenv("VIDGEN_DATABASE_PASSWORD", raising=False)
    monkeypatch.delenv("VIDGEN_DATABASE_URL", raising=False)
    config.update(backend={"database_url": "postgresql://alice@db.example:5432/team"})
    config.set_secret("database_password", "s3cret:p@ss")
    url = config.database_url()
    assert url == "postgresql://alice:s3cret%3Ap%40ss@db.example:5432/team"
    assert "s3cret" not in config.settings_path().read_text()
    assert config.redact(url) == "postgresql://alice:***@db.example:5432/team"


def test_a_database_url_with_a_password_is_refused():
    with pytest.raises(ValueError, match="must not contain a password"):
        config.update(backend={"database_url": "postgresql://alice:pw@db/team"})
    assert not config.settings_path().exists()


def test_environment_supplies_secrets_on_servers(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-env")
    assert config.secret("s3_secret_access_key") == "from-env"


def test_without_an_os_keyring_storing_a_secret_says_what_to_do(monkeypatch):
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(Exception, match="VIDGEN_DATABASE_PASSWORD"):
            config.set_secret("database_password", "x")
        assert config.secret("database_password") is None
    finally:
        keyring.set_keyring(previous)


def test_vidgen_settings_shows_one_and_refuses_unknown_keys_and_bad_json(home):
    run = [sys.executable, "-m", "vidgen_desktop", "settings"]
    shown = subprocess.run([*run, "route_threshold"], capture_output=True, text=True)
    assert shown.returncode == 0 and shown.stdout.strip() == "30.0"
    for args, words in (
        (["nope"], "unknown setting 'nope'"),
        (["nope", "default"], "unknown"),
        (["output_defaults", "{broken"], "not valid JSON"),
    ):
        refused = subprocess.run([*run, *args], capture_output=True, text=True)
        assert refused.returncode == 1 and words in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
