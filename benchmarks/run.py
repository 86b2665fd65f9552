"""Import and metric benchmarks (issue 6): each case in fresh subprocesses, median vs baseline.

Generates seeded data into benchmarks/data/ (gitignored) once, then runs every measurement in
a fresh `python benchmarks/run.py --child ...` process, so caches, imports and allocator state
never carry over; each child reports its seconds and its own peak RSS (VmHWM).

Cases:
  csv     1M-row Taobao-style orders CSV (UTF-8): `shoplens import` (`importer.import_path`) into
          a fresh workspace vs DuckDB in-memory `CREATE TABLE t AS SELECT * FROM read_csv(...)`;
          peak RSS vs the same CREATE TABLE in a file database. Also the floor: DuckDB alone
          running the fast path's typing and checks in one pass into a file database; and the
          one-pass redesign: the floor with the order rules in SQL.
  gbk     the same rows in GBK: `shoplens import` GBK vs `shoplens import` UTF-8.
  xlsx    500k-row XLSX: `prepare_import` vs pandas read_excel(calamine); openpyxl once.
  metrics warm metric queries on the case-1 workspace vs plain pandas on an in-memory frame.

    .venv/bin/python benchmarks/run.py                       # all cases, 3 runs each
    .venv/bin/python benchmarks/run.py --cases csv gbk --rows 1000000 --repeats 3
    .venv/bin/python benchmarks/run.py --cases xlsx --xlsx-rows 500000

Prints a table: case, median s, baseline median s, ratio, peak RSS MB (ours / baseline).
Numbers are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from peak import peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT / "benchmarks" / "data"
HEADER = [
    "订单编号",
    "买家会员名",
    "订单创建时间",
    "订单付款时间",
    "订单状态",
    "买家实际支付金额",
    "购买数量",
    "商品ID",
    "宝贝标题",
    "流量来源",
]
CHANNELS = np.array(["手淘搜索", "手淘推荐", "直通车", "直播", "站外", "淘内免费其他"])
STATUSES = np.array(["交易成功", "交易成功", "交易成功", "等待买家付款", "交易关闭", "卖家已发货"])
PRODUCTS = np.array([f"夏季新款纯棉短袖T恤 男女同款 宽松 款{i:03d}" for i in range(400)])


def orders_frame(rows: int, seed: int = 20261123) -> pd.DataFrame:
    """A seeded Taobao-style orders export with the Chinese headers above."""
    rng = np.random.default_rng(seed)
    order_id = 100_000_000_000_000_000 + rng.choice(10**17, rows, replace=False)
    customers = rng.integers(0, rows // 3, rows)
    start = np.datetime64("2025-11-01T00:00:00")
    created = start + rng.integers(0, 365 * 86400, rows).astype("timedelta64[s]")
    status = STATUSES[rng.integers(0, len(STATUSES), rows)]
    paid = created + rng.integers(5, 3600, rows).astype("timedelta64[s]")
    paid_text = pd.Series(pd.to_datetime(paid).strftime("%Y-%m-%d %H:%M:%S"))
    paid_text[status == "等待买家付款"] = ""
    product = rng.integers(0, len(PRODUCTS), rows)
    return pd.DataFrame(
        {
            "订单编号": order_id.astype(str),
            "买家会员名": pd.Series(customers).map(lambda c: f"tb{c:08d}"),
            "订单创建时间": pd.to_datetime(created).strftime("%Y-%m-%d %H:%M:%S"),
            "订单付款时间": paid_text,
            "订单状态": status,
            "买家实际支付金额": (rng.gamma(2.0, 60.0, rows).round(2)),
            "购买数量": rng.integers(1, 4, rows),
            "商品ID": (600_000_000_000 + product).astype(str),
            "宝贝标题": PRODUCTS[product],
            "流量来源": CHANNELS[rng.integers(0, len(CHANNELS), rows)],
        },
        columns=HEADER,
    )


def csv_path(rows: int, encoding: str) -> Path:
    path = DATA / f"orders_{rows}_{encoding}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        frame = orders_frame(rows)
        tmp = path.with_suffix(".tmp")
        frame.to_csv(tmp, index=False, encoding=encoding)
        tmp.rename(path)
    return path


def xlsx_path(rows: int) -> Path:
    """Written once with openpyxl write_only (slow: minutes for 500k rows) and cached."""
    path = DATA / f"orders_{rows}.xlsx"
    if not path.exists():
        from openpyxl import Workbook

        DATA.mkdir(parents=True, exist_ok=True)
        frame = orders_frame(rows)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("订单")
        ws.append(HEADER)
        for row in frame.itertuples(index=False):
            ws.append(list(row))
        tmp = path.with_suffix(".tmp.xlsx")
        wb.save(tmp)
        tmp.rename(path)
    return path


# -- child measurements (one per fresh process) ---------------------------------------------


def _import(path: Path, ws_dir: Path) -> None:
    """What `shoplens import <path>` does."""
    from analytics.importer import import_path
    from analytics.workspace import Workspace

    import_path(Workspace(ws_dir), path)


def _typed_into_file(path: Path, db: str, order_rules: bool = False) -> None:
    """The floor of an exact import: DuckDB alone reads the file with the fast path's own typing
    and checks (bulk_orders' query) straight into a file database, in one pass, then reads the
    checks back. No order rules, hash, archive or bookkeeping: what one pass costs at best.

    With `order_rules`, the one-pass redesign: a cell outside its grammar stops the statement
    (`error()`), and status, is_paid and the negative-order rule are SQL, so the pass writes the
    orders as the workspace stores them. Its status mapping is given, made from the statuses
    the generator writes (a real import would need a pass to find them): a lower bound still.
    """
    import duckdb

    from analytics.ingest import bulk_orders
    from analytics.ingest.model import ImportOptions
    from analytics.ingest.normalise import _canonical_status
    from analytics.ingest.recognise import recognition_for
    from analytics.workspace import DUCKDB_CONFIG

    header = path.open(encoding="utf-8").readline().rstrip("\n").split(",")
    mapping = recognition_for(header, ImportOptions(), {})[2].mapping
    fields = {field: header.index(source) for source, field in mapping.items()}
    sql = bulk_orders._select(fields)
    params = bulk_orders._parameters(sql, str(path), ",", len(header))
    if order_rules:
        status = " ".join(
            f"when '{s}' then '{_canonical_status(s)}'" for s in sorted(set(STATUSES))
        )
        status = f"case status {status} end"
        negative = "(coalesce(pay_amount < 0, false) or coalesce(quantity < 0, false))"
        sql = (
            f"select * replace (case when {negative} then 'cancelled' else {status} end as status,"
            f" case when {negative} then 0 else pay_amount end as pay_amount),"
            f" (paid_at is not null or coalesce({status} = 'paid', false)) and not {negative}"
            f" and coalesce({status} not in ('cancelled', 'refunded'), true) as is_paid"
            f" from ({sql}) where case when _ok then true else error('declined') end"
        )
    config = {
        k: DUCKDB_CONFIG[k] for k in ("preserve_insertion_order", "write_buffer_row_group_count")
    }
    con = duckdb.connect(db, config=config)
    con.execute(f"create table t as {sql}", params)
    con.execute("select bool_and(_ok), count(*), count(distinct order_id) from t").fetchall()
    con.close()


def child(what: str, path: str, extra: str) -> dict:
    """Run one measurement in this process; return seconds (of the measured part) and RSS."""
    import duckdb  # imported before the clock, like the app has it imported

    import analytics.importer
    import analytics.ingest.prepare  # noqa: F401

    p = Path(path)
    t0 = time.perf_counter()
    if what == "import":
        _import(p, Path(extra))
    elif what == "duckdb_mem":
        con = duckdb.connect()
        con.execute(f"create table t as select * from read_csv('{p}')")
    elif what == "duckdb_file":
        con = duckdb.connect(extra)
        con.execute(f"create table t as select * from read_csv('{p}')")
        con.close()
    elif what == "duckdb_typed_file":
        _typed_into_file(p, extra)
    elif what == "duckdb_one_pass":
        _typed_into_file(p, extra, order_rules=True)
    elif what == "prepare":
        from analytics.ingest.prepare import prepare_import

        prepare_import(p.name, p.read_bytes())
    elif what == "calamine":
        pd.read_excel(p, engine="calamine")
    elif what == "openpyxl":
        pd.read_excel(p, engine="openpyxl")
    else:
        raise SystemExit(f"unknown child {what}")
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rss_mb": peak_rss_mb()}


def spawn(what: str, path: Path, extra: str = "") -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, str(path), extra],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def runs(what: str, path: Path, repeats: int, fresh_ws: bool = False) -> dict:
    """`repeats` fresh processes; median seconds and max peak RSS."""
    times, rss = [], []
    for _ in range(repeats):
        tmp = Path(tempfile.mkdtemp(prefix="shoplens-bench-", dir=DATA))
        try:
            extra = str(tmp / "ws") if fresh_ws else str(tmp / "t.duckdb")
            r = spawn(what, path, extra)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        times.append(r["seconds"])
        rss.append(r["rss_mb"])
        print(f"  {what} {path.name}: {r['seconds']:.2f} s, {r['rss_mb']:.0f} MB", flush=True)
    return {"median": statistics.median(times), "runs": times, "rss_mb": max(rss)}


# -- metrics (warm, one process) ------------------------------------------------------------


def metrics_case(rows: int) -> list[dict]:
    """Build the case-1 workspace (cached), then time each metric warm vs plain pandas."""
    from analytics.metrics import kpis, repeat
    from analytics.metrics.period import Period, Scope
    from analytics.workspace import Workspace

    path = csv_path(rows, "utf-8")
    ws_dir = DATA / f"ws_orders_{rows}"
    if not (ws_dir / "shoplens.duckdb").exists() and not any(ws_dir.glob("*.duckdb")):
        shutil.rmtree(ws_dir, ignore_errors=True)
        _import(path, ws_dir)
    ws = Workspace(ws_dir)
    period = Period(date(2026, 8, 1), date(2026, 10, 31))
    scope = Scope()
    with ws.connect() as con:
        frame = con.execute("select * from orders").df()
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end) + pd.Timedelta(days=1)
    key = ["shop", "customer_id"]

    # The pandas baselines compute the same figures as ours, by each metric's definition
    # (docs/metrics.md), from the orders table as loaded: every derived column is built inside
    # the timed call, as the SQL builds it. Like the SQL, they count an order once per row
    # because (shop, order_id) is the table's key. `same()` checks each against ours.

    def moment(f: pd.DataFrame) -> pd.Series:
        return f["paid_at"].fillna(f["created_at"])

    def with_customer(f: pd.DataFrame) -> pd.Series:
        return f["customer_id"].notna() & (f["customer_id"] != "")

    def ratio(a: float, b: float) -> float | None:
        return None if not b else a / b

    def pd_order_summary() -> object:
        m = moment(frame)
        placed = ((frame["created_at"] >= start) & (frame["created_at"] < end)).sum()
        inside = frame[(m >= start) & (m < end)]
        refunded = (inside["status"] == "refunded") | (inside["refund_amount"] > 0)
        paid = inside[inside["is_paid"]]
        customers = len(paid[with_customer(paid)].drop_duplicates(key))
        gmv = paid["pay_amount"].sum() if paid["pay_amount"].notna().any() else None
        ever_paid = (inside["is_paid"] | refunded).sum()
        return repeat.OrderSummary(
            orders=int(placed),
            paid_orders=len(paid),
            customers=customers,
            gmv=gmv,
            aov=None if gmv is None else ratio(gmv, len(paid)),
            refund_rate=ratio(refunded.sum(), ever_paid),
        )

    def pd_repeat_summary() -> object:
        m = moment(frame)
        hist = frame.loc[frame["is_paid"] & with_customer(frame) & (m < end), key].assign(
            amount=frame["pay_amount"], moment=m
        )
        inside = hist[hist["moment"] >= start]
        g = inside.groupby(key).agg(orders=("moment", "size"), amount=("amount", "sum"))
        ordered = hist.sort_values("moment", kind="stable")
        nth = ordered.groupby(key).cumcount()
        first = ordered[nth == 0].set_index(key)["moment"]
        second = ordered[nth == 1].set_index(key)["moment"]
        days = second.dt.normalize() - first.reindex(second.index).dt.normalize()
        before = (first.reindex(g.index) < start).to_numpy()
        total = g["amount"].sum()
        return repeat.RepeatSummary(
            customers=len(g),
            repeat_customers=int((g["orders"] >= 2).sum()),
            repeat_rate=ratio((g["orders"] >= 2).sum(), len(g)),
            returning_customers=int(before.sum()),
            returning_customer_rate=ratio(before.sum(), len(g)),
            returning_revenue_share=ratio(g["amount"][before].sum(), total),
            median_days_to_second=float(days.dt.days.median()) if len(days) else None,
        )

    def pd_cohort() -> object:
        m = moment(frame)
        keep = frame["is_paid"] & with_customer(frame) & (m < end)
        paid = frame.loc[keep, key].assign(month=m[keep].dt.year * 12 + m[keep].dt.month - 1)
        paid["cohort"] = paid.groupby(key)["month"].transform("min")
        shown = paid[paid["cohort"] >= period.start.year * 12 + period.start.month - 1]
        active = shown.drop_duplicates([*key, "month"]).groupby(["cohort", "month"]).size()
        sizes = shown.drop_duplicates(key).groupby("cohort").size()
        last = period.end.year * 12 + period.end.month - 1
        rows = []
        for cohort, size in sizes.items():
            for since in range(last - cohort + 1):
                n = int(active.get((cohort, cohort + since), 0))
                rows.append((date(cohort // 12, cohort % 12 + 1, 1), since, size, n, n / size))
        return pd.DataFrame(
            rows, columns=["cohort_month", "months_since", "cohort_size", "customers", "retention"]
        )

    def pd_rfm() -> object:
        m = moment(frame)
        keep = frame["is_paid"] & with_customer(frame) & (m >= start) & (m < end)
        p = frame.loc[keep, key].assign(moment=m[keep], amount=frame["pay_amount"])
        g = p.groupby(key).agg(
            last=("moment", "max"), frequency=("moment", "size"), monetary=("amount", "sum")
        )
        g = g.reset_index()
        last_day = g["last"].dt.normalize()
        g.insert(2, "last_order", last_day.dt.date)
        g.insert(3, "recency_days", (pd.Timestamp(period.end) - last_day).dt.days)
        g = g.drop(columns="last")
        g["monetary"] = g["monetary"].fillna(0.0).round(2)  # cents, as the DECIMAL sum is
        n = len(g)
        for col, value in (("r", -g["recency_days"]), ("f", g["frequency"]), ("m", g["monetary"])):
            g[col + "_score"] = (1 + 5 * (value.rank(method="min") - 1) // n).astype("int32")
        high_r, high_f = g["r_score"] >= 3, g["f_score"] >= 3
        kind = np.select(
            [high_r & high_f, high_r, high_f], ["value", "develop", "retain"], "winback"
        )
        g["segment"] = np.where(g["m_score"] >= 3, "important_", "general_") + kind
        return g.sort_values(
            ["monetary", "customer_id", "shop"], ascending=[False, True, True], ignore_index=True
        )

    def pd_kpis() -> object:
        # The workspace has no traffic rows, so both sides answer from orders (kpis.sql's o_*).
        m = moment(frame)
        placed = ((frame["created_at"] >= start) & (frame["created_at"] < end)).sum()
        p = frame[frame["is_paid"] & (m >= start) & (m < end)]
        has = with_customer(p)
        buyers = p.loc[has, "customer_id"].nunique() + p.loc[~has, "order_id"].nunique()
        gmv = p["pay_amount"].sum() if p["pay_amount"].notna().any() else None
        return kpis.Kpis(
            gmv=gmv,
            visitors=None,
            paying_buyers=buyers,
            pay_conversion=None,
            aov=None if gmv is None else ratio(gmv, buyers),
            uv_value=None,
            orders=int(placed),
            source="orders",
        )

    def same(ours: object, theirs: object) -> bool:
        """Equal figures (amounts summed as float64 in pandas, as DECIMAL in DuckDB: 1e-9)."""
        if isinstance(ours, pd.DataFrame):
            try:
                pd.testing.assert_frame_equal(
                    ours.reset_index(drop=True), theirs, check_dtype=False, rtol=1e-9
                )
            except AssertionError as exc:
                print(f"    differs: {str(exc)[:300]}")
                return False
            return True
        a, b = vars(ours), vars(theirs)
        for name in a:
            x, y = a[name], b[name]
            if isinstance(x, float) and isinstance(y, float):
                if abs(x - y) > 1e-9 * max(abs(x), abs(y), 1):
                    print(f"    differs: {name} {x!r} vs {y!r}")
                    return False
            elif x != y:
                print(f"    differs: {name} {x!r} vs {y!r}")
                return False
        return True

    cases = [
        ("repeat_summary", lambda c: repeat.repeat_summary(c, period, scope), pd_repeat_summary),
        ("cohort_table", lambda c: repeat.cohort_table(c, period, scope), pd_cohort),
        ("rfm_table", lambda c: repeat.rfm_table(c, period, scope), pd_rfm),
        ("order_summary", lambda c: repeat.order_summary(c, period, scope), pd_order_summary),
        ("kpis", lambda c: kpis.kpis(c, period, scope), pd_kpis),
    ]
    results = []
    with ws.connect() as con:
        for name, ours, plain in cases:
            matches = same(ours(con), plain())
            t_ours, t_plain = [], []
            for _ in range(5):
                t0 = time.perf_counter()
                ours(con)
                t_ours.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                plain()
                t_plain.append(time.perf_counter() - t0)
            results.append(
                {
                    "case": f"metric {name} (warm)",
                    "median": statistics.median(t_ours),
                    "base": statistics.median(t_plain),
                    "baseline": "pandas in memory",
                    "same_result": matches,
                }
            )
            print(
                f"  {name}: {results[-1]['median'] * 1000:.0f} ms vs "
                f"{results[-1]['base'] * 1000:.0f} ms (same figures: {matches})",
                flush=True,
            )
    return results


# -- main -----------------------------------------------------------------------------------


def row(case: str, ours: dict, base: dict, baseline: str, rss_base: dict | None = None) -> dict:
    return {
        "case": case,
        "median": ours["median"],
        "base": base["median"],
        "baseline": baseline,
        "rss": ours.get("rss_mb"),
        "rss_base": (rss_base or base).get("rss_mb"),
    }


def print_table(table: list[dict]) -> None:
    print()
    print(
        f"| {'case':38} | {'median s':>9} | {'baseline':24} | {'base s':>8} | {'ratio':>6} "
        f"| {'peak RSS MB (ours/base)':>23} |"
    )
    print(f"|{'-' * 40}|{'-' * 11}|{'-' * 26}|{'-' * 10}|{'-' * 8}|{'-' * 25}|")
    for r in table:
        rss = ""
        if r.get("rss"):
            rss = f"{r['rss']:.0f} / {r['rss_base']:.0f} ({r['rss'] / r['rss_base']:.2f}×)"
        print(
            f"| {r['case']:38} | {r['median']:9.3f} | {r['baseline']:24} | {r['base']:8.3f} "
            f"| {r['median'] / r['base']:5.2f}× | {rss:>23} |"
        )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(*sys.argv[2:5])))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", nargs="+", default=["csv", "gbk", "xlsx", "metrics"])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=500_000)
    ap.add_argument(
        "--openpyxl-rows",
        type=int,
        default=100_000,
        help="openpyxl read runs once on an XLSX of this many rows",
    )
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    table: list[dict] = []
    utf8 = None
    if "csv" in args.cases or "gbk" in args.cases:
        path = csv_path(args.rows, "utf-8")
        print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB", flush=True)
        utf8 = runs("import", path, args.repeats, fresh_ws=True)
    if "csv" in args.cases:
        mem = runs("duckdb_mem", path, args.repeats)
        dfile = runs("duckdb_file", path, args.repeats)
        table.append(
            row(
                f"shoplens import CSV {args.rows:,} UTF-8",
                utf8,
                mem,
                "duckdb read_csv (memory)",
                dfile,
            )
        )
        table[-1]["note"] = "RSS vs duckdb file-DB ingest"
        floor = runs("duckdb_typed_file", path, args.repeats)
        table.append(
            row("floor: same checks, 1 DuckDB pass→file", floor, mem, "duckdb read_csv (memory)")
        )
        one_pass = runs("duckdb_one_pass", path, args.repeats)
        table.append(
            row("… + order rules in SQL (redesign)", one_pass, mem, "duckdb read_csv (memory)")
        )
    if "gbk" in args.cases:
        gpath = csv_path(args.rows, "gbk")
        gbk = runs("import", gpath, args.repeats, fresh_ws=True)
        table.append(
            row(f"shoplens import CSV {args.rows:,} GBK", gbk, utf8, "shoplens import UTF-8")
        )
    if "xlsx" in args.cases:
        xpath = xlsx_path(args.xlsx_rows)
        print(f"{xpath.name}: {xpath.stat().st_size / 1e6:.0f} MB", flush=True)
        ours = runs("prepare", xpath, args.repeats)
        cal = runs("calamine", xpath, args.repeats)
        table.append(row(f"prepare_import XLSX {args.xlsx_rows:,}", ours, cal, "pandas calamine"))
        opath = xlsx_path(args.openpyxl_rows)
        small = runs("prepare", opath, 1)
        opx = runs("openpyxl", opath, 1)
        table.append(
            row(
                f"prepare_import XLSX {args.openpyxl_rows:,}", small, opx, "pandas openpyxl (1 run)"
            )
        )
    if "metrics" in args.cases:
        table.extend(metrics_case(args.rows))
    print_table(table)
    with open(DATA / "last_run.json", "w") as fh:
        json.dump(
            {
                "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "cpus": os.cpu_count(),
                "table": table,
            },
            fh,
            indent=1,
        )


if __name__ == "__main__":
    main()
