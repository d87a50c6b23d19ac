"""The names of the entrance/exit presets and transitions the editor offers (no Qt here)."""

from __future__ import annotations

# TEMPORARY: the lists, until composition.motion's own are merged
PRESET_NAMES = (
    "fade",
    "slide-from-left",
    "slide-from-right",
    "slide-from-top",
    "slide-from-bottom",
    "zoom-in",
    "zoom-out",
    "pop",
    "spin",
)
IMAGE_ONLY_PRESETS = ("ken-burns",)
TRANSITION_NAMES = (
    "crossfade",
    "wipe-left",
    "wipe-right",
    "wipe-up",
    "wipe-down",
    "slide-left",
    "slide-right",
    "push-left",
    "push-right",
    "zoom",
)
DEFAULT_DURATION = {"animation_in": 0.6, "animation_out": 0.4, "transition_in": 0.5}  # s
KIND = {"animation_in": "preset", "animation_out": "preset", "transition_in": "type"}


def title(name: str) -> str:
    """``slide-from-left`` as a menu reads it: ``Slide from left``."""
    return name.replace("-", " ").capitalize()
