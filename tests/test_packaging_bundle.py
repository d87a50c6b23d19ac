"""The desktop bundle (packaging/build_bundle.py, PyInstaller, one folder): started as a user
starts it, with nothing of this checkout on its path, it holds its own FFmpeg and resources,
opens the editor offscreen for a screenshot, and renders the example pixel-equal to the
source tree, logging the job in its own migrated job log.

The build takes minutes (about 5 on two busy cores): it is made once per test session, and
the tests carry the ``bundle`` marker (``-m "not bundle"`` leaves them out)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from packagekit import ROOT, clean_env, same_pixels, shortened_example
from vidgen_desktop import __version__

pytestmark = [pytest.mark.bundle, pytest.mark.render]  # FFmpeg in the bundle's processes


@pytest.fixture(scope="session")
def bundle(tmp_path_factory):
    work = tmp_path_factory.mktemp("bundle")
    done = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build_bundle.py"), "--dist",
         str(work / "dist"), "--work", str(work / "build")],
        cwd=work, env=clean_env(work / "home"), capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def run(bundle, home, *args, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([bundle["program"], *args], env=clean_env(home, **kwargs),
                          cwd=home.parent, capture_output=True, text=True, timeout=600)  # fmt: skip


def test_the_bundle_carries_its_ffmpeg_and_resources(bundle, tmp_path):
    done = run(bundle, tmp_path / "home", "--version")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"vidgen {__version__}"
    assert f"({bundle['bundle']}/" in lines[2], lines[2]  # FFmpeg from inside the bundle
    inside = [p.relative_to(bundle["bundle"]).as_posix()
              for p in __import__("pathlib").Path(bundle["bundle"]).rglob("*")]  # fmt: skip
    for wanted in ("vidgen_desktop/resources/fonts/DejaVuSans-Bold.ttf",
                   "vidgen_desktop/resources/examples/spring_promo.json",
                   "vidgen_desktop/resources/desktop/icons/org.vidgen.Desktop.svg",
                   "vidgen_desktop/store/migrations/versions/0001_initial.py",
                   "vidgen_desktop/store/sql/0005_postgres_events.sql"):  # fmt: skip
        assert any(path.endswith(wanted) for path in inside), wanted


def test_the_bundle_opens_the_editor_for_a_screenshot(bundle, tmp_path):
    home = tmp_path / "home"
    shot = tmp_path / "editor.png"
    done = run(bundle, home, "gui", "--screenshot", str(shot), QT_QPA_PLATFORM="offscreen")
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 20_000  # the window, on the bundled example (first start)
    assert (home / "data" / "examples" / "spring_promo.json").is_file()


def test_the_bundle_renders_and_logs_the_example_pixel_equal_to_the_source_tree(bundle, tmp_path):
    home = tmp_path / "home"
    folder = tmp_path / "bundle-examples"
    assert run(bundle, home, "samples", str(folder)).returncode == 0
    project = shortened_example(folder)
    out = tmp_path / "bundle.mp4"
    done = run(bundle, home, "submit", str(project), "--threshold", "86400", "-o", str(out),
               "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "completed"
    listed = json.loads(run(bundle, home, "jobs", "list", "--json").stdout)["jobs"]
    assert [job["status"] for job in listed] == ["completed"]  # its own migrated job log

    source_env = clean_env(tmp_path / "source-home", PYTHONPATH=str(ROOT / "src"))
    theirs = tmp_path / "source-examples"
    subprocess.run([sys.executable, "-m", "vidgen_desktop", "samples", str(theirs)],
                   env=source_env, check=True, capture_output=True, timeout=300)  # fmt: skip
    reference = tmp_path / "source.mp4"
    subprocess.run([sys.executable, "-m", "vidgen_desktop", "render",
                    str(shortened_example(theirs)), "-o", str(reference)],
                   env=source_env, check=True, capture_output=True, timeout=600)  # fmt: skip
    same_pixels(out, reference)
