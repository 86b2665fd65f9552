"""Repeat purchase and ratings on real data, cross-checked against plain pandas written apart.

Sources (see ../shared/realdata/*/SOURCE.md):

- UCI Online Retail (Chen 2015, doi:10.24432/C5BW33): 541,909 invoice lines of a UK gift
  retailer, 2010-12-01 … 2011-12-09. Turned into canonical orders here: one row per invoice,
  is_paid = not a cancellation ("C" invoice), customer_id as text without ".0", pay_amount =
  Σ quantity × unit price. With cancellations and missing customer ids excluded, 4,339
  customers paid at least once and 2,845 of them at least twice: repeat rate 65.57 %.
- Olist (Brazilian e-commerce, a 4,000-order sample): 3,986 reviews with a 1–5 review_score.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics.metrics.period import Period
from analytics.metrics.ratings import rating_distribution, rating_summary
from analytics.metrics.repeat import cohort_table, order_summary, repeat_summary, rfm_table
from tests.metric_tables import create_tables

UCI_PERIOD = Period(date(2010, 12, 1), date(2011, 12, 9))


def load_frame(con: duckdb.DuckDBPyConnection, kind: str, frame: pd.DataFrame) -> None:
    """Insert a canonical-column frame into `kind` (DuckDB casts; other columns stay NULL)."""
    con.register("_frame", frame)
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    con.execute(f'insert into "{kind}" ({columns}) select {columns} from _frame')
    con.unregister("_frame")


@pytest.fixture(scope="module")
def uci_lines(realdata: Path) -> pd.DataFrame:
    lines = pd.read_parquet(realdata / "uci_online_retail" / "online_retail.parquet")
    lines["InvoiceDate"] = pd.to_datetime(lines["InvoiceDate"])
    return lines


@pytest.fixture(scope="module")
def uci(uci_lines: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """A workspace whose orders table holds one canonical row per UCI invoice."""
    lines = uci_lines.assign(amount=uci_lines["Quantity"] * uci_lines["UnitPrice"])
    invoices = lines.groupby("InvoiceNo", sort=False).agg(
        created_at=("InvoiceDate", "min"),
        customer=("CustomerID", "first"),
        pay_amount=("amount", "sum"),
    )
    orders = pd.DataFrame(
        {
            "shop": "uci",
            "import_id": 1,
            "order_id": invoices.index.astype(str),
            "created_at": invoices["created_at"].to_numpy(),
            "customer_id": [None if pd.isna(c) else str(int(c)) for c in invoices["customer"]],
            "is_paid": ~invoices.index.astype(str).str.startswith("C"),
            "pay_amount": invoices["pay_amount"].round(2).to_numpy(),
        }
    )
    con = duckdb.connect(":memory:", config={"python_enable_replacements": False})
    create_tables(con)
    load_frame(con, "orders", orders)
    return con


def paid_customer_invoices(lines: pd.DataFrame) -> pd.DataFrame:
    """Independent pandas: one row per paid invoice with a customer (InvoiceNo, customer, day)."""
    kept = lines[lines["CustomerID"].notna() & ~lines["InvoiceNo"].astype(str).str.startswith("C")]
    return kept.groupby("InvoiceNo").agg(
        customer=("CustomerID", "first"), at=("InvoiceDate", "min")
    )


def test_repeat_rate_matches_pandas_on_uci_online_retail(uci, uci_lines) -> None:
    invoices = paid_customer_invoices(uci_lines)
    per_customer = invoices.groupby("customer").size()
    assert (len(per_customer), int((per_customer >= 2).sum())) == (4339, 2845)

    summary = repeat_summary(uci, UCI_PERIOD)
    assert summary.customers == 4339
    assert summary.repeat_customers == 2845
    assert summary.repeat_rate == pytest.approx(2845 / 4339)
    assert round(summary.repeat_rate * 100, 2) == 65.57
    # the whole history is inside the period: nobody paid before it
    assert summary.returning_customers == 0

    ordered = invoices.sort_values(["customer", "at", "InvoiceNo"])
    ordered["nth"] = ordered.groupby("customer").cumcount()
    first = ordered[ordered["nth"] == 0].set_index("customer")["at"].dt.normalize()
    second = ordered[ordered["nth"] == 1].set_index("customer")["at"].dt.normalize()
    gaps = (second - first.loc[second.index]).dt.days
    assert summary.median_days_to_second == pytest.approx(gaps.median())


def test_returning_customers_match_pandas_on_uci_online_retail(uci, uci_lines) -> None:
    invoices = paid_customer_invoices(uci_lines)
    period = Period(date(2011, 9, 1), date(2011, 11, 30))
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end) + pd.Timedelta(days=1)
    inside = set(invoices.loc[(invoices["at"] >= start) & (invoices["at"] < end), "customer"])
    before = set(invoices.loc[invoices["at"] < start, "customer"])
    summary = repeat_summary(uci, period)
    assert summary.customers == len(inside)
    assert summary.returning_customers == len(inside & before)


def test_cohort_table_matches_pandas_on_uci_online_retail(uci, uci_lines) -> None:
    invoices = paid_customer_invoices(uci_lines)
    invoices["month"] = invoices["at"].dt.to_period("M")
    invoices["cohort"] = invoices.groupby("customer")["month"].transform("min")
    invoices["since"] = (invoices["month"] - invoices["cohort"]).apply(lambda d: d.n)
    active = invoices.groupby(["cohort", "since"])["customer"].nunique()
    size = invoices.groupby("cohort")["customer"].nunique()
    expected = {
        (cohort.start_time.date(), int(since)): (int(n), n / size[cohort])
        for (cohort, since), n in active.items()
    }

    table = cohort_table(uci, UCI_PERIOD)
    got = {
        (r.cohort_month, int(r.months_since)): (int(r.customers), r.retention)
        for r in table.itertuples()
        if r.customers > 0
    }
    assert got.keys() == expected.keys()
    for key, (customers, retention) in expected.items():
        assert got[key][0] == customers, key
        assert got[key][1] == pytest.approx(retention), key
    assert len(size) == 13  # Dec 2010 … Dec 2011
    assert len(table) == sum(range(1, 14))  # dense triangle: 13 + 12 + … + 1 rows
    assert int(table.loc[table["months_since"] == 0, "customers"].sum()) == 4339


def test_rfm_and_order_summary_match_pandas_on_uci_online_retail(uci, uci_lines) -> None:
    lines = uci_lines[~uci_lines["InvoiceNo"].astype(str).str.startswith("C")]
    amount = (lines["Quantity"] * lines["UnitPrice"]).groupby(lines["InvoiceNo"]).sum().round(2)
    summary = order_summary(uci, UCI_PERIOD)
    assert summary.paid_orders == lines["InvoiceNo"].nunique()
    assert summary.gmv == pytest.approx(amount.sum(), abs=0.01)
    assert summary.customers == 4339

    with_customer = lines[lines["CustomerID"].notna()]
    frequency = with_customer.groupby("CustomerID")["InvoiceNo"].nunique()
    rfm = rfm_table(uci, UCI_PERIOD).set_index("customer_id")
    assert len(rfm) == 4339
    got = rfm["frequency"]
    want = frequency.rename(index=lambda c: str(int(c)))
    assert got.sort_index().equals(want.sort_index().astype(got.dtype))
    assert set(rfm["r_score"]) == set(rfm["m_score"]) == {1, 2, 3, 4, 5}


@pytest.fixture(scope="module")
def olist_reviews(realdata: Path) -> pd.DataFrame:
    return pd.read_csv(realdata / "olist_sample4000" / "olist_order_reviews_dataset.csv")


def test_ratings_match_pandas_on_olist(olist_reviews: pd.DataFrame) -> None:
    con = duckdb.connect(":memory:", config={"python_enable_replacements": False})
    create_tables(con)
    load_frame(
        con,
        "reviews",
        pd.DataFrame(
            {
                "shop": "olist",
                "review_id": olist_reviews["review_id"],
                "order_id": olist_reviews["order_id"],
                "created_at": pd.to_datetime(olist_reviews["review_creation_date"]),
                "rating": olist_reviews["review_score"].astype(float),
            }
        ),
    )
    period = Period(date(2016, 10, 1), date(2018, 8, 31))
    summary = rating_summary(con, period)
    scores = olist_reviews["review_score"]
    assert summary.reviews == len(olist_reviews) == 3986
    assert summary.average == pytest.approx(scores.mean())
    assert summary.distribution == {s: int((scores == s).sum()) for s in range(1, 6)}
    assert summary.negative_share == pytest.approx((scores <= 2).mean())

    # one month, independently filtered
    month = Period(date(2018, 3, 1), date(2018, 3, 31))
    created = pd.to_datetime(olist_reviews["review_creation_date"])
    march = scores[(created >= "2018-03-01") & (created < "2018-04-01")]
    dist = rating_distribution(con, month)
    assert list(dist["reviews"]) == [int((march == s).sum()) for s in range(1, 6)]
    assert rating_summary(con, month).average == pytest.approx(march.mean())
