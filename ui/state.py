"""Per-session state: the language, `t()` bound to it, and which workspace is on screen.

The language comes, in order, from the sidebar switch (st.session_state), the `lang` URL query
parameter (so a shared or bookmarked link keeps its language) and the browser's locale
(zh* → Chinese, anything else → English). The choice is written back to the URL.

The workspace is the user's own (`$SHOPLENS_WORKSPACE`, else the default data folder). While it
is empty the bundled sample workspace is shown instead, marked as sample data, until the user
hides it. What is on screen is always decided again from the workspace itself (R12: state lives
in DuckDB, not in the session), so a reload never shows a stale import.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from analytics import i18n
from ui.cached import open_workspace

LANG_KEY = "ui.lang"  # the switch widget
CHOICE_KEY = "ui.lang_choice"  # plain session state: survives page switches and widget cleanup
HIDE_SAMPLE_KEY = "ui.hide_sample"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def detect_language() -> str:
    """The language to start with: URL `?lang=`, else the browser locale, else English."""
    wanted = st.query_params.get("lang")
    if wanted in i18n.LANGUAGES:
        return wanted
    locale = (st.context.locale or "").lower()
    return "zh" if locale.startswith("zh") else "en"


def language() -> str:
    """The current language code ("zh" or "en")."""
    chosen = st.session_state.get(CHOICE_KEY)
    return chosen if chosen in i18n.LANGUAGES else detect_language()


def t(key: str, **params: Any) -> str:
    """Translate `key` into the current language (see `analytics.i18n.t`)."""
    return i18n.t(key, language(), **params)


def label_func(prefix: str) -> Callable[[Any], str]:
    """A widget `format_func` naming option `v` by the catalogue key `<prefix><v>`.

    The language is bound now: Streamlit (and AppTest) may call a format_func outside the
    script run, where the session's language cannot be read.
    """
    lang = language()
    return lambda value: i18n.t(f"{prefix}{value}", lang)


def bound_t() -> Callable[..., str]:
    """`t` with the current language bound now (for callbacks run outside the script)."""
    lang = language()
    return lambda key, **params: i18n.t(key, lang, **params)


def _remember_switch() -> None:
    if st.session_state.get(LANG_KEY) in i18n.LANGUAGES:
        st.session_state[CHOICE_KEY] = st.session_state[LANG_KEY]


def language_switch() -> str:
    """Draw the zh/en switch in the sidebar, remember it in the URL and return the language.

    The choice is kept under a plain session key as well as the widget's: Streamlit drops a
    widget's state and the URL's query parameters when the page changes.
    """
    lang = language()
    st.session_state[CHOICE_KEY] = lang
    st.session_state[LANG_KEY] = lang
    st.sidebar.segmented_control(
        "Language / 语言",
        options=list(i18n.LANGUAGES),
        format_func=LANGUAGE_NAMES.__getitem__,
        key=LANG_KEY,
        required=True,
        on_change=_remember_switch,
    )
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang
    return lang


@dataclass(frozen=True)
class WorkspaceChoice:
    """Which workspace the pages show.

    Attributes:
        path: folder of the workspace on screen (the cache key).
        version: changes on every import/undo, so cached results follow the data.
        is_sample: True while the bundled sample is shown in place of an empty workspace.
        user_path: folder of the user's own workspace (uploads always go there).
        user_empty: whether the user's own workspace has no data yet.
    """

    path: str
    version: str
    is_sample: bool
    user_path: str
    user_empty: bool


def user_workspace_path() -> str:
    """The user's workspace folder: `$SHOPLENS_WORKSPACE`, else the default data folder."""
    from analytics.workspace import default_workspace_path

    env = os.environ.get("SHOPLENS_WORKSPACE")
    return str(Path(env) if env else Path(default_workspace_path()))


@st.cache_resource(show_spinner=False)
def sample_workspace() -> tuple[Any, str]:
    """The bundled sample workspace and its version, built once per process from
    `sample_data/` (nothing imports into it, so its version never changes)."""
    from analytics.sample import sample_workspace as build

    sample = build()
    return sample, str(sample.version())


# A workspace file whose last change is this recent is read again on every run (see
# `workspace_status`): a write within the same file-clock tick as our read could otherwise
# leave size and mtime looking unchanged. Git's "racily clean" rule, with a wide margin.
SETTLE_SECONDS = 2.0
_status_seen: dict[str, tuple[tuple[Any, ...], tuple[bool, str]]] = {}
_status_lock = threading.Lock()


def _file_signature(path: str) -> tuple[Any, ...] | None:
    """Inode, size, mtime and ctime of the workspace's database file and its WAL.

    Every DuckDB commit writes one of the two (WAL append, or checkpoint into the file), so a
    different signature means the workspace may have changed. None when there is no database
    file yet.
    """
    db = open_workspace(path).db_path
    parts: list[Any] = []
    for file in (db, db.with_name(db.name + ".wal")):
        try:
            found = os.stat(file)
        except FileNotFoundError:
            parts.append(None)
            continue
        except OSError:
            return None
        parts.append((found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns))
    return None if parts[0] is None else tuple(parts)


def _settled(signature: tuple[Any, ...]) -> bool:
    """Whether every file in `signature` was last changed more than SETTLE_SECONDS ago."""
    newest = max(part[3] for part in signature if part is not None)
    return time.time_ns() - newest > SETTLE_SECONDS * 1e9


def workspace_status(path: str) -> tuple[bool, str]:
    """`(is_empty, version)` of the workspace at `path`, as `Workspace.status()` reads it.

    Opening the DuckDB file costs 25-100 ms, paid on every rerun only to learn that nothing
    changed. The answer is kept per process with the database files' signature (inode, size,
    mtime, ctime of `workspace.duckdb` and its WAL) and reused while the signature is the same:
    an import or undo, from this process or another (cron), writes the files and so is seen on
    the next run (R12). It is kept only when the files did not change while it was read and
    were last written SETTLE_SECONDS before, so a write in the same clock tick cannot hide.
    """
    before = _file_signature(path)
    with _status_lock:
        seen = _status_seen.get(path)
    if before is not None and seen is not None and seen[0] == before:
        return seen[1]
    status = open_workspace(path).status()
    after = _file_signature(path)
    with _status_lock:
        if after is not None and after == before and _settled(after):
            _status_seen[path] = (after, status)
        else:
            _status_seen.pop(path, None)
    return status


def choose_workspace() -> WorkspaceChoice:
    """Decide which workspace is on screen in this run (the user's, or the sample)."""
    user_path = user_workspace_path()
    user_empty, user_version = workspace_status(user_path)
    if user_empty and not st.session_state.get(HIDE_SAMPLE_KEY, False):
        sample, version = sample_workspace()
        return WorkspaceChoice(
            path=str(sample.path),
            version=version,
            is_sample=True,
            user_path=user_path,
            user_empty=True,
        )
    return WorkspaceChoice(
        path=user_path,
        version=user_version,
        is_sample=False,
        user_path=user_path,
        user_empty=user_empty,
    )


def hide_sample(hidden: bool = True) -> None:
    """Hide (or show again) the sample workspace while the user's own is empty."""
    st.session_state[HIDE_SAMPLE_KEY] = hidden
