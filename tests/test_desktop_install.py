"""`vidgen install-desktop` puts the launcher, icons, AppStream metainfo and the project MIME
type into the user's XDG folders (a temporary XDG_DATA_HOME here); the desktop's own tools
accept them; the launcher opens a project; `--uninstall` removes exactly what was added."""

from __future__ import annotations

import configparser
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from vidgen_desktop import __version__
from vidgen_desktop.cli.desktop import APP_ID

ROOT = Path(__file__).resolve().parents[1]


def vidgen(xdg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(xdg), "PYTHONPATH": str(ROOT / "src"),
           "VIDGEN_HOME": str(xdg.parent / "home")}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "vidgen_desktop", *args], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def entry(xdg: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(xdg / "applications" / f"{APP_ID}.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


@pytest.fixture
def installed(tmp_path):
    xdg = tmp_path / "share"
    (xdg / "applications").mkdir(parents=True)
    (xdg / "applications" / "other.desktop").write_text("[Desktop Entry]\nName=Other\n")
    done = vidgen(xdg, "install-desktop")
    assert done.returncode == 0, done.stderr
    return xdg, done.stdout.split()


def test_install_desktop_writes_the_launcher_icons_metainfo_and_mime_type(installed):
    xdg, written = installed
    hicolor = xdg / "icons" / "hicolor"
    for path in (
        xdg / "applications" / f"{APP_ID}.desktop",
        xdg / "metainfo" / f"{APP_ID}.metainfo.xml",
        xdg / "mime" / "packages" / f"{APP_ID}.xml",
        hicolor / "scalable" / "apps" / f"{APP_ID}.svg",
        hicolor / "48x48" / "apps" / f"{APP_ID}.png",
        hicolor / "256x256" / "apps" / f"{APP_ID}.png",
        hicolor / "scalable" / "mimetypes" / "application-x-vidgen-project.svg",
    ):
        assert str(path) in written and path.is_file(), path
    desktop = entry(xdg)
    assert desktop["Icon"] == APP_ID and desktop["Type"] == "Application"
    assert "application/x-vidgen-project;" in desktop["MimeType"]
    assert shlex.split(desktop["Exec"]) == [sys.executable, "-m", "vidgen_desktop", "gui", "%f"]
    # the desktop's own database now maps project files to the type (update-mime-database)
    globs = (xdg / "mime" / "globs2").read_text()
    assert "application/x-vidgen-project:*.vidgen.json" in globs
    metainfo = (xdg / "metainfo" / f"{APP_ID}.metainfo.xml").read_text()
    assert f'<release version="{__version__}"' in metainfo  # kept in step with the package


def test_the_desktop_tools_accept_the_files(installed):
    xdg, _ = installed
    checks = (
        ["desktop-file-validate", str(xdg / "applications" / f"{APP_ID}.desktop")],
        ["appstreamcli", "validate", "--no-net", "--pedantic",
         str(xdg / "metainfo" / f"{APP_ID}.metainfo.xml")],
    )  # fmt: skip
    for command in checks:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (command[0], done.stdout, done.stderr)


@pytest.mark.render  # the editor probes the project's media with FFmpeg as it opens
def test_the_launcher_opens_a_double_clicked_project(installed, tmp_path):
    xdg, _ = installed
    samples = tmp_path / "examples"
    assert vidgen(xdg, "samples", str(samples)).returncode == 0
    project = samples / "launch.vidgen.json"
    project.write_bytes((samples / "spring_promo.json").read_bytes())
    shot = tmp_path / "shot.png"
    command = [str(project) if a == "%f" else a for a in shlex.split(entry(xdg)["Exec"])]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "QT_QPA_PLATFORM": "offscreen",
           "VIDGEN_HOME": str(tmp_path / "home")}  # fmt: skip
    done = subprocess.run([*command, "--screenshot", str(shot)], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 10_000


def test_uninstall_removes_what_was_added_and_nothing_else(installed):
    xdg, written = installed
    done = vidgen(xdg, "install-desktop", "--uninstall")
    assert done.returncode == 0, done.stderr
    assert [Path(p) for p in written if Path(p).exists()] == []
    assert (xdg / "applications" / "other.desktop").is_file()
    assert "application/x-vidgen-project" not in (xdg / "mime" / "globs2").read_text()
