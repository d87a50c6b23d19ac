"""The farm worker's file system, built by packaging/worker_fs.sh: the script the worker image's
Dockerfile runs, here run without an OCI builder into a clean folder (its venv sees this
machine's packages instead of downloading them). The tree's own `vidgen` reports what it
renders with, answers as a worker, and renders the example pixel-equal to the source tree."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from packagekit import ROOT, build, clean_env, same_pixels, shortened_example
from vidgen_desktop import __version__

pytestmark = pytest.mark.render  # FFmpeg in the child processes


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    wheel, _ = build(tmp_path_factory.mktemp("dist"))
    root = tmp_path_factory.mktemp("image")
    prefix = root / "opt" / "vidgen"
    done = subprocess.run(
        ["sh", str(ROOT / "packaging" / "worker_fs.sh"), "--system-site-packages",
         "--prefix", str(prefix), "--wheel", str(wheel)],
        cwd=root, env=clean_env(root / "home"), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return prefix, done.stdout


def test_the_dockerfile_builds_its_tree_with_the_same_script():
    dockerfile = (ROOT / "packaging" / "Dockerfile.worker").read_text()
    assert re.search(r"sh /usr/local/lib/vidgen/worker_fs.sh --system-packages .*\\\n\s+"
                     r"--prefix /opt/vidgen --wheel", dockerfile)  # fmt: skip
    assert 'ENTRYPOINT ["vidgen", "worker"]' in dockerfile


def test_the_tree_reports_its_versions_and_answers_as_a_worker(tree, tmp_path):
    prefix, log = tree
    assert f"vidgen {__version__}" in log and "encoders" in log and "is ready" in log
    env = clean_env(tmp_path / "home")
    check = subprocess.run([str(prefix / "bin" / "vidgen"), "backend", "check"], env=env,
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert re.search(rf"^vidgen\s+ok\s+{re.escape(__version__)}", check.stdout, re.M)
    assert re.search(r"^encoders\s+ok\s+\d+: .*libx264", check.stdout, re.M)
    ours = subprocess.run([sys.executable, "-m", "vidgen_desktop", "backend", "check"],
                          env=clean_env(tmp_path / "h2", PYTHONPATH=str(ROOT / "src")),
                          capture_output=True, text=True, timeout=120).stdout  # fmt: skip
    text_line = re.compile(r"^text\s+ok\s+.*layout$", re.M)  # Pillow and its text layout
    assert text_line.search(check.stdout)[0] == text_line.search(ours)[0]
    package = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", "import vidgen_desktop as v; print(v.__file__)"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert package.startswith(str(prefix)), package


def test_the_tree_renders_the_example_pixel_equal_to_the_source_tree(tree, tmp_path):
    prefix, _ = tree
    outputs = []
    for name, command, env in (
        ("tree", [str(prefix / "bin" / "vidgen")], clean_env(tmp_path / "h1")),
        ("source", [sys.executable, "-m", "vidgen_desktop"],
         clean_env(tmp_path / "h2", PYTHONPATH=str(ROOT / "src"))),
    ):  # fmt: skip
        folder = tmp_path / name
        subprocess.run([*command, "samples", str(folder)], env=env, check=True,
                       capture_output=True, timeout=300)  # fmt: skip
        out = folder / "out.mp4"
        subprocess.run([*command, "render", str(shortened_example(folder)), "-o", str(out)],
                       env=env, check=True, capture_output=True, timeout=600)  # fmt: skip
        outputs.append(out)
    same_pixels(*outputs)
