"""Conversion trend and product conversion: given rows → expected rows, checked by hand."""

from __future__ import annotations

import math
from datetime import date

import pytest

from analytics.metrics.conversion import Targets, conversion_trend, product_conversion
from analytics.metrics.period import Period, Scope
from tests.metric_tables import make_connection

WEEK = Period(date(2024, 1, 1), date(2024, 1, 7))  # Monday–Sunday


def traffic(day: str, channel: str, visitors: int, **fields) -> dict:
    return {"date": day, "channel": channel, "visitors": visitors, **fields}


def test_daily_rates_follow_design_formulas() -> None:
    con = make_connection(
        {
            "traffic": [
                # Jan 1: 150 visitors, 20 inquiries, 10 order buyers, 6 paying buyers
                traffic("2024-01-01", "搜索", 100, inquiries=20, order_buyers=8, paying_buyers=5),
                traffic("2024-01-01", "直播", 50, inquiries=0, order_buyers=2, paying_buyers=1),
                # Jan 2: visitors but nobody ordered
                traffic("2024-01-02", "搜索", 40, inquiries=0, order_buyers=0, paying_buyers=0),
            ]
        }
    )
    trend = conversion_trend(con, WEEK, grain="day")
    assert list(trend.columns) == [
        "bucket",
        "visitors",
        "pay_conversion",
        "order_conversion",
        "inquiry_conversion",
        "payment_rate",
        "immature",
        "visitor_unit",
    ]
    jan1, jan2 = trend.to_dict("records")
    assert jan1["bucket"] == date(2024, 1, 1)
    assert jan1["visitors"] == 150
    assert jan1["pay_conversion"] == pytest.approx(6 / 150)
    assert jan1["order_conversion"] == pytest.approx(10 / 150)
    assert jan1["inquiry_conversion"] == pytest.approx(10 / 20)
    assert jan1["payment_rate"] == pytest.approx(6 / 10)
    # zero denominators → no rate, not 0 %
    assert jan2["pay_conversion"] == 0
    assert math.isnan(jan2["inquiry_conversion"])
    assert math.isnan(jan2["payment_rate"])


def test_zero_visitors_and_missing_columns_give_no_rate() -> None:
    con = make_connection({"traffic": [traffic("2024-01-03", "搜索", 0)]})
    (row,) = conversion_trend(con, WEEK).to_dict("records")
    for rate in ("pay_conversion", "order_conversion", "inquiry_conversion", "payment_rate"):
        assert math.isnan(row[rate]), rate


def test_rate_uses_only_rows_that_report_its_numerator() -> None:
    # Channel B does not report paying buyers: it must not dilute A's 10 %.
    con = make_connection(
        {
            "traffic": [
                traffic("2024-01-01", "A", 100, paying_buyers=10),
                traffic("2024-01-01", "B", 900),
            ]
        }
    )
    (row,) = conversion_trend(con, WEEK).to_dict("records")
    assert row["visitors"] == 1000
    assert row["pay_conversion"] == pytest.approx(0.10)


def test_order_buyers_fall_back_to_orders() -> None:
    con = make_connection({"traffic": [traffic("2024-01-01", "A", 100, orders=4, paying_buyers=2)]})
    (row,) = conversion_trend(con, WEEK).to_dict("records")
    assert row["order_conversion"] == pytest.approx(0.04)
    assert row["payment_rate"] == pytest.approx(0.5)


def test_single_week_bucket_and_immature_newest_days() -> None:
    con = make_connection(
        {
            "traffic": [
                traffic("2024-01-01", "A", 100, paying_buyers=3),
                traffic("2024-01-07", "A", 100, paying_buyers=1),
                traffic("2024-01-08", "A", 50, paying_buyers=1),  # outside the week
                traffic("2024-01-15", "A", 50, paying_buyers=1),  # newest data day
            ]
        }
    )
    (week,) = conversion_trend(con, WEEK, grain="week").to_dict("records")
    assert week["bucket"] == date(2024, 1, 1)
    assert week["visitors"] == 200
    assert week["pay_conversion"] == pytest.approx(4 / 200)
    assert not week["immature"]
    # the newest 3 days of data (Jan 13–15) are immature; Jan 8 is not
    days = conversion_trend(con, Period(date(2024, 1, 8), date(2024, 1, 15)))
    assert dict(zip(days["bucket"], days["immature"], strict=True)) == {
        date(2024, 1, 8): False,
        date(2024, 1, 15): True,
    }


def test_weeks_are_iso_weeks_cut_at_the_period() -> None:
    con = make_connection(
        {
            "traffic": [
                traffic("2024-01-06", "A", 10, paying_buyers=1),  # Saturday
                traffic("2024-01-08", "A", 30, paying_buyers=3),  # next Monday
            ]
        }
    )
    trend = conversion_trend(con, Period(date(2024, 1, 6), date(2024, 1, 8)), grain="week")
    assert list(trend["bucket"]) == [date(2024, 1, 1), date(2024, 1, 8)]
    assert list(trend["visitors"]) == [10, 30]


def test_scope_filters_shop_and_platform() -> None:
    con = make_connection(
        {
            "traffic": [
                traffic("2024-01-01", "A", 100, paying_buyers=1, shop="s1", platform="taobao"),
                traffic("2024-01-01", "A", 100, paying_buyers=9, shop="s2", platform="jd"),
            ]
        }
    )
    assert conversion_trend(con, WEEK, Scope(shop="s2"))["pay_conversion"][0] == pytest.approx(0.09)
    assert conversion_trend(con, WEEK, Scope(platform="taobao"))["visitors"][0] == 100
    assert conversion_trend(con, WEEK)["visitors"][0] == 200


def test_visitor_unit_says_when_sessions_and_visitors_are_added() -> None:
    con = make_connection(
        {
            "traffic": [
                traffic("2024-01-01", "A", 100, visitor_unit="visitors", shop="sycm"),
                traffic("2024-01-01", "B", 50, visitor_unit="sessions", shop="shopify"),
                traffic("2024-01-02", "A", 100, visitor_unit="visitors", shop="sycm"),
            ]
        }
    )
    trend = conversion_trend(con, WEEK)
    assert list(trend["visitor_unit"]) == ["mixed", "visitors"]
    assert list(conversion_trend(con, WEEK, Scope(shop="shopify"))["visitor_unit"]) == ["sessions"]


def test_bad_grain_is_refused() -> None:
    with pytest.raises(ValueError, match="grain"):
        conversion_trend(make_connection(), WEEK, grain="month")  # type: ignore[arg-type]


def test_product_conversion_shows_presale_with_order_conversion() -> None:
    con = make_connection(
        {
            "products": [
                {"date": "2024-01-01", "product_id": "p1", "product_name": "旧名",
                 "product_visitors": 100, "order_buyers": 6, "paying_buyers": 4,
                 "pay_amount": "400.00"},
                {"date": "2024-01-02", "product_id": "p1", "product_name": "新名",
                 "product_visitors": 100, "order_buyers": 4, "paying_buyers": 2,
                 "pay_amount": "200.00"},
                {"date": "2024-01-01", "product_id": "p2", "product_name": "预售款",
                 "product_visitors": 200, "order_buyers": 10, "paying_buyers": 0,
                 "pay_amount": "0", "is_presale": True},
                {"date": "2024-01-01", "product_id": "p3", "product_visitors": 0},
            ]
        }
    )  # fmt: skip
    frame = product_conversion(con, WEEK)
    assert list(frame.columns) == [
        "product_id",
        "product_name",
        "product_visitors",
        "order_buyers",
        "paying_buyers",
        "pay_conversion",
        "order_conversion",
        "conversion_shown",
        "is_presale",
        "gmv",
    ]
    rows = {r["product_id"]: r for r in frame.to_dict("records")}
    assert list(frame["product_id"]) == ["p1", "p2", "p3"]  # by GMV
    p1, p2, p3 = rows["p1"], rows["p2"], rows["p3"]
    assert p1["product_name"] == "新名"  # newest name
    assert (p1["product_visitors"], p1["paying_buyers"], p1["gmv"]) == (200, 6, 600.0)
    assert p1["pay_conversion"] == pytest.approx(0.03)
    assert p1["conversion_shown"] == pytest.approx(0.03)
    assert not p1["is_presale"]
    assert p2["is_presale"]
    assert p2["pay_conversion"] == 0
    assert p2["conversion_shown"] == pytest.approx(0.05)
    assert math.isnan(p3["pay_conversion"])


def test_targets_defaults_and_rating() -> None:
    targets = Targets()
    assert (targets.pay_conversion_qualified, targets.pay_conversion_good) == (0.03, 0.05)
    assert targets.rating(0.06) == "good"
    assert targets.rating(0.03) == "qualified"
    assert targets.rating(0.01) == "low"
    assert targets.rating(None) is None
    assert targets.rating(float("nan")) is None
    peers = Targets(peer={"pay_conversion": 0.04})
    assert hash(peers) == hash(Targets(peer={"pay_conversion": 0.04}))
    assert peers == Targets(peer={"pay_conversion": 0.04})
    with pytest.raises(ValueError):
        Targets(pay_conversion_qualified=0.06, pay_conversion_good=0.05)
