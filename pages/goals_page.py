"""Goals: how many visitors a day a GMV target needs, per channel, and what if conversion or
AOV moved.

visitors per day = target GMV / (days × pay conversion × AOV), split by each channel's share of
visitors. The sliders start at the period's own conversion and AOV.
"""

from __future__ import annotations

import streamlit as st

from ui import cached, charts, filters, layout
from ui.state import t

view = filters.view()
layout.header("goals", view)
layout.require_data(view, ("traffic",), topic="goals")

base = cached.goals_baseline(view)
defaults = layout.goal_defaults(base, cached.kpi_comparison(view).now.gmv, view)
if defaults is None:
    st.info(t("ui.goals.no_baseline"))
    st.stop()

c1, c2 = st.columns(2)
target = c1.number_input(
    t("ui.goals.target"),
    min_value=0.0,
    value=defaults.target,
    step=1000.0,
    format="%.0f",
    key="goals.target",
)
days = c2.number_input(
    t("ui.goals.days"), min_value=1, max_value=366, value=defaults.days, step=1, key="goals.days"
)
c3, c4 = st.columns(2)
conversion_pct = c3.slider(
    t("ui.goals.conversion"),
    min_value=0.1,
    max_value=defaults.max_conversion_pct,
    value=defaults.conversion_pct,
    step=0.05,
    format="%.2f%%",
    key="goals.conversion",
)
aov = c4.slider(
    t("ui.goals.aov"),
    min_value=1.0,
    max_value=defaults.max_aov,
    value=defaults.aov,
    step=1.0,
    format=layout.money_format(view.currency),
    key="goals.aov",
)
st.caption(layout.goal_baseline_text(defaults, view.currency))

plan = cached.goal_plan(target, int(days), conversion_pct / 100, aov, defaults.shares)
layout.goal_cards(plan, defaults, view.currency)
if plan.per_channel is not None and len(plan.per_channel):
    left, right = layout.pair("goals-pair")
    with left:
        layout.show_table(plan.per_channel, "goals.per_channel", view.currency)
    with right:
        st.plotly_chart(
            layout.figure(
                charts.bars,
                plan.per_channel,
                "channel",
                "visitors_per_day",
                t,
                title=t("ui.col.visitors_per_day"),
            ),
            key="goals.bars",
        )
