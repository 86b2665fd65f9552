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

A worksheet over `FAST_MIN_BYTES` of XML is read through fastexcel instead (`excel_arrow`):
calamine in Rust, each column one typed Arrow array, no Python object per cell. Only columns of
text, numbers and booleans are taken from it, written by the same conversions as here, and the
head's rows must read the same both ways; a sheet with a date, time or duration column, a
column of two types, or anything unexpected is read by python-calamine as before, which also
raises every refusal. tests/test_excel_arrow.py holds the two paths to the same tables.

Header location is shared with the text reader (`text_table.find_header_row`). Merged header
cells hold their text in the first cell only; the other cells of the merge are unnamed columns
(`column_<n>`), kept so rows keep their shape, ignored by recognise, and noticed if they hold data.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from analytics.ingest import excel_arrow, limits, scratch
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
# Where the pattern above could match; a regex finds it faster than `in` does.
_FORMULA_START = re.compile(rb"<f\b")


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
        grids: dict[str, _Grid | _Fast] = {}
        for name in sheets:
            fast = _fast_sheet(data, file, name, sheet_parts.get(name), header_score)
            grids[name] = fast if fast is not None else _grid(workbook, name, file)
    except CalamineError as exc:
        raise reject(file, "unreadable_workbook", found=type(exc).__name__) from None

    tables: list[RawTable] = []
    for name, grid in grids.items():
        if isinstance(grid, _Fast):
            if grid.formula is not None:
                raise _formula_problem(file, grid.table, *grid.formula)
            tables.append(grid.table)
        elif grid.rows:
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
    """Refuse a worksheet holding a formula with no cached value, naming its cell and column."""
    try:
        found = _find_formula(data, part)
    except (KeyError, *_ZIP_ERRORS) as exc:
        raise reject(file, "unreadable_workbook", found=type(exc).__name__) from None
    if found is not None:
        raise _formula_problem(file, table, *found)


def _find_formula(data: bytes, part: str) -> tuple[str, int] | None:
    """The first formula cell with no cached value in a worksheet part: (column letters, row).

    Streams the part in chunks (see `_FormulaScan`).
    """
    scan = _FormulaScan()
    for chunk in excel_arrow.chunks(data, part, _SCAN_CHUNK):
        if scan.feed(chunk):
            break
    return scan.found


class _FormulaScan:
    """Fed a worksheet's XML chunk by chunk, finds its first formula without a cached value.

    The pattern runs only on chunks where a formula starts ("<f"); a chunk keeps the tail of
    the previous one so a cell split across chunks is still seen. `unusual` records a comment,
    CDATA section or the like ("<!") anywhere, where a "<row" need not start a row.
    """

    def __init__(self) -> None:
        self.found: tuple[str, int] | None = None
        self.unusual = False
        self._tail = b""

    def feed(self, chunk: bytes) -> bool:
        """Scan one more chunk; True once a formula without a value is found."""
        window = self._tail + chunk
        # "!" is rare in XML and found at memchr speed; "<" is everywhere.
        self.unusual = self.unusual or (b"!" in window and b"<!" in window)
        if self.found is None and _FORMULA_START.search(window):
            found = _FORMULA_NO_VALUE.search(window)
            if found:
                self.found = found.group(1).decode(), int(found.group(2))
        self._tail = window[-4096:]
        return self.found is not None


def _formula_problem(file: str, table: RawTable, letters: str, row: int) -> Exception:
    """formula_without_value at cell `letters``row`, naming the column of `table` it is in."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    column = table.header[index - 1] if index <= len(table.header) else None
    return reject(
        file,
        "formula_without_value",
        sheet=table.sheet,
        row=row,
        column=column,
        found=f"{letters}{row}",
        expected="read_cached_value",
    )


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
    try:
        values = sheet.to_python(skip_empty_area=False)
    except OverflowError:  # a date or duration cell past what Python can hold (1e20 as [h]:mm)
        raise reject(
            file,
            "cell_out_of_range",
            sheet=name,
            row=_overflow_row(sheet),
            expected="read_date_range",
        ) from None
    numbers = [n for n, row in enumerate(values, start=1) if row.count("") < len(row)]
    rows = [values[n - 1] for n in numbers]
    width = max((len(row) - _empty_tail(row) for row in rows), default=0)
    if rows and width < len(rows[0]):
        rows = [row[:width] for row in rows]
    return _Grid(numbers, rows)


def _overflow_row(sheet: Any) -> int:
    """The sheet row (1-based) whose cells python-calamine cannot turn into values: its rows
    are read one at a time until one raises (calamine says which row, not which cell)."""
    rows = sheet.iter_rows()  # from sheet row 1, empty rows included
    number = 1
    while True:
        try:
            next(rows)
        except OverflowError:
            return number
        number += 1


def _empty_tail(row: list[Any]) -> int:
    """How many cells at the end of `row` are empty."""
    count = 0
    for value in reversed(row):
        if value != "":
            break
        count += 1
    return count


class _Fast(NamedTuple):
    """A sheet read by the Arrow path: its table, and the formula without a cached value the
    scan found (column letters, row), raised where the calamine path would raise it."""

    table: RawTable
    formula: tuple[str, int] | None


FAST_MIN_BYTES = 8 * 2**20
"""Worksheet XML (uncompressed) from which the Arrow path is tried; below it python-calamine
reads the sheet whole (fast enough, and one reader fewer)."""
_FAST_HEAD_BYTES = (2 * 2**20, 16 * 2**20)
_FIRST_PIECE = 0.57
"""Where the worksheet XML is split for fastexcel: the first piece is read on the other thread
while this one still inflates the rest, so it gets the larger share."""
_EXACT_KINDS = (str, float, int, bool)


def _fast_sheet(
    data: bytes, file: str, name: str, part: str | None, header_score: HeaderScore
) -> _Fast | None:
    """A large worksheet through fastexcel (`excel_arrow`), with the text the calamine path
    would give every cell; None to read it through python-calamine instead.

    None whenever the Arrow path cannot be sure of giving the same table: a column holding a
    date, time or duration, or two types of cell; fewer than the header search's rows in the
    head; a header that moves once the width is known; rows the head and fastexcel disagree on;
    anything raised, the calamine path's refusals included (it then raises them itself).
    """
    if part is None:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if archive.getinfo(part).file_size < FAST_MIN_BYTES:
                return None
        return _read_fast(data, file, name, part, header_score)
    except Exception:  # the calamine path reads it, and names whatever is wrong
        return None


def _read_fast(
    data: bytes, file: str, name: str, part: str, header_score: HeaderScore
) -> _Fast | None:
    parts = excel_arrow.members(data, keep=lambda member: not _WORKSHEET.fullmatch(member))
    for size in _FAST_HEAD_BYTES:
        head_read = excel_arrow.head(data, parts, part, name, size)
        if head_read is None:
            return None
        values = head_read.values
        numbers = [n for n, row in enumerate(values, start=1) if row.count("") < len(row)]
        if len(numbers) >= HEADER_SEARCH_ROWS:
            break
    else:
        return None
    rows = [values[n - 1] for n in numbers]
    head_width = max(len(row) - _empty_tail(row) for row in rows)
    head = [[cell_text(v) for v in row] for row in rows[:HEADER_SEARCH_ROWS]]
    start = find_header_row(_fit(head, head_width), header_score)
    header_line = numbers[start]
    below = rows[start + 1 :]  # the head's data rows: a sample of what fastexcel will read
    if not _plain_columns(below):
        return None
    pieces = _load_pieces(data, parts, part, name, head_read, header_line)
    if pieces is None:
        return None
    formula, loaded = pieces
    height = sum(count for _, count, _ in loaded)
    if height > limits.MAX_ROWS // 2:
        return None  # the calamine path says whether it is too many
    text: dict[int, list[pa.Array | None]] = {}
    for k, (_, count, arrays) in enumerate(loaded):
        for index, array in arrays.items():
            column = _arrow_text(array)
            if column is None:
                return None
            if column.null_count < count:
                text.setdefault(index, [None] * len(loaded))[k] = column
    width = max([head_width, *(index + 1 for index in text)])
    if width > limits.MAX_COLUMNS:
        return None
    head = _fit(head, width)
    if width > head_width and find_header_row(head, header_score) != start:
        return None
    empty = pa.chunked_array([pa.nulls(height, pa.string())])
    columns = [
        pa.chunked_array(
            [
                piece if piece is not None else pa.nulls(count, pa.string())
                for piece, (_, count, _) in zip(text[index], loaded, strict=True)
            ],
            type=pa.string(),
        )
        if index in text
        else empty
        for index in range(width)
    ]
    filled = np.zeros(height, dtype=bool)
    for index in text:
        filled |= columns[index].is_valid().to_numpy(zero_copy_only=False)
    lines = np.concatenate([first + np.arange(count) for first, count, _ in loaded])
    if not filled.all():
        mask = pa.array(filled)
        columns = [column.filter(mask) for column in columns]
    data_lines = lines[filled].astype(np.int64)
    # The head's own data rows, read by python-calamine, must read the same through fastexcel.
    sample = [[cell_text(v) for v in row] for row in below]
    if data_lines[: len(below)].tolist() != numbers[start + 1 :] or _fit(
        sample, width
    ) != _text_rows(columns, 0, len(below)):
        return None
    table = _assemble(file, name, header_score, head, start, header_line, columns, data_lines)
    return _Fast(table, formula)


_Piece = tuple[int, int, dict[int, pa.Array]]
"""(sheet row of its first row, row count, {sheet column: Arrow array}) of a fastexcel read."""


def _load_pieces(
    data: bytes,
    parts: dict[str, bytes],
    part: str,
    name: str,
    head: excel_arrow.Head,
    header_line: int,
) -> tuple[tuple[str, int] | None, list[_Piece]] | None:
    """Inflate the worksheet once, scanning it for formulas without a value, and have fastexcel
    read the rows below the header: in two pieces on two threads when a row a little past the
    middle (`_FIRST_PIECE`) has its number, else whole. Returns (the formula found, the
    pieces read), or None when the XML holds a comment or CDATA section (a "<row" there is no
    row).
    """
    scan = _FormulaScan()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        cut = int(archive.getinfo(part).file_size * _FIRST_PIECE)
    split = None
    seen = 0
    with (
        scratch.folder() as folder,  # fastexcel reads the pieces from files
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        book = excel_arrow.Book(parts, part, os.path.join(folder, "1.xlsx"))
        for chunk in excel_arrow.chunks(data, part, _SCAN_CHUNK):
            scan.feed(chunk)
            if split is None and seen + len(chunk) >= cut and not scan.unusual:
                found = excel_arrow.row_start(chunk, head.prefix, max(cut - seen, 0))
                if found is not None and found[1] > header_line + 1:
                    at, split = found
                    book.write(chunk[:at])
                    book.write(head.closing)
                    books = [book.close()]
                    loading = pool.submit(excel_arrow.load_columns, books, name, header_line - 1)
                    del books
                    book = excel_arrow.Book(parts, part, os.path.join(folder, "2.xlsx"))
                    book.write(head.opening)
                    book.write(excel_arrow.header_row(head.prefix, split - 1))
                    chunk = chunk[at:]
            book.write(chunk)
            seen += len(chunk)
        written = book.close()
        if scan.unusual:
            return None
        if split is None:
            whole = excel_arrow.load_columns([written], name, header_line - 1)
            return scan.found, [(header_line + 1, *whole)]
        later = (split, *excel_arrow.load_columns([written], name, split - 2))
        earlier = (header_line + 1, *loading.result())
        if header_line + 1 + earlier[1] > split:  # rows out of order (OOXML wants them sorted)
            return None
        return scan.found, [earlier, later]


def _fit(rows: list[list[str | None]], width: int) -> list[list[str | None]]:
    """Rows cut or padded with empty cells to `width`."""
    return [row[:width] + [None] * (width - len(row)) for row in rows]


def _plain_columns(rows: list[list[Any]]) -> bool:
    """Whether every column of `rows` holds one kind of cell fastexcel gives exactly (text,
    numbers or booleans) besides empty ones; else fastexcel is not worth asking."""
    kinds: dict[int, type] = {}
    for row in rows:
        for index, value in enumerate(row):
            if value == "":
                continue
            kind = float if type(value) is int else type(value)
            if kind not in _EXACT_KINDS or kinds.setdefault(index, kind) is not kind:
                return False
    return True


def _arrow_text(array: pa.Array) -> pa.Array | None:
    """A fastexcel column as text, exactly as `cell_text` writes each of its cells; None for a
    type it does not convert (dates, times, durations: calamine's day fractions reach Arrow
    rounded to the millisecond, and whether a cell is a date or a date-time is lost)."""
    kind = array.type
    if pa.types.is_null(kind):
        return pa.nulls(len(array), pa.string())
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return empty_as_null(array.cast(pa.string()))
    if pa.types.is_boolean(kind):
        return pc.if_else(array, "TRUE", "FALSE")
    if pa.types.is_int64(kind):
        return pc.cast(array, pa.string())
    if not pa.types.is_float64(kind):
        return None
    numbers = _floats_text(array.drop_null().to_numpy())
    if not array.null_count:
        return numbers
    return pc.replace_with_mask(pa.nulls(len(array), pa.string()), array.is_valid(), numbers)


def _table(grid: _Grid, file: str, sheet: str, header_score: HeaderScore) -> RawTable:
    """A sheet's rows → RawTable: header found below title rows, notes rows cut off the end.

    Only the rows the header search looks at become text one cell at a time; the data rows
    become text a column at a time (`_column_text`).
    """
    lines, rows = grid.numbers, grid.rows
    head = [[cell_text(v) for v in row] for row in rows[:HEADER_SEARCH_ROWS]]
    start = find_header_row(head, header_score)
    data = rows[start + 1 :]
    cells = list(zip(*data, strict=True)) if data else [()] * len(head[start])
    columns = [_column_text(column) for column in cells]
    data_lines = np.asarray(lines[start + 1 :], dtype=np.int64)
    return _assemble(file, sheet, header_score, head, start, lines[start], columns, data_lines)


def _assemble(
    file: str,
    sheet: str,
    header_score: HeaderScore,
    head: list[list[str | None]],
    start: int,
    header_line: int,
    columns: list[pa.Array],
    data_lines: np.ndarray,
) -> RawTable:
    """The RawTable of a sheet whose header is `head[start]` (sheet row `header_line`) and
    whose rows below it are `columns` (text, one per header cell), notes rows cut off the end.
    """
    notices: list[Notice] = []
    if start:
        notices.append(Notice("title_rows_skipped", {"count": start, "line": header_line}))
    header = name_header(file, head[start], header_line, header_score, sheet)
    count = len(data_lines)
    tail_from = max(count - NOTES_TAIL_ROWS, 0)
    tail = _text_rows(columns, tail_from, count)
    kept, _, dropped = drop_notes(tail, data_lines[tail_from:].tolist(), len(header))
    if not kept and tail_from:  # more notes than the tail: check every row
        tail = _text_rows(columns, 0, count)
        kept, _, dropped = drop_notes(tail, data_lines.tolist(), len(header))
    end = count - (len(tail) - len(kept))
    limits.check_rows(file, end, sheet)
    if end < count:
        columns, data_lines = [column.slice(0, end) for column in columns], data_lines[:end]
    table = RawTable(
        file=file,
        header=header,
        columns=columns,
        line_numbers=data_lines,
        header_line=header_line,
        encoding=None,
        sheet=sheet,
    )
    table.notices = notices + unnamed_notices(head[start], table.columns, header_line)
    if dropped:
        table.notices.append(Notice("notes_rows_dropped", dropped))
    return table


def _text_rows(columns: list[pa.Array], start: int, end: int) -> list[list[str | None]]:
    """Rows `start`..`end` of text columns, as lists of cells."""
    cells = (c.slice(start, end - start).to_pylist() for c in columns)
    return [list(row) for row in zip(*cells, strict=True)]


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
