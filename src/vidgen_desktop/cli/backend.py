"""``vidgen backend`` (check, secret, set, relay, sql) and ``vidgen db upgrade --remote``.

``backend check`` tests each part of the team backend that is configured and
prints one line per part: ``ok``, ``--`` (not configured: the embedded
default is used) or ``FAIL`` with what is wrong and what to do. It exits 1
if anything failed. Nothing secret is ever printed: URLs are redacted and any
secret's value is masked wherever it might appear.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import re
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

from vidgen_desktop import config
from vidgen_desktop.errors import VidgenError

SUPABASE_TIMEOUT = 3.0  # seconds to wait for the Supabase project to answer
OK, OFF, FAIL = "ok", "--", "FAIL"

Line = tuple[str, str, str]  # part, verdict, message


# check -------------------------------------------------------------------------------


def check_database(settings: config.Settings) -> list[Line]:
    from vidgen_desktop.store import StoreError
    from vidgen_desktop.store.team import database as team_db

    url = config.database_url(settings)
    if not url:
        return [("database", OFF, "not configured: jobs are logged on this machine only")]
    try:
        report = team_db.inspect(url)
    except StoreError as exc:
        hint = ""
        if "password" in str(exc) and not config.secret("database_password"):
            hint = "; store it with `vidgen backend secret database_password`"
        return [("database", FAIL, f"{exc}{hint}")]
    shown = team_db.describe(url)
    if not report.ok:
        return [("database", FAIL, f"{shown}: {problem}") for problem in report.problems]
    rls = ", row level security on" if report.row_security else ""
    supabase = " (Supabase)" if report.supabase else ""
    return [
        (
            "database",
            OK,
            f"{shown}{supabase}: PostgreSQL {report.server.split()[0]}, schema {report.revision}, "
            f"triggers in place, writable{rls}",
        )
    ]


def check_outbox(settings: config.Settings) -> list[Line]:
    if not config.database_url(settings):
        return []
    from vidgen_desktop import store
    from vidgen_desktop.store.team.relay import backlog

    with store.open_local() as db:
        waiting, refused = backlog(db)
    if refused:
        return [
            (
                "replication",
                FAIL,
                f"{refused} change(s) refused by the team database (see the log); "
                f"{waiting} waiting",
            )
        ]
    return [("replication", OK, f"{waiting} change(s) waiting to be sent")]


def check_storage(settings: config.Settings) -> list[Line]:
    from vidgen_desktop import storage

    try:
        return [("storage", OK, storage.from_settings(settings).check())]
    except VidgenError as exc:
        return [("storage", FAIL, str(exc))]


def check_supabase(settings: config.Settings) -> list[Line]:
    url = settings.backend.supabase_url
    if not url:
        return [("supabase", OFF, "not configured: live progress uses the database (LISTEN)")]
    key = config.secret("supabase_anon_key")
    if not key:
        return [
            (
                "supabase",
                FAIL,
                f"{url}: no anon key; store it with `vidgen backend secret supabase_anon_key`",
            )
        ]
    request = urllib.request.Request(url.rstrip("/") + "/auth/v1/health", headers={"apikey": key})
    try:
        with urllib.request.urlopen(request, timeout=SUPABASE_TIMEOUT) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return [("supabase", FAIL, f"{url} is unreachable: {reason}")]
    if status in (401, 403):
        return [("supabase", FAIL, f"{url} refused the anon key (HTTP {status})")]
    if status >= 400:
        return [("supabase", FAIL, f"{url} answered HTTP {status}: is it a Supabase project?")]
    return [("supabase", OK, f"{url} is reachable")]


def check_keyring(settings: config.Settings) -> list[Line]:
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return [("keyring", OFF, "not installed: secrets come from environment variables")]
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        names = ", ".join(sorted(set(config.SECRETS.values())))
        return [("keyring", OFF, f"no OS keyring here: secrets come from {names}")]
    return [("keyring", OK, f"available ({type(backend).__name__})")]


def check_versions(settings: config.Settings) -> list[Line]:
    """What renders here: Vidgen's version, the FFmpeg build and its encoders (each job's
    record keeps the same, ``jobs.made_with``)."""
    from vidgen_desktop.media import build_info

    made = build_info.made_with()
    return [
        ("vidgen", OK, f"{made['vidgen']} (Python {made['python']}, {made['platform']})"),
        ("ffmpeg", OK, f"{made['ffmpeg']} at {build_info.ffmpeg_build()['path']}"),
        ("text", OK, f"Pillow {made['pillow']}, FreeType {made['freetype']}, "
                     f"{made['text_layout']} layout"),  # fmt: skip
        ("encoders", OK, f"{len(made['encoders'])}: {', '.join(made['encoders'])}"),
    ]


CHECKS: tuple[Callable[[config.Settings], list[Line]], ...] = (
    check_versions,
    check_database,
    check_outbox,
    check_storage,
    check_supabase,
    check_keyring,
)


def _mask(text: str) -> str:
    """Hide URL passwords, and the value of every secret this machine knows, as ***."""
    text = re.sub(r"(://[^:/@\s]+):[^@\s]+@", r"\1:***@", text)
    for name in config.SECRETS:
        value = config.secret(name)
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text


def cmd_check(args: argparse.Namespace) -> int:
    settings = config.load()
    failed = False
    for check in CHECKS:
        try:
            lines = check(settings)
        except Exception as exc:  # noqa: BLE001 - one broken part must not hide the others
            lines = [(check.__name__.removeprefix("check_"), FAIL, f"{type(exc).__name__}: {exc}")]
        for part, verdict, message in lines:
            failed |= verdict == FAIL
            print(_mask(f"{part:<12} {verdict:<4}  {message}"))
    return 1 if failed else 0


# secret, set, relay, sql ----------------------------------------------------------------


def cmd_secret(args: argparse.Namespace) -> int:
    if args.delete:
        config.set_secret(args.name, None)
        print(f"{args.name} removed from the OS keyring")
        return 0
    if sys.stdin.isatty():
        value = getpass.getpass(f"{args.name}: ")
    else:
        value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise VidgenError(f"no value given for {args.name}; nothing stored")
    config.set_secret(args.name, value)
    print(f"{args.name} stored in the OS keyring")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from vidgen_desktop.composition.model import describe_errors

    fields = config.BackendSettings.model_fields
    if args.key not in fields:
        raise VidgenError(f"unknown backend setting {args.key!r}; they are: {', '.join(fields)}")
    value: Any = args.value
    if value == "default":
        value = fields[args.key].get_default(call_default_factory=True)
    elif value[:1] in "[{":
        value = json.loads(value)
    elif value == "none":
        value = None
    current = config.load().backend.model_dump()
    try:
        config.update(backend={**current, args.key: value})
    except ValidationError as exc:
        raise VidgenError(f"setting not changed: {describe_errors(exc)}") from exc
    shown = config.load().backend.model_dump(mode="json")[args.key]
    print(f"backend.{args.key} = {json.dumps(shown)}")
    return 0


def _remote_url() -> str:
    url = config.database_url()
    if not url:
        raise VidgenError(
            "no team database is configured: `vidgen backend set database_url "
            f"postgresql://USER@HOST:5432/DB` (or set {config.DATABASE_URL_ENV})"
        )
    return url


def cmd_relay(args: argparse.Namespace) -> int:
    import threading

    from vidgen_desktop import store
    from vidgen_desktop.store.team.relay import Relay, TeamUnavailable

    settings = config.load()
    relay = Relay(store.open_local(), _remote_url(), team_id=settings.backend.team)
    try:
        if args.once:
            try:
                sent = relay.drain()
                pulled = relay.pull()  # and the farm's jobs back, with their renders
            except TeamUnavailable as exc:
                raise VidgenError(str(exc)) from exc
            fetched = _fetch_outputs(relay.local)
            status = relay.status()
            print(f"sent {sent} change(s); {status.pending} waiting, {status.parked} refused; "
                  f"pulled {pulled} farm job(s), {len(fetched)} render(s) downloaded")  # fmt: skip
            return 1 if status.parked else 0
        print("sending changes to the team database; Ctrl+C to stop", file=sys.stderr)
        relay.after_pull = lambda: _fetch_outputs(relay.local)
        relay.run_forever(threading.Event())
        return 0
    finally:
        relay.close()


def _fetch_outputs(local: Any) -> list[Any]:
    """Finished farm renders not yet on this laptop, downloaded into the output folder."""
    from vidgen_desktop.queue import farm_outputs

    return farm_outputs.fetch_new(local)


def cmd_sql(args: argparse.Namespace) -> int:
    from vidgen_desktop.store.team import database as team_db

    if args.events:
        print(team_db.sql_text(team_db.EVENTS_SQL))
    else:  # the row level security, then the privileges Supabase's defaults gave taken back
        print(team_db.sql_text(team_db.SUPABASE_SQL))
        print(team_db.sql_text(team_db.PRIVILEGES_SQL))
    return 0


def cmd_remote_upgrade(args: argparse.Namespace) -> int:
    from vidgen_desktop.store.team import database as team_db

    url = _remote_url()
    print(f"{team_db.describe(url)}: schema at {team_db.upgrade(url)}")
    return 0


# registration -------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``vidgen backend …``."""
    backend = sub.add_parser("backend", help="the team backend: check it, secrets, settings")
    commands = backend.add_subparsers(dest="backend_command", metavar="COMMAND", required=True)
    p = commands.add_parser("check", help="test each configured part and say what is wrong")
    p.set_defaults(handler=cmd_check)
    p = commands.add_parser("secret", help="store a secret in the OS keyring (stdin or prompt)")
    p.add_argument("name", choices=list(config.SECRETS))
    p.add_argument("--delete", action="store_true", help="remove it instead")
    p.set_defaults(handler=cmd_secret)
    p = commands.add_parser("set", help="change a backend setting: set KEY VALUE")
    p.add_argument("key")
    p.add_argument("value", help="a value, JSON, 'none' or 'default'")
    p.set_defaults(handler=cmd_set)
    p = commands.add_parser(
        "relay", help="send this machine's job log to the team database, pull the farm's jobs"
    )
    p.add_argument("--once", action="store_true", help="send and pull what is waiting, then stop")
    p.set_defaults(handler=cmd_relay)
    p = commands.add_parser("sql", help="print the SQL a team runs once on Supabase")
    p.add_argument("--events", action="store_true", help="the NOTIFY triggers' SQL instead")
    p.set_defaults(handler=cmd_sql)


@contextlib.contextmanager
def relaying(db: Any, *, forever: bool) -> Iterator[None]:
    """With a team backend, send the job log there: in the background while the block runs
    (``forever``), and once more at its end."""
    from vidgen_desktop.store.team.relay import Relay, TeamUnavailable

    url = config.database_url()
    if not url:
        yield
        return
    relay, stop = Relay(db, url, team_id=config.load().backend.team), threading.Event()
    thread = threading.Thread(target=relay.run_forever, args=(stop,), daemon=True)
    if forever:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread.is_alive():
            thread.join(10)
        try:
            relay.drain()
            relay.pull()
            _fetch_outputs(db)
        except TeamUnavailable as exc:
            print(f"the team database is unreachable ({exc}); the jobs are kept here and "
                  "sent later (vidgen backend relay)", file=sys.stderr)  # fmt: skip
        finally:
            relay.close()
