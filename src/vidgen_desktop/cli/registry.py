"""The ``vidgen`` sub-commands other modules add, and adding only the one being run.

`vidgen --help` lists every command with its help line, and needs no more of
them than that line: a command's own module (and what it imports: the job log,
pydantic settings, the team backend …) is imported only when that command runs.
``tests/test_cli_start.py`` holds ``COMMANDS`` to what the modules register.
"""

from __future__ import annotations

import argparse

# In the order `vidgen --help` lists them: (name, its help line, the ``vidgen_desktop.cli``
# module whose ``register(sub)`` adds it with its arguments).
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("submit", "render now if short, else queue it (prints path or job id)", "jobs"),
    ("estimate", "estimate a project's render time, and its route", "jobs"),
    ("calibrate", "measure this machine's render speed (a few seconds)", "jobs"),
    ("queue", "the embedded render queue", "jobs"),
    ("jobs", "the job history", "jobs"),
    ("db", "the local job database (--remote: the team's)", "jobs"),
    ("cleanup", "delete partial files of killed renders, and finished jobs older than DAYS",
     "jobs"),
    ("share", "a link to a finished render, through the team storage", "jobs"),
    ("backend", "the team backend: check it, secrets, settings", "backend"),
    ("worker", "render farm jobs from the team queue (until stopped)", "worker"),
    ("install-desktop",
     "add Vidgen to the desktop's applications, with its icon and project file type",
     "desktop"),
    ("batch", "render a template once per row of a CSV or JSON file (and per size)", "batch"),
    ("serve", "the HTTP API (POST /api/v1/videocreate, ...)", "serve"),
    ("api-key", "keys for the HTTP API", "serve"),
)  # fmt: skip


class _OnlyOne:
    """A stand-in for the sub-command table that lets one command's parser through: a
    module's ``register`` adds all its commands, and only the one being run is wanted."""

    def __init__(self, sub: argparse._SubParsersAction, name: str) -> None:
        self._sub, self._name = sub, name

    def add_parser(self, name: str, **kwargs) -> argparse.ArgumentParser:
        if name == self._name:
            return self._sub.add_parser(name, **kwargs)
        return argparse.ArgumentParser(prog=name, add_help=False)  # thrown away


def _register(module: str, sub) -> None:
    __import__(f"vidgen_desktop.cli.{module}", fromlist=["register"]).register(sub)


def command_of(argv: list[str]) -> str | None:
    """The sub-command ``argv`` runs (its first word that is not an option), or None.

    The ``vidgen`` parser's own options (``--help``, ``--version``) take no value, so
    the first other word is the command, as argparse itself reads it.
    """
    words = iter(argv)
    for word in words:
        if word == "--":
            return next(words, None)
        if not word.startswith("-"):
            return word
    return None


def add_commands(sub: argparse._SubParsersAction, argv: list[str] | None) -> None:
    """Add every command of ``COMMANDS`` to ``sub``.

    ``argv`` None: each complete, every module imported. Else only the module of the
    command ``argv`` runs is imported; every other command is a stand-in with its name
    and help line, which is all ``vidgen --help`` and an "invalid choice" message show.
    """
    command = command_of(argv) if argv is not None else None
    registered: set[str] = set()
    for name, text, module in COMMANDS:
        if argv is None:  # each module once: its register() adds its whole block
            if module not in registered:
                registered.add(module)
                _register(module, sub)
        elif name == command:
            _register(module, _OnlyOne(sub, name))
        else:
            sub.add_parser(name, help=text)
