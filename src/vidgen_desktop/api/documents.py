"""A request body made into a ``Composition``: JSON, either form, the CLI's messages, media.

Errors are ``ApiError``s: 400 for a body that is not a JSON object, 422 for a
document that does not validate (one entry per line ``vidgen`` prints, with
the element and field it names) or a ``source`` the server will not read.
The server reads media only by URL (``source_url``, or an http(s) ``source``
in our document); a path would be a file of the server's own.
"""

from __future__ import annotations

import json
import re
from typing import Any

from vidgen_desktop.api import elements
from vidgen_desktop.api.sources import SourceFetcher, SourceRefused
from vidgen_desktop.composition import project
from vidgen_desktop.composition.model import AudioElement, Composition, ImageElement, VideoElement
from vidgen_desktop.errors import CompositionError

LINE = re.compile(
    r"^(?:element '(?P<id>[^']*)'|element #(?P<n>\d+)|(?P<output>output)): (?P<rest>.*)$"
)


def _error(*args: Any, **kwargs: Any) -> Exception:
    from vidgen_desktop.api.app import ApiError  # app imports the routes that import this

    return ApiError(*args, **kwargs)


def parse_json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise _error(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _error(400, "malformed_json", "the body must be a JSON object ({...})")
    return data


def line_entry(line: str) -> dict[str, Any]:
    """``element 'logo': width must be …`` as {"message", "element", "field"}."""
    match = LINE.match(line)
    element, field = None, None
    if match:
        element = match["id"] or (f"#{match['n']}" if match["n"] else "output")
        first = match["rest"].split(" ", 1)[0]
        field = first if re.fullmatch(r"[A-Za-z_][\w.\[\]]*", first) else None
    return {"message": line, "element": element, "field": field}


def invalid(message: str) -> Exception:
    lines = [line for line in message.splitlines() if line.strip()] or [message]
    return _error(422, "invalid_document", lines[0], errors=[line_entry(line) for line in lines])


def composition(data: dict[str, Any]) -> Composition:
    if elements.is_element_form(data):
        data = elements.to_document(data)
    try:
        return Composition.from_data(project.upgrade(data))
    except CompositionError as exc:
        raise invalid(str(exc)) from None


def fetch_sources(fetcher: SourceFetcher, comp: Composition) -> Composition:
    """The composition with every media source fetched into the cache (its local path)."""
    updates = {}
    for element in comp.elements:
        if not isinstance(element, VideoElement | ImageElement | AudioElement):
            continue
        if not project.is_url(element.source) or not element.source.startswith(
            ("http://", "https://")
        ):
            raise invalid(
                f"element '{element.id}': source must be an http(s) URL (source_url); "
                "the server reads no files of its own"
            )
        try:
            updates[element.id] = str(
                fetcher.fetch(element.source, kind=element.type, element=element.id)
            )
        except SourceRefused as exc:
            raise invalid(str(exc)) from None
    data = comp.model_dump(mode="json")
    for element in data["elements"]:
        if element["id"] in updates:
            element["source"] = updates[element["id"]]
    return Composition.model_validate(data)
