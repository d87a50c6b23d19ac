"""The inspector's pickers: installed on each built form (``QtInspector.form_built``).

Number and length fields get arrow-key steps and label scrubbing
(``qt_number_field``), colour fields a swatch, dialog and eyedropper
(``qt_color_field``), the font field its searchable list (``qt_font_field``).
Every change goes through ``QtInspector.commit``: one validated, undoable
edit; a scrub or a run of arrow steps merges into one undo step.
"""

from __future__ import annotations

import itertools

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from vidgen_desktop.ui.editor import qt_color_field, qt_font_field, qt_number_field

_runs = itertools.count(1)


def _labels(form: QFormLayout) -> dict[int, QLabel]:
    """Each row's label, keyed by the id of the row's field widget."""
    out = {}
    for row in range(form.rowCount()):
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if label is not None and field is not None and isinstance(label.widget(), QLabel):
            out[id(field.widget())] = label.widget()
    return out


def _label_of(form: QFormLayout, labels: dict[int, QLabel], editor: QWidget) -> QLabel | None:
    widget: QWidget | None = editor
    while widget is not None and id(widget) not in labels:
        widget = widget.parentWidget()
    return labels.get(id(widget)) if widget is not None else None


def install(inspector) -> None:
    inspector.form_built.connect(lambda: decorate(inspector))


def canvas_of(inspector):
    return getattr(inspector.window(), "canvas", None)


def decorate(inspector) -> None:
    form = inspector.form_host.layout()
    labels = _labels(form)
    inspector.pickers = {}
    for spec in inspector.specs:
        editor = inspector.editors[spec.name]
        if spec.kind in qt_number_field.NUMBER_KINDS:
            line = qt_number_field.line_of(editor)
            if line is None:
                continue
            unit = getattr(editor, "unit", None)  # a length: its unit stays as it is
            run = [next(_runs)]

            def commit(text, s=spec, u=unit, r=run):
                value = f"{text}{u.currentText()}" if u is not None else text
                inspector.commit(s.name, value, merge=("step", r[0]))

            stepper = qt_number_field.Stepper(spec.name, line, _label_of(form, labels, editor),
                                              commit)  # fmt: skip
            line.editingFinished.connect(lambda r=run: r.__setitem__(0, next(_runs)))
            inspector.pickers[spec.name] = stepper
        elif spec.kind in ("color", "optcolor") and isinstance(editor, QLineEdit):
            inspector.pickers[spec.name] = qt_color_field.ColorField(
                editor, lambda text, s=spec: inspector.commit(s.name, text), inspector.doc,
                canvas_of(inspector),
            )  # fmt: skip
        elif spec.name == "font_family" and isinstance(editor, QLineEdit):
            inspector.pickers[spec.name] = qt_font_field.FontField(
                editor, lambda text, s=spec: inspector.commit(s.name, text)
            )
