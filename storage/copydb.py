"""`smm-kpi-bot copy-db FROM_URL TO_URL`: every record of one database copied into another.

SQLite → PostgreSQL (moving a deployment to the multi-instance setup) and PostgreSQL → SQLite.
Generic over tables: the tables and their columns are read from the two schemas, so a table a
later migration adds is copied without touching this module; a table or column present on one
side only, or a column type the converter does not know, stops the copy before anything is
written (migrate both to the same release first).

- The source is read in one snapshot (a read transaction; SQLite opened read-only), so a live
  bot may keep running on it; the target is written in ONE transaction: on any error, or when
  the checksums differ, nothing is committed.
- The target is migrated to the newest schema first and must hold no records, unless
  `replace=True` (``--replace``): then its records are deleted in the same transaction.
- Checksum: per table, the sum modulo 2**256 of each row's SHA-256 in a canonical form (each
  value decoded to its logical type — the PostgreSQL column type — and written one way:
  datetimes in UTC with microseconds, dates ISO, booleans 0/1, floats by repr), so row order
  does not matter and rows stream through in chunks; computed the same way on the source
  snapshot as it is read and on the target as written, before the commit.
- PostgreSQL identity sequences are set past the largest copied id; SQLite's AUTOINCREMENT
  counter follows explicit ids by itself.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from storage.migrator import latest_version, load_migrations
from storage.url import DatabaseUrlError, is_memory, is_postgres_url, sqlite_path_from_url

# Bookkeeping, not records: the target's migrator writes its own.
SKIPPED_TABLES = frozenset({"schema_version"})

Row = tuple[Any, ...]
CHUNK = 5000  # rows read, checked and written at a time

# Date columns whose "not yet" is '' on SQLite (it sorts before every ISO date) and 0001-01-01
# on PostgreSQL (a DATE cannot be ''): kind "date0", translated both ways.
NEVER_DATES = frozenset({("projects", "last_digest_week")})
_NEVER = date(1, 1, 1)


class CopyDbError(RuntimeError):
    """The copy cannot start (bad URLs, schema mismatch, a non-empty target): exit 2."""


class ChecksumMismatchError(RuntimeError):
    """The target does not hold what the source holds: rolled back, exit 1."""


@dataclass(frozen=True)
class TableReport:
    name: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def ok(self) -> bool:
        return (self.source_rows, self.source_checksum) == (self.target_rows,
                                                            self.target_checksum)


@dataclass(frozen=True)
class CopyReport:
    tables: list[TableReport]

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.source_rows for t in self.tables)

    def checksum(self, side: str) -> str:
        """One SHA-256 over every table's name, count and checksum on `side` (source/target)."""
        digest = hashlib.sha256()
        for table in self.tables:
            count = table.source_rows if side == "source" else table.target_rows
            value = table.source_checksum if side == "source" else table.target_checksum
            digest.update(f"{table.name}:{count}:{value}\n".encode())
        return digest.hexdigest()


# --- logical types and the canonical form -------------------------------------------------------

# PostgreSQL data_type → logical type. The SQLite schema mirrors the PostgreSQL one column for
# column (ISO strings for datetimes and dates, 0/1 for booleans), so one map serves both sides.
PG_TYPES = {
    "bigint": "int", "integer": "int", "smallint": "int",
    "double precision": "float", "real": "float",
    "boolean": "bool",
    "text": "text",
    "date": "date",
    "timestamp with time zone": "timestamptz",
    "jsonb": "json", "json": "json",  # JSON text on SQLite
}


def _decode(kind: str, value: Any) -> Any:
    """A stored value (either backend's representation) → the Python value of its kind."""
    if value is None:
        return None
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise CopyDbError(f"expected an integer, found {value!r}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CopyDbError(f"expected a number, found {value!r}")
        return float(value)
    if kind == "bool":
        if value not in (0, 1):  # also True/False
            raise CopyDbError(f"expected a boolean, found {value!r}")
        return bool(value)
    if kind == "text":
        if not isinstance(value, str):
            raise CopyDbError(f"expected text, found {value!r}")
        return value
    if kind == "json":  # copied as written; only the checksum reads it (key order aside)
        if not isinstance(value, str):
            raise CopyDbError(f"expected JSON text, found {value!r}")
        json.loads(value)
        return value
    if kind == "date0" and value == "":
        return _NEVER
    if kind in ("date", "date0"):
        if isinstance(value, datetime):
            raise CopyDbError(f"expected a date, found {value!r}")
        return value if isinstance(value, date) else date.fromisoformat(value)
    if kind == "timestamptz":
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    raise CopyDbError(f"unknown column kind {kind!r}")


def _canonical(kind: str, value: Any) -> str | None:
    if value is None:
        return None
    if kind == "int":
        return str(value)
    if kind == "float":
        return repr(value)
    if kind == "bool":
        return "1" if value else "0"
    if kind == "text":
        return value
    if kind == "json":  # PostgreSQL's jsonb orders keys and spaces its own way
        return json.dumps(json.loads(value), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False)
    if kind in ("date", "date0"):
        return value.isoformat()
    return value.isoformat(timespec="microseconds")


class TableHash:
    """A table's checksum, built row by row in any order: the sum modulo 2**256 of each
    canonical row's SHA-256 (a multiset hash: rows stream through, nothing is sorted or held)."""

    def __init__(self, kinds: Sequence[str]) -> None:
        self.kinds = kinds
        self.count = 0
        self._total = 0

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            line = json.dumps([_canonical(k, v) for k, v in zip(self.kinds, row, strict=True)],
                              ensure_ascii=False)
            digest = hashlib.sha256(line.encode()).digest()
            self._total = (self._total + int.from_bytes(digest, "big")) % 2**256
            self.count += 1

    def hexdigest(self) -> str:
        return f"{self._total:064x}"


def table_checksum(kinds: Sequence[str], rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """(row count, checksum) of decoded rows in the canonical form, independent of row order."""
    hashed = TableHash(kinds)
    hashed.add(rows)
    return hashed.count, hashed.hexdigest()


def _to_sqlite(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return int(value)
    if kind == "date0" and value == _NEVER:
        return ""
    if kind in ("date", "date0"):
        return value.isoformat()
    if kind == "timestamptz":
        return value.isoformat()  # UTC, as storage.sqlite.to_db_datetime writes it
    return value


# --- the two backends ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    identity: tuple[str, ...]  # PostgreSQL columns with a sequence (empty on SQLite)


def _order(tables: dict[str, Table], references: dict[str, set[str]]) -> list[str]:
    """Table names so that a referenced table comes before the tables that reference it."""
    ordered: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise CopyDbError(f"foreign keys form a cycle through {name}")
        state[name] = 1
        for parent in sorted(references.get(name, set())):
            if parent != name and parent in tables:
                visit(parent)
        state[name] = 2
        ordered.append(name)

    for name in sorted(tables):
        visit(name)
    return ordered


def _code_version() -> int:
    return latest_version(load_migrations())


class _Sqlite:
    """One sqlite3 connection; the copy is one process doing one thing, so blocking is fine."""

    def __init__(self, url: str, *, source: bool) -> None:
        path = sqlite_path_from_url(url, create_dirs=not source)
        if is_memory(path):
            raise CopyDbError("an in-memory SQLite database cannot be copied from or to")
        if source and not path.is_file():
            raise CopyDbError(f"{path}: no such SQLite database")
        self.path = path
        self.conn: sqlite3.Connection | None = None
        self.source = source

    async def open(self) -> None:
        if not self.source:
            from storage.sqlite import SqliteStorage  # migrates the target to the newest schema

            storage = SqliteStorage(self.path)
            await storage.connect()
            await storage.close()
            self.conn = sqlite3.connect(self.path, isolation_level=None)
            self.conn.execute("PRAGMA busy_timeout = 5000")
            self.conn.execute("PRAGMA foreign_keys = ON")
        else:
            try:
                self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                            isolation_level=None)
                self.conn.execute("PRAGMA busy_timeout = 5000")
                self.conn.execute("BEGIN")  # one snapshot for schema, rows and checksums
                self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.DatabaseError as exc:
                raise CopyDbError(f"{self.path}: not a usable SQLite database ({exc})") from exc

    async def close(self) -> None:
        if self.conn is not None:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self.conn.close()

    async def version(self) -> int:
        assert self.conn is not None
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    async def table_columns(self) -> dict[str, list[str]]:
        assert self.conn is not None
        names = [r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {name: [r[1] for r in self.conn.execute(f'PRAGMA table_info("{name}")')]
                for name in names}

    async def references(self) -> dict[str, set[str]]:
        assert self.conn is not None
        return {name: {r[2] for r in self.conn.execute(f'PRAGMA foreign_key_list("{name}")')}
                for name in (await self.table_columns())}

    async def read(self, table: Table) -> AsyncIterator[list[Row]]:
        assert self.conn is not None
        cols = ", ".join(f'"{c}"' for c in table.columns)
        cursor = self.conn.execute(f'SELECT {cols} FROM "{table.name}"')
        while rows := cursor.fetchmany(CHUNK):
            yield [tuple(r) for r in rows]

    async def count(self, table: Table) -> int:
        assert self.conn is not None
        return int(self.conn.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0])

    async def begin(self) -> None:
        assert self.conn is not None
        self.conn.execute("BEGIN IMMEDIATE")

    async def delete_all(self, order: Sequence[Table]) -> None:
        assert self.conn is not None
        for table in reversed(order):
            self.conn.execute(f'DELETE FROM "{table.name}"')

    async def write(self, table: Table, rows: list[Row]) -> None:
        assert self.conn is not None
        cols = ", ".join(f'"{c}"' for c in table.columns)
        marks = ", ".join("?" for _ in table.columns)
        self.conn.executemany(
            f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})',
            ([_to_sqlite(k, v) for k, v in zip(table.kinds, row, strict=True)] for row in rows))

    async def fix_sequences(self, tables: Sequence[Table]) -> None:
        return None  # AUTOINCREMENT follows explicit ids

    async def commit(self) -> None:
        assert self.conn is not None
        problems = self.conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise CopyDbError(f"copied rows break {len(problems)} foreign key(s)")
        self.conn.execute("COMMIT")

    async def rollback(self) -> None:
        assert self.conn is not None
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


class _Postgres:
    def __init__(self, url: str, *, source: bool) -> None:
        self.url = url.strip()
        self.source = source
        self.conn: Any = None
        self.tx: Any = None

    async def open(self) -> None:
        import asyncpg

        from storage.postgres_migrator import migrate_postgres

        self.conn = await asyncpg.connect(self.url, timeout=30)
        if not self.source:
            await migrate_postgres(self.conn)
        else:
            self.tx = self.conn.transaction(isolation="repeatable_read", readonly=True)
            await self.tx.start()

    async def close(self) -> None:
        if self.conn is not None:
            if self.tx is not None and not self.conn.is_closed() and self.conn.is_in_transaction():
                await self.tx.rollback()
            await self.conn.close()

    async def version(self) -> int:
        from storage.postgres_migrator import pg_schema_version

        return await pg_schema_version(self.conn)

    async def _columns(self) -> list[Any]:
        return await self.conn.fetch(
            "SELECT table_name, column_name, data_type, is_identity, column_default "
            "FROM information_schema.columns c WHERE table_schema = current_schema() "
            "AND table_name IN (SELECT tablename FROM pg_tables "
            "                   WHERE schemaname = current_schema()) "
            "ORDER BY table_name, ordinal_position")

    async def table_columns(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for r in await self._columns():
            result.setdefault(r["table_name"], []).append(r["column_name"])
        return result

    async def column_kinds(self) -> dict[tuple[str, str], str]:
        kinds = {}
        for r in await self._columns():
            kind = PG_TYPES.get(r["data_type"])
            if kind is None and r["table_name"] not in SKIPPED_TABLES:
                raise CopyDbError(f"column {r['table_name']}.{r['column_name']} has type "
                                  f"{r['data_type']!r}, which copy-db does not know")
            kinds[(r["table_name"], r["column_name"])] = kind or "text"
        return kinds

    async def identity_columns(self) -> set[tuple[str, str]]:
        return {(r["table_name"], r["column_name"]) for r in await self._columns()
                if r["is_identity"] == "YES"
                or str(r["column_default"] or "").startswith("nextval(")}

    async def references(self) -> dict[str, set[str]]:
        rows = await self.conn.fetch(
            "SELECT cl.relname AS child, ref.relname AS parent FROM pg_constraint c "
            "JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class ref ON ref.oid = c.confrelid "
            "WHERE c.contype = 'f' AND cl.relnamespace = "
            "      (SELECT oid FROM pg_namespace WHERE nspname = current_schema())")
        result: dict[str, set[str]] = {}
        for r in rows:
            result.setdefault(r["child"], set()).add(r["parent"])
        return result

    async def read(self, table: Table) -> AsyncIterator[list[Row]]:
        cols = ", ".join(f'"{c}"' for c in table.columns)
        cursor = await self.conn.cursor(f'SELECT {cols} FROM "{table.name}"')  # in the snapshot
        while rows := await cursor.fetch(CHUNK):
            yield [tuple(r) for r in rows]

    async def count(self, table: Table) -> int:
        return int(await self.conn.fetchval(f'SELECT count(*) FROM "{table.name}"'))

    async def begin(self) -> None:
        self.tx = self.conn.transaction()
        await self.tx.start()

    async def delete_all(self, order: Sequence[Table]) -> None:
        if order:
            await self.conn.execute(
                "TRUNCATE " + ", ".join(f'"{t.name}"' for t in order) + " RESTART IDENTITY")

    async def write(self, table: Table, rows: list[Row]) -> None:
        if rows:
            # COPY: the fast path for bulk rows; values are already the Python types asyncpg
            # encodes for these columns.
            await self.conn.copy_records_to_table(table.name, records=rows,
                                                  columns=list(table.columns))

    async def fix_sequences(self, tables: Sequence[Table]) -> None:
        for table in tables:
            for column in table.identity:
                # The next id handed out is max + 1 (1 on an empty table).
                await self.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence($1, $2), "
                    f"COALESCE((SELECT max(\"{column}\") FROM \"{table.name}\"), 0) + 1, false)",
                    table.name, column)

    async def commit(self) -> None:
        await self.tx.commit()

    async def rollback(self) -> None:
        if self.conn.is_in_transaction():
            await self.tx.rollback()


def _backend(url: str, *, source: bool) -> _Sqlite | _Postgres:
    return _Postgres(url, source=source) if is_postgres_url(url) else _Sqlite(url, source=source)


# --- the copy -----------------------------------------------------------------------------------

async def copy_database(from_url: str, to_url: str, *, replace: bool = False,
                        progress: Callable[[str], None] | None = None) -> CopyReport:
    """Copy every record of `from_url` into `to_url` (see the module docstring). Raises
    CopyDbError before writing, ChecksumMismatchError (rolled back) after; returns the report
    of a committed copy."""
    if is_postgres_url(from_url) == is_postgres_url(to_url):
        raise CopyDbError("copy-db copies SQLite → PostgreSQL or PostgreSQL → SQLite; for two "
                          "databases of one kind use `smm-kpi-bot backup` or pg_dump")
    try:
        source = _backend(from_url, source=True)
        target = _backend(to_url, source=False)
    except DatabaseUrlError as exc:
        raise CopyDbError(str(exc)) from exc
    say = progress or (lambda _text: None)
    try:
        await source.open()
        await target.open()
        tables = await _plan(source, target)
        await target.begin()
        try:
            nonempty = [t.name for t in tables if await target.count(t)]
            if nonempty and not replace:
                raise CopyDbError("the target already holds records (in "
                                  f"{', '.join(nonempty)}); pass --replace to delete them")
            if nonempty:
                say(f"deleting the target's records in {len(nonempty)} tables (--replace)")
                await target.delete_all(tables)
            sums: dict[str, TableHash] = {}
            for table in tables:  # streamed in chunks: memory stays flat however large
                sums[table.name] = TableHash(table.kinds)
                async for chunk in source.read(table):
                    rows = _decode_rows(table, chunk, "source")
                    sums[table.name].add(rows)
                    await target.write(table, rows)
            await target.fix_sequences(tables)
            reports = []
            for table in tables:
                written = TableHash(table.kinds)
                async for chunk in target.read(table):
                    written.add(_decode_rows(table, chunk, "target"))
                read = sums[table.name]
                reports.append(TableReport(table.name, read.count, written.count,
                                           read.hexdigest(), written.hexdigest()))
            report = CopyReport(reports)
            if not report.ok:
                raise ChecksumMismatchError(format_report(report))
            await target.commit()
        except BaseException:
            await target.rollback()
            raise
        return report
    finally:
        await target.close()
        await source.close()


def _decode_rows(table: Table, rows: list[Row], side: str) -> list[Row]:
    try:
        return [tuple(_decode(k, v) for k, v in zip(table.kinds, row, strict=True))
                for row in rows]
    except (CopyDbError, ValueError, TypeError) as exc:
        raise CopyDbError(f"{side} table {table.name}: {exc}") from exc


async def _plan(source: _Sqlite | _Postgres, target: _Sqlite | _Postgres) -> list[Table]:
    """The tables to copy, parents first, with their columns and kinds; refuses schemas that
    differ (versions, tables or columns)."""
    code = _code_version()
    source_version, target_version = await source.version(), await target.version()
    if source_version != code:
        raise CopyDbError(f"the source is at schema {source_version}, this release at {code}: "
                          "run `smm-kpi-bot migrate` on it first (or use the matching release)")
    if target_version != code:
        raise CopyDbError(f"the target is at schema {target_version}, this release at {code}")
    pg = source if isinstance(source, _Postgres) else target
    assert isinstance(pg, _Postgres)
    source_cols = {k: v for k, v in (await source.table_columns()).items()
                   if k not in SKIPPED_TABLES}
    target_cols = {k: v for k, v in (await target.table_columns()).items()
                   if k not in SKIPPED_TABLES}
    if set(source_cols) != set(target_cols):
        only_source = sorted(set(source_cols) - set(target_cols))
        only_target = sorted(set(target_cols) - set(source_cols))
        raise CopyDbError(f"the schemas differ: tables only in the source {only_source}, only "
                          f"in the target {only_target}")
    kinds = await pg.column_kinds()
    identity = await pg.identity_columns()
    tables: dict[str, Table] = {}
    for name, columns in source_cols.items():
        if set(columns) != set(target_cols[name]):
            raise CopyDbError(f"table {name}: columns differ ({sorted(columns)} in the source, "
                              f"{sorted(target_cols[name])} in the target)")
        ordered = tuple(sorted(columns))
        tables[name] = Table(name, ordered,
                             tuple("date0" if (name, c) in NEVER_DATES else kinds[(name, c)]
                                   for c in ordered),
                             tuple(c for c in ordered if (name, c) in identity))
    references = await pg.references()
    return [tables[name] for name in _order(tables, references)]


def format_report(report: CopyReport) -> str:
    """The per-table counts and checksums, one line each, then the totals."""
    width = max([len(t.name) for t in report.tables] + [5])
    lines = [f"{'table':<{width}}  {'source':>8}  {'target':>8}  checksum      "]
    for t in report.tables:
        status = "ok" if t.ok else f"MISMATCH (target {t.target_checksum[:12]})"
        lines.append(f"{t.name:<{width}}  {t.source_rows:>8}  {t.target_rows:>8}  "
                     f"{t.source_checksum[:12]}  {status}")
    total_target = sum(t.target_rows for t in report.tables)
    lines.append(f"{'total':<{width}}  {report.rows:>8}  {total_target:>8}")
    lines.append(f"checksum source {report.checksum('source')}")
    lines.append(f"checksum target {report.checksum('target')}")
    return "\n".join(lines)
