"""The inspector: the selected elements' fields, or the output settings when nothing is selected.

What is typed goes to the model as typed (``"abc"`` included), so a refusal is
the model's own message (``describe_errors``), shown inline under the fields;
a refused value changes nothing. With several elements selected, the fields
they share are shown (blank where they differ) and an edit applies to all.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.render.text import font_fallback
from vidgen_desktop.ui.editor import keyframes
from vidgen_desktop.ui.editor import qt_inspector_motion as motion
from vidgen_desktop.ui.editor import qt_inspector_pickers as pickers
from vidgen_desktop.ui.editor.document import Document
from vidgen_desktop.ui.editor.inspector_fields import FIELDS, MIXED, OUTPUT_FIELDS, FieldSpec, shown


class LengthEdit(QWidget):
    """A number and its unit; switching the unit converts the value exactly."""

    def __init__(self) -> None:
        super().__init__()
        self.number = QLineEdit()
        self.unit = QComboBox()
        self.unit.addItems(["%", "px"])
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.number, 1)
        row.addWidget(self.unit)


class QtInspector(QScrollArea):
    form_built = Signal()  # new field editors (the Variables panel adds "Make a Variable")

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setWidgetResizable(True)
        self.setMinimumWidth(260)
        self.body = QWidget()
        self.column = QVBoxLayout(self.body)
        self.title = QLabel()
        self.title.setMinimumWidth(1)  # elided to fit (below): a long name must not widen it
        self.title.setStyleSheet("font-weight: bold;")
        self._title = ""  # the whole title; the label shows it elided to the panel's width
        self.error = QLabel()
        self.error.setObjectName("inspector_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #e5484d;")
        self.error.hide()
        self.note = QLabel()  # what an accepted edit was changed to (e.g. clamped to the media)
        self.note.setObjectName("inspector_note")
        self.note.setWordWrap(True)
        self.note.hide()
        self._committing = False
        self._adjusted: list[str] = []
        self.lock_row = QWidget()  # a locked selection: its fields are read-only, say so
        self.lock_label = QLabel()
        self.lock_label.setWordWrap(True)
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.clicked.connect(self._unlock)
        lock_line = QHBoxLayout(self.lock_row)
        lock_line.setContentsMargins(0, 0, 0, 0)
        lock_line.addWidget(self.lock_label, 1)
        lock_line.addWidget(self.unlock_button)
        self.lock_row.hide()
        self.form_host = QWidget()
        self.column.addWidget(self.title)
        self.column.addWidget(self.lock_row)
        self.column.addWidget(self.form_host)
        self.column.addWidget(self.error)
        self.column.addWidget(self.note)
        self.column.addStretch(1)
        self.setWidget(self.body)
        self.editors: dict[str, QWidget] = {}
        self.font_warning: QLabel | None = None  # under the Font field, for text elements
        self._fallbacks: dict[tuple[str, str], str | None] = {}  # (family, weight) -> drawn
        self.specs: tuple[FieldSpec, ...] = ()
        self.toggles: dict[str, motion.KeyToggle] = {}  # property -> its ◆ keyframe toggle
        self._shape: tuple = ()
        doc.time_changed.connect(lambda *_: motion.playhead_moved(self))
        doc.selection_changed.connect(self.rebuild)
        doc.reset.connect(self.rebuild)
        doc.element_changed.connect(self._on_element_changed)
        doc.output_changed.connect(self._on_output_changed)
        doc.adjusted.connect(self._on_adjusted)
        self.pickers: dict = {}  # field name -> its picker (qt_inspector_pickers)
        pickers.install(self)
        self.rebuild()

    # -- which fields ----------------------------------------------------------------------------

    def targets(self) -> list:
        return [self.doc.element(i) for i in self.doc.selection if self.doc.has(i)]

    def rebuild(self, *_: object) -> None:
        targets = self.targets()
        if not targets:
            specs, title = OUTPUT_FIELDS, "Output"
        else:
            kinds = {type(e) for e in targets}
            names = set.intersection(*({s.name for s in FIELDS[k]} for k in kinds))
            if len(targets) > 1:
                names.discard("name")  # a name is one element's
            fields = type(targets[0]).model_fields  # what this document version has
            specs = tuple(s for s in FIELDS[type(targets[0])] if s.name in names & fields.keys())
            title = targets[0].label if len(targets) == 1 else f"{len(targets)} elements"
        self._title = title
        self._elide_title()
        shape = (title, specs, tuple(e.id for e in targets))
        if shape != self._shape:
            self._build_form(specs)
            self._shape = shape
            self.error.hide()
            self.note.hide()
        self.refresh()

    def _elide_title(self) -> None:
        width = max(40, self.viewport().width() - 24)
        metrics = self.title.fontMetrics()
        self.title.setText(metrics.elidedText(self._title, Qt.TextElideMode.ElideMiddle, width))
        self.title.setToolTip(self._title if self.title.text() != self._title else "")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide_title()

    def _build_form(self, specs: tuple[FieldSpec, ...]) -> None:
        old = self.form_host
        self.form_host = QWidget()
        self.column.replaceWidget(old, self.form_host)
        old.hide()  # gone from the screen now, not at the next turn of the event loop
        old.setParent(None)
        old.deleteLater()
        form = QFormLayout(self.form_host)
        form.setContentsMargins(0, 0, 0, 0)
        # a narrow dock puts a long label above its field instead of scrolling sideways
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.specs, self.editors, self.toggles = specs, {}, {}
        self.font_warning = None
        elements = bool(self.targets())
        for spec in specs:
            editor = self._make_editor(spec)
            editor.setObjectName(f"field_{spec.name}")
            self.editors[spec.name] = editor
            animatable = elements and spec.name in keyframes.ANIMATABLE
            form.addRow(
                spec.label, motion.with_toggle(self, spec, editor) if animatable else editor
            )
            if spec.name == "font_family":  # under the field it is about
                self.font_warning = QLabel()
                self.font_warning.setObjectName("font_warning")
                self.font_warning.setWordWrap(True)
                self.font_warning.hide()
                form.addRow(self.font_warning)  # the whole width: a sentence, not a value
        self.form_built.emit()

    def _make_editor(self, spec: FieldSpec) -> QWidget:
        if spec.kind == "length":
            editor = LengthEdit()
            editor.number.editingFinished.connect(lambda s=spec: self._commit_length(s))
            editor.unit.currentTextChanged.connect(lambda unit, s=spec: self._convert(s, unit))
            return editor
        if spec.kind == "motion":
            return motion.MotionEdit(self, spec)
        if spec.kind == "choice":
            combo = QComboBox()
            combo.addItems(list(spec.choices))
            combo.currentTextChanged.connect(lambda text, s=spec: self.commit(s.name, text))
            return combo
        if spec.kind == "text":
            edit = QPlainTextEdit()
            edit.setFixedHeight(64)
            edit.textChanged.connect(
                lambda s=spec, e=edit: self.commit(s.name, e.toPlainText(), merge=True)
            )
            return edit
        line = QLineEdit()
        line.editingFinished.connect(lambda s=spec, e=line: self._commit_line(s, e))
        return line

    # -- model → widgets -------------------------------------------------------------------------

    def _values(self, name: str) -> list[Any]:
        targets = self.targets()
        if not targets:
            return [getattr(self.doc.comp.output, name)]
        return [motion.shown_value(self, e, name) for e in targets]

    def locked(self) -> list:
        return [e for e in self.targets() if e.locked]

    def refresh(self) -> None:
        locked = self.locked()
        self.lock_row.setVisible(bool(locked))
        if locked:
            self.lock_label.setText(
                "Locked: unlock to edit."
                if len(locked) == len(self.targets())
                else f"{len(locked)} of the selected elements are locked: unlock to edit."
            )
        for spec in self.specs:
            # a locked element can still be renamed (as in Photoshop's layers): the name
            # is the designer's label, not part of the picture
            self._set_read_only(self.editors[spec.name], bool(locked) and spec.name != "name")
            editor = self.editors[spec.name]
            values = self._values(spec.name)
            same = all(v == values[0] for v in values)
            value = values[0]
            blocked = editor.blockSignals(True)
            if isinstance(editor, motion.MotionEdit):
                editor.show_values(values)
            elif isinstance(editor, LengthEdit):
                for part in (editor.number, editor.unit):
                    part.blockSignals(True)
                editor.number.setText(shown(value) if same else "")
                editor.number.setPlaceholderText("" if same else MIXED)
                editor.unit.setCurrentText(value.unit)
                for part in (editor.number, editor.unit):
                    part.blockSignals(False)
            elif isinstance(editor, QComboBox):
                editor.setCurrentText(str(value) if same else "")
            elif isinstance(editor, QPlainTextEdit):
                if editor.toPlainText() != (value or ""):
                    editor.setPlainText(value or "")
            elif isinstance(editor, QLineEdit):
                editor.setText(shown(value) if same else "")
                hint = self.doc.selection[0] if spec.name == "name" and self.doc.selection else ""
                editor.setPlaceholderText(MIXED if not same else hint)
                editor.setStyleSheet("")
            editor.blockSignals(blocked)
        motion.refresh_toggles(self)
        self._check_fonts()

    @staticmethod
    def _set_read_only(editor: QWidget, read_only: bool) -> None:
        # disabled rather than read-only: a read-only line looks editable, and a designer
        # should see at a glance that nothing here will take a value
        editor.setEnabled(not read_only)

    def _unlock(self) -> None:
        changes = {e.id: {"locked": False} for e in self.locked()}
        self.show_error(self.doc.edit(changes, "Unlock"))

    # -- fonts that are not installed --------------------------------------------------------

    def _check_fonts(self) -> None:
        """Warn under the Font field when a selected text's font is not installed here."""
        if self.font_warning is None:
            return
        wanted = {(e.font_family, e.font_weight) for e in self.targets() if e.type == "text"}
        missing = []
        for family, weight in sorted(wanted):
            if (family, weight) not in self._fallbacks:
                self._fallbacks[(family, weight)] = None  # asked; the answer comes back later
                self.doc.background.run(
                    font_fallback, self._font_checked(family, weight), family, weight
                )
            elif self._fallbacks[(family, weight)]:
                missing.append((family, self._fallbacks[(family, weight)]))
        lines = [
            f"⚠ “{family}” is not installed: the canvas and the render use {fallback}."
            for family, fallback in dict(missing).items()
        ]
        self.font_warning.setText("\n".join(lines))
        self.font_warning.setVisible(bool(lines))

    def _font_checked(self, family: str, weight: str):
        def done(fallback: str | None, error: BaseException | None) -> None:
            self._fallbacks[(family, weight)] = fallback if error is None else None
            if self.font_warning is not None:  # still showing a text element's fields
                self._check_fonts()

        return done

    def _on_element_changed(self, element_id: str) -> None:
        if element_id in self.doc.selection:
            self.rebuild()

    def _on_output_changed(self) -> None:
        if not self.doc.selection:
            self.refresh()

    # -- widgets → model -------------------------------------------------------------------------

    def commit(self, name: str, value: Any, *, merge: object = False) -> bool:
        """Send one field to the model; show its refusal inline. True if accepted.

        ``merge``: True, or a key of its own (one scrub), merges the edits into one step."""
        targets = self.targets()
        label = f"Change {name.replace('_', ' ')}"
        self._committing, self._adjusted = True, []
        try:
            if targets:
                key = ("inspector", name, tuple(self.doc.selection), merge) if merge else None
                changes, refusals = {}, []
                for e in targets:  # an animated property takes a keyframe at the playhead
                    fields, refusal = keyframes.set_value(self.doc, e, name, value)
                    refusals.append(refusal) if refusal else changes.update({e.id: fields})
                error = "\n".join(refusals) or self.doc.edit(changes, label, key)
            else:
                error = self.doc.edit_output({name: value}, label)
        finally:
            self._committing = False
        self.show_error(error)
        self.note.setText("\n".join(self._adjusted))
        self.note.setVisible(bool(self._adjusted) and error is None)
        if self._adjusted:
            self.refresh()  # show what was kept, even when it is what was there before
        return error is None

    def _on_adjusted(self, text: str) -> None:
        if self._committing:  # only what this panel's own edit changed; drags say it by stopping
            self._adjusted.append(text)

    def show_error(self, error: str | None) -> None:
        self.error.setText(error or "")
        self.error.setVisible(bool(error))

    def _commit_line(self, spec: FieldSpec, edit: QLineEdit) -> None:
        if not edit.isModified():
            return  # focus left an untouched field: the exact value stays as it is
        text = edit.text().strip()
        values = self._values(spec.name)
        if text == "" and not all(v == values[0] for v in values):
            return  # a mixed field left blank: leave each element as it is
        if spec.kind in ("optional", "optcolor") or (spec.kind == "line" and spec.name == "name"):
            value: Any = text or None
        else:
            value = text
        if text == shown(values[0]) and all(v == values[0] for v in values):
            return
        ok = self.commit(spec.name, value)
        edit.setStyleSheet("" if ok else "border: 1px solid #e5484d;")

    def _commit_length(self, spec: FieldSpec) -> None:
        editor = self.editors[spec.name]
        assert isinstance(editor, LengthEdit)
        text = editor.number.text().strip()
        if not text or not editor.number.isModified():
            # an untouched field shows a rounded value; leaving it must not round the document
            return
        ok = self.commit(spec.name, f"{text}{editor.unit.currentText()}")
        editor.number.setStyleSheet("" if ok else "border: 1px solid #e5484d;")

    def _convert(self, spec: FieldSpec, unit: str) -> None:
        """Switch a length's unit, converting each selected element's value exactly."""
        extent = self.doc.canvas[spec.axis]
        changes = {
            e.id: {spec.name: getattr(e, spec.name).convert(unit, extent)} for e in self.targets()
        }
        for e in self.targets():  # its keyframes too: one unit per property
            changes[e.id].update(keyframes.converted(e, spec.name, unit, extent))
        error = self.doc.edit(changes, f"{spec.label} in {unit}")
        self.show_error(error)
