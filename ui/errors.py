"""Show ShopLens errors on a page: the catalogue's text in `st.error`, never a traceback.

`analytics.messages.render_error(exc, lang)` turns an InputRejected / UnrecognisedColumns /
WorkspaceBusy / UsageError into lines of plain text (file, row, column, found value, expected,
next step). They go to `st.error` as text, so a file name or cell value is never read as
Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from analytics.errors import ShopLensError
from ui.state import language


def error_lines(exc: ShopLensError, lang: str | None = None) -> list[str]:
    """The user-facing lines for `exc` in `lang` (default: the current language)."""
    from analytics.messages import render_error

    return list(render_error(exc, lang or language()))


def show_error(
    exc: ShopLensError, container: st.delta_generator.DeltaGenerator | None = None
) -> None:
    """Render `exc` as one `st.error` box of plain text lines."""
    target = container if container is not None else st
    lines = error_lines(exc)
    # st.error renders Markdown; escape so `*`, `$`, `<`… in file names or cells stay literal.
    target.error("  \n".join(escape_markdown(line) for line in lines), icon=":material/error:")


@contextmanager
def shown_errors() -> Iterator[None]:
    """Show a ShopLensError raised inside the block as an error box and stop the page."""
    try:
        yield
    except ShopLensError as exc:
        show_error(exc)
        st.stop()


MARKDOWN_SPECIALS = "\\`*_{}[]()#+-.!|$<>~:"


def escape_markdown(text: str) -> str:
    """Backslash-escape Markdown, LaTeX (`$`) and HTML (`<`) specials so text stays literal.

    >>> escape_markdown("a*b* $x$ <i>")
    'a\\\\*b\\\\* \\\\$x\\\\$ \\\\<i\\\\>'
    """
    return "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in text)
