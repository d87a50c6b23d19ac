"""A corpus of hostile media through the real command line: ``vidgen probe`` and ``vidgen render``.

Each file works, or fails with ONE line naming it; never a traceback, a hang or a
partial file in the output folder. The corpus is generated (tests/hostile_media.py),
tiny, and its commands run two at a time, so the whole module takes well under a
minute on an idle two-core machine.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from hostile_media import CORPUS, Case, build

pytestmark = pytest.mark.render

TIMEOUT = 60  # seconds per command: none of these should take more than a few
WORKERS = 2


@dataclass(frozen=True)
class Run:
    code: int | None  # None: timed out
    stdout: str
    stderr: str


def _run(args: list[str], env: dict[str, str]) -> Run:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "vidgen_desktop", *args],
            capture_output=True, text=True, timeout=TIMEOUT, env=env, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        return Run(None, str(exc.stdout or ""), str(exc.stderr or ""))
    return Run(done.returncode, done.stdout, done.stderr)


def _project(case: Case, path: Path, folder: Path, n: int) -> Path:
    element = {"id": "media", "type": case.kind, "source": str(path)}
    if case.kind == "image":
        element["duration"] = 1
    if case.kind != "audio":
        element["fit"] = "contain"
    comp = {"output": {"width": 64, "height": 48, "fps": 10, "quality": "draft"},
            "elements": [element]}  # fmt: skip
    project = folder / f"case{n:02d}.json"
    project.write_text(json.dumps(comp))
    return project


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Every case made, probed and rendered once: {name: (case, path, probe, render, out)}."""
    root = tmp_path_factory.mktemp("corpus")
    media, projects = root / "media", root / "projects"
    media.mkdir()
    projects.mkdir()
    env = {**os.environ, "VIDGEN_HOME": str(root / "home")}
    made = build(media)
    jobs = {}
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        for n, (case, path) in enumerate(made):
            out = root / "out" / f"case{n:02d}"
            project = _project(case, path, projects, n)
            jobs[case.name] = (
                case,
                path,
                pool.submit(_run, ["probe", "--json", str(path)], env),
                pool.submit(_run, ["render", str(project), "-o", str(out / "render.mp4")], env),
                out,
            )
    return {name: (c, p, probe.result(), render.result(), out)
            for name, (c, p, probe, render, out) in jobs.items()}  # fmt: skip


def test_the_corpus_is_big_and_varied():
    assert len(CORPUS) >= 40
    assert len({c.name for c in CORPUS}) == len(CORPUS)


def _one_line_naming(run: Run, case: Case) -> str:
    assert run.code is not None, f"{case.name!r}: timed out"
    assert "Traceback" not in run.stderr, run.stderr
    assert run.code == 1, (case.name, run.code, run.stderr)
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("vidgen: "), run.stderr
    assert case.name in lines[0], lines[0]
    assert case.says in lines[0], lines[0]
    return lines[0]


CASES = [pytest.param(case.name, id=case.name.encode("unicode_escape").decode())
         for case in CORPUS]  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_probe(corpus, name):
    case, path, probe, _, _ = corpus[name]
    if not case.probe_works:
        _one_line_naming(probe, case)
        return
    assert probe.code == 0, (name, probe.code, probe.stderr)
    assert "Traceback" not in probe.stderr
    facts = json.loads(probe.stdout)
    assert facts["path"] == str(path)
    assert facts["kind"] == case.kind or not case.works  # (sound only, used as a video)
    for line in probe.stderr.splitlines():  # warnings only, one line each, naming the file
        assert line.startswith("vidgen: warning: ") and case.name in line, probe.stderr


@pytest.mark.parametrize("name", CASES)
def test_render(corpus, name):
    case, _, _, render, out = corpus[name]
    left = sorted(p.name for p in out.iterdir()) if out.exists() else []
    if not case.works:
        _one_line_naming(render, case)
        assert left == [], f"left in the output folder: {left}"
        return
    assert render.code == 0, (name, render.code, render.stderr)
    assert render.stdout.strip() == str(out / "render.mp4")
    assert left == ["render.mp4"]


def test_nothing_in_a_name_reaches_a_shell(corpus):
    case, path, *_ = corpus["$(touch pwned) `id`.png"]
    assert not list(path.parent.parent.rglob("pwned*"))
    assert not Path("pwned").exists()
