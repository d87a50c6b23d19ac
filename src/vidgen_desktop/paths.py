"""Where Vidgen keeps its files.

Everything lives under the platform's user data and cache folders, or under
``$VIDGEN_HOME`` when it is set (tests and portable installs use that).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "vidgen-desktop"
RESOURCES = Path(__file__).resolve().parent.parent.parent / "resources"


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


def resources_dir() -> Path:
    """Bundled fonts and example projects.

    Inside a source checkout they sit at the repository root; an installed
    wheel carries a copy in the package (see pyproject's package-data).
    """
    packaged = Path(__file__).resolve().parent / "resources"
    return packaged if packaged.is_dir() else RESOURCES
