"""``vidgen install-desktop [--uninstall]``: the launcher, icon, metainfo and project MIME type.

Linux desktops (freedesktop.org/XDG): the files from the package's
``resources/desktop`` go into the user's data folder (``$XDG_DATA_HOME``,
default ``~/.local/share``), the ``.desktop`` entry's ``Exec`` pointing at
this very ``vidgen`` (a pipx or venv script, the desktop bundle's program, or
``python -m vidgen_desktop``). ``*.vidgen.json`` files become
``application/x-vidgen-project``, opened by the editor on a double click.
The desktop's caches are refreshed with its own tools when they are there.
``--uninstall`` removes exactly those files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from vidgen_desktop import files, paths
from vidgen_desktop.errors import VidgenError

APP_ID = "org.vidgen.Desktop"
MIME_ICON = "application-x-vidgen-project"


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "").strip()
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def launcher() -> list[str]:
    """The command that starts this Vidgen, as the desktop entry must run it."""
    if getattr(sys, "frozen", False):  # the PyInstaller bundle: its own program
        return [os.path.abspath(sys.executable)]
    script = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if os.path.basename(script) in ("vidgen", "vidgen.exe") and os.path.isfile(script):
        return [script]  # a pipx, venv or system script
    return [os.path.abspath(sys.executable), "-m", "vidgen_desktop"]


def _quote(argument: str) -> str:
    """One Exec argument (Desktop Entry Specification, "The Exec key"); a literal % is %%."""
    argument = argument.replace("%", "%%")
    if not any(c in argument for c in " \t\n\"'\\><~|&;$*?#()`"):
        return argument
    escaped = "".join(f"\\{c}" if c in '"`$\\' else c for c in argument)
    return f'"{escaped}"'


def _desktop_entry(command: list[str]) -> str:
    source = (paths.resources_dir() / "desktop" / f"{APP_ID}.desktop").read_text("utf-8")
    exec_line = " ".join(_quote(a) for a in command) + " gui %f"
    lines = []
    for line in source.splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exec_line}"
        elif line.startswith("TryExec="):
            line = f"TryExec={command[0]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def planned(command: list[str] | None = None) -> dict[Path, bytes]:
    """Every file install-desktop writes, by where it goes, with its content."""
    source = paths.resources_dir() / "desktop"
    home = data_home()
    plan = {
        home / "applications" / f"{APP_ID}.desktop": _desktop_entry(command or launcher()).encode(),
        home / "metainfo" / f"{APP_ID}.metainfo.xml":
            (source / f"{APP_ID}.metainfo.xml").read_bytes(),
        home / "mime" / "packages" / f"{APP_ID}.xml": (source / f"{APP_ID}.mime.xml").read_bytes(),
    }  # fmt: skip
    hicolor = home / "icons" / "hicolor"
    for stem, kind in ((APP_ID, "apps"), (MIME_ICON, "mimetypes")):
        plan[hicolor / "scalable" / kind / f"{stem}.svg"] = (
            source / "icons" / f"{stem}.svg"
        ).read_bytes()
        for png in sorted((source / "icons").glob(f"*x*/{stem}.png")):
            plan[hicolor / png.parent.name / kind / png.name] = png.read_bytes()
    return plan


def _refresh(home: Path) -> None:
    """Let the desktop see the change now (each tool only when installed; best effort)."""
    for tool, target in (
        ("update-mime-database", home / "mime"),
        ("update-desktop-database", home / "applications"),
        ("gtk-update-icon-cache", home / "icons" / "hicolor"),
    ):
        program = shutil.which(tool)
        if program is None or not target.is_dir():
            continue
        extra = ["-f", "-t", "-q"] if tool == "gtk-update-icon-cache" else []
        subprocess.run([program, *extra, str(target)], capture_output=True, check=False,
                       timeout=60)  # fmt: skip


def cmd_install_desktop(args: argparse.Namespace) -> int:
    if not sys.platform.startswith(("linux", "freebsd", "openbsd")):
        raise VidgenError(
            "install-desktop is for Linux desktops (XDG); on macOS and Windows the desktop "
            "bundle (packaging/build_bundle.py) carries its own icon and file type"
        )
    plan = planned()
    if args.uninstall:
        for path in plan:
            if path.exists():
                path.unlink()
                print(f"removed {path}")
    else:
        for path, content in plan.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            files.atomic_write(path, content)
            print(path)
    _refresh(data_home())
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "install-desktop",
        help="add Vidgen to the desktop's applications, with its icon and project file type",
    )
    p.add_argument("--uninstall", action="store_true", help="remove what install-desktop added")
    p.set_defaults(handler=cmd_install_desktop)
