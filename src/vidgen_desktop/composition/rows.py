"""Rows of values for a template: a CSV file (header = column names) or a JSON list.

Row numbers are 1-based over the data rows (the CSV header is not a row), the
number every message and ``batch.csv`` use. A JSON file holds a list of
objects, or ``{"rows": [...]}``. Columns are mapped to variables by name,
or through an explicit ``mapping`` (column -> variable) from the editor.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vidgen_desktop.errors import CompositionError, display_name

MAX_ROWS = 10_000
MAX_ROWS_BYTES = 50 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Rows:
    """The rows of one file, the columns it has, and the folder its relative paths are in."""

    columns: list[str]
    rows: list[dict[str, Any]]
    folder: str | None = None

    def mapped(self, mapping: Mapping[str, str] | None) -> list[dict[str, Any]]:
        """Each row keyed by variable (``mapping``: column -> variable; None: same names)."""
        if not mapping:
            return [dict(row) for row in self.rows]
        return [
            {variable: row.get(column) for column, variable in mapping.items() if variable}
            for row in self.rows
        ]


def parse(text: str, *, kind: str, origin: str = "rows") -> Rows:
    """Rows from CSV (``kind="csv"``) or JSON text; errors name ``origin`` and the row."""
    if kind == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CompositionError(
                f"{origin} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        if isinstance(data, dict) and isinstance(data.get("rows"), list):
            data = data["rows"]
        if not isinstance(data, list):
            raise CompositionError(f"{origin} must hold a list of rows ([{{...}}, ...])")
        for number, row in enumerate(data, 1):
            if not isinstance(row, dict):
                raise CompositionError(f"{origin}: row {number} must be an object ({{...}})")
        columns = list(dict.fromkeys(key for row in data for key in row))
        return _checked(Rows(columns, [dict(row) for row in data]), origin)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        table = [line for line in reader]
    except csv.Error as exc:
        raise CompositionError(f"{origin} is not a CSV file Vidgen can read: {exc}") from None
    table = [line for line in table if any(cell.strip() for cell in line)]
    if not table:
        raise CompositionError(f"{origin} is empty; the first line names the columns")
    header = [cell.strip() for cell in table[0]]
    if len(set(header)) != len(header) or not all(header):
        raise CompositionError(f"{origin}: the column names must be unique and not empty")
    result = []
    for number, line in enumerate(table[1:], 1):
        if len(line) > len(header):
            raise CompositionError(
                f"{origin}: row {number} has {len(line)} cells, the header {len(header)}"
            )
        result.append({name: (line[i] if i < len(line) else "") for i, name in enumerate(header)})
    return _checked(Rows(header, result), origin)


def _checked(found: Rows, origin: str) -> Rows:
    if len(found.rows) > MAX_ROWS:
        raise CompositionError(
            f"{origin} has {len(found.rows)} rows; a batch has at most {MAX_ROWS}"
        )
    return found


def load(path: str | os.PathLike[str]) -> Rows:
    """Read ``ROWS.csv`` or ``ROWS.json``; relative file names in it resolve beside it."""
    path = Path(path)
    name = display_name(path)
    kind = "json" if path.suffix.lower() == ".json" else "csv"
    try:
        if path.stat().st_size > MAX_ROWS_BYTES:
            raise CompositionError(f"{name} is too large for a rows file")
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CompositionError(
            f"rows file {display_name(path, full=True)} does not exist"
        ) from None
    except UnicodeDecodeError:
        raise CompositionError(f"{name} is not UTF-8 text") from None
    except OSError as exc:
        raise CompositionError(f"cannot read {name}: {exc.strerror}") from None
    found = parse(text, kind=kind, origin=name)
    return dataclasses.replace(found, folder=str(path.resolve().parent))
