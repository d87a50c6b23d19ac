"""Every window action in one registry, keyed by ``ActionId`` (Picard's habit).

Actions are created once per window by ``create_actions``; menus, toolbars
and tests look them up by id. The render dialog and queue panels connect to
``ActionId.RENDER`` (the window re-emits it as ``render_requested``).

A spec names a platform's standard key and the keys we promise on every
platform; ``key_sequences`` expands the standard key into the platform's own
bindings and drops repeats. Qt treats one sequence bound twice (even to the
same action) as an "Ambiguous shortcut overload" and runs nothing, so no
sequence may appear twice, within an action or across actions.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

Std = QKeySequence.StandardKey


class ActionId(enum.Enum):
    START_PAGE = "start_page"
    NEW = "new"
    OPEN = "open"
    SAVE = "save"
    SAVE_AS = "save_as"
    IMPORT = "import"
    QUIT = "quit"
    UNDO = "undo"
    REDO = "redo"
    DELETE = "delete"
    DUPLICATE = "duplicate"
    SELECT_ALL = "select_all"
    ADD_TEXT = "add_text"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    ZOOM_FIT = "zoom_fit"
    ZOOM_100 = "zoom_100"
    SAFE_AREA = "safe_area"
    SNAPPING = "snapping"
    PLAY = "play"
    NEXT_FRAME = "next_frame"
    PREV_FRAME = "prev_frame"
    GO_START = "go_start"
    GO_END = "go_end"
    RENDER = "render"
    BATCH_RENDER = "batch_render"
    SETTINGS = "settings"
    ADD_KEYFRAME = "add_keyframe"
    DELETE_KEYFRAME = "delete_keyframe"
    PREV_KEYFRAME = "prev_keyframe"
    NEXT_KEYFRAME = "next_keyframe"
    SPLIT = "split"
    RIPPLE_DELETE = "ripple_delete"
    ADD_MARKER = "add_marker"
    TIMELINE_ZOOM_IN = "timeline_zoom_in"
    TIMELINE_ZOOM_OUT = "timeline_zoom_out"
    TIMELINE_ZOOM_FIT = "timeline_zoom_fit"
    # arranging on the canvas (ui/editor/qt_canvas_arrange.py)
    CUT = "cut"
    COPY = "copy"
    PASTE = "paste"
    ALIGN_LEFT = "align_left"
    ALIGN_CENTRE = "align_centre"
    ALIGN_RIGHT = "align_right"
    ALIGN_TOP = "align_top"
    ALIGN_MIDDLE = "align_middle"
    ALIGN_BOTTOM = "align_bottom"
    ALIGN_TO_CANVAS = "align_to_canvas"
    DISTRIBUTE_H = "distribute_h"
    DISTRIBUTE_V = "distribute_v"
    BRING_FORWARD = "bring_forward"
    SEND_BACKWARD = "send_backward"
    BRING_TO_FRONT = "bring_to_front"
    SEND_TO_BACK = "send_to_back"
    GROUP = "group"
    UNGROUP = "ungroup"
    SHORTCUTS = "shortcuts"


@dataclass(frozen=True)
class Spec:
    text: str
    shortcut: tuple[str | QKeySequence.StandardKey, ...] = ()
    tip: str = ""
    checkable: bool = False
    checked: bool = False


SPECS: dict[ActionId, Spec] = {
    ActionId.START_PAGE: Spec("Start &Page", (), "The example, new project sizes, recent files"),
    ActionId.NEW: Spec("&New", (Std.New,), "Start an empty composition"),
    ActionId.OPEN: Spec("&Open…", (Std.Open,), "Open a project file"),
    ActionId.SAVE: Spec("&Save", (Std.Save,), "Save the project"),
    ActionId.SAVE_AS: Spec("Save &As…", (Std.SaveAs, "Ctrl+Shift+S"), "Save under a new name"),
    ActionId.IMPORT: Spec("&Import Media…", ("Ctrl+I",), "Add video, pictures or sound"),
    ActionId.QUIT: Spec("&Quit", (Std.Quit, "Ctrl+Q")),
    ActionId.UNDO: Spec("&Undo", (Std.Undo,)),
    ActionId.REDO: Spec("&Redo", (Std.Redo, "Ctrl+Shift+Z", "Ctrl+Y")),
    ActionId.DELETE: Spec("&Delete", (Std.Delete, "Backspace"), "Delete the selected elements"),
    ActionId.DUPLICATE: Spec("D&uplicate", ("Ctrl+D",), "Duplicate the selected elements"),
    ActionId.SELECT_ALL: Spec("Select &All", (Std.SelectAll,)),
    ActionId.ADD_TEXT: Spec("Add &Text", ("T",), "Add a text element"),
    ActionId.ZOOM_IN: Spec("Zoom &In", (Std.ZoomIn, "Ctrl+=")),
    ActionId.ZOOM_OUT: Spec("Zoom &Out", (Std.ZoomOut,)),
    ActionId.ZOOM_FIT: Spec("&Fit to Window", ("Ctrl+0",)),
    ActionId.ZOOM_100: Spec("Actual &Size", ("Ctrl+1",)),
    ActionId.SAFE_AREA: Spec("&Safe Area", ("'",), "Show title- and action-safe areas", True),
    ActionId.SNAPPING: Spec("S&nap", ("Ctrl+;",), "Snap to edges and centres", True, True),
    ActionId.PLAY: Spec("&Play/Pause", ("Space",)),
    ActionId.NEXT_FRAME: Spec("&Next Frame", (".",)),
    ActionId.PREV_FRAME: Spec("P&revious Frame", (",",)),
    ActionId.GO_START: Spec("Go to &Start", ("Home",)),
    ActionId.GO_END: Spec("Go to &End", ("End",)),
    ActionId.RENDER: Spec("&Render…", ("Ctrl+R",), "Render the composition to a video file"),
    ActionId.BATCH_RENDER: Spec(
        "&Batch Render…", ("Ctrl+Shift+R",), "Render the template once per row of a CSV or JSON"
    ),
    ActionId.SETTINGS: Spec("Se&ttings…", (Std.Preferences, "Ctrl+,"), "Render and output options"),
    ActionId.ADD_KEYFRAME: Spec(
        "Add &Keyframe",
        ("K",),
        "Keyframe the selection at the playhead (a still one: its position)",
    ),
    ActionId.DELETE_KEYFRAME: Spec(
        "&Delete Keyframes Here", ("Shift+K",), "Delete the selection's keyframes at the playhead"
    ),
    ActionId.PREV_KEYFRAME: Spec("&Previous Keyframe", ("J",), "Go to the previous keyframe"),
    ActionId.NEXT_KEYFRAME: Spec("&Next Keyframe", ("L",), "Go to the next keyframe"),
    ActionId.SPLIT: Spec("&Split at Playhead", ("S",), "Cut the selected clips at the playhead"),
    ActionId.RIPPLE_DELETE: Spec(
        "&Ripple Delete", ("Shift+Del", "Shift+Backspace"), "Delete and close the gap"
    ),
    ActionId.ADD_MARKER: Spec("Add &Marker", ("M",), "A named marker at the playhead"),
    ActionId.TIMELINE_ZOOM_IN: Spec("Zoom Timeline &In", ("+", "="), "Show the timeline closer"),
    ActionId.TIMELINE_ZOOM_OUT: Spec("Zoom Timeline &Out", ("-",), "Show more of the timeline"),
    ActionId.TIMELINE_ZOOM_FIT: Spec("&Fit Timeline", ("\\",), "The whole composition in view"),
    ActionId.CUT: Spec("Cu&t", (Std.Cut, "Ctrl+X"), "Cut the selection (as JSON, to any project)"),
    ActionId.COPY: Spec(
        "&Copy", (Std.Copy, "Ctrl+C"), "Copy the selection (as JSON, to any project)"
    ),
    ActionId.PASTE: Spec("&Paste", (Std.Paste, "Ctrl+V"), "Paste elements copied from any project"),
    ActionId.ALIGN_LEFT: Spec("Align &Left", (), "Line up the left edges"),
    ActionId.ALIGN_CENTRE: Spec("Align &Centre", (), "Line up the horizontal centres"),
    ActionId.ALIGN_RIGHT: Spec("Align &Right", (), "Line up the right edges"),
    ActionId.ALIGN_TOP: Spec("Align &Top", (), "Line up the top edges"),
    ActionId.ALIGN_MIDDLE: Spec("Align &Middle", (), "Line up the vertical middles"),
    ActionId.ALIGN_BOTTOM: Spec("Align &Bottom", (), "Line up the bottom edges"),
    ActionId.ALIGN_TO_CANVAS: Spec(
        "To the C&anvas", (), "Align to the canvas (off: to the selection's bounds)", True
    ),
    ActionId.DISTRIBUTE_H: Spec("Distribute &Horizontally", (), "Equal gaps, left to right"),
    ActionId.DISTRIBUTE_V: Spec("Distribute &Vertically", (), "Equal gaps, top to bottom"),
    ActionId.BRING_FORWARD: Spec("Bring &Forward", ("Ctrl+]",), "One step up the stack"),
    ActionId.SEND_BACKWARD: Spec("Send &Backward", ("Ctrl+[",), "One step down the stack"),
    # one sequence each: on xcb "Ctrl+{" also matches Ctrl+Shift+[, and two matches are
    # an ambiguous shortcut that runs nothing
    ActionId.BRING_TO_FRONT: Spec("Bring to F&ront", ("Ctrl+Shift+]",), "To the top"),
    ActionId.SEND_TO_BACK: Spec("Send to B&ack", ("Ctrl+Shift+[",), "To the bottom"),
    ActionId.GROUP: Spec("&Group", ("Ctrl+G",), "Move, scale and hide the selection as one"),
    ActionId.UNGROUP: Spec("&Ungroup", ("Ctrl+Shift+G",), "Break the selected groups up"),
    ActionId.SHORTCUTS: Spec(
        "&Keyboard Shortcuts", (Std.HelpContents, "?"), "Every key the editor answers"
    ),
}


def key_sequences(spec: Spec, taken: frozenset[str] = frozenset()) -> list[QKeySequence]:
    """The spec's keys, standard ones expanded for this platform, each sequence once.

    ``taken`` holds sequences (portable text) earlier actions answer: a standard
    key's platform extras that clash with them are left out. Keys a spec names
    itself are always kept (a clash between two of those is a bug the tests catch).
    """
    keys: list[QKeySequence] = []
    seen: set[str] = set()
    for key in spec.shortcut:
        standard = isinstance(key, Std)
        for sequence in QKeySequence.keyBindings(key) if standard else [QKeySequence(key)]:
            text = sequence.toString(QKeySequence.SequenceFormat.PortableText)
            if sequence.isEmpty() or text in seen or (standard and text in taken):
                continue
            seen.add(text)
            keys.append(sequence)
    return keys


def default_keys() -> dict[ActionId, list[QKeySequence]]:
    """Each action's keys before the user changed any (Settings → Shortcuts resets to these)."""
    defaults: dict[ActionId, list[QKeySequence]] = {}
    taken: set[str] = set()
    for action_id, spec in SPECS.items():
        keys = key_sequences(spec, frozenset(taken))
        taken.update(k.toString(QKeySequence.SequenceFormat.PortableText) for k in keys)
        defaults[action_id] = keys
    return defaults


def set_keys(action: QAction, action_id: ActionId, keys: list[QKeySequence]) -> None:
    """Bind ``keys`` and name the first in the tooltip and status tip."""
    spec = SPECS[action_id]
    action.setShortcuts(keys)
    tip = spec.tip or spec.text.replace("&", "").rstrip("…")
    if keys:
        tip += f" ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})"
    action.setToolTip(tip)
    action.setStatusTip(tip)


def create_actions(parent: QWidget) -> dict[ActionId, QAction]:
    """One QAction per id, owned by ``parent``; connect them where they are used."""
    actions: dict[ActionId, QAction] = {}
    for action_id, keys in default_keys().items():
        spec = SPECS[action_id]
        action = QAction(spec.text, parent)
        action.setObjectName(f"action_{action_id.value}")
        set_keys(action, action_id, keys)
        action.setCheckable(spec.checkable)
        action.setChecked(spec.checked)
        actions[action_id] = action
    return actions
