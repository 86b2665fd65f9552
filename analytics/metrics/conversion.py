"""Conversion over time and per product: is the shop converting as well as it should?

An operator reads conversion against rules of thumb: a pay conversion (支付转化率) of 3 % is
"qualified" (合格), 5 % is "good" (优秀). `Targets` holds those thresholds, editable per shop,
plus optional targets for the other rates and the peer averages (同行同层平均) when known.

Rates follow DESIGN.md "Rates":

- pay conversion 支付转化率 = paying_buyers / visitors
- order conversion 下单转化率 = order_buyers / visitors
- inquiry conversion 咨询转化率 = order_buyers / inquiries
- payment rate 付款率 = paying_buyers / order_buyers

Every rate is None/NaN where its denominator is 0: a day without visitors has no conversion,
not 0 %.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import duckdb
import pandas as pd

from analytics.metrics.period import Period, Scope
from analytics.queries import run

IMMATURE_DAYS = 3
"""The newest days of data that are not final (refunds, presale balances): marked immature."""

Grain = Literal["day", "week"]


@dataclass(frozen=True)
class Targets:
    """Conversion thresholds an operator compares against (editable defaults).

    The defaults are the operators' rules of thumb: pay conversion 3 % is qualified, 5 % good.
    Other targets are None until the shop sets them; `peer` holds peer averages by metric name
    (e.g. ``{"pay_conversion": 0.042}``) when the export has them.

    >>> Targets().rating(0.04)
    'qualified'
    >>> Targets(pay_conversion_good=0.035).rating(0.04)
    'good'
    """

    pay_conversion_qualified: float = 0.03
    pay_conversion_good: float = 0.05
    order_conversion: float | None = None
    inquiry_conversion: float | None = None
    payment_rate: float | None = None
    peer: dict[str, float] = field(default_factory=dict, hash=False, compare=True)

    def __post_init__(self) -> None:
        if not 0 <= self.pay_conversion_qualified <= self.pay_conversion_good <= 1:
            raise ValueError(
                "targets need 0 ≤ qualified ≤ good ≤ 1, got "
                f"{self.pay_conversion_qualified} and {self.pay_conversion_good}"
            )

    def rating(self, pay_conversion: float | None) -> Literal["good", "qualified", "low"] | None:
        """Classify a pay conversion: 'good' (≥ good), 'qualified' (≥ qualified), else 'low'.

        None (no visitors) stays None: there is nothing to judge.
        """
        if pay_conversion is None or pay_conversion != pay_conversion:  # None or NaN
            return None
        if pay_conversion >= self.pay_conversion_good:
            return "good"
        if pay_conversion >= self.pay_conversion_qualified:
            return "qualified"
        return "low"

    def __hash__(self) -> int:  # dict field: hash the frozen view so st.cache_data can key it
        return hash(
            (
                self.pay_conversion_qualified,
                self.pay_conversion_good,
                self.order_conversion,
                self.inquiry_conversion,
                self.payment_rate,
                tuple(sorted(self.peer.items())),
            )
        )


def conversion_trend(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope = Scope(),  # noqa: B008 - frozen, safe as a default
    grain: Grain = "day",
) -> pd.DataFrame:
    """Visitors and the four conversion rates per day or ISO week, from the traffic table.

    Returns DataFrame[bucket, visitors, pay_conversion, order_conversion, inquiry_conversion,
    payment_rate, immature, visitor_unit]; `bucket` is the date, or the Monday of the week
    (weeks are cut at the period edges, so the first and last bucket may hold fewer days). A
    bucket is `immature` when it holds one of the newest `IMMATURE_DAYS` days of traffic data.
    `visitor_unit` is 'visitors' (UV), 'sessions' (Shopify) or 'mixed' when a bucket adds both
    (label the axis so, or scope to one shop/platform).

    Example: on 2024-01-01 channel A has 100 visitors and 3 paying buyers, channel B 50 and 0
    → pay_conversion = 3 / 150 = 2 %. A day with 0 visitors has pay_conversion NaN, not 0.
    """
    if grain not in ("day", "week"):
        raise ValueError(f"grain must be 'day' or 'week', got {grain!r}")
    frame = run(
        con,
        "conversion_trend",
        **period.params(),
        **scope.params(),
        grain=grain,
        immature_days=IMMATURE_DAYS,
    )
    frame["bucket"] = pd.to_datetime(frame["bucket"]).dt.date
    return frame


def product_conversion(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope = Scope(),  # noqa: B008 - frozen, safe as a default
) -> pd.DataFrame:
    """Per-product conversion from the products table, presale products marked.

    Returns DataFrame[product_id, product_name, product_visitors, order_buyers, paying_buyers,
    pay_conversion, order_conversion, conversion_shown, is_presale, gmv], highest GMV first.
    `conversion_shown` is what to put on a chart: order conversion for presale products (their
    pay conversion is 0 until the balance is paid), pay conversion for the rest.

    Example: a presale product with 200 product visitors, 10 order buyers and 0 paying buyers has
    pay_conversion 0.0, order_conversion 0.05 and conversion_shown 0.05 (is_presale True).
    Product visitors summed over days are visitor-days (a buyer who came twice counts twice).
    """
    return run(con, "product_conversion", **period.params(), **scope.params())
