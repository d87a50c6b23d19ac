"""The history's analytics tab: jobs per day, success rate, render time against the estimate.

It reads the log each time it is shown (and when the log opens, and after jobs
end while it is shown); until the figures arrive the charts say they are
being read, never "No jobs yet", and an empty period names the jobs the log
holds outside it.
"""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from vidgen_desktop.ui.jobs import analytics
from vidgen_desktop.ui.jobs.qt_charts import BarChart, LineChart, ScatterChart
from vidgen_desktop.ui.jobs.render_hub import RenderHub

COMPLETED, FAILED, OTHER = "#2f9e44", "#e03131", "#8a8f98"
READING = "Reading the job log…"


class QtAnalytics(QWidget):
    def __init__(self, hub: RenderHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.data: analytics.Analytics | None = None
        self._token = 0
        self.per_day = BarChart(f"Jobs per day (last {analytics.DAYS} days)",
                                (COMPLETED, FAILED, OTHER))  # fmt: skip
        self.success = LineChart("Success rate (%)", COMPLETED, top=100)
        self.accuracy = ScatterChart("Render time vs estimate", "#3d8bfd")
        self.summary = QLabel()
        self.summary.setObjectName("analytics_summary")
        legend = QLabel(
            f"<span style='color:{COMPLETED}'>■</span> done  "
            f"<span style='color:{FAILED}'>■</span> failed  "
            f"<span style='color:{OTHER}'>■</span> other"
        )
        grid = QGridLayout(self)
        grid.addWidget(self.per_day, 0, 0)
        grid.addWidget(self.success, 0, 1)
        grid.addWidget(self.accuracy, 0, 2)
        grid.addWidget(legend, 1, 0)
        grid.addWidget(self.summary, 1, 1, 1, 2)
        self._say_empty(READING)
        hub.ready.connect(lambda: self.isVisible() and self.refresh())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # the tab shown: the log as it is now

    def _say_empty(self, text: str, finished: str | None = None) -> None:
        for chart in (self.per_day, self.success):
            chart.empty_text = text
        self.accuracy.empty_text = finished or text
        for chart in (self.per_day, self.success, self.accuracy):
            chart.update()

    def refresh(self) -> None:
        if self.data is None:
            self._say_empty(READING if self.hub.is_ready else "Preparing the job log…")
        self._token += 1
        token = self._token
        self.hub.call(lambda s: analytics.compute(s.store.jobs),
                      lambda result, error: self._loaded(token, result, error))  # fmt: skip

    def _loaded(self, token: int, data, error: BaseException | None) -> None:
        if token != self._token:
            return
        if error is not None:
            self.summary.setText(f"Cannot read the job log: {error}")
            if self.data is None:
                self._say_empty("Cannot read the job log")
            return
        self.data = data
        if data.in_log == 0:
            self._say_empty("No jobs yet", "No finished renders yet")
        else:
            outside = f"No jobs in the last {analytics.DAYS} days ({data.in_log} in the log)"
            self._say_empty(outside, "No finished renders in this period")
        labels = [d.strftime("%d %b") for d in data.days]
        self.per_day.set_data(labels, [data.completed, data.failed, data.other])
        self.success.set_data(
            labels, [None if r is None else 100 * r for r in data.daily_success()]
        )
        self.accuracy.set_data(data.points)
        rate = "—" if data.success_rate is None else f"{100 * data.success_rate:.0f} %"
        error_text = "—" if data.median_error is None else f"{100 * data.median_error:.0f} %"
        older = data.in_log - data.total
        self.summary.setText(
            f"{data.total} jobs{f' ({older} older)' if older > 0 else ''} · success rate {rate} · "
            f"median estimate error {error_text} ({len(data.points)} renders)"
        )
