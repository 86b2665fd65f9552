"""kpis.sql and coverage.sql: given rows → expected rows, checked by hand."""

from __future__ import annotations

from datetime import date

import pytest
from metric_tables import make_connection

from analytics import queries

WEEK = {"start": date(2024, 1, 1), "end": date(2024, 1, 7), "shop": None, "platform": None}


def test_kpis_from_traffic() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "date": "2024-01-01",
                    "channel": "a",
                    "visitors": 600,
                    "paying_buyers": 20,
                    "pay_amount": 3000,
                    "orders": 25,
                },
                {
                    "date": "2024-01-02",
                    "channel": "b",
                    "visitors": 400,
                    "paying_buyers": 10,
                    "pay_amount": 1500,
                    "orders": 11,
                },
            ]
        }
    )
    row = queries.run(con, "kpis", **WEEK).iloc[0]
    assert (row["traffic_rows"], row["visitors"], row["paying_buyers"], row["orders"]) == (
        2,
        1000,
        30,
        36,
    )
    assert row["gmv"] == 4500
    assert row["pay_conversion"] == pytest.approx(0.03)
    assert row["aov"] == pytest.approx(150)
    assert row["uv_value"] == pytest.approx(4.5)


def test_kpis_zero_denominators_are_null_not_zero() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "date": "2024-01-01",
                    "channel": "a",
                    "visitors": 0,
                    "paying_buyers": 0,
                    "pay_amount": 0,
                },
            ]
        }
    )
    row = queries.run(con, "kpis", **WEEK).iloc[0]
    assert row["visitors"] == 0
    assert row[["pay_conversion", "aov", "uv_value"]].isna().all()


def test_kpis_conversion_only_over_rows_reporting_buyers() -> None:
    con = make_connection(
        {
            "traffic": [
                {"date": "2024-01-01", "channel": "a", "visitors": 100, "paying_buyers": 5},
                {"date": "2024-01-01", "channel": "b", "visitors": 300},  # no buyer column
            ]
        }
    )
    row = queries.run(con, "kpis", **WEEK).iloc[0]
    assert row["pay_conversion"] == pytest.approx(0.05)
    assert row["visitors"] == 400


def test_kpis_from_orders_count_buyers_without_ids_as_their_own() -> None:
    con = make_connection(
        {
            "orders": [
                {
                    "order_id": "1",
                    "created_at": "2024-01-01 09:00",
                    "paid_at": "2024-01-01 09:05",
                    "is_paid": True,
                    "pay_amount": 10,
                    "customer_id": "a",
                },
                {
                    "order_id": "2",
                    "created_at": "2024-01-02 09:00",
                    "is_paid": True,
                    "pay_amount": 20,
                    "customer_id": "a",
                },
                {
                    "order_id": "3",
                    "created_at": "2024-01-03 09:00",
                    "is_paid": True,
                    "pay_amount": 30,
                },
                {"order_id": "4", "created_at": "2024-01-04 09:00", "is_paid": False},
                # created in the period, paid after it: not in this period's GMV
                {
                    "order_id": "5",
                    "created_at": "2024-01-07 23:00",
                    "paid_at": "2024-01-08 00:10",
                    "is_paid": True,
                    "pay_amount": 99,
                    "customer_id": "b",
                },
            ]
        }
    )
    row = queries.run(con, "kpis", **WEEK).iloc[0]
    assert (row["traffic_rows"], row["o_orders"], row["o_paid_orders"]) == (0, 5, 3)
    assert row["o_paying_buyers"] == 2  # customer a, and order 3 as its own buyer
    assert row["o_gmv"] == 60
    assert row["o_aov"] == pytest.approx(30)


def test_coverage_per_kind() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "shop": "A",
                    "platform": "taobao",
                    "date": "2024-01-01",
                    "channel": "c",
                    "visitors": 1,
                    "visitor_unit": "visitors",
                },
                {
                    "shop": "A",
                    "platform": "taobao",
                    "date": "2024-01-05",
                    "channel": "c",
                    "visitors": 1,
                    "visitor_unit": "visitors",
                },
            ],
            "orders": [
                {
                    "shop": "B",
                    "platform": "shopify",
                    "order_id": "1",
                    "created_at": "2024-02-01 10:00",
                    "currency": "USD",
                },
            ],
        }
    )
    got = queries.run_rows(con, "coverage", shop=None, platform=None)
    assert got == [
        ("orders", 1, date(2024, 2, 1), date(2024, 2, 1), ["B"], ["shopify"], ["USD"], []),
        ("traffic", 2, date(2024, 1, 1), date(2024, 1, 5), ["A"], ["taobao"], [], ["visitors"]),
    ]
    assert [r[0] for r in queries.run_rows(con, "coverage", shop="B", platform=None)] == ["orders"]
    assert queries.run_rows(make_connection(), "coverage", shop=None, platform=None) == []
