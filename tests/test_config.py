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
