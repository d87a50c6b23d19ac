"""A template's declared variables (``"variables"`` in a version-2 document).

::

    "variables": {
      "headline": {"type": "text",   "default": "Spring sale"},
      "product":  {"type": "image",  "default": "media/photo.jpg"},
      "accent":   {"type": "color",  "default": "#ff3366"},
      "price":    {"type": "number", "default": 19.99, "format": "{:.2f} €"}
    }

Only the declarations live here (the document model imports them);
``composition.variables`` fills them in. ``{{name}}`` marks a use of one in
a text, a ``source`` or a colour field; ``{{{{`` is a literal ``{{``.
"""

from __future__ import annotations

import math
import re
import string
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from vidgen_desktop.composition.colors import parse_color

VariableType = Literal["text", "image", "video", "audio", "color", "number"]
MEDIA_TYPES = frozenset({"image", "video", "audio"})
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
MAX_VARIABLES = 500
MAX_VALUE_CHARS = 10_000

VariableName = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]

# "{{{{" (a literal "{{") first, then "{{ name }}"; any other "{{" is a mistake.
TOKEN = re.compile(r"\{\{\{\{|\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|\{\{")


def has_placeholder(text: str) -> bool:
    """Whether ``text`` uses a variable (``{{name}}``; a literal ``{{{{`` is not one)."""
    return "{{" in text and any(m.group(1) for m in TOKEN.finditer(text))


def check_format(fmt: str) -> str:
    """A number format is ``str.format`` text with one plain field: ``"{:.2f} €"``."""
    fields = [f for _, f, spec, conv in string.Formatter().parse(fmt) if f is not None]
    if len(fields) != 1 or fields[0] not in ("", "0"):
        raise ValueError(f"format must hold exactly one {{}} field, like '{{:.2f}} €', got {fmt!r}")
    try:
        fmt.format(1.5)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise ValueError(f"format {fmt!r} cannot show a number: {exc}") from None
    return fmt


class Variable(BaseModel):
    """One declared variable: its type, its default and (numbers) how it is shown."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, allow_inf_nan=False, defer_build=True
    )

    type: VariableType = "text"
    default: str | float | None = Field(None)
    format: str | None = Field(None, max_length=200)
    label: str | None = Field(None, max_length=200)  # what the Variables panel shows

    @model_validator(mode="before")
    @classmethod
    def _keep_bools_out(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("default"), bool):
            raise ValueError(f"default must be a text or a number, not {data['default']}")
        return data

    @model_validator(mode="after")
    def _default_fits(self) -> Variable:
        value = self.default
        if self.format is not None:
            if self.type != "number":
                raise ValueError("format is only for variables of type 'number'")
            check_format(self.format)
        if value is None:
            return self
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            raise ValueError(f"default must be at most {MAX_VALUE_CHARS} characters")
        if self.type == "number":
            if isinstance(value, str):
                raise ValueError(f"default of a number variable must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError("default must be a finite number")
        elif self.type == "color":
            parse_color(str(value))
        elif self.type in MEDIA_TYPES and not str(value).strip():
            raise ValueError(f"default of an {self.type} variable must name a file")
        return self
