"""Ratings and DSR: given review rows / snapshots → expected numbers, checked by hand."""

from __future__ import annotations

import math
from datetime import date

import pytest

from analytics.metrics.period import Period, Scope
from analytics.metrics.ratings import (
    RatingSummary,
    dsr_rolling,
    dsr_snapshots,
    rating_distribution,
    rating_summary,
)
from tests.metric_tables import make_connection

WEEK = Period(date(2024, 1, 1), date(2024, 1, 7))


def review(at: str, rating: float | None = None, **dsr) -> dict:
    return {"created_at": at, "rating": rating, **{f"dsr_{k}": v for k, v in dsr.items()}}


def test_summary_counts_average_negative_share_and_distribution() -> None:
    con = make_connection(
        {
            "reviews": [
                review("2024-01-01 10:00", 5),
                review("2024-01-02 23:59", 1),
                review("2024-01-07 12:00", 2),
                review("2024-01-03 09:00", description=4.0),  # DSR only, no star rating
                review("2024-01-08 00:00", 1),  # after the period
            ]
        }
    )
    summary = rating_summary(con, WEEK)
    assert summary.reviews == 4
    assert summary.average == pytest.approx(8 / 3)
    assert summary.negative_share == pytest.approx(2 / 3)
    assert summary.distribution == {1: 1, 2: 1, 3: 0, 4: 0, 5: 1}
    assert summary.dsr == {"description": 4.0, "service": None, "logistics": None}
    assert summary.dsr_source == "reviews"
    hash(summary)  # cacheable


def test_no_reviews_gives_no_rates_and_zero_counts() -> None:
    summary = rating_summary(make_connection(), WEEK)
    assert summary == RatingSummary(
        reviews=0,
        average=None,
        negative_share=None,
        distribution={1: 0, 2: 0, 3: 0, 4: 0, 5: 0},
        dsr={"description": None, "service": None, "logistics": None},
        dsr_source=None,
    )
    dist = rating_distribution(make_connection(), WEEK)
    assert list(dist["rating"]) == [1, 2, 3, 4, 5]
    assert list(dist["reviews"]) == [0] * 5
    assert dist["share"].isna().all()


def test_dsr_is_180_day_review_mean_ending_at_period_end() -> None:
    con = make_connection(
        {
            "reviews": [
                # inside the 180 days ending 2024-01-07 (window starts 2023-07-12)
                review("2023-07-12 00:00", description=4.0, service=4.0, logistics=4.0),
                review("2024-01-05 10:00", description=5.0, service=4.0, logistics=5.0),
                # one day too old, and one after the period end
                review("2023-07-11 23:59", description=1.0, service=1.0, logistics=1.0),
                review("2024-01-08 00:00", description=1.0, service=1.0, logistics=1.0),
            ],
            "dsr": [
                {"date": "2024-01-07", "dsr_description": 4.9, "dsr_service": 4.9,
                 "dsr_logistics": 4.9},
            ],
        }
    )  # fmt: skip
    summary = rating_summary(con, WEEK)
    assert summary.dsr == {"description": 4.5, "service": 4.0, "logistics": 4.5}
    assert summary.dsr_source == "reviews"


def test_dsr_falls_back_to_latest_snapshot_per_dimension() -> None:
    con = make_connection(
        {
            "reviews": [review("2024-01-02", 5, description=4.0)],
            "dsr": [
                {"date": "2023-12-01", "dsr_description": 4.1, "dsr_service": 4.1,
                 "dsr_logistics": 4.1},
                {"date": "2024-01-06", "dsr_description": 4.8, "dsr_service": 4.7,
                 "dsr_logistics": 4.6},
                {"date": "2024-01-09", "dsr_description": 1.0, "dsr_service": 1.0,
                 "dsr_logistics": 1.0},  # after the period end: not used
            ],
        }
    )  # fmt: skip
    summary = rating_summary(con, WEEK)
    assert summary.dsr == {"description": 4.0, "service": 4.7, "logistics": 4.6}
    assert summary.dsr_source == "mixed"
    only_snapshots = make_connection(
        {"dsr": [{"date": "2024-01-06", "dsr_description": 4.8, "dsr_service": 4.7,
                  "dsr_logistics": 4.6}]}
    )  # fmt: skip
    assert rating_summary(only_snapshots, WEEK).dsr_source == "snapshot"


def test_distribution_rounds_fractions_and_ignores_out_of_range() -> None:
    con = make_connection(
        {"reviews": [review("2024-01-01", 4.5), review("2024-01-01", 4.4), review("2024-01-01", 0)]}
    )
    dist = rating_distribution(con, WEEK)
    assert list(dist["reviews"]) == [0, 0, 0, 1, 1]
    assert list(dist["share"]) == [0, 0, 0, 0.5, 0.5]


def test_rolling_window_reaches_before_the_period_and_drops_old_reviews() -> None:
    con = make_connection(
        {
            "reviews": [
                review("2023-12-30 10:00", description=3.0),  # before the period
                review("2024-01-01 10:00", description=5.0, service=4.0),
            ]
        }
    )
    frame = dsr_rolling(con, WEEK, window_days=3)
    assert list(frame.columns) == ["date", "description", "service", "logistics", "reviews"]
    assert list(frame["date"]) == [date(2024, 1, d) for d in range(1, 8)]
    # Jan 1 window = Dec 30..Jan 1 → (3 + 5) / 2; Jan 2 = Dec 31..Jan 2 → 5; Jan 4 → empty
    assert list(frame["description"][:3]) == [4.0, 5.0, 5.0]
    assert math.isnan(frame["description"][3])
    assert list(frame["service"][:3]) == [4.0, 4.0, 4.0]
    assert frame["logistics"].isna().all()
    assert list(frame["reviews"]) == [2, 1, 1, 0, 0, 0, 0]


def test_rolling_default_window_is_180_days() -> None:
    con = make_connection({"reviews": [review("2023-07-12", description=2.0)]})
    frame = dsr_rolling(con, WEEK)
    # 2023-07-12 is day 1 of the 180 ending Jan 7, day 181 before Jan 8
    assert frame["description"].iloc[-1] == 2.0
    assert frame["description"].iloc[0] == 2.0
    with pytest.raises(ValueError):
        dsr_rolling(con, WEEK, window_days=0)


def test_snapshots_with_peers_and_gaps() -> None:
    con = make_connection(
        {
            "dsr": [
                {"date": "2024-01-02", "dsr_description": 4.75, "dsr_service": 4.8,
                 "dsr_logistics": 4.7, "peer_description": 4.8, "peer_service": 4.7,
                 "peer_logistics": 4.7, "score_system": "dsr", "shop": "s1"},
                {"date": "2024-01-01", "dsr_description": 4.6, "dsr_service": 4.6,
                 "dsr_logistics": 4.6, "score_system": "experience", "shop": "s1"},
                {"date": "2024-01-01", "dsr_description": 4.0, "dsr_service": 4.0,
                 "dsr_logistics": 4.0, "shop": "s2"},
            ]
        }
    )  # fmt: skip
    frame = dsr_snapshots(con, WEEK, Scope(shop="s1"))
    assert list(frame.columns) == [
        "date", "description", "service", "logistics", "peer_description", "peer_service",
        "peer_logistics", "gap_description", "gap_service", "gap_logistics", "score_system",
        "shop",
    ]  # fmt: skip
    assert list(frame["date"]) == [date(2024, 1, 1), date(2024, 1, 2)]
    first, second = frame.to_dict("records")
    assert math.isnan(first["gap_description"])
    assert first["score_system"] == "experience"
    assert second["gap_description"] == pytest.approx(-0.05)
    assert second["gap_service"] == pytest.approx(0.1)
    assert second["gap_logistics"] == pytest.approx(0.0)
    assert len(dsr_snapshots(con, WEEK)) == 3
