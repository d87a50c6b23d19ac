"""What the editor draws of a template: its defaults, or the row the designer picked.

No Qt here. ``drawn`` never raises: a row that cannot fill the template (a
bad value, a missing file: checked here, one stat per file of the row) is
drawn with the defaults instead, and a template whose defaults cannot fill
it either is drawn as written, so editing never stops.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from typing import Any

from vidgen_desktop.composition import variables
from vidgen_desktop.composition.model import Composition


@dataclasses.dataclass(frozen=True)
class PreviewRow:
    """Row ``number`` (from 1) of a rows file, keyed by variable; ``folder``: the file's."""

    number: int
    values: Mapping[str, Any]
    folder: str | None = None


class Lazy:
    """``drawn()`` computed once, on first use (a loop over elements may not need it)."""

    def __init__(self, make: Callable[[], Composition]) -> None:
        self._make, self._value = make, None

    def __call__(self) -> Composition:
        if self._value is None:
            self._value = self._make()
        return self._value


def problems(comp: Composition, row: PreviewRow | None) -> list[str]:
    """Why ``row`` (or the defaults) cannot fill ``comp``: one line each; [] when it can."""
    try:
        values = row.values if row else {}
        filled = variables.fill(
            comp, values, row=row.number if row else None, base_dir=row.folder if row else None,
            exists=os.path.exists,
        )  # fmt: skip
        variables.concrete(filled)
    except variables.VariableError as exc:
        return exc.lines
    return []


def drawn(comp: Composition, row: PreviewRow | None) -> Composition:
    if not variables.is_template(comp):
        return comp
    if row is not None:
        try:
            return variables.concrete(
                variables.fill(
                    comp, row.values, row=row.number, base_dir=row.folder, exists=os.path.exists
                )  # fmt: skip
            )
        except variables.VariableError:
            pass
    try:
        return variables.concrete(comp)
    except variables.VariableError:
        return comp


def source_of(element: Any, drawn_comp: Callable[[], Composition]) -> str:
    source = getattr(element, "source", None) or ""
    if "{{" not in source:
        return source
    try:
        return getattr(drawn_comp().element(element.id), "source", source)
    except KeyError:
        return source
