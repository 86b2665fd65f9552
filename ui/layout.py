"""Building blocks the pages share: page header, "no data" guards, KPI cards, sentences.

Pages call these so each page file stays a readable list of sections. Sentences are built from
catalogue templates; user strings (channel names) are shown with `st.text`, never Markdown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import streamlit as st

from analytics.metrics.period import Period
from ui import columns
from ui.cached import View
from ui.filters import coverage
from ui.state import language, t

KPI_NAMES: tuple[str, ...] = ("gmv", "visitors", "pay_conversion", "aov", "uv_value")
MONEY_KPIS = frozenset({"gmv", "aov", "uv_value"})
RATE_KPIS = frozenset({"pay_conversion"})


def header(topic: str, view: View) -> None:
    """The page title, what it answers, and the period on screen."""
    st.title(t(f"ui.page.{topic}"))
    st.caption(t(f"ui.{topic}.intro"))
    if view.period is not None:
        before = view.period.previous()
        st.caption(
            t(
                "ui.period.shown",
                start=view.period.start,
                end=view.period.end,
                days=view.period.days,
                before_start=before.start,
                before_end=before.end,
            )
        )


# Below these widths a chart of a pair goes under the other, and a card to the next line.
PAIR_MIN_PX = 420
CARD_MIN_PX = 150
# A card's value shrinks with the window down to 1.5rem, so "¥32.04万" fits five cards on a
# 1280 px screen with the sidebar open (at Streamlit's 2.25rem it was cut to "¥32.0…").
_CARD_VALUE_SIZE = "clamp(1.5rem, 2.2vw, 2.25rem)"


def pair(key: str) -> tuple[Any, Any]:
    """Two containers side by side that stack when the page is too narrow for both.

    st.columns stack only on a phone-sized window: on an 800 px screen with the sidebar open
    two charts got 240 px each, too little for a funnel with its stage names and rates.
    """
    left, right = _wrapping_row(key, 2, PAIR_MIN_PX)
    return left, right


def cards(key: str, count: int, min_px: int = CARD_MIN_PX) -> list[Any]:
    """`count` containers for metric cards in a row that wraps below `min_px` a card (less for
    cards of short values, such as star ratings, so that six stay on one line).

    In st.columns five cards on a 1366 px laptop cut the GMV to "¥32.0…", and on an 800 px
    screen every value to one character.
    """
    value = f".st-key-{key} [data-testid='stMetricValue'] {{ font-size: {_CARD_VALUE_SIZE}; }}"
    st.html(f"<style>{value}</style>")
    return _wrapping_row(key, count, min_px, gap="small")


def _wrapping_row(key: str, count: int, min_px: int, gap: str = "medium") -> list[Any]:
    """`count` containers side by side, each at least `min_px` wide, wrapping onto more lines
    when the page is narrower (the CSS finds the row by the class Streamlit gives a keyed
    container, `st-key-<key>`)."""
    width = f"flex: 1 1 {min_px}px; min-width: min({min_px}px, 100%);"
    st.html(f"<style>.st-key-{key} > div {{ {width} }}</style>")
    row = st.container(horizontal=True, wrap=True, gap=gap, key=key)
    return [row.container() for _ in range(count)]


def require_data(view: View, kinds: Iterable[str] = (), topic: str | None = None) -> None:
    """Stop the page with a helpful message when the workspace (or the needed kinds) is empty.

    `kinds`: the data kinds any of which the page can work from; the message names what to
    upload and links to the upload page.
    """
    cov = coverage()
    wanted = tuple(kinds)
    if view.period is None or cov is None or cov.is_empty:
        st.info(t("ui.empty.workspace"), icon=":material/inbox:")
        st.page_link(
            "pages/upload_page.py", label=t("ui.empty.go_upload"), icon=":material/upload_file:"
        )
        st.stop()
    if wanted and not any(cov.rows_by_kind.get(k) for k in wanted):
        names = (
            "、".join(t(f"kind.{k}") for k in wanted)
            if language() == "zh"
            else ", ".join(t(f"kind.{k}") for k in wanted)
        )
        st.info(
            t(f"ui.{topic}.needs" if topic else "ui.empty.needs", kinds=names),
            icon=":material/inbox:",
        )
        st.page_link(
            "pages/upload_page.py", label=t("ui.empty.go_upload"), icon=":material/upload_file:"
        )
        st.stop()


def has_kind(kind: str) -> bool:
    """Whether the workspace on screen holds rows of `kind`."""
    cov = coverage()
    return bool(cov is not None and cov.rows_by_kind.get(kind))


def figure(build: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`build(*args, **kwargs)` (a ui/charts.py builder), remembered for this language."""
    from ui import charts

    return charts.remembered(build, *args, lang=language(), **kwargs)


def empty_note(frame: pd.DataFrame | None, message_key: str) -> bool:
    """Show `message_key` as st.info when `frame` is empty; return True if it was empty."""
    if frame is None or len(frame) == 0:
        st.info(t(message_key))
        return True
    return False


def kpi_text(name: str, value: Any, currency: str | None) -> str:
    """A KPI value as card text: money with the data's currency, rates as %, counts in 万/K."""
    lang = language()
    if name in MONEY_KPIS:
        return columns.money_text(value, currency, lang)
    if name in RATE_KPIS:
        return columns.rate_text(value)
    return columns.count_text(value, lang)


def kpi_cards(comparison: Any, currency: str | None) -> None:
    """Five KPI cards (GMV, visitors, pay conversion, AOV, UV value) with change vs before."""
    for card, name in zip(cards("kpi-cards", len(KPI_NAMES)), KPI_NAMES, strict=True):
        now = getattr(comparison.now, name, None)
        before = getattr(comparison.before, name, None)
        delta = columns.change_text((comparison.change or {}).get(name))
        card.metric(
            t(f"metric.{name}"),
            kpi_text(name, now, currency),
            delta=delta,
            help=t("ui.kpi.before", value=kpi_text(name, before, currency)),
            border=True,
        )


def step_label(finding: Any) -> str:
    """ "Inquiries → Orders" for a leak finding's step, in the current language."""
    return f"{t(f'stage.{finding.from_stage}')} → {t(f'stage.{finding.to_stage}')}"


def leak_verdict(report: Any) -> str:
    """One sentence: where the funnel leaks this period, or that no drop is significant."""
    from analytics.metrics.leak import verdict

    return verdict(report, language())


def findings_frame(findings: Iterable[Any], with_channel: bool = False) -> pd.DataFrame:
    """Leak findings as a table: step, rate now, before, change, p-value, lost payments."""
    rows = []
    for f in findings:
        row = {
            "step": step_label(f),
            "entrants_now": f.entrants_now,
            "rate_now": f.rate_now,
            "rate_before": f.rate_before,
            "change": f.change,  # a rate's change: shown in percentage points
            "p_value": f.p_value,
            "lost_payments": f.lost_payments,
            "significant": bool(f.significant),
        }
        if with_channel:
            row = {"channel": f.channel, **row}
        rows.append(row)
    return pd.DataFrame(rows)


FINDINGS_KINDS = {"change": "points"}


def findings_table(frame: pd.DataFrame, currency: str | None, key: str) -> None:
    """`findings_frame` output: rates as %, their change in pp, significance as a checkbox."""
    show_table(
        frame,
        key,
        currency,
        kinds=FINDINGS_KINDS,
        overrides={"significant": st.column_config.CheckboxColumn(t("ui.col.significant"))},
    )


def period_text(period: Period) -> str:
    """ "2024-01-01 – 2024-01-07"."""
    return f"{period.start} – {period.end}"


def visitor_unit_note(unit: str | None) -> None:
    """Say when 'visitors' are really sessions (Shopify) or a mix of both."""
    if unit == "sessions":
        st.caption(t("ui.unit.sessions"))
    elif unit == "mixed":
        st.warning(t("ui.unit.mixed"))


def csv_download(frame: pd.DataFrame, name: str, key: str) -> None:
    """A small CSV download button for a table (UTF-8 with BOM, formula-safe)."""
    from ui import cached

    st.download_button(
        t("ui.download.csv"),
        data=cached.csv_bytes(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=key,
        icon=":material/download:",
        type="tertiary",
        on_click="ignore",
    )


# --- tables -----------------------------------------------------------------------------------


def channels_by_size(per_channel: pd.DataFrame) -> list[str]:
    """Channels of `channel_funnels` output, the most visited first."""
    visits = per_channel[per_channel["stage"] == "visits"].sort_values("count", ascending=False)
    return list(dict.fromkeys([*visits["channel"], *per_channel["channel"]]))


def show_table(
    frame: pd.DataFrame,
    key: str,
    currency: str | None,
    kinds: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> None:
    """A metrics table: labels from `ui.col.*`, every number formatted like the cards (money
    with the data's currency and 万 in Chinese, one percent rule, rate changes in pp), missing
    cells as "—". `kinds` sets a column's format, `overrides` its whole column_config."""
    data, config = columns.styled_table(frame, t, currency, language(), kinds=kinds)
    config.update(overrides or {})
    st.dataframe(data, hide_index=True, key=key, column_config=config, placeholder=columns.MISSING)


CHANNEL_COLUMNS = (
    "channel",
    "visitors",
    "share",
    "pay_conversion",
    "ci_low",
    "ci_high",
    "flag",
    "aov",
    "gmv",
    "uv_value",
    "ad_cost",
    "cost_per_visitor",
    "roi",
    "visitors_change",
    "pay_conversion_change",
    "gmv_change",
)


def channel_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The channel summary's display columns, flags in words; cost columns only with costs."""
    wanted = [c for c in CHANNEL_COLUMNS if c in summary]
    if "ad_cost" in summary and not summary["ad_cost"].notna().any():
        wanted = [c for c in wanted if c not in ("ad_cost", "cost_per_visitor", "roi")]
    table = summary[wanted].copy()
    if "flag" in table:
        table["flag"] = [t(f"ui.flag.{f}") if isinstance(f, str) else "" for f in table["flag"]]
    return table


def channel_table_show(table: pd.DataFrame, currency: str | None, key: str) -> None:
    """`channel_table` output: pinned channel name, no cost → "—", changes as signed %."""
    show_table(
        table,
        key,
        currency,
        overrides={
            "channel": st.column_config.TextColumn(t("ui.col.channel"), pinned=True),
            "flag": st.column_config.TextColumn(t("ui.col.flag")),
        },
    )


def mix_table(per_channel: pd.DataFrame, currency: str | None, key: str) -> None:
    """Per-channel mix and rate effects, in percentage points like the cards above them."""
    show_table(
        per_channel,
        key,
        currency,
        overrides={"channel": st.column_config.TextColumn(t("ui.col.channel"), pinned=True)},
    )


def mix_rate_cards(split: Any) -> None:
    """Conversion before → now, and how much of the change is mix vs rate (percentage points)."""
    if split is None or split.conversion_now is None or split.conversion_before is None:
        st.info(t("ui.traffic.no_mix"))
        return
    c1, c2, c3 = st.columns(3)
    c1.metric(
        t("metric.pay_conversion"),
        columns.rate_text(split.conversion_now),
        delta=columns.point_change_text(split.delta, language()),
        border=True,
        help=t("ui.kpi.before", value=columns.rate_text(split.conversion_before)),
    )
    c2.metric(
        t("ui.traffic.mix_effect"),
        columns.point_change_text(split.mix_effect, language()) or "—",
        border=True,
    )
    c3.metric(
        t("ui.traffic.rate_effect"),
        columns.point_change_text(split.rate_effect, language()) or "—",
        border=True,
    )


def targets_from_percent(qualified: float, good: float, peer: float) -> Any:
    """conversion.Targets from the page's percentage inputs (peer 0 = unknown)."""
    from analytics.metrics.conversion import Targets

    low, high = sorted((qualified / 100, good / 100))
    return Targets(
        pay_conversion_qualified=low,
        pay_conversion_good=high,
        peer={"pay_conversion": peer / 100} if peer > 0 else {},
    )


def conversion_series(trend: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """The conversion trend's two charts: rates of visitors (a few %, drawn against the targets)
    and step rates (tens of %: inquiry conversion, payment rate), so neither is flattened.

    Series whose column is missing or empty are left out.
    """

    def present(names: dict[str, str]) -> dict[str, str]:
        return {c: label for c, label in names.items() if c in trend and trend[c].notna().any()}

    visitor_rates = present(
        {
            "pay_conversion": t("metric.pay_conversion"),
            "order_conversion": t("ui.col.order_conversion"),
        }
    )
    step_rates = present(
        {
            "inquiry_conversion": t("ui.col.inquiry_conversion"),
            "payment_rate": t("ui.col.payment_rate"),
        }
    )
    return visitor_rates, step_rates


def target_lines(targets: Any) -> dict[str, float]:
    """Reference lines for the conversion trend: qualified, good and peer average."""
    lines = {
        t("ui.conversion.qualified_line"): targets.pay_conversion_qualified,
        t("ui.conversion.good_line"): targets.pay_conversion_good,
    }
    peer = targets.peer.get("pay_conversion")
    if peer:
        lines[t("ui.conversion.peer_line")] = peer
    return lines


PRODUCT_COLUMNS = (
    "product_name",
    "product_id",
    "is_presale",
    "product_visitors",
    "order_buyers",
    "paying_buyers",
    "pay_conversion",
    "order_conversion",
    "gmv",
)


def product_table(products: pd.DataFrame, targets: Any) -> pd.DataFrame:
    """Products with a verdict against the targets; presale products judged on order conversion."""
    table = products[[c for c in PRODUCT_COLUMNS if c in products]].copy()
    verdicts = []
    for presale, pay, order in zip(
        table.get("is_presale", pd.Series(False, index=table.index)).fillna(False),
        table["pay_conversion"],
        table.get("order_conversion", table["pay_conversion"]),
        strict=True,
    ):
        rating = targets.rating(
            float(order) if presale and pd.notna(order) else (float(pay) if pd.notna(pay) else None)
        )
        verdicts.append(t(f"ui.rating.{rating}") if rating else "")
    table["verdict"] = verdicts
    return table


def product_table_show(table: pd.DataFrame, currency: str | None, key: str) -> None:
    """`product_table` output: pinned product name, presale as a checkbox."""
    show_table(
        table,
        key,
        currency,
        overrides={
            "product_name": st.column_config.TextColumn(t("ui.col.product_name"), pinned=True),
            "product_id": st.column_config.TextColumn(t("ui.col.product_id")),
            "is_presale": st.column_config.CheckboxColumn(t("ui.col.is_presale")),
            "verdict": st.column_config.TextColumn(t("ui.col.verdict")),
        },
    )


# --- ratings ----------------------------------------------------------------------------------

DSR_DIMENSIONS = ("description", "service", "logistics")


def rating_cards(summary: Any) -> None:
    """Reviews, average stars, negative share and the three DSR scores."""
    row = cards("rating-cards", 6, min_px=110)  # "4.61", "3.72%"
    row[0].metric(t("ui.ratings.reviews"), f"{summary.reviews:,}", border=True)
    row[1].metric(
        t("ui.ratings.average"),
        "—" if summary.average is None else f"{summary.average:.2f}",
        border=True,
    )
    row[2].metric(
        t("ui.ratings.negative_share"), columns.rate_text(summary.negative_share), border=True
    )
    for card, dim in zip(row[3:], DSR_DIMENSIONS, strict=True):
        score = (summary.dsr or {}).get(dim)
        card.metric(t(f"ui.dsr.{dim}"), "—" if score is None else f"{score:.2f}", border=True)


def dsr_chart(snapshots: pd.DataFrame) -> Any:
    """DSR snapshot trend: own scores as lines, peer averages dashed."""
    from ui import charts

    return figure(
        charts.score_trend,
        snapshots,
        "date",
        {dim: t(f"ui.dsr.{dim}") for dim in DSR_DIMENSIONS},
        {f"peer_{dim}": t("ui.dsr.peer", dimension=t(f"ui.dsr.{dim}")) for dim in DSR_DIMENSIONS},
    )


def rolling_chart(rolling: pd.DataFrame) -> Any:
    """Rolling 180-day DSR computed from review rows."""
    from ui import charts

    return figure(
        charts.score_trend, rolling, "date", {dim: t(f"ui.dsr.{dim}") for dim in DSR_DIMENSIONS}, {}
    )


def distribution_chart(distribution: pd.DataFrame) -> Any:
    """Reviews per star, 1–2 stars in red."""
    from ui import charts

    stars = [int(r) for r in distribution["rating"]]
    return figure(
        charts.histogram_bars,
        [f"{s}★" for s in stars],
        distribution["reviews"].tolist(),
        colors=["#E15759" if s <= 2 else charts.PALETTE[0] for s in stars],
    )


# --- repeat -----------------------------------------------------------------------------------


def repeat_cards(summary: Any) -> None:
    """Customers, repeat rate, returning customer rate, returning revenue share, days to 2nd."""
    row = cards("repeat-cards", 5)
    row[0].metric(
        t("ui.repeat.customers"), columns.count_text(summary.customers, language()), border=True
    )
    row[1].metric(t("ui.repeat.repeat_rate"), columns.rate_text(summary.repeat_rate), border=True)
    row[2].metric(
        t("ui.repeat.returning_rate"),
        columns.rate_text(summary.returning_customer_rate),
        border=True,
    )
    row[3].metric(
        t("ui.repeat.revenue_share"),
        columns.rate_text(summary.returning_revenue_share),
        border=True,
    )
    days = summary.median_days_to_second
    row[4].metric(
        t("ui.repeat.days_to_second"),
        "—" if days is None else t("ui.repeat.days", days=f"{days:.0f}"),
        border=True,
    )


def whole_data_view(view: View) -> View:
    """The same view over all the data's dates (cohorts need months, not a week)."""
    cov = coverage()
    if cov is None or cov.first_date is None:
        return view
    return view.with_period(Period(cov.first_date, cov.last_date))


# --- goals ------------------------------------------------------------------------------------


class GoalDefaults:
    """Starting values of the goal planner, from the period's own conversion and AOV."""

    def __init__(
        self,
        target: float,
        days: int,
        conversion_pct: float,
        aov: float,
        shares: tuple[tuple[str, float], ...],
    ) -> None:
        self.target = target
        self.days = days
        self.conversion_pct = conversion_pct
        self.aov = aov
        self.shares = shares
        self.max_conversion_pct = max(20.0, round(conversion_pct * 3, 1))
        self.max_aov = float(max(1000.0, round(aov * 3, -1)))


def goal_defaults(base: Any, gmv: float | None, view: View) -> GoalDefaults | None:
    """Planner defaults from goals.baseline ((pay_conversion, aov, shares)) and the period GMV.

    The default target is the period's daily GMV × 30 days + 20 %, rounded to thousands.
    None when the period has no conversion or AOV to plan from.
    """
    conversion, aov, shares = base
    if not conversion or not aov or conversion != conversion or aov != aov:
        return None
    if isinstance(shares, pd.DataFrame):
        shares = dict(zip(shares["channel"], shares["share"], strict=True))
    days = view.period.days if view.period else 7
    target = float(round(gmv / days * 30 * 1.2, -3)) if gmv else 0.0
    return GoalDefaults(
        target=target or 100000.0,
        days=30,
        conversion_pct=round(float(conversion) * 100, 2),
        aov=round(float(aov), 2),
        shares=tuple((str(k), float(v)) for k, v in shares.items() if v == v),
    )


def money_format(currency: str | None) -> str:
    """A printf format for money inputs and sliders: "¥%.2f" / "$%.2f"."""
    return columns.currency_symbol(currency).replace("%", "%%") + "%.2f"


def goal_baseline_text(defaults: GoalDefaults, currency: str | None) -> str:
    """ "This period: pay conversion 2.40%, AOV ¥134.23." — the planner's starting point."""
    return t(
        "ui.goals.baseline",
        conversion=columns.rate_text(defaults.conversion_pct / 100),
        aov=columns.money_text(defaults.aov, currency, language()),
    )


def goal_cards(plan: Any, defaults: GoalDefaults, currency: str | None) -> None:
    """Visitors per day needed, against the period's actual visitors per day."""
    c1, c2 = st.columns(2)
    c1.metric(
        t("ui.goals.visitors_needed"),
        columns.count_text(plan.visitors_per_day, language()),
        border=True,
    )
    c2.metric(
        t("ui.goals.daily_gmv"),
        columns.money_text(defaults.target / max(defaults.days, 1), currency, language()),
        border=True,
    )


# --- report -----------------------------------------------------------------------------------

REPORT_TABLES = ("channels", "funnel", "leaks", "conversion", "products", "cohorts")


def unit_words(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its visitor_unit codes (visitors/sessions/mixed) in the page's language."""
    if "visitor_unit" not in frame:
        return frame
    shown = frame.copy()
    shown["visitor_unit"] = [
        t(f"ui.visitor_unit.{u}") if isinstance(u, str) else u for u in shown["visitor_unit"]
    ]
    return shown


def report_table(view: View, name: str) -> pd.DataFrame:
    """One of the dashboard's tables, for a CSV download."""
    from ui import cached

    if name == "channels":
        return channel_table(cached.channel_summary(view))
    if name == "funnel":
        stages = cached.funnel(view).stages
        return pd.DataFrame(
            [
                {
                    "stage": t(f"stage.{s.stage}"),
                    "count": s.count,
                    "step_rate": s.step_rate,
                    "overall_rate": s.overall_rate,
                }
                for s in stages
                if s.present
            ]
        )
    if name == "leaks":
        return findings_frame(cached.find_leaks(view).findings)
    if name == "conversion":
        return unit_words(cached.conversion_trend(view))
    if name == "products":
        return cached.product_conversion(view)
    if name == "cohorts":
        return cached.cohort_table(whole_data_view(view))
    raise ValueError(f"unknown table {name!r}")
