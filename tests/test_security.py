"""Nothing in a file runs as code or reaches past its place (RELIABILITY R9, R10, R11; P11–P13).

- Hostile column and channel names (SQL, a Python variable name, LaTeX/Markdown, HTML, formulas)
  are imported and read back through the metrics exactly, and every table is still there.
- Every workspace connection runs with `python_enable_replacements=false`, extension autoinstall
  and autoload off, external access off and the configuration locked.
- A CSV export of formula-leading channel names is inert and re-imports to the same names.
- Whatever an upload is called, its bytes are stored as `raw/<sha256>.<ext>` inside `raw/`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import unicodedata
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.errors import InputRejected
from analytics.ingest.model import ImportOptions
from analytics.metrics.period import Period, Scope
from analytics.schema import TABLES
from analytics.workspace import Workspace
from tests.corpus.make_corpus import SYCM_TRAFFIC_HEADER, csv_bytes, traffic

HOSTILE = (
    'x"; drop table orders; --',
    "secret",
    "$x$",
    "<script>alert(1)</script>",
    "**b**",
    "'; delete from traffic where ''='",
    "=1+2",
    "+SUM(A1:A2)",
    "-3+4",
    "@cmd",
    "tab\tinside",
    '＝HYPERLINK("http://evil.example")',
    "Robert'); DROP TABLE imports;--",
    "{{7*7}} ${7*7} %s %(x)s",
)
WEEK = Period(date(2024, 1, 1), date(2024, 1, 7))
GOOD = csv_bytes(traffic(days=1))
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

# A module-level name a replacement scan would find if `python_enable_replacements` were on.
secret = "the contents of a Python variable"


def import_file(ws: Workspace, name: str, data: bytes, options: ImportOptions | None = None):
    from analytics.importer import import_file as run_import

    return run_import(ws, name, data, options or ImportOptions())


def table_counts(ws: Workspace) -> dict[str, int]:
    with ws.connect() as con:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
        return {n: con.execute(f'select count(*) from "{n}"').fetchall()[0][0] for n in names}


def test_hostile_channel_names_round_trip_through_the_metrics(tmp_path: Path) -> None:
    table = traffic(channels=HOSTILE)
    ws = Workspace(tmp_path / "ws")
    result = import_file(ws, "hostile.csv", csv_bytes(table, "utf-8-sig"))
    assert result.rows_inserted == 7 * len(HOSTILE)

    from analytics.metrics.channels import channel_summary

    with ws.connect() as con:
        summary = channel_summary(con, WEEK, Scope())
    assert sorted(summary["channel"]) == sorted(HOSTILE)
    expected = {}
    for row in table.rows:
        expected[row[1]] = expected.get(row[1], 0) + int(row[2])
    got = dict(zip(summary["channel"], summary["visitors"].astype(int), strict=True))
    assert got == expected

    # Each name is found by a bound-parameter filter, character for character.
    with ws.connect() as con:
        for name in HOSTILE:
            rows = con.execute("select count(*) from traffic where channel = ?", [name]).fetchall()
            assert rows == [(7,)], name
    counts = table_counts(ws)
    assert set(TABLES) <= set(counts) and {"imports", "meta", "mappings"} <= set(counts)
    assert counts["traffic"] == 7 * len(HOSTILE) and counts["imports"] == 1


@pytest.mark.parametrize("column", HOSTILE[:6])
def test_hostile_column_names_are_data_not_sql(tmp_path: Path, column: str) -> None:
    """An unknown hostile column is ignored; mapped with --map it feeds visitors exactly."""
    base = traffic()
    ws = Workspace(tmp_path / "ws")
    extra = base.copy()
    extra.header.append(column)
    extra.rows = [[*r, "1"] for r in extra.rows]
    import_file(ws, "extra.csv", csv_bytes(extra))

    mapped = base.copy()
    mapped.header[2] = column  # 访客数 renamed to the hostile name
    mapped.rows = [[*r[:2], str(int(r[2]) + 1), *r[3:]] for r in mapped.rows]
    result = import_file(
        ws, "mapped.csv", csv_bytes(mapped), ImportOptions(mapping={column: "visitors"})
    )
    assert result.rows_updated == 28
    with ws.connect() as con:
        total = con.execute("select sum(visitors)::bigint from traffic").fetchall()[0][0]
    assert total == base.visitors + 28
    counts = table_counts(ws)
    assert set(TABLES) <= set(counts) and counts["imports"] == 2 and counts["traffic"] == 28


def test_every_connection_is_locked_down(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    with ws.connect() as con:
        setting = {
            name: con.execute("select current_setting(?)", [name]).fetchall()[0][0]
            for name in (
                "python_enable_replacements",
                "autoinstall_known_extensions",
                "autoload_known_extensions",
                "enable_external_access",
                "lock_configuration",
            )
        }
        assert setting == {
            "python_enable_replacements": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "enable_external_access": False,
            "lock_configuration": True,
        }
        # `secret` is a module variable here: it must not be read as a table.
        with pytest.raises(duckdb.CatalogException):
            con.execute("select * from secret").fetchall()
        for stmt in (
            "set enable_external_access = true",
            "set python_enable_replacements = true",
            "set autoinstall_known_extensions = true",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(stmt)
        for stmt in (
            "select * from read_csv('/etc/passwd')",
            "copy (select 1) to '" + str(tmp_path / "leak.csv") + "'",
            "attach '" + str(tmp_path / "other.duckdb") + "' as other",
            "install httpfs",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(stmt).fetchall()
    assert not (tmp_path / "leak.csv").exists() and not (tmp_path / "other.duckdb").exists()


def test_csv_export_is_inert_and_reimports_the_same_names(tmp_path: Path) -> None:
    """R10 + P16: csv_bytes guards formula-leading text, and re-importing gives the same values."""
    report = pytest.importorskip("analytics.metrics.report")
    names = ("=1+2", "+SUM(A1:A2)", "-3+4", "@cmd", "＝x", "plain", "'quoted")
    table = traffic(channels=names, days=2)
    ws = Workspace(tmp_path / "ws")
    import_file(ws, "formulas.csv", csv_bytes(table))
    with ws.connect() as con:
        frame = con.execute(
            "select date as 统计日期, channel as 流量来源, visitors as 访客数, "
            "product_visitors as 商品访客数, inquiries as 咨询人数, order_buyers as 下单买家数, "
            "paying_buyers as 支付买家数, pay_amount as 支付金额 from traffic order by all"
        ).df()
        before = con.execute("select * exclude (import_id) from traffic order by all").fetchall()
    exported = report.csv_bytes(frame)
    assert exported.startswith(b"\xef\xbb\xbf"), "CSV downloads are UTF-8 with BOM"
    cells = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert cells[0] == list(SYCM_TRAFFIC_HEADER)
    for row in cells[1:]:
        assert not row[1].startswith(FORMULA_TRIGGERS), row[1]
        assert row[2].lstrip("-").isdigit(), "numbers stay numbers"

    again = Workspace(tmp_path / "again")
    import_file(again, "export.csv", exported)
    with again.connect() as con:
        after = con.execute("select * exclude (import_id) from traffic order by all").fetchall()
    assert after == before


HOSTILE_NAMES = st.one_of(
    st.text(min_size=1, max_size=40),
    st.builds(
        lambda a, b, ext: a + b + ext,
        st.sampled_from(["../", "..\\", "/", "C:\\", "\\\\server\\share\\", "", "./.."]),
        st.text(
            alphabet=st.sampled_from(list("ab./\\\x00\n\r\u202e\u2066\u200f\x1b 统计:")),
            max_size=20,
        ),
        st.sampled_from([".csv", ".CSV", ".xlsx", ".tsv", ".txt", ".csv.exe", "", ".csv."]),
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=HOSTILE_NAMES)
def test_storage_name_stays_in_raw_and_display_name_is_clean(name: str) -> None:
    """P13 without a database: what prepare_import decides for any uploaded name."""
    from analytics.ingest.prepare import prepare_import

    data = GOOD
    try:
        prepared = prepare_import(name, data, ImportOptions())
    except InputRejected as exc:
        shown = exc.problems[0].file
        assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in shown), repr(shown)
        return
    raw = Path("/srv/ws/raw")
    target = (raw / f"{prepared.sha256}.{prepared.ext}").resolve()
    assert os.path.commonpath([raw, target]) == str(raw)
    assert prepared.sha256 == hashlib.sha256(data).hexdigest()
    assert prepared.ext in ("csv", "tsv", "txt", "xlsx", "xlsm", "xls")
    shown = prepared.file_name
    assert shown and "/" not in shown and "\\" not in shown
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in shown), repr(shown)


@pytest.mark.parametrize(
    "name",
    ["../../../../outside.csv", "/tmp/abs.csv", "..\\..\\win.csv", "sub/dir/x.csv", "x\u202e.csv"],
)
def test_hostile_upload_names_write_only_inside_raw(tmp_path: Path, name: str) -> None:
    ws = Workspace(tmp_path / "deep" / "er" / "ws")
    result = import_file(ws, name, GOOD)
    assert result.import_id == 1
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    raw = [p for p in written if p.parent == ws.raw_dir]
    assert [p.name for p in raw] == [f"{hashlib.sha256(GOOD).hexdigest()}.csv"]
    assert all(p.parent in (ws.path, ws.raw_dir) for p in written), written
    assert not Path("/tmp/abs.csv").exists() or Path("/tmp/abs.csv").stat().st_size != len(GOOD)
