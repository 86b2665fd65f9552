"""summary(): exactly the `summary --json` shape of DESIGN.md, JSON-serialisable, nulls for
missing data; plus goals and KPI comparison."""

from __future__ import annotations

import json
from datetime import date

import pytest
from metric_tables import make_connection

from analytics.metrics.goals import baseline, plan
from analytics.metrics.kpis import kpi_comparison
from analytics.metrics.period import Period, Scope
from analytics.metrics.summary import SUMMARY_KEYS, summary

WEEK = Period(date(2024, 1, 8), date(2024, 1, 14))


def test_empty_workspace_gives_all_keys_null() -> None:
    got = summary(make_connection())
    assert list(got) == list(SUMMARY_KEYS)
    assert all(value is None for value in got.values())


def test_summary_shape_and_types_are_the_json_contract() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "date": "2024-01-08",
                    "channel": "a",
                    "visitors": 1000,
                    "product_visitors": 600,
                    "inquiries": 100,
                    "order_buyers": 40,
                    "paying_buyers": 36,
                    "pay_amount": 3600,
                },
            ],
            "orders": [
                {
                    "order_id": "1",
                    "created_at": "2024-01-08 10:00",
                    "paid_at": "2024-01-08 10:01",
                    "is_paid": True,
                    "pay_amount": 50,
                    "customer_id": "c1",
                },
            ],
        }
    )
    got = summary(con, WEEK)
    assert list(got) == list(SUMMARY_KEYS)
    assert got["period"] == {"start": "2024-01-08", "end": "2024-01-14"}
    assert got["kpis"] == {
        "gmv": 3600.0,
        "visitors": 1000,
        "pay_conversion": 0.036,
        "aov": 100.0,
        "uv_value": 3.6,
    }
    assert got["funnel"]["source"] == "traffic"
    assert [s["stage"] for s in got["funnel"]["stages"]] == [
        "visits",
        "product_views",
        "inquiries",
        "orders",
        "payments",
    ]
    assert got["funnel"]["stages"][0] == {
        "stage": "visits",
        "count": 1000,
        "step_rate": None,
        "overall_rate": 1.0,
    }
    assert got["channels"] == [
        {
            "channel": "a",
            "visitors": 1000,
            "paying_buyers": 36,
            "pay_conversion": 0.036,
            "gmv": 3600.0,
            "aov": 100.0,
        }
    ]
    assert set(got["orders"]) == {"orders", "paid_orders", "customers", "gmv", "aov", "refund_rate"}
    assert got["orders"]["paid_orders"] == 1
    assert set(got["repeat_purchase"]) == {
        "customers",
        "repeat_customers",
        "repeat_rate",
        "returning_customer_rate",
    }
    assert got["ratings"] is None  # no reviews, no DSR
    assert got["leak"] is None  # nothing to compare against
    # Plain JSON types only (json.dumps would reject numpy/Decimal; allow_nan=False rejects NaN)
    json.dumps(got, allow_nan=False)


def test_summary_without_period_reports_the_sample_leak() -> None:
    from test_metrics_leak import sample_traffic_rows

    got = summary(make_connection({"traffic": sample_traffic_rows()}))
    assert got["period"] == {"start": "2026-10-19", "end": "2026-11-22"}
    leak = got["leak"]
    assert (leak["step"], leak["channel"]) == ("inquiries→orders", "手淘搜索")
    assert set(leak) == {"step", "rate_now", "rate_before", "p_value", "lost_payments", "channel"}
    json.dumps(got, allow_nan=False, ensure_ascii=False)


def test_kpi_comparison_relative_changes_and_none_for_zero_before() -> None:
    con = make_connection(
        {
            "traffic": [
                {
                    "date": "2024-01-02",
                    "channel": "a",
                    "visitors": 1000,
                    "paying_buyers": 0,
                    "pay_amount": 0,
                },
                {
                    "date": "2024-01-09",
                    "channel": "a",
                    "visitors": 1100,
                    "paying_buyers": 33,
                    "pay_amount": 3300,
                },
            ]
        }
    )
    cmp = kpi_comparison(con, WEEK, Scope())
    assert cmp.change["visitors"] == pytest.approx(0.1)
    assert cmp.change["gmv"] is None  # from 0: no percentage
    assert cmp.before.aov is None  # 0 / 0 buyers


def test_goal_plan_hand_example_and_baseline() -> None:
    p = plan(300_000, 30, 0.03, 100, {"手淘搜索": 0.6, "直通车": 0.4})
    assert p.visitors_per_day == pytest.approx(3333.333333)
    assert list(p.per_channel["visitors_per_day"]) == pytest.approx([2000, 1333.333333])
    assert plan(1000, 7, None, 100, {"a": 1}).visitors_per_day is None
    con = make_connection(
        {
            "traffic": [
                {
                    "date": "2024-01-09",
                    "channel": "a",
                    "visitors": 750,
                    "paying_buyers": 30,
                    "pay_amount": 3000,
                },
                {"date": "2024-01-09", "channel": "b", "visitors": 250, "paying_buyers": 0},
            ]
        }
    )
    conversion, aov, shares = baseline(con, WEEK, Scope())
    assert (conversion, aov) == (pytest.approx(0.03), pytest.approx(100))
    assert list(shares["share"]) == pytest.approx([0.75, 0.25])
    assert plan(2100, 7, conversion, aov, shares).visitors_per_day == pytest.approx(100)
