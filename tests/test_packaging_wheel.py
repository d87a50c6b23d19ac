"""The wheel and sdist carry what Vidgen needs, and a wheel installed outside the source tree
renders the bundled example with the bundled font, pixel for pixel as the source tree does.

Built once per module (``python -m build``, a few seconds; its build backend comes from
the package index or pip's cache); installed into venvs that reuse the machine's packages
(``tests/packagekit.py``), so PySide6 is not downloaded again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile

import pytest

from packagekit import ROOT, build, clean_env, make_venv, same_pixels, shortened_example
from vidgen_desktop import __version__

NEEDED = (  # one of each kind of package data the code reads
    "vidgen_desktop/resources/fonts/DejaVuSans.ttf",
    "vidgen_desktop/resources/fonts/DejaVuSans-Bold.ttf",
    "vidgen_desktop/resources/examples/spring_promo.json",
    "vidgen_desktop/resources/examples/reference.json",
    "vidgen_desktop/resources/desktop/icons/org.vidgen.Desktop.svg",
    "vidgen_desktop/resources/desktop/icons/256x256/org.vidgen.Desktop.png",
    "vidgen_desktop/resources/desktop/org.vidgen.Desktop.desktop",
    "vidgen_desktop/resources/desktop/org.vidgen.Desktop.metainfo.xml",
    "vidgen_desktop/resources/desktop/org.vidgen.Desktop.mime.xml",
    "vidgen_desktop/store/sql/0005_postgres_events.sql",
    "vidgen_desktop/store/migrations/env.py",
    "vidgen_desktop/store/migrations/versions/0001_initial.py",
)


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    return build(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory):
    return make_venv(tmp_path_factory.mktemp("venv") / "env", dist[0])


def test_wheel_and_sdist_carry_fonts_examples_icons_and_sql(dist):
    wheel, sdist = dist
    assert wheel.name == f"vidgen_desktop-{__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [n for n in NEEDED if n not in names] == []
    with tarfile.open(sdist) as archive:
        members = {m.split("/", 1)[1] for m in archive.getnames() if "/" in m}
    assert [n for n in NEEDED if f"src/{n}" not in members] == []


def test_installed_wheel_finds_its_resources_in_the_venv_not_the_checkout(installed, tmp_path):
    probe = (
        "import vidgen_desktop, vidgen_desktop.paths as p, vidgen_desktop.render.text as t;"
        "from vidgen_desktop.media import examples;"
        "print(vidgen_desktop.__file__); print(p.resources_dir());"
        "print(t.find_font('DejaVu Sans', 'bold')); print(len(examples.bundled()))"
    )
    done = subprocess.run(
        [str(installed / "python"), "-c", probe], cwd=tmp_path, env=clean_env(tmp_path / "home"),
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    package, resources, font, count = done.stdout.split("\n")[:4]
    venv_root = str(installed.parent)
    assert package.startswith(venv_root) and not package.startswith(str(ROOT))
    assert resources.startswith(venv_root) and font.startswith(venv_root), (resources, font)
    assert font.endswith("DejaVuSans-Bold.ttf") and os.path.isfile(font)
    assert int(count) == 2


@pytest.mark.render  # FFmpeg in the child processes
def test_installed_wheel_renders_the_example_pixel_equal_to_the_source_tree(installed, tmp_path):
    runs = {}
    for name, command, env in (
        ("wheel", [str(installed / "vidgen")], clean_env(tmp_path / "home-wheel")),
        ("source", [sys.executable, "-m", "vidgen_desktop"],
         clean_env(tmp_path / "home-source", PYTHONPATH=str(ROOT / "src"))),
    ):  # fmt: skip
        folder = tmp_path / name
        subprocess.run([*command, "samples", str(folder)], env=env, cwd=tmp_path, check=True,
                       capture_output=True, timeout=300)  # fmt: skip
        project = shortened_example(folder)
        out = folder / "out.mp4"
        subprocess.run([*command, "render", str(project), "-o", str(out)], env=env,
                       cwd=tmp_path, check=True, capture_output=True, timeout=600)  # fmt: skip
        runs[name] = out
    same_pixels(runs["wheel"], runs["source"])


@pytest.mark.render  # `vidgen --version` asks the FFmpeg it found for its build
def test_pipx_install_of_the_wheel_puts_vidgen_on_the_path(dist, tmp_path):
    bin_dir = tmp_path / "bin"
    env = clean_env(tmp_path / "home", PIPX_HOME=str(tmp_path / "pipx"),
                    PIPX_BIN_DIR=str(bin_dir), PIPX_MAN_DIR=str(tmp_path / "man"))  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pipx", "install", "--system-site-packages",
         "--pip-args=--no-deps", str(dist[0])],
        env=env, cwd=tmp_path, check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    done = subprocess.run(["vidgen", "--version"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, check=True, timeout=60)  # fmt: skip
    assert done.stdout.split("\n")[0] == f"vidgen {__version__}"
    assert "encoders" in done.stdout  # FFmpeg found from the pipx venv
