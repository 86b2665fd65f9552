"""Conversion: pay, order and inquiry conversion over time against targets, and per product.

Targets default to the operators' rules of thumb (pay conversion 3 % qualified, 5 % good) and
can be edited here, as can a peer average (同行同层平均) when the operator knows it. Presale
products convert only when the balance is paid, so their order conversion is the one to read.
"""

from __future__ import annotations

import streamlit as st

from ui import cached, charts, filters, layout
from ui.state import label_func, t

view = filters.view()
layout.header("conversion", view)
layout.require_data(view, ("traffic", "products"), topic="conversion")

with st.expander(t("ui.conversion.targets"), expanded=False):
    c1, c2, c3 = st.columns(3)
    qualified = c1.number_input(
        t("ui.conversion.qualified"),
        min_value=0.0,
        max_value=100.0,
        value=3.0,
        step=0.1,
        format="%.2f",
        key="conversion.qualified",
    )
    good = c2.number_input(
        t("ui.conversion.good"),
        min_value=0.0,
        max_value=100.0,
        value=5.0,
        step=0.1,
        format="%.2f",
        key="conversion.good",
    )
    peer = c3.number_input(
        t("ui.conversion.peer"),
        min_value=0.0,
        max_value=100.0,
        value=0.0,
        step=0.1,
        format="%.2f",
        key="conversion.peer",
        help=t("ui.conversion.peer_help"),
    )
targets = layout.targets_from_percent(qualified, good, peer)

st.subheader(t("ui.conversion.trend_title"))
grain = (
    st.segmented_control(
        t("ui.common.grain"),
        ["day", "week"],
        default="day",
        key="conversion.grain",
        format_func=label_func("ui.grain."),
    )
    or "day"
)
trend = cached.conversion_trend(view, grain)
if not layout.empty_note(trend, "ui.conversion.no_trend"):
    visitor_rates, step_rates = layout.conversion_series(trend)
    st.plotly_chart(
        layout.figure(
            charts.rate_trend,
            trend,
            visitor_rates,
            t,
            grain=grain,
            hlines=layout.target_lines(targets),
            title=t("ui.conversion.visitor_rates_title"),
        ),
        key="conversion.trend",
    )
    if step_rates:
        st.plotly_chart(
            layout.figure(
                charts.rate_trend,
                trend,
                step_rates,
                t,
                grain=grain,
                title=t("ui.conversion.step_rates_title"),
            ),
            key="conversion.inquiry_trend",
        )
    st.caption(t("ui.conversion.trend_caption"))

st.subheader(t("ui.conversion.products_title"))
products = cached.product_conversion(view)
if not layout.empty_note(products, "ui.conversion.no_products"):
    table = layout.product_table(products, targets)
    layout.product_table_show(table, view.currency, key="conversion.products")
    layout.csv_download(table, "products", key="conversion.csv")
    st.caption(t("ui.conversion.presale_caption"))
