"""Copy, cut and paste of elements, within a project and between projects.

The clipboard carries JSON twice: under our own MIME type (what a paste looks
for first) and as plain text (what another window, or a text editor, sees).
The JSON is ``{"vidgen_elements": 1, "elements": [...]}`` with each element as
the project file writes it, except that media sources stay absolute, so a
paste into a project in another folder still finds them. A paste validates
every element (a bad one is refused with its one-line message, nothing is
added) and makes ids unique in the document it lands in.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from vidgen_desktop.composition.model import (
    AudioElement,
    ImageElement,
    TextElement,
    VideoElement,
    describe_errors,
)

MIME = "application/x-vidgen-elements+json"
FORMAT = 1


@functools.cache
def _element() -> TypeAdapter:
    """The validator of one element of any type (built on the first paste: ~10 ms at start-up)."""
    return TypeAdapter(VideoElement | ImageElement | TextElement | AudioElement)


def dumps(elements: Sequence[Any], base_dir: Path | None = None) -> str:
    """The clipboard JSON for ``elements`` (relative sources made absolute against ``base_dir``)."""
    items = []
    for element in elements:
        data = element.model_dump(mode="json", exclude_defaults=False)
        source = data.get("source")
        if source and "{{" not in source and not os.path.isabs(source) and base_dir is not None:
            data["source"] = str((base_dir / source).resolve())
        items.append(data)
    return json.dumps({"vidgen_elements": FORMAT, "elements": items}, indent=1)


def loads(text: str) -> list[Any]:
    """The elements in clipboard JSON; a one-line ``ValueError`` when it is not ours or bad."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"clipboard: not element JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or "vidgen_elements" not in data:
        raise ValueError("clipboard: not Vidgen elements (no 'vidgen_elements' key)")
    items = data.get("elements")
    if not isinstance(items, list):
        raise ValueError("clipboard: 'elements' must be a list")
    out = []
    for n, item in enumerate(items):
        element_id = item.get("id", f"#{n + 1}") if isinstance(item, dict) else f"#{n + 1}"
        try:
            out.append(_element().validate_python(item))
        except ValidationError as exc:
            first = describe_errors(exc, element_id=str(element_id)).splitlines()[0]
            raise ValueError(f"clipboard: {first}") from None
    return out


def unique(elements: Sequence[Any], taken: Iterable[str], new_id) -> list[Any]:
    """``elements`` with ids not in ``taken`` (``new_id(stem, taken)`` picks one), their
    group names kept together: pasted members form a group of their own."""
    used = set(taken)
    out = []
    for element in elements:
        element_id = element.id if element.id not in used else new_id(element.id, used)
        used.add(element_id)
        out.append(element.model_copy(update={"id": element_id}))
    return out
