"""What the current revision expects of a database, object by object, and what is not so.

>>> report = schemacheck.check(db.engine)     # `vidgen db check [--remote]`
>>> [item for item in report.items if not item.ok]
[Item(kind='column', name='jobs.owner_id', state='missing', detail='')]

Every table, column and index of ``store.schema`` (compared by Alembic's own
autogenerate comparison, so a column of another type or nullability is
"different"), every view of ``schema.VIEWS`` and every trigger the
migrations create on that dialect is listed as ``ok``, ``missing`` or
``different``; columns and indexes of our tables that the schema does not
know are ``unexpected``. Other tables (procrastinate's, a team's own) are
none of its business.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from vidgen_desktop.store import migrate, schema, search

OUTBOX_TABLES = (
    "jobs", "elements", "processing_timeline", "storage_operations", "url_access_logs",
)  # fmt: skip
TRIGGERS: dict[str, dict[str, str]] = {  # dialect -> trigger -> table, at the current revision
    "sqlite": {
        "jobs_status_guard": "jobs",  # 0002
        **{f"{search.TABLE}_{kind}": "jobs" for kind in ("insert", "update", "delete")},  # 0004
        **{
            f"vidgen_outbox_{table}_{kind}": table
            for table in OUTBOX_TABLES
            for kind in ("insert", "update", "delete")
        },  # 0005
        "job_audit_log_no_update": "job_audit_log",  # 0007
        "job_audit_log_no_delete": "job_audit_log",
        "vidgen_outbox_processing_error_log_insert": "processing_error_log",
        "vidgen_outbox_job_audit_log_insert": "job_audit_log",
    },
    "postgresql": {
        "jobs_status_guard": "jobs",  # 0002
        "jobs_change_seq": "jobs",  # 0005
        "jobs_notify": "jobs",
        "processing_timeline_change_seq": "processing_timeline",
        "processing_timeline_notify": "processing_timeline",
        "job_audit_log_no_change": "job_audit_log",  # 0007
        "job_audit_log_no_truncate": "job_audit_log",
    },
}


@dataclasses.dataclass(frozen=True, slots=True)
class Item:
    kind: str  # table, column, index, view, trigger, revision
    name: str
    state: str  # ok, missing, different, unexpected
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state == "ok"


@dataclasses.dataclass(frozen=True, slots=True)
class SchemaReport:
    revision: str | None
    head: str
    items: tuple[Item, ...]

    @property
    def problems(self) -> list[Item]:
        return [item for item in self.items if not item.ok]

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self, *, all_items: bool = True) -> list[str]:
        shown = self.items if all_items else self.problems
        width = max((len(i.kind) + len(i.name) for i in shown), default=0) + 2
        return [
            f"{(i.kind + ' ' + i.name).ljust(width)} {i.state}{': ' + i.detail if i.detail else ''}"
            for i in shown
        ]


def check(engine: sa.Engine) -> SchemaReport:
    """Compare the database behind ``engine`` with what this Vidgen's schema expects."""
    with engine.connect() as connection:
        revision = migrate.current(connection)
        diffs = _diffs(connection)
        views = set(sa.inspect(connection).get_view_names())
        triggers = _triggers(connection)
        items = [_revision_item(revision)]
        items += _tables(diffs)
        items += [Item("view", name, "ok" if name in views else "missing") for name in schema.VIEWS]
        expected = TRIGGERS.get(connection.dialect.name, {})
        for name, table in expected.items():
            found = triggers.get(name)
            state = "ok" if found == table else "missing" if found is None else "different"
            items.append(
                Item("trigger", name, state, f"on {found}" if state == "different" else "")
            )
    return SchemaReport(revision=revision, head=migrate.head(), items=tuple(items))


def _revision_item(revision: str | None) -> Item:
    head = migrate.head()
    if revision == head:
        return Item("revision", head, "ok")
    if revision is None:
        return Item("revision", head, "missing", "no schema: run `vidgen db upgrade`")
    return Item("revision", head, "different", f"the database is at {revision}")


def _diffs(connection: sa.Connection) -> list[Any]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    opts = {"compare_type": True, "include_name": search.include_name}
    context = MigrationContext.configure(connection, opts=opts)
    flat: list[Any] = []
    for diff in compare_metadata(context, schema.metadata):
        flat.extend(diff if isinstance(diff, list) else [diff])  # column changes come grouped
    return flat


def _tables(diffs: Iterable[Any]) -> list[Item]:
    missing_tables, missing_columns, different, missing_indexes = set(), set(), {}, set()
    unexpected: list[Item] = []
    for diff in diffs:
        op = diff[0]
        if op == "add_table":
            missing_tables.add(diff[1].name)
        elif op == "add_column":
            missing_columns.add(f"{diff[2]}.{diff[3].name}")
        elif op.startswith("modify_"):
            key = f"{diff[2]}.{diff[3]}"
            what = op.removeprefix("modify_")
            different[key] = f"{different[key]}, " if key in different else ""
            different[key] += f"{what} is {diff[5]}, expected {diff[6]}"
        elif op == "add_index":
            missing_indexes.add(diff[1].name)
        elif op == "remove_column":
            unexpected.append(Item("column", f"{diff[2]}.{diff[3].name}", "unexpected"))
        elif op == "remove_index":
            unexpected.append(Item("index", str(diff[1].name), "unexpected"))
    items: list[Item] = []
    for table in schema.metadata.sorted_tables:
        gone = table.name in missing_tables
        items.append(Item("table", table.name, "missing" if gone else "ok"))
        for column in table.columns:
            key = f"{table.name}.{column.name}"
            state = "missing" if gone or key in missing_columns else "ok"
            if key in different:
                state = "different"
            items.append(Item("column", key, state, different.get(key, "")))
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            name = str(index.name)
            items.append(
                Item("index", name, "missing" if gone or name in missing_indexes else "ok")
            )
    return items + unexpected


def _triggers(connection: sa.Connection) -> dict[str, str]:
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
        ).all()
    else:
        rows = connection.exec_driver_sql(
            "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
        ).all()
    return {name: table for name, table in rows}
