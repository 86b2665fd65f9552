"""The workspace keeps its promises: keyed replace, idempotent re-import, undo, atomic failure,
refusal of files that are not ours, and totals that always equal a plain-Python model.

Prepared imports are built directly from small tables here (`prepared(...)`), so these tests
exercise the storage rules on their own, independent of reading and recognising files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from analytics.errors import InputRejected, UsageError, WorkspaceCorrupt
from analytics.ingest.model import PreparedImport
from analytics.schema import TABLES
from analytics.workspace import (
    DB_FILE,
    DUCKDB_CONFIG,
    Workspace,
    default_workspace_path,
    quote_ident,
)

DAY = date(2024, 1, 1)


def prepared(
    kind: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    name: str = "export.csv",
    shop: str = "",
    data: bytes | None = None,
    mapping: Mapping[str, str] | None = None,
    signature: str = "sig",
) -> PreparedImport:
    """A PreparedImport of `kind` holding `rows` (fields left out are NULL).

    The bytes default to a dump of the rows, so different rows mean a different sha256.
    """
    columns = TABLES[kind].column_names
    frame = pd.DataFrame(
        {c: pd.Series([r.get(c) for r in rows], dtype=object) for c in columns}, columns=columns
    )
    data = json.dumps([dict(r) for r in rows], default=str).encode() if data is None else data
    dates = [r["date"] for r in rows if isinstance(r.get("date"), date)]
    return PreparedImport(
        file_name=name,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        ext="csv",
        kind=kind,
        platform="sycm",
        shop=shop,
        encoding="utf-8",
        sheet=None,
        mapping=mapping or {"日期": "date", "来源": "channel", "访客数": "visitors"},
        header_signature=signature,
        frame=frame,
        rows_read=len(rows),
        date_range=(min(dates), max(dates)) if dates else None,
    )


def traffic(day: int, channel: str, visitors: int, **more: Any) -> dict[str, Any]:
    """One traffic row `day` days after 2024-01-01."""
    return {
        "date": DAY + timedelta(days=day),
        "channel": channel,
        "sub_channel": "",
        "visitors": visitors,
        **more,
    }


def live_traffic(ws: Workspace) -> dict[tuple[date, str], int]:
    with ws.connect() as con:
        rows = con.execute("select date, channel, visitors from traffic").fetchall()
    return {(d, c): v for d, c, v in rows}


def test_first_connect_creates_every_table_with_shop_first_and_import_id_last(
    workspace: Workspace,
) -> None:
    with workspace.connect() as con:
        for kind, table in TABLES.items():
            names = [r[0] for r in con.execute(f"describe {quote_ident(kind)}").fetchall()]
            assert names == ["shop", *table.column_names, "import_id"]
            replaced = [
                r[0] for r in con.execute(f"describe {quote_ident(kind + '_replaced')}").fetchall()
            ]
            assert replaced == [*names, "replaced_by"]
    assert workspace.is_empty()
    assert workspace.imports() == []


def test_overlapping_import_replaces_keys_and_counts_them(workspace: Workspace) -> None:
    first = workspace.commit(
        prepared("traffic", [traffic(0, "搜索", 10), traffic(1, "搜索", 20), traffic(1, "直接", 5)])
    )
    second = workspace.commit(
        prepared("traffic", [traffic(1, "搜索", 25), traffic(1, "直接", 6), traffic(2, "搜索", 30)])
    )
    assert (first.import_id, first.rows_inserted, first.rows_updated) == (1, 3, 0)
    assert (second.import_id, second.rows_inserted, second.rows_updated) == (2, 3, 2)
    assert live_traffic(workspace) == {
        (DAY, "搜索"): 10,
        (DAY + timedelta(1), "搜索"): 25,
        (DAY + timedelta(1), "直接"): 6,
        (DAY + timedelta(2), "搜索"): 30,
    }
    newest = workspace.imports()[0]
    assert (newest.import_id, newest.rows, newest.rows_updated) == (2, 3, 2)
    assert (newest.date_start, newest.date_end) == (DAY + timedelta(1), DAY + timedelta(2))


def test_the_same_keys_in_another_shop_are_separate_rows(workspace: Workspace) -> None:
    workspace.commit(prepared("traffic", [traffic(0, "搜索", 10)], shop="A"))
    result = workspace.commit(prepared("traffic", [traffic(0, "搜索", 10)], shop="B"))
    assert (result.rows_inserted, result.rows_updated) == (1, 0)
    with workspace.connect() as con:
        assert con.execute("select shop from traffic order by shop").fetchall() == [("A",), ("B",)]


def test_identical_reimport_changes_nothing_and_says_when(workspace: Workspace) -> None:
    file = prepared("traffic", [traffic(0, "搜索", 10)])
    first = workspace.commit(file)
    before = workspace.digest()
    again = workspace.commit(prepared("traffic", [traffic(0, "搜索", 10)], name="renamed.csv"))
    assert again.import_id is None
    assert again.already_imported_at == workspace.record(first.import_id).imported_at
    assert workspace.digest() == before


def test_undo_removes_the_rows_and_brings_back_what_they_replaced(workspace: Workspace) -> None:
    workspace.commit(prepared("traffic", [traffic(0, "搜索", 10), traffic(1, "搜索", 20)]))
    after_first = workspace.digest()
    version = workspace.version()
    workspace.commit(prepared("traffic", [traffic(1, "搜索", 25), traffic(2, "搜索", 30)]))
    record = workspace.undo(2)
    assert record.undone_at is not None
    assert live_traffic(workspace) == {(DAY, "搜索"): 10, (DAY + timedelta(1), "搜索"): 20}
    assert workspace.version() != version
    with workspace.connect() as con:
        assert con.execute("select count(*) from traffic_replaced").fetchall() == [(0,)]
    assert workspace.digest() != after_first  # the imports table remembers the undo
    with pytest.raises(UsageError) as undone:
        workspace.undo(2)
    assert undone.value.code == "workspace.already_undone"
    with pytest.raises(UsageError) as unknown:
        workspace.undo(99)
    assert unknown.value.code == "workspace.unknown_import"


def test_undoing_a_middle_import_hands_its_replaced_rows_to_the_later_one(
    workspace: Workspace,
) -> None:
    for visitors in (1, 2, 3):
        workspace.commit(prepared("traffic", [traffic(0, "搜索", visitors)]))
    workspace.undo(2)
    assert live_traffic(workspace) == {(DAY, "搜索"): 3}
    workspace.undo(3)
    assert live_traffic(workspace) == {(DAY, "搜索"): 1}


def test_an_undone_file_can_be_imported_again_and_its_raw_bytes_are_kept(
    workspace: Workspace,
) -> None:
    file = prepared("traffic", [traffic(0, "搜索", 10)])
    workspace.commit(file)
    workspace.undo(1)
    assert (workspace.raw_dir / f"{file.sha256}.csv").read_bytes() == file.data
    again = workspace.commit(file)
    assert again.import_id == 2
    assert live_traffic(workspace) == {(DAY, "搜索"): 10}


def test_raw_bytes_are_archived_under_their_sha256_only(workspace: Workspace) -> None:
    file = prepared("traffic", [traffic(0, "搜索", 10)], name="../../etc/passwd.csv")
    workspace.commit(file)
    assert [p.name for p in workspace.raw_dir.iterdir()] == [f"{file.sha256}.csv"]


def test_a_value_that_does_not_cast_rolls_back_everything(workspace: Workspace) -> None:
    workspace.commit(prepared("traffic", [traffic(0, "搜索", 10)]))
    before = workspace.digest()
    raw_before = sorted(workspace.raw_dir.iterdir())
    rows = [traffic(1, "搜索", 20), traffic(0, "搜索", 11), traffic(2, "搜索", "many")]
    with pytest.raises(InputRejected) as rejected:
        workspace.commit(prepared("traffic", rows, name="bad.csv"))
    problem = rejected.value.problems[0]
    assert (problem.file, problem.column, problem.found) == ("bad.csv", "访客数", "many")
    assert problem.expected == "integer"
    assert workspace.digest() == before
    assert sorted(workspace.raw_dir.iterdir()) == raw_before  # no archive, no temp file left


def test_a_failure_inside_the_transaction_rolls_back_and_reraises(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.commit(prepared("traffic", [traffic(0, "搜索", 10)]))
    before = workspace.digest()

    def fail(con: duckdb.DuckDBPyConnection) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Workspace, "_bump_version", staticmethod(fail))
    with pytest.raises(RuntimeError, match="disk full"):
        workspace.commit(prepared("traffic", [traffic(0, "搜索", 99), traffic(1, "搜索", 5)]))
    monkeypatch.undo()
    assert workspace.digest() == before
    assert len(list(workspace.raw_dir.iterdir())) == 1


def test_the_last_row_of_a_repeated_key_wins_with_a_notice(workspace: Workspace) -> None:
    result = workspace.commit(
        prepared("traffic", [traffic(0, "搜索", 1), traffic(0, "搜索", 2), traffic(1, "搜索", 3)])
    )
    assert result.rows_inserted == 2
    assert [(n.code, dict(n.params)) for n in result.notices] == [("duplicate_keys", {"rows": 1})]
    assert live_traffic(workspace)[(DAY, "搜索")] == 2


@pytest.mark.parametrize("shop_has_rows", [False, True])
def test_repeated_keys_count_the_same_whether_or_not_the_shop_already_has_rows(
    workspace: Workspace, shop_has_rows: bool
) -> None:
    """A file with unique keys is stored straight from the frame, one with repeated keys
    through a staged copy, and a shop that has rows goes through the keyed replace: every path
    gives the same counts, the last row of a key wins, and undo brings back what was there."""
    workspace.commit(prepared("traffic", [traffic(0, "搜索", 99)], shop="other"))
    seed = {(DAY, "搜索"): 1, (DAY + timedelta(5), "直接"): 7} if shop_has_rows else {}
    if seed:
        workspace.commit(prepared("traffic", [traffic(0, "搜索", 1), traffic(5, "直接", 7)]))

    def rows(shop: str = "") -> dict[tuple[date, str], int]:
        with workspace.connect() as con:
            found = con.execute(
                "select date, channel, visitors from traffic where shop = ?", [shop]
            ).fetchall()
        return {(d, c): v for d, c, v in found}

    repeated = [traffic(0, "搜索", 2), traffic(1, "搜索", 3), traffic(0, "搜索", 4)]
    result = workspace.commit(
        prepared("traffic", [*repeated, traffic(1, "搜索", 5), traffic(2, "搜索", 6)])
    )
    assert (result.rows_inserted, result.rows_updated) == (3, len(seed) // 2)
    assert [(n.code, dict(n.params)) for n in result.notices] == [("duplicate_keys", {"rows": 2})]
    last_rows = {(DAY + timedelta(d), "搜索"): v for d, v in [(0, 4), (1, 5), (2, 6)]}
    assert rows() == {**seed, **last_rows}
    clean = workspace.commit(prepared("traffic", [traffic(3, "搜索", 8), traffic(5, "直接", 9)]))
    assert (clean.rows_inserted, clean.rows_updated) == (2, len(seed) // 2)
    assert not [n for n in clean.notices if n.code == "duplicate_keys"]
    assert rows() == {**last_rows, (DAY + timedelta(3), "搜索"): 8, (DAY + timedelta(5), "直接"): 9}
    workspace.undo(clean.import_id)
    workspace.undo(result.import_id)
    assert rows() == seed
    assert rows("other") == {(DAY, "搜索"): 99}


def test_events_drop_exact_duplicates_and_undo_keeps_the_other_imports_rows(
    workspace: Workspace,
) -> None:
    def event(user: str, hour: int, kind: str = "product_view") -> dict[str, Any]:
        return {"user_id": user, "ts": f"2024-01-01 {hour:02d}:00:00", "event": kind}

    workspace.commit(prepared("events", [event("u1", 1), event("u1", 1), event("u2", 2)]))
    second = workspace.commit(prepared("events", [event("u2", 2), event("u3", 3)]))
    assert (second.rows_inserted, second.rows_updated) == (2, 1)
    with workspace.connect() as con:
        assert con.execute("select count(*) from events").fetchall() == [(3,)]
    workspace.undo(1)
    with workspace.connect() as con:
        users = con.execute("select user_id from events order by user_id").fetchall()
    assert users == [("u2",), ("u3",)]


def test_orders_keep_money_exact_and_ids_as_text(workspace: Workspace) -> None:
    rows = [
        {
            "order_id": "000123456789012345678",
            "created_at": "2024-01-01 10:00:00",
            "pay_amount": "1234.56",
            "is_paid": True,
        }
    ]
    workspace.commit(prepared("orders", rows))
    with workspace.connect() as con:
        ((order_id, amount),) = con.execute("select order_id, pay_amount from orders").fetchall()
    assert order_id == "000123456789012345678"
    assert str(amount) == "1234.56"


def test_mappings_are_remembered_by_header_signature(workspace: Workspace) -> None:
    workspace.commit(prepared("traffic", [traffic(0, "a", 1)], mapping={"UV": "visitors"}))
    assert workspace.remembered_mappings() == {
        "sig": {"kind": "traffic", "mapping": {"UV": "visitors"}}
    }


def test_a_file_that_is_not_a_duckdb_database_is_refused_and_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    garbage = b"this is not a database\n" * 1000
    (folder / DB_FILE).write_bytes(garbage)
    with pytest.raises(WorkspaceCorrupt):
        Workspace(folder).imports()
    with pytest.raises(WorkspaceCorrupt):
        Workspace(folder).commit(prepared("traffic", [traffic(0, "a", 1)]))
    assert (folder / DB_FILE).read_bytes() == garbage
    assert sorted(p.name for p in folder.iterdir()) == [DB_FILE]


def test_a_duckdb_file_of_someone_else_is_refused_and_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    con = duckdb.connect(str(folder / DB_FILE))
    con.execute("create table customers (name varchar)")
    con.execute("insert into customers values ('Ann')")
    con.close()
    before = (folder / DB_FILE).read_bytes()
    with pytest.raises(WorkspaceCorrupt):
        Workspace(folder).is_empty()
    assert (folder / DB_FILE).read_bytes() == before


def test_a_workspace_of_another_schema_version_is_refused(workspace: Workspace) -> None:
    with workspace.connect() as con:
        con.execute("update meta set value = '999' where key = 'schema_version'")
    with pytest.raises(WorkspaceCorrupt):
        workspace.imports()


def test_sql_settings_keep_user_strings_from_becoming_code(workspace: Workspace) -> None:
    secret = pd.DataFrame({"x": [1]})  # noqa: F841 — a replacement scan would find it
    with workspace.connect() as con:
        with pytest.raises(duckdb.CatalogException):
            con.execute("select * from secret").fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("set python_enable_replacements = true")


def test_the_default_path_honours_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHOPLENS_WORKSPACE", str(tmp_path / "mine"))
    assert default_workspace_path() == tmp_path / "mine"
    monkeypatch.delenv("SHOPLENS_WORKSPACE")
    assert default_workspace_path().name == "workspace"


# ---------------------------------------------------------------------------------------------
# Model-based (RELIABILITY P7): any sequence of imports, re-imports, overlapping replacements,
# undos and failures leaves the totals per day and channel equal to a plain-Python model, where
# a key's value is the one of the newest import (not undone) that contains it.

CHANNELS = ("搜索", "直接", "广告")


class ImportModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="shoplens-model-"))
        self.ws = Workspace(self.folder)
        self.ws.is_empty()
        # Opening a DuckDB database costs ~0.1 s here; a connection kept open keeps the database
        # instance alive, so the workspace's own connections (still one per call) open in ~1 ms.
        self.keeper = duckdb.connect(str(self.ws.db_path), config=DUCKDB_CONFIG)
        self.files: list[tuple[int, PreparedImport]] = []  # (import id, file) in import order
        self.imports: dict[int, dict[tuple[date, str], int]] = {}  # import id → its rows
        self.undone: set[int] = set()

    def teardown(self) -> None:
        self.keeper.close()
        shutil.rmtree(self.folder)

    def expected(self) -> dict[tuple[date, str], int]:
        state: dict[tuple[date, str], int] = {}
        for import_id in sorted(self.imports):
            if import_id not in self.undone:
                state.update(self.imports[import_id])
        return state

    def _commit(self, file: PreparedImport, rows: dict[tuple[date, str], int]) -> None:
        before = self.ws.digest()
        result = self.ws.commit(file)
        if result.import_id is None:  # the same bytes are already imported and not undone
            assert self.ws.digest() == before
        else:
            self.imports[result.import_id] = rows
            self.files.append((result.import_id, file))

    @rule(
        start=st.integers(0, 14),
        days=st.integers(1, 7),
        seed=st.integers(0, 10**6),
        channels=st.sets(st.sampled_from(CHANNELS), min_size=1),
    )
    def import_period(self, start: int, days: int, seed: int, channels: set[str]) -> None:
        rows = [
            traffic(start + d, c, (seed * 7 + d * 13 + len(c)) % 1000)
            for d in range(days)
            for c in sorted(channels)
        ]
        model = {(r["date"], r["channel"]): r["visitors"] for r in rows}
        self._commit(prepared("traffic", rows, data=f"{rows}".encode()), model)

    @rule()
    def reimport_last(self) -> None:
        if self.files:
            import_id, file = self.files[-1]
            self._commit(file, self.imports[import_id])

    @rule(pick=st.integers(0, 100))
    def undo(self, pick: int) -> None:
        live = sorted(set(self.imports) - self.undone)
        if live:
            import_id = live[pick % len(live)]
            self.ws.undo(import_id)
            self.undone.add(import_id)

    @rule(start=st.integers(0, 14))
    def fail_midway(self, start: int) -> None:
        before = self.ws.digest()
        rows = [traffic(start, "搜索", 1), traffic(start + 1, "直接", "not a number")]
        with pytest.raises(InputRejected):
            self.ws.commit(prepared("traffic", rows))
        assert self.ws.digest() == before

    @invariant()
    def totals_equal_the_model(self) -> None:
        assert live_traffic(self.ws) == self.expected()


TestImportModel = ImportModel.TestCase
TestImportModel.settings = settings(
    max_examples=20,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_status_is_is_empty_and_version_in_one_read(workspace: Workspace) -> None:
    """The dashboard's per-rerun question, answered over one connection, agrees with both."""
    empty = workspace.status()
    assert empty == (True, workspace.version())
    workspace.commit(prepared("traffic", [traffic(0, "搜索", 10)]))
    filled = workspace.status()
    assert filled == (False, workspace.version())
    assert filled[1] != empty[1]
