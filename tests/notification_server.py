"""A stand-in for the desktop's notification daemon (GNOME Shell, KDE's Plasma, dunst…),
which cannot run in a test: it owns ``org.freedesktop.Notifications`` on a real D-Bus
session bus (a ``dbus-daemon`` the test starts) and records every ``Notify`` call.

    with session_bus() as address, NotificationServer(address) as server:
        ...  # DBUS_SESSION_BUS_ADDRESS=address
        server.calls  # [(app_name, replaces_id, icon, summary, body, actions, hints, timeout)]
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Iterator

from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NAME = "org.freedesktop.Notifications"


@contextlib.contextmanager
def session_bus() -> Iterator[str]:
    """A private D-Bus session bus (``dbus-daemon --session``); its address."""
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert daemon.stdout is not None
        yield daemon.stdout.readline().strip()
    finally:
        daemon.terminate()
        daemon.wait(10)
        daemon.stdout.close()


class NotificationServer:
    def __init__(self, address: str) -> None:
        self.address = address
        self.calls: list[tuple] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="notification-server")

    def __enter__(self) -> NotificationServer:
        self._thread.start()
        assert self._ready.wait(10), "the stand-in did not get its bus name"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _serve(self) -> None:
        with open_dbus_connection(bus=self.address) as connection:
            connection.send_and_get_reply(message_bus.RequestName(NAME), timeout=5)
            self._ready.set()
            while not self._stop.is_set():
                try:
                    message = connection.receive(timeout=0.1)
                except TimeoutError:
                    continue
                if message.header.message_type is not MessageType.method_call:
                    continue
                member = message.header.fields.get(HeaderFields.member)
                if member == "Notify":
                    self.calls.append(message.body)
                    reply = new_method_return(message, "u", (len(self.calls),))
                elif member == "GetCapabilities":
                    reply = new_method_return(message, "as", (["body"],))
                elif member == "GetServerInformation":
                    reply = new_method_return(message, "ssss", ("stand-in", "vidgen", "1", "1.2"))
                else:
                    reply = new_error(message, "org.freedesktop.DBus.Error.UnknownMethod")
                connection.send(reply)
