"""The editor's numpy starts no OpenBLAS thread pool, unless the user asks for one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = """
import os
import vidgen_desktop.ui
import numpy
a = numpy.ones((64, 64))
assert (a @ a)[0, 0] == 64.0
print(len(os.listdir("/proc/self/task")), os.environ["OPENBLAS_NUM_THREADS"])
"""


def threads(env_value: str | None) -> list[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("OPENBLAS_NUM_THREADS", None)
    if env_value is not None:
        env["OPENBLAS_NUM_THREADS"] = env_value
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            env=env, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: OpenBLAS starts no pool")
def test_numpy_in_the_editor_runs_on_the_main_thread_alone():
    assert threads(None) == ["1", "1"]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: OpenBLAS starts no pool")
def test_the_users_own_thread_count_is_kept():
    assert threads("2") == ["2", "2"]
