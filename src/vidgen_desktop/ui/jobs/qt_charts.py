"""Small charts drawn with QPainter: stacked bars, a line, a scatter (no QtCharts needed).

Each chart takes plain numbers and repaints itself; colours come from the
palette, so they read in light and dark themes alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 40, 12, 28, 26  # px


def nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


class Chart(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.empty_text = "No jobs yet"
        self.setMinimumSize(220, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(320, 200)

    def plot_rect(self) -> QRectF:
        return QRectF(self.rect()).adjusted(MARGIN_LEFT, MARGIN_TOP, -MARGIN_RIGHT, -MARGIN_BOTTOM)

    def has_data(self) -> bool:
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        p.setPen(text)
        font = p.font()
        font.setBold(True)
        p.setFont(font)
        p.drawText(QRectF(8, 4, self.width() - 16, 20), Qt.AlignmentFlag.AlignLeft, self.title)
        font.setBold(False)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        if not self.has_data():
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.plot_rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        self.draw(p, self.plot_rect(), text)
        p.end()

    def draw(self, p: QPainter, plot: QRectF, text: QColor) -> None:  # pragma: no cover
        raise NotImplementedError

    def axes(self, p: QPainter, plot: QRectF, text: QColor, top: float, fmt: str) -> None:
        grid = QColor(text)
        grid.setAlpha(40)
        for n in range(5):
            y = plot.bottom() - plot.height() * n / 4
            p.setPen(QPen(grid, 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(text)
            label = fmt.format(top * n / 4)
            p.drawText(QRectF(0, y - 8, MARGIN_LEFT - 4, 16), Qt.AlignmentFlag.AlignRight, label)


class BarChart(Chart):
    """Stacked bars per category (e.g. completed / failed / other per day)."""

    def __init__(self, title: str, colors: Sequence[str], parent: QWidget | None = None):
        super().__init__(title, parent)
        self.colors = [QColor(c) for c in colors]
        self.labels: list[str] = []
        self.series: list[list[float]] = []

    def set_data(self, labels: Sequence[str], series: Sequence[Sequence[float]]) -> None:
        self.labels = list(labels)
        self.series = [list(s) for s in series]
        self.update()

    def has_data(self) -> bool:
        return any(any(v for v in s) for s in self.series)

    def draw(self, p: QPainter, plot: QRectF, text: QColor) -> None:
        totals = [sum(values) for values in zip(*self.series, strict=True)]
        top = max(4, math.ceil(max(totals) / 4) * 4)  # counts: whole numbers on every grid line
        self.axes(p, plot, text, top, "{:.0f}")
        n = len(totals)
        slot = plot.width() / n
        width = max(2.0, slot * 0.7)
        label_width = max(p.fontMetrics().horizontalAdvance(s) for s in self.labels) + 8
        every = max(1, math.ceil(label_width / slot))  # labels never overlap
        for i in range(n):
            x = plot.left() + slot * i + (slot - width) / 2
            y = plot.bottom()
            for values, color in zip(self.series, self.colors, strict=False):
                h = plot.height() * values[i] / top
                p.fillRect(QRectF(x, y - h, width, h), color)
                y -= h
            if (n - 1 - i) % every == 0:  # the newest day always has its label
                p.setPen(text)
                centre = x + width / 2
                p.drawText(QRectF(centre - label_width / 2, plot.bottom() + 4, label_width, 16),
                           Qt.AlignmentFlag.AlignHCenter, self.labels[i])  # fmt: skip


class LineChart(Chart):
    """One line over categories; missing values (None) break the line."""

    def __init__(self, title: str, color: str, *, top: float | None = None, fmt: str = "{:.0f}",
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(title, parent)
        self.color = QColor(color)
        self.top, self.fmt = top, fmt
        self.labels: list[str] = []
        self.values: list[float | None] = []

    def set_data(self, labels: Sequence[str], values: Sequence[float | None]) -> None:
        self.labels, self.values = list(labels), list(values)
        self.update()

    def has_data(self) -> bool:
        return any(v is not None for v in self.values)

    def draw(self, p: QPainter, plot: QRectF, text: QColor) -> None:
        top = self.top or nice_max(max(v for v in self.values if v is not None))
        self.axes(p, plot, text, top, self.fmt)
        n = len(self.values)
        step = plot.width() / max(1, n - 1)
        path, drawing = QPainterPath(), False
        dots = []
        for i, value in enumerate(self.values):
            if value is None:
                drawing = False
                continue
            point = QPointF(plot.left() + step * i, plot.bottom() - plot.height() * value / top)
            path.lineTo(point) if drawing else path.moveTo(point)
            drawing = True
            dots.append(point)
        p.setPen(QPen(self.color, 2))
        p.drawPath(path)
        p.setBrush(self.color)
        for dot in dots:
            p.drawEllipse(dot, 3, 3)
        p.setPen(text)
        p.drawText(QRectF(plot.left() - 12, plot.bottom() + 4, 120, 16),
                   Qt.AlignmentFlag.AlignLeft, self.labels[0])  # fmt: skip
        p.drawText(QRectF(plot.right() - 120 + MARGIN_RIGHT, plot.bottom() + 4, 120, 16),
                   Qt.AlignmentFlag.AlignRight, self.labels[-1])  # fmt: skip


class ScatterChart(Chart):
    """Points (x, y) on equal axes with the y = x diagonal: e.g. estimate vs actual time."""

    def __init__(self, title: str, color: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.color = QColor(color)
        self.points: list[tuple[float, float]] = []
        self.x_label, self.y_label = "estimate (s)", "actual (s)"

    def set_data(self, points: Sequence[tuple[float, float]]) -> None:
        self.points = list(points)
        self.update()

    def has_data(self) -> bool:
        return bool(self.points)

    def draw(self, p: QPainter, plot: QRectF, text: QColor) -> None:
        top = nice_max(max(max(x, y) for x, y in self.points))
        self.axes(p, plot, text, top, "{:g}")
        diagonal = QColor(text)
        diagonal.setAlpha(90)
        p.setPen(QPen(diagonal, 1, Qt.PenStyle.DashLine))
        p.drawLine(plot.bottomLeft(), plot.topRight())
        fill = QColor(self.color)
        fill.setAlpha(170)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fill)
        for x, y in self.points:
            cx = plot.left() + plot.width() * x / top
            cy = plot.bottom() - plot.height() * y / top
            p.drawEllipse(QPointF(cx, cy), 3.5, 3.5)
        p.setPen(text)
        p.drawText(QRectF(plot.left(), plot.bottom() + 4, plot.width(), 16),
                   Qt.AlignmentFlag.AlignRight, f"{self.x_label} →")  # fmt: skip
        p.drawText(QRectF(plot.left() + 4, plot.top(), plot.width(), 16),
                   Qt.AlignmentFlag.AlignLeft, f"↑ {self.y_label}")  # fmt: skip
