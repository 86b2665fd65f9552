"""prepare_import: bytes of one uploaded file → a validated PreparedImport, all in memory.

read (decode, find the header under title rows, one RawTable per sheet) → choose the sheet →
recognise (with the user's mapping over the one remembered for this header layout) →
normalise. A large, regular orders CSV is read and typed by DuckDB instead (`bulk_orders`),
to the same result. Nothing is stored here: the upload page shows the result as a preview
and `Workspace.commit` stores it in one transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, NamedTuple

import pyarrow as pa

from analytics.errors import InputProblem, InputRejected, UnrecognisedColumns, UsageError
from analytics.ingest import bulk_orders, read
from analytics.ingest.model import ImportOptions, Notice, PreparedImport, RawTable, Recognition
from analytics.ingest.normalise import normalise
from analytics.ingest.profiles import PROFILES, known_fields
from analytics.ingest.recognise import header_score, recognise, recognition_for
from analytics.ingest.text_table import Wanted

# The period at the end of a Sycm file name: "…_2024-01-05_2024-01-05.xls" → first, last day.
_FILE_PERIOD = re.compile(r"_(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\.\w+$")
FILE_DATE_COLUMN = "文件名日期"
"""The column prepare adds to a one-day export whose date is only in its file name."""


def KNOWN_FIELDS(kind: str) -> tuple[str, ...]:
    """The fields a column of a `kind` file can be mapped to, for the mapping editor's dropdown.

    Canonical columns and the helper fields normalise reads (unit_price, cancelled_at);
    an unknown kind raises UsageError.
    """
    if kind not in PROFILES:
        raise UsageError("usage.kind_unknown", kind=kind, kinds=", ".join(PROFILES))
    return known_fields(kind)


def prepare_import(
    name: str,
    data: bytes,
    options: ImportOptions | None = None,
    remembered: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    fast_path: bool = True,
) -> PreparedImport:
    """Read, recognise and normalise one uploaded file.

    Args:
        name: the uploaded file name (display text only; its extension picks the reader).
        data: the exact uploaded bytes.
        options: kind, shop, mapping, columns for headerless files, sheet.
        remembered: {header_signature: {"kind": …, "mapping": {source: field}}} from the
            workspace; the user's `options.mapping` wins over it column by column.
        fast_path: False skips `bulk_orders.prepare_orders`, for a caller whose
            `bulk_orders.prepare_orders_file` has just declined these same bytes (the two take
            exactly the same files), so a declined file is not typed by DuckDB twice.

    Returns:
        The PreparedImport to preview or commit.

    Raises:
        UnrecognisedColumns: no sheet's header is a complete known kind; carries the closest
            Recognition and the header, so the UI can offer a mapping editor.
        InputRejected: the reader's or normalise's problems (bad cells, duplicate keys …).
        UsageError: an unknown sheet, kind, or mapping column/field.
    """
    options, remembered = options or ImportOptions(), remembered or {}
    fast = bulk_orders.prepare_orders(name, data, options, remembered) if fast_path else None
    if fast is not None:
        return fast
    try:
        return _prepare(name, data, options, remembered, _mapped_positions(options, remembered))
    except _UnreadColumn:
        # Never expected (the reader asked _recognition about the same header); if it ever
        # happens, read every column rather than import an unread column as empty.
        return _prepare(name, data, options, remembered, None)


class _UnreadColumn(Exception):
    """The chosen mapping names a column the reader was told it need not read."""


def _prepare(
    name: str,
    data: bytes,
    options: ImportOptions,
    remembered: Mapping[str, Mapping[str, Any]],
    wanted: Wanted | None,
) -> PreparedImport:
    """prepare_import, with the reader reading only the `wanted` columns of a text file."""
    file = read.display_name(name)
    tables = read.read_tables(name, data, header_score, columns=options.columns, wanted=wanted)
    if options.sheet is not None:
        tables = [t for t in tables if t.sheet == options.sheet]
        if not tables:
            raise UsageError("usage.sheet_unknown", sheet=options.sheet)
    if not tables:
        raise InputRejected([InputProblem(file, code="no_rows")])
    found = [_recognise(table, file, options, remembered) for table in tables]
    complete = [c for c in found if c.recognition.complete]
    if not complete:
        best = max(found, key=lambda c: c.recognition.score)
        raise _unrecognised(file, best.table, best.recognition)
    chosen = max(complete, key=lambda c: c.recognition.score)
    if {chosen.table.header.index(s) for s in chosen.recognition.mapping} & chosen.table.unread:
        raise _UnreadColumn
    table, recognition = chosen.table, chosen.recognition
    notices = list(table.notices)
    if len(complete) > 1:
        others = ", ".join(
            f"{c.table.sheet} ({c.recognition.kind})" for c in complete if c is not chosen
        )
        notices.append(Notice("other_sheets", {"sheet": table.sheet or "", "others": others}))
    if not table.row_count:
        raise InputRejected([InputProblem(file, code="no_rows", sheet=table.sheet)])
    result = normalise(table, recognition, options)
    return PreparedImport(
        file_name=file,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        ext=read.extension(name),
        kind=recognition.kind or "",
        platform=recognition.platform,
        shop=options.shop,
        encoding=table.encoding,
        sheet=table.sheet,
        mapping={src: f for src, f in recognition.mapping.items() if src != FILE_DATE_COLUMN},
        header_signature=chosen.signature,
        frame=result.frame,
        rows_read=result.rows_read,
        date_range=result.date_range,
        totals=result.totals,
        notices=notices + result.notices,
        currency=result.currency,
    )


class _Candidate(NamedTuple):
    """One sheet and what recognise made of it; `signature` is of the header as read."""

    table: RawTable
    recognition: Recognition
    signature: str


def _recognise(
    table: RawTable,
    file: str,
    options: ImportOptions,
    remembered: Mapping[str, Mapping[str, Any]],
) -> _Candidate:
    """Recognise one sheet, the remembered mapping for its header layout under the user's.

    A daily Sycm export without a date column is dated from its file name, when the name
    states a single day: "【生意参谋平台】流量来源_无线端_2024-01-05_2024-01-05.xls".
    """
    signature, mapping, recognition = recognition_for(table.header, options, remembered)
    period = _FILE_PERIOD.search(file)
    if recognition.missing != ("date",) or not period or period[1] != period[2]:
        return _Candidate(table, recognition, signature)
    dated = replace(
        table,
        header=[*table.header, FILE_DATE_COLUMN],
        columns=[*table.columns, pa.array([period[1]] * table.row_count, type=pa.string())],
        notices=[*table.notices, Notice("date_from_file_name", {"date": period[1]})],
    )
    again = recognise(
        dated.header, kind=recognition.kind, mapping={**mapping, FILE_DATE_COLUMN: "date"}
    )
    return (
        _Candidate(dated, again, signature)
        if again.complete
        else _Candidate(table, recognition, signature)
    )


def _mapped_positions(
    options: ImportOptions, remembered: Mapping[str, Mapping[str, Any]]
) -> Wanted:
    """For the reader: which columns of a header are mapped, so a large text file's other
    columns (an order export has dozens) are never split into strings. None — read them all —
    when the header is not a complete kind: the mapping editor and its messages need them."""

    def positions(header: list[str]) -> set[int] | None:
        try:
            recognition = recognition_for(header, options, remembered)[2]
        except UsageError:
            return None  # prepare_import says so, with the whole table read
        if not recognition.complete:
            return None
        return {header.index(source) for source in recognition.mapping}

    return positions


def _unrecognised(file: str, table: RawTable, recognition: Recognition) -> UnrecognisedColumns:
    """The reject that asks the user to map columns, saying what was and was not recognised."""
    recognised = ", ".join(f"{src} → {field}" for src, field in recognition.mapping.items())
    problem = InputProblem(
        file,
        code="unrecognised_columns",
        row=table.header_line or None,
        sheet=table.sheet,
        params={
            "kind": recognition.kind or "",
            "missing": ", ".join(recognition.missing) or "-",
            "recognised": recognised or "-",
        },
    )
    return UnrecognisedColumns([problem], recognition, list(table.header))
