"""The headline numbers: GMV = visitors × pay conversion × AOV (客单价).

From the traffic table when the period has traffic rows; otherwise from the orders table, where
visitors are unknown (None) and paying buyers are the distinct customers of the orders paid in
the period, a paid order without customer id counting as its own buyer (so an export without
customer ids gives paying buyers = paid orders). Both come from sql/kpis.sql.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from analytics import queries
from analytics.metrics.period import Period, Scope

KPI_NAMES: tuple[str, ...] = (
    "gmv",
    "visitors",
    "paying_buyers",
    "pay_conversion",
    "aov",
    "uv_value",
    "orders",
)


def _number(value: object) -> float | None:
    """A SQL value as float, NULL/NaN/NA → None."""
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except TypeError:
        return None
    return None if number != number else number


def _count(value: object) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


@dataclass(frozen=True)
class Kpis:
    """Headline numbers of a period.

    Example: 1000 visitors, 30 paying buyers, ¥4,500 paid → pay_conversion 0.03, aov 150,
    uv_value 4.5 (and 1000 × 0.03 × 150 = 4,500 = gmv).

    Attributes:
        gmv: Σ pay_amount (支付金额); None when no row carries an amount.
        visitors: Σ daily visitors (visitor-days over several days); None from orders.
        paying_buyers: Σ paying_buyers (traffic) or paying customers / paid orders (orders).
        pay_conversion: paying_buyers / visitors (None without visitors).
        aov: gmv / paying_buyers (客单价).
        uv_value: gmv / visitors (UV价值).
        orders: orders (traffic Σ orders, orders: orders created); None when unknown.
        source: 'traffic', 'orders' or None (no data in the period).
    """

    gmv: float | None
    visitors: int | None
    paying_buyers: int | None
    pay_conversion: float | None
    aov: float | None
    uv_value: float | None
    orders: int | None
    source: str | None

    def as_dict(self) -> dict[str, float | int | None]:
        """The numbers by metric name (JSON-safe Python numbers)."""
        return {name: getattr(self, name) for name in KPI_NAMES}


@dataclass(frozen=True)
class KpiComparison:
    """This period against the previous one of equal length.

    `change[name]` = now / before − 1 (e.g. 0.1 = +10 %); None when either value is missing or
    `before` is 0 (a change from nothing is not a percentage).
    """

    now: Kpis
    before: Kpis
    change: dict[str, float | None] = field(hash=False)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def kpis(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> Kpis:
    """GMV, visitors, paying buyers, pay conversion, AOV, UV value and orders of a period."""
    params = {**period.params(), **scope.params()}
    row = queries.run(con, "kpis", **params).iloc[0]
    if int(row["traffic_rows"]) > 0:
        return Kpis(
            gmv=_number(row["gmv"]),
            visitors=_count(row["visitors"]),
            paying_buyers=_count(row["paying_buyers"]),
            pay_conversion=_number(row["pay_conversion"]),
            aov=_number(row["aov"]),
            uv_value=_number(row["uv_value"]),
            orders=_count(row["orders"]),
            source="traffic",
        )
    if not row["o_orders"] and not row["o_paid_orders"]:
        return Kpis(None, None, None, None, None, None, None, None)
    return Kpis(
        gmv=_number(row["o_gmv"]),
        visitors=None,
        paying_buyers=_count(row["o_paying_buyers"]),
        pay_conversion=None,
        aov=_number(row["o_aov"]),
        uv_value=None,
        orders=_count(row["o_orders"]),
        source="orders",
    )


def relative_change(now: float | None, before: float | None) -> float | None:
    """now / before − 1, None when either is missing or before is 0.

    >>> relative_change(110, 100)
    0.1
    """
    if now is None or before is None or before == 0:
        return None
    return round(now / before - 1, 12)


def kpi_comparison(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> KpiComparison:
    """Kpis of `period` and of `period.previous()`, with the relative change of each."""
    now = kpis(con, period, scope)
    before = kpis(con, period.previous(), scope)
    change = {
        name: relative_change(getattr(now, name), getattr(before, name)) for name in KPI_NAMES
    }
    return KpiComparison(now=now, before=before, change=change)
