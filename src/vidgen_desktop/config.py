"""User settings: a JSON file in the data folder, overridden by environment variables.

Only preferences live here (route threshold, queue concurrency, output
folder, output defaults for new projects). Secrets never do: the team
backend keeps keys and passwords in the OS keyring.

A damaged settings file never costs the user anything: it is set aside as
``settings.json.damaged-<time>`` and the defaults apply.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vidgen_desktop import paths

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"
ENV = {  # environment variable -> setting it overrides
    "VIDGEN_THRESHOLD": "route_threshold",
    "VIDGEN_CONCURRENCY": "queue_concurrency",
    "VIDGEN_OUTPUT_DIR": "output_folder",
}


class OutputDefaults(BaseModel):
    """What a new project starts with."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    width: int = Field(1920, ge=16, le=7680)
    height: int = Field(1080, ge=16, le=7680)
    fps: float = Field(30, ge=1, le=120)
    format: Literal["mp4", "webm", "mov", "gif"] = "mp4"
    quality: Literal["draft", "standard", "high"] = "standard"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    route_threshold: float = Field(30.0, ge=0, le=24 * 3600)  # s: longer estimates are queued
    queue_concurrency: int = Field(1, ge=1, le=16)  # renders at once in the embedded queue
    output_folder: str | None = None  # None: the platform's videos folder / Vidgen
    output_defaults: OutputDefaults = Field(default_factory=OutputDefaults)

    def output_dir(self) -> Path:
        if self.output_folder:
            folder = Path(self.output_folder).expanduser()
            folder.mkdir(parents=True, exist_ok=True)
            return folder
        return paths.output_dir()


def settings_path() -> Path:
    return paths.data_dir() / FILE_NAME


def _from_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        Settings.model_validate(data)
        return data
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, ValidationError) as exc:
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(path, aside)
        except OSError:
            aside = path
        log.warning("settings file %s is damaged (%s); using defaults, kept as %s", path,
                    str(exc).splitlines()[0], aside)  # fmt: skip
        return {}


def load() -> Settings:
    """The settings in effect: file, then environment overrides (bad values ignored, logged)."""
    data = _from_file(settings_path())
    settings = Settings.model_validate(data)
    for variable, field in ENV.items():
        value = os.environ.get(variable, "").strip()
        if not value:
            continue
        try:
            setattr(settings, field, value)
        except ValidationError:
            log.warning("ignoring %s=%r: not a valid %s", variable, value, field)
    return settings


def save(settings: Settings) -> Path:
    """Write the settings atomically (environment overrides are not written)."""
    path = settings_path()
    data = json.dumps(settings.model_dump(mode="json"), indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{FILE_NAME}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def update(**changes: Any) -> Settings:
    """Change settings in the file (validated: a bad value raises and nothing is written)."""
    current = Settings.model_validate(_from_file(settings_path()))
    merged = Settings.model_validate({**current.model_dump(), **changes})
    save(merged)
    return merged
