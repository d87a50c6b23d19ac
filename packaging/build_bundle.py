"""Build the desktop bundle: one folder with the ``vidgen`` program, Python, Qt, FFmpeg, fonts.

    python packaging/build_bundle.py [--dist DIR] [--work DIR] [--team]

A PyInstaller one-folder bundle (``DIST/vidgen/``; on macOS also
``DIST/Vidgen.app``), built the same way on Linux, macOS and Windows from the
checkout it sits in; run it on each system for that system's bundle
(PyInstaller does not cross-build). Inside:

- the ``vidgen`` program (``packaging/bundle_entry.py``: the whole command
  line; no arguments opens the editor);
- the package's data: fonts, examples, icons, desktop files, SQL, and the
  Alembic migrations as source files (Alembic reads them from disk);
- the FFmpeg binary of the ``imageio-ffmpeg`` wheel, found where that package
  looks for it, so the bundle needs no FFmpeg on the machine.

``--team`` adds the team backend's libraries (boto3, procrastinate, psycopg,
Supabase: about 100 MB more); without it the bundle is the editor with its
local queue. It prints one JSON line at the end: where the bundle is, its size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "vidgen_desktop"
ICONS = PACKAGE / "resources" / "desktop" / "icons"
NAME = "vidgen"
APP_ID = "org.vidgen.Desktop"
# never wanted in the editor, but found on developers' machines and pulled in by hooks
EXCLUDED = (
    "tkinter", "torch", "torchvision", "tensorflow", "matplotlib", "IPython", "jupyter",
    "pytest", "_pytest", "hypothesis", "moto", "notebook", "pandas", "scipy",
)  # fmt: skip
TEAM = ("boto3", "botocore", "procrastinate", "psycopg", "supabase", "keyring")


def _data(source: Path, target: str) -> str:
    return f"{source}{os.pathsep}{target}"


def arguments(dist: Path, work: Path, *, team: bool) -> list[str]:
    """PyInstaller's command line for this system."""
    args = [
        str(ROOT / "packaging" / "bundle_entry.py"),
        "--name", NAME, "--onedir", "--noconfirm", "--clean",
        "--distpath", str(dist), "--workpath", str(work), "--specpath", str(work),
        "--paths", str(ROOT / "src"),
        # every module of ours (the CLI imports its groups by name, the UI lazily)
        "--collect-submodules", "vidgen_desktop",
        "--collect-data", "vidgen_desktop",
        "--add-data", _data(PACKAGE / "store" / "migrations", "vidgen_desktop/store/migrations"),
        # FFmpeg: imageio-ffmpeg's own binary, where imageio_ffmpeg.get_ffmpeg_exe finds it
        "--collect-binaries", "imageio_ffmpeg", "--collect-data", "imageio_ffmpeg",
        "--collect-submodules", "alembic", "--collect-data", "alembic",
        "--hidden-import", "sqlalchemy.dialects.sqlite",
        "--hidden-import", "qasync",
        # the toolbar's icons: QtAwesome's icon fonts and charmaps, through QtPy
        "--collect-data", "qtawesome", "--hidden-import", "qtpy",
    ]  # fmt: skip
    for module in EXCLUDED + (() if team else TEAM):
        args += ["--exclude-module", module]
    if team:
        for module in TEAM:
            args += ["--collect-submodules", module]
    if sys.platform == "darwin":
        args += ["--windowed", "--osx-bundle-identifier", APP_ID,
                 "--icon", str(ICONS / "512x512" / f"{APP_ID}.png")]  # fmt: skip
    elif sys.platform == "win32":
        args += ["--icon", str(ICONS / "256x256" / f"{APP_ID}.png")]  # Pillow makes the .ico
    return args


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist" / "bundle")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bundle")
    parser.add_argument("--team", action="store_true", help="include the team backend")
    args = parser.parse_args(argv)
    try:
        import PyInstaller.__main__
    except ImportError:
        print("build_bundle: PyInstaller is missing: pip install pyinstaller", file=sys.stderr)
        return 1
    # PyInstaller lists submodules and data files by importing the package in a subprocess
    # of its own, which gets this process's sys.path: this checkout's package must be on it
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    started = time.perf_counter()
    target = args.dist / NAME
    if target.exists():
        shutil.rmtree(target)
    PyInstaller.__main__.run(arguments(args.dist, args.work, team=args.team))
    program = target / (f"{NAME}.exe" if sys.platform == "win32" else NAME)
    if not program.is_file():
        print(f"build_bundle: PyInstaller made no {program}", file=sys.stderr)
        return 1
    print(json.dumps({
        "bundle": str(target), "program": str(program), "bytes": folder_size(target),
        "build_seconds": round(time.perf_counter() - started, 1), "platform": sys.platform,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
