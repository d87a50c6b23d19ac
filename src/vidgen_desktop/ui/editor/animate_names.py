"""The names of the entrance/exit presets and transitions the editor offers (no Qt here)."""

from __future__ import annotations

from vidgen_desktop.composition.motion import IMAGE_ONLY_PRESETS, PRESETS, TRANSITIONS

PRESET_NAMES = tuple(p for p in PRESETS if p not in IMAGE_ONLY_PRESETS)  # for every element
TRANSITION_NAMES = TRANSITIONS
DEFAULT_DURATION = {"animation_in": 0.6, "animation_out": 0.4, "transition_in": 0.5}  # s
KIND = {"animation_in": "preset", "animation_out": "preset", "transition_in": "type"}


def title(name: str) -> str:
    """``slide-from-left`` as a menu reads it: ``Slide from left``."""
    return name.replace("-", " ").capitalize()
