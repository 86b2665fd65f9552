"""Ratings and DSR: how satisfied are buyers, and is the shop's DSR slipping?

Taobao's DSR (店铺动态评分) has three scores — 描述相符 (description), 服务态度 (service),
物流服务 (logistics) — each 1–5, averaged over the last 180 days. Newer shops see the 综合体验分
trio (商品/服务/物流体验) instead; both arrive in the same three columns, and `score_system`
says which.

Two sources, used as the data allows:

- review rows (one row per review, with a star rating and/or the three DSR scores): rating
  distribution, negative share, and the rolling 180-day DSR computed the platform's way;
- DSR snapshots (the shop's scores as the back-end shows them on a date, with peer averages
  同行平均 where the export has them): the official trend and the gap to peers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analytics.metrics.period import Period, Scope
from analytics.queries import run, run_rows

DSR_WINDOW_DAYS = 180
"""Taobao's DSR is the mean of the last 180 days of ratings."""

DIMENSIONS: tuple[str, ...] = ("description", "service", "logistics")


@dataclass(frozen=True)
class RatingSummary:
    """Reviews in a period and the shop's DSR at its end.

    Attributes:
        reviews: review rows created in the period (rated or not).
        average: mean star rating of the period's rated reviews, None if none is rated.
        negative_share: share of rated reviews with 1–2 stars (差评率 in the wide sense, 中差评
            would add 3 stars), None if none is rated.
        distribution: {1: n, …, 5: n} rated reviews per star (nearest star for fractions).
        dsr: {"description", "service", "logistics"} → score or None: the 180-day review-row
            mean ending at the period end where review rows carry that score, else the newest
            DSR snapshot on or before the period end.
        dsr_source: "reviews", "snapshot", "mixed" (dimensions from different sources) or None.

    Example: reviews of 5, 1 and 2 stars → average 2.67, negative_share 2/3,
    distribution {1: 1, 2: 1, 3: 0, 4: 0, 5: 1}.
    """

    reviews: int
    average: float | None
    negative_share: float | None
    distribution: dict[int, int] = field(hash=False)
    dsr: dict[str, float | None] = field(hash=False)
    dsr_source: str | None = None

    def __hash__(self) -> int:
        return hash(
            (
                self.reviews,
                self.average,
                self.negative_share,
                tuple(sorted(self.distribution.items())),
                tuple(sorted(self.dsr.items())),
                self.dsr_source,
            )
        )


def _number(value: object) -> float | None:
    """A SQL result as a Python float, NULL/NaN → None."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if number != number else number


def rating_distribution(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope = Scope(),  # noqa: B008 - frozen, safe as a default
) -> pd.DataFrame:
    """Rated reviews per star: DataFrame[rating, reviews, share], always the five rows 1..5.

    Example: ratings 5, 5, 4, 1 → reviews [1, 0, 0, 1, 2], share [0.25, 0, 0, 0.25, 0.5].
    With no rated review every count is 0 and every share is NaN.
    """
    return run(con, "rating_distribution", **period.params(), **scope.params())


def rating_summary(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope = Scope(),  # noqa: B008 - frozen, safe as a default
) -> RatingSummary:
    """Count, mean, negative share and distribution of the period's reviews, and the DSR.

    The DSR is the shop's standing at the period end: per dimension the mean of review rows in
    the 180 days ending on `period.end` (data before the period start counts), else the newest
    DSR snapshot on or before `period.end` (averaged over shops when the scope holds several).
    """
    row = run_rows(
        con,
        "rating_summary",
        **period.params(),
        **scope.params(),
        window_days=DSR_WINDOW_DAYS,
    )[0]
    reviews, average, negative_share, description, service, logistics, source = row
    distribution = rating_distribution(con, period, scope)
    return RatingSummary(
        reviews=int(reviews),
        average=_number(average),
        negative_share=_number(negative_share),
        distribution={
            int(r): int(n)
            for r, n in zip(distribution["rating"], distribution["reviews"], strict=True)
        },
        dsr={
            "description": _number(description),
            "service": _number(service),
            "logistics": _number(logistics),
        },
        dsr_source=source,
    )


def dsr_rolling(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope = Scope(),  # noqa: B008 - frozen, safe as a default
    window_days: int = DSR_WINDOW_DAYS,
) -> pd.DataFrame:
    """Daily rolling DSR from review rows: DataFrame[date, description, service, logistics,
    reviews], one row per day of the period.

    Each day's score is the mean over the review rows created in the `window_days` days ending
    that day (inclusive), so the first day of the period already looks 179 days back.

    Example (window 3): a review with description 5 on Jan 1 → Jan 1–3 show 5.0, Jan 4 shows
    NaN (the review has left the window), with reviews = 1, 1, 1, 0.
    """
    if window_days < 1:
        raise ValueError(f"window_days must be at least 1, got {window_days}")
    frame = run(
        con, "dsr_rolling", **period.params(), **scope.params(), window_days=int(window_days)
    )
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def dsr_snapshots(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope = Scope(),  # noqa: B008 - frozen, safe as a default
) -> pd.DataFrame:
    """DSR snapshots in the period with peers and gaps.

    Returns DataFrame[date, description, service, logistics, peer_description, peer_service,
    peer_logistics, gap_description, gap_service, gap_logistics, score_system, shop], one row
    per shop and date. gap = own − peer, so −0.05 means 0.05 below the peer average
    (e.g. own 4.75, peers 4.80). Peer and gap columns are NaN where the export has no peers.
    """
    frame = run(con, "dsr_snapshots", **period.params(), **scope.params())
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame
