"""The leak finder (DESIGN "The leak finder"): where in the funnel, in which channel, were
payments lost — and which factor of GMV = visitors × conversion × AOV moved.

`find_leaks` compares each funnel step of a period with the period before (or with targets):

    lost payments = entrants now × (rate before − rate now) × (payments now / next stage now)

i.e. the people who would have passed the step at the old rate, times the share of those who
pass it that end up paying. Example: 1,000 inquiries now, inquiry→order 45 % → 30 %, and 90 % of
order buyers pay → 1,000 × 0.15 × 0.9 = 135 payments lost.

Rules written down:

* **Significance.** A drop is significant when its two-proportion z-test p-value, Holm-adjusted
  across every step tested in the report (the shop's steps and every channel's), is below 0.05.
  DESIGN says p < 0.05; with 4 steps × (1 + channels) tests, raw p < 0.05 raised a false leak
  on 48 of 100 generated no-change datasets (6 channels), Holm on 2 of 100 (its ≤ 5 % bound;
  tests/test_metrics_leak.py), so the family is corrected. `correction="none"` is the raw rule.
* **The verdict.** Among all significant drops, shop-level and channel-level, the one with the
  largest lost payments names the step. Within that step, the channel-level significant drop with
  the largest lost payments is the leak (it says where); if no channel's drop at that step is
  significant the shop-level finding is the leak (a diffuse drop). No significant drop → no leak.
* **Maturity.** Immature days (funnel.immature_days: the newest 3 days of traffic/orders data,
  the newest window_days of an event log) are cut off the compared period and reported; the
  baseline is cut the same way one period earlier, so both cover the same weekdays.
* **Testability.** A step whose count exceeds its previous stage (e.g. more order buyers than
  inquirers, since most buyers never ask) is not a proportion: it is reported with p_value None
  and never called a leak.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import pairwise
from typing import Literal

import duckdb
import pandas as pd

from analytics import queries
from analytics.i18n import t
from analytics.metrics.funnel import (
    DEFAULT_WINDOW_DAYS,
    STAGE_COLUMNS,
    choose_source,
    current_channel,
    immature_days,
    stage_counts,
)
from analytics.metrics.kpis import kpis
from analytics.metrics.period import Period, Scope
from analytics.metrics.stats import holm_adjust, one_proportion_test, two_proportion_test

ALPHA = 0.05
STEP_ARROW = "→"

Baseline = Literal["previous", "targets", "peers"]


@dataclass(frozen=True)
class LeakFinding:
    """One funnel step, shop-wide (channel None) or in one channel.

    Attributes:
        step: "inquiries→orders" (stage names of the JSON contract joined by →).
        from_stage / to_stage: the two present stages (a missing stage between is bridged).
        entrants_now: people at from_stage in the compared period.
        rate_now / rate_before: to / from now and in the baseline (or the target rate).
        change: rate_now − rate_before, in rate points (−0.15 = 15 points worse).
        p_value: two-proportion z-test (one-sample against a target), None when not testable.
        lost_payments: entrants_now × (rate_before − rate_now) × (payments now / to_stage now);
            negative when the step improved.
        significant: a drop whose adjusted p-value is below 0.05.
        p_adjusted: Holm-adjusted p-value across the report's tests (= p_value uncorrected).
    """

    step: str
    from_stage: str
    to_stage: str
    channel: str | None
    entrants_now: int
    rate_now: float | None
    rate_before: float | None
    change: float | None
    p_value: float | None
    lost_payments: float | None
    significant: bool
    p_adjusted: float | None = None


@dataclass(frozen=True)
class LeakReport:
    """The leak finder's answer for one period.

    Attributes:
        period: the period asked about.
        baseline_period: the (trimmed) period compared against; None for targets/peers.
        findings: shop-wide findings, one per step between present stages.
        channel_findings: the same per channel (empty with a single channel).
        leak: the verdict (see the module docstring), None = no significant leak.
        immature_days: days of `period` left out as not final.
        compared_period: `period` without its immature days (None if nothing is mature).
        source: the funnel source ('traffic', 'events', 'orders') or None.
    """

    period: Period
    baseline_period: Period | None
    findings: tuple[LeakFinding, ...]
    channel_findings: tuple[LeakFinding, ...]
    leak: LeakFinding | None
    immature_days: tuple[date, ...]
    compared_period: Period | None = None
    source: str | None = None


def step_name(from_stage: str, to_stage: str) -> str:
    """step_name("inquiries", "orders") → "inquiries→orders"."""
    return f"{from_stage}{STEP_ARROW}{to_stage}"


def _total(frame: pd.DataFrame, column: str) -> int | None:
    values = frame[column] if column in frame else pd.Series(dtype="Int64")
    return None if len(values) == 0 or values.isna().all() else int(values.sum())


def _counts(frame: pd.DataFrame) -> dict[str, int | None]:
    return {name: _total(frame, name) for name in STAGE_COLUMNS}


def _step_findings(
    now: Mapping[str, int | None],
    before: Mapping[str, int | None] | None,
    targets: Mapping[str, float] | None,
    channel: str | None,
) -> list[LeakFinding]:
    """Findings (unadjusted, significance decided later) for one funnel's stage counts."""
    if before is not None:
        present = [s for s in STAGE_COLUMNS if now.get(s) is not None and before.get(s) is not None]
    else:
        present = [s for s in STAGE_COLUMNS if now.get(s) is not None]
    payments_now = now.get("payments")
    out = []
    for from_stage, to_stage in pairwise(present):
        name = step_name(from_stage, to_stage)
        n1, x1 = int(now[from_stage] or 0), int(now[to_stage] or 0)
        rate_now = x1 / n1 if n1 else None
        p_value: float | None = None
        if before is not None:
            n0, x0 = int(before[from_stage] or 0), int(before[to_stage] or 0)
            rate_before = x0 / n0 if n0 else None
            if n1 and n0 and x1 <= n1 and x0 <= n0:
                p_value = two_proportion_test(x1, n1, x0, n0)[1]
        else:
            rate_before = (targets or {}).get(name)
            if rate_before is not None and n1 and x1 <= n1:
                p_value = one_proportion_test(x1, n1, rate_before)[1]
        change = None if rate_now is None or rate_before is None else rate_now - rate_before
        lost = None
        if change is not None:
            if to_stage == "payments":
                pay_share = 1.0
            elif payments_now is not None and x1:
                pay_share = payments_now / x1
            else:
                pay_share = None
            lost = None if pay_share is None else n1 * (-change) * pay_share
        out.append(
            LeakFinding(
                step=name,
                from_stage=from_stage,
                to_stage=to_stage,
                channel=channel,
                entrants_now=n1,
                rate_now=rate_now,
                rate_before=rate_before,
                change=change,
                p_value=p_value,
                lost_payments=lost,
                significant=False,
            )
        )
    return out


def _decide(
    findings: list[LeakFinding], correction: Literal["holm", "none"], alpha: float
) -> list[LeakFinding]:
    """Adjust the family's p-values and mark the significant drops."""
    tested = [i for i, f in enumerate(findings) if f.p_value is not None]
    raw = [findings[i].p_value for i in tested]
    adjusted = holm_adjust(raw) if correction == "holm" else list(raw)  # type: ignore[arg-type]
    by_index = dict(zip(tested, adjusted, strict=True))
    out = []
    for i, f in enumerate(findings):
        p_adj = by_index.get(i)
        drop = f.change is not None and f.change < 0
        significant = bool(p_adj is not None and p_adj < alpha and drop)
        out.append(LeakFinding(**{**f.__dict__, "p_adjusted": p_adj, "significant": significant}))
    return out


def pick_leak(
    findings: tuple[LeakFinding, ...], channel_findings: tuple[LeakFinding, ...]
) -> LeakFinding | None:
    """The verdict: the step of the significant drop with the largest lost payments (shop or
    channel), pinned to the channel losing most at that step when one is significant there."""

    def lost(f: LeakFinding) -> float:
        return f.lost_payments if f.lost_payments is not None else -math.inf

    candidates = [f for f in (*findings, *channel_findings) if f.significant]
    if not candidates:
        return None
    step = max(candidates, key=lost).step
    in_channels = [f for f in channel_findings if f.significant and f.step == step]
    if in_channels:
        return max(in_channels, key=lost)
    return max((f for f in candidates if f.step == step), key=lost)


def find_leaks(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope,
    baseline: Baseline = "previous",
    targets: Mapping[str, float] | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    correction: Literal["holm", "none"] = "holm",
    alpha: float = ALPHA,
) -> LeakReport:
    """Compare every funnel step of `period` with its baseline and name the biggest leak.

    Args:
        baseline: "previous" — the previous period of equal length; "targets" / "peers" —
            the rates in `targets` (the shop's own goals or peer averages 同行同层平均), keyed by
            step name, e.g. {"inquiries→orders": 0.45}; they apply to the shop and every channel.
        window_days: conversion window of event funnels (also their maturity).
        correction: "holm" (default) or "none" (DESIGN's raw p < alpha for each step).

    Example: 手淘搜索's inquiry→order rate falls from 45 % of 2,000 to 30 % of 2,000 while the
    other channels hold → leak = LeakFinding(step "inquiries→orders", channel "手淘搜索",
    rate_before 0.45, rate_now 0.30, lost_payments ≈ 2,000 × 0.15 × payments/orders).
    """
    if baseline not in ("previous", "targets", "peers"):
        raise ValueError(f"baseline must be previous, targets or peers, not {baseline!r}")
    if baseline != "previous" and not targets:
        raise ValueError(f"baseline {baseline!r} needs the target rates (targets=…)")
    source = choose_source(con, period, scope)
    if source is None:
        return LeakReport(period, None, (), (), None, (), None, None)
    unripe = immature_days(con, period, scope, source, window_days)
    compared = (
        period
        if not unripe
        else (
            Period(period.start, min(unripe) - timedelta(days=1))
            if min(unripe) > period.start
            else None
        )
    )
    if compared is None:
        return LeakReport(period, None, (), (), None, unripe, None, source)
    shift = timedelta(days=period.days)
    before_period = (
        Period(compared.start - shift, compared.end - shift) if baseline == "previous" else None
    )

    now_frame = stage_counts(con, compared, scope, source, "period", window_days)
    before_frame = (
        stage_counts(con, before_period, scope, source, "period", window_days)
        if before_period is not None
        else None
    )
    shop = _step_findings(
        _counts(now_frame),
        _counts(before_frame) if before_frame is not None else None,
        targets,
        None,
    )
    per_channel: list[LeakFinding] = []
    channels = sorted(c for c in now_frame["channel"].dropna().unique())
    if len(channels) > 1:
        for channel in channels:
            now_c = now_frame[now_frame["channel"] == channel]
            before_c = (
                before_frame[before_frame["channel"] == channel]
                if before_frame is not None
                else None
            )
            per_channel.extend(
                _step_findings(
                    _counts(now_c),
                    _counts(before_c) if before_c is not None else None,
                    targets,
                    channel,
                )
            )
    decided = _decide([*shop, *per_channel], correction, alpha)
    findings = tuple(decided[: len(shop)])
    channel_findings = tuple(decided[len(shop) :])
    return LeakReport(
        period=period,
        baseline_period=before_period,
        findings=findings,
        channel_findings=channel_findings,
        leak=pick_leak(findings, channel_findings),
        immature_days=unripe,
        compared_period=compared,
        source=source,
    )


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def step_label(step: str, lang: str = "en") -> str:
    """The step in words: "inquiries→orders" → "Inquiries → Orders" (zh: 咨询 → 下单)."""
    from_stage, to_stage = step.split(STEP_ARROW)
    return f"{t('stage.' + from_stage, lang)} → {t('stage.' + to_stage, lang)}"


def verdict(report: LeakReport, lang: str = "en") -> str:
    """One sentence for the report: the biggest leak, or that there is none.

    >>> # "Biggest leak: Inquiries → Orders in 手淘搜索: 45.0% → 30.0%, about 135 payments lost"
    """
    leak = report.leak
    if report.compared_period is None and report.source is not None:
        return t("leak.verdict.immature", lang, days=len(report.immature_days))
    if report.source is None:
        return t("leak.verdict.no_data", lang)
    if leak is None:
        return t("leak.verdict.none", lang)
    params = {
        "step": step_label(leak.step, lang),
        "rate_before": _percent(leak.rate_before),
        "rate_now": _percent(leak.rate_now),
        "lost": f"{leak.lost_payments:,.0f}" if leak.lost_payments is not None else "–",
    }
    if leak.channel is None:
        return t("leak.verdict.found_shop", lang, **params)
    return t("leak.verdict.found", lang, channel=leak.channel, **params)


# ── GMV = visitors × conversion × AOV: which factor moved ─────────────────────────────────


@dataclass(frozen=True)
class GmvSplit:
    """ΔGMV split exactly into visitors, pay conversion and AOV effects (LMDI).

    effect_x = L(GMV₁, GMV₀) · ln(x₁ / x₀) with L(a, b) = (a − b) / (ln a − ln b), L(a, a) = a.
    The three effects are rounded to the cent and sum to `delta` exactly (the rounding
    remainder, at most a cent or two, goes to the largest effect).

    Example: visitors 1000 → 1100, conversion 3 % → 3 %, AOV 100 → 100: GMV 3000 → 3300,
    visitors_effect 300, conversion_effect 0, aov_effect 0.

    `note` names a catalogue key when no split is possible (GMV 0 or a factor unknown in either
    period: there is no ratio to split) — the effects are then None and only delta is given.
    """

    gmv_now: float | None
    gmv_before: float | None
    delta: float | None
    visitors_effect: float | None
    conversion_effect: float | None
    aov_effect: float | None
    note: str | None = None


def log_mean(a: float, b: float) -> float:
    """The logarithmic mean L(a, b) = (a − b) / (ln a − ln b), with L(a, a) = a.

    >>> round(log_mean(3300, 3000), 4)
    3147.4718
    """
    if a == b:
        return float(a)
    return (a - b) / (math.log(a) - math.log(b))


def _cents(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def lmdi_split(
    now: tuple[float, float, float],
    before: tuple[float, float, float],
    gmv_now: float | None = None,
    gmv_before: float | None = None,
) -> tuple[float, float, float]:
    """LMDI effects of three positive factors whose product is GMV, summing to the cent.

    `gmv_now`/`gmv_before` default to the products of the factors; pass the reported GMVs so
    the effects add up to the reported change to the cent.

    >>> lmdi_split((1100, 0.03, 100), (1000, 0.03, 100))
    (300.0, 0.0, 0.0)
    """
    if gmv_now is None:
        gmv_now = now[0] * now[1] * now[2]
    if gmv_before is None:
        gmv_before = before[0] * before[1] * before[2]
    weight = log_mean(gmv_now, gmv_before)
    raw = [weight * math.log(x1 / x0) for x1, x0 in zip(now, before, strict=True)]
    cents = [_cents(e) for e in raw]
    remainder = _cents(gmv_now) - _cents(gmv_before) - sum(cents)
    largest = max(range(3), key=lambda i: abs(raw[i]))
    cents[largest] += remainder
    return float(cents[0]), float(cents[1]), float(cents[2])


def gmv_change(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> GmvSplit:
    """Split the GMV change against the previous period into visitors, conversion, AOV."""
    now = kpis(con, period, scope)
    before = kpis(con, period.previous(), scope)
    delta = None
    if now.gmv is not None and before.gmv is not None:
        delta = float(_cents(now.gmv) - _cents(before.gmv))
    factors_now = (now.visitors, now.pay_conversion, now.aov)
    factors_before = (before.visitors, before.pay_conversion, before.aov)
    if now.gmv is None or before.gmv is None:
        note = "leak.gmv_split.no_data"
    elif now.gmv == 0 or before.gmv == 0:
        note = "leak.gmv_split.zero_gmv"
    elif any(x is None or x <= 0 for x in (*factors_now, *factors_before)):
        note = "leak.gmv_split.no_factors"
    else:
        note = None
    if note is not None:
        return GmvSplit(now.gmv, before.gmv, delta, None, None, None, note)
    # The effects add up to the reported GMVs' change to the cent (the factors' product can
    # differ from GMV by float error, or where some rows lack paying buyers).
    v, c, a = lmdi_split(factors_now, factors_before, now.gmv, before.gmv)  # type: ignore[arg-type]
    return GmvSplit(now.gmv, before.gmv, delta, v, c, a, None)


# ── Shop conversion change = traffic mix + channel rates ──────────────────────────────────


@dataclass(frozen=True)
class MixRateSplit:
    """A change in the shop's pay conversion split into mix and rate effects.

    Shop conversion C = Σ sᵢ·cᵢ (sᵢ = channel share of visitors, cᵢ = channel conversion).
    Symmetric (Shapley / midpoint) split per channel:
        mix_i = (sᵢ₁ − sᵢ₀)·(cᵢ₁ + cᵢ₀)/2,  rate_i = (cᵢ₁ − cᵢ₀)·(sᵢ₁ + sᵢ₀)/2,
    and mix_i + rate_i = sᵢ₁cᵢ₁ − sᵢ₀cᵢ₀ exactly, so mix + rate = ΔC. A channel present in
    one period only takes cᵢ of the other period equal to its own (all its effect is mix).

    Example: two channels converting 5 % and 1 % keep their rates while traffic moves from
    50/50 to 30/70 → C falls 3.0 % → 2.2 %: mix_effect −0.008, rate_effect 0.
    """

    conversion_now: float | None
    conversion_before: float | None
    delta: float | None
    mix_effect: float | None
    rate_effect: float | None
    per_channel: pd.DataFrame = field(hash=False, compare=False)


def _channel_rows(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> pd.DataFrame:
    prev = period.previous()
    return queries.run(
        con,
        "channel_summary",
        **period.params(),
        prev_start=prev.start,
        prev_end=prev.end,
        **scope.params(),
    )


def mix_rate_split(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope) -> MixRateSplit:
    """Split the change of the shop's pay conversion vs the previous period into mix and rate.

    per_channel: DataFrame[channel, share_now, share_before, conversion_now, conversion_before,
    mix_effect, rate_effect]. Shares are of visitors on rows that report paying buyers, so
    Σ share × conversion is the shop's conversion exactly.
    """
    rows = _channel_rows(con, period, scope)
    n1 = rows["visitors_reporting"].fillna(0).astype(float)
    n0 = rows["visitors_reporting_prev"].fillna(0).astype(float)
    x1 = rows["paying_buyers"].where(rows["visitors_reporting"].notna()).fillna(0).astype(float)
    x0 = (
        rows["paying_buyers_prev"]
        .where(rows["visitors_reporting_prev"].notna())
        .fillna(0)
        .astype(float)
    )
    total1, total0 = n1.sum(), n0.sum()
    columns = [
        "channel",
        "share_now",
        "share_before",
        "conversion_now",
        "conversion_before",
        "mix_effect",
        "rate_effect",
    ]
    if not total1 or not total0:
        conv_now = x1.sum() / total1 if total1 else None
        conv_before = x0.sum() / total0 if total0 else None
        return MixRateSplit(conv_now, conv_before, None, None, None, pd.DataFrame(columns=columns))
    s1, s0 = n1 / total1, n0 / total0
    c1 = (x1 / n1.where(n1 > 0)).astype(float)
    c0 = (x0 / n0.where(n0 > 0)).astype(float)
    c1_filled, c0_filled = c1.fillna(c0).fillna(0.0), c0.fillna(c1).fillna(0.0)
    mix = (s1 - s0) * (c1_filled + c0_filled) / 2
    rate = (c1_filled - c0_filled) * (s1 + s0) / 2
    per_channel = pd.DataFrame(
        {
            "channel": rows["channel"],
            "share_now": s1,
            "share_before": s0,
            "conversion_now": c1,
            "conversion_before": c0,
            "mix_effect": mix,
            "rate_effect": rate,
        }
    )
    conv_now, conv_before = x1.sum() / total1, x0.sum() / total0
    return MixRateSplit(
        conversion_now=float(conv_now),
        conversion_before=float(conv_before),
        delta=float(conv_now - conv_before),
        mix_effect=float(mix.sum()),
        rate_effect=float(rate.sum()),
        per_channel=per_channel.reset_index(drop=True),
    )


def peer_gap(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope,
    peer_rates: Mapping[str, float],
) -> pd.DataFrame:
    """Price the gap to peer conversion: "+¥X per week if this channel converted at the peer
    average". DataFrame[channel, pay_conversion, peer_rate, gmv_gap_per_week] (also visitors
    and aov), one row per channel in `peer_rates` with traffic in the period.

    gmv_gap_per_week = visitors × (peer − own) × AOV × 7 / period days, with the channel's AOV
    (the shop's where the channel sold nothing). Negative = already above the peers.

    Example: 7,000 visitors in a week at 2 % with AOV ¥100, peers 3 % → 7000 × 0.01 × 100 =
    ¥7,000 per week.
    """
    rows = _channel_rows(con, period, scope)
    rows = rows[rows["visitors"].notna()]
    shop = kpis(con, period, scope)
    peers = {current_channel(k): float(v) for k, v in peer_rates.items()}
    out = []
    for _, r in rows.iterrows():
        if r["channel"] not in peers:
            continue
        own = float(r["pay_conversion"]) if pd.notna(r["pay_conversion"]) else None
        aov = float(r["aov"]) if pd.notna(r["aov"]) else shop.aov
        visitors = float(r["visitors_reporting"]) if pd.notna(r["visitors_reporting"]) else 0.0
        gap = None
        if own is not None and aov is not None:
            gap = visitors * (peers[r["channel"]] - own) * aov * 7 / period.days
        out.append((r["channel"], int(r["visitors"]), own, peers[r["channel"]], aov, gap))
    frame = pd.DataFrame(
        out,
        columns=["channel", "visitors", "pay_conversion", "peer_rate", "aov", "gmv_gap_per_week"],
    )
    for column in ("pay_conversion", "peer_rate", "aov", "gmv_gap_per_week"):
        frame[column] = frame[column].astype(float)
    return frame[["channel", "pay_conversion", "peer_rate", "gmv_gap_per_week", "visitors", "aov"]]
