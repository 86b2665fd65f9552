"""The upload page's logic: prepare each file for a preview, map columns, import, undo.

Nothing is stored before the user presses Import: `prepare_import` reads and validates a file
in memory and its `PreparedImport` is the preview. Prepared files are kept per session (keyed by
the upload's file id and the options), never in the shared `st.cache_data`, so one user's upload
is never served to another and big files are not pickled on every rerun.

Import commits each prepared file in its own transaction (all of a file or nothing); the
outcome of an import or undo is read back from the workspace's `imports` table, not from the
session (R12), and the last action's result is shown once after the rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from analytics import i18n
from analytics.errors import ShopLensError, UnrecognisedColumns
from analytics.i18n import catalogue
from analytics.ingest.model import ImportOptions, ImportResult, PreparedImport
from ui import cached
from ui.columns import MISSING
from ui.errors import error_lines, escape_markdown
from ui.state import label_func, language, t

UPLOAD_TYPES = ("csv", "tsv", "txt", "xlsx", "xlsm", "xls")
PREPARED_KEY = "upload.prepared"
OPTIONS_KEY = "upload.options"
RESULTS_KEY = "upload.results"
IGNORE = ""


@dataclass
class FileState:
    """One uploaded file on the page: its prepared import or the error that stopped it."""

    file_id: str
    name: str
    data: bytes
    options: ImportOptions
    prepared: PreparedImport | None = None
    error: ShopLensError | None = None
    already: Any = None  # the ImportRecord of an identical file imported before, if any
    notes: list[str] = field(default_factory=list)

    @property
    def importable(self) -> bool:
        return self.prepared is not None and self.already is None


def _options_signature(options: ImportOptions) -> tuple[Any, ...]:
    return (
        options.kind,
        options.shop,
        tuple(sorted(options.mapping.items())),
        options.columns,
        options.sheet,
    )


def file_options(file_id: str, shop: str) -> ImportOptions:
    """The options the user chose for `file_id` (mapping, kind), with the page's shop."""
    chosen = st.session_state.get(OPTIONS_KEY, {}).get(file_id)
    if chosen is None:
        return ImportOptions(shop=shop)
    return ImportOptions(kind=chosen.kind, shop=shop, mapping=dict(chosen.mapping))


def set_mapping(file_id: str, kind: str | None, mapping: Mapping[str, str]) -> None:
    """Remember a column mapping for `file_id`; the next run prepares the file with it."""
    st.session_state.setdefault(OPTIONS_KEY, {})[file_id] = ImportOptions(
        kind=kind, mapping=dict(mapping)
    )


def prepare_files(
    uploaded: Sequence[Any], user_path: str, version: str, shop: str
) -> list[FileState]:
    """Prepare every uploaded file (once per file and options) and mark those already stored."""
    from analytics.ingest.prepare import prepare_import

    ws = cached.open_workspace(user_path)
    store: dict[tuple[Any, ...], FileState] = st.session_state.setdefault(PREPARED_KEY, {})
    live_ids = {f.file_id for f in uploaded}
    for stale in [k for k in store if k[0] not in live_ids]:
        del store[stale]
    done = {r.sha256: r for r in cached.imports(user_path, version) if r.undone_at is None}
    remembered = None
    states = []
    for upload in uploaded:
        options = file_options(upload.file_id, shop)
        key = (upload.file_id, _options_signature(options))
        state = store.get(key)
        if state is None:
            data = upload.getvalue()
            state = FileState(upload.file_id, upload.name, data, options)
            if remembered is None:
                remembered = ws.remembered_mappings()
            try:
                state.prepared = prepare_import(upload.name, data, options, remembered=remembered)
            except ShopLensError as exc:
                state.error = exc
            for old in [k for k in store if k[0] == upload.file_id]:
                del store[old]
            store[key] = state
        state.already = done.get(state.prepared.sha256) if state.prepared else None
        states.append(state)
    return states


def preview(state: FileState, index: int) -> None:
    """Show what the file holds before anything is stored, or why it cannot be imported."""
    with st.container(border=True):
        st.text(state.name)
        if state.error is not None:
            _show_rejection(state, index)
            return
        prepared = state.prepared
        assert prepared is not None
        st.dataframe(
            preview_frame(prepared),
            hide_index=True,
            key=f"upload.preview.{index}",
            placeholder=MISSING,
            column_config={
                name: st.column_config.TextColumn(t(f"ui.upload.{name}"))
                for name in ("kind", "platform", "rows", "dates", "encoding", "totals")
            },
        )
        if state.already is not None:
            st.info(t("ui.upload.already", when=_when(state.already.imported_at)))
        for line in notice_lines(prepared):
            st.warning(escape_markdown(line))
        with st.expander(t("ui.upload.columns_and_rows")):
            st.dataframe(
                mapping_frame(prepared.mapping),
                hide_index=True,
                key=f"upload.mapping_table.{index}",
                placeholder=MISSING,
                column_config={
                    "source": st.column_config.TextColumn(t("ui.upload.source_column")),
                    "field": st.column_config.TextColumn(t("ui.upload.field")),
                },
            )
            st.dataframe(
                prepared.frame.head(20),
                hide_index=True,
                key=f"upload.rows.{index}",
                placeholder=MISSING,
            )


def preview_frame(prepared: PreparedImport) -> pd.DataFrame:
    """What the file holds, as a one-row table (text cells: nothing is cut off or read as HTML)."""
    return pd.DataFrame(
        [
            {
                "kind": t(f"kind.{prepared.kind}"),
                "platform": platform_name(prepared.platform),
                "rows": f"{prepared.rows_read:,}",
                "dates": date_range_text(prepared.date_range),
                "encoding": prepared.encoding or "Excel",
                "totals": totals_text(prepared),
            }
        ]
    )


def _show_rejection(state: FileState, index: int) -> None:
    exc = state.error
    st.error(
        "  \n".join(escape_markdown(line) for line in error_lines(exc)), icon=":material/error:"
    )
    if isinstance(exc, UnrecognisedColumns):
        mapping_editor(state, exc, index)


def mapping_editor(state: FileState, exc: UnrecognisedColumns, index: int) -> None:
    """Let the user say which column is which field; the file is then prepared again."""
    from analytics.ingest.profiles import known_fields
    from analytics.schema import KINDS

    st.write(t("ui.upload.map_intro"))
    recognition = exc.recognition
    guessed = getattr(recognition, "kind", None) or state.options.kind
    kind = st.selectbox(
        t("ui.upload.kind"),
        KINDS,
        index=KINDS.index(guessed) if guessed in KINDS else 0,
        format_func=label_func("kind."),
        key=f"upload.map_kind.{index}",
    )
    fields = (IGNORE, *known_fields(kind))
    known = dict(getattr(recognition, "mapping", {}) or {})
    known.update(state.options.mapping)
    mapping: dict[str, str] = {}
    grid = st.columns(3)
    for i, column in enumerate(h for h in exc.header if h):
        current = known.get(column, IGNORE)
        choice = grid[i % 3].selectbox(
            column,
            fields,
            index=fields.index(current) if current in fields else 0,
            format_func=field_namer(),
            key=f"upload.map.{index}.{i}",
        )
        if choice:
            mapping[column] = choice
    missing = getattr(recognition, "missing", ())
    if missing:
        st.caption(t("ui.upload.map_missing", fields=", ".join(field_name(f) for f in missing)))
    if st.button(t("ui.upload.map_apply"), key=f"upload.map_apply.{index}", type="primary"):
        set_mapping(state.file_id, kind, mapping)
        st.rerun()


def import_prepared(states: Sequence[FileState], user_path: str) -> list[dict[str, Any]]:
    """Store every importable file, one transaction each, with a progress bar."""
    ws = cached.open_workspace(user_path)
    todo = [s for s in states if s.importable]
    results: list[dict[str, Any]] = []
    bar = st.progress(0.0, text=t("ui.upload.importing", done=0, total=len(todo)))
    for n, state in enumerate(todo, start=1):
        try:
            result = ws.commit(state.prepared)
            results.append({"file": state.name, "result": result})
        except ShopLensError as exc:
            results.append({"file": state.name, "error": error_lines(exc)})
        bar.progress(n / len(todo), text=t("ui.upload.importing", done=n, total=len(todo)))
    bar.empty()
    return results


def result_line(result: ImportResult) -> str:
    """ "imported 1,234 rows, 56 updated" / "already imported on …" for one import."""
    if result.import_id is None:
        return t(
            "ui.upload.result_already",
            file=result.file_name,
            when=_when(result.already_imported_at),
        )
    return t(
        "ui.upload.result",
        file=result.file_name,
        kind=t(f"kind.{result.kind}"),
        rows=f"{result.rows_inserted:,}",
        updated=f"{result.rows_updated:,}",
    )


def remember_results(results: list[dict[str, Any]]) -> None:
    """Keep the last action's outcome to show once after the rerun."""
    st.session_state[RESULTS_KEY] = results


def show_results() -> None:
    """Show (once) what the last import or undo did."""
    for item in st.session_state.pop(RESULTS_KEY, []):
        if "error" in item:
            st.error(
                "  \n".join(escape_markdown(line) for line in item["error"]),
                icon=":material/error:",
            )
        elif "undone" in item:
            st.success(
                escape_markdown(t("ui.upload.undone", file=item["file"])), icon=":material/undo:"
            )
        else:
            result = item["result"]
            box = st.info if result.import_id is None else st.success
            box(escape_markdown(result_line(result)), icon=":material/check_circle:")
            for line in notice_lines(result):
                st.warning(escape_markdown(line))


def undo(user_path: str, import_id: int, file_name: str) -> None:
    """Undo one import (its rows removed, rows it replaced restored) and say so."""
    try:
        cached.open_workspace(user_path).undo(import_id)
        remember_results([{"file": file_name, "undone": import_id}])
    except ShopLensError as exc:
        remember_results([{"file": file_name, "error": error_lines(exc)}])


HISTORY_SHOWN = 30


def history_rows(records: Sequence[Any], user_path: str) -> None:
    """One row per import (newest first) with an undo button for those still in effect."""
    # Platform names ("Taobao/Tmall (生意参谋)") need room not to break inside a word; the date
    # range goes on two lines ("2026-08-31 –" / "2026-11-22") rather than breaking at a hyphen.
    widths = (3.0, 1.1, 2.7, 0.9, 1.0, 1.6, 1.7, 1.1)
    head = st.columns(widths)
    for col, name in zip(
        head,
        ("file_name", "kind", "platform", "rows", "rows_updated", "dates", "imported_at", "undo"),
        strict=True,
    ):
        col.caption(t(f"ui.history.{name}"))
    for record in records[:HISTORY_SHOWN]:
        row = st.columns(widths, vertical_alignment="center")
        row[0].text(record.file_name)
        row[1].text(t(f"kind.{record.kind}"))
        row[2].text(platform_name(record.platform))
        row[3].text(f"{record.rows:,}")
        row[4].text(f"{record.rows_updated:,}")
        row[5].text(
            date_range_text(
                (record.date_start, record.date_end) if record.date_start else None, "\n"
            )
        )
        row[6].text(_when(record.imported_at))
        if record.undone_at is None:
            row[7].button(
                t("ui.upload.undo"),
                key=f"upload.undo.{record.import_id}",
                on_click=undo,
                args=(user_path, record.import_id, record.file_name),
                icon=":material/undo:",
                type="tertiary",
            )
        else:
            row[7].caption(t("ui.upload.undone_at", when=_when(record.undone_at)))
    if len(records) > HISTORY_SHOWN:
        st.caption(t("ui.upload.more_history", count=len(records) - HISTORY_SHOWN))


# --- small text helpers ---------------------------------------------------------------------


def platform_name(platform: str | None) -> str:
    """A platform code as a name ("sycm" → "生意参谋"), the code itself when unknown."""
    from ui.filters import platform_label

    return platform_label(platform)


def field_name(name: str, lang: str | None = None) -> str:
    """A canonical field as a label for the mapping editor ("" → "ignore")."""
    lang = lang or language()
    if name == IGNORE:
        return i18n.t("ui.upload.ignore", lang)
    key = f"ui.field.{name}"
    return f"{i18n.t(key, lang)} ({name})" if key in catalogue() else name


def field_namer() -> Any:
    """`field_name` with the current language bound (a format_func may run outside the script)."""
    lang = language()
    return lambda name: field_name(name, lang)


def date_range_text(dates: Any, wrap: str = " ") -> str:
    """ "2024-01-01 – 2024-01-07", or "—"; `wrap` goes after the dash ("\n": two lines)."""
    if not dates or dates[0] is None:
        return "—"
    start, end = dates
    return str(start) if start == end else f"{start} –{wrap}{end}"


def totals_text(prepared: PreparedImport) -> str:
    """What the totals row (合计) check found."""
    totals = prepared.totals
    if totals is None:
        return t("ui.upload.totals_none")
    if totals.matched:
        return t("ui.upload.totals_ok", line=totals.line)
    fields = ", ".join(field_name(f) for f in totals.mismatches)
    return t("ui.upload.totals_mismatch", line=totals.line, fields=fields)


def notice_lines(item: Any) -> list[str]:
    """The import notices (assumptions, fixes) of a PreparedImport or ImportResult as text."""
    from analytics.messages import render_notice

    return [render_notice(n, language()) for n in getattr(item, "notices", ()) or ()]


def mapping_frame(mapping: Mapping[str, str]) -> pd.DataFrame:
    """Source column → field as a two-column table."""
    return pd.DataFrame(
        {"source": list(mapping), "field": [field_name(f) for f in mapping.values()]}
    )


def _when(value: Any) -> str:
    if value is None:
        return "—"
    text = str(value).replace("T", " ")
    return text[:16]
