"""Dashboard speed and memory on a big workspace: AppTest rerun time and process RSS.

Builds (once, cached in benchmarks/data/, in a child process so its memory is not counted) a
workspace of generated data — by default 1,000,000 orders over a year plus daily traffic for
eight channels — then drives the app with AppTest: every page once, then ~20 interactions (page
switches through the analysis pages, period and language changes, plain reruns), and prints the
median and max rerun time (overall and per kind, wall and CPU; the sequence three times, the
third on cached data) and the process's peak RSS.

    python benchmarks/dashboard.py                # 1M orders
    python benchmarks/dashboard.py --orders 100000 --interactions 30
    python benchmarks/dashboard.py --app /tmp/old-checkout   # the same run against another tree

"cold start" is process start (interpreter launch) → the first page rendered: interpreter,
Streamlit, the app's imports and its first run, as a fresh `streamlit run` pays it (less the web
server's own start-up). This process imports nothing heavy before that first run.

The data is stored through `Workspace.commit` with canonical frames built here (no parsing), so
the figures measure the dashboard, not the importer. Numbers are printed, not asserted: this is
a measurement, not a timed test. The OS page cache is not dropped: the workspace file is warm.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from peak import peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]

CHANNELS = (
    "手淘搜索",
    "手淘推荐",
    "关键词推广",
    "精准人群推广",
    "全站推广",
    "直播",
    "淘内免费其他",
    "站外",
)
PAGES = (
    "overview",
    "funnel",
    "traffic",
    "conversion",
    "ratings",
    "repeat",
    "goals",
    "report",
    "upload",
)


def _prepared(kind: str, frame: Any, name: str, span: tuple[date, date]) -> Any:
    from analytics.ingest.model import PreparedImport
    from analytics.schema import TABLES

    table = TABLES[kind]
    for column in table.column_names:
        if column not in frame:
            frame[column] = None
    frame = frame[list(table.column_names)]
    digest = hashlib.sha256(f"{name}:{len(frame)}".encode()).hexdigest()
    return PreparedImport(
        file_name=name,
        data=b"",
        sha256=digest,
        ext="csv",
        kind=kind,
        platform="sycm",
        shop="",
        encoding="utf-8",
        sheet=None,
        mapping={},
        header_signature=digest[:16],
        frame=frame,
        rows_read=len(frame),
        date_range=span,
        currency="CNY",
    )


def build_workspace(path: Path, orders: int, days: int = 364, seed: int = 7) -> Any:
    """A workspace with `orders` generated orders and daily traffic per channel over `days`."""
    import numpy as np
    import pandas as pd

    from analytics.workspace import Workspace

    rng = np.random.default_rng(seed)
    ws = Workspace(path)
    end = date(2026, 11, 22)
    start = end - timedelta(days=days - 1)
    dates = pd.date_range(start, end, freq="D")

    rows = []
    for channel_index, channel in enumerate(CHANNELS):
        base = 4000 / (channel_index + 1)
        visitors = rng.poisson(base, len(dates))
        product_visitors = (visitors * rng.uniform(0.55, 0.7, len(dates))).astype(int)
        inquiries = (product_visitors * rng.uniform(0.1, 0.15, len(dates))).astype(int)
        order_buyers = (inquiries * rng.uniform(0.4, 0.5, len(dates))).astype(int)
        paying = (order_buyers * rng.uniform(0.85, 0.95, len(dates))).astype(int)
        rows.append(
            pd.DataFrame(
                {
                    "platform": "sycm",
                    "date": dates.date,
                    "channel": channel,
                    "sub_channel": "",
                    "visitors": visitors,
                    "product_visitors": product_visitors,
                    "inquiries": inquiries,
                    "order_buyers": order_buyers,
                    "orders": order_buyers,
                    "paying_buyers": paying,
                    "pay_amount": (paying * 150.0).round(2),
                    "visitor_unit": "visitors",
                }
            )
        )
    traffic = pd.concat(rows, ignore_index=True)
    ws.commit(_prepared("traffic", traffic, "traffic.csv", (start, end)))

    created = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days * 86400, orders), unit="s")
    paid = rng.random(orders) < 0.9
    frame = pd.DataFrame(
        {
            "platform": "sycm",
            "order_id": [f"{n:018d}" for n in range(orders)],
            "created_at": created,
            "customer_id": [f"c{n}" for n in rng.integers(0, max(orders // 3, 1), orders)],
            "paid_at": created.where(paid) + pd.Timedelta(minutes=5),
            "status": np.where(paid, "paid", "pending"),
            "is_paid": paid,
            "pay_amount": rng.gamma(2.0, 75.0, orders).round(2),
            "quantity": rng.integers(1, 4, orders),
            "product_id": [f"p{n}" for n in rng.integers(0, 200, orders)],
            "channel": rng.choice(CHANNELS, orders),
            "refund_amount": 0.0,
            "is_presale": False,
            "currency": "CNY",
        }
    )
    frame["product_name"] = frame["product_id"]
    ws.commit(_prepared("orders", frame, "orders.csv", (start, end)))
    return ws


def since_process_start() -> float:
    """Seconds since this process was launched (Linux /proc, 10 ms resolution)."""
    ticks = os.sysconf("SC_CLK_TCK")
    started = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19]) / ticks
    return float(Path("/proc/uptime").read_text().split()[0]) - started


def interact(at: Any, count: int) -> tuple[list[float], list[float], dict[str, list[float]], Any]:
    """`count` interactions in a fixed sequence: (wall seconds, CPU seconds, by kind, slowest)."""
    timings, cpu = [], []
    by_kind: dict[str, list[float]] = defaultdict(list)
    slowest = ("", 0.0)
    periods = ("this_week", "last_4_weeks", "last_week")
    for n in range(count):
        step = n % 4
        t0, c0 = time.perf_counter(), time.process_time()
        if step == 0:  # every analysis page in turn (upload left out)
            page = PAGES[(n // 4) % (len(PAGES) - 1)]
            what = f"page {page}"
            at.switch_page(f"pages/{page}_page.py").run()
        elif step == 1:
            what = f"period {periods[n % 3]}"
            at.sidebar.selectbox(key="filter.period").set_value(periods[n % 3]).run()
        elif step == 2:
            what = f"language {'zh' if n % 8 < 4 else 'en'}"
            at.sidebar.segmented_control(key="ui.lang").set_value("zh" if n % 8 < 4 else "en").run()
        else:
            what = "rerun"
            at.run()
        seconds = time.perf_counter() - t0
        timings.append(seconds)
        cpu.append(time.process_time() - c0)
        by_kind[what.split()[0]].append(seconds)
        if seconds > slowest[1]:
            slowest = (f"#{n} {what} (on {at.session_state['ui.view'].period})", seconds)
        assert not at.exception, [e.message for e in at.exception]
    return timings, cpu, by_kind, slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=20)
    parser.add_argument("--app", type=Path, default=ROOT, help="checkout whose app.py to run")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    folder = ROOT / "benchmarks" / "data" / f"orders-{args.orders}"
    if args.build_only:
        sys.path.insert(0, str(ROOT))
        t0 = time.perf_counter()
        build_workspace(folder, args.orders)
        print(f"built workspace with {args.orders:,} orders in {time.perf_counter() - t0:.1f}s")
        return
    if not (folder / "workspace.duckdb").exists():
        command = [sys.executable, __file__, "--build-only", "--orders", str(args.orders)]
        subprocess.run(command, check=True)
        # Measure in a new process: after an exec the clock of `since_process_start` and the
        # CPU time would still count the build.
        raise SystemExit(subprocess.run([sys.executable, *sys.argv]).returncode)
    os.environ["SHOPLENS_WORKSPACE"] = str(folder)
    app = args.app.resolve()
    sys.path.insert(0, str(app))

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app / "app.py"), default_timeout=600)
    at.query_params["lang"] = "en"
    t0, c0 = time.perf_counter(), time.process_time()
    at.run()
    first, first_cpu = time.perf_counter() - t0, time.process_time() - c0
    cold_start, cold_start_cpu = since_process_start(), time.process_time()
    assert not at.exception, [e.message for e in at.exception]
    cold: dict[str, float] = {}
    for page in PAGES:
        t0 = time.perf_counter()
        at.switch_page(f"pages/{page}_page.py").run()
        cold[page] = time.perf_counter() - t0
        assert not at.exception, (page, [e.message for e in at.exception])
    after_pages = peak_rss_mb()

    first_pass = interact(at, args.interactions)
    # The same sequence twice more: the second run starts where the first ended and so sees
    # every (page, period, language) the third will; the third is "interaction on cached data"
    # (the target), while the first includes new periods' queries.
    interact(at, args.interactions)
    cached_pass = interact(at, args.interactions)

    print(f"app: {app}")
    # CPU seconds (all threads, DuckDB's too) move less with the other load on a shared machine.
    print(f"cold start (process start -> first page): {cold_start:.2f}s, CPU {cold_start_cpu:.2f}s")
    print(f"first run (frame + landing page): {first:.2f}s, CPU {first_cpu:.2f}s")
    for page, seconds in cold.items():
        print(f"  cold {page:<11} {seconds:6.2f}s")
    for label, (timings, cpu, by_kind, slowest) in (
        ("first pass", first_pass),
        ("cached pass", cached_pass),
    ):
        print(
            f"{len(timings)} interactions, {label}: median {statistics.median(timings):.3f}s, "
            f"max {max(timings):.3f}s, min {min(timings):.3f}s; "
            f"CPU median {statistics.median(cpu):.3f}s"
        )
        for kind, values in by_kind.items():
            print(f"  {kind:<9} n={len(values):<2} median {statistics.median(values):.3f}s")
        print(f"  slowest: {slowest[0]} {slowest[1]:.3f}s")
    print(f"peak RSS: {peak_rss_mb():.0f} MiB (after the cold pages: {after_pages:.0f} MiB)")
    print(f"load average {os.getloadavg()[0]:.1f}, {datetime.now():%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
