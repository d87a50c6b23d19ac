"""Validation messages in a designer's words: ``element 'logo': width must be …``.

``describe_errors`` turns pydantic's errors for the document (``composition.model``)
into one line per problem, naming the element (by id, else by position) and the field.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ValidationError


def _element_label(data: Any, index: int) -> str:
    try:
        element = data["elements"][index]
        if isinstance(element, dict) and isinstance(element.get("id"), str) and element["id"]:
            return f"element '{element['id']}'"
    except (KeyError, IndexError, TypeError):
        pass
    return f"element #{index + 1}"


SHOWN_CHARS = 60  # a value quoted in a message is cut to this many characters


def number(value: Any) -> str:
    """``1.0`` as ``1``: limits read as a designer would write them; huge numbers short."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a {len(str(abs(value)))}-digit number"  # say how big instead of printing it
    return str(value)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= SHOWN_CHARS else f"{text[: SHOWN_CHARS - 1]}…"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return number(value)


def _suggestion(field: str, model: type[BaseModel] | None) -> str:
    if model is None:
        return ""
    import difflib  # here: only a misspelt field needs it, every load imports this module

    close = difflib.get_close_matches(field, list(model.model_fields), n=1, cutoff=0.7)
    return f"; did you mean '{close[0]}'?" if close else ""


def _explain(error: dict[str, Any], model: type[BaseModel] | None = None) -> str:
    kind, ctx, value = error["type"], error.get("ctx", {}), error.get("input")
    shown = _shown(value)
    match kind:
        case "value_error":
            return str(ctx.get("error", error["msg"]))
        case "missing":
            return "is required"
        case "extra_forbidden":
            field = str(error["loc"][-1]) if error["loc"] else ""
            hint = _suggestion(field, model) or " (a typo?)"
            return f"is not a field Vidgen knows{hint}"
        case "greater_than":
            return f"must be greater than {number(ctx['gt'])}, got {shown}"
        case "greater_than_equal":
            return f"must be at least {number(ctx['ge'])}, got {shown}"
        case "less_than_equal":
            return f"must be at most {number(ctx['le'])}, got {shown}"
        case "less_than":
            return f"must be less than {number(ctx['lt'])}, got {shown}"
        case "literal_error":
            return f"must be one of {ctx['expected']}, got {shown}"
        case "union_tag_invalid":
            return f"type must be one of {ctx['expected_tags']}, got {_shown_tag(value)}"
        case "union_tag_not_found":
            return "needs a 'type' (video, image, text or audio)"
        case "string_too_short":
            return "must not be empty"
        case "string_too_long":
            return f"must be at most {ctx['max_length']} characters long"
        case "string_unicode":  # "\ud800" in the JSON: half of a UTF-16 pair, no character
            return f"must be valid Unicode text (it holds an unpaired surrogate), got {shown}"
        case "string_type":
            return f"must be text, got {shown}"
        case "int_from_float" | "int_parsing" | "int_type":
            return f"must be a whole number, got {shown}"
        case "float_parsing" | "float_type" if isinstance(value, int):
            return f"is too large, got {shown}"  # an int beyond any float
        case "float_parsing" | "float_type":
            return f"must be a number, got {shown}"
        case "finite_number":
            return f"must be a finite number, got {shown}"
        case "bool_parsing" | "bool_type":
            return f"must be true or false, got {shown}"
        case "list_type":
            return f"must be a list, got {shown}"
        case "model_type" | "model_attributes_type" | "dict_type":
            return f"must be an object ({{...}}), got {shown}"
        case _:
            return f"{error['msg'][0].lower()}{error['msg'][1:]}, got {shown}"


def _shown_tag(value: Any) -> str:
    tag = value.get("type") if isinstance(value, dict) else None
    return _shown(tag)


def describe_errors(
    exc: ValidationError, data: Any = None, *, element_id: str | None = None
) -> str:
    """Turn pydantic's errors into lines like ``element 'logo': width must be …``.

    ``data`` is what was validated (it names elements by id); ``element_id``
    labels errors raised while assigning to one element's field.
    """
    lines: list[str] = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        where = ""
        model = _models().get(exc.title)
        if loc[:1] == ["elements"] and len(loc) >= 2 and isinstance(loc[1], int):
            where = _element_label(data, loc[1])
            loc = loc[2:]
            model = None
            if loc and loc[0] in _tags():
                model = _tags()[loc[0]]
                loc = loc[1:]  # the discriminator's branch name adds nothing for a designer
        elif loc[:1] == ["output"]:
            where, loc, model = "output", loc[1:], _models()["Output"]
        elif element_id is not None:
            where = f"element '{element_id}'"
        field = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc
        ).lstrip(".")
        message = _explain(error, model)
        text = f"{field} {message}" if field else message
        for line in text.splitlines():
            lines.append(f"{where}: {line}" if where else line)
    return "\n".join(dict.fromkeys(lines))  # each line once, in order


def _tags() -> dict[str, type[BaseModel]]:
    from vidgen_desktop.composition import model  # it imports this module

    return model.TAGS


def _models() -> dict[str, type[BaseModel]]:
    from vidgen_desktop.composition import model

    return model.MODELS
