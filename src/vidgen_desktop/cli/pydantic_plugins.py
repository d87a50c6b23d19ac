"""Pydantic's plugins, which Vidgen does not use, kept from costing every command its start."""

from __future__ import annotations

import os
import sys
import types

PLUGINS_OFF = ("__all__", "1", "true")  # the values pydantic reads as "load none"
PLUGIN_LOADER = "pydantic.plugin._loader"


def none_loaded() -> None:
    """Pydantic looks for plugins (observability tools such as Logfire) the first time it
    builds a validator, by reading the entry points of every installed distribution:
    30 M instructions, about 8 ms of each command and of the editor's start, on the
    packages installed here. Vidgen uses none, so its own processes say so the way
    pydantic documents; a user who has set ``PYDANTIC_DISABLE_PLUGINS`` (to a list, or
    empty to load them all) is left as they chose."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] in PLUGINS_OFF:
        stand_in_loader()


def stand_in_loader() -> None:
    """Even with every plugin disabled, the first validator pydantic builds imports its
    plugin loader, and that module's first line imports ``importlib.metadata`` (with
    ``email``, ``zipfile``, ``csv``): about 18 ms of every ``vidgen render`` and of the
    editor's start, for an answer already known. The loader's one function, as pydantic
    answers for these values, stands in for it (``tests/test_cli_start.py`` holds it to
    pydantic's own answer). Only in a process that has not imported the real one."""
    if PLUGIN_LOADER in sys.modules:
        return
    loader = types.ModuleType(PLUGIN_LOADER, "pydantic's plugin loader when every plugin is off")
    loader.get_plugins = no_plugins
    sys.modules[PLUGIN_LOADER] = loader


def no_plugins() -> tuple[()]:
    return ()
