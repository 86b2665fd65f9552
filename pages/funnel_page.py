"""Funnel: visits → product views → inquiries → orders → payments, and which step leaks.

Stages the data does not have are skipped (the step rate bridges across them) and named under
the chart. The leak table compares each step with the previous period of equal length.
"""

from __future__ import annotations

import streamlit as st

from ui import cached, charts, filters, layout
from ui.state import label_func, t

view = filters.view()
layout.header("funnel", view)
layout.require_data(view, ("traffic", "orders", "events"), topic="funnel")

window = 7
if layout.has_kind("events"):
    window = st.slider(
        t("ui.funnel.window"),
        min_value=1,
        max_value=30,
        value=7,
        key="funnel.window",
        help=t("ui.funnel.window_help"),
    )
now = cached.funnel(view, window_days=window)
before = cached.funnel(view.with_period(view.period.previous()), window_days=window)

left, right = layout.pair("funnel-pair")
with left:
    st.subheader(t("ui.funnel.now"))
    st.plotly_chart(layout.figure(charts.funnel_chart, now, t), key="funnel.chart")
    st.caption(t(f"ui.funnel.source.{now.source}"))
    if now.browse_depth is not None:
        st.metric(t("ui.funnel.browse_depth"), f"{now.browse_depth:.2f}")
    if getattr(now, "visitor_days", False):
        st.caption(t("ui.funnel.visitor_days"))
    layout.visitor_unit_note(now.visitor_unit)
with right:
    st.subheader(t("ui.funnel.compare"))
    st.plotly_chart(
        layout.figure(
            charts.funnel_compare, now, before, t, (t("ui.common.before"), t("ui.common.now"))
        ),
        key="funnel.compare",
    )

st.subheader(t("ui.funnel.leak_title"))
report = cached.find_leaks(view)
st.text(layout.leak_verdict(report))
findings = layout.findings_frame(report.findings)
if not layout.empty_note(findings, "ui.funnel.no_findings"):
    layout.findings_table(findings, view.currency, key="funnel.leaks")
    st.caption(t("ui.funnel.leak_caption"))
if getattr(report, "immature_days", None):
    st.caption(t("ui.leak.immature", days=len(report.immature_days)))

channel_findings = layout.findings_frame(report.channel_findings or (), with_channel=True)
if len(channel_findings):
    with st.expander(t("ui.funnel.channel_leaks")):
        layout.findings_table(channel_findings, view.currency, key="funnel.channel_leaks")

st.subheader(t("ui.funnel.by_channel"))
per_channel = cached.channel_funnels(view)
if not layout.empty_note(per_channel, "ui.funnel.no_channels"):
    channels = layout.channels_by_size(per_channel)
    shown = st.multiselect(
        t("ui.funnel.pick_channels"),
        channels,
        default=channels[: charts.MAX_SIDE_BY_SIDE],
        max_selections=charts.MAX_SIDE_BY_SIDE,
        key="funnel.channels",
    )
    if shown:
        st.plotly_chart(
            layout.figure(charts.channel_funnels, per_channel, t, shown), key="funnel.channel_chart"
        )

st.subheader(t("ui.funnel.trend"))
grain = (
    st.segmented_control(
        t("ui.common.grain"),
        ["day", "week"],
        default="day",
        key="funnel.grain",
        format_func=label_func("ui.grain."),
    )
    or "day"
)
trend = cached.stage_trend(view, grain)
if not layout.empty_note(trend, "ui.funnel.no_trend"):
    st.plotly_chart(
        layout.figure(
            charts.long_trend,
            trend,
            "step_rate",
            "stage",
            t,
            grain=grain,
            labels=lambda s: charts.stage_label(s, t),
            percent=True,
        ),
        key="funnel.trend",
    )
    st.caption(t("ui.funnel.trend_caption"))
