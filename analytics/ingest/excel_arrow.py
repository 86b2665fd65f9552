"""The plumbing of excel.py's Arrow path for large XLSX worksheets: fastexcel, and the pieces of
a worksheet's XML it reads.

fastexcel runs calamine in Rust and hands each column over as one Arrow array, typed from every
cell of the column (`dtype_coercion="strict"`: a column mixing types is an error, never a
coercion). It never makes a Python object per cell, which is where python-calamine spends most
of its time on a large sheet. It needs the header's row up front, so the header is first looked
for in the sheet's head: the worksheet XML's first rows, cut after a complete `</row>` and read
by python-calamine exactly as the whole sheet would be.

The worksheet's XML is inflated here once anyway (excel.py scans it for formulas without a
cached value), so fastexcel is given it as workbooks with the part stored rather than deflated,
split at a row a little past the middle into two workbooks read on two threads (fastexcel
releases the GIL), written to files (in RAM where Linux has /dev/shm) that calamine streams.
The second piece starts with one made-up header row just above its first row, so that
fastexcel's rows and columns keep their sheet positions.

Nothing here decides what a cell's text is: excel.py does, and falls back to reading the whole
sheet with python-calamine whenever anything here returns None or raises.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

import fastexcel
import pyarrow as pa
from python_calamine import CalamineWorkbook

# fastexcel logs a warning for every column with no cells ("falling back to string"); that is
# an all-null column here, nothing to report.
logging.getLogger("fastexcel").addHandler(logging.NullHandler())

# The <sheetData> start tag, with its namespace prefix; a self-closing one means no rows.
_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*?(/?)>")
# The root element's name: "worksheet" or "x:worksheet".
_ROOT = re.compile(rb"<((?:\w+:)?worksheet)\b")
# A row's start tag's row number: <row r="12" spans="1:10">.
_ROW_NUMBER = re.compile(rb'\sr="([0-9]+)"')


class Head(NamedTuple):
    """A worksheet's first rows as python-calamine reads them, and how its XML is written."""

    values: list[list[Any]]  # to_python(skip_empty_area=False) of the head
    opening: bytes  # the XML up to and including the <sheetData> start tag
    prefix: bytes  # the namespace prefix of its elements: b"" or b"x:"
    closing: bytes  # b"</sheetData></worksheet>", prefixed alike


def members(data: bytes, keep: Callable[[str], bool]) -> dict[str, bytes]:
    """The workbook's members that `keep` keeps, inflated."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            info.filename: archive.read(info)
            for info in archive.infolist()
            if not info.is_dir() and keep(info.filename)
        }


def workbook(parts: dict[str, bytes], part: str, xml: Iterable[bytes]) -> bytes:
    """A workbook of `parts` and the worksheet `part` written from `xml`'s pieces, all stored."""
    book = Book(parts, part)
    for piece in xml:
        book.write(piece)
    written = book.close()
    assert isinstance(written, bytes)
    return written


class Book:
    """A workbook of `parts` (stored) whose worksheet `part` is written piece by piece, so the
    inflated XML is never held whole: to the file `path`, or given None, to bytes."""

    def __init__(self, parts: dict[str, bytes], part: str, path: str | None = None) -> None:
        self._path = path
        self._out = io.BytesIO()
        self._archive = zipfile.ZipFile(path or self._out, "w", zipfile.ZIP_STORED)
        for name, body in parts.items():
            self._archive.writestr(name, body)
        self._stream = self._archive.open(part, "w", force_zip64=True)

    def write(self, xml: bytes) -> None:
        self._stream.write(xml)

    def close(self) -> str | bytes:
        """The workbook: its path, or its bytes."""
        self._stream.close()
        self._archive.close()
        return self._path or self._out.getvalue()


def chunks(data: bytes, part: str, size: int) -> Iterator[bytes]:
    """The worksheet part's XML, inflated `size` bytes at a time."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(part) as stream:
        while chunk := stream.read(size):
            yield chunk


def head(data: bytes, parts: dict[str, bytes], part: str, sheet: str, size: int) -> Head | None:
    """The worksheet's rows in its first `size` bytes of XML, cut after the last complete row.

    None when the whole part fits in `size` (read it whole instead), when the head has no
    complete row, or holds a comment or CDATA section (where "</row>" need not end a row).
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(part) as stream:
        xml = stream.read(size)
        if len(xml) < size or not stream.read(1):
            return None
    if b"<!" in xml:
        return None
    opening, root = _SHEET_DATA.search(xml), _ROOT.search(xml)
    if opening is None or root is None or opening[2]:
        return None
    prefix = opening[1]
    row_end = b"</" + prefix + b"row>"
    cut = xml.rfind(row_end)
    if cut < opening.end():
        return None
    closing = b"</" + prefix + b"sheetData></" + root[1] + b">"
    book = workbook(parts, part, [xml[: cut + len(row_end)], closing])
    values = CalamineWorkbook.from_filelike(io.BytesIO(book)).get_sheet_by_name(sheet)
    return Head(values.to_python(skip_empty_area=False), xml[: opening.end()], prefix, closing)


def row_start(chunk: bytes, prefix: bytes, at: int) -> tuple[int, int] | None:
    """(offset, sheet row number) of the first row start tag in `chunk` from `at` whose tag is
    whole in the chunk; None if there is none, or it has no row number."""
    tag = re.compile(b"<" + re.escape(prefix) + rb"row[\s>]")
    found = tag.search(chunk, at)
    end = chunk.find(b">", found.start()) if found else -1
    if found is None or end < 0:
        return None
    number = _ROW_NUMBER.search(chunk, found.start(), end)
    return (found.start(), int(number[1])) if number else None


# One text cell in column A of sheet row {r}, elements prefixed with {p} ("" or "x:").
_HEADER_ROW = (
    b'<{p}row r="{r}"><{p}c r="A{r}" t="inlineStr"><{p}is><{p}t>_</{p}t></{p}is></{p}c></{p}row>'
)


def header_row(prefix: bytes, row: int) -> bytes:
    """A made-up header row at sheet row `row` (1-based): one text cell in column A."""
    return _HEADER_ROW.replace(b"{p}", prefix).replace(b"{r}", str(row).encode())


def load_columns(
    books: list[str | bytes], sheet: str, header_row: int
) -> tuple[int, dict[int, pa.Array]]:
    """Every row below the sheet's `header_row` (0-based) of the workbook in `books` (a list
    of one path or bytes, emptied once fastexcel holds its own copy), as {sheet column
    (0-based): Arrow array}: one array a column, typed from all of its cells; row i is sheet
    row `header_row + 2 + i` (1-based), empty rows included as nulls.

    From a file calamine streams the part; from bytes it holds a copy of them all, and the
    process touches some 1.5 GB more memory for a 300 MB sheet (0.4–0.9 s of page faults).

    Raises:
        fastexcel's errors, among them UnsupportedColumnTypeCombinationError for a column
        holding two types of cell.
    """
    reader = fastexcel.read_excel(books.pop())
    loaded = reader.load_sheet(
        sheet, header_row=header_row, schema_sample_rows=None, dtype_coercion="strict"
    )
    batch = loaded.to_arrow()
    where = {info.name: info.absolute_index for info in loaded.selected_columns}
    columns = {where[field.name]: batch.column(i) for i, field in enumerate(batch.schema)}
    if len(columns) != batch.num_columns:
        raise ValueError("fastexcel columns without a sheet position")
    return batch.num_rows, columns
