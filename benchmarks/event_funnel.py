"""Benchmark: the ordered event funnel (sql/funnel_events.sql) on 10M generated events.

Generates a seeded event log with numpy (users browse, some view products, ask, order, pay,
with realistic drop-off and time gaps), writes it to benchmarks/data/events_<n>.parquet
(gitignored), loads it into an in-memory DuckDB `events` table, and times, in the same process:

* ours: `funnel.stage_counts(..., source="events")` — ordered per user, 7-day window, per channel;
* plain: the same ordered funnel with the same counts (checked) as plain window-function SQL:
  window 1 = each user's first event time and channel (`over (partition by user_id)`), window 2 =
  per stage, the first event of that stage at/after the previous stage's time within the window
  (`min(ts) filter (...) over (partition by user_id)`, one per stage since each needs the previous
  stage's time), computed over the entry rows and the in-window stage events only.

(The baseline before 2026-11-23 — first time of each stage with no order and no window — gave
different, larger counts and was no measure of the same work.)

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
-- The same ordered funnel (same counts as funnel_events.sql, checked below) written plainly with
-- window functions: window 1 gives each user's entry time and channel; window 2 gives, stage by
-- stage, the first event of the stage at/after the previous one (each stage needs the previous
-- stage's time, so it is one partition-by-user window per stage), over only the rows that can
-- matter (the entry row and stage events inside the user's conversion window).
with renames(old_name, new_name) as (
    values ('直通车', '关键词推广'), ('引力魔方', '精准人群推广'), ('万相台', '全站推广')
),
scoped as (
    select user_id, ts, channel,
           case event when 'product_view' then 1 when 'pv' then 1 when 'inquiry' then 2
                      when 'order' then 3 when 'payment' then 4 when 'buy' then 4
                      else 0 end as stage
    from events
    where ts >= $start::date and ts < $end::date + to_days($window_days::integer + 1)
),
present as (
    select bool_or(stage = 1) as has1, bool_or(stage = 2) as has2,
           bool_or(stage = 3) as has3, bool_or(stage = 4) as has4
    from scoped where ts < $end::date + interval 1 day
),
entered as (
    select user_id, ts, stage,
           min(ts) filter (where ts < $end::date + interval 1 day) over u              as t0,
           arg_min(channel, ts) filter (where ts < $end::date + interval 1 day) over u as channel
    from scoped
    window u as (partition by user_id)
),
inwin as (
    select * from entered
    where t0 is not null and ts <= t0 + to_days($window_days::integer) and (stage > 0 or ts = t0)
),
s1 as (select *, case when p.has1 then min(ts) filter (where stage = 1) over u else t0 end as t1
       from inwin, present p window u as (partition by user_id)),
s2 as (select *, case when has2 then min(ts) filter (where stage = 2 and ts >= t1) over u
                      else t1 end as t2
       from s1 window u as (partition by user_id)),
s3 as (select *, case when has3 then min(ts) filter (where stage = 3 and ts >= t2) over u
                      else t2 end as t3
       from s2 window u as (partition by user_id)),
s4 as (select *, case when has4 then min(ts) filter (where stage = 4 and ts >= t3) over u
                      else t3 end as t4
       from s3 window u as (partition by user_id)),
users as (
    select user_id, any_value(channel) as channel, any_value(t1) as t1, any_value(t2) as t2,
           any_value(t3) as t3, any_value(t4) as t4
    from s4 group by user_id
)
select coalesce(r.new_name, u.channel) as channel, count(*) as visits,
       count(t1) as product_views, count(t2) as inquiries, count(t3) as orders,
       count(t4) as payments
from users u left join renames r on r.old_name = u.channel
group by 1 order by 1
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
    params = {"start": period.start, "end": period.end, "window_days": 7}
    # Alternate the two so that load from other processes falls on both alike.
    ours: list[float] = []
    plain: list[float] = []
    for _ in range(args.repeats):
        ours += time_it(lambda: stage_counts(con, period, Scope(), "events", "period", 7), 1)
        plain += time_it(lambda: con.execute(PLAIN_SQL, params).df(), 1)
    result = stage_counts(con, period, Scope(), "events", "period", 7)
    check = con.execute(PLAIN_SQL, params).df().set_index("channel")
    stages = ["visits", "product_views", "inquiries", "orders", "payments"]
    got = result.set_index("channel")[stages].astype("int64")
    if not got.equals(check[stages].astype("int64").loc[got.index]):
        raise SystemExit(f"the baseline's counts differ from ours:\n{got}\n{check}")
    print(f"events: {rows:,}; users entering: {int(result['visits'].sum()):,}")
    print(f"ours  (ordered, 7-day window): median {statistics.median(ours):.2f}s  {ours}")
    print(f"plain (window functions, same counts): median {statistics.median(plain):.2f}s  {plain}")
    print(f"ratio ours / plain: {statistics.median(ours) / statistics.median(plain):.2f}")


if __name__ == "__main__":
    main()
