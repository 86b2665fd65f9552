"""The filters every page shares: period and shop/platform, drawn once in the sidebar.

`app.py` calls `sidebar()` on every run before the page runs; it draws the workspace banner (sample
data or not), the period picker and the scope filter, and stores the resulting `View` for the
page, which reads it with `view()`. Widget state lives in `st.session_state` under `filter.*`
keys, so the choice survives moving between pages.

Periods are relative to the data's latest date (from `metrics.coverage`), not to today: an
operator who uploads last week's export on a Wednesday wants "last week" to mean that export.

- this week: Monday of the latest date's week → the latest date (may be incomplete)
- last week: the full Monday–Sunday week before that
- last 4 weeks: the four full weeks ending with the last full week of data
- custom: any range inside the data
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import streamlit as st

from analytics.i18n import catalogue
from analytics.metrics.period import Period, Scope, last_full_week
from ui import cached
from ui.state import (
    HIDE_SAMPLE_KEY,
    WorkspaceChoice,
    bound_t,
    choose_workspace,
    hide_sample,
    label_func,
    t,
)

VIEW_KEY = "ui.view"
COVERAGE_KEY = "ui.coverage"
PERIOD_KEY = "filter.period"
CUSTOM_KEY = "filter.custom"
SHOP_KEY = "filter.shop"
PLATFORM_KEY = "filter.platform"
PERIOD_CHOICES = ("this_week", "last_week", "last_4_weeks", "custom")
ALL = "__all__"


def period_for(choice: str, latest: date) -> Period:
    """The period a picker choice means when the data's latest date is `latest`.

    >>> period_for("this_week", date(2024, 1, 10))  # a Wednesday
    Period(start=datetime.date(2024, 1, 8), end=datetime.date(2024, 1, 10))
    >>> period_for("last_week", date(2024, 1, 10))
    Period(start=datetime.date(2024, 1, 1), end=datetime.date(2024, 1, 7))
    >>> period_for("last_4_weeks", date(2024, 1, 7))  # a Sunday: that week is complete
    Period(start=datetime.date(2023, 12, 11), end=datetime.date(2024, 1, 7))
    """
    monday = latest - timedelta(days=latest.weekday())
    if choice == "this_week":
        return Period(monday, latest)
    if choice == "last_week":
        return Period(monday - timedelta(days=7), monday - timedelta(days=1))
    if choice == "last_4_weeks":
        end = last_full_week(latest).end
        return Period(end - timedelta(days=27), end)
    raise ValueError(f"unknown period choice {choice!r}")


def default_choice(latest: date) -> str:
    """The choice matching the default period, the last full week of data."""
    return "this_week" if latest.weekday() == 6 else "last_week"


def sidebar(choice: WorkspaceChoice | None = None) -> cached.View:
    """Draw the shared sidebar (workspace banner, period, scope) and return the page's View."""
    choice = choice or choose_workspace()
    _workspace_banner(choice)
    cov = cached.coverage(choice.path, choice.version, Scope())
    st.session_state[COVERAGE_KEY] = cov
    if cov is None or cov.last_date is None:
        view = cached.View(choice.path, choice.version, None, Scope(), choice.is_sample)
        st.session_state[VIEW_KEY] = view
        return view

    st.sidebar.subheader(t("ui.filter.title"))
    period = _period_picker(cov.first_date, cov.last_date)
    scope = _scope_picker(cov, choice)
    scoped = cov if scope == Scope() else cached.coverage(choice.path, choice.version, scope)
    st.session_state[COVERAGE_KEY] = scoped
    currency = scoped.currency or (cov.currency if scope == Scope() else None)
    view = cached.View(choice.path, choice.version, period, scope, choice.is_sample, currency)
    st.session_state[VIEW_KEY] = view
    return view


def view() -> cached.View:
    """The View `sidebar()` built in this run (built now if the page runs without the frame)."""
    found = st.session_state.get(VIEW_KEY)
    return found if isinstance(found, cached.View) else sidebar()


def coverage() -> Any:
    """The Coverage of the workspace on screen in the chosen scope, as read by `sidebar()`."""
    if COVERAGE_KEY not in st.session_state:
        sidebar()
    return st.session_state[COVERAGE_KEY]


def _workspace_banner(choice: WorkspaceChoice) -> None:
    if choice.is_sample:
        st.sidebar.warning(t("ui.sample.banner"), icon=":material/science:")
        st.sidebar.button(
            t("ui.sample.hide"),
            key="ui.sample.hide_button",
            on_click=hide_sample,
            args=(True,),
            help=t("ui.sample.hide_help"),
            width="stretch",
        )
    elif choice.user_empty and st.session_state.get(HIDE_SAMPLE_KEY):
        st.sidebar.info(t("ui.sample.hidden"))
        st.sidebar.button(
            t("ui.sample.show"),
            key="ui.sample.show_button",
            on_click=hide_sample,
            args=(False,),
            width="stretch",
        )


def _period_picker(first: date, latest: date) -> Period:
    if st.session_state.get(PERIOD_KEY) not in PERIOD_CHOICES:
        st.session_state[PERIOD_KEY] = default_choice(latest)
    choice = st.sidebar.selectbox(
        t("ui.filter.period"),
        PERIOD_CHOICES,
        format_func=label_func("ui.filter.period."),
        key=PERIOD_KEY,
    )
    if choice != "custom":
        period = period_for(choice, latest)
        st.sidebar.caption(t("ui.filter.period_range", start=period.start, end=period.end))
        return period
    default = period_for("last_4_weeks", latest)
    stored = st.session_state.get(CUSTOM_KEY)
    if not (isinstance(stored, tuple | list) and len(stored) == 2):
        st.session_state[CUSTOM_KEY] = (max(default.start, first), latest)
    picked = st.sidebar.date_input(
        t("ui.filter.custom_range"),
        key=CUSTOM_KEY,
        min_value=first,
        max_value=latest,
        format="YYYY-MM-DD",
    )
    if isinstance(picked, tuple | list) and len(picked) == 2:
        return Period(picked[0], picked[1])
    # Half-picked range (only the start so far): show that single day until the end is chosen.
    start = picked[0] if isinstance(picked, tuple | list) and picked else latest
    return Period(start, start)


def _busiest_platform(choice: WorkspaceChoice, platforms: list[str]) -> str:
    """The platform with the most rows: the default when platforms cannot be added up."""
    rows = {
        p: sum(
            cached.coverage(choice.path, choice.version, Scope(platform=p)).rows_by_kind.values()
        )
        for p in platforms
    }
    return max(platforms, key=lambda p: rows[p])


def _scope_picker(cov: Any, choice: WorkspaceChoice) -> Scope:
    """Shop and platform selectors (shown only when there is more than one to choose from).

    Platforms whose money is in different currencies, or whose "visitors" are sessions on one
    and unique visitors on the other, cannot be summed: the platform filter then starts on the
    busiest platform instead of "all", and "all" shows a warning.
    """
    tr = bound_t()
    shops = [s for s in (cov.shops or ()) if s is not None]
    platforms = [p for p in (cov.platforms or ()) if p is not None]
    shop = platform = None
    if len(shops) > 1:
        picked = st.sidebar.selectbox(
            t("ui.filter.shop"),
            [ALL, *shops],
            format_func=lambda s: (
                tr("ui.filter.all_shops") if s == ALL else (s or tr("ui.filter.default_shop"))
            ),
            key=SHOP_KEY,
        )
        shop = None if picked == ALL else picked
    incompatible = len(cov.currencies or ()) > 1 or cov.visitor_unit == "mixed"
    if len(platforms) > 1:
        if incompatible and st.session_state.get(PLATFORM_KEY) not in [ALL, *platforms]:
            st.session_state[PLATFORM_KEY] = _busiest_platform(choice, platforms)
        picked = st.sidebar.selectbox(
            t("ui.filter.platform"),
            [ALL, *platforms],
            format_func=lambda p: (
                tr("ui.filter.all_platforms") if p == ALL else platform_label(p, tr)
            ),
            key=PLATFORM_KEY,
        )
        platform = None if picked == ALL else picked
        if platform is None and incompatible:
            st.sidebar.warning(
                t("ui.filter.mixed_platforms", currencies=", ".join(cov.currencies or ("—",)))
            )
    return Scope(shop=shop, platform=platform)


def platform_label(platform: str | None, tr: Callable[..., str] = t) -> str:
    """A platform code as a name ("sycm" → "生意参谋"), the code itself when unknown."""
    if not platform:
        return "—"
    key = f"ui.platform.{platform}"
    return tr(key) if key in catalogue() else str(platform)
