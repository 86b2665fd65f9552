"""Ratings: the three DSR scores (描述相符 / 服务态度 / 物流服务) against peers, and reviews.

From DSR snapshots: the scores as the back-end shows them, with the gap to peers. From review
rows: the rolling 180-day mean per dimension, the star distribution and the negative share.
"""

from __future__ import annotations

import streamlit as st

from ui import cached, filters, layout
from ui.state import t

view = filters.view()
layout.header("ratings", view)
layout.require_data(view, ("reviews", "dsr"), topic="ratings")

summary = cached.rating_summary(view)
layout.rating_cards(summary)

snapshots = cached.dsr_snapshots(view)
st.subheader(t("ui.ratings.dsr_title"))
if not layout.empty_note(snapshots, "ui.ratings.no_snapshots"):
    st.plotly_chart(layout.dsr_chart(snapshots), key="ratings.dsr")
    st.caption(t("ui.ratings.dsr_caption"))

if layout.has_kind("reviews"):
    st.subheader(t("ui.ratings.rolling_title"))
    rolling = cached.dsr_rolling(view)
    if not layout.empty_note(rolling, "ui.ratings.no_rolling"):
        st.plotly_chart(layout.rolling_chart(rolling), key="ratings.rolling")
    st.subheader(t("ui.ratings.distribution_title"))
    distribution = cached.rating_distribution(view)
    st.plotly_chart(layout.distribution_chart(distribution), key="ratings.distribution")
else:
    st.info(t("ui.ratings.no_reviews"))
