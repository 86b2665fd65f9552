"""Real exports through prepare_import, cross-checked against plain pandas.

The expected figures are computed here with pandas straight from the source files, written
independently of analytics/ingest: if both agree, the reader, recogniser and normaliser read
the real data as a person with pandas would.

Sources (see each folder's SOURCE.md): the Olist 4,000-order sample, UCI Online Retail
(2010-12 … 2011-12) and UCI Online Retail II (2009-12 … 2010-12).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest.prepare import prepare_import

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
OLIST = REALDATA / "olist_sample4000"
UCI = REALDATA / "uci_online_retail" / "online_retail.parquet"
UCI_II = REALDATA / "uci_online_retail_ii_2009_2010" / "online_retail_ii_2009_2010.parquet"

pytestmark = pytest.mark.skipif(not REALDATA.exists(), reason="real datasets not available")


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_olist_orders_match_pandas() -> None:
    path = OLIST / "olist_orders_dataset.csv"
    prepared = prepare_import(path.name, path.read_bytes())
    expected = _csv(path)
    frame = prepared.frame

    assert (prepared.kind, prepared.platform) == ("orders", "olist")
    assert len(frame) == len(expected) == 4000
    assert set(frame["order_id"]) == set(expected["order_id"])
    # Olist: an order is paid when approved (or shipped/delivered) and not canceled/unavailable.
    approved = expected["order_approved_at"] != ""
    shipped = expected["order_status"].isin(["delivered", "shipped", "invoiced", "processing"])
    closed = expected["order_status"].isin(["canceled", "unavailable"])
    assert int(frame["is_paid"].sum()) == int(((approved | shipped) & ~closed).sum())
    assert int((frame["status"] == "cancelled").sum()) == int(closed.sum())
    created = pd.to_datetime(expected["order_purchase_timestamp"])
    assert prepared.date_range == (created.min().date(), created.max().date())


def test_olist_reviews_count_and_mean_score_match_pandas() -> None:
    path = OLIST / "olist_order_reviews_dataset.csv"
    prepared = prepare_import(path.name, path.read_bytes())
    expected = _csv(path)

    assert prepared.kind == "reviews"
    assert len(prepared.frame) == expected["review_id"].nunique()
    assert prepared.frame["rating"].mean() == pytest.approx(
        expected["review_score"].astype(int).mean(), rel=1e-12
    )
    assert set(prepared.frame["review_id"]) == set(expected["review_id"])


def test_uci_online_retail_csv_matches_pandas(tmp_path: Path) -> None:
    source = pd.read_parquet(UCI)
    csv = tmp_path / "online_retail.csv"
    source.to_csv(csv, index=False)
    prepared = prepare_import(csv.name, csv.read_bytes())
    frame = prepared.frame.set_index("order_id")

    lines = source.assign(amount=source["Quantity"] * source["UnitPrice"])
    cancelled = lines["InvoiceNo"].str.startswith("C")
    per_invoice = lines[~cancelled].groupby("InvoiceNo")["amount"].sum()
    with_customer = lines[~cancelled & lines["CustomerID"].notna()]

    assert (prepared.kind, prepared.platform) == ("orders", "uci")
    assert prepared.rows_read == len(source)
    assert len(frame) == source["InvoiceNo"].nunique()
    assert int(frame["is_paid"].sum()) == int((per_invoice > 0).sum())
    assert (frame.loc[frame.index.str.startswith("C"), "status"] == "cancelled").all()
    not_cancelled = frame[frame["status"].ne("cancelled").fillna(True)]
    assert not_cancelled["customer_id"].nunique() == with_customer["CustomerID"].nunique() == 4339

    # every paid invoice's amount is Σ quantity × unit price, to the cent
    paid = frame[frame["is_paid"]]
    assert (paid["pay_amount"] - per_invoice.loc[paid.index]).abs().max() <= 0.005 + 1e-9
    revenue = with_customer.groupby("InvoiceNo")["amount"].sum()
    ours = paid.loc[paid["customer_id"].notna(), "pay_amount"]
    assert ours.sum() == pytest.approx(revenue[revenue > 0].sum(), abs=0.005 * len(ours))
    assert revenue.sum() == pytest.approx(revenue[revenue > 0].sum())  # nothing hidden below 0


@pytest.mark.slow
def test_uci_online_retail_ii_xlsx_slice_matches_pandas(tmp_path: Path) -> None:
    source = pd.read_parquet(UCI_II).head(50_000)
    xlsx = tmp_path / "online_retail_ii.xlsx"
    source.to_excel(xlsx, index=False, sheet_name="Year 2009-2010")
    prepared = prepare_import(xlsx.name, xlsx.read_bytes())
    frame = prepared.frame.set_index("order_id")

    lines = source.assign(amount=source["Quantity"] * source["Price"])
    cancelled = lines["Invoice"].str.startswith("C")
    per_invoice = lines[~cancelled].groupby("Invoice")["amount"].sum()
    customers = lines.loc[~cancelled, "Customer ID"].dropna().astype(int).astype(str)

    assert (prepared.kind, prepared.platform, prepared.sheet) == ("orders", "uci", "Year 2009-2010")
    assert len(frame) == source["Invoice"].nunique()
    assert int(frame["is_paid"].sum()) == int((per_invoice > 0).sum())
    not_cancelled = frame[frame["status"].ne("cancelled").fillna(True)]
    assert set(not_cancelled["customer_id"].dropna()) == set(customers)
    paid = frame[frame["is_paid"]]
    assert (paid["pay_amount"] - per_invoice.loc[paid.index]).abs().max() <= 0.005 + 1e-9
