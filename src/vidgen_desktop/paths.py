"""Where Vidgen keeps its files.

Everything lives under the platform's user data and cache folders, or under
``$VIDGEN_HOME`` when it is set (tests and portable installs use that).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "vidgen-desktop"


def _home() -> Path | None:
    value = os.environ.get("VIDGEN_HOME")
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    """The folder for the job database, settings and recovery files."""
    home = _home()
    path = home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """The folder for rasterized text, thumbnails and preview proxies."""
    home = _home()
    path = home / "cache" if home else Path(platformdirs.user_cache_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def output_dir() -> Path:
    """The default folder for rendered videos."""
    home = _home()
    path = home / "renders" if home else Path(platformdirs.user_videos_dir()) / "Vidgen"
    path.mkdir(parents=True, exist_ok=True)
    return path


@functools.cache
def resources_dir() -> Path:
    """Bundled fonts, example projects, icons and desktop files (``vidgen_desktop/resources``).

    Package data, found through ``importlib.resources`` the same way in a source
    checkout, an editable install, a wheel and a PyInstaller bundle (which
    keeps the package's files beside its code). A package loaded from a zip
    file gets a temporary copy, removed at exit.
    """
    found = resources.files("vidgen_desktop").joinpath("resources")
    if isinstance(found, Path):
        return found
    stack = contextlib.ExitStack()  # pragma: no cover - zipimport only
    atexit.register(stack.close)
    return stack.enter_context(resources.as_file(found))
