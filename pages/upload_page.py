"""Upload: add weekly exports to the workspace, see what each file holds before storing it,
map columns the importer did not recognise, and undo an import.

Every file is previewed first (kind, platform, mapped columns, rows, dates, totals-row check,
encoding, notices); nothing is stored until Import is pressed. Each file is one transaction.
"""

from __future__ import annotations

import streamlit as st

from ui import cached, upload
from ui.state import choose_workspace, t

choice = choose_workspace()
st.title(t("ui.page.upload"))
st.caption(t("ui.upload.intro"))
upload.show_results()

files = st.file_uploader(
    t("ui.upload.files"),
    type=list(upload.UPLOAD_TYPES),
    accept_multiple_files=True,
    key="upload.files",
    help=t("ui.upload.files_help"),
)
shop = st.text_input(
    t("ui.upload.shop"), value="", key="upload.shop", help=t("ui.upload.shop_help")
)

if files:
    states = upload.prepare_files(files, choice.user_path, choice.version, shop.strip())
    st.subheader(t("ui.upload.preview"))
    for index, state in enumerate(states):
        upload.preview(state, index)
    ready = sum(s.importable for s in states)
    if st.button(
        t("ui.upload.import", count=ready),
        key="upload.import",
        type="primary",
        disabled=ready == 0,
    ):
        upload.remember_results(upload.import_prepared(states, choice.user_path))
        st.rerun()
else:
    st.info(t("ui.upload.hint"))

st.subheader(t("ui.upload.history"))
records = cached.imports(choice.user_path, choice.version)
if not records:
    st.caption(t("ui.upload.no_history"))
else:
    upload.history_rows(records, choice.user_path)
