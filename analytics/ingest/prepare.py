"""prepare_import: bytes of one uploaded file → a validated PreparedImport, all in memory.

read (decode, find the header under title rows, one RawTable per sheet) → choose the sheet →
recognise (with the user's mapping over the one remembered for this header layout) →
normalise. Nothing is stored here: the upload page shows the result as a preview and
`Workspace.commit` stores it in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from analytics.errors import InputProblem, InputRejected, UnrecognisedColumns, UsageError
from analytics.ingest import read
from analytics.ingest.model import ImportOptions, Notice, PreparedImport, RawTable, Recognition
from analytics.ingest.normalise import normalise
from analytics.ingest.profiles import PROFILES, known_fields
from analytics.ingest.recognise import header_score, header_signature, recognise


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
) -> PreparedImport:
    """Read, recognise and normalise one uploaded file.

    Args:
        name: the uploaded file name (display text only; its extension picks the reader).
        data: the exact uploaded bytes.
        options: kind, shop, mapping, columns for headerless files, sheet.
        remembered: {header_signature: {"kind": …, "mapping": {source: field}}} from the
            workspace; the user's `options.mapping` wins over it column by column.

    Returns:
        The PreparedImport to preview or commit.

    Raises:
        UnrecognisedColumns: no sheet's header is a complete known kind; carries the closest
            Recognition and the header, so the UI can offer a mapping editor.
        InputRejected: the reader's or normalise's problems (bad cells, duplicate keys …).
        UsageError: an unknown sheet, kind, or mapping column/field.
    """
    options = options or ImportOptions()
    file = read.display_name(name)
    tables = read.read_tables(name, data, header_score, columns=options.columns)
    if options.sheet is not None:
        tables = [t for t in tables if t.sheet == options.sheet]
        if not tables:
            raise UsageError("usage.sheet_unknown", sheet=options.sheet)
    if not tables:
        raise InputRejected([InputProblem(file, code="no_rows")])
    found = [(table, _recognise(table, options, remembered or {})) for table in tables]
    complete = [(t, r) for t, r in found if r.complete]
    if not complete:
        table, recognition = max(found, key=lambda pair: pair[1].score)
        raise _unrecognised(file, table, recognition)
    table, recognition = max(complete, key=lambda pair: pair[1].score)
    notices = list(table.notices)
    if len(complete) > 1:
        others = ", ".join(f"{t.sheet} ({r.kind})" for t, r in complete if t is not table)
        notices.append(Notice("other_sheets", {"sheet": table.sheet or "", "others": others}))
    if not table.rows:
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
        mapping=dict(recognition.mapping),
        header_signature=header_signature(table.header),
        frame=result.frame,
        rows_read=result.rows_read,
        date_range=result.date_range,
        totals=result.totals,
        notices=notices + result.notices,
        currency=result.currency,
    )


def _recognise(
    table: RawTable, options: ImportOptions, remembered: Mapping[str, Mapping[str, Any]]
) -> Recognition:
    """Recognise one sheet, the remembered mapping for its header layout under the user's."""
    memory = remembered.get(header_signature(table.header), {})
    kind = options.kind or memory.get("kind")
    mapping = {**memory.get("mapping", {}), **options.mapping}
    return recognise(table.header, kind=kind, mapping=mapping)


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
