"""The user's own key bindings: kept in ``config.Settings.shortcuts``, applied to the actions.

``shortcuts`` maps an action id (``ActionId.value``) to one key sequence in
Qt's portable text ("Ctrl+Shift+D"), or "" for no key at all. Only changed
actions are stored; the rest keep ``actions.default_keys()`` (the platform's
standard keys where one exists), so a default that changes in a new version
still reaches everyone who never touched it. An id the registry no longer
has is ignored.

A sequence answers one action only: Qt runs nothing for a sequence bound
twice ("Ambiguous shortcut overload"), so ``conflict`` names who has it.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from vidgen_desktop.ui.shell.actions import SPECS, ActionId, default_keys, set_keys

Portable = QKeySequence.SequenceFormat.PortableText
Native = QKeySequence.SequenceFormat.NativeText


def text(keys: list[QKeySequence], native: bool = True) -> str:
    """The keys as a person reads them ("Ctrl+Z, Ctrl+Shift+Z"), or "" for none."""
    form = Native if native else Portable
    return ", ".join(k.toString(form) for k in keys if not k.isEmpty())


def name(action_id: ActionId) -> str:
    return SPECS[action_id].text.replace("&", "").rstrip("…")


def keys_for(
    action_id: ActionId, overrides: Mapping[str, str], defaults=None
) -> list[QKeySequence]:
    """The keys ``action_id`` answers under ``overrides``."""
    if action_id.value in overrides:
        value = overrides[action_id.value]
        return [QKeySequence(value)] if value else []
    return list((defaults or default_keys())[action_id])


def bound(overrides: Mapping[str, str]) -> dict[ActionId, list[QKeySequence]]:
    """Every registry action's keys under ``overrides``, no sequence twice.

    A key the user gave one action that is another's default (a default added
    in a later version, or a hand-edited file) goes to the user's choice: the
    other action keeps its remaining keys.
    """
    defaults = default_keys()
    keys = {a: keys_for(a, overrides, defaults) for a in SPECS}
    chosen = {k.toString(Portable) for a in SPECS if a.value in overrides for k in keys[a]}
    for action_id in SPECS:
        if action_id.value not in overrides:
            keys[action_id] = [k for k in keys[action_id] if k.toString(Portable) not in chosen]
    return keys


def apply(actions: Mapping[ActionId, QAction], overrides: Mapping[str, str]) -> None:
    """Bind every registry action to its keys under ``overrides``, at once."""
    keys = bound(overrides)
    for action_id, action in actions.items():
        if action_id in keys:
            set_keys(action, action_id, keys[action_id])


def others(window: QWidget | None, actions: Mapping[ActionId, QAction]) -> dict[str, str]:
    """Keys (portable text) the window answers outside the registry, and who answers each."""
    owners: dict[str, str] = {}
    if window is None:
        return owners
    ours = {id(a) for a in actions.values()}
    for action in window.findChildren(QAction):
        if id(action) in ours:
            continue
        for key in action.shortcuts():
            if not key.isEmpty():
                owners[key.toString(Portable)] = action.text().replace("&", "").rstrip("…")
    for shortcut in window.findChildren(QShortcut):
        for key in shortcut.keys():  # noqa: SIM118 (a QShortcut, not a dict)
            owners[key.toString(Portable)] = shortcut.whatsThis() or shortcut.objectName()
    menu_bar = getattr(window, "menuBar", None)
    for top in menu_bar().actions() if menu_bar is not None else ():
        mnemonic = QKeySequence.mnemonic(top.text())  # Alt+E opens the Edit menu
        if not mnemonic.isEmpty():
            owners[mnemonic.toString(Portable)] = f"the {top.text().replace('&', '')} menu"
    return owners


def conflict(
    action_id: ActionId,
    key: QKeySequence,
    bound: Mapping[ActionId, list[QKeySequence]],
    outside: Mapping[str, str] | None = None,
) -> str | None:
    """Why ``key`` cannot go to ``action_id`` (in words), or None when it is free.

    ``bound``: every registry action's keys as they stand (edits included);
    ``outside``: keys other parts of the window answer (``others``).
    """
    if key.isEmpty():
        return None
    if key.count() > 1:
        return f"{key.toString(Native)}: one key combination only, not a sequence of them"
    wanted = key.toString(Portable)
    for other, keys in bound.items():
        if other != action_id and wanted in {k.toString(Portable) for k in keys}:
            return (
                f"{key.toString(Native)} is already the shortcut of “{name(other)}”: "
                "clear or change that one first"
            )
    owner = (outside or {}).get(wanted)
    if owner:
        return f"{key.toString(Native)} is already the shortcut of “{owner}”"
    return None


def overrides_of(bound: Mapping[ActionId, list[QKeySequence]]) -> dict[str, str]:
    """What to store: the actions whose keys differ from their defaults."""
    defaults = default_keys()
    stored: dict[str, str] = {}
    for action_id, keys in bound.items():
        if text(keys, native=False) != text(defaults[action_id], native=False):
            stored[action_id.value] = keys[0].toString(Portable) if keys else ""
    return stored
