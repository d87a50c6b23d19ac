"""Templates: fill a document's ``{{name}}`` fields from a row of values (pure).

``fill(comp, values, row=3)`` returns the document with every ``{{name}}``
replaced by the row's value (or the variable's default); the literal-``{{``
escape (``{{{{``) stays, so filling twice changes nothing and the job log
stores a filled document. ``concrete(comp)`` is what the renderer and the
preview draw: filled with the defaults, escapes turned into ``{{``.

Where a ``{{name}}`` may appear: a text element's ``text``, ``color`` and
``background``; the ``source`` of a video, image or audio element; the
output's ``background``. Every problem is one line naming the row, the
variable and the element; all of a row's problems are reported together.

``variant(comp, width, height)`` is the same design at another output size:
lengths in % keep their layout, explicit font sizes and padding scale with
the canvas, so text refits its box.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from vidgen_desktop.composition.colors import parse_color
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.composition.variable_types import (
    MAX_VALUE_CHARS,
    MEDIA_TYPES,
    TOKEN,
    Variable,
)
from vidgen_desktop.errors import CompositionError

# element type -> the fields that may hold {{name}}
TEMPLATED: dict[str, tuple[str, ...]] = {
    "text": ("text", "color", "background"),
    "image": ("source",),
    "video": ("source",),
    "audio": ("source",),
}
BUILTIN_NAMES = ("row", "size", "width", "height", "project")  # for output names only


class VariableError(CompositionError):
    """A row (or the template's defaults) cannot fill the template; one line per problem."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


def _where(row: int | None) -> str:
    return f"row {row}: " if row is not None else ""


def escape(text: str) -> str:
    """A value as literal text in a template: ``{{`` becomes ``{{{{``."""
    return text.replace("{{", "{{{{")


def unescape(text: str) -> str:
    return text.replace("{{{{", "{{") if "{{" in text else text


def uses(comp: Composition) -> dict[str, list[str]]:
    """Variable name -> ids of the elements that use it (in document order)."""
    found: dict[str, list[str]] = {}
    for element_id, _field, text in _fields(comp):
        for match in TOKEN.finditer(text):
            if match.group(1) and element_id not in found.setdefault(match.group(1), []):
                found[match.group(1)].append(element_id)
    return found


def _fields(comp: Composition) -> Iterable[tuple[str, str, str]]:
    """(element id or 'output', field, text) of every field that may hold a variable."""
    if isinstance(comp.output.background, str):
        yield "output", "background", comp.output.background
    for element in comp.elements:
        for field in TEMPLATED.get(element.type, ()):
            value = getattr(element, field, None)
            if isinstance(value, str):
                yield element.id, field, value


def is_template(comp: Composition) -> bool:
    return bool(comp.variables) or any("{{" in text for _, _, text in _fields(comp))


def number_text(value: float, fmt: str | None) -> str:
    if fmt is not None:
        return fmt.format(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def value_text(
    name: str,
    declared: Variable,
    raw: Any,
    *,
    base_dir: str | None = None,
    exists: Callable[[str], bool] | None = None,
) -> str:
    """The text a value puts in the document, or ValueError saying what is wrong with it."""
    kind = declared.type
    if isinstance(raw, bool | dict | list):
        raise ValueError(f"{_shown(raw)} is not a {kind} value")
    if kind == "number":
        if isinstance(raw, str):
            try:
                raw = float(raw.strip())
            except ValueError:
                raise ValueError(f"{_shown(raw)} is not a number") from None
        if not isinstance(raw, int | float) or not math.isfinite(raw):
            raise ValueError(f"{_shown(raw)} is not a finite number")
        return number_text(float(raw), declared.format)
    text = raw if isinstance(raw, str) else number_text(float(raw), None)
    if len(text) > MAX_VALUE_CHARS:
        raise ValueError(f"the value is {len(text)} characters; at most {MAX_VALUE_CHARS}")
    if kind == "color":
        try:
            parse_color(text)
        except ValueError:
            raise ValueError(f"{_shown(text)} is not a colour like '#ff3366'") from None
        return text.strip()
    if kind in MEDIA_TYPES:
        text = text.strip()
        if not text:
            raise ValueError(f"an {kind} variable needs a file, got nothing")
        if "://" not in text and base_dir is not None and not os.path.isabs(text):
            text = os.path.normpath(os.path.join(base_dir, os.path.expanduser(text)))
        if "://" not in text and exists is not None and not exists(text):
            raise ValueError(f"file {text} does not exist")
        return text
    return text


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def values_for(
    comp: Composition,
    values: Mapping[str, Any] | None = None,
    *,
    row: int | None = None,
    base_dir: str | None = None,
    exists: Callable[[str], bool] | None = None,
) -> dict[str, str]:
    """Each declared variable's text for this row (its value, else its default).

    An empty cell (``""``, or null in JSON) means "use the default". Relative
    file names of a row resolve against ``base_dir`` (the rows file's folder);
    ``exists`` (os.path.exists) checks that the row's files are there.
    """
    values = values or {}
    used = uses(comp)
    texts, problems = {}, []
    for name, declared in comp.variables.items():
        raw = values.get(name)
        from_row = raw is not None and raw != ""
        where = _element_names(used.get(name, []))
        if not from_row:
            raw = declared.default
            if raw is None:
                if used.get(name):
                    problems.append(
                        f"{_where(row)}variable '{name}'{where}: no value and no default"
                    )
                continue
        try:
            texts[name] = value_text(
                name, declared, raw, base_dir=base_dir if from_row else None, exists=exists
            )
        except ValueError as exc:
            origin = "" if from_row else " (its default)"
            problems.append(f"{_where(row)}variable '{name}'{where}{origin}: {exc}")
    if problems:
        raise VariableError(problems)
    return texts


def _element_names(ids: list[str]) -> str:
    if not ids:
        return ""
    shown = ", ".join(f"'{i}'" for i in ids[:3]) + (" …" if len(ids) > 3 else "")
    return f" (element{'s' if len(ids) > 1 else ''} {shown})"


def substitute(text: str, texts: Mapping[str, str], declared: Iterable[str]) -> str:
    """``text`` with each ``{{name}}`` replaced (escaped); KeyError/ValueError for mistakes."""
    if "{{" not in text:
        return text
    known = set(declared)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if match.group(0) == "{{{{":
            return "{{{{"
        if name is None:
            raise ValueError("has '{{' that is not a variable (write {{{{ for a literal {{)")
        if name not in known:
            raise KeyError(name)
        if name not in texts:
            raise LookupError(name)
        return escape(texts[name])

    return TOKEN.sub(replace, text)


def fill(
    comp: Composition,
    values: Mapping[str, Any] | None = None,
    *,
    row: int | None = None,
    base_dir: str | None = None,
    exists: Callable[[str], bool] | None = None,
) -> Composition:
    """The document with this row's values in place of its ``{{name}}`` fields.

    Raises ``VariableError`` with one line per problem (an undeclared
    variable, a value of the wrong type, a missing file, a colour that is
    not one once filled in), each naming the row, the variable and the element.
    """
    if not is_template(comp):
        return comp
    texts, problems = {}, []
    try:
        texts = values_for(comp, values, row=row, base_dir=base_dir, exists=exists)
    except VariableError as exc:
        problems.extend(exc.lines)
    data = comp.model_dump(mode="json")
    places = [("output", data["output"])] + [(e["id"], e) for e in data["elements"]]
    for element_id, place in places:
        kind = "output" if element_id == "output" else place["type"]
        for field in ("background",) if kind == "output" else TEMPLATED.get(kind, ()):
            text = place.get(field)
            if not isinstance(text, str) or "{{" not in text:
                continue
            label = "the output" if kind == "output" else f"element '{element_id}'"
            try:
                place[field] = substitute(text, texts, comp.variables)
            except KeyError as exc:
                problems.append(
                    f"{_where(row)}variable '{exc.args[0]}' ({label}, {field}): "
                    "is not declared (add it under variables)"
                )
            except LookupError:
                pass  # reported by values_for: no value and no default
            except ValueError as exc:
                problems.append(f"{_where(row)}{label}: {field} {exc}")
    if problems:
        raise VariableError(dict.fromkeys(problems))  # once each, in order
    try:
        return Composition.model_validate(data)
    except ValueError as exc:  # a colour field that "{{a}}-{{b}}" made into no colour
        lines = [f"{_where(row)}{line}" for line in _lines(exc, data)]
        raise VariableError(lines) from exc


def _lines(exc: ValueError, data: Any) -> list[str]:
    from pydantic import ValidationError

    from vidgen_desktop.composition.messages import describe_errors

    text = describe_errors(exc, data) if isinstance(exc, ValidationError) else str(exc)
    return [line for line in text.splitlines() if line.strip()]


def concrete(comp: Composition) -> Composition:
    """What is drawn: filled with the defaults, ``{{{{`` turned into ``{{``."""
    if not is_template(comp):
        return comp
    filled = fill(comp)
    data = filled.model_dump(mode="json")
    if data["output"].get("background"):
        data["output"]["background"] = unescape(data["output"]["background"])
    for element in data["elements"]:
        for field in TEMPLATED.get(element["type"], ()):
            if isinstance(element.get(field), str):
                element[field] = unescape(element[field])
    data["variables"] = {}
    return Composition.model_validate(data)


def variant(comp: Composition, width: int, height: int) -> Composition:
    """The design at another output size: % layouts keep, text refits (font, padding scale)."""
    old_w, old_h = comp.output.width, comp.output.height
    if (old_w, old_h) == (width, height):
        return comp
    ratio = min(width / old_w, height / old_h)
    data = comp.model_dump(mode="json")
    data["output"].update(width=width, height=height)
    for element in data["elements"]:
        if element["type"] == "text":
            if element.get("font_size") is not None:
                element["font_size"] = round(element["font_size"] * ratio, 3)
            element["padding"] = round(element.get("padding", 0.0) * ratio, 3)
    return Composition.model_validate(data)


def upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 → 2: a ``{{`` a version-1 file meant literally is written ``{{{{`` now."""
    output = data.get("output")
    if isinstance(output, dict) and isinstance(output.get("background"), str):
        output["background"] = escape(output["background"])
    elements = data.get("elements")
    for element in elements if isinstance(elements, list) else []:
        kind = element.get("type") if isinstance(element, dict) else None
        if not isinstance(kind, str):
            continue  # the document's check names what is wrong with it
        for field in TEMPLATED.get(kind, ()):
            if isinstance(element.get(field), str):
                element[field] = escape(element[field])
    return data
