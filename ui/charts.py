"""Plotly figure builders for the pages: funnel, waterfall, bars, bubble, trends, heatmap.

Each builder takes analytics results (dataclasses or DataFrames with metric-named columns) and a
translate function `t`, and returns a `go.Figure`. They only reshape for display; numbers come
from analytics. Every figure uses a CJK-capable font stack, so Chinese channel and product names
render on Linux (Noto), Windows (YaHei) and macOS (PingFang) alike. Channel and product names
reach Plotly as data (text, hover), never as HTML.

Tests check the data behind a figure (`fig.data[0].x` …), not pixels.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.schema import FUNNEL_STAGES
from ui.columns import count_text, currency_symbol, money_text, percent_text

FONT_FAMILY = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif'
PALETTE = ("#2E6FD8", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#B07AA1", "#EDC948", "#9C755F")
IMMATURE_FILL = "rgba(150, 150, 150, 0.18)"
MISSING_COLOR = "#B0B0B0"
MAX_SIDE_BY_SIDE = 6

Translate = Callable[..., str]

# Figures built before, by builder, language and arguments (see `remembered`).
FIGURE_ENTRIES = 128
_figures: OrderedDict[bytes, go.Figure] = OrderedDict()
_figures_lock = threading.Lock()


def _plain(value: Any) -> Any:
    """`value` for a cache key: callables by name and source line, containers element-wise."""
    if callable(value) and not isinstance(value, type):
        code = getattr(value, "__code__", None)
        return (
            "callable",
            getattr(value, "__module__", None),
            getattr(value, "__qualname__", repr(type(value))),
            code and (code.co_filename, code.co_firstlineno),
        )
    if isinstance(value, pd.DataFrame | pd.Series):
        # A frame's pickle differs between equal copies (st.cache_data hands out copies), so
        # frames are keyed by their labels, dtypes and per-row content hashes.
        columns = value.columns if isinstance(value, pd.DataFrame) else [value.name]
        dtypes = value.dtypes if isinstance(value, pd.DataFrame) else [value.dtype]
        rows = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()
        return ("frame", tuple(map(str, columns)), tuple(map(str, dtypes)), rows)
    if isinstance(value, list | tuple):
        return (type(value).__name__, *(_plain(v) for v in value))
    if isinstance(value, dict):
        return ("dict", *((k, _plain(v)) for k, v in value.items()))
    return value


def remembered(build: Callable[..., go.Figure], *args: Any, lang: str, **kwargs: Any) -> go.Figure:
    """`build(*args, **kwargs)`, or the figure it returned before for equal arguments.

    Building a Plotly figure (every property validated) was 50-70 % of a cached rerun's CPU on
    the funnel, traffic, conversion and repeat pages. The key is the builder, `lang` and the
    pickled arguments (frames, results, labels). Callable arguments (`t`, label functions) are
    keyed by name and source line, so they must depend only on the language, as every
    translate/label function does. The figure is shared: callers pass it to st.plotly_chart,
    which only reads it, and must not change it.
    """
    try:
        key = hashlib.sha256(
            pickle.dumps(
                (build.__module__, build.__qualname__, lang, _plain(args), _plain(kwargs)),
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        ).digest()
    except (pickle.PicklingError, TypeError, AttributeError):
        return _build(build, args, kwargs, lang)
    with _figures_lock:
        found = _figures.get(key)
        if found is not None:
            _figures.move_to_end(key)
            return found
    fig = _build(build, args, kwargs, lang)
    with _figures_lock:
        _figures[key] = fig
        while len(_figures) > FIGURE_ENTRIES:
            _figures.popitem(last=False)
    return fig


def _build(
    build: Callable[..., go.Figure], args: tuple, kwargs: dict[str, Any], lang: str
) -> go.Figure:
    """Run a builder, handing it `lang` if it formats numbers, and localise its date axes."""
    if "lang" in inspect.signature(build).parameters:
        kwargs = {**kwargs, "lang": lang}
    return localise(build(*args, **kwargs), lang)


def _layout(fig: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    # A title sits at the top edge and the legend right above the plot, so the two never meet.
    fig.update_layout(
        title={"text": title, "y": 0.98, "yanchor": "top", "x": 0.01, "xanchor": "left"}
        if title
        else None,
        font={"family": FONT_FAMILY},
        height=height + (30 if title else 0),
        margin={"l": 10, "r": 10, "t": 80 if title else 20, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        colorway=list(PALETTE),
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    return fig


def _pct(value: Any) -> str:
    """A rate as bar text, by the same rule as cards and tables (`columns.percent_text`)."""
    return percent_text(value)


def _is_dates(values: Any) -> bool:
    if values is None or len(values) == 0:
        return False
    first = values[0]
    return isinstance(first, datetime.date | np.datetime64) or (
        isinstance(first, str) and len(first) >= 10 and first[4] == "-" and first[7] == "-"
    )


def localise(fig: go.Figure, lang: str) -> go.Figure:
    """Axes in the page's language: Plotly writes month names in English ("Nov 16") and big
    numbers with SI letters ("30k"), so Chinese pages get "11月16日" and "30,000"; hover shows
    the full date in both languages. Axes a builder formatted itself are left alone."""
    if any(_is_dates(getattr(trace, "x", None)) for trace in fig.data):
        if lang == "zh":
            fig.update_xaxes(tickformat="%-m月%-d日", hoverformat="%Y-%m-%d")
        else:
            fig.update_xaxes(hoverformat="%Y-%m-%d")
    if lang == "zh":

        def plain_numbers(axis: Any) -> None:
            if axis.tickformat is None and axis.type != "category":
                axis.update(exponentformat="none", separatethousands=True)

        fig.for_each_xaxis(plain_numbers)
        fig.for_each_yaxis(plain_numbers)
    return fig


def stage_label(stage: str, t: Translate) -> str:
    """The translated label of a funnel stage name (visits, product_views, …)."""
    return t(f"stage.{stage}")


# --- funnel ---------------------------------------------------------------------------------


def funnel_chart(
    funnel: Any, t: Translate, title: str | None = None, lang: str = "en"
) -> go.Figure:
    """The five-stage funnel; stages the data lacks are listed as missing, not drawn as zero.

    Each bar carries its count; the step rate (to the previous present stage) and the overall
    rate (of visits) stand level with their bar in a right margin of their own, a fixed width
    in pixels: on a narrow screen the bars shrink, the rates are never clipped or overlapped.
    """
    present = [s for s in funnel.stages if s.present]
    missing = [s for s in funnel.stages if not s.present]
    labels = [stage_label(s.stage, t) for s in present]
    fig = go.Figure(
        go.Funnel(
            y=labels,
            x=[s.count for s in present],
            text=[count_text(s.count, lang) for s in present],
            textinfo="text",
            textposition="auto",  # inside a bar wide enough for it, else beside it
            cliponaxis=False,
            marker={"color": PALETTE[0]},
            connector={"line": {"color": "#cccccc"}},
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    _layout(fig, title, height=360)
    # The stage names get a left margin of their own too: on a chart a few hundred pixels wide
    # automargin alone gives up and cuts them off.
    fig.update_layout(margin={"l": _FUNNEL_NAMES_PX, "r": _FUNNEL_RATES_PX})
    fig.update_xaxes(visible=False)
    # Long stage names push the bars, not off the chart; a name of several words goes on two
    # lines, so that on a narrow screen it needs half the width ("Product views").
    fig.update_yaxes(automargin=True, tickvals=labels, ticktext=[_two_lines(x) for x in labels])
    for label, s in zip(labels, present, strict=True):
        fig.add_annotation(
            text=t("ui.chart.funnel_rates", step=_pct(s.step_rate), overall=_pct(s.overall_rate)),
            xref="paper",
            x=1,
            xanchor="left",
            xshift=4,
            yref="y",
            y=label,
            align="left",
            showarrow=False,
            font={"color": "#5a5a5a", "size": 12},
        )
    if missing:
        names = "、".join(stage_label(s.stage, t) for s in missing)
        fig.add_annotation(
            text=t("ui.chart.missing_stages", stages=names),
            xref="paper",
            yref="paper",
            x=0,
            y=-0.08,
            showarrow=False,
            font={"color": "#7a7a7a", "size": 12},
            xanchor="left",
        )
        fig.update_layout(margin={"b": 40})
    return fig


def _two_lines(label: str) -> str:
    """A label of two or more words broken after its first word."""
    first, _, rest = label.partition(" ")
    return f"{first}<br>{rest}" if rest else label


# The width of the funnel's rates column: "overall 100.0%" at 12 px, and a little air; and
# of its names column: "Payments" or "商品浏览" at 12 px (longer names go on two lines).
_FUNNEL_RATES_PX = 120
_FUNNEL_NAMES_PX = 70


def funnel_compare(now: Any, before: Any, t: Translate, labels: tuple[str, str]) -> go.Figure:
    """Step rates of the two periods side by side, one group per stage (missing stages left out).

    The step rate of a stage is its count over the previous present stage, so a drop in one
    group is a leak at that step; the first stage (visits) has no step and is not drawn.
    """
    fig = go.Figure()
    for funnel, name, color in ((before, labels[0], MISSING_COLOR), (now, labels[1], PALETTE[0])):
        steps = [s for s in funnel.stages if s.present and s.step_rate is not None]
        fig.add_trace(
            go.Bar(
                name=name,
                x=[stage_label(s.stage, t) for s in steps],
                y=[s.step_rate for s in steps],
                text=[_pct(s.step_rate) for s in steps],
                textposition="outside",
                marker={"color": color},
            )
        )
    fig.update_layout(barmode="group")
    _layout(fig, None, height=360)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return fig


def channel_funnels(frame: pd.DataFrame, t: Translate, channels: Sequence[str]) -> go.Figure:
    """One small funnel per channel (up to six), overall rate of visits as the bar text."""
    shown = list(channels)[:MAX_SIDE_BY_SIDE]
    fig = make_subplots(
        rows=1,
        cols=max(len(shown), 1),
        shared_yaxes=True,
        subplot_titles=[str(c) for c in shown],
        horizontal_spacing=0.02,
    )
    order = {stage: i for i, stage in enumerate(FUNNEL_STAGES)}
    for col, channel in enumerate(shown, start=1):
        part = frame[frame["channel"] == channel].copy()
        part = part[part["count"].notna()]
        part = part.sort_values("stage", key=lambda s: s.map(order))
        fig.add_trace(
            go.Funnel(
                name=str(channel),
                y=[stage_label(s, t) for s in part["stage"]],
                x=part["count"].tolist(),
                text=[_pct(v) for v in part["overall_rate"]],
                textinfo="text",
                marker={"color": PALETTE[(col - 1) % len(PALETTE)]},
                showlegend=False,
            ),
            row=1,
            col=col,
        )
    ordered = [stage_label(s, t) for s in FUNNEL_STAGES]
    fig.update_yaxes(categoryorder="array", categoryarray=ordered)
    return _layout(fig, None, height=340)


# --- trends ---------------------------------------------------------------------------------


def _shade_immature(fig: go.Figure, frame: pd.DataFrame, x: str, t: Translate, grain: str) -> None:
    """Shade buckets whose data is not final yet (refunds, presale balances, open windows)."""
    if "immature" not in frame or not frame["immature"].fillna(False).any():
        return
    buckets = pd.to_datetime(frame.loc[frame["immature"].fillna(False).astype(bool), x])
    half = pd.Timedelta(days=3.5 if grain == "week" else 0.5)
    start, end = buckets.min() - half, buckets.max() + half
    fig.add_vrect(
        x0=start,
        x1=end,
        fillcolor=IMMATURE_FILL,
        line_width=0,
        layer="below",
        annotation_text=t("ui.chart.immature"),
        annotation_position="top left",
        annotation_font={"size": 11, "color": "#7a7a7a"},
    )


def rate_trend(
    frame: pd.DataFrame,
    series: dict[str, str],
    t: Translate,
    x: str = "bucket",
    grain: str = "day",
    hlines: dict[str, float] | None = None,
    title: str | None = None,
    percent: bool = True,
) -> go.Figure:
    """Lines of rate columns over time (`series`: column → label), immature buckets shaded.

    `hlines` draws dashed reference lines (targets, peer averages): label → value.
    """
    fig = go.Figure()
    for i, (column, label) in enumerate(series.items()):
        if column not in frame:
            continue
        fig.add_trace(
            go.Scatter(
                x=frame[x],
                y=frame[column],
                name=label,
                mode="lines+markers",
                line={"color": PALETTE[i % len(PALETTE)]},
                connectgaps=False,
            )
        )
    sides = ("top right", "bottom right", "top left", "bottom left")
    for j, (label, value) in enumerate((hlines or {}).items()):
        if value is None:
            continue
        fig.add_hline(
            y=value,
            line_dash="dash",
            line_color=PALETTE[(j + 3) % len(PALETTE)],
            annotation_text=f"{label} {percent_text(value)}" if percent else label,
            annotation_position=sides[j % len(sides)],
            annotation_font={"size": 11},
        )
    _shade_immature(fig, frame, x, t, grain)
    _layout(fig, title)
    if percent:
        fig.update_yaxes(tickformat=".1%")
    return fig


def long_trend(
    frame: pd.DataFrame,
    value: str,
    group: str,
    t: Translate,
    x: str = "bucket",
    grain: str = "day",
    labels: Callable[[Any], str] = str,
    percent: bool = False,
    title: str | None = None,
) -> go.Figure:
    """One line per group (channel or stage) of a long frame, immature buckets shaded."""
    fig = go.Figure()
    for i, (name, part) in enumerate(frame.groupby(group, sort=False)):
        if not part[value].notna().any():
            continue  # e.g. the first funnel stage has no step rate
        fig.add_trace(
            go.Scatter(
                x=part[x],
                y=part[value],
                name=labels(name),
                mode="lines+markers",
                line={"color": PALETTE[i % len(PALETTE)]},
            )
        )
    _shade_immature(fig, frame.drop_duplicates(x), x, t, grain)
    _layout(fig, title)
    if percent:
        fig.update_yaxes(tickformat=".1%")
    return fig


# --- bars, bubble, waterfall, heatmap --------------------------------------------------------


def bars(
    frame: pd.DataFrame,
    x: str,
    y: str,
    t: Translate,
    title: str | None = None,
    percent: bool = False,
    money: str | None = None,
    color: str | None = None,
    error: tuple[str, str] | None = None,
) -> go.Figure:
    """A bar per row (`x` categories, `y` values); `error` = (low, high) columns for a CI."""
    error_y = None
    if error is not None:
        low, high = error
        error_y = {
            "type": "data",
            "symmetric": False,
            "array": (frame[high] - frame[y]).tolist(),
            "arrayminus": (frame[y] - frame[low]).tolist(),
            "color": "#555555",
        }
    fig = go.Figure(
        go.Bar(
            x=frame[x].astype(str),
            y=frame[y],
            marker={"color": color or PALETTE[0]},
            error_y=error_y,
        )
    )
    _layout(fig, title)
    if percent:
        fig.update_yaxes(tickformat=".1%")
    if money:
        fig.update_yaxes(tickprefix=currency_symbol(money), tickformat=",.0f")
    return fig


def bubble(
    frame: pd.DataFrame,
    t: Translate,
    currency: str | None,
    x: str = "visitors",
    y: str = "pay_conversion",
    size: str = "gmv",
    label: str = "channel",
    axis_labels: tuple[str, str] = ("", ""),
    title: str | None = None,
) -> go.Figure:
    """Channels as bubbles: x visitors, y pay conversion, bubble area GMV."""
    data = frame[[label, x, y, size]].copy()
    sizes = data[size].fillna(0).clip(lower=0).astype(float)
    peak = float(sizes.max()) if len(sizes) and sizes.max() > 0 else 1.0
    symbol = currency_symbol(currency)
    fig = go.Figure(
        go.Scatter(
            x=data[x],
            y=data[y],
            mode="markers+text",
            text=data[label].astype(str),
            textposition="top center",
            marker={
                "size": sizes.tolist(),
                "sizemode": "area",
                "sizeref": 2.0 * peak / (60.0**2),
                "sizemin": 4,
                "color": PALETTE[0],
                "opacity": 0.6,
            },
            customdata=data[size],
            hovertemplate=(
                "%{text}<br>%{x:,}<br>%{y:.2%}<br>" + symbol + "%{customdata:,.2f}<extra></extra>"
            ),
        )
    )
    _layout(fig, title, height=420)
    fig.update_xaxes(title=axis_labels[0])
    fig.update_yaxes(title=axis_labels[1], tickformat=".1%")
    return fig


def waterfall(
    split: Any, t: Translate, currency: str | None, title: str | None = None, lang: str = "en"
) -> go.Figure:
    """GMV before → visitors, conversion and AOV effects → GMV now (the effects sum exactly)."""
    symbol = currency_symbol(currency)
    names = [
        t("ui.chart.gmv_before"),
        t("metric.visitors"),
        t("metric.pay_conversion"),
        t("metric.aov"),
        t("ui.chart.gmv_now"),
    ]
    values = [
        float(split.gmv_before or 0),
        float(split.visitors_effect or 0),
        float(split.conversion_effect or 0),
        float(split.aov_effect or 0),
        float(split.gmv_now or 0),
    ]
    fig = go.Figure(
        go.Waterfall(
            x=names,
            y=values,
            measure=["absolute", "relative", "relative", "relative", "total"],
            text=[_signed_money(v, i, currency, lang) for i, v in enumerate(values)],
            textposition="outside",
            increasing={"marker": {"color": "#59A14F"}},
            decreasing={"marker": {"color": "#E15759"}},
            totals={"marker": {"color": PALETTE[0]}},
            connector={"line": {"color": "#999999"}},
        )
    )
    _layout(fig, title)
    fig.update_yaxes(tickprefix=symbol, tickformat=",.0f")
    return fig


def _signed_money(value: float, index: int, currency: str | None, lang: str) -> str:
    """Waterfall text: totals as money, effects with their sign ("+¥186.29", "-¥5.26万")."""
    text = money_text(value, currency, lang)
    if 0 < index < 4 and value > 0:
        return "+" + text
    return text


def grouped_bars(
    frame: pd.DataFrame,
    x: str,
    ys: dict[str, str],
    title: str | None = None,
    percent: bool = False,
) -> go.Figure:
    """Bars of several columns per category (`ys`: column → legend label)."""
    fig = go.Figure()
    for i, (column, label) in enumerate(ys.items()):
        fig.add_trace(
            go.Bar(
                x=frame[x].astype(str),
                y=frame[column],
                name=label,
                marker={"color": PALETTE[i % len(PALETTE)]},
            )
        )
    fig.update_layout(barmode="group")
    _layout(fig, title)
    if percent:
        fig.update_yaxes(tickformat=".1%")
    return fig


def cohort_heatmap(frame: pd.DataFrame, t: Translate, title: str | None = None) -> go.Figure:
    """Retention by first-purchase month (rows) × months since (columns)."""
    table = frame.pivot_table(
        index="cohort_month", columns="months_since", values="retention", aggfunc="first"
    ).sort_index()
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=[str(c) for c in table.columns],
            y=[str(i)[:7] for i in table.index],
            colorscale="Blues",
            zmin=0,
            zmax=1,
            text=[[_pct(v) if v == v else "" for v in row] for row in table.to_numpy()],
            texttemplate="%{text}",
            hovertemplate="%{y} +%{x}: %{z:.1%}<extra></extra>",
            colorbar={"tickformat": ".0%"},
        )
    )
    _layout(fig, title, height=max(300, 40 * len(table) + 120))
    fig.update_xaxes(title=t("ui.chart.months_since"), type="category")
    fig.update_yaxes(title=t("ui.chart.cohort"), autorange="reversed", type="category")
    return fig


def histogram_bars(
    labels: Sequence[str],
    values: Sequence[float],
    title: str | None = None,
    colors: Sequence[str] | None = None,
) -> go.Figure:
    """Simple bars from two sequences (rating distribution and similar)."""
    fig = go.Figure(
        go.Bar(
            x=list(labels), y=list(values), marker={"color": list(colors) if colors else PALETTE[0]}
        )
    )
    return _layout(fig, title, height=320)


def score_trend(
    frame: pd.DataFrame,
    x: str,
    own: dict[str, str],
    peers: dict[str, str],
    title: str | None = None,
) -> go.Figure:
    """Scores (1–5) over time: own dimensions as solid lines, peer averages dashed."""
    fig = go.Figure()
    for i, (column, label) in enumerate(own.items()):
        if column in frame and frame[column].notna().any():
            fig.add_trace(
                go.Scatter(
                    x=frame[x],
                    y=frame[column],
                    name=label,
                    mode="lines",
                    line={"color": PALETTE[i % len(PALETTE)]},
                )
            )
    for i, (column, label) in enumerate(peers.items()):
        if column in frame and frame[column].notna().any():
            fig.add_trace(
                go.Scatter(
                    x=frame[x],
                    y=frame[column],
                    name=label,
                    mode="lines",
                    line={"color": PALETTE[i % len(PALETTE)], "dash": "dash"},
                )
            )
    _layout(fig, title)
    fig.update_yaxes(tickformat=".2f")
    # Scores move in hundredths: ticks closer than 0.01 would print the same label twice.
    shown = [c for c in (*own, *peers) if c in frame and frame[c].notna().any()]
    if shown:
        values = pd.concat([pd.to_numeric(frame[c], errors="coerce") for c in shown])
        if values.max() - values.min() < 0.08:
            fig.update_yaxes(dtick=0.01)
    return fig
