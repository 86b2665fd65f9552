"""Close the "Page not found" dialog Streamlit shows on a fresh server's first deep link.

Why (Streamlit 1.67): because `pages/` exists next to app.py, the first `PagesManager` of a
process sets the class flag `PagesManager.uses_pages_directory` to True, and `ScriptRunner` then
runs that script run through the legacy pages/ mode (`_mpa_v1` in script_runner.py). The legacy
mode knows only `pages/<file stem>` URLs (`/funnel_page`), so for `/funnel` it sends a
PageNotFound message before app.py has even started. app.py's `st.navigation` then resets the
flag for the whole process and routes `/funnel` correctly, so the page underneath is right and
every later script run in any session is fine. Nothing of ours runs before that first script
run (no config option or hook of `streamlit run` can clear the flag earlier), and the server
cannot take back a dialog it has sent, so the only fix left is to close it in the browser.
Known upstream: streamlit/streamlit#9992, #8860 and the review of PR #10276.

`close_page_not_found_dialog()` is called first thing in app.py. In that one legacy script run
(only there) it adds a script that clicks the dialog's close button once it appears. The
private flag is read with a default so a Streamlit that drops it makes this a no-op;
tests/e2e/test_browser.py checks that the flag still exists (delete this module when a
Streamlit upgrade removes it and the cold deep-link test passes without it) and that a cold
deep link shows no dialog.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# Constant script, no user input (R9). The dialog's title is fixed English text in Streamlit's
# frontend whatever the app language; give up after 20 s. The script's own element is hidden
# so the page does not shift down by an empty row.
_CLOSE_DIALOG = """<script>
(() => {
  document.currentScript?.closest('[data-testid="stElementContainer"]')
    ?.style.setProperty("display", "none");
  const until = Date.now() + 20000;
  const close = () => {
    const dialog = [...document.querySelectorAll('[role="dialog"]')]
      .find((d) => d.querySelector("h2")?.textContent.trim() === "Page not found");
    const button = dialog?.querySelector('button[aria-label="Close"]');
    if (button) button.click();
    else if (Date.now() < until) setTimeout(close, 50);
  };
  close();
})();
</script>"""


def in_legacy_pass() -> bool:
    """Whether this script run goes through Streamlit's legacy pages/ mode (see module doc)."""
    return getattr(PagesManager, "uses_pages_directory", None) is True


def close_page_not_found_dialog() -> None:
    """In the legacy pass only, close the "Page not found" dialog it sent to the browser."""
    if in_legacy_pass():
        st.html(_CLOSE_DIALOG, unsafe_allow_javascript=True)
