"""Tiny in-memory workspaces for metric tests: given rows → a DuckDB connection.

`make_connection({"traffic": [{"date": "2024-01-01", "channel": "搜索", "visitors": 100}]})`
creates every canonical table of `analytics.schema` (shop first, import_id last, exactly as the
workspace lays them out) and inserts the given rows. Fields a row leaves out are NULL, except
`shop` (default "shop"), `import_id` (default 1) and traffic's `sub_channel` (default ''),
so a test writes only the columns its metric reads. Values are bound through pandas, never
formatted into SQL, and cast to the canonical types by DuckDB (dates and timestamps may be
given as ISO strings; a value that does not cast raises instead of turning NULL).

Usage:

    con = make_connection({"orders": [{"order_id": "1", "created_at": "2024-01-01 10:00"}]})
    rows = con.execute("select count(*) from orders").fetchall()
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
import pandas as pd

from analytics.schema import TABLES, Table

DEFAULT_SHOP = "shop"
DEFAULT_IMPORT_ID = 1
NULL_SENTINEL = "␀null␀"


def table_columns(table: Table) -> list[tuple[str, str]]:
    """The workspace layout of a canonical table: shop first, import_id last."""
    return [("shop", "VARCHAR"), *table.columns, ("import_id", "BIGINT")]


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every canonical table (empty) on `con`."""
    for name, table in TABLES.items():
        cols = ", ".join(f'"{c}" {t}' for c, t in table_columns(table))
        con.execute(f'create table "{name}" ({cols})')


def insert_rows(
    con: duckdb.DuckDBPyConnection, kind: str, rows: Iterable[Mapping[str, Any]]
) -> None:
    """Insert `rows` (dicts keyed by canonical column) into the table of `kind`.

    Unknown keys raise KeyError so a typo in a fixture fails loudly instead of becoming NULL.
    """
    table = TABLES[kind]
    layout = table_columns(table)
    names = [c for c, _ in layout]
    rows = [dict(r) for r in rows]
    if not rows:
        return
    for r in rows:
        unknown = set(r) - set(names)
        if unknown:
            raise KeyError(f"{kind}: unknown column(s) {sorted(unknown)}")
        r.setdefault("shop", DEFAULT_SHOP)
        r.setdefault("import_id", DEFAULT_IMPORT_ID)
        if kind == "traffic":
            r.setdefault("sub_channel", "")  # the workspace stores '' for "no second level"
    # Every value goes in as text and DuckDB casts it to the declared type (exact for money).
    frame = pd.DataFrame({c: pd.Series([r.get(c) for r in rows], dtype=object) for c in names})
    # NULL travels as a sentinel so the strings "None"/"NA" stay data (DESIGN: they are data).
    text = frame.map(lambda v: NULL_SENTINEL if v is None or v is pd.NA else str(v))
    con.register("_given_rows", text)
    try:
        texts = ", ".join(f'nullif("{c}", \'{NULL_SENTINEL}\') as "{c}"' for c in names)
        con.execute(f"create temp table _text as select {texts} from _given_rows")
        casts = ", ".join(f'try_cast("{c}" as {t}) as "{c}"' for c, t in layout)
        con.execute(f"create temp table _typed as select {casts} from _text")
        # try_cast turns a value that does not fit into NULL: refuse instead of losing it.
        lost = con.execute(
            "select "
            + " + ".join(
                f'(select count("{c}") from _text) - (select count("{c}") from _typed)'
                for c in names
            )
        ).fetchone()[0]
        if lost:
            raise ValueError(f"{kind}: {lost} given value(s) did not cast to the canonical type")
        con.execute(f'insert into "{kind}" select * from _typed')
    finally:
        con.execute("drop table if exists _text")
        con.execute("drop table if exists _typed")
        con.unregister("_given_rows")


def make_connection(
    tables: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with all canonical tables, filled with `tables`.

    Example: `make_connection({"traffic": [{"date": "2024-01-01", "channel": "a",
    "visitors": 10, "paying_buyers": 1}]})` → a connection whose `traffic` has one row and
    whose other tables exist but are empty (so every SQL file runs).
    """
    con = duckdb.connect(":memory:", config={"python_enable_replacements": False})
    create_tables(con)
    for kind, rows in (tables or {}).items():
        insert_rows(con, kind, rows)
    return con
