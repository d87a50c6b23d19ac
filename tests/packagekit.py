"""Building and installing Vidgen as a user gets it: the wheel, a venv outside the source tree.

The venvs see the machine's site-packages (``--system-site-packages``) and the
wheel goes in with ``--no-deps``: PySide6, OpenCV and the rest are installed
already, so no test downloads them again. What the venv's own ``vidgen`` finds
comes from the wheel: nothing of the source tree is on its path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import numpy as np

from mediakit import decode_frames

ROOT = Path(__file__).resolve().parents[1]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment without this checkout on PYTHONPATH, with its own VIDGEN_HOME."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, "VIDGEN_HOME": str(home), **extra}


def build(outdir: Path) -> tuple[Path, Path]:
    """``python -m build`` of this checkout: (the wheel, the sdist)."""
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(outdir), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    wheel = next(outdir.glob("vidgen_desktop-*.whl"))
    sdist = next(outdir.glob("vidgen_desktop-*.tar.gz"))
    return wheel, sdist


def make_venv(folder: Path, wheel: Path) -> Path:
    """A fresh venv with the wheel installed; returns its ``bin`` folder."""
    venv.EnvBuilder(system_site_packages=True, with_pip=False, symlinks=True).create(folder)
    bindir = folder / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    subprocess.run(  # the machine's pip, pointed at the venv's interpreter
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-build-isolation", "-q", str(wheel)],
        check=True, capture_output=True, text=True, timeout=300, cwd=folder,
        env=clean_env(folder / "home"),  # with this checkout on the path, pip would find it
    )  # fmt: skip
    return bindir


def shortened_example(folder: Path, seconds: float = 2.0) -> Path:
    """The main example with its length cut to ``seconds`` (its frames are the full render's)."""
    import json

    path = folder / "spring_promo.json"
    data = json.loads(path.read_text())
    data["output"]["duration"] = seconds
    path.write_text(json.dumps(data))
    return path


def same_pixels(a: Path, b: Path, width: int = 1280, height: int = 720) -> None:
    """Every decoded frame of ``a`` equals ``b``'s, pixel for pixel."""
    first, second = decode_frames(a, width, height), decode_frames(b, width, height)
    assert first.shape == second.shape and len(first) > 0, (first.shape, second.shape)
    differing = int(np.count_nonzero(np.any(first != second, axis=-1)))
    assert differing == 0, f"{differing} pixels differ between {a.name} and {b.name}"
