"""The job's tracked links on the share server, in the Job History's details, with Revoke.

Shown only when a share server is set (``api.server_url``). Each link is a
row (created, expiry, opened, state, the address without its token) with its
accesses under it (when, opened or refused, the user agent); Revoke makes
the selected link answer 410 and lists the links again. The list is read
from the server each time the job is shown; when the server does not answer
the list says so in one line and keeps nothing stale.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.ui.jobs import jobtext, server_share, share_ui

COLUMNS = ("Created", "Expiry", "Opened", "State", "Link")
STATE_TEXT = {"active": "active", "expired": "expired", "revoked": "revoked"}


class QtServerLinks(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub: Any = None
        self.job_id: uuid.UUID | None = None
        self.links: list[Any] = []  # api.client.ServerLink, in the rows' order
        self.label = QLabel("Server links")
        self.tree = QTreeWidget()
        self.tree.setObjectName("history_server_links")
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setMaximumHeight(150)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.revoke_button = QPushButton("Revoke Link")
        self.revoke_button.setObjectName("history_revoke")
        self.revoke_button.setToolTip("The link stops working at once (it answers 410 Gone)")
        self.revoke_button.clicked.connect(self.revoke)
        top = QHBoxLayout()
        top.addWidget(self.label, 1)
        top.addWidget(self.revoke_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.tree)
        self._update_buttons()
        self.setVisible(False)

    def selected(self) -> Any:
        for item in self.tree.selectedItems():
            top = item if item.parent() is None else item.parent()
            return self.links[self.tree.indexOfTopLevelItem(top)]
        return None

    def _update_buttons(self) -> None:
        link = self.selected()
        self.revoke_button.setEnabled(link is not None and link.state == "active")

    def show_job(self, hub: Any, job: Any) -> None:
        """List ``job``'s links (a completed job, with a server set); else hide."""
        self.hub, self.job_id = hub, job.id if job is not None else None
        shown = job is not None and str(job.status) == "completed" and server_share.configured()
        self.setVisible(shown)
        if not shown:
            self._fill([])
            return
        self.label.setText("Server links: reading…")
        job_id = job.id
        server_share.links(hub, job_id, lambda found, error: self._shown(job_id, found, error))

    def _shown(self, job_id: uuid.UUID, found: Any, error: BaseException | None) -> None:
        if job_id != self.job_id:
            return  # another job was selected meanwhile
        if error is not None:
            self._fill([])
            self.label.setText(f"Server links: {server_share.short_error(error)}")
            return
        self._fill(found)
        opened = sum(link.opened for link in found)
        self.label.setText(
            f"Server links ({len(found)}, opened {opened} time{'s' if opened != 1 else ''})"
            if found else "Server links: none yet (Share makes one)"
        )  # fmt: skip

    def _fill(self, links: list[Any]) -> None:
        self.tree.clear()
        self.links = list(links)
        for link in self.links:
            expiry = share_ui.expires_text(link.expires_at) if link.state != "revoked" else (
                f"Revoked {jobtext.local_time(link.revoked_at)}"
            )  # fmt: skip
            item = QTreeWidgetItem([
                jobtext.local_time(link.created_at), expiry, str(link.opened),
                STATE_TEXT.get(link.state, link.state), link.shown or "",
            ])  # fmt: skip
            for access in link.accesses:
                item.addChild(QTreeWidgetItem([
                    jobtext.local_time(access.at), access.action, "", "",
                    access.user_agent or "",
                ]))  # fmt: skip
            self.tree.addTopLevelItem(item)
            item.setExpanded(link is self.links[-1])  # the newest link's accesses, open
        self._update_buttons()

    def revoke(self) -> None:
        link = self.selected()
        if link is None or self.hub is None or self.job_id is None:
            return
        self.revoke_button.setEnabled(False)
        self.label.setText("Server links: revoking…")
        job_id = self.job_id

        def done(_revoked: Any, error: BaseException | None) -> None:
            if error is not None:
                self.label.setText(f"Server links: {server_share.short_error(error)}")
                self._update_buttons()
                return
            server_share.links(self.hub, job_id, lambda f, e: self._shown(job_id, f, e))

        server_share.revoke(self.hub, job_id, link, done)
