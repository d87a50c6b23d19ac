"""PostgreSQL for the team backend tests: a fresh database per test, cloned from a template.

The template has every migration applied once per test process; ``CREATE
DATABASE … TEMPLATE`` then copies it in a few tens of milliseconds, as in
procrastinate's own suite. Every database made here is dropped afterwards.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.store.team import database as team_db

SERVER = "postgresql://postgres@127.0.0.1:5432"
ADMIN = SERVER + "/test"


def url_of(name: str) -> str:
    return f"{SERVER}/{name}"


@functools.cache
def _admin() -> sa.Engine:
    return team_db.make_engine(ADMIN, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def execute(sql: str, url: str = ADMIN) -> None:
    engine = _admin() if url == ADMIN else team_db.make_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql(sql)


def _create(name: str, template: str | None = None) -> str:
    suffix = f' TEMPLATE "{template}"' if template else ""
    execute(f'CREATE DATABASE "{name}"{suffix}')
    return url_of(name)


def drop(name: str) -> None:
    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@functools.cache
def template() -> str:
    """The migrated template database's name (made once per process)."""
    name = f"vidgen_tpl_{os.getpid()}"
    drop(name)
    team_db.upgrade(_create(name), supabase=False)
    atexit.register(drop, name)
    return name


@contextlib.contextmanager
def database(*, migrated: bool = True) -> Iterator[str]:
    """A database of its own (a clone of the template, or empty), dropped afterwards."""
    name = f"vidgen_t_{uuid.uuid4().hex[:12]}"
    url = _create(name, template() if migrated else None)
    try:
        yield url
    finally:
        drop(name)


@pytest.fixture
def pg_url() -> Iterator[str]:
    with database() as url:
        yield url


@pytest.fixture
def pg_empty() -> Iterator[str]:
    with database(migrated=False) as url:
        yield url


def composition(name: str = "promo") -> Composition:
    return Composition.from_data(
        {
            "name": name,
            "output": {"width": 64, "height": 64, "duration": 1},
            "elements": [{"type": "text", "id": "title", "text": "hi"}],
        }
    )
