"""Excel workbooks → one RawTable per sheet, through python-calamine (RELIABILITY R7, R8).

Before calamine parses anything, an XLSX/XLSM is checked from its zip directory alone (nothing
is extracted): the sum of uncompressed sizes, each big member's compression ratio, member names
that would climb out of a folder, and the worksheet count. The heads of its XML parts are
scanned for `<!DOCTYPE`/`<!ENTITY`: calamine (quick-xml) never expands entities or fetches
external ones, so a billion-laughs or XXE part could not hurt us, but a workbook carrying one
was crafted, and it is refused by name instead of being read half-empty.

Cells become text so identifiers stay exact and later parsing sees one format per type:
integral numbers without ".0" (`12345.0` → "12345"; an 18-digit id stored as *text* stays exact,
one stored as a number was already rounded by Excel), other numbers by their shortest repr,
date-times "YYYY-MM-DD HH:MM:SS", dates "YYYY-MM-DD", times "HH:MM:SS", booleans TRUE/FALSE,
empty cells None. Formulas give their cached values (nothing is evaluated); a formula cell with
no cached value (a file written by a script and never opened in Excel) is refused, because
reading it as empty would import NULLs silently.

Header location is shared with the text reader (`text_table.find_header_row`). Merged header
cells hold their text in the first cell only; the other cells of the merge are unnamed columns
(`column_<n>`), kept so rows keep their shape, ignored by recognise, and noticed if they hold data.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
import zlib
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from analytics.ingest import limits
from analytics.ingest.limits import reject
from analytics.ingest.model import Notice, RawTable, empty_as_null
from analytics.ingest.text_table import (
    HEADER_LIKELY,
    HEADER_SEARCH_ROWS,
    NOTES_TAIL_ROWS,
    HeaderScore,
    drop_notes,
    find_header_row,
    name_header,
    unnamed_notices,
)

# What reading a damaged or encrypted member can raise: all mean "not a workbook we can read".
# (ValueError: a member offset pointing outside the file makes zipfile seek before its start.)
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    NotImplementedError,
    RuntimeError,
    EOFError,
    ValueError,
    zlib.error,
)
_XML_HEAD_BYTES = 64 * 1024
_SCAN_CHUNK = 4 * 1024 * 1024
# A worksheet part: "xl/worksheets/sheet1.xml".
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
# A <sheet> element of workbook.xml: <sheet name="流量" sheetId="1" r:id="rId1"/>.
_SHEET_ELEMENT = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
# A relationship of workbook.xml.rels: <Relationship Id="rId1" Target="worksheets/sheet1.xml" …/>.
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
# A formula cell without a cached value: <c r="H2"><f>SUM(A1:A3)</f><v/></c> or …</f></c>.
_FORMULA_NO_VALUE = re.compile(
    rb'<c r="([A-Z]+)([0-9]+)"[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>|</c>)'
)


def read_workbook(data: bytes, file: str, header_score: HeaderScore, kind: str) -> list[RawTable]:
    """Read every worksheet that has cells.

    Args:
        data: the workbook bytes.
        file: the display name, for problems.
        header_score: scores a row as a header, to find it below title rows.
        kind: "zip" (XLSX/XLSM) or "ole" (XLS), from the magic bytes.

    Returns:
        The sheets with data rows; if none has any, the header-only sheets when no header is
        recognisable (so recognise can say why).

    Raises:
        InputRejected: archive_too_large, too_many_sheets, unreadable_workbook,
            unsupported_format, formula_without_value, too_many_rows, too_many_columns,
            duplicate_column, empty_workbook, no_rows.
    """
    sheet_parts: dict[str, str] = {}
    if kind == "zip":
        sheet_parts = check_archive(data, file)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        if len(sheets) > limits.MAX_SHEETS:
            raise reject(file, "too_many_sheets", found=str(len(sheets)), limit=limits.MAX_SHEETS)
        grids = {name: _grid(workbook, name, file) for name in sheets}
    except CalamineError as exc:
        raise reject(file, "unreadable_workbook", found=type(exc).__name__) from None

    tables: list[RawTable] = []
    for name, grid in grids.items():
        if grid.rows:
            table = _table(grid, file, name, header_score)
            if name in sheet_parts:
                _check_formulas(data, sheet_parts[name], file, table)
            tables.append(table)
    with_rows = [t for t in tables if t.row_count]
    if with_rows:
        return with_rows
    if not tables:  # every sheet is blank: there is not even a header to speak of
        raise reject(file, "empty_workbook", found=str(len(grids)))
    if all(header_score(t.header) < HEADER_LIKELY for t in tables):
        return tables
    raise reject(file, "no_rows", sheet=tables[0].sheet)


def check_archive(data: bytes, file: str) -> dict[str, str]:
    """Check an XLSX/XLSM from its zip directory before anything parses it.

    Returns:
        {sheet name: worksheet part} from workbook.xml and its relationships (for naming the
        sheet of a formula problem); empty when they cannot be matched.

    Raises:
        InputRejected: unsupported_format (a zip that is not a workbook), archive_too_large,
            too_many_sheets, unreadable_workbook (bad member names, DTDs or entities).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except _ZIP_ERRORS as exc:
        raise reject(file, "unreadable_workbook", found=type(exc).__name__) from None
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise reject(file, "unsupported_format", found="zip", expected="read_workbook")
    total = sum(m.file_size for m in members)
    if total > limits.MAX_XLSX_UNCOMPRESSED:
        raise reject(
            file,
            "archive_too_large",
            found=f"{total / 2**20:.0f} MiB",
            limit_mb=limits.MAX_XLSX_UNCOMPRESSED // 2**20,
        )
    for member in members:
        if _unsafe_name(member.filename):
            raise reject(file, "unreadable_workbook", found=member.filename)
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.MAX_ZIP_RATIO_MIN_BYTES and ratio > limits.MAX_ZIP_RATIO:
            raise reject(
                file,
                "archive_ratio",
                found=f"{member.filename} ×{ratio:.0f}",
                limit=limits.MAX_ZIP_RATIO,
            )
    worksheets = [n for n in names if _WORKSHEET.fullmatch(n)]
    if len(worksheets) > limits.MAX_SHEETS:
        raise reject(file, "too_many_sheets", found=str(len(worksheets)), limit=limits.MAX_SHEETS)
    try:
        for member in members:
            if member.filename.endswith((".xml", ".rels")):
                with archive.open(member) as part:
                    head = part.read(_XML_HEAD_BYTES)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    found = f"{member.filename}: <!DOCTYPE"
                    raise reject(file, "unreadable_workbook", found=found)
        return _sheet_parts(archive)
    except _ZIP_ERRORS as exc:
        raise reject(file, "unreadable_workbook", found=type(exc).__name__) from None


def _unsafe_name(name: str) -> bool:
    """A member name that would leave its folder if extracted: absolute, drive, "..", "\\"."""
    parts = name.split("/")
    return name.startswith("/") or "\\" in name or ":" in parts[0] or ".." in parts


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """{sheet name: "xl/worksheets/sheetN.xml"} from workbook.xml and its relationships;
    {} when they are missing or not UTF-8 (calamine then decides whether the file is readable,
    and formulas go unchecked)."""
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
        workbook.decode("utf-8")
        rels.decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return {}
    targets = {}
    for element in _RELATIONSHIP.findall(rels):
        attrs = dict(_ATTRIBUTE.findall(element))
        target = attrs.get(b"Target", b"").decode("utf-8").lstrip("/")
        targets[attrs.get(b"Id")] = target if target.startswith("xl/") else f"xl/{target}"
    parts = {}
    for element in _SHEET_ELEMENT.findall(workbook):
        attrs = dict(_ATTRIBUTE.findall(element))
        name = html.unescape(attrs.get(b"name", b"").decode("utf-8"))
        if attrs.get(b"r:id") in targets:
            parts[name] = targets[attrs[b"r:id"]]
    return parts


def _check_formulas(data: bytes, part: str, file: str, table: RawTable) -> None:
    """Refuse a worksheet holding a formula with no cached value, naming its cell and column.

    Streams the part in chunks and runs the pattern only on chunks containing "<f"; a chunk
    keeps the tail of the previous one so a cell split across chunks is still seen.
    """
    try:
        _scan_formulas(data, part, file, table)
    except (KeyError, *_ZIP_ERRORS) as exc:
        raise reject(file, "unreadable_workbook", found=type(exc).__name__) from None


def _scan_formulas(data: bytes, part: str, file: str, table: RawTable) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(part) as stream:
        tail = b""
        while chunk := stream.read(_SCAN_CHUNK):
            window = tail + chunk
            found = _FORMULA_NO_VALUE.search(window) if b"<f" in window else None
            if found:
                letters, row = found.group(1).decode(), int(found.group(2))
                index = 0
                for letter in letters:
                    index = index * 26 + ord(letter) - ord("A") + 1
                column = table.header[index - 1] if index <= len(table.header) else None
                raise reject(
                    file,
                    "formula_without_value",
                    sheet=table.sheet,
                    row=row,
                    column=column,
                    found=f"{letters}{row}",
                    expected="read_cached_value",
                )
            tail = window[-4096:]


class _Grid(NamedTuple):
    """A sheet's non-empty rows: calamine's values (empty cells ""), trimmed to the last
    column holding anything, and each row's sheet row number."""

    numbers: list[int]
    rows: list[list[Any]]


def _grid(workbook: CalamineWorkbook, name: str, file: str) -> _Grid:
    """Read one sheet's values (see `_Grid`)."""
    sheet = workbook.get_sheet_by_name(name)
    # Before reading any cell: even with all title rows above the header, too many rows.
    if sheet.height > limits.MAX_ROWS + HEADER_SEARCH_ROWS + 1:
        raise reject(
            file, "too_many_rows", sheet=name, found=str(sheet.height), limit=limits.MAX_ROWS
        )
    limits.check_columns(file, sheet.width, 1, name)
    values = sheet.to_python(skip_empty_area=False)
    numbers = [n for n, row in enumerate(values, start=1) if row.count("") < len(row)]
    rows = [values[n - 1] for n in numbers]
    width = max((len(row) - _empty_tail(row) for row in rows), default=0)
    if rows and width < len(rows[0]):
        rows = [row[:width] for row in rows]
    return _Grid(numbers, rows)


def _empty_tail(row: list[Any]) -> int:
    """How many cells at the end of `row` are empty."""
    count = 0
    for value in reversed(row):
        if value != "":
            break
        count += 1
    return count


def _table(grid: _Grid, file: str, sheet: str, header_score: HeaderScore) -> RawTable:
    """A sheet's rows → RawTable: header found below title rows, notes rows cut off the end.

    Only the rows the header search and the notes check look at become text one cell at a
    time; the data rows become text a column at a time (`_column_text`).
    """
    lines, rows = grid.numbers, grid.rows
    head = [[cell_text(v) for v in row] for row in rows[:HEADER_SEARCH_ROWS]]
    start = find_header_row(head, header_score)
    notices: list[Notice] = []
    if start:
        notices.append(Notice("title_rows_skipped", {"count": start, "line": lines[start]}))
    header = name_header(file, head[start], lines[start], header_score, sheet)
    data, data_lines = rows[start + 1 :], lines[start + 1 :]
    tail = [[cell_text(v) for v in row] for row in data[-NOTES_TAIL_ROWS:]]
    kept, _, dropped = drop_notes(tail, data_lines[-NOTES_TAIL_ROWS:], len(header))
    if not kept and len(tail) < len(data):  # more notes than the tail: check every row
        every = [[cell_text(v) for v in row] for row in data]
        kept, _, dropped = drop_notes(every, data_lines, len(header))
        tail = every
    end = len(data) - (len(tail) - len(kept))
    data, data_lines = data[:end], data_lines[:end]
    limits.check_rows(file, len(data), sheet)
    cells = list(zip(*data, strict=True)) if data else [()] * len(header)
    table = RawTable(
        file=file,
        header=header,
        columns=[_column_text(column) for column in cells],
        line_numbers=np.asarray(data_lines, dtype=np.int64),
        header_line=lines[start],
        encoding=None,
        sheet=sheet,
    )
    table.notices = notices + unnamed_notices(head[start], table.columns, lines[start])
    if dropped:
        table.notices.append(Notice("notes_rows_dropped", dropped))
    return table


def _column_text(values: tuple[Any, ...]) -> pa.Array:
    """One column of calamine values as text, exactly as `cell_text` writes each cell.

    A column of strings, or of one type of number or date-time beside empty cells, is
    converted by Arrow in one go; any other mix goes cell by cell.
    """
    if set(map(type, values)) == {str}:
        return empty_as_null(pa.array(values, type=pa.string()))
    cells = np.array(values, dtype=object)
    filled = cells != ""
    kinds = set(map(type, cells[filled]))
    converter = _UNIFORM.get(kinds.pop()) if len(kinds) == 1 else None
    if converter is None:
        return pa.array([cell_text(v) for v in values], type=pa.string())
    text = np.full(len(values), None, dtype=object)
    text[filled] = converter(cells[filled]).to_numpy(zero_copy_only=False)
    return pa.array(text, type=pa.string())


def _floats_text(values: np.ndarray) -> pa.Array:
    """Floats as `cell_text` writes them: integral ones without ".0", others by their shortest
    repr. Arrow's shortest form equals repr where it has no exponent and |x| >= 1e-4; the rest
    (tiny, huge) are written by Python."""
    numbers = values.astype(np.float64)
    whole = (numbers == np.floor(numbers)) & (np.abs(numbers) < 2**63)
    shortest = pc.cast(pa.array(numbers), pa.string())
    integers = pc.cast(pa.array(np.where(whole, numbers, 0).astype(np.int64)), pa.string())
    text = pc.if_else(pa.array(whole), integers, shortest)
    exponent = pc.match_substring(shortest, "e").to_numpy(zero_copy_only=False)
    odd = np.flatnonzero(~whole & ((np.abs(numbers) < 1e-4) | exponent))
    if not odd.size:
        return text
    cells = text.to_numpy(zero_copy_only=False).astype(object)
    cells[odd] = [cell_text(float(x)) for x in numbers[odd]]
    return pa.array(cells, type=pa.string())


def _integers_text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values.tolist(), type=pa.int64()), pa.string())


def _datetimes_text(values: np.ndarray) -> pa.Array:
    """Date-times rounded to the second, "YYYY-MM-DD HH:MM:SS" (see `_round_second`)."""
    micros = pa.array(values.tolist(), type=pa.timestamp("us")).cast(pa.int64()).to_numpy()
    seconds = pa.array((micros + 500_000) // 1_000_000, type=pa.int64()).cast(pa.timestamp("s"))
    return pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S")


def _dates_text(values: np.ndarray) -> pa.Array:
    return pc.strftime(pa.array(values.tolist(), type=pa.date32()), format="%Y-%m-%d")


_UNIFORM = {
    float: _floats_text,
    int: _integers_text,
    dt.datetime: _datetimes_text,
    dt.date: _dates_text,
}
"""The cell types whose columns `_column_text` converts in one go."""


def cell_text(value: object) -> str | None:
    """One calamine cell as text (see the module docstring); None for an empty cell.

    `cell_text(12345.0)` → "12345", `cell_text(0.1)` → "0.1", `cell_text(True)` → "TRUE".
    """
    kind = type(value)
    if kind is str:
        return value or None
    if kind is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is dt.datetime:
        return f"{_round_second(value):%Y-%m-%d %H:%M:%S}"
    if kind is dt.date:
        return f"{value:%Y-%m-%d}"
    if kind is dt.time:
        moment = _round_second(dt.datetime.combine(dt.date(2000, 1, 1), value))
        return f"{moment:%H:%M:%S}"
    if kind is dt.timedelta:
        seconds = round(value.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)


def _round_second(moment: dt.datetime) -> dt.datetime:
    """Excel stores times as fractions of a day; round away the float noise to the second."""
    return (moment + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
