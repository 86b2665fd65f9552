"""Benchmark: the ordered event funnel (sql/funnel_events.sql) on 10M generated events.

Generates a seeded event log with numpy (users browse, some view products, ask, order, pay,
with realistic drop-off and time gaps), writes it to benchmarks/data/events_<n>.parquet
(gitignored), loads it into an in-memory DuckDB `events` table, and times, in the same process:

* ours: `funnel.stage_counts(..., source="events")` — ordered per user, 7-day window, per channel;
* plain: a two-window-function SQL (first event time and first time of each stage per user via
  `min(...) over (partition by user_id)`), unordered and without a window — the naive answer
  our ordered version has to compete with.

Run: .venv/bin/python benchmarks/event_funnel.py [--events 10000000] [--repeats 3]
Prints the median seconds of each and the ratio ours / plain.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from metric_tables import create_tables  # noqa: E402

from analytics.metrics.funnel import stage_counts  # noqa: E402
from analytics.metrics.period import Period, Scope  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
CHANNELS = np.array(["手淘搜索", "手淘推荐", "直通车", "直播", "站外"])
STAGES = ["visit", "product_view", "inquiry", "order", "payment"]
PASS = [0.62, 0.15, 0.45, 0.9]  # step pass rates after the visit

PLAIN_SQL = """
with firsts as (
    select user_id,
           min(ts) over (partition by user_id)                                      as t0,
           min(ts) filter (where event in ('product_view', 'pv')) over (partition by user_id)
             as t_product_views,
           min(ts) filter (where event = 'inquiry') over (partition by user_id)      as t_inquiries,
           min(ts) filter (where event = 'order') over (partition by user_id)        as t_orders,
           min(ts) filter (where event in ('payment', 'buy')) over (partition by user_id)
             as t_payments,
           row_number() over (partition by user_id order by ts)                      as n,
           channel
    from events
    where ts >= $start::date and ts < $end::date + interval 1 day
)
select channel, count(*) as visits, count(t_product_views) as product_views,
       count(t_inquiries) as inquiries, count(t_orders) as orders, count(t_payments) as payments
from firsts where n = 1
group by channel
"""


def generate(n_events: int, seed: int = 20261116) -> Path:
    """Write (once) a seeded event log of about n_events rows; return its parquet path."""
    path = DATA / f"events_{n_events}.parquet"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    # Each user produces on average ~2.9 events: visits (1–3) plus the stages they reach.
    n_users = int(n_events / 2.9)
    start = np.datetime64("2026-10-01T00:00:00")
    t0 = start + rng.integers(0, 60 * 86400, n_users).astype("timedelta64[s]")
    channel = rng.integers(0, len(CHANNELS), n_users)
    users = np.arange(n_users)
    parts = []
    visits = rng.integers(1, 4, n_users)
    rep = np.repeat(users, visits)
    parts.append(
        (
            rep,
            np.repeat(t0, visits) + rng.integers(0, 3600, rep.size).astype("timedelta64[s]"),
            np.zeros(rep.size, dtype=np.int8),
        )
    )
    alive = np.ones(n_users, dtype=bool)
    t = t0.copy()
    for k, p in enumerate(PASS, start=1):
        alive &= rng.random(n_users) < p
        t = t + rng.exponential(2 * 86400 if k >= 3 else 3600, n_users).astype("timedelta64[s]")
        parts.append((users[alive], t[alive], np.full(alive.sum(), k, dtype=np.int8)))
    u = np.concatenate([p[0] for p in parts])
    ts = np.concatenate([p[1] for p in parts])
    ev = np.concatenate([p[2] for p in parts])
    frame = pd.DataFrame(
        {
            "shop": "bench",
            "platform": "taobao",
            "user_id": pd.Series(u).map("u{:08d}".format),
            "ts": ts,
            "event": np.array(STAGES)[ev],
            "item_id": None,
            "category_id": None,
            "channel": CHANNELS[channel[u]],
            "import_id": 1,
        }
    )
    frame.to_parquet(path, index=False)
    return path


def time_it(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        out.append(time.perf_counter() - began)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    began = time.perf_counter()
    path = generate(args.events)
    print(f"data: {path.name} ready in {time.perf_counter() - began:.1f}s")
    con = duckdb.connect(":memory:", config={"python_enable_replacements": False})
    create_tables(con)
    con.execute("insert into events select * from read_parquet($p)", {"p": str(path)})
    rows = con.execute("select count(*) from events").fetchone()[0]
    period = Period(date(2026, 10, 1), date(2026, 11, 29))
    params = {"start": period.start, "end": period.end}
    ours = time_it(lambda: stage_counts(con, period, Scope(), "events", "period", 7), args.repeats)
    plain = time_it(lambda: con.execute(PLAIN_SQL, params).df(), args.repeats)
    result = stage_counts(con, period, Scope(), "events", "period", 7)
    print(f"events: {rows:,}; users entering: {int(result['visits'].sum()):,}")
    print(f"ours  (ordered, 7-day window): median {statistics.median(ours):.2f}s  {ours}")
    print(f"plain (two window functions):  median {statistics.median(plain):.2f}s  {plain}")
    print(f"ratio ours / plain: {statistics.median(ours) / statistics.median(plain):.2f}")


if __name__ == "__main__":
    main()
