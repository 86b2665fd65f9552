"""The five-stage funnel: visits → product views → inquiries → orders → payments.

Three sources can feed it (DESIGN "Funnel"), chosen in this order when a period has rows of
several: **traffic** (the back-end's own people counts per channel and day, the richest: every
stage can be present) > **events** (a behaviour log: an ordered per-user funnel with a conversion
window) > **orders** (only orders created → orders paid). A stage the source does not have is
skipped — `present=False`, `count=None` — never shown as 0, and the next step rate bridges it.

Rates: step rate = stage / previous present stage; overall rate = stage / visits.

Data maturity (DESIGN "Data maturity"): the newest days of a source are not final. Immature are
the newest `IMMATURE_DAYS` (3) days of the source's data in scope for traffic and orders (refunds
and presale balances still arrive; the same rule as `conversion.conversion_trend`) and the newest
`window_days` days for events (those entrants have not had their whole conversion window before
the data ends). Trends mark them; the leak finder leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from analytics import queries
from analytics.metrics.conversion import IMMATURE_DAYS
from analytics.metrics.coverage import coverage
from analytics.metrics.period import Period, Scope
from analytics.schema import FUNNEL_STAGES

Source = Literal["traffic", "events", "orders"]
SOURCES: tuple[Source, ...] = ("traffic", "events", "orders")
"""Funnel sources in order of preference."""

DEFAULT_WINDOW_DAYS = 7

CHANNEL_RENAMES: dict[str, str] = {
    "直通车": "关键词推广",
    "引力魔方": "精准人群推广",
    "万相台": "全站推广",
}
"""Old Sycm channel name → current name; the SQL files apply the same VALUES list."""

STAGE_COLUMNS: tuple[str, ...] = FUNNEL_STAGES
EXTRA_COLUMNS: tuple[str, ...] = ("page_views", "cart", "fav", "gmv", "ad_cost")


def current_channel(name: str | None) -> str | None:
    """The channel's current name: current_channel("直通车") → "关键词推广"."""
    return CHANNEL_RENAMES.get(name, name) if name is not None else None


@dataclass(frozen=True)
class FunnelStage:
    """One funnel stage.

    Example: 1000 visits, 600 product views → product views has count 600, step_rate 0.6,
    overall_rate 0.6; a missing inquiries stage has count None, present False and no rates.
    """

    stage: str
    count: int | None
    present: bool
    step_rate: float | None
    overall_rate: float | None


@dataclass(frozen=True)
class Funnel:
    """A funnel over a period.

    Attributes:
        source: 'traffic', 'events' or 'orders' (None when the period has no data).
        stages: the five stages in order, missing ones with present=False.
        browse_depth: page views per visitor (浏览量 / 访客数) where page views exist; page views
            count views, not people, so they are never a stage.
        visitor_days: True when visits are daily unique visitors summed over more than one day.
        visitor_unit: 'visitors' (UV) or 'sessions' (Shopify) from traffic, 'mixed' if both,
            None for other sources.
        cart / fav: users with a cart / favourite event in their window (event funnels only):
            intent signals beside the funnel.
    """

    source: str | None
    stages: tuple[FunnelStage, ...]
    browse_depth: float | None
    visitor_days: bool
    visitor_unit: str | None
    cart: int | None = None
    fav: int | None = None

    def stage(self, name: str) -> FunnelStage:
        """The stage called `name` (one of FUNNEL_STAGES)."""
        return next(s for s in self.stages if s.stage == name)

    @property
    def missing_stages(self) -> tuple[str, ...]:
        """Stages the data does not have, e.g. ('inquiries',)."""
        return tuple(s.stage for s in self.stages if not s.present)


def _int(value: object) -> int | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    return int(value)  # type: ignore[arg-type]


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None where either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return float(numerator) / float(denominator)


def build_stages(counts: dict[str, int | None]) -> tuple[FunnelStage, ...]:
    """Stages with step and overall rates from {stage: count or None (= missing)}.

    >>> [s.step_rate for s in build_stages({"visits": 100, "product_views": None,
    ...  "inquiries": 20, "orders": 10, "payments": 0})]
    [None, None, 0.2, 0.5, 0.0]
    """
    visits = counts.get("visits")
    stages = []
    previous: int | None = None
    have_previous = False
    for name in FUNNEL_STAGES:
        count = counts.get(name)
        if count is None:
            stages.append(FunnelStage(name, None, False, None, None))
            continue
        step = _ratio(count, previous) if have_previous else None
        stages.append(FunnelStage(name, count, True, step, _ratio(count, visits)))
        previous, have_previous = count, True
    return tuple(stages)


def choose_source(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> Source | None:
    """The funnel source for a period: traffic if it has rows, else events, else orders.

    Traffic wins because it carries every stage as the platform counts it; an event log gives
    an ordered funnel but usually without inquiries; orders give only orders → payments.
    """
    traffic, events, orders = queries.run_rows(
        con, "funnel_sources", **period.params(), **scope.params()
    )[0]
    for source, rows in zip(SOURCES, (traffic, events, orders), strict=True):
        if rows:
            return source
    return None


def stage_counts(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope,
    source: Source,
    grain: Literal["day", "week", "period"] = "period",
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> pd.DataFrame:
    """Stage counts per bucket × channel from one source, in one shape for every source.

    Columns: bucket (date), channel, visits, product_views, inquiries, orders, payments,
    page_views, cart, fav, gmv, ad_cost, days, visitor_units; a stage or extra the source lacks
    is NULL (pandas NA/NaN). Counts are nullable Int64.
    """
    params = {**period.params(), **scope.params(), "grain": grain}
    if source == "events":
        frame = queries.run(con, "funnel_events", **params, window_days=int(window_days))
    else:
        frame = queries.run(con, f"funnel_{source}", **params)
    for column in (*STAGE_COLUMNS, "page_views", "cart", "fav"):
        if column not in frame:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
        else:
            frame[column] = frame[column].astype("Int64")
    for column in ("gmv", "ad_cost"):
        if column not in frame:
            frame[column] = np.nan
    if "days" not in frame:
        frame["days"] = 1 if grain == "day" else pd.NA
    if "visitor_units" not in frame:
        frame["visitor_units"] = [[] for _ in range(len(frame))]
    if len(frame):
        frame["bucket"] = pd.to_datetime(frame["bucket"]).dt.date
    return frame


def _sum(frame: pd.DataFrame, column: str) -> int | None:
    """Σ column, None when every value is missing (a missing stage stays missing)."""
    values = frame[column]
    return None if values.isna().all() else int(values.sum())


def _funnel_from_rows(frame: pd.DataFrame, source: str | None, days: int) -> Funnel:
    counts = {name: _sum(frame, name) for name in STAGE_COLUMNS} if len(frame) else {}
    stages = build_stages(counts)
    visits = counts.get("visits")
    page_views = _sum(frame, "page_views") if len(frame) else None
    units: set[str] = set()
    if source == "traffic":
        for listed in frame["visitor_units"]:
            units.update(u for u in listed if u is not None)
    unit = (next(iter(units)) if len(units) == 1 else "mixed") if units else None
    if source == "traffic" and unit is None and len(frame):
        unit = "visitors"
    return Funnel(
        source=source,
        stages=stages,
        browse_depth=_ratio(page_views, visits),
        visitor_days=source == "traffic" and days > 1,
        visitor_unit=unit,
        cart=_sum(frame, "cart") if source == "events" and len(frame) else None,
        fav=_sum(frame, "fav") if source == "events" and len(frame) else None,
    )


def _traffic_days(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> int:
    frame = queries.run(con, "funnel_traffic", **period.params(), **scope.params(), grain="day")
    return int(frame["bucket"].nunique())


def funnel(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope,
    channel: str | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    source: Source | None = None,
) -> Funnel:
    """The five-stage funnel of a period (optionally one channel), from the best source.

    Example (traffic): visitors 1000, product visitors 600, no inquiries column, order buyers
    60, paying buyers 50 → stages visits 1000 (overall 1.0), product_views 600 (step 0.6),
    inquiries missing, orders 60 (step 60/600 = 0.1, bridging the missing stage), payments 50
    (step 0.833, overall 0.05).

    Args:
        channel: keep one channel (old names are mapped: "直通车" means "关键词推广").
        window_days: conversion window of event funnels.
        source: force a source instead of the automatic traffic > events > orders choice.
    """
    chosen = source or choose_source(con, period, scope)
    if chosen is None:
        return Funnel(None, build_stages({}), None, False, None)
    frame = stage_counts(con, period, scope, chosen, "period", window_days)
    if channel is not None:
        frame = frame[frame["channel"] == current_channel(channel)]
    days = _traffic_days(con, period, scope) if chosen == "traffic" else 0
    return _funnel_from_rows(frame, chosen, days)


def _long(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Stage rows (key…, stage, count, present, step_rate, overall_rate) per group of `keys`."""
    rows = []
    for key, group in frame.groupby(keys, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        counts = {name: _sum(group, name) for name in STAGE_COLUMNS}
        for s in build_stages(counts):
            rows.append((*key, s.stage, s.count, s.present, s.step_rate, s.overall_rate))
    columns = [*keys, "stage", "count", "present", "step_rate", "overall_rate"]
    out = pd.DataFrame(rows, columns=columns)
    out["count"] = out["count"].astype("Int64")
    out["step_rate"] = out["step_rate"].astype(float)
    out["overall_rate"] = out["overall_rate"].astype(float)
    return out


def channel_funnels(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> pd.DataFrame:
    """One funnel per channel: DataFrame[channel, stage, count, present, step_rate,
    overall_rate], five rows per channel in stage order.

    A stage is present for a channel when that channel's rows report it. Event funnels put a
    user in the channel of their entry event.
    """
    chosen = choose_source(con, period, scope)
    if chosen is None:
        return _long(stage_counts_empty(), ["channel"])
    frame = stage_counts(con, period, scope, chosen, "period", window_days)
    return _long(frame, ["channel"])


def stage_counts_empty() -> pd.DataFrame:
    """An empty stage-count frame (no source in the period)."""
    return pd.DataFrame(
        {c: pd.Series(dtype="Int64") for c in ("bucket", "channel", *STAGE_COLUMNS)}
    )


def maturity_days(source: str, window_days: int = DEFAULT_WINDOW_DAYS) -> int:
    """How many of the newest days of a source are not final: events → window, else 3."""
    return int(window_days) if source == "events" else IMMATURE_DAYS


def last_data_date(con: duckdb.DuckDBPyConnection, scope: Scope, source: str) -> date | None:
    """The newest day of the source's data in scope (None without rows)."""
    span = coverage(con, scope).dates_by_kind.get(source)
    return span[1] if span else None


def immature_days(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope,
    source: str | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> tuple[date, ...]:
    """The days of `period` that are not final yet for the funnel source.

    Example: traffic up to 2026-11-22 → 2026-11-20, 21 and 22 are immature (3 days); an event
    log up to the same day with a 7-day window → 2026-11-16..22.
    """
    chosen = source or choose_source(con, period, scope)
    if chosen is None:
        return ()
    last = last_data_date(con, scope, chosen)
    if last is None:
        return ()
    first_immature = last - timedelta(days=maturity_days(chosen, window_days) - 1)
    day = max(first_immature, period.start)
    days = []
    while day <= period.end:
        days.append(day)
        day += timedelta(days=1)
    return tuple(days)


def stage_trend(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope,
    grain: Literal["day", "week"] = "day",
    channel: str | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> pd.DataFrame:
    """Stage counts and step rates per day or ISO week: DataFrame[bucket, stage, count,
    step_rate, immature] (also present, overall_rate), five rows per bucket.

    Weeks start on Monday and are cut at the period edges. `immature` marks a bucket holding
    one of the source's not-yet-final days (see `immature_days`); event buckets are funnels of
    the users entering in that bucket.
    """
    if grain not in ("day", "week"):
        raise ValueError(f"grain must be 'day' or 'week', not {grain!r}")
    chosen = choose_source(con, period, scope)
    if chosen is None:
        out = _long(stage_counts_empty(), ["bucket"])
        out["immature"] = pd.Series(dtype=bool)
        return out
    frame = stage_counts(con, period, scope, chosen, grain, window_days)
    if channel is not None:
        frame = frame[frame["channel"] == current_channel(channel)]
    out = _long(frame.drop(columns=["channel"]), ["bucket"])
    unripe = immature_days(con, period, scope, chosen, window_days)
    out["immature"] = immature_buckets(out["bucket"], unripe, grain, period)
    return out


def immature_buckets(
    buckets: pd.Series, unripe: tuple[date, ...], grain: str, period: Period
) -> list[bool]:
    """Whether each day or week bucket holds one of the `unripe` days (see `immature_days`).

    Example: unripe 2026-11-20..22, weekly buckets 2026-11-09 and 2026-11-16 → [False, True].
    """
    if not unripe:
        return [False] * len(buckets)
    first_unripe = min(unripe)

    def bucket_end(bucket: date) -> date:
        return bucket if grain == "day" else min(bucket + timedelta(days=6), period.end)

    return [bucket_end(b) >= first_unripe for b in buckets]
