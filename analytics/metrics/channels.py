"""Traffic sources (DESIGN "Traffic sources"): where visitors come from and how each converts.

Per channel: visitors, share, pay conversion with a 95 % Wilson interval, AOV, GMV, UV value,
cost per visitor and ROI where ad cost exists, change against the previous period of equal
length, and a flag when the channel converts significantly above or below the rest of the shop.
Renamed Sycm channels (直通车 → 关键词推广, 引力魔方 → 精准人群推广, 万相台 → 全站推广) are
mapped to their current name in the SQL, so a channel's history continues under its new name.
"""

from __future__ import annotations

from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from analytics import queries
from analytics.metrics import funnel
from analytics.metrics.period import Period, Scope
from analytics.metrics.stats import two_proportion_test, wilson_interval

ALPHA = 0.05
"""Significance level of the above/below flag."""

SUMMARY_COLUMNS: tuple[str, ...] = (
    "channel",
    "visitors",
    "share",
    "paying_buyers",
    "pay_conversion",
    "ci_low",
    "ci_high",
    "aov",
    "gmv",
    "uv_value",
    "ad_cost",
    "cost_per_visitor",
    "roi",
    "visitors_prev",
    "pay_conversion_prev",
    "gmv_prev",
    "visitors_change",
    "pay_conversion_change",
    "gmv_change",
    "p_value",
    "flag",
)


def _change(now: pd.Series, before: pd.Series) -> pd.Series:
    """now / before − 1 per row, NaN where either is missing or before is 0."""
    now = now.astype(float)
    before = before.astype(float)
    return (now / before.where(before != 0)) - 1


def _versus_rest(frame: pd.DataFrame) -> tuple[list[float], list[str | None]]:
    """Two-proportion test of each channel's conversion against all other channels together."""
    buyers = frame["paying_buyers"].fillna(0).astype(float)
    reporting = frame["visitors_reporting"].fillna(0).astype(float)
    total_buyers, total_reporting = buyers.sum(), reporting.sum()
    p_values: list[float] = []
    flags: list[str | None] = []
    for x, n in zip(buyers, reporting, strict=True):
        rest_x, rest_n = total_buyers - x, total_reporting - n
        testable = n > 0 and rest_n > 0 and x <= n and rest_x <= rest_n
        if not testable:
            p_values.append(np.nan)
            flags.append(None)
            continue
        z, p = two_proportion_test(x, n, rest_x, rest_n)
        p_values.append(p)
        flags.append(("above" if z > 0 else "below") if p < ALPHA else None)
    return p_values, flags


def channel_summary(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> pd.DataFrame:
    """One row per channel with traffic in the period, most visitors first.

    Columns: channel, visitors, share (of the period's visitors), paying_buyers,
    pay_conversion, ci_low/ci_high (95 % Wilson), aov, gmv, uv_value, ad_cost,
    cost_per_visitor, roi (GMV / ad cost), visitors_prev, pay_conversion_prev, gmv_prev,
    visitors_change / pay_conversion_change / gmv_change (relative, now / before − 1, as the
    back-end's 较上周期), p_value and flag ('above'/'below' the rest of the shop at p < 0.05,
    None otherwise). Rates are NaN where the denominator is 0.

    Example: 手淘搜索 1000 visitors / 50 buyers and 直通车 1000 / 20 → 手淘搜索 converts at 5 %
    (CI 3.8 %–6.5 %) against the rest's 2 %: p ≈ 0.0003, flag 'above'; 直通车 is shown as
    关键词推广 with flag 'below'.
    """
    prev = period.previous()
    frame = queries.run(
        con,
        "channel_summary",
        **period.params(),
        prev_start=prev.start,
        prev_end=prev.end,
        **scope.params(),
    )
    frame = frame[frame["visitors"].notna()].reset_index(drop=True)
    total = frame["visitors"].astype(float).sum()
    frame["share"] = frame["visitors"].astype(float) / total if total else np.nan
    intervals = [
        wilson_interval(float(x), float(n))
        if pd.notna(x) and pd.notna(n) and x <= n
        else (None,) * 2
        for x, n in zip(frame["paying_buyers"], frame["visitors_reporting"], strict=True)
    ]
    frame["ci_low"] = [np.nan if low is None else low for low, _ in intervals]
    frame["ci_high"] = [np.nan if high is None else high for _, high in intervals]
    frame["visitors_change"] = _change(frame["visitors"], frame["visitors_prev"])
    frame["pay_conversion_change"] = _change(frame["pay_conversion"], frame["pay_conversion_prev"])
    frame["gmv_change"] = _change(frame["gmv"], frame["gmv_prev"])
    p_values, flags = _versus_rest(frame)
    frame["p_value"] = p_values
    # object dtype keeps None as None (a str column would turn it into NaN)
    frame["flag"] = pd.Series(flags, index=frame.index, dtype=object)
    for column in (
        "pay_conversion",
        "aov",
        "gmv",
        "uv_value",
        "ad_cost",
        "cost_per_visitor",
        "roi",
        "pay_conversion_prev",
        "gmv_prev",
        "p_value",
    ):
        frame[column] = frame[column].astype(float)
    for column in ("visitors", "paying_buyers", "visitors_prev"):
        frame[column] = frame[column].astype("Int64")
    return frame[list(SUMMARY_COLUMNS)]


def channel_trend(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope,
    grain: Literal["day", "week"] = "day",
) -> pd.DataFrame:
    """Per bucket and channel: DataFrame[bucket, channel, visitors, pay_conversion, gmv,
    paying_buyers, immature]. Weeks start on Monday and are cut at the period start;
    `immature` marks buckets holding one of the newest, not yet final days of traffic data.

    Example: 手淘搜索 with 100 visitors / 5 buyers on Monday and 300 / 6 on Tuesday gives, by
    week, one row with 400 visitors and pay_conversion 11 / 400 = 0.0275.
    """
    if grain not in ("day", "week"):
        raise ValueError(f"grain must be 'day' or 'week', not {grain!r}")
    frame = queries.run(con, "channel_trend", **period.params(), **scope.params(), grain=grain)
    if len(frame):
        frame["bucket"] = pd.to_datetime(frame["bucket"]).dt.date
    frame["pay_conversion"] = frame["pay_conversion"].astype(float)
    frame["gmv"] = frame["gmv"].astype(float)
    unripe = funnel.immature_days(con, period, scope, "traffic")
    frame["immature"] = funnel.immature_buckets(frame["bucket"], unripe, grain, period)
    columns = ["bucket", "channel", "visitors", "pay_conversion", "gmv", "paying_buyers"]
    return frame[[*columns, "immature"]]
