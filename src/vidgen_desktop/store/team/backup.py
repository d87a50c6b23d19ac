"""Backup and restore of the team database's Vidgen tables, with pg_dump and pg_restore.

>>> backup.dump(url, Path("team.dump"))      # `vidgen db backup --remote team.dump`
>>> backup.restore(url, Path("team.dump"))   # `vidgen db restore --remote team.dump`

Only Vidgen's tables and views go in the archive (``schema.metadata``, the
views, ``alembic_version``), never procrastinate's or anything else the team
keeps in that database. The tools are found on ``PATH`` or named by the user
(``--pg-dump``, ``--pg-restore``). The connection goes to them through libpq's
environment (``PGHOST`` … ``PGPASSWORD``): the password is never on a command
line, where the process list would show it.

A restore makes the same checks as the local one (``store.maintenance``):
the file is a pg_dump archive, it can be read whole, it holds the job log's
tables and a schema revision this Vidgen knows; then the team database as it
is now is dumped beside the archive, and the archive is restored in one
transaction (``--single-transaction --clean``): it fails whole or not at
all. An older archive is migrated up afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa

from vidgen_desktop import files
from vidgen_desktop.store import migrate, schema
from vidgen_desktop.store.errors import NotAVidgenDatabase, SchemaTooNew, StoreError
from vidgen_desktop.store.maintenance import REQUIRED_TABLES
from vidgen_desktop.store.team import database as team_db

MAGIC = b"PGDMP"  # pg_dump's custom format
TIMEOUT = 3600  # seconds a dump or restore may take
SUPABASE_FILES = (team_db.SUPABASE_SQL, "0007_supabase_setup.sql")


def tables() -> list[str]:
    """What a team backup holds: the job log's tables and views, and its revision."""
    return [*(t.name for t in schema.metadata.sorted_tables), *schema.VIEWS, migrate.VERSION_TABLE]


def find_tool(name: str, given: str | None = None) -> str:
    """The pg_dump / pg_restore to run: the one named, else the one on PATH."""
    found = shutil.which(given or name)
    if found is None:
        where = f"'{given}'" if given else f"{name} on PATH"
        raise StoreError(
            f"cannot find {where}: install the PostgreSQL client tools or name it with "
            f"--{name.replace('_', '-')}"
        )
    return found


def _environment(url: str | sa.URL) -> dict[str, str]:
    parsed = sa.make_url(url)
    env = {**os.environ, "PGCONNECT_TIMEOUT": str(team_db.CONNECT_TIMEOUT)}
    for key, value in (
        ("PGHOST", parsed.host), ("PGPORT", parsed.port), ("PGUSER", parsed.username),
        ("PGPASSWORD", parsed.password), ("PGDATABASE", parsed.database),
    ):  # fmt: skip
        if value is not None:
            env[key] = str(value)
    for key, value in parsed.query.items():  # sslmode=require and friends
        if key == "sslmode":
            env["PGSSLMODE"] = str(value)
    return env


def _run(command: list[str], url: str | sa.URL, what: str) -> str:
    try:
        done = subprocess.run(
            command, env=_environment(url), capture_output=True, text=True, timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StoreError(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        last = next((ln for ln in reversed(done.stderr.splitlines()) if ln.strip()), "")
        raise StoreError(f"{what} failed: {last or f'exit status {done.returncode}'}",
                         detail=done.stderr[-4000:])  # fmt: skip
    return done.stdout


def dump(url: str | sa.URL, destination: Path, *, pg_dump: str | None = None) -> Path:
    """Write the team database's Vidgen tables to ``destination`` (custom format, atomic)."""
    tool = find_tool("pg_dump", pg_dump)
    destination = destination.expanduser().resolve()
    where = team_db.describe(url)
    with files.atomic_path(destination) as partial:
        command = [tool, "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"]
        command += [f"--table={name}" for name in tables()]
        _run(command, url, f"pg_dump of {where}")
    return destination


def validate(source: Path, *, pg_restore: str | None = None) -> str:
    """The archive's schema revision; NotAVidgenDatabase if it is not a team backup of ours."""
    name = source.name
    if not source.is_file():
        raise NotAVidgenDatabase(f"{name} does not exist or is not a file")
    with open(source, "rb") as stream:
        if stream.read(len(MAGIC)) != MAGIC:
            raise NotAVidgenDatabase(
                f"{name} is not a team database backup (not a pg_dump archive)"
            )
    tool = find_tool("pg_restore", pg_restore)
    try:
        listing = _run([tool, "--list", str(source)], "postgresql:///", f"reading {name}")
    except StoreError as exc:
        raise NotAVidgenDatabase(f"{name} cannot be read: {exc}", detail=exc.detail) from exc
    found = set(re.findall(r"TABLE DATA \S+ (\w+) ", listing))
    missing = REQUIRED_TABLES - found
    if missing:
        raise NotAVidgenDatabase(
            f"{name} is not a Vidgen team backup (no {', '.join(sorted(missing))} table)"
        )
    try:  # the revision: alembic_version's data, as SQL on standard output
        data = _run(
            [tool, "--data-only", f"--table={migrate.VERSION_TABLE}", "--file=-", str(source)],
            "postgresql:///", f"reading {name}",
        )  # fmt: skip
    except StoreError as exc:  # a damaged data block: pg_restore --list did not read it
        raise NotAVidgenDatabase(f"{name} is damaged: {exc}", detail=exc.detail) from exc
    match = re.search(r"^COPY [^\n]*alembic_version[^\n]*FROM stdin;\n([^\n\\]+)\n", data, re.M)
    revision = match.group(1).strip() if match else None
    if revision is None:
        raise NotAVidgenDatabase(f"{name} is not a Vidgen team backup (no schema revision)")
    if not migrate.is_known(revision):
        raise SchemaTooNew(f"{name} was made by a newer Vidgen (schema {revision})")
    return revision


def restore(
    url: str | sa.URL, source: Path, *, pg_dump: str | None = None,
    pg_restore: str | None = None,
) -> Path:  # fmt: skip
    """Replace the team database's Vidgen tables by ``source``; return the copy of before."""
    source = source.expanduser().resolve()
    revision = validate(source, pg_restore=pg_restore)
    tool = find_tool("pg_restore", pg_restore)
    # The functions the tables' triggers call come with the migrations, not the archive;
    # tables newer than the archive would keep its jobs from being dropped: the database
    # goes to the archive's revision first (its rows are in the copy made just below).
    team_db.upgrade(url)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    kept = source.with_name(f"{source.stem}.before-restore-{stamp}{source.suffix}")
    previous = dump(url, kept, pg_dump=pg_dump)
    command = [
        tool, "--single-transaction", "--clean", "--if-exists", "--no-owner", "--no-privileges",
        "--exit-on-error", f"--dbname={_dbname(url)}", str(source),
    ]  # fmt: skip
    if revision != migrate.head():
        with team_db.one_shot(url) as engine:
            migrate.downgrade(engine, revision)
    _run(command, url, f"pg_restore into {team_db.describe(url)}")
    team_db.upgrade(url)  # an archive from an older Vidgen is brought up to date
    with team_db.one_shot(url) as engine, engine.begin() as connection:
        if team_db.is_supabase(connection):  # grants are not in the archive (--no-privileges)
            for name in SUPABASE_FILES:
                team_db.run_sql_file(connection, name)
    return previous


def _dbname(url: str | sa.URL) -> str:
    database = sa.make_url(url).database
    if not database:
        raise StoreError(f"the team database URL {team_db.describe(url)} names no database")
    return database
