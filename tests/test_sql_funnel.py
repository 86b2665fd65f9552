"""funnel_traffic / funnel_orders / funnel_events / funnel_sources: given rows → expected rows.

Every expected number here can be checked by hand from the rows above it.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from metric_tables import make_connection

from analytics import queries
from analytics.metrics.funnel import CHANNEL_RENAMES

WEEK = {"start": date(2024, 1, 1), "end": date(2024, 1, 7), "shop": None, "platform": None}


def rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Frame rows as plain tuples, NA → None, dates as date."""
    out = []
    for record in frame[columns].itertuples(index=False):
        out.append(tuple(None if pd.isna(v) else v for v in record))
    return out


# ── funnel_traffic ──────────────────────────────────────────────────────────────────────────

TRAFFIC = [
    # 搜索: two days; inquiries missing (NULL) → the stage is absent, not 0.
    {
        "date": "2024-01-01",
        "channel": "搜索",
        "visitors": 100,
        "product_visitors": 60,
        "order_buyers": 10,
        "paying_buyers": 8,
        "page_views": 300,
        "pay_amount": 800,
    },
    {
        "date": "2024-01-02",
        "channel": "搜索",
        "visitors": 50,
        "product_visitors": 30,
        "orders": 6,
        "paying_buyers": 5,
        "pay_amount": 500,
    },  # no order_buyers → orders counts
    # 直通车 was renamed 关键词推广: both spellings land in one channel.
    {"date": "2024-01-01", "channel": "直通车", "visitors": 40, "paying_buyers": 0, "ad_cost": 20},
    {
        "date": "2024-01-03",
        "channel": "关键词推广",
        "visitors": 60,
        "paying_buyers": 3,
        "ad_cost": 30,
        "pay_amount": 270,
    },
    {"date": "2024-01-08", "channel": "搜索", "visitors": 999},  # outside the period
]


def test_funnel_traffic_sums_stages_per_channel_and_keeps_missing_stages_null() -> None:
    con = make_connection({"traffic": TRAFFIC})
    got = queries.run(con, "funnel_traffic", **WEEK, grain="period")
    assert rows(
        got,
        [
            "bucket",
            "channel",
            "days",
            "visits",
            "product_views",
            "inquiries",
            "orders",
            "payments",
            "page_views",
            "gmv",
            "ad_cost",
        ],
    ) == [
        (pd.Timestamp("2024-01-01"), "关键词推广", 2, 100, None, None, None, 3, None, 270.0, 50.0),
        (pd.Timestamp("2024-01-01"), "搜索", 2, 150, 90, None, 16, 13, 300, 1300.0, None),
    ]


def test_funnel_traffic_by_day_and_by_week() -> None:
    con = make_connection({"traffic": TRAFFIC})
    by_day = queries.run(con, "funnel_traffic", **WEEK, grain="day")
    assert rows(by_day, ["channel", "visits"]) == [
        ("关键词推广", 40),
        ("搜索", 100),
        ("搜索", 50),
        ("关键词推广", 60),
    ]
    # 2024-01-01 is a Monday: the whole period is one ISO week.
    by_week = queries.run(con, "funnel_traffic", **WEEK, grain="week")
    assert set(by_week["bucket"]) == {pd.Timestamp("2024-01-01")}


def test_funnel_traffic_weeks_are_cut_at_the_period_start() -> None:
    con = make_connection(
        {
            "traffic": [
                {"date": "2024-01-03", "channel": "a", "visitors": 1},  # Wednesday
                {"date": "2024-01-08", "channel": "a", "visitors": 2},  # next Monday
            ]
        }
    )
    got = queries.run(
        con,
        "funnel_traffic",
        start=date(2024, 1, 3),
        end=date(2024, 1, 9),
        shop=None,
        platform=None,
        grain="week",
    )
    assert rows(got, ["bucket", "visits"]) == [
        (pd.Timestamp("2024-01-03"), 1),
        (pd.Timestamp("2024-01-08"), 2),
    ]


def test_funnel_traffic_scope_filters_shop_and_platform() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "shop": "A",
                    "platform": "taobao",
                    "date": "2024-01-01",
                    "channel": "c",
                    "visitors": 1,
                },
                {
                    "shop": "B",
                    "platform": "shopify",
                    "date": "2024-01-01",
                    "channel": "c",
                    "visitors": 10,
                    "visitor_unit": "sessions",
                },
            ]
        }
    )
    got = queries.run(con, "funnel_traffic", **{**WEEK, "shop": "B"}, grain="period")
    assert rows(got, ["visits"]) == [(10,)]
    assert list(got["visitor_units"][0]) == ["sessions"]
    got = queries.run(con, "funnel_traffic", **{**WEEK, "platform": "taobao"}, grain="period")
    assert rows(got, ["visits"]) == [(1,)]


# ── funnel_orders ───────────────────────────────────────────────────────────────────────────


def test_funnel_orders_counts_created_and_paid_orders() -> None:
    con = make_connection(
        {
            "orders": [
                {
                    "order_id": "1",
                    "created_at": "2024-01-01 10:00",
                    "is_paid": True,
                    "pay_amount": 10,
                    "channel": "直通车",
                },
                {
                    "order_id": "2",
                    "created_at": "2024-01-02 10:00",
                    "is_paid": False,
                    "channel": "关键词推广",
                },
                {
                    "order_id": "3",
                    "created_at": "2024-01-07 23:59",
                    "is_paid": True,
                    "pay_amount": 5,
                },
                {
                    "order_id": "4",
                    "created_at": "2024-01-08 00:00",
                    "is_paid": True,
                    "pay_amount": 99,
                },
            ]
        }
    )
    got = queries.run(con, "funnel_orders", **WEEK, grain="period")
    assert rows(got, ["channel", "orders", "payments", "gmv"]) == [
        ("关键词推广", 2, 1, 10.0),
        (None, 1, 1, 5.0),
    ]


# ── funnel_events ───────────────────────────────────────────────────────────────────────────

EVENTS = [
    # u1 walks the whole funnel in order within a day.
    {"user_id": "u1", "ts": "2024-01-01 10:00", "event": "visit", "channel": "a"},
    {"user_id": "u1", "ts": "2024-01-01 10:05", "event": "pv", "channel": "a"},
    {"user_id": "u1", "ts": "2024-01-01 10:06", "event": "cart", "channel": "a"},
    {"user_id": "u1", "ts": "2024-01-02 09:00", "event": "order", "channel": "a"},
    {"user_id": "u1", "ts": "2024-01-02 09:01", "event": "buy", "channel": "a"},
    # u2 pays BEFORE ordering: the payment does not count (ordered funnel).
    {"user_id": "u2", "ts": "2024-01-03 10:00", "event": "product_view", "channel": "b"},
    {"user_id": "u2", "ts": "2024-01-03 11:00", "event": "payment", "channel": "b"},
    {"user_id": "u2", "ts": "2024-01-03 12:00", "event": "order", "channel": "b"},
    # u3 orders 8 days after entering: outside the 7-day window (but inside the scan range).
    {"user_id": "u3", "ts": "2024-01-05 10:00", "event": "product_view", "channel": "a"},
    {"user_id": "u3", "ts": "2024-01-13 10:00", "event": "order", "channel": "a"},
    # u4 enters on the last day and pays after the period, inside the window: counts.
    {"user_id": "u4", "ts": "2024-01-07 22:00", "event": "product_view", "channel": "b"},
    {"user_id": "u4", "ts": "2024-01-09 08:00", "event": "order", "channel": "b"},
    {"user_id": "u4", "ts": "2024-01-09 08:30", "event": "payment", "channel": "b"},
    # u5 only appears after the period: never enters.
    {"user_id": "u5", "ts": "2024-01-08 10:00", "event": "visit", "channel": "a"},
]


def test_funnel_events_is_ordered_per_user_within_the_window() -> None:
    con = make_connection({"events": EVENTS})
    got = queries.run(con, "funnel_events", **WEEK, grain="period", window_days=7)
    # No inquiry events at all → inquiries is absent (NULL) and the chain bridges it.
    assert rows(
        got,
        ["channel", "visits", "product_views", "inquiries", "orders", "payments", "cart", "fav"],
    ) == [
        ("a", 2, 2, None, 1, 1, 1, 0),
        ("b", 2, 2, None, 2, 1, 0, 0),
    ]


def test_funnel_events_window_is_adjustable() -> None:
    con = make_connection({"events": EVENTS})
    got = queries.run(con, "funnel_events", **WEEK, grain="period", window_days=10)
    assert rows(got, ["channel", "orders"]) == [("a", 2), ("b", 2)]  # u3's order now counts
    got = queries.run(con, "funnel_events", **WEEK, grain="period", window_days=0)
    # window 0 days: a stage counts only at the entry moment itself (u3's and u2's entry
    # events are product views; u1's product view comes 5 minutes after the entry)
    assert rows(got, ["channel", "product_views", "orders"]) == [("a", 1, 0), ("b", 2, 0)]


def test_funnel_events_user_enters_in_the_channel_of_the_first_event() -> None:
    con = make_connection(
        {
            "events": [
                {"user_id": "u", "ts": "2024-01-01 10:00", "event": "visit", "channel": "万相台"},
                {"user_id": "u", "ts": "2024-01-01 11:00", "event": "payment", "channel": "x"},
            ]
        }
    )
    got = queries.run(con, "funnel_events", **WEEK, grain="period", window_days=7)
    assert rows(got, ["channel", "visits", "product_views", "orders", "payments"]) == [
        ("全站推广", 1, None, None, 1)
    ]


def test_funnel_events_by_day_enters_users_per_day() -> None:
    con = make_connection({"events": EVENTS[:5]})
    got = queries.run(con, "funnel_events", **WEEK, grain="day", window_days=7)
    assert rows(got, ["bucket", "visits", "product_views", "payments"]) == [
        (pd.Timestamp("2024-01-01"), 1, 1, 1),
        (pd.Timestamp("2024-01-02"), 1, 0, 0),  # re-enters at an order: no product view after
    ]


STAGE_OF = {
    "product_view": "product_views",
    "pv": "product_views",
    "inquiry": "inquiries",
    "order": "orders",
    "payment": "payments",
    "buy": "payments",
    "cart": "cart",
    "fav": "fav",
}
CHAIN = ("product_views", "inquiries", "orders", "payments")


def reference_event_funnel(
    events: list[dict], start: date, end: date, grain: str, window_days: int
) -> list[tuple]:
    """DESIGN's ordered event funnel, written independently in plain Python, event by event.

    Rows (bucket, channel, visits, product_views, inquiries, orders, payments, cart, fav) sorted
    by bucket and channel; an absent stage is None.
    """
    lo = datetime.combine(start, datetime.min.time())
    hi = datetime.combine(end, datetime.min.time()) + timedelta(days=1)
    window = timedelta(days=window_days)
    scoped = [
        {**e, "ts": datetime.fromisoformat(e["ts"])}
        for e in events
        if lo <= datetime.fromisoformat(e["ts"]) < hi + window + timedelta(days=1)
    ]
    in_period = [e for e in scoped if e["ts"] < hi]
    present = {s: any(STAGE_OF.get(e["event"]) == s for e in in_period) for s in CHAIN}

    def bucket(ts: datetime) -> date:
        if grain == "day":
            return ts.date()
        if grain == "week":
            return max(ts.date() - timedelta(days=ts.weekday()), start)
        return start

    entries: dict[tuple, dict] = {}
    for e in sorted(in_period, key=lambda e: e["ts"]):
        entries.setdefault((bucket(e["ts"]), e["user_id"]), e)
    out: dict[tuple, list] = {}
    for (b, user), first in entries.items():
        t0 = first["ts"]
        mine = [e for e in scoped if e["user_id"] == user and t0 <= e["ts"] <= t0 + window]
        channel = CHANNEL_RENAMES.get(first["channel"], first["channel"])
        counts = out.setdefault((b, channel), [0] * 7)
        counts[0] += 1
        reached: datetime | None = t0
        for i, stage in enumerate(CHAIN, start=1):
            if not present[stage] or reached is None:
                continue
            times = [e["ts"] for e in mine if STAGE_OF.get(e["event"]) == stage]
            reached = min((t for t in times if t >= reached), default=None)
            counts[i] += reached is not None
        counts[5] += any(STAGE_OF.get(e["event"]) == "cart" for e in mine)
        counts[6] += any(STAGE_OF.get(e["event"]) == "fav" for e in mine)
    return [
        (
            pd.Timestamp(b),
            c,
            n[0],
            *(n[i] if present[s] else None for i, s in enumerate(CHAIN, start=1)),
            n[5],
            n[6],
        )
        for (b, c), n in sorted(
            out.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1] or "")
        )
    ]


@pytest.mark.parametrize("seed", range(12))
def test_funnel_events_matches_an_event_by_event_reference_on_random_logs(seed: int) -> None:
    """Random logs with many equal timestamps, repeated and out-of-order stages, absent stages,
    entries in several buckets and events after the period: every grain and window agrees with
    `reference_event_funnel`. Each user keeps one channel (a tie on the first event would leave
    the entry channel undefined)."""
    rng = random.Random(seed)
    kinds = rng.sample(["visit", *STAGE_OF], rng.randint(2, 9))
    channels = ["a", "直通车", "关键词推广", None]
    events = [
        {
            "user_id": f"u{user}",
            "ts": (
                datetime(2024, 1, 1)
                + timedelta(hours=rng.choice([6, 12, 24, 72]) * rng.randint(0, 14))
            ).isoformat(sep=" "),
            "event": rng.choice(kinds),
            "channel": channels[user % len(channels)],
        }
        for user in range(rng.randint(1, 30))
        for _ in range(rng.randint(1, 9))
    ]
    con = make_connection({"events": events})
    columns = ["bucket", "channel", "visits", *CHAIN, "cart", "fav"]
    period = {**WEEK, "start": date(2024, 1, 2), "end": date(2024, 1, 10)}  # a Tuesday start
    for grain in ("day", "week", "period"):
        for window_days in (0, 1, 7):
            got = queries.run(con, "funnel_events", **period, grain=grain, window_days=window_days)
            assert rows(got, columns) == reference_event_funnel(
                events, period["start"], period["end"], grain, window_days
            ), (grain, window_days)


def test_funnel_sources_counts_rows_per_source_in_the_period() -> None:
    con = make_connection({"traffic": TRAFFIC, "events": EVENTS})
    assert queries.run_rows(con, "funnel_sources", **WEEK) == [
        (4, 10, 0)
    ]  # 4 events fall after Jan 7
