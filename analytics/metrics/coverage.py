"""What the workspace holds, and the period the dashboard opens on.

`coverage()` answers "which data kinds, from when to when, for which shops"; `default_period()`
turns the newest day with data into the last full Monday–Sunday week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from analytics import queries
from analytics.metrics.period import Period, Scope, last_full_week


@dataclass(frozen=True)
class Coverage:
    """The extent of the data in scope.

    Example: traffic for 2024-01-01..2024-01-14 and orders for 2024-01-03..2024-01-20 give
    first_date 2024-01-01, last_date 2024-01-20, rows_by_kind {"orders": …, "traffic": …}.

    Attributes:
        first_date / last_date: first and last day of any dated row (None when empty).
        rows_by_kind: rows per data kind; kinds without rows are absent.
        shops / platforms: the distinct values present (NULLs left out).
        currency: the one currency the orders declare; None when none or several (see currencies).
        visitor_unit: 'visitors' or 'sessions' when the traffic rows agree, 'mixed' when both
            occur (never put on one axis unmarked), None without traffic or unit.
        dates_by_kind: (first, last) day per kind, e.g. for data maturity.
        currencies: every currency declared, sorted.
    """

    first_date: date | None
    last_date: date | None
    rows_by_kind: dict[str, int]
    shops: tuple[str, ...]
    platforms: tuple[str, ...]
    currency: str | None
    visitor_unit: str | None
    dates_by_kind: dict[str, tuple[date, date]] = field(default_factory=dict)
    currencies: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when no kind has a row in scope."""
        return not self.rows_by_kind


def _day(value: object) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value  # type: ignore[return-value]


def coverage(con: duckdb.DuckDBPyConnection, scope: Scope) -> Coverage:
    """Summarise the data kinds, dates, shops and units in scope (sql/coverage.sql)."""
    rows = queries.run_rows(con, "coverage", **scope.params())
    shops: set[str] = set()
    platforms: set[str] = set()
    currencies: set[str] = set()
    units: set[str] = set()
    rows_by_kind: dict[str, int] = {}
    dates_by_kind: dict[str, tuple[date, date]] = {}
    for kind, n, first, last, kind_shops, kind_platforms, kind_currencies, kind_units in rows:
        rows_by_kind[kind] = int(n)
        if first is not None:
            dates_by_kind[kind] = (_day(first), _day(last))
        shops.update(kind_shops or ())
        platforms.update(kind_platforms or ())
        currencies.update(kind_currencies or ())
        units.update(kind_units or ())
    firsts = [d[0] for d in dates_by_kind.values()]
    lasts = [d[1] for d in dates_by_kind.values()]
    return Coverage(
        first_date=min(firsts) if firsts else None,
        last_date=max(lasts) if lasts else None,
        rows_by_kind=rows_by_kind,
        shops=tuple(sorted(shops)),
        platforms=tuple(sorted(platforms)),
        currency=next(iter(currencies)) if len(currencies) == 1 else None,
        visitor_unit=(next(iter(units)) if len(units) == 1 else "mixed") if units else None,
        dates_by_kind=dates_by_kind,
        currencies=tuple(sorted(currencies)),
    )


def default_period(con: duckdb.DuckDBPyConnection, scope: Scope) -> Period:
    """The last full Monday–Sunday week ending on or before the newest day with data.

    Data up to Wednesday 2024-01-10 → Period(2024-01-01, 2024-01-07). When the data is younger
    than that week (it starts after the week's Sunday, e.g. only 2024-01-10..12), the period is
    the data's own span instead, so the dashboard never opens on an empty week. An empty
    workspace gives the last full week before today.
    """
    cov = coverage(con, scope)
    if cov.last_date is None or cov.first_date is None:
        return last_full_week(date.today())
    week = last_full_week(cov.last_date)
    if week.end < cov.first_date:
        return Period(cov.first_date, cov.last_date)
    return week
