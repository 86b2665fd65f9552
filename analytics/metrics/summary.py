"""`shoplens summary --json`: the whole dashboard in one JSON object (DESIGN "CLI contract").

Keys without data are null; every value is a plain JSON type (str, int, float, None).
Without a period the summary covers all data in scope, and the leak compares the last full
week with the week before it (`coverage.default_period`); with a period the leak compares that
period with the previous one of equal length.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb

from analytics.metrics.channels import channel_summary
from analytics.metrics.coverage import coverage, default_period
from analytics.metrics.funnel import funnel
from analytics.metrics.kpis import kpis
from analytics.metrics.leak import find_leaks
from analytics.metrics.period import Period, Scope

SUMMARY_KEYS: tuple[str, ...] = (
    "period",
    "kpis",
    "funnel",
    "channels",
    "orders",
    "repeat_purchase",
    "ratings",
    "leak",
)


def plain(value: Any) -> Any:
    """A JSON-safe Python value: numpy/Decimal → int/float, NaN/NA → None, dates → ISO text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None  # pandas NA and other non-numbers
    if math.isnan(number) or math.isinf(number):
        return None
    if isinstance(value, int) or (hasattr(value, "dtype") and value.dtype.kind in "iu"):
        return int(value)
    return number


def _kpis(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> dict | None:
    k = kpis(con, period, scope)
    if k.source is None:
        return None
    return plain(
        {
            "gmv": k.gmv,
            "visitors": k.visitors,
            "pay_conversion": k.pay_conversion,
            "aov": k.aov,
            "uv_value": k.uv_value,
        }
    )


def _funnel(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> dict | None:
    f = funnel(con, period, scope)
    if f.source is None:
        return None
    stages = [
        {
            "stage": s.stage,
            "count": s.count,
            "step_rate": s.step_rate,
            "overall_rate": s.overall_rate,
        }
        for s in f.stages
    ]
    return plain({"source": f.source, "stages": stages})


def _channels(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> list | None:
    frame = channel_summary(con, period, scope)
    if frame.empty:
        return None
    columns = ["channel", "visitors", "paying_buyers", "pay_conversion", "gmv", "aov"]
    return [plain(dict(zip(columns, row, strict=True))) for row in frame[columns].itertuples(False)]


def _orders(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> dict | None:
    try:
        from analytics.metrics.repeat import order_summary
    except ImportError:  # the secondary metrics are built alongside; null until they exist
        return None
    o = order_summary(con, period, scope)
    if not o.orders and not o.paid_orders:
        return None
    return plain(
        {
            "orders": o.orders,
            "paid_orders": o.paid_orders,
            "customers": o.customers,
            "gmv": o.gmv,
            "aov": o.aov,
            "refund_rate": o.refund_rate,
        }
    )


def _repeat(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> dict | None:
    try:
        from analytics.metrics.repeat import repeat_summary
    except ImportError:
        return None
    r = repeat_summary(con, period, scope)
    if not r.customers:
        return None
    return plain(
        {
            "customers": r.customers,
            "repeat_customers": r.repeat_customers,
            "repeat_rate": r.repeat_rate,
            "returning_customer_rate": r.returning_customer_rate,
        }
    )


def _ratings(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> dict | None:
    try:
        from analytics.metrics.ratings import rating_summary
    except ImportError:
        return None
    r = rating_summary(con, period, scope)
    has_dsr = any(v is not None for v in r.dsr.values())
    if not r.reviews and not has_dsr:
        return None
    distribution = {str(star): int(r.distribution.get(star, 0)) for star in range(1, 6)}
    dsr = (
        {name: r.dsr.get(name) for name in ("description", "service", "logistics")}
        if has_dsr
        else None
    )
    return plain(
        {"reviews": r.reviews, "average": r.average, "distribution": distribution, "dsr": dsr}
    )


def _leak(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> dict | None:
    report = find_leaks(con, period, scope)
    leak = report.leak
    if leak is None:
        return None
    return plain(
        {
            "step": leak.step,
            "rate_now": leak.rate_now,
            "rate_before": leak.rate_before,
            "p_value": leak.p_value,
            "lost_payments": leak.lost_payments,
            "channel": leak.channel,
        }
    )


def summary(
    con: duckdb.DuckDBPyConnection,
    period: Period | None = None,
    scope: Scope = Scope(),  # noqa: B008 - frozen, safe as a default
) -> dict[str, Any]:
    """The `summary --json` object of DESIGN.md for `period` (None = all data in scope).

    Example (abridged): {"period": {"start": "2026-08-31", "end": "2026-11-22"},
    "kpis": {"gmv": 2.1e6, …}, "funnel": {"source": "traffic", "stages": [...]}, …,
    "leak": {"step": "inquiries→orders", "channel": "手淘搜索", "rate_before": 0.449,
    "rate_now": 0.304, "p_value": 4.5e-18, "lost_payments": 218.7}}.
    """
    if period is None:
        cov = coverage(con, scope)
        if cov.first_date is None or cov.last_date is None:
            return dict.fromkeys(SUMMARY_KEYS)
        period = Period(cov.first_date, cov.last_date)
        leak_period = default_period(con, scope)
    else:
        leak_period = period
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "kpis": _kpis(con, period, scope),
        "funnel": _funnel(con, period, scope),
        "channels": _channels(con, period, scope),
        "orders": _orders(con, period, scope),
        "repeat_purchase": _repeat(con, period, scope),
        "ratings": _ratings(con, period, scope),
        "leak": _leak(con, leak_period, scope),
    }
