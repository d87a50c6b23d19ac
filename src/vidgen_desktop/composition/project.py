"""Project files: JSON on disk, atomic saves, relative media paths, schema upgrades.

Media paths: on load, a relative ``source`` is joined to the project file's
folder (without resolving symlinks); on save, a source inside that folder's
tree is written relative to it (POSIX separators), anything else absolute.
URLs (``s3://…``, ``https://…``) are never touched.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from vidgen_desktop.composition import variables
from vidgen_desktop.composition.model import SCHEMA_VERSION, Composition
from vidgen_desktop.composition.variable_types import MEDIA_TYPES
from vidgen_desktop.errors import ProjectFileError, VidgenError, display_name
from vidgen_desktop.files import NEW_FILE_MODE, atomic_write  # noqa: F401 - re-exported

MAX_PROJECT_BYTES = 20 * 1024 * 1024  # a project is a few KB; 20 MB is a wrong file

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


# from_version -> function returning data at from_version + 1. Version 1 is the
# first public shape; a change to it adds a step here and bumps SCHEMA_VERSION.
# Version 1 → 2 adds motion (fields with defaults: nothing moves) and variables
# (a version-1 file's literal "{{" is escaped, so nothing in it becomes a placeholder).
UPGRADES: dict[int, Upgrade] = {1: variables.upgrade_v1}


class ProjectSaveError(VidgenError, OSError):
    """The project file cannot be saved."""


def is_url(source: str) -> bool:
    """``s3://…``, ``https://…``, ``file://…``: left exactly as written."""
    return "://" in source


def _is_file_path(source: str) -> bool:
    """A local path to rebase: not a URL, not one that starts with ``{{name}}`` (the row's
    value is the path, and resolves against the rows file's folder)."""
    if is_url(source):
        return False
    first = variables.TOKEN.match(source.lstrip())
    return not (first and first.group(1))


def _media_defaults(declared: Mapping[str, Any]) -> list[tuple[Any, str]]:
    """(declaration, default) of each image/video/audio variable whose default is a path."""
    found = []
    for value in declared.values():
        item = value if isinstance(value, dict) else vars(value)
        default = item.get("default")
        media = item.get("type") in MEDIA_TYPES
        if media and isinstance(default, str) and default and not is_url(default):
            found.append((value, default))
    return found


def upgrade(
    data: dict[str, Any],
    *,
    upgrades: Mapping[int, Upgrade] | None = None,
    current: int = SCHEMA_VERSION,
) -> dict[str, Any]:
    """Bring project data of any older schema version up to ``current``.

    A missing ``schema_version`` means 1 (the first public shape). Steps run
    in order on a copy; ``data`` itself is left as it was.
    """
    steps = UPGRADES if upgrades is None else upgrades
    version = data.get("schema_version", 1)
    if isinstance(version, float) and version.is_integer():
        version = int(version)  # 1.0 from a tool that writes every number as a float
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectFileError(f"schema_version must be a whole number ≥ 1, got {version!r}")
    start = version
    if version > current:
        raise ProjectFileError(
            f"this project was saved by a newer Vidgen (schema version {version}); "
            f"this one reads versions up to {current}. Update Vidgen to open it."
        )
    while version < current:
        if version not in steps:
            raise ProjectFileError(f"no upgrade from schema version {version} is known")
        data = steps[version](copy.deepcopy(data) if version == start else data)
        if not isinstance(data, dict):
            raise ProjectFileError(f"the upgrade from schema version {version} returned no data")
        version += 1
        data["schema_version"] = version
    if version == start:
        data = dict(data)
    data["schema_version"] = current
    return data


def parse(text: str, *, base_dir: Path | None = None, origin: str = "project") -> Composition:
    """Read project JSON; relative media paths resolve against ``base_dir``."""
    if not text.strip():
        raise ProjectFileError(f"{origin} is empty; a project file holds a JSON object")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectFileError(
            f"{origin} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, [[[[…]]]] nested deep
        raise ProjectFileError(f"{origin} is not a JSON file Vidgen can read: {exc}") from exc
    if not isinstance(data, dict):
        kinds = {list: "an array", str: "a string", type(None): "null", bool: "true/false"}
        kind = kinds.get(type(data), "a number")
        raise ProjectFileError(f"{origin} must hold a JSON object ({{...}}), but holds {kind}")
    try:
        data = upgrade(data)
    except ProjectFileError as exc:
        raise ProjectFileError(f"{origin}: {exc}") from exc
    comp = Composition.from_data(data)
    if base_dir is not None:
        for n, element in enumerate(comp.elements):
            source = getattr(element, "source", None)
            if source and _is_file_path(source) and not os.path.isabs(source):
                # A copy, not an assignment: a valid source joined to a folder is valid, and
                # validating the assignment would build the element type's own validator
                # (~25 M instructions per type, a quarter of a render's own start) for nothing.
                full = os.path.normpath(os.path.join(base_dir, source))
                comp.elements[n] = element.model_copy(update={"source": full})
        for holder, default in _media_defaults(comp.variables):
            if not os.path.isabs(default):
                holder.default = os.path.normpath(os.path.join(base_dir, default))
    return comp


def load(path: str | os.PathLike[str]) -> Composition:
    """Open a project file. Errors name the file and say what is wrong."""
    path = Path(path)
    name, shown = display_name(path), display_name(path, full=True)
    try:
        size = path.stat().st_size
        if size > MAX_PROJECT_BYTES:
            raise ProjectFileError(
                f"{name} is {size / 1_000_000:.0f} MB; a project file is a few KB, "
                "so this is not one"
            )
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ProjectFileError(f"project file {shown} does not exist") from exc
    except IsADirectoryError as exc:
        raise ProjectFileError(f"{shown} is a folder, not a project file") from exc
    except OSError as exc:
        raise ProjectFileError(f"cannot read {shown}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProjectFileError(f"{name} is not a text (UTF-8 JSON) project file") from exc
    try:
        return parse(text, base_dir=path.resolve().parent, origin=name)
    except ProjectFileError:
        raise
    except ValueError as exc:  # CompositionError: prefix the file name
        raise ProjectFileError(f"{name}:\n{exc}") from exc


def _relative_source(source: str, root: Path) -> str:
    """``source`` relative to ``root`` if it lies in its tree, else unchanged."""
    for candidate in (Path(os.path.normpath(source)), Path(source).resolve()):
        with contextlib.suppress(ValueError):
            return candidate.relative_to(root).as_posix()
    return source


def to_data(comp: Composition, *, base_dir: Path | None = None) -> dict[str, Any]:
    """Plain data for ``comp``; media inside ``base_dir``'s tree are made relative to it."""
    data = comp.model_dump(mode="json", exclude_defaults=False)
    if base_dir is not None:
        root = base_dir.resolve()
        for element in data["elements"]:
            source = element.get("source")
            if source and not is_url(source) and os.path.isabs(source):
                element["source"] = _relative_source(source, root)
        for holder, default in _media_defaults(data.get("variables") or {}):
            if os.path.isabs(default):
                holder["default"] = _relative_source(default, root)
    return data


def dumps(comp: Composition, *, base_dir: Path | None = None) -> str:
    return json.dumps(to_data(comp, base_dir=base_dir), indent=2, ensure_ascii=False) + "\n"


def save(comp: Composition, path: str | os.PathLike[str]) -> None:
    """Save atomically; media beside or below the project are stored relative.

    On failure the previous file is left as it was, no temporary file stays
    behind, and ``ProjectSaveError`` says why in words.
    """
    path = Path(path)
    text = dumps(comp, base_dir=path.resolve().parent)
    try:
        atomic_write(path, text.encode("utf-8"))
    except IsADirectoryError as exc:
        raise ProjectSaveError(
            f"cannot save the project as {display_name(path, full=True)}: it is a folder"
        ) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ProjectSaveError(
            f"cannot save the project to {display_name(path, full=True)}: {reason}"
        ) from exc
