"""The history's Open as Project: a past job rebuilt as a new, unsaved project in the editor.

The same rebuild as ``vidgen jobs reproduce`` (``media.relink.rebuild_job``),
run by the render hub off the GUI thread (hashing media takes a moment): each
source is found again by its content, in its old folder or in the folders of
the recent projects. What is missing is said in the message bar; the element
keeps its old path so the designer can relink it.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QObject, Signal


class JobReopener(QObject):
    opened = Signal(object)  # the media.relink.Rebuilt that the editor now shows

    def __init__(self, window, hub, details=None) -> None:
        super().__init__(window)
        self.window, self.hub = window, hub
        if details is not None:
            self.watch(details)

    def watch(self, details) -> None:
        """Open the job a history's details (``QtJobDetails``) ask to open."""
        details.open_requested.connect(self.open_job)

    def open_job(self, job_id: uuid.UUID | None) -> None:
        if job_id is None:
            return
        folders = [path.parent for path in self.window.projects.recent()]

        def work(service):
            from vidgen_desktop.media import relink  # media hashing: only when a job is opened

            jobs = service.store.jobs
            return relink.rebuild_job(jobs, jobs.get(job_id), folders)

        self.hub.call(work, lambda rebuilt, error: self._rebuilt(job_id, rebuilt, error))

    def _rebuilt(self, job_id: uuid.UUID, rebuilt, error: BaseException | None) -> None:
        messages = self.window.messages
        if error is not None:
            messages.show_error(f"Job {str(job_id)[:8]} cannot be opened as a project: {error}")
            return
        if not self.window.projects.maybe_save():
            return
        self.window.projects.new(rebuilt.composition)  # unsaved: Save As puts it somewhere
        problems = rebuilt.problems()
        if problems:
            messages.show_error("\n".join(problems))
        else:
            messages.hide()
        moved = f"; {len(rebuilt.moved)} media found in new places" if rebuilt.moved else ""
        self.window.statusBar().showMessage(
            f"Opened job {str(job_id)[:8]} as a new project{moved}", 10000
        )
        self.opened.emit(rebuilt)
