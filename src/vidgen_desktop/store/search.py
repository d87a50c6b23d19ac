"""History search: which jobs mention a piece of text, answered from an index where there is one.

A search term matches any part of a job's project name, error message or
error code, ignoring case, and any part of its id (with or without dashes).

- SQLite with the ``jobs_search`` trigram table (revision 0004): terms of three
  characters or more come from the FTS5 index; an id prefix of any length is a
  range of the primary key. Shorter terms scan a narrow covering index of
  the text (revision 0006) instead of the jobs rows.
- Elsewhere (PostgreSQL, or an SQLite without the trigram tokenizer): LIKE /
  ILIKE scans, plus the id-prefix range.
"""

from __future__ import annotations

import string
import uuid

import sqlalchemy as sa

from vidgen_desktop.store.schema import jobs

TABLE = "jobs_search"  # the FTS5 table; its shadow tables are named TABLE_*
TEXT_COLUMNS = ("project_name", "error_message", "error_code")
MIN_INDEXED = 3  # characters: the trigram index cannot answer shorter terms
_HEX = frozenset(string.hexdigits)


def is_index_table(name: str | None) -> bool:
    """Whether a table is the search index or one of its shadow tables (not in ``schema``)."""
    return bool(name) and (name == TABLE or name.startswith(TABLE + "_"))  # type: ignore[union-attr]


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name`` hook: compare everything but the search index's tables."""
    return not (type_ == "table" and is_index_table(name))


def present(connection: sa.Connection) -> bool:
    """Whether this database has the search index (SQLite at revision 0004 with FTS5 trigram)."""
    if connection.dialect.name != "sqlite":
        return False
    found = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    ).first()
    return found is not None


def clause(term: str, dialect: str, *, indexed: bool) -> sa.ColumnElement[bool]:
    """The WHERE clause for jobs matching ``term`` (already stripped, not empty)."""
    hex_term = term.lower().replace("-", "")
    is_hex = bool(hex_term) and set(hex_term) <= _HEX and len(hex_term) <= 32
    matches: list[sa.ColumnElement[bool]] = [id_prefix(hex_term)] if is_hex else []
    if indexed and len(term) >= MIN_INDEXED:
        phrases = [f"{{{' '.join(TEXT_COLUMNS)}}} : {_phrase(term)}"]
        if is_hex and len(hex_term) >= MIN_INDEXED:
            phrases.append(f"id_hex : {_phrase(hex_term)}")
        elif is_hex:  # "a-b": too short for the index once the dash is gone
            matches.append(_id_text(dialect).contains(hex_term, autoescape=True))
        hits = sa.select(sa.literal_column("rowid")).select_from(sa.table(TABLE))
        hits = hits.where(sa.literal_column(TABLE).op("MATCH")(" OR ".join(phrases)))
        matches.append(sa.literal_column("jobs.rowid").in_(hits.scalar_subquery()))
        return sa.or_(*matches)
    if indexed:
        # too short for the trigram index: find the rows by scanning the narrow text
        # index (revision 0006) rather than the jobs rows, which carry compositions
        searched = jobs.alias("searched")
        scan = sa.select(searched.c.id).where(
            sa.or_(*_text_matches(searched, term, hex_term if is_hex else None, dialect))
        )
        return sa.or_(*matches, jobs.c.id.in_(scan.scalar_subquery()))
    return sa.or_(*matches, *_text_matches(jobs, term, hex_term if is_hex else None, dialect))


def _text_matches(
    table: sa.FromClause, term: str, hex_term: str | None, dialect: str
) -> list[sa.ColumnElement[bool]]:
    """``term`` anywhere in the name, error or code (and the id's hex digits, if given)."""
    columns = [table.c[name] for name in TEXT_COLUMNS]
    if dialect == "sqlite":
        # SQLite's LIKE already ignores (ASCII) case; lower() would double the cost.
        found = [column.contains(term, autoescape=True) for column in columns]
    else:
        found = [column.icontains(term, autoescape=True) for column in columns]
    if hex_term is not None:
        found.append(_id_text(dialect, table).contains(hex_term, autoescape=True))
    return found


def _id_text(dialect: str, table: sa.FromClause = jobs) -> sa.ColumnElement[str]:
    """The id as lowercase hex digits without dashes, for a substring scan."""
    if dialect == "sqlite":
        return sa.type_coerce(table.c.id, sa.String)  # stored as 32 lowercase hex digits
    return sa.func.replace(sa.cast(table.c.id, sa.String), "-", "")


def id_prefix(hex_digits: str) -> sa.ColumnElement[bool]:
    """Ids starting with these hex digits: a range of the primary key, on any database."""
    low = uuid.UUID(hex_digits.ljust(32, "0"))
    high = uuid.UUID(hex_digits.ljust(32, "f"))
    return jobs.c.id.between(low, high)


def _phrase(text: str) -> str:
    """An FTS5 string literal: everything inside is literal text ("" is a quote)."""
    return '"' + text.replace('"', '""') + '"'
