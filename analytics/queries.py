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


def run_rows(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[tuple]:
    """Like `run`, as plain tuples (for small results read by Python code)."""
    return con.execute(sql_text(name), params).fetchall()
