"""The workspace: one folder holding `workspace.duckdb` (canonical tables, imports, mappings)
and `raw/<sha256>.<ext>` (the exact bytes of every imported file).

Why it looks like this (DESIGN.md "Workspace and safety", RELIABILITY.md R4–R6, R9, R11, R12):

- Connections are short-lived: open, work, close. DuckDB's file lock blocks every other process
  (even read-only ones) while a connection is open, so nobody holds the file between operations;
  a process that finds it locked retries for a few seconds, then raises `WorkspaceBusy`.
- Inside one process, a lock per workspace serialises writers, and each operation opens its own
  connection: a DuckDB connection is never shared across threads.
- An import is one transaction (imports row + keyed upsert + remembered mapping + version bump);
  on any error it is rolled back and the workspace is logically identical to before.
- A row whose key a newer import replaces moves to `<kind>_replaced` with `replaced_by` set, so
  `undo` can bring it back. Nothing uploaded is lost: raw bytes stay in `raw/`.
- A file that is not our workspace is refused with `WorkspaceCorrupt` and never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from analytics.errors import (
    InputProblem,
    InputRejected,
    UsageError,
    WorkspaceBusy,
    WorkspaceCorrupt,
    WorkspaceWriteFailed,
    shown_value,
)
from analytics.ingest.model import ImportRecord, ImportResult, Notice, PreparedImport
from analytics.schema import TABLES, Table

SCHEMA_VERSION = "1"
DB_FILE = "workspace.duckdb"
RAW_DIR = "raw"

# One configuration for every connection: DuckDB caches the database instance per file inside a
# process and refuses a second connection with a different configuration.
DUCKDB_CONFIG: dict[str, Any] = {
    "python_enable_replacements": False,  # a value like `secret` must not read a Python variable
    "enable_external_access": False,  # SQL cannot read or write files (registered frames work)
    "autoinstall_known_extensions": False,  # extensions cannot be downloaded here anyway
    "autoload_known_extensions": False,
    "threads": 2,
    "memory_limit": "2GB",
    # A million-row insert then writes on both threads (half the time). Nothing depends on
    # the order rows are stored in: queries order what they show, and "the last row of a key
    # wins" uses the file's row numbers (`_pos`).
    "preserve_insertion_order": False,
    # A bulk insert flushes each row group as it is full instead of buffering five per thread:
    # a million-row import peaks ~180 MB lower, at the same speed.
    "write_buffer_row_group_count": 1,
}

# Extensions of archived raw files: server-generated names only, so a plain token is enough.
_EXT_PATTERN = re.compile(r"[a-z0-9]{1,8}")
# A raw file on its way in: "<sha256>.<ext>.<uuid hex>.tmp" (see Workspace._write_raw_temp).
_RAW_TEMP = re.compile(r"([0-9a-f]{64})\.([a-z0-9]{1,8})\.[0-9a-f]{32}\.tmp")
# DuckDB errors that mean "no room to store this" (memory, disk): the import is rolled back
# and reported as WorkspaceWriteFailed instead of a raw message with paths and SQL.
_WRITE_FAILURES = (duckdb.OutOfMemoryException, duckdb.IOException, duckdb.TransactionException)

IMPORTS_DDL = """
create table imports (
    import_id bigint primary key,
    file_name varchar not null,
    sha256 varchar not null,
    ext varchar not null,
    kind varchar not null,
    platform varchar,
    shop varchar not null,
    encoding varchar,
    sheet varchar,
    rows bigint not null,
    rows_updated bigint not null,
    date_start date,
    date_end date,
    mapping varchar,
    header_signature varchar,
    currency varchar,
    notices varchar,
    imported_at timestamp not null,
    undone_at timestamp
)"""

MAPPINGS_DDL = """
create table mappings (
    header_signature varchar primary key,
    kind varchar not null,
    mapping varchar not null,
    updated_at timestamp not null
)"""

META_DDL = "create table meta (key varchar primary key, value varchar not null)"

_writer_locks: dict[str, threading.RLock] = {}
_instance_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def quote_ident(name: str) -> str:
    """Quote an SQL identifier for DuckDB: wrap in double quotes, double any inside.

    >>> quote_ident('a"b')
    '"a""b"'
    """
    return '"' + name.replace('"', '""') + '"'


def table_layout(table: Table) -> list[tuple[str, str]]:
    """A canonical table as stored: `shop` first, the schema's columns, `import_id` last."""
    return [("shop", "VARCHAR"), *table.columns, ("import_id", "BIGINT")]


def key_columns(table: Table) -> tuple[str, ...]:
    """The columns that identify a row: the natural key, or every data column for events.

    Kinds without a natural key (events) drop exact duplicates, which is the same as keying on
    all columns: a row already present is "replaced" by an identical one.
    """
    if table.key:
        return table.key
    return ("shop", *table.column_names)


def default_workspace_path() -> Path:
    """`$SHOPLENS_WORKSPACE`, else a `workspace` folder in the user's data folder.

    Linux: `$XDG_DATA_HOME/shoplens/workspace` (default `~/.local/share/...`); Windows:
    `%APPDATA%\\ShopLens\\workspace`; macOS: `~/Library/Application Support/ShopLens/workspace`.
    """
    configured = os.environ.get("SHOPLENS_WORKSPACE")
    if configured:
        return Path(configured).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming") / "ShopLens"
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support" / "ShopLens"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "shoplens"
    return base / "workspace"


def _writer_lock(path: Path) -> threading.RLock:
    """The in-process lock that serialises writers of the workspace at `path`."""
    key = os.path.normcase(str(path))
    with _writer_locks_guard:
        return _writer_locks.setdefault(key, threading.RLock())


def _instance_lock(path: Path) -> threading.Lock:
    """The in-process lock held while opening or closing a connection to `path`.

    DuckDB shares one database instance among a process's connections to a file; two threads
    opening the first connection at once fail with "Unique file handle conflict" (DuckDB 2.0),
    so opening and closing are serialised. Queries still run in parallel.
    """
    key = os.path.normcase(str(path))
    with _writer_locks_guard:
        return _instance_locks.setdefault(key, threading.Lock())


def _lock_configuration(con: duckdb.DuckDBPyConnection) -> None:
    """Freeze the settings, so no later statement can loosen them (RELIABILITY R9).

    The setting belongs to the database instance, which DuckDB shares among the connections
    of one process; setting it again on a locked instance is an error, hence the check, made
    under a lock so two threads never both try.
    """
    with _writer_locks_guard:
        if not _scalar(con, "select current_setting('lock_configuration')"):
            con.execute("set lock_configuration = true")


def _now() -> datetime:
    """Local wall-clock time to the second: what an operator expects to read back."""
    return datetime.now().replace(microsecond=0)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(sep=" ", timespec="seconds")


def _first(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row of a query, read to the end: DuckDB 2.0 refuses the next statement on a
    connection whose previous result is unfinished."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _version(con: duckdb.DuckDBPyConnection) -> str:
    values = dict(con.execute("select key, value from meta").fetchall())
    return f"{values['workspace_id']}:{values['version']}"


def _is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    return not any(
        _scalar(con, f"select exists (select 1 from {quote_ident(kind)})") for kind in TABLES
    )


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> Any:
    """The single value of a one-row, one-column query (counts, ids)."""
    return con.execute(sql, params or []).fetchall()[0][0]


class Workspace:
    """A ShopLens workspace folder; every method opens and closes its own connection.

    Args:
        path: the folder (created on first use). It holds `workspace.duckdb` and `raw/`.

    Attributes:
        busy_timeout: seconds to keep retrying while another process holds the file lock.
    """

    busy_timeout: float = 5.0

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser().resolve()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Workspace) and self.path == other.path

    def __hash__(self) -> int:
        return hash(self.path)

    @property
    def db_path(self) -> Path:
        return self.path / DB_FILE

    @property
    def raw_dir(self) -> Path:
        return self.path / RAW_DIR

    # -- connections ---------------------------------------------------------------------

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a short-lived connection, creating the workspace on first use.

        Waits up to `busy_timeout` seconds while another process holds the file, then raises
        `WorkspaceBusy`. A file that is not a ShopLens workspace raises `WorkspaceCorrupt` and
        is left exactly as it is. Use one connection per operation and per thread.
        """
        con = self._open()
        try:
            self._check_or_create(con)
            yield con
        finally:
            with _instance_lock(self.path):
                con.close()

    @contextmanager
    def _writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for a write, holding this process's writer lock for the workspace."""
        with _writer_lock(self.path), self.connect() as con:
            self._recover_raw(con)
            yield con

    def _recover_raw(self, con: duckdb.DuckDBPyConnection) -> None:
        """Finish what a process killed between COMMIT and the rename left in `raw/`.

        Runs under the writer lock with a connection open, so no other process or thread is
        between writing a temp file and renaming it. A temp whose import committed is renamed
        into place (nothing uploaded is lost); any other temp belongs to an import that never
        committed and is removed.
        """
        if not self.raw_dir.is_dir():
            return
        temps = [
            (path, match)
            for path in self.raw_dir.iterdir()
            if (match := _RAW_TEMP.fullmatch(path.name))
        ]
        for path, match in temps:
            final = self.raw_dir / f"{match[1]}.{match[2]}"
            committed = _first(
                con, "select 1 from imports where sha256 = ? and ext = ?", [match[1], match[2]]
            )
            if committed is not None and not final.exists():
                os.replace(path, final)
            else:
                path.unlink(missing_ok=True)

    def _open(self) -> duckdb.DuckDBPyConnection:
        if self.path.exists() and not self.path.is_dir():
            raise UsageError("workspace.not_a_folder")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError("workspace.cannot_create", reason=exc.strerror or "") from exc
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.02
        while True:
            try:
                with _instance_lock(self.path):
                    return duckdb.connect(str(self.db_path), config=DUCKDB_CONFIG)
            except duckdb.IOException as exc:
                if "Could not set lock" not in str(exc):
                    raise WorkspaceCorrupt("workspace.corrupt") from exc
                if time.monotonic() + delay > deadline:
                    raise WorkspaceBusy("workspace.busy") from exc
            except duckdb.Error as exc:
                raise WorkspaceCorrupt("workspace.corrupt") from exc
            # Jittered backoff, so two waiting processes do not retry in lock-step.
            time.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, 0.5)

    def _check_or_create(self, con: duckdb.DuckDBPyConnection) -> None:
        """Refuse a database that is not ours; create the tables of a brand-new one.

        The common case (our workspace, configuration already locked) costs one query.
        """
        try:
            found = con.execute(
                "select value, current_setting('lock_configuration') from meta "
                "where key = 'schema_version'"
            ).fetchall()
        except duckdb.CatalogException:
            found = None
        if found is not None:
            if [value for value, _ in found] != [SCHEMA_VERSION]:
                raise WorkspaceCorrupt("workspace.wrong_version")
            if not found[0][1]:
                _lock_configuration(con)
            return
        if _scalar(con, "select count(*) from duckdb_tables()"):
            raise WorkspaceCorrupt("workspace.corrupt")
        with _writer_lock(self.path):
            # Another thread of this process may have created it while we waited for the lock.
            if not _scalar(con, "select count(*) from duckdb_tables()"):
                self._create(con)
        _lock_configuration(con)

    def _create(self, con: duckdb.DuckDBPyConnection) -> None:
        con.begin()
        try:
            for kind, table in TABLES.items():
                layout = table_layout(table)
                cols = ", ".join(f"{quote_ident(c)} {t}" for c, t in layout)
                con.execute(f"create table {quote_ident(kind)} ({cols})")
                con.execute(
                    f"create table {quote_ident(kind + '_replaced')} "
                    f"({cols}, replaced_by BIGINT NOT NULL)"
                )
            con.execute(IMPORTS_DDL)
            con.execute(MAPPINGS_DDL)
            con.execute(META_DDL)
            con.executemany(
                "insert into meta values (?, ?)",
                [
                    ("schema_version", SCHEMA_VERSION),
                    ("workspace_id", uuid.uuid4().hex),
                    ("version", "0"),
                ],
            )
            con.commit()
        except BaseException:
            con.rollback()
            raise

    # -- reading -------------------------------------------------------------------------

    def version(self) -> str:
        """A token that changes on every import and undo (for cache keys).

        It includes the workspace's random id, so a deleted and recreated workspace never
        repeats an old token.
        """
        with self.connect() as con:
            return _version(con)

    def is_empty(self) -> bool:
        """True when no canonical table has a row (nothing imported, or everything undone)."""
        with self.connect() as con:
            return _is_empty(con)

    def status(self) -> tuple[bool, str]:
        """`(is_empty(), version())` over one connection: what every dashboard rerun asks.

        Opening the file costs tens of milliseconds, so the frame asks once, not twice.
        """
        with self.connect() as con:
            return _is_empty(con), _version(con)

    def imports(self) -> list[ImportRecord]:
        """Every import, newest first, undone ones included (with `undone_at` set)."""
        with self.connect() as con:
            rows = con.execute(f"{_RECORD_SELECT} order by import_id desc").fetchall()
        return [_record(row) for row in rows]

    def record(self, import_id: int) -> ImportRecord:
        """The `imports` row of `import_id`; an unknown id raises `UsageError`."""
        with self.connect() as con:
            row = _first(con, f"{_RECORD_SELECT} where import_id = ?", [import_id])
        if row is None:
            raise UsageError("workspace.unknown_import", import_id=import_id)
        return _record(row)

    def remembered_mappings(self) -> dict[str, dict[str, Any]]:
        """{header_signature: {"kind": …, "mapping": {source column: field}}} of past imports."""
        with self.connect() as con:
            rows = con.execute("select header_signature, kind, mapping from mappings").fetchall()
        return {sig: {"kind": kind, "mapping": json.loads(mapping)} for sig, kind, mapping in rows}

    def digest(self) -> str:
        """sha256 of an ordered dump of every table: equal digests = logically identical.

        Tests use it to prove a failed import left the workspace as it was (RELIABILITY R4).
        """
        h = hashlib.sha256()
        with self.connect() as con:
            names = sorted(
                row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()
            )
            for name in names:
                cur = con.execute(f"select * from {quote_ident(name)} order by all")
                h.update(repr((name, [d[0] for d in cur.description])).encode())
                for row in cur.fetchall():
                    h.update(repr(row).encode())
        return h.hexdigest()

    # -- writing -------------------------------------------------------------------------

    def commit(self, prepared: PreparedImport) -> ImportResult:
        """Store a prepared import in one transaction and archive its bytes.

        An identical file (same sha256 and shop, not undone) changes nothing and the result says
        when it was imported. Otherwise: the `imports` row, the keyed upsert (rows of existing
        keys move to `<kind>_replaced`), the remembered mapping and the version bump commit
        together or not at all. The raw bytes go to a temp name first and are renamed to
        `raw/<sha256>.<ext>` only after COMMIT.
        """
        table = TABLES[prepared.kind]
        _check_frame(prepared, table)
        with self._writing() as con:
            earlier = _first(
                con,
                "select imported_at from imports where sha256 = ? and shop = ? "
                "and undone_at is null order by import_id limit 1",
                [prepared.sha256, prepared.shop],
            )
            if earlier is not None:
                return ImportResult(
                    import_id=None,
                    file_name=prepared.file_name,
                    kind=prepared.kind,
                    rows_inserted=0,
                    rows_updated=0,
                    already_imported_at=_iso(earlier[0]),
                    notices=tuple(prepared.notices),
                )
            raw_final = self.raw_dir / f"{prepared.sha256}.{prepared.ext}"
            # Registered outside the transaction: a rollback would drop it, and the diagnosis
            # of an unstorable value reads the frame after the rollback.
            frame_name = f"_incoming_{uuid.uuid4().hex}"
            # `_pos` carries the file's row order, so "the last row of a key wins" is exact.
            con.register(frame_name, prepared.frame.assign(_pos=range(len(prepared.frame))))
            with ThreadPoolExecutor(max_workers=1) as writer:
                # The raw copy is written while DuckDB stores the rows; COMMIT waits for it.
                pending = writer.submit(self._write_raw_temp, prepared, raw_final)
                try:
                    con.begin()
                    try:
                        import_id, inserted, updated, dropped = self._store(
                            con, prepared, table, frame_name
                        )
                        raw_temp = pending.result()
                        con.commit()
                    except OSError as exc:  # the raw copy: disk full, file size limit
                        _rollback_quietly(con)
                        raise WorkspaceWriteFailed("workspace.write_failed") from exc
                    except duckdb.ConversionException as exc:
                        con.rollback()
                        raise _unstorable(con, prepared, table, frame_name) from exc
                    except _WRITE_FAILURES as exc:
                        _rollback_quietly(con)
                        raise WorkspaceWriteFailed("workspace.write_failed") from exc
                    except BaseException:
                        con.rollback()
                        raise
                    if raw_temp is not None:
                        os.replace(raw_temp, raw_final)
                finally:
                    con.unregister(frame_name)
                    with suppress(OSError):
                        left = pending.result()  # an import that failed leaves no copy
                        if left is not None and left.exists():
                            left.unlink()
        notices = list(prepared.notices)
        if dropped:
            notices.append(Notice("duplicate_keys", {"rows": dropped}))
        return ImportResult(
            import_id=import_id,
            file_name=prepared.file_name,
            kind=prepared.kind,
            rows_inserted=inserted,
            rows_updated=updated,
            notices=tuple(notices),
        )

    def _write_raw_temp(self, prepared: PreparedImport, final: Path) -> Path | None:
        """Write the bytes (or copy the file that holds them) under a unique temp name; None
        when the archive already has them."""
        if final.exists():
            return None
        self.raw_dir.mkdir(exist_ok=True)
        temp = final.with_name(f"{final.name}.{uuid.uuid4().hex}.tmp")
        try:
            if prepared.data is not None:
                temp.write_bytes(prepared.data)
            else:  # the bytes are in a private file: link it on the same disk, else copy it
                try:
                    os.link(prepared.source, temp)
                except OSError:
                    shutil.copyfile(prepared.source, temp)
        except BaseException:
            temp.unlink(missing_ok=True)  # a partly written copy is not an archive
            raise
        return temp

    def _store(
        self,
        con: duckdb.DuckDBPyConnection,
        prepared: PreparedImport,
        table: Table,
        frame_name: str,
    ) -> tuple[int, int, int, int]:
        """The body of the import transaction; returns (id, inserted, updated, duplicates).

        `frame_name` is the registered `prepared.frame`; every value is cast explicitly to its
        canonical type, so a value that does not fit fails the transaction instead of turning
        NULL.
        """
        import_id = _scalar(con, "select coalesce(max(import_id), 0) + 1 from imports")
        kind = quote_ident(table.kind)
        replaced = quote_ident(table.kind + "_replaced")
        layout = table_layout(table)
        all_cols = ", ".join(quote_ident(c) for c, _ in layout)
        key_match = " and ".join(
            f"s.{quote_ident(c)} is not distinct from t.{quote_ident(c)}"
            for c in key_columns(table)
        )
        key_list = ", ".join(quote_ident(c) for c in key_columns(table))

        casts = ", ".join(
            f"cast({quote_ident(c)} as {t}) as {quote_ident(c)}" for c, t in table.columns
        )
        params = {"shop": prepared.shop, "import_id": import_id}
        # The frame as canonical rows. Unused columns are pruned from a query, so a statement
        # that reads only the key casts only the key; the final insert casts everything.
        source = (
            f"(select cast($shop as varchar) as shop, {casts}, "
            f"cast($import_id as bigint) as import_id, _pos from {quote_ident(frame_name)})"
        )
        staged, distinct = len(prepared.frame), prepared.distinct_keys
        if distinct is None:
            distinct = _scalar(con, f"select count(distinct row({key_list})) from {source}", params)
        if distinct < staged:
            # Within one file the last row of a key wins, like a later import would. Only a
            # file with repeated keys pays for a staged copy of its rows.
            con.execute(
                f"create temp table _stage as select * from {source} "
                f"where _pos in (select max(_pos) from {source} group by {key_list})",
                params,
            )
            source, params = "_stage", {}
        inserted = distinct
        updated = 0
        # Rows of this shop already stored: move those whose key the file brings to
        # `<kind>_replaced` (so undo can restore them), then delete them.
        if _scalar(con, f"select exists (select 1 from {kind} where shop = ?)", [prepared.shop]):
            incoming = f"exists (select 1 from {source} s where {key_match})"
            updated = _scalar(
                con,
                f"insert into {replaced} select t.*, $import_id from {kind} t where {incoming}",
                {**params, "import_id": import_id},
            )
            if updated:
                con.execute(f"delete from {kind} t where {incoming}", params)
        con.execute(f"insert into {kind} select {all_cols} from {source}", params)
        if source == "_stage":
            con.execute("drop table _stage")

        date_start, date_end = prepared.date_range or (None, None)
        con.execute(
            f"insert into imports values ({', '.join('?' * 18)}, null)",
            [
                import_id,
                prepared.file_name,
                prepared.sha256,
                prepared.ext,
                prepared.kind,
                prepared.platform,
                prepared.shop,
                prepared.encoding,
                prepared.sheet,
                inserted,
                updated,
                date_start,
                date_end,
                _json(prepared.mapping),
                prepared.header_signature,
                prepared.currency,
                json.dumps(
                    [{"code": n.code, "params": dict(n.params)} for n in prepared.notices],
                    ensure_ascii=False,
                    default=str,
                ),
                _now(),
            ],
        )
        if prepared.header_signature:
            con.execute(
                "insert or replace into mappings values (?, ?, ?, ?)",
                [prepared.header_signature, prepared.kind, _json(prepared.mapping), _now()],
            )
        self._bump_version(con)
        return import_id, inserted, updated, staged - inserted

    def undo(self, import_id: int) -> ImportRecord:
        """Take an import back in one transaction: its rows go, the rows it replaced return.

        A replaced row whose key a later import now holds stays in `<kind>_replaced`, handed
        over to that later import, so undoing that one later brings it back. The raw file is
        kept. An unknown or already undone id raises `UsageError`.
        """
        with self._writing() as con:
            row = _first(
                con, "select kind, undone_at from imports where import_id = ?", [import_id]
            )
            if row is None:
                raise UsageError("workspace.unknown_import", import_id=import_id)
            if row[1] is not None:
                raise UsageError("workspace.already_undone", import_id=import_id)
            table = TABLES[row[0]]
            con.begin()
            try:
                self._undo(con, table, import_id)
                con.commit()
            except BaseException:
                con.rollback()
                raise
        return self.record(import_id)

    def _undo(self, con: duckdb.DuckDBPyConnection, table: Table, import_id: int) -> None:
        kind = quote_ident(table.kind)
        replaced = quote_ident(table.kind + "_replaced")
        all_cols = ", ".join(quote_ident(c) for c, _ in table_layout(table))
        key_match = " and ".join(
            f"r.{quote_ident(c)} is not distinct from t.{quote_ident(c)}"
            for c in key_columns(table)
        )
        con.execute(f"delete from {kind} where import_id = ?", [import_id])
        # Its rows that later imports replaced are gone for good with it.
        con.execute(f"delete from {replaced} where import_id = ?", [import_id])
        # A row it replaced whose key a later import holds now waits for that import instead.
        con.execute(
            f"update {replaced} r set replaced_by = t.import_id from {kind} t "
            f"where r.replaced_by = ? and {key_match}",
            [import_id],
        )
        con.execute(
            f"insert into {kind} select {all_cols} from {replaced} where replaced_by = ?",
            [import_id],
        )
        con.execute(f"delete from {replaced} where replaced_by = ?", [import_id])
        con.execute("update imports set undone_at = ? where import_id = ?", [_now(), import_id])
        self._bump_version(con)

    @staticmethod
    def _bump_version(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "update meta set value = cast(cast(value as bigint) + 1 as varchar) "
            "where key = 'version'"
        )


_RECORD_SELECT = (
    "select import_id, file_name, sha256, kind, platform, shop, rows, rows_updated, "
    "date_start, date_end, imported_at, undone_at from imports"
)


def _record(row: tuple) -> ImportRecord:
    (import_id, file_name, sha256, kind, platform, shop, rows, updated, start, end, at, undone) = (
        row
    )
    return ImportRecord(
        import_id=import_id,
        file_name=file_name,
        sha256=sha256,
        kind=kind,
        platform=platform,
        shop=shop,
        rows=rows,
        rows_updated=updated,
        date_start=start,
        date_end=end,
        imported_at=_iso(at),
        undone_at=_iso(undone),
    )


def _rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back after a failed write; a COMMIT that failed may have ended the transaction."""
    with suppress(duckdb.Error):
        con.rollback()


def _json(mapping: Mapping[str, Any]) -> str:
    return json.dumps(dict(mapping), ensure_ascii=False, sort_keys=True)


# What a canonical type expects, as an `expected.<name>` catalogue key.
_EXPECTED_BY_TYPE = {
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BIGINT": "integer",
    "DOUBLE": "float",
    "BOOLEAN": "bool",
    "VARCHAR": "text",
}


def _unstorable(
    con: duckdb.DuckDBPyConnection, prepared: PreparedImport, table: Table, frame_name: str
) -> InputRejected:
    """Name the first value of the frame that does not cast to its column's canonical type.

    Ingest converts every value before this point, so this is a last guard that keeps a
    conversion error a located message instead of a traceback.
    """
    source_of = {field: source for source, field in prepared.mapping.items()}
    for column, sql_type in table.columns:
        col = quote_ident(column)
        bad = _first(
            con,
            f"select {col}::varchar from {quote_ident(frame_name)} "
            f"where {col} is not null and try_cast({col} as {sql_type}) is null limit 1",
        )
        if bad is not None:
            problem = InputProblem(
                file=prepared.file_name,
                code="unstorable_value",
                column=source_of.get(column, column),
                found=shown_value(bad[0]),
                expected=_EXPECTED_BY_TYPE.get(sql_type, "decimal"),
            )
            return InputRejected([problem])
    return InputRejected([InputProblem(file=prepared.file_name, code="unstorable_value")])


def _check_frame(prepared: PreparedImport, table: Table) -> None:
    """Refuse a frame that does not have exactly the canonical columns (an ingest bug)."""
    if tuple(prepared.frame.columns) != table.column_names:
        raise ValueError(
            f"{table.kind} frame columns {list(prepared.frame.columns)} "
            f"differ from the schema {list(table.column_names)}"
        )
    if (prepared.data is None) == (prepared.source is None):
        raise ValueError("a prepared import carries its bytes or names its file, not both")
    if not _EXT_PATTERN.fullmatch(prepared.ext) or not re.fullmatch(
        r"[0-9a-f]{64}", prepared.sha256
    ):
        raise ValueError("a prepared import needs a lower-case sha256 and a plain extension")


__all__ = [
    "DUCKDB_CONFIG",
    "Workspace",
    "default_workspace_path",
    "quote_ident",
    "table_layout",
]
