"""Goal planner (DESIGN "Goal planner"): how many visitors a GMV target needs.

visitors per day = target GMV / (days × pay conversion × AOV), split by channel share — the
operator's formula GMV = visitors × conversion × AOV solved for visitors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analytics.metrics.channels import channel_summary
from analytics.metrics.kpis import kpis
from analytics.metrics.period import Period, Scope


@dataclass(frozen=True)
class GoalPlan:
    """Visitors needed per day for a GMV target, in total and per channel.

    Example: ¥300,000 in 30 days at 3 % conversion and ¥100 AOV → 300000 / (30 × 0.03 × 100)
    = 3,333.3 visitors a day; with shares 手淘搜索 0.6 / 直通车 0.4 → 2,000 and 1,333.3.
    `visitors_per_day` is None when conversion or AOV is missing or 0 (no visitor count can
    reach the target then); per_channel is empty then.
    """

    target_gmv: float
    days: int
    pay_conversion: float | None
    aov: float | None
    visitors_per_day: float | None
    per_channel: pd.DataFrame = field(hash=False, compare=False)


def _shares(channel_shares: Mapping[str, float] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(channel_shares, pd.DataFrame):
        frame = channel_shares[["channel", "share"]].copy()
    else:
        frame = pd.DataFrame(list(channel_shares.items()), columns=["channel", "share"])
    frame["share"] = frame["share"].astype(float).fillna(0.0)
    total = frame["share"].sum()
    # Shares are normalised to sum to 1, so a plan never asks for more or fewer visitors in
    # total than the target needs (e.g. shares of the channels shown, not of every channel).
    frame["share"] = frame["share"] / total if total > 0 else 0.0
    return frame.reset_index(drop=True)


def plan(
    target_gmv: float,
    days: int,
    pay_conversion: float | None,
    aov: float | None,
    channel_shares: Mapping[str, float] | pd.DataFrame,
) -> GoalPlan:
    """Visitors per day for `target_gmv` over `days`, split by `channel_shares`.

    Args:
        channel_shares: {channel: share} or a DataFrame with channel and share columns (as
            returned by `baseline`); shares are normalised to sum to 1.
    """
    if days <= 0:
        raise ValueError(f"days must be positive, not {days}")
    shares = _shares(channel_shares)
    if not pay_conversion or not aov or pay_conversion <= 0 or aov <= 0:
        empty = pd.DataFrame(
            {"channel": pd.Series(dtype=object), "share": [], "visitors_per_day": []}
        )
        return GoalPlan(float(target_gmv), int(days), pay_conversion, aov, None, empty)
    per_day = float(target_gmv) / (days * pay_conversion * aov)
    shares["visitors_per_day"] = shares["share"] * per_day
    return GoalPlan(float(target_gmv), int(days), pay_conversion, aov, per_day, shares)


def baseline(
    con: duckdb.DuckDBPyConnection, period: Period, scope: Scope
) -> tuple[float | None, float | None, pd.DataFrame]:
    """The shop's own pay conversion, AOV and channel shares in `period` — the planner's
    starting point: (pay_conversion, aov, DataFrame[channel, share])."""
    now = kpis(con, period, scope)
    channels = channel_summary(con, period, scope)
    shares = channels[["channel", "share"]].reset_index(drop=True)
    return now.pay_conversion, now.aov, shares
