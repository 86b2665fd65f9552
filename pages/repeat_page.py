"""Repeat purchase: do customers come back, how soon, and how much of revenue they bring.

Repeat rate = customers with ≥ 2 paid orders in the period / customers with ≥ 1; returning
customers had paid before the period. Cohorts are the months of first purchase.
"""

from __future__ import annotations

import streamlit as st

from ui import cached, charts, filters, layout
from ui.state import t

view = filters.view()
layout.header("repeat", view)
layout.require_data(view, ("orders",), topic="repeat")

summary = cached.repeat_summary(view)
layout.repeat_cards(summary)
st.caption(t("ui.repeat.cards_caption"))

st.subheader(t("ui.repeat.cohort_title"))
whole = st.toggle(t("ui.repeat.cohort_all"), value=True, key="repeat.cohort_all")
cohort_view = layout.whole_data_view(view) if whole else view
cohorts = cached.cohort_table(cohort_view)
if not layout.empty_note(cohorts, "ui.repeat.no_cohorts"):
    st.plotly_chart(layout.figure(charts.cohort_heatmap, cohorts, t), key="repeat.cohorts")
    st.caption(t("ui.repeat.cohort_caption"))
