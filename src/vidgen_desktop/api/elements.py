"""The platform's element form, mapped onto our document (``composition.model``).

>>> data = to_document({"output_format": "mp4", "width": 1920, "height": 1080,
...     "elements": [{"type": "video", "source_url": "https://…/a.mp4", "element_order": 0,
...                   "track": 0, "x_position": "10%", "y_position": "10%", "width": "80%",
...                   "height": "80%", "fit_mode": "contain", "start_time": 0, "duration": 5}]})

One name per field is mapped (``x_position`` → ``x``, ``fit_mode`` → ``fit``,
``start_time`` → ``start``, ``source_url`` → ``source``, ``output_format`` →
``output.format``, …); elements are ordered by ``track``, then
``element_order``, as the platform stacks them; every other field of an
element (``opacity``, ``volume``, ``text``, ``keyframes``, …) is ours
already and passes through, so the model's validation names it when wrong.
Either form then goes through the same ``Composition.from_data``.
"""

from __future__ import annotations

from typing import Any

from vidgen_desktop.composition.model import SCHEMA_VERSION

OUTPUT_FIELDS = {  # platform name -> our output field
    "output_format": "format",
    "format": "format",
    "width": "width",
    "height": "height",
    "fps": "fps",
    "frame_rate": "fps",
    "quality": "quality",
    "background": "background",
    "background_color": "background",
    "duration": "duration",
}
ELEMENT_FIELDS = {  # platform name -> our element field
    "source_url": "source",
    "x_position": "x",
    "y_position": "y",
    "fit_mode": "fit",
    "start_time": "start",
    "trim": "trim_start",
    "text_color": "color",
}
DROPPED = {"element_order"}  # used for ordering only


def is_element_form(body: dict[str, Any]) -> bool:
    """Our document has ``output`` or ``schema_version``; the platform's form has neither."""
    return "output" not in body and "schema_version" not in body


def to_document(body: dict[str, Any]) -> dict[str, Any]:
    output: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    for name, value in body.items():
        if name in OUTPUT_FIELDS:
            output[OUTPUT_FIELDS[name]] = value
        elif name != "elements":
            rest[name] = value
    elements = body.get("elements", [])
    if not isinstance(elements, list):
        return {"schema_version": SCHEMA_VERSION, **rest, "output": output, "elements": elements}
    indexed = list(enumerate(elements))
    ordered = sorted(
        indexed,
        key=lambda pair: (
            _number(pair[1].get("track")) if isinstance(pair[1], dict) else 0,
            _number(pair[1].get("element_order", pair[0])) if isinstance(pair[1], dict) else 0,
            pair[0],
        ),
    )
    mapped = [_element(element, n) for n, element in ordered]
    return {"schema_version": SCHEMA_VERSION, **rest, "output": output, "elements": mapped}


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _element(element: Any, index: int) -> Any:
    if not isinstance(element, dict):
        return element  # the model names it ("element #3 must be an object")
    data = {"id": element.get("id") or f"element-{index + 1}"}
    for name, value in element.items():
        if name in DROPPED or name == "id":
            continue
        data[ELEMENT_FIELDS.get(name, name)] = value
    return data
