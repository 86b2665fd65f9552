"""Report: the period's numbers as an XLSX workbook or a self-contained HTML page, and any
table as CSV (UTF-8 with BOM so Excel on Chinese Windows reads it; formula-leading text is
neutralised).
"""

from __future__ import annotations

import streamlit as st

from ui import cached, filters, layout
from ui.state import label_func, language, t

view = filters.view()
layout.header("report", view)
layout.require_data(view)

st.subheader(t("ui.report.full_title"))
st.caption(t("ui.report.full_caption"))
stamp = f"{view.period.start:%Y%m%d}-{view.period.end:%Y%m%d}"
c1, c2 = st.columns(2)
c1.download_button(
    t("ui.report.xlsx"),
    data=lambda: cached.report_bytes(
        view.path, view.version, view.period, view.scope, "xlsx", language()
    ),
    file_name=f"shoplens-{stamp}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="report.xlsx",
    icon=":material/table:",
    on_click="ignore",
)
c2.download_button(
    t("ui.report.html"),
    data=lambda: cached.report_bytes(
        view.path, view.version, view.period, view.scope, "html", language()
    ),
    file_name=f"shoplens-{stamp}.html",
    mime="text/html",
    key="report.html",
    icon=":material/html:",
    on_click="ignore",
)

st.subheader(t("ui.report.tables_title"))
choice = st.selectbox(
    t("ui.report.table"),
    layout.REPORT_TABLES,
    key="report.table",
    format_func=label_func("ui.report.table."),
)
table = layout.report_table(view, choice)
if not layout.empty_note(table, "ui.report.empty_table"):
    layout.show_table(table, "report.preview", view.currency)
    st.download_button(
        t("ui.download.csv"),
        data=cached.csv_bytes(table),
        file_name=f"{choice}-{stamp}.csv",
        mime="text/csv",
        key="report.csv",
        icon=":material/download:",
        on_click="ignore",
    )
