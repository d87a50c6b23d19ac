"""The share server's rows in Settings > Team storage: its address, and its API key.

The address is a setting (``api.server_url``); the key is a secret: it goes
to the OS keyring (``config.set_secret("api_server_key")``) when the designer
pastes one, is never written to the settings file, and is never shown again
(the field stays empty; a new paste replaces the stored key).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QFormLayout, QLineEdit

from vidgen_desktop import config
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.ui.shell.widgets import HintLabel


class ServerFields:
    def __init__(
        self, form: QFormLayout, api: config.ApiSettings, edited: Callable[[], Any]
    ) -> None:
        self.url = QLineEdit(api.server_url or "")
        self.url.setObjectName("setting_api.server_url")
        self.url.setPlaceholderText("http://host:8000 — Share makes this server's tracked links")
        self.key = QLineEdit()
        self.key.setObjectName("setting_api_server_key")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("paste a key from vidgen api-key create (kept in the keyring)")
        for edit in (self.url, self.key):
            edit.textEdited.connect(lambda _: edited())
        form.addRow("Share server", self.url)
        form.addRow("Server API key", self.key)
        form.addRow(HintLabel(
            "With a share server, Share sends the render to it once and makes links that "
            "count their opens and can be revoked in the Job History. Without one, links "
            "come from the bucket above."
        ))  # fmt: skip

    def api_changes(self) -> dict[str, Any]:
        """The ``api`` settings with the form's server address (``config.update`` validates)."""
        return {**config.saved().api.model_dump(), "server_url": self.url.text().strip() or None}

    def store_key(self) -> str | None:
        """Put a pasted key in the OS keyring; what went wrong, in one line, else None."""
        key = self.key.text().strip()
        if not key:
            return None
        try:
            config.set_secret("api_server_key", key)
        except VidgenError as exc:
            return f"Server API key: {exc}"
        except Exception as exc:  # noqa: BLE001 - a keyring backend's own failure
            return f"Server API key: the OS keyring refused it ({type(exc).__name__})"
        self.key.clear()
        return None
