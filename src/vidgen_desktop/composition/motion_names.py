"""The names a document gives motion: easings, entrance and exit presets, transitions.

What the model accepts (``composition.animation``) and what the math draws
(``composition.motion``, which re-exports them); a module of their own so that
loading a project loads no motion math (a render of something still needs none:
about 5 M instructions).
"""

from __future__ import annotations

EASINGS = ("linear", "ease-in", "ease-out", "ease-in-out", "hold")
PRESETS = (
    "fade",
    "slide-from-left",
    "slide-from-right",
    "slide-from-top",
    "slide-from-bottom",
    "zoom-in",
    "zoom-out",
    "pop",
    "spin",
    "ken-burns",
)
IMAGE_ONLY_PRESETS = ("ken-burns",)
TRANSITIONS = (
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
