"""The markers stay true: a test that runs FFmpeg without saying so fails (tests/tiers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.render  # the inner tests run FFmpeg

CONFTEST = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
import tiers
from tiers import _markers_stay_true

def pytest_configure(config):
    for marker in ("render", "postgres", "s3"):
        config.addinivalue_line("markers", marker)
    tiers.pytest_configure(config)
"""

TESTS = """
import subprocess
import pytest
from vidgen_desktop.media import ffmpeg

def spawn():
    subprocess.run([ffmpeg.ffmpeg_exe(), "-version"], capture_output=True, check=True)

def test_unmarked_runs_ffmpeg():
    spawn()

@pytest.mark.render
def test_marked_runs_ffmpeg():
    spawn()

def test_runs_nothing():
    pass
"""


def test_an_unmarked_test_that_runs_ffmpeg_fails_and_a_marked_one_passes(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_inner=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:pytest-qt")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*test_unmarked_runs_ffmpeg is not marked render (it used ff*"])
