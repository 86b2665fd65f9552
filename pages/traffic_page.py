"""Traffic sources: which channels bring visitors that buy, at what cost, and what changed.

Pay conversion carries a 95 % Wilson interval; channels converting significantly above or below
the shop are flagged. A change in the shop's conversion is split into mix (traffic moved between
channels) and rate (channels converting differently), so a mix shift is not read as a leak.
"""

from __future__ import annotations

import streamlit as st

from ui import cached, charts, filters, layout
from ui.state import label_func, t

view = filters.view()
layout.header("traffic", view)
layout.require_data(view, ("traffic", "orders", "events"), topic="traffic")

summary = cached.channel_summary(view)
if layout.empty_note(summary, "ui.traffic.no_channels"):
    st.stop()
layout.visitor_unit_note(filters.coverage().visitor_unit)

table = layout.channel_table(summary)
layout.channel_table_show(table, view.currency, key="traffic.table")
layout.csv_download(table, "channels", key="traffic.csv")
st.caption(t("ui.traffic.table_caption"))

left, right = layout.pair("traffic-pair")
with left:
    st.plotly_chart(
        layout.figure(charts.bars, summary, "channel", "visitors", t, title=t("metric.visitors")),
        key="traffic.visitors_bars",
    )
with right:
    st.plotly_chart(
        layout.figure(
            charts.bars,
            summary,
            "channel",
            "pay_conversion",
            t,
            title=t("ui.traffic.conversion_ci"),
            percent=True,
            error=("ci_low", "ci_high"),
        ),
        key="traffic.conversion_bars",
    )

st.subheader(t("ui.traffic.bubble_title"))
st.plotly_chart(
    layout.figure(
        charts.bubble,
        summary,
        t,
        view.currency,
        axis_labels=(t("metric.visitors"), t("metric.pay_conversion")),
    ),
    key="traffic.bubble",
)
st.caption(t("ui.traffic.bubble_caption"))

st.subheader(t("ui.traffic.trend_title"))
metric = (
    st.segmented_control(
        t("ui.traffic.trend_metric"),
        ["visitors", "pay_conversion", "gmv"],
        default="visitors",
        key="traffic.trend_metric",
        format_func=label_func("metric."),
    )
    or "visitors"
)
grain = (
    st.segmented_control(
        t("ui.common.grain"),
        ["day", "week"],
        default="day",
        key="traffic.grain",
        format_func=label_func("ui.grain."),
    )
    or "day"
)
trend = cached.channel_trend(view, grain)
if not layout.empty_note(trend, "ui.traffic.no_trend"):
    st.plotly_chart(
        layout.figure(
            charts.long_trend,
            trend,
            metric,
            "channel",
            t,
            grain=grain,
            percent=metric == "pay_conversion",
        ),
        key="traffic.trend",
    )

st.subheader(t("ui.traffic.mix_title"))
split = cached.mix_rate_split(view)
layout.mix_rate_cards(split)
if split is not None and split.per_channel is not None and len(split.per_channel):
    layout.mix_table(split.per_channel, view.currency, key="traffic.mix_table")
st.caption(t("ui.traffic.mix_caption"))
