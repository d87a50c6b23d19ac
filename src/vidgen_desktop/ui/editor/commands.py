"""Undoable edits of the document. Every change to the ``Composition`` is one of these.

Commands hold whole element objects from before and after the edit (elements
are replaced, never changed in place), so undo restores exactly what was there.
Continuous drags push one command per mouse move with the same ``merge_key``;
``QUndoStack`` folds them into one step.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from vidgen_desktop.composition.model import Output

if TYPE_CHECKING:
    from vidgen_desktop.ui.editor.document import AnyElement, Document

MERGE_ELEMENTS = 4201  # QUndoCommand.id() values: commands of one id may merge
MERGE_OUTPUT = 4202


class SetElementFields(QUndoCommand):
    """Replace some elements by edited copies (same ids, same places in the list)."""

    def __init__(
        self,
        doc: Document,
        before: Sequence[AnyElement],
        after: Sequence[AnyElement],
        text: str,
        merge_key: Hashable | None = None,
    ) -> None:
        super().__init__(text)
        self.doc = doc
        self.before = list(before)
        self.after = list(after)
        self.merge_key = merge_key

    def redo(self) -> None:
        self.doc._put_elements(self.after)

    def undo(self) -> None:
        self.doc._put_elements(self.before)

    def id(self) -> int:
        return MERGE_ELEMENTS if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetElementFields) or other.merge_key != self.merge_key:
            return False
        if [e.id for e in other.after] != [e.id for e in self.after]:
            return False
        self.after = other.after
        return True


class AddElements(QUndoCommand):
    """Insert elements at list positions (ascending)."""

    def __init__(self, doc: Document, placed: Sequence[tuple[int, AnyElement]], text: str):
        super().__init__(text)
        self.doc = doc
        self.placed = sorted(placed, key=lambda pair: pair[0])

    def redo(self) -> None:
        self.doc._insert_elements(self.placed)
        self.doc.set_selection([element.id for _, element in self.placed])

    def undo(self) -> None:
        self.doc._remove_elements([element.id for _, element in self.placed])


class RemoveElements(QUndoCommand):
    def __init__(self, doc: Document, ids: Sequence[str], text: str) -> None:
        super().__init__(text)
        self.doc = doc
        elements = doc.comp.elements
        self.placed = [(i, e) for i, e in enumerate(elements) if e.id in set(ids)]

    def redo(self) -> None:
        self.doc._remove_elements([element.id for _, element in self.placed])

    def undo(self) -> None:
        self.doc._insert_elements(self.placed)
        # what comes back is selected, as in every editor: the user sees what undo restored
        self.doc.set_selection([element.id for _, element in self.placed])


class SetElementOrder(QUndoCommand):
    """Replace the element list by a reordering of it (tracks may change with it)."""

    def __init__(
        self, doc: Document, before: Sequence[AnyElement], after: Sequence[AnyElement], text: str
    ) -> None:
        super().__init__(text)
        self.doc = doc
        self.before = list(before)
        self.after = list(after)

    def redo(self) -> None:
        self.doc._set_order(self.after)

    def undo(self) -> None:
        self.doc._set_order(self.before)


class SetOutput(QUndoCommand):
    def __init__(
        self,
        doc: Document,
        before: Output,
        after: Output,
        text: str,
        merge_key: Hashable | None = None,
    ) -> None:
        super().__init__(text)
        self.doc = doc
        self.before = before
        self.after = after
        self.merge_key = merge_key

    def redo(self) -> None:
        self.doc._put_output(self.after)

    def undo(self) -> None:
        self.doc._put_output(self.before)

    def id(self) -> int:
        return MERGE_OUTPUT if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetOutput) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True


class SetMarkers(QUndoCommand):
    """Replace the composition's timeline markers (add, rename, move, delete one)."""

    def __init__(self, doc: Document, before: Sequence, after: Sequence, text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.before = list(before)
        self.after = list(after)

    def redo(self) -> None:
        self._put(self.after)

    def undo(self) -> None:
        self._put(self.before)

    def _put(self, markers: Sequence) -> None:
        self.doc.comp.markers = list(markers)
        self.doc._touched()  # a repaint and a dirty title, like every other edit


def set_markers(doc: Document, markers: Sequence, text: str) -> None:
    """Replace the timeline markers (kept sorted by time), as one undo step."""
    after = sorted(markers, key=lambda m: m.time)
    if after != list(doc.comp.markers):
        doc.undo_stack.push(SetMarkers(doc, doc.comp.markers, after, text))
