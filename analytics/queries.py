"""Run the named SQL files in `analytics/sql/` with bound parameters.

A metric is a named, tested SQL file: `run(con, "channel_summary", start=…, end=…)` reads
`sql/channel_summary.sql` and binds `$start`, `$end`. Values are never formatted into SQL.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import duckdb
import pandas as pd


@cache
def sql_text(name: str) -> str:
    """Return the text of `sql/<name>.sql` (cached: the files never change at run time)."""
    return resources.files("analytics").joinpath("sql", f"{name}.sql").read_text("utf-8")


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Run `sql/<name>.sql` with `params` bound by name and return the whole result."""
    return con.execute(sql_text(name), params).df()


def run_arrow(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Like `run`, converted through Arrow: for results of many rows with text columns.

    DuckDB → Arrow → pandas is several times faster than `.df()` on a six-figure row count of
    text, and DATE columns arrive as `datetime.date` objects (not datetime64). Columns with
    NULLs differ from `run`: integers become float64 and booleans object (`run` gives Int64 and
    boolean), so use it for results whose integer and boolean columns cannot be NULL.
    """
    frame = con.sql(sql_text(name), params=params).to_arrow_table().to_pandas()
    if frame.empty:  # `.df()` types an empty text column as object: keep that
        text = [col for col, dtype in frame.dtypes.items() if isinstance(dtype, pd.StringDtype)]
        frame = frame.astype(dict.fromkeys(text, object))
    return frame


def run_rows(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[tuple]:
    """Like `run`, as plain tuples (for small results read by Python code)."""
    return con.execute(sql_text(name), params).fetchall()
