"""Project files: JSON on disk, atomic saves, relative media paths, schema upgrades."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidgen_desktop.composition.model import SCHEMA_VERSION, Composition
from vidgen_desktop.errors import ProjectFileError

MAX_PROJECT_BYTES = 20 * 1024 * 1024  # a project is a few KB; 20 MB is a wrong file

# from_version -> function returning data at from_version + 1. Version 1 is the
# first public shape; a change to it adds a step here and bumps SCHEMA_VERSION.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def is_url(source: str) -> bool:
    return "://" in source


def upgrade(data: dict[str, Any], *, upgrades: dict | None = None, current: int = SCHEMA_VERSION) -> dict[str, Any]:
    """Bring project data of any older schema version up to ``current``."""
    steps = UPGRADES if upgrades is None else upgrades
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectFileError(f"schema_version must be a whole number ≥ 1, got {version!r}")
    if version > current:
        raise ProjectFileError(
            f"this project was saved by a newer Vidgen (schema version {version}); "
            f"this one reads versions up to {current}. Update Vidgen to open it."
        )
    while version < current:
        if version not in steps:
            raise ProjectFileError(f"no upgrade from schema version {version} is known")
        data = steps[version](dict(data))
        version += 1
        data["schema_version"] = version
    data["schema_version"] = current
    return data


def parse(text: str, *, base_dir: Path | None = None, origin: str = "project") -> Composition:
    """Read project JSON; relative media paths resolve against ``base_dir``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectFileError(
            f"{origin} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    if not isinstance(data, dict):
        raise ProjectFileError(f"{origin} must hold a JSON object, got {type(data).__name__}")
    comp = Composition.from_data(upgrade(data))
    if base_dir is not None:
        for element in comp.elements:
            source = getattr(element, "source", None)
            if source and not is_url(source) and not os.path.isabs(source):
                element.source = str((base_dir / source).resolve())
    return comp


def load(path: str | os.PathLike[str]) -> Composition:
    """Open a project file. Errors name the file and say what is wrong."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_PROJECT_BYTES:
            raise ProjectFileError(f"{path.name} is {size // 1_000_000} MB; that is not a project file")
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ProjectFileError(f"project file {path} does not exist") from exc
    except IsADirectoryError as exc:
        raise ProjectFileError(f"{path} is a folder, not a project file") from exc
    except OSError as exc:
        raise ProjectFileError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProjectFileError(f"{path.name} is not a text (UTF-8 JSON) project file") from exc
    try:
        return parse(text, base_dir=path.resolve().parent, origin=path.name)
    except ProjectFileError:
        raise
    except ValueError as exc:  # CompositionError: prefix the file name
        raise ProjectFileError(f"{path.name}:\n{exc}") from exc


def to_data(comp: Composition, *, base_dir: Path | None = None) -> dict[str, Any]:
    """Plain data for ``comp``; media inside ``base_dir``'s tree are made relative to it."""
    data = comp.model_dump(mode="json", exclude_defaults=False)
    if base_dir is not None:
        root = base_dir.resolve()
        for element in data["elements"]:
            source = element.get("source")
            if source and not is_url(source) and os.path.isabs(source):
                try:
                    element["source"] = Path(source).resolve().relative_to(root).as_posix()
                except ValueError:
                    pass  # outside the project's folder: keep it absolute
    return data


def dumps(comp: Composition, *, base_dir: Path | None = None) -> str:
    return json.dumps(to_data(comp, base_dir=base_dir), indent=2, ensure_ascii=False) + "\n"


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def save(comp: Composition, path: str | os.PathLike[str]) -> None:
    """Save atomically; media beside or below the project are stored relative."""
    path = Path(path)
    atomic_write(path, dumps(comp, base_dir=path.resolve().parent).encode("utf-8"))
