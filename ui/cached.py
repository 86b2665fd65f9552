"""`st.cache_data` wrappers around the analytics functions the pages call.

Every result is keyed by the workspace folder, the workspace version (it changes on every import
and undo, so a new upload is never answered from an old cache entry), the period, the scope and
the function's own arguments. `st.cache_data` is shared by every session of the process, so the
workspace path is part of the key (R12). The cached functions call no `st.*` function and take
no `_`-prefixed arguments (those would be left out of the key).

Pages pass one `View` (what is on screen: workspace, version, period, scope) to these wrappers.
"""

from __future__ import annotations

import functools
import importlib
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analytics.metrics.period import Period, Scope

CACHE_ENTRIES = 512


@dataclass(frozen=True)
class View:
    """What the pages look at: a workspace at a version, a period and a shop/platform scope."""

    path: str
    version: str
    period: Period | None
    scope: Scope = field(default_factory=Scope)
    is_sample: bool = False
    currency: str | None = None

    def with_period(self, period: Period) -> View:
        """The same view over another period (e.g. the previous one)."""
        return replace(self, period=period)


@functools.cache
def open_workspace(path: str) -> Any:
    """The `Workspace` for `path`, one object per process (it holds no open connection)."""
    from analytics.workspace import Workspace

    return Workspace(Path(path))


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _call(
    path: str,
    version: str,
    module: str,
    func: str,
    period: Period | None,
    scope: Scope,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
) -> Any:
    """Run `analytics.metrics.<module>.<func>(con, period, scope, *args, **kwargs)` once per key.

    `version` is not used in the body: it is there so the key changes with the data.
    """
    del version
    metric = getattr(importlib.import_module(f"analytics.metrics.{module}"), func)
    with open_workspace(path).connect() as con:
        return metric(con, period, scope, *args, **dict(kwargs))


def _metric(view: View, module: str, func: str, *args: Any, **kwargs: Any) -> Any:
    return _call(
        view.path,
        view.version,
        module,
        func,
        view.period,
        view.scope,
        args,
        tuple(sorted(kwargs.items())),
    )


# --- workspace ------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def coverage(path: str, version: str, scope: Scope) -> Any:
    """Coverage (first/last date, shops, platforms, currency …) of the workspace in `scope`."""
    del version
    from analytics.metrics import coverage as cov

    with open_workspace(path).connect() as con:
        return cov.coverage(con, scope)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def default_period(path: str, version: str, scope: Scope) -> Period | None:
    """The default period (the last full week of data), None for an empty workspace."""
    del version
    from analytics.metrics import coverage as cov

    with open_workspace(path).connect() as con:
        return cov.default_period(con, scope)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def imports(path: str, version: str) -> list[Any]:
    """The import history of the workspace (ImportRecord rows, newest first)."""
    del version
    records = list(open_workspace(path).imports())
    return sorted(records, key=lambda r: r.import_id, reverse=True)


# --- overview, funnel, leak ------------------------------------------------------------------


def kpi_comparison(view: View) -> Any:
    """KPIs now and in the previous period of equal length, with relative changes."""
    return _metric(view, "kpis", "kpi_comparison")


def funnel(view: View, channel: str | None = None, window_days: int = 7) -> Any:
    """The five-stage funnel of the view's period (stages the data lacks are marked missing)."""
    return _metric(view, "funnel", "funnel", channel=channel, window_days=window_days)


def channel_funnels(view: View) -> pd.DataFrame:
    """One funnel per channel: channel, stage, count, step_rate, overall_rate."""
    return _metric(view, "funnel", "channel_funnels")


def stage_trend(view: View, grain: str = "day") -> pd.DataFrame:
    """Stage counts and step rates per day/week, with immature buckets marked."""
    return _metric(view, "funnel", "stage_trend", grain=grain)


def find_leaks(view: View, baseline: str = "previous", targets: Any = None) -> Any:
    """The leak report: per step rate now vs before, p-value, lost payments, the leak."""
    return _metric(view, "leak", "find_leaks", baseline=baseline, targets=targets)


def gmv_change(view: View) -> Any:
    """GMV change split exactly into visitors, conversion and AOV effects."""
    return _metric(view, "leak", "gmv_change")


def mix_rate_split(view: View) -> Any:
    """Change in pay conversion split into traffic-mix and channel-rate effects."""
    return _metric(view, "leak", "mix_rate_split")


# --- traffic, conversion -------------------------------------------------------------------


def channel_summary(view: View) -> pd.DataFrame:
    """Per-channel visitors, conversion with CI, AOV, GMV, UV value, cost, ROI and changes."""
    return _metric(view, "channels", "channel_summary")


def channel_trend(view: View, grain: str = "day") -> pd.DataFrame:
    """Visitors, pay conversion and GMV per channel per day/week."""
    return _metric(view, "channels", "channel_trend", grain=grain)


def conversion_trend(view: View, grain: str = "day") -> pd.DataFrame:
    """Pay/order/inquiry conversion and payment rate per bucket, immature buckets marked."""
    return _metric(view, "conversion", "conversion_trend", grain=grain)


def product_conversion(view: View) -> pd.DataFrame:
    """Per-product visitors, buyers, conversion, presale flag and GMV."""
    return _metric(view, "conversion", "product_conversion")


# --- ratings, repeat, goals ------------------------------------------------------------------


def rating_summary(view: View) -> Any:
    """Reviews, average rating, negative share, distribution and latest DSR."""
    return _metric(view, "ratings", "rating_summary")


def dsr_rolling(view: View, window_days: int = 180) -> pd.DataFrame:
    """Rolling mean of the three DSR dimensions computed from review rows."""
    return _metric(view, "ratings", "dsr_rolling", window_days=window_days)


def dsr_snapshots(view: View) -> pd.DataFrame:
    """DSR snapshots (shop and peers) as exported by the platform."""
    return _metric(view, "ratings", "dsr_snapshots")


def rating_distribution(view: View) -> pd.DataFrame:
    """Number of reviews per star rating."""
    return _metric(view, "ratings", "rating_distribution")


def repeat_summary(view: View) -> Any:
    """Repeat and returning-customer rates, returning revenue share, days to 2nd order."""
    return _metric(view, "repeat", "repeat_summary")


def cohort_table(view: View) -> pd.DataFrame:
    """Monthly cohort retention: cohort_month, months_since, customers, retention."""
    return _metric(view, "repeat", "cohort_table")


def goals_baseline(view: View) -> Any:
    """Pay conversion, AOV and channel shares of the period, the goal planner's defaults."""
    return _metric(view, "goals", "baseline")


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def goal_plan(
    target_gmv: float,
    days: int,
    pay_conversion: float,
    aov: float,
    channel_shares: tuple[tuple[str, float], ...],
) -> Any:
    """Visitors per day (total and per channel) needed to reach `target_gmv` in `days`."""
    from analytics.metrics import goals

    return goals.plan(target_gmv, days, pay_conversion, aov, dict(channel_shares))


# --- report ---------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=32)
def report_bytes(
    path: str, version: str, period: Period, scope: Scope, fmt: str, lang: str
) -> bytes:
    """The XLSX or HTML report of the period, as bytes for a download button."""
    del version
    from analytics.metrics import report

    writer = {"xlsx": report.write_xlsx, "html": report.write_html}[fmt]
    with tempfile.TemporaryDirectory(prefix="shoplens-report-") as folder:
        out = Path(folder) / f"report.{fmt}"
        with open_workspace(path).connect() as con:
            writer(con, period, scope, out, lang)
        return out.read_bytes()


@st.cache_data(show_spinner=False, max_entries=64)
def csv_bytes(frame: pd.DataFrame) -> bytes:
    """`frame` as CSV: UTF-8 with BOM, formula-leading text neutralised (R10)."""
    from analytics.metrics import report

    return report.csv_bytes(frame)
