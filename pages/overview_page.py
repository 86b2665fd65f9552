"""Overview: the week's KPIs, where the funnel leaks, and what moved GMV.

GMV = visitors × pay conversion × AOV: the cards show each factor with its change, the
waterfall splits the GMV change exactly into the three effects.
"""

from __future__ import annotations

import streamlit as st

from ui import cached, charts, filters, layout
from ui.state import t

view = filters.view()
layout.header("overview", view)
layout.require_data(view, ("traffic", "orders", "events"), topic="overview")

comparison = cached.kpi_comparison(view)
layout.kpi_cards(comparison, view.currency)
layout.visitor_unit_note(filters.coverage().visitor_unit)

st.subheader(t("ui.overview.leak_title"))
report = cached.find_leaks(view)
st.text(layout.leak_verdict(report))
if getattr(report, "immature_days", None):
    st.caption(t("ui.leak.immature", days=len(report.immature_days)))
st.page_link("pages/funnel_page.py", label=t("ui.overview.to_funnel"), icon=":material/filter_alt:")

st.subheader(t("ui.overview.gmv_title"))
split = cached.gmv_change(view)
if split is None or split.gmv_before in (None, 0) or split.gmv_now in (None, 0):
    st.info(t("ui.overview.no_gmv_split"))
else:
    st.plotly_chart(
        layout.figure(charts.waterfall, split, t, view.currency), key="overview.waterfall"
    )
    st.caption(t("ui.overview.gmv_caption"))
