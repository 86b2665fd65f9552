"""Repeat purchase, cohorts, RFM and the order summary: given orders → expected numbers."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.metrics.period import Period, Scope
from analytics.metrics.repeat import (
    SEGMENTS,
    OrderSummary,
    RepeatSummary,
    cohort_table,
    order_summary,
    repeat_summary,
    rfm_table,
)
from tests.metric_tables import make_connection

WEEK = Period(date(2024, 1, 1), date(2024, 1, 7))


def order(order_id: str, customer: str | None, at: str, paid: bool = True, amount=10, **more):
    return {
        "order_id": order_id,
        "customer_id": customer,
        "created_at": at,
        "is_paid": paid,
        "pay_amount": amount,
        **more,
    }


# A pays twice on Jan 1 (two orders, same day); B paid Dec 20 and again Jan 3 (¥30);
# C's only order was refunded; order 6 has no customer id.
ORDERS = [
    order("1", "A", "2024-01-01 09:00"),
    order("2", "A", "2024-01-01 18:00"),
    order("3", "B", "2023-12-20 12:00"),
    order("4", "B", "2024-01-03 12:00", amount=30),
    order("5", "C", "2024-01-04 12:00", paid=False, status="refunded", refund_amount=10),
    order("6", None, "2024-01-05 12:00"),
]


def test_repeat_summary_by_hand() -> None:
    summary = repeat_summary(make_connection({"orders": ORDERS}), WEEK)
    assert summary == RepeatSummary(
        customers=2,  # A, B (C refunded, order 6 anonymous)
        repeat_customers=1,  # A: two distinct orders on the same day count twice
        repeat_rate=0.5,
        returning_customers=1,  # B paid before the period
        returning_customer_rate=0.5,
        returning_revenue_share=pytest.approx(30 / 50),
        median_days_to_second=7.0,  # median(A: 0 days, B: 14 days)
    )


def test_refunded_orders_are_not_paid_and_paid_at_sets_the_moment() -> None:
    con = make_connection(
        {
            "orders": [
                order("1", "A", "2024-01-02"),
                order("2", "A", "2024-01-03", paid=False, status="refunded"),
                # created before the period, paid inside it: counts in the period
                order("3", "B", "2023-12-31 23:00", paid_at="2024-01-01 08:00"),
            ]
        }
    )
    summary = repeat_summary(con, WEEK)
    assert (summary.customers, summary.repeat_customers, summary.returning_customers) == (2, 0, 0)
    assert summary.repeat_rate == 0
    assert summary.returning_revenue_share == 0
    assert summary.median_days_to_second is None


def test_no_customers_gives_no_rates() -> None:
    con = make_connection(
        {"orders": [order("1", None, "2024-01-02"), order("2", "", "2024-01-02")]}
    )
    assert repeat_summary(con, WEEK) == RepeatSummary(0, 0, None, 0, None, None, None)


def test_customers_are_per_shop() -> None:
    con = make_connection(
        {
            "orders": [
                order("1", "A", "2024-01-02", shop="s1"),
                order("2", "A", "2024-01-03", shop="s2"),
            ]
        }
    )
    assert repeat_summary(con, WEEK).repeat_customers == 0
    assert repeat_summary(con, WEEK).customers == 2
    assert repeat_summary(con, WEEK, Scope(shop="s1")).customers == 1


def test_cohort_table_is_dense_with_retention() -> None:
    con = make_connection(
        {
            "orders": [
                order("1", "A", "2024-01-05"),
                order("2", "B", "2024-01-20"),
                order("3", "A", "2024-03-01"),
                order("4", "C", "2023-12-03"),  # cohort before the period: not shown
                order("5", "C", "2024-01-03"),
                order("6", "D", "2024-02-10"),
                order("7", "D", "2024-04-01"),  # after the period end: not seen
            ]
        }
    )
    frame = cohort_table(con, Period(date(2024, 1, 1), date(2024, 3, 31)))
    assert list(frame.columns) == [
        "cohort_month",
        "months_since",
        "cohort_size",
        "customers",
        "retention",
    ]
    rows = [tuple(r) for r in frame.itertuples(index=False)]
    assert rows == [
        (date(2024, 1, 1), 0, 2, 2, 1.0),
        (date(2024, 1, 1), 1, 2, 0, 0.0),
        (date(2024, 1, 1), 2, 2, 1, 0.5),
        (date(2024, 2, 1), 0, 1, 1, 1.0),
        (date(2024, 2, 1), 1, 1, 0, 0.0),
    ]  # no March cohort: nobody paid for the first time in March


def test_rfm_scores_and_segments() -> None:
    # five customers spending 10..50; E also ordered most often and most recently
    rows = [order(f"o{i}", c, f"2024-01-0{i}", amount=10 * i) for i, c in enumerate("ABCDE", 1)]
    rows += [order("o6", "E", "2024-01-07", amount=0)]
    frame = rfm_table(make_connection({"orders": rows}), WEEK)
    assert list(frame.columns) == [
        "shop",
        "customer_id",
        "last_order",
        "recency_days",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "segment",
    ]
    by_id = {r["customer_id"]: r for r in frame.to_dict("records")}
    assert list(frame["customer_id"]) == ["E", "D", "C", "B", "A"]
    e, a = by_id["E"], by_id["A"]
    assert (e["last_order"], e["recency_days"], e["frequency"], e["monetary"]) == (
        date(2024, 1, 7),
        0,
        2,
        50.0,
    )
    assert (e["r_score"], e["f_score"], e["m_score"], e["segment"]) == (5, 5, 5, "important_value")
    # A: oldest, one order (tied with B, C, D: nobody is worse, so all four get F = 1), least money
    assert (a["recency_days"], a["r_score"], a["f_score"], a["m_score"]) == (6, 1, 1, 1)
    assert a["segment"] == "general_winback"
    assert {by_id[c]["f_score"] for c in "ABCD"} == {1}
    assert [by_id[c]["m_score"] for c in "ABCDE"] == [1, 2, 3, 4, 5]
    assert set(frame["segment"]) <= set(SEGMENTS)


def test_rfm_all_one_order_customers_are_low_frequency() -> None:
    rows = [order(str(i), c, "2024-01-03") for i, c in enumerate("ABC")]
    frame = rfm_table(make_connection({"orders": rows}), WEEK)
    assert set(frame["f_score"]) == set(frame["r_score"]) == set(frame["m_score"]) == {1}
    assert set(frame["segment"]) == {"general_winback"}


def test_order_summary_by_hand() -> None:
    summary = order_summary(make_connection({"orders": ORDERS}), WEEK)
    assert summary == OrderSummary(
        orders=5,  # 1, 2, 4, 5, 6 created in the week
        paid_orders=4,  # 1, 2, 4, 6
        customers=2,
        gmv=60.0,
        aov=15.0,
        refund_rate=pytest.approx(1 / 5),  # 1 refunded of 5 paid at some point
    )


def test_order_summary_empty_and_partial_refund() -> None:
    assert order_summary(make_connection(), WEEK) == OrderSummary(0, 0, 0, None, None, None)
    con = make_connection(
        {"orders": [order("1", "A", "2024-01-02", amount=100, refund_amount=20),
                    order("2", "A", "2024-01-02", amount=50)]}
    )  # fmt: skip
    summary = order_summary(con, WEEK)
    assert (summary.paid_orders, summary.gmv, summary.refund_rate) == (2, 150.0, 0.5)
