"""Share a finished render: the one dialog behind every Share button, and Open for farm jobs.

``share_job`` is what the Render dialog, the Render Queue and the Job History
call. With team storage it opens ``ShareDialog``: the designer picks how
long the link works (1 hour, 1 day, 7 days, or public where the bucket is
public), the hub uploads the render once by content and makes the link
(``storage.share``, logged as ``created`` with its expiry), and the dialog
shows the link and when it expires, with Copy (logged as ``copied``).
Without team storage it says what to set up and offers the Settings at that
page (``RenderHub.settings_requested``).

With a share server set (``api.server_url``), the dialog makes the server's
tracked links instead (``server_share``: the render sent once, each link
revocable in the Job History); when the server does not answer it says so
in one line and offers a storage link, made only if the designer asks.

``open_output`` opens (or shows in its folder) a job's render, downloading a
farm job's first when it is not on this machine yet.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop import config
from vidgen_desktop.ui.jobs import server_share
from vidgen_desktop.ui.shell import files

TRACKED_HINT = "Anyone with the link can download the render until it expires or is revoked."


def expires_text(when: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "Expires 3 Dec 14:05 (in 1 day)", or that it never does."""
    if when is None:
        return "Never expires (public link)"
    now = now or dt.datetime.now(dt.UTC)
    left = (when - now).total_seconds()
    if left <= 0:
        return f"Expired {when.astimezone():%d %b %H:%M}"
    if left >= 86400 - 60:
        span = f"{round(left / 86400)} day{'s' if round(left / 86400) != 1 else ''}"
    elif left >= 3600 - 60:
        span = f"{round(left / 3600)} hour{'s' if round(left / 3600) != 1 else ''}"
    else:
        span = f"{max(1, round(left / 60))} min"
    return f"Expires {when.astimezone():%d %b %H:%M} (in {span})"


def storage_ready() -> bool:
    return config.load().backend.storage_enabled


def public_allowed() -> bool:
    backend = config.load().backend
    return backend.link_mode == "public" or bool(backend.public_base_url)


class ShareDialog(QDialog):
    """Pick the expiry, make the link, copy it (see the module docstring)."""

    def __init__(
        self, hub: Any, job_id: uuid.UUID, name: str, parent: QWidget | None = None,
        *, expiry: str | None = None,
    ) -> None:  # fmt: skip
        from vidgen_desktop.storage import share  # the storage package: when a dialog opens

        super().__init__(parent)
        self.setObjectName("share_dialog")
        self.setWindowTitle(f"Share “{name or 'render'}”")
        self.setMinimumWidth(520)
        self.hub, self.job_id = hub, job_id
        self.link: Any = None  # storage.ShareLink or api.client.ServerLink, once made
        self.link_url = ""  # the link itself (a server link's token is only here)
        self.server = server_share.configured()  # the server's tracked links, not storage's
        self.expiry = QComboBox()
        self.expiry.setObjectName("share_expiry")
        for choice in share.choices(public_allowed() and not self.server):
            self.expiry.addItem(choice.label, choice.code)
        self.expiry.setCurrentIndex(max(0, self.expiry.findData(expiry or share.DEFAULT)))
        self.url = QLineEdit()
        self.url.setObjectName("share_url")
        self.url.setReadOnly(True)
        self.url.setPlaceholderText("Create a link to see it here")
        self.expires = QLabel("")
        self.expires.setObjectName("share_expires")
        self.status = QLabel(
            TRACKED_HINT if self.server
            else "Anyone with the link can download the render until it expires."
        )  # fmt: skip
        self.status.setObjectName("share_status")
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Link works for", self.expiry)
        form.addRow("Link", self.url)
        form.addRow("", self.expires)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.create_button = self._button("Create Link", "share_create", self.create)
        self.copy_button = self._button("Copy Link", "share_copy", self.copy)
        self.copy_button.setEnabled(False)
        self.storage_button = self._button(
            "Use Storage Link", "share_use_storage", self.use_storage
        )
        self.storage_button.setToolTip("A link from the team storage: not tracked, not revocable")
        self.storage_button.hide()  # offered when the server does not answer
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.status)
        column.addWidget(self.buttons)
        self.expiry.currentIndexChanged.connect(lambda _: self._stale())

    def _button(self, text: str, name: str, slot: Callable[[], Any]) -> QPushButton:
        button = self.buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _stale(self) -> None:
        if self.link is not None:
            self.create_button.setText("Create New Link")

    def create(self) -> None:
        self.create_button.setEnabled(False)
        self.storage_button.hide()
        if self.server:
            self.status.setText("Asking the share server (the render is sent to it once)…")
            server_share.share(self.hub, self.job_id, self.expiry.currentData(), self._made)
            return
        self.status.setText("Uploading to the team storage (once per render) and signing…")
        self.hub.share(self.job_id, self.expiry.currentData(), self._made)

    def use_storage(self) -> None:
        """The server did not answer: a storage link this once (the designer's choice)."""
        self.server = False
        self.create()

    def _made(self, shared: Any, error: BaseException | None) -> None:
        self.create_button.setEnabled(True)
        if error is not None:
            self._failed(error)
            return
        self.link = shared.link
        self.link_url = getattr(shared, "url", None) or shared.link.url
        self.url.setText(self.link_url)
        self.url.setCursorPosition(0)  # the address's start: where it goes
        self.expires.setText(expires_text(shared.link.expires_at))
        if self.server:
            sent = "sent to it" if shared.uploaded else "there already"
            self.status.setText(
                f"Tracked link created on the share server (the render was {sent}); "
                "the Job History lists its opens and revokes it."
            )
        else:
            sent = "uploaded" if shared.uploaded else "already in the team storage"
            self.status.setText(f"Link created; the render is {sent}.")
        self.create_button.setText("Create New Link")
        self.copy_button.setEnabled(True)

    def _failed(self, error: BaseException) -> None:
        from vidgen_desktop.api.client import ServerUnreachable

        line = server_share.short_error(error)
        if self.server and isinstance(error, ServerUnreachable):
            if storage_ready():
                line = f"{line[0].upper()}{line[1:]}; use a storage link instead?"
                self.storage_button.show()
            else:
                line = f"{line[0].upper()}{line[1:]}; try again when it is up."
            self.status.setText(line)
            return
        self.status.setText(f"No link: {line}")

    def copy(self) -> None:
        if self.link is None:
            return
        files.copy_text(self.link_url)
        self.status.setText("Copied to the clipboard.")
        logged = getattr(self.link, "shown", None) or self.link_url  # never a server token
        self.hub.link_copied(self.job_id, logged)


def no_storage(parent: QWidget | None, hub: Any) -> QMessageBox:
    """Share without team storage: what to set up, and the Settings at that page."""
    box = QMessageBox(parent)
    box.setObjectName("share_needs_storage")
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle("Sharing needs team storage")
    box.setText("A link to a file on this computer reaches nobody else.")
    box.setInformativeText(
        "Set a team S3 bucket (AWS, MinIO, R2 or Supabase Storage) under Settings > Team "
        "storage; renders are uploaded there once and shared by link."
    )
    settings = box.addButton("Open Settings", QMessageBox.ButtonRole.AcceptRole)
    settings.setObjectName("share_open_settings")
    box.addButton(QMessageBox.StandardButton.Close)
    settings.clicked.connect(lambda: hub.settings_requested.emit("team"))
    box.open()
    return box


def share_job(
    parent: QWidget | None, hub: Any, job_id: uuid.UUID, name: str, *, expiry: str | None = None
) -> QDialog:
    """The Share button: the share dialog, or what to set up first."""
    if not storage_ready() and not server_share.configured():
        return no_storage(parent, hub)
    dialog = ShareDialog(hub, job_id, name, parent, expiry=expiry)
    dialog.open()
    if expiry is not None:  # re-issue: a new link like the one chosen, at once
        dialog.create()
    return dialog


def open_output(
    hub: Any, job_id: uuid.UUID, path: str | None, how: Callable[[str], Any],
    report: Callable[[str], Any],
) -> None:  # fmt: skip
    """``how(path)`` (open, show in folder) once the render is here: a farm job's is fetched."""
    from pathlib import Path

    if path and Path(path).is_file():
        how(path)
        return
    report("Downloading the render from the team storage…")

    def fetched(found: Any, error: BaseException | None) -> None:
        if error is not None or not found or not Path(str(found)).is_file():
            report(f"The render is not on this computer: {error or 'no file'}")
            return
        how(str(found))

    hub.fetch_output(job_id, fetched)
