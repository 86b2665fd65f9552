"""ShopLens dashboard: the frame around every page.

Run with `streamlit run app.py`. This file only routes: page config, the language switch, the
shared sidebar filters (ui/filters.py) and `st.navigation(...).run()`. Page files are
`pages/<topic>_page.py`; their URL drops the `_page` suffix (`/funnel`), so a deep link always
runs through this frame (a URL equal to the file stem would be Streamlit's legacy pages/ route).
"""

from __future__ import annotations

import streamlit as st

from ui.legacy_pages import close_page_not_found_dialog

# Before the slower imports below, so that the "Page not found" dialog a fresh server's first
# deep link gets (a Streamlit quirk: see ui/legacy_pages.py) is closed as soon as it appears.
close_page_not_found_dialog()

from ui import filters  # noqa: E402
from ui.state import language, language_switch, t  # noqa: E402

PAGES: tuple[tuple[str, str], ...] = (
    ("overview", ":material/dashboard:"),
    ("funnel", ":material/filter_alt:"),
    ("traffic", ":material/alt_route:"),
    ("conversion", ":material/trending_up:"),
    ("ratings", ":material/star:"),
    ("repeat", ":material/autorenew:"),
    ("goals", ":material/flag:"),
    ("report", ":material/download:"),
    ("upload", ":material/upload_file:"),
)
LANDING_PAGE = "overview"


def page(topic: str, icon: str) -> st.Page:
    """The st.Page of `pages/<topic>_page.py` at URL `/<topic>`, titled in the current language."""
    return st.Page(f"pages/{topic}_page.py", title=t(f"ui.page.{topic}"), icon=icon, url_path=topic)


def home() -> None:
    """The app root: go to the overview, so every page (the overview too) has its own URL."""
    st.switch_page(f"pages/{LANDING_PAGE}_page.py", query_params={"lang": language()})


st.set_page_config(page_title="ShopLens", page_icon=":material/insights:", layout="wide")
language_switch()
navigation = st.navigation(
    {
        t("ui.nav.analysis"): [
            st.Page(home, title="ShopLens", url_path="home", default=True, visibility="hidden"),
            *(page(topic, icon) for topic, icon in PAGES[:-2]),
        ],
        t("ui.nav.data"): [page(topic, icon) for topic, icon in PAGES[-2:]],
    }
)
filters.sidebar()
navigation.run()
