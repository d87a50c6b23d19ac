"""What `vidgen` loads to start: `--help` and each command import only what they need.

Real subprocesses with ``-X importtime`` (every module the interpreter loaded is on
its stderr); the help text is held to the complete parser's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vidgen_desktop import cli
from vidgen_desktop.cli import pydantic_plugins, registry
from vidgen_desktop.media.samples import make_test_video

HEAVY = ("pydantic", "sqlalchemy", "alembic", "cv2", "numpy", "PySide6")


def imported(*args: str, home: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``vidgen ARGS``; its result and the top-level packages it imported."""
    result, modules = imported_modules(*args, home=home)
    return result, {name.split(".")[0] for name in modules}


def imported_modules(
    *args: str, home: Path, **env: str
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``vidgen ARGS``; its result and every module it imported, by full name."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "vidgen_desktop", *args],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "VIDGEN_HOME": str(home), **env},
    )  # fmt: skip
    names = {
        line.split("|")[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "vidgen_desktop" in names  # the trace is really there
    return result, names


def commands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_help_lists_every_command_and_imports_nothing_heavy(tmp_path):
    result, names = imported("--help", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == cli.build_parser().format_help()  # the complete parser's text
    assert "install-desktop" in result.stdout and "api-key" in result.stdout
    assert not names & set(HEAVY), sorted(names & set(HEAVY))
    assert "uuid" not in names  # only --batch needs it (pydantic imports it anyway)
    assert not {n for n in names if n.startswith("vidgen_desktop")} - {"vidgen_desktop"}


def test_the_command_table_is_what_the_modules_register():
    complete = commands(cli.build_parser())
    lazy = commands(cli.build_parser(["--help"]))
    listed = [(a.dest, a.help) for a in complete._choices_actions]
    assert [(a.dest, a.help) for a in lazy._choices_actions] == listed
    own = listed[: len(listed) - len(registry.COMMANDS)]
    assert listed == own + [(name, text) for name, text, _module in registry.COMMANDS]
    for name, _text, _module in registry.COMMANDS:  # each built alone, with all its arguments
        alone = commands(cli.build_parser([name, "--help"])).choices[name]
        assert alone.format_help() == complete.choices[name].format_help(), name


@pytest.mark.parametrize("argv", [["jobs"], ["-h"], ["--", "estimate"], ["nope"], []])
def test_the_command_is_the_first_word_that_is_not_an_option(argv):
    expected = {"jobs": "jobs", "-h": None, "--": "estimate", "nope": "nope"}
    assert registry.command_of(argv) == (expected[argv[0]] if argv else None)


def test_an_unknown_command_still_names_every_command(tmp_path):
    result, names = imported("renderr", home=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'renderr'" in result.stderr and "'api-key'" in result.stderr
    assert not names & set(HEAVY)


def test_a_sub_command_help_imports_its_own_module_only(tmp_path):
    result, names = imported("jobs", "list", "--help", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--batch ID" in result.stdout
    result, names = imported("install-desktop", "--help", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "sqlalchemy" not in names


@pytest.mark.render
def test_render_loads_no_job_log_no_opencv_and_writes_the_video(tmp_path):
    source = make_test_video(tmp_path / "clip.mp4", width=64, height=48, duration=1, audio=True)
    project = tmp_path / "p.json"
    project.write_text(json.dumps({
        "output": {"width": 64, "height": 48, "fps": 30, "duration": 1},
        "elements": [{"id": "clip", "type": "video", "source": str(source)}],
    }))  # fmt: skip
    out = tmp_path / "out.mp4"
    result, names = imported("render", str(project), "-o", str(out), home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert not names & {"sqlalchemy", "alembic", "cv2", "numpy", "PySide6"}, names
    assert "difflib" not in names  # only a misspelt field's message needs it
    from mediakit import decode_frames

    assert len(decode_frames(out, 64, 48)) == 30


@pytest.mark.render
def test_render_skips_pydantics_plugin_search_unless_the_user_asks_for_it(tmp_path, monkeypatch):
    """Pydantic's plugin loader imports importlib.metadata (and email, zipfile, csv)
    even when every plugin is off; vidgen's own process answers "no plugins" instead.
    A user who sets PYDANTIC_DISABLE_PLUGINS to something else gets pydantic's search."""
    source = make_test_video(tmp_path / "clip.mp4", width=64, height=48, duration=1)
    project = tmp_path / "p.json"
    project.write_text(json.dumps({
        "output": {"width": 64, "height": 48, "fps": 30, "duration": 1},
        "elements": [{"id": "clip", "type": "video", "source": str(source)}],
    }))  # fmt: skip
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    home = tmp_path / "home"
    result, ours = imported_modules(
        "render", str(project), "-o", str(tmp_path / "a.mp4"), home=home
    )
    assert result.returncode == 0, result.stderr
    assert "pydantic.plugin._schema_validator" in ours  # a validator was built
    assert "importlib.metadata" not in ours
    result, theirs = imported_modules(
        "render", str(project), "-o", str(tmp_path / "b.mp4"), home=home,
        PYDANTIC_DISABLE_PLUGINS="",  # pydantic's own way to say: load them all
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert {"pydantic.plugin._loader", "importlib.metadata"} <= theirs


@pytest.mark.parametrize("value", pydantic_plugins.PLUGINS_OFF)
def test_the_stand_in_answers_as_pydantics_own_loader(value, monkeypatch):
    from pydantic.plugin import _loader

    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", value)
    assert tuple(_loader.get_plugins()) == pydantic_plugins.no_plugins()
