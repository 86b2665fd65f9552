"""`st.cache_data` wrappers around the analytics functions the pages call.

Every result is keyed by the workspace folder, the workspace version (it changes on every import
and undo, so a new upload is never answered from an old cache entry), the period, the scope and
the function's own arguments. `st.cache_data` is shared by every session of the process, so the
workspace path is part of the key (R12). The cached functions call no `st.*` function and take
no `_`-prefixed arguments (those would be left out of the key).

Pages pass one `View` (what is on screen: workspace, version, period, scope) to these wrappers.

Below `st.cache_data`, the SQL results themselves are remembered per process, keyed by workspace,
version, SQL text and parameters (`_Connection`): different metrics run the same query (the
sidebar's coverage is run again inside the funnel; the GMV split runs the two KPI queries that
the KPI cards already ran; the goal planner runs them a third time), and a result already read
is not scanned again from 1M rows. The connection itself is opened only when a query is not
remembered, so a metric answered wholly from remembered results never opens the file.
"""

from __future__ import annotations

import functools
import importlib
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analytics.metrics.period import Period, Scope

CACHE_ENTRIES = 512
# Remembered SQL results (see _Connection): how many, and the largest frame kept (rows).
QUERY_ENTRIES = 256
QUERY_MAX_ROWS = 20_000


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


_results: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_results_lock = threading.Lock()


def _remembered(key: tuple[Any, ...]) -> Any:
    with _results_lock:
        if key not in _results:
            return None
        _results.move_to_end(key)
        return _results[key]


def _remember(key: tuple[Any, ...], value: Any) -> None:
    with _results_lock:
        _results[key] = value
        _results.move_to_end(key)
        while len(_results) > QUERY_ENTRIES:
            _results.popitem(last=False)


def _frozen(params: Any) -> tuple[Any, ...] | None:
    """Query parameters as a hashable key, None when one of them is not hashable."""
    if params is None:
        return ()
    items = sorted(params.items()) if isinstance(params, dict) else list(enumerate(params))
    try:
        hash(tuple(items))
    except TypeError:
        return None
    return tuple((name, type(value).__name__, value) for name, value in items)


class _Query:
    """One `execute(sql, params)`: `.df()` and `.fetchall()` answered from remembered results.

    The metrics read results only through `analytics.queries` (`.df()` / `.fetchall()`); any
    other use runs the statement on the real connection, once.
    """

    def __init__(self, connection: _Connection, sql: str, params: Any) -> None:
        self._connection = connection
        self._sql = sql
        self._params = params
        self._result: Any = None
        frozen = _frozen(params)
        self._key = None if frozen is None else (connection.key, sql, frozen)

    def _run(self) -> Any:
        if self._result is None:
            self._result = self._connection.real().execute(self._sql, self._params)
        return self._result

    def df(self) -> pd.DataFrame:
        return self._fetch("df", lambda result: result.df()).copy()  # the metric may change it

    def fetchall(self) -> list[tuple]:
        return list(self._fetch("rows", lambda result: result.fetchall()))

    def _fetch(self, form: str, read: Callable[[Any], Any]) -> Any:
        """The result in `form`, remembered unless it is over QUERY_MAX_ROWS rows."""
        key = self._key and (*self._key, form)
        found = _remembered(key) if key else None
        if found is None:
            found = read(self._run())
            if key and len(found) <= QUERY_MAX_ROWS:
                _remember(key, found)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._run(), name)


class _Connection:
    """What the cached functions hand the metrics instead of a DuckDB connection.

    `execute` returns a `_Query`; the workspace is opened (through `Workspace.connect`, with its
    lock and busy handling) only when a result is not remembered, and closed by `connection()`.
    """

    def __init__(self, path: str, version: str) -> None:
        self.key = (path, version)
        self._path = path
        self._stack = ExitStack()
        self._con: Any = None

    def real(self) -> Any:
        if self._con is None:
            self._con = self._stack.enter_context(open_workspace(self._path).connect())
        return self._con

    def execute(self, sql: str, params: Any = None) -> _Query:
        return _Query(self, sql, params)

    def close(self) -> None:
        self._stack.close()
        self._con = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


@contextmanager
def connection(path: str, version: str) -> Iterator[Any]:
    """A connection-like object for the metrics over the workspace at `path`, `version`."""
    con = _Connection(path, version)
    try:
        yield con
    finally:
        con.close()


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

    `version` keys both caches, so a new import is never answered from an old result.
    """
    metric = getattr(importlib.import_module(f"analytics.metrics.{module}"), func)
    with connection(path, version) as con:
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
    from analytics.metrics import coverage as cov

    with connection(path, version) as con:
        return cov.coverage(con, scope)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def default_period(path: str, version: str, scope: Scope) -> Period | None:
    """The default period (the last full week of data), None for an empty workspace."""
    from analytics.metrics import coverage as cov

    with connection(path, version) as con:
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
    """The XLSX or HTML report of the period, as bytes for a download button.

    Its sections run the pages' queries again: most are answered from remembered results.
    """
    from analytics.metrics import report

    writer = {"xlsx": report.write_xlsx, "html": report.write_html}[fmt]
    with tempfile.TemporaryDirectory(prefix="shoplens-report-") as folder:
        out = Path(folder) / f"report.{fmt}"
        with connection(path, version) as con:
            writer(con, period, scope, out, lang)
        return out.read_bytes()


@st.cache_data(show_spinner=False, max_entries=64)
def csv_bytes(frame: pd.DataFrame) -> bytes:
    """`frame` as CSV: UTF-8 with BOM, formula-leading text neutralised (R10)."""
    from analytics.metrics import report

    return report.csv_bytes(frame)
