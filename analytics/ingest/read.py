"""Uploaded bytes → RawTables: the one entry point of the reading layer.

`read_tables` checks the size, the extension (on the display name) and the content (by magic
bytes, RELIABILITY R11), then hands text to `decode` + `text_table` and workbooks to `excel`.

The content decides the reader, within what the extension allows:

* a zip workbook is read as one under any allowed name (an XLSX saved as "report.csv" is
  still an XLSX; nothing about it is text);
* an OLE (BIFF) file only as `.xls`: under another name it is most likely a password-protected
  workbook, which no reader can open;
* text is read as text under any allowed name, including `.xls` (生意参谋 and other back-ends
  "export .xls" files that are tab-separated GBK text, or HTML, which recognise then refuses);
* anything else (gzip, PDF, PNG …) is refused as "unsupported_format".

GB18030 is a fallback with a condition (R1): it is accepted only when the header it yields has
Chinese in it, and the UTF-8-valid part of the file before the first non-UTF-8 byte does not
itself hold a recognisable header (that is a UTF-8 file with a bad byte, not a GBK file).
Otherwise the file is refused as "bad_encoding" at the first non-UTF-8 byte. A header that
decodes but means nothing (Big5 or Shift-JIS read as GB18030, a re-saved mojibake) reaches
recognise, which refuses it as unrecognised columns.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from analytics.ingest import limits
from analytics.ingest.decode import decode_upload, sniff, undecodable_at
from analytics.ingest.excel import read_workbook
from analytics.ingest.limits import reject
from analytics.ingest.model import RawTable
from analytics.ingest.text_table import (
    HEADER_LIKELY,
    HEADER_SEARCH_ROWS,
    HeaderScore,
    Wanted,
    choose_delimiter,
    read_text_table,
)

TEXT_EXTENSIONS = ("csv", "tsv", "txt")
EXCEL_EXTENSIONS = ("xlsx", "xlsm", "xls")
ALLOWED_EXTENSIONS = TEXT_EXTENSIONS + EXCEL_EXTENSIONS
_MAX_NAME_CHARS = 200
# Any CJK ideograph (basic block and extension A): "访客数".
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def display_name(name: str) -> str:
    """The uploaded name as safe display text (RELIABILITY R11, P13).

    Keeps the last path component, removes control, format and bidi characters (so
    "invoice\\u202ecsv.exe" shows as "invoicecsv.exe", not as "invoiceexe.csv"), and trailing
    dots and spaces (Windows drops them: "traffic.exe. " is "traffic.exe"). A very long name
    is shortened in the middle, keeping its extension.
    """
    last = re.split(r"[/\\]", name)[-1]
    visible = "".join(ch for ch in last if unicodedata.category(ch) not in ("Cc", "Cf"))
    cleaned = visible.strip().rstrip(". ")
    if len(cleaned) > _MAX_NAME_CHARS:
        stem, dot, ext = cleaned.rpartition(".")
        keep = _MAX_NAME_CHARS - len(ext) - 1 if dot and len(ext) < 10 else _MAX_NAME_CHARS
        cleaned = f"{stem[:keep]}.{ext}" if keep < _MAX_NAME_CHARS else cleaned[:keep]
    return cleaned or "upload"


def extension(name: str) -> str:
    """Lower-case extension of the display name, without the dot; "" when there is none."""
    shown = display_name(name)
    return shown.rsplit(".", 1)[1].lower() if "." in shown else ""


def read_tables(
    name: str,
    data: bytes,
    header_score: HeaderScore,
    columns: tuple[str, ...] | None = None,
    wanted: Wanted | None = None,
) -> list[RawTable]:
    """Read an uploaded file into one RawTable per table (per sheet for workbooks).

    Args:
        name: the name the file was uploaded with (display text only).
        data: the exact bytes.
        header_score: recognise.header_score, used to find the header below title rows and to
            decide whether a GB18030 reading is right.
        columns: field names for a headerless text file (`--columns`).
        wanted: given a text file's header, the positions of the columns needed (None: all);
            the others are left unread (null) when the fast reader takes the file.

    Raises:
        InputRejected: naming the file and, where it applies, line/sheet/column: file_too_large,
            unsupported_extension, empty_file, unsupported_format, bad_encoding,
            binary_content, and the problems of `text_table` and `excel`.
    """
    file = display_name(name)
    limits.check_upload_size(file, len(data))
    ext = extension(name)
    if ext not in ALLOWED_EXTENSIONS:
        raise reject(
            file,
            "unsupported_extension",
            found=f".{ext}" if ext else file,
            expected="read_extension",
        )
    if not data:
        raise reject(file, "empty_file", expected="read_table")
    kind = sniff(data)
    if kind == "zip" or (kind == "ole" and ext == "xls"):
        with _cyclic_gc_paused():
            return read_workbook(data, file, header_score, kind)
    if kind == "ole":
        raise reject(file, "unsupported_format", found="ole", expected="read_workbook")
    decoded = decode_upload(data, file)
    with _cyclic_gc_paused():
        table = read_text_table(
            decoded,
            file,
            header_score,
            columns=columns,
            delimiter="\t" if ext == "tsv" else None,
            encoding=decoded.encoding,
            wanted=wanted,
        )
    if decoded.utf8_error is not None and columns is None:
        check_gb18030(data, decoded.utf8_error, table, header_score, file)
    return [table]


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a table is built.

    A million new row lists make it rescan every list again and again: half the reading time.
    Rows hold only strings, so there are no cycles to find; reference counting still frees
    everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_gb18030(
    data: bytes, utf8_error: int, table: RawTable, header_score: HeaderScore, file: str
) -> None:
    """Refuse a GB18030 reading that is not a Chinese export (see the module docstring)."""
    if not any(_CJK.search(cell) for cell in table.header):
        raise undecodable_at(file, data, utf8_error)
    before = data[:utf8_error].decode("utf-8")
    complete = before[: max(before.rfind("\n"), 0)]
    delimiter = choose_delimiter(complete, header_score)
    reader = csv.reader(io.StringIO(complete, newline=""), delimiter=delimiter)
    rows = [row for row in reader if row][:HEADER_SEARCH_ROWS]
    if any(header_score(row) >= HEADER_LIKELY for row in rows):
        raise undecodable_at(file, data, utf8_error)
