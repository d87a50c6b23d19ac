"""Icons for the actions: QtAwesome's Material Design Icons (``mdi6``), in the palette's ink.

Why QtAwesome rather than bundled SVGs: one maintained set of ~7,000 glyphs
(a new action finds its icon by name, no drawing), and a font glyph is drawn
at whatever device pixels Qt asks for, so it is crisp at 2× (and 1.5×) with
no per-size files. The icons take the palette's text colour, so they are
re-made when the palette changes (``MainWindow`` calls ``apply`` on
``ApplicationPaletteChange``).

``ICONS`` maps an action id's value to a glyph; actions added to the registry
later get one here too (the test fails for a toolbar or transport action
without one).
"""

from __future__ import annotations

import os

from PySide6.QtGui import QAction, QIcon, QPalette

os.environ.setdefault("QT_API", "pyside6")  # QtPy, under QtAwesome: the binding we ship
import qtawesome  # noqa: E402

ICONS: dict[str, str] = {
    "start_page": "mdi6.home-outline",
    "new": "mdi6.file-plus-outline",
    "open": "mdi6.folder-open-outline",
    "save": "mdi6.content-save-outline",
    "save_as": "mdi6.content-save-edit-outline",
    "import": "mdi6.movie-open-plus-outline",
    "quit": "mdi6.exit-to-app",
    "undo": "mdi6.undo",
    "redo": "mdi6.redo",
    "delete": "mdi6.delete-outline",
    "duplicate": "mdi6.content-duplicate",
    "select_all": "mdi6.select-all",
    "add_text": "mdi6.format-text",
    "zoom_in": "mdi6.magnify-plus-outline",
    "zoom_out": "mdi6.magnify-minus-outline",
    "zoom_fit": "mdi6.fit-to-screen-outline",
    "zoom_100": "mdi6.numeric-1-box-outline",
    "safe_area": "mdi6.television-guide",
    "snapping": "mdi6.magnet",
    "play": "mdi6.play",
    "next_frame": "mdi6.step-forward",
    "prev_frame": "mdi6.step-backward",
    "go_start": "mdi6.skip-previous",
    "go_end": "mdi6.skip-next",
    "render": "mdi6.export-variant",
    "batch_render": "mdi6.table-arrow-right",
    "settings": "mdi6.cog-outline",
    "add_keyframe": "mdi6.key-plus",
    "delete_keyframe": "mdi6.key-remove",
    "prev_keyframe": "mdi6.chevron-left",
    "next_keyframe": "mdi6.chevron-right",
    "shortcuts": "mdi6.keyboard-outline",
    # the timeline's actions (issue 12), when the registry has them
    "split": "mdi6.content-cut",
    "add_marker": "mdi6.bookmark-outline",
    "marker": "mdi6.bookmark-outline",
    "timeline_zoom_in": "mdi6.magnify-plus-outline",
    "timeline_zoom_out": "mdi6.magnify-minus-outline",
    "timeline_zoom_fit": "mdi6.arrow-expand-horizontal",
    "ripple_delete": "mdi6.delete-sweep-outline",
    "mute": "mdi6.volume-off",
    # arranging on the canvas
    "cut": "mdi6.content-cut",
    "copy": "mdi6.content-copy",
    "paste": "mdi6.content-paste",
    "align_left": "mdi6.align-horizontal-left",
    "align_centre": "mdi6.align-horizontal-center",
    "align_right": "mdi6.align-horizontal-right",
    "align_top": "mdi6.align-vertical-top",
    "align_middle": "mdi6.align-vertical-center",
    "align_bottom": "mdi6.align-vertical-bottom",
    "align_to_canvas": "mdi6.crop-free",
    "distribute_h": "mdi6.distribute-horizontal-center",
    "distribute_v": "mdi6.distribute-vertical-center",
    "bring_forward": "mdi6.arrange-bring-forward",
    "send_backward": "mdi6.arrange-send-backward",
    "bring_to_front": "mdi6.arrange-bring-to-front",
    "send_to_back": "mdi6.arrange-send-to-back",
    "group": "mdi6.group",
    "ungroup": "mdi6.ungroup",
}
PRIMARY_INK = "#ffffff"  # on the accent colour of the primary action
_font: list = []


def _glyphs():
    """QtAwesome with only the Material Design font loaded (all nine fonts cost ~90 ms more)."""
    if not _font:
        mdi6 = [f for f in getattr(qtawesome, "_BUNDLED_FONTS", ()) if f[0] == "mdi6"]
        try:
            _font.append(qtawesome.IconicFont(*mdi6) if mdi6 else qtawesome)
        except Exception:  # a QtAwesome that names its fonts otherwise: the whole set
            _font.append(qtawesome)
    return _font[0]


def icon(name: str, palette: QPalette, *, ink: str | None = None) -> QIcon:
    """The glyph ``name`` in the palette's text colour (dimmed when disabled)."""
    text = ink or palette.color(QPalette.ColorRole.ButtonText).name()
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText).name()
    return _glyphs().icon(name, color=text, color_active=text, color_disabled=disabled)


def apply(actions: dict, palette: QPalette) -> None:
    """Give every action with a glyph in ``ICONS`` its icon, in the palette's ink."""
    for action_id, action in actions.items():
        name = ICONS.get(getattr(action_id, "value", action_id))
        if name is not None:
            action.setIcon(icon(name, palette))


def set_playing(action: QAction, playing: bool, palette: QPalette) -> None:
    """The Play action shows Pause while playing."""
    action.setIcon(icon("mdi6.pause" if playing else ICONS["play"], palette))
