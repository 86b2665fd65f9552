"""Repeat purchase (复购) and the orders table: do buyers come back, and what are they worth?

All measures here read the orders table and count **paid orders only** (`is_paid`, decided at
import: refunded and cancelled orders are not paid). Customer measures need `customer_id`;
orders without one are left out of them. A customer is a (shop, customer_id) pair, because
ids are per shop. An order's moment is its pay time (`paid_at`), else its creation time, for
exports that carry only one timestamp (sales records, UCI Online Retail).

Two orders on the same day are two orders: a buyer who pays for two separate orders on Monday
is a repeat customer (the count is distinct order ids, not distinct days).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.metrics.period import Period, Scope
from analytics.queries import run, run_arrow, run_rows

SEGMENTS: tuple[str, ...] = (
    "important_value",
    "important_develop",
    "important_retain",
    "important_winback",
    "general_value",
    "general_develop",
    "general_retain",
    "general_winback",
)
"""RFM segment keys (catalogue: report.segment.<key>), the eight classic Chinese RFM types."""


def _number(value: object) -> float | None:
    """A SQL result as a Python float, NULL/NaN → None."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if number != number else number


@dataclass(frozen=True)
class RepeatSummary:
    """Repeat purchase in a period.

    Attributes:
        customers: customers with ≥ 1 paid order in the period.
        repeat_customers: of them, those with ≥ 2 paid orders in the period.
        repeat_rate: 复购率 = repeat_customers / customers (None without customers).
        returning_customers: customers of the period who had also paid before it (老客).
        returning_customer_rate: returning_customers / customers.
        returning_revenue_share: 老客销售占比 = returning customers' paid amount in the period /
            the period's paid amount of all customers with an id.
        median_days_to_second: median calendar days between a customer's 1st and 2nd paid order,
            over every customer whose 2nd paid order falls on or before the period end (history
            before the period counts; 0 for two orders on the same day).

    Example: A pays twice on Jan 1; B paid on Dec 20 and again Jan 3 (¥30); A's orders are ¥10
    each. For Jan 1–7: customers 2, repeat_customers 1 (A), repeat_rate 0.5, returning
    customers 1 (B), returning_revenue_share 30 / 50 = 0.6, median_days_to_second
    median(0, 14) = 7.
    """

    customers: int
    repeat_customers: int
    repeat_rate: float | None
    returning_customers: int
    returning_customer_rate: float | None
    returning_revenue_share: float | None
    median_days_to_second: float | None


@dataclass(frozen=True)
class OrderSummary:
    """The orders table in a period (the `orders` key of `summary --json`).

    Attributes:
        orders: orders created in the period, any status.
        paid_orders: orders paid in the period (is_paid; refunded/cancelled are not paid).
        customers: distinct customers with a paid order in the period (0 without customer ids).
        gmv: Σ pay_amount of the paid orders (None when none carries an amount).
        aov: gmv / paid_orders — per paid order (笔单价); None without paid orders.
        refund_rate: 退款率 = refunded orders / orders paid in the period (paid + refunded),
            by count; None without paid orders.

    Example: 5 orders created; 4 paid (¥10, ¥10, ¥30, ¥10) and 1 refunded → orders 5,
    paid_orders 4, gmv 60, aov 15, refund_rate 1 / 5 = 0.2.
    """

    orders: int
    paid_orders: int
    customers: int
    gmv: float | None
    aov: float | None
    refund_rate: float | None


def repeat_summary(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope = Scope(),  # noqa: B008 - frozen, safe as a default
) -> RepeatSummary:
    """Repeat rate, returning customers and days to the second order for `period`.

    The repeat rate looks only inside the period (a customer needs two paid orders in it);
    "returning" looks before it (paid in the period and at any time earlier).
    """
    row = run_rows(con, "repeat_summary", **period.params(), **scope.params())[0]
    customers, repeat, repeat_rate, returning, returning_rate, revenue_share, median_days = row
    return RepeatSummary(
        customers=int(customers),
        repeat_customers=int(repeat),
        repeat_rate=_number(repeat_rate),
        returning_customers=int(returning),
        returning_customer_rate=_number(returning_rate),
        returning_revenue_share=_number(revenue_share),
        median_days_to_second=_number(median_days),
    )


def cohort_table(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope = Scope(),  # noqa: B008 - frozen, safe as a default
) -> pd.DataFrame:
    """Monthly cohort retention: DataFrame[cohort_month, months_since, cohort_size, customers,
    retention].

    A cohort is the customers whose first paid order ever (history before the period counts)
    falls in a month of the period; `customers` is how many of them paid in the month
    `months_since` months later (calendar months), `retention` = customers / cohort_size.
    Every month up to the period end's month appears, 0 when nobody returned; months_since 0 is
    the cohort itself (retention 1.0).

    Example: A and B first pay in January; A pays again in March → rows (Jan, 0, 2, 2, 1.0),
    (Jan, 1, 2, 0, 0.0), (Jan, 2, 2, 1, 0.5) for a period ending in March.
    """
    frame = run(con, "cohort_retention", **period.params(), **scope.params())
    frame["cohort_month"] = pd.to_datetime(frame["cohort_month"]).dt.date
    return frame


def rfm_table(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope = Scope(),  # noqa: B008 - frozen, safe as a default
) -> pd.DataFrame:
    """RFM per customer: DataFrame[shop, customer_id, last_order, recency_days, frequency,
    monetary, r_score, f_score, m_score, segment], highest monetary first.

    recency_days = days from the last paid order in the period to the period end; frequency =
    paid orders in the period; monetary = their paid amount. Scores are quintiles 1–5 (5 best)
    in which equal values share the lower score: score = 1 + floor(5 × share of customers
    strictly worse) — a week in which everyone ordered once gives everyone F = 1. `segment` is
    one of `SEGMENTS` (high = score ≥ 3): important_* when M is high, general_* otherwise;
    *_value when R and F are high, *_develop R only, *_retain F only, *_winback neither.

    Example: five customers spending 10, 20, 30, 40, 50 get m_score 1, 2, 3, 4, 5; the one who
    spent 50 with the most recent order and the most orders is 'important_value' (重要价值客户).
    """
    # One row per customer (six figures on a big shop): through Arrow, which also gives
    # last_order as datetime.date without a per-row conversion here.
    return run_arrow(con, "rfm", **period.params(), **scope.params())


def order_summary(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope = Scope(),  # noqa: B008 - frozen, safe as a default
) -> OrderSummary:
    """Orders, paid orders, customers, GMV, AOV and refund rate of the orders table."""
    orders, paid, customers, gmv, aov, refund_rate = run_rows(
        con, "order_summary", **period.params(), **scope.params()
    )[0]
    return OrderSummary(
        orders=int(orders),
        paid_orders=int(paid),
        customers=int(customers),
        gmv=_number(gmv),
        aov=_number(aov),
        refund_rate=_number(refund_rate),
    )
