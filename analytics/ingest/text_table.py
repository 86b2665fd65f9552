"""Decoded text → RawTable: dialect, title rows, header, ragged rows, notes (RELIABILITY R2, R3).

Our code decides the dialect; no sniffer guesses types. Fields are split only after decoding
(GBK trail bytes can be `|`, `\\` or `@`), with `csv.reader(strict=True)`: the default
non-strict reader accepts a quote that never closes and swallows the rest of the file into one
cell. Every row keeps the 1-based physical line it started on (`reader.line_num` counts the
lines inside quoted cells), so later problems name the line a user sees in their editor.

Shapes absorbed: title and period lines above the header (Sycm puts the header on line 3–5),
notes lines below the data ("数据来源：生意参谋") and a header cell left empty, each told in a
notice; blank lines and empty cells padded beyond the header's width, silently (they hold
nothing). Shapes refused: a data row with another number of fields than the header (DuckDB pads
it with NULLs, pandas with NaN: both shift values silently), an unterminated quote, a header
naming the same column twice.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from analytics.errors import shown_value
from analytics.ingest import limits
from analytics.ingest.decode import Decoded
from analytics.ingest.limits import reject
from analytics.ingest.model import Notice, RawTable, columns_from_rows

HeaderScore = Callable[[list[str]], float]
"""Share of a row's cells that are known header names, in [0, 1] (recognise.header_score)."""
Wanted = Callable[[list[str]], set[int] | None]
"""Given the header, the positions of the columns the import needs (None: all of them)."""

HEADER_SEARCH_ROWS = 30
"""The header is looked for among the first this many non-empty rows."""
HEADER_SURE = 0.5
"""A row with at least this share of known names is the header."""
HEADER_LIKELY = 0.3
"""Failing a sure row, the best row is the header if it reaches this share."""
DELIMITERS = (",", "\t", ";", "|")
_SNIFF_CHARS = 64 * 1024
_HEADER_STRIP = " \t\r\n\u00a0\u3000\u200b\ufeff"
# Any character that is not blank: a file with none is empty.
_NOT_BLANK = re.compile(r"[^ \t\r\n\u00a0\u3000\u200b\ufeff]")
NOTES_TAIL_ROWS = 50
"""The last rows checked one by one for notes lines; the data rows above them are read whole."""
HEAD_BYTES = 256 * 1024
"""A UTF-8 file's dialect and header are sniffed from this many bytes (whole lines)."""
# Arrow's block: a line longer than a block falls back to csv.reader.
_ARROW_BLOCK = 16 * 1024 * 1024

# Excel's dialect hint on the first line: "sep=;" → fields are separated by ";".
_SEP_HINT = re.compile(r"sep=(.)(?:\r\n|\n|\r|$)")
# A notes line under the data: "数据来源：生意参谋", "注：…", "*数据已脱敏", "Source: Shopify".
_NOTE = re.compile(
    r"^\s*(?:注|备注|说明|数据来源|来源|统计说明|温馨提示|note|notes|source|\*)", re.I
)

# Quoted cells may legitimately be longer than csv's default 128 KiB field limit; our own
# limits (line and cell length) are checked with the column named. The limit is process-wide.
csv.field_size_limit(max(csv.field_size_limit(), limits.MAX_LINE_CHARS + 1))


def find_header_row(rows: Sequence[Sequence[str | None]], header_score: HeaderScore) -> int:
    """Index of the header among `rows` (title rows come before it).

    The first of the first `HEADER_SEARCH_ROWS` rows scoring at least 0.5, else the best one if
    it scores at least 0.3, else the first row (recognise then reports the columns it cannot
    place). Shared by the text and the Excel readers.
    """
    scores = [header_score([cell or "" for cell in row]) for row in rows[:HEADER_SEARCH_ROWS]]
    for index, score in enumerate(scores):
        if score >= HEADER_SURE:
            return index
    if scores and max(scores) >= HEADER_LIKELY:
        return scores.index(max(scores))
    return 0


def name_header(
    file: str,
    cells: Sequence[str | None],
    header_line: int,
    header_score: HeaderScore,
    sheet: str | None = None,
) -> list[str]:
    """Clean header names: stripped (BOM, NBSP, ideographic space), empty ones `column_<n>`.

    A column without a name is kept under `column_<n>` (1-based) so the rows keep their shape;
    recognise ignores it, and when it holds data `unnamed_notices` tells the user so.

    Raises:
        InputRejected: "duplicate_column" when two columns have the same name (which one is
            `访客数` would be a guess) in a header with a known name in it — a row with no known
            name is not a header (a headerless file), and recognise's refusal says more —
            and "too_many_columns" over `limits.MAX_COLUMNS`.
    """
    limits.check_columns(file, len(cells), header_line, sheet)
    header = [(c or "").strip(_HEADER_STRIP) or f"column_{i + 1}" for i, c in enumerate(cells)]
    seen: set[str] = set()
    for name in header if header_score(header) > 0 else ():
        if name in seen:
            raise reject(
                file,
                "duplicate_column",
                row=header_line,
                column=name,
                sheet=sheet,
                found=name,
                expected="read_unique_header",
            )
        seen.add(name)
    return header


def unnamed_notices(
    cells: Sequence[str | None], columns: Sequence[pa.Array], header_line: int
) -> list[Notice]:
    """One notice per column without a name in the header that holds data (it is ignored)."""
    return [
        Notice("unnamed_column", {"column": f"column_{index + 1}", "line": header_line})
        for index, cell in enumerate(cells)
        if not (cell or "").strip(_HEADER_STRIP)
        and index < len(columns)
        and columns[index].null_count < len(columns[index])
    ]


def read_text_table(
    text: str | Decoded,
    file: str,
    header_score: HeaderScore,
    columns: tuple[str, ...] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    wanted: Wanted | None = None,
) -> RawTable:
    """Split decoded text into a RawTable.

    Text without quotes is split by Arrow's CSV reader (`_read_unquoted`); anything it cannot
    take as plainly as `csv.reader` would falls back to `csv.reader`, so both give the same
    table and the same problems. A UTF-8 file is handed to Arrow as its own bytes, and only
    decoded into one str when csv.reader has to read it.

    Args:
        text: the decoded file (see decode.decode_upload), or the text as a str.
        file: the display name, for problems.
        header_score: scores a row as a header, to find it below title rows.
        columns: field names of a headerless file (`--columns`): every row is data.
        delimiter: force a delimiter ("\\t" for .tsv); else chosen from the first lines.
        encoding: recorded on the table.
        wanted: the columns the import needs, given the header: Arrow's reader leaves the
            others unread (all null; never the first column or one without a name, which the
            totals and unnamed-column checks read). csv.reader reads every column.

    Raises:
        InputRejected: empty_file, line_too_long, cell_too_long, too_many_columns,
            too_many_rows, unterminated_quote, bad_quote, ragged_row, duplicate_column, no_rows.
    """
    shape = _Shape(file, header_score, columns, encoding, wanted)
    utf8 = text.utf8 if isinstance(text, Decoded) else None
    if utf8 is not None and is_plain(utf8):
        lines = _Lines(utf8)
        try:
            return _read_utf8(lines, shape, delimiter)
        except _NotPlain:
            pass  # the text path below decides, and names the problem if there is one
    text = text.text if isinstance(text, Decoded) else text
    if not _NOT_BLANK.search(text):
        raise reject(file, "empty_file", expected="read_table")
    plain = utf8 is None and is_plain(text)
    lines = _Lines(text.encode("utf-8")) if plain else None
    long_lines = set()
    if lines is None or lines.longest > limits.MAX_CELL_CHARS:  # bytes: at least the chars
        long_lines = _check_line_lengths(text, file)
    first_line_skipped = 0
    hint = _SEP_HINT.match(text)
    if hint and delimiter is None:
        delimiter, first_line_skipped = hint.group(1), 1
        text = text[hint.end() :]
        lines = _Lines(text.encode("utf-8")) if plain else None
    delimiter = delimiter or choose_delimiter(text, header_score)
    if lines is not None and delimiter.isascii():
        try:
            return _read_unquoted(lines.split_by(delimiter, first_line_skipped), shape, long_lines)
        except _NotPlain:
            pass  # csv.reader below decides, and names the problem if there is one
    rows, lines_of, measure = _split(text, file, delimiter, long_lines, first_line_skipped)
    return _read_rows(rows, lines_of, measure, shape)


def is_plain(text: str | bytes) -> bool:
    """No quotes and no lone CR: every row is one line, split at every delimiter."""
    quote, cr, crlf = ('"', "\r", "\r\n") if isinstance(text, str) else (b'"', b"\r", b"\r\n")
    return quote not in text and (cr not in text or text.count(cr) == text.count(crlf))


def _read_utf8(lines: _Lines, shape: _Shape, delimiter: str | None) -> RawTable:
    """`_read_unquoted` on a UTF-8 file's bytes, sniffing from its first lines only.

    Raises `_NotPlain` for what the whole text must decide: no line break in the first
    `HEAD_BYTES`, blank head, a line long enough to hold an oversized cell, a `sep=` hint.
    """
    cut = lines.data.rfind(b"\n", 0, HEAD_BYTES) if len(lines.data) > HEAD_BYTES else None
    if cut == -1 or lines.longest > limits.MAX_CELL_CHARS:
        raise _NotPlain
    head = lines.data[:cut].decode("utf-8")
    if not _NOT_BLANK.search(head) or _SEP_HINT.match(head):
        raise _NotPlain
    delimiter = delimiter or choose_delimiter(head, shape.header_score)
    if not delimiter.isascii():
        raise _NotPlain
    return _read_unquoted(lines.split_by(delimiter, 0), shape, set())


class _Shape(NamedTuple):
    """What read_text_table was told about the file, passed to the two readers."""

    file: str
    header_score: HeaderScore
    columns: tuple[str, ...] | None
    encoding: str | None
    wanted: Wanted | None = None


class _NotPlain(Exception):
    """The text holds something Arrow's reader would read differently from csv.reader."""


def _header_at(
    rows: Sequence[list[str]], lines: Sequence[int], shape: _Shape
) -> tuple[list[str | None], int, int, list[Notice]]:
    """(header cells, header line, index of the first data row, notices) among the first rows."""
    if shape.columns is not None:
        return list(shape.columns), 0, 0, []
    start = find_header_row(rows, shape.header_score)
    notices = []
    if start:
        notices.append(Notice("title_rows_skipped", {"count": start, "line": lines[start]}))
    return list(rows[start]), lines[start], start + 1, notices


def _finish(
    shape: _Shape,
    cells: list[str | None],
    header: list[str],
    header_line: int,
    columns: list[pa.Array],
    lines: np.ndarray,
    notices: list[Notice],
    dropped: dict[str, object],
) -> RawTable:
    """The RawTable, with the notices in reading order; refuses a header with no rows."""
    notices = notices + unnamed_notices(cells, columns, header_line)
    if dropped:
        notices.append(Notice("notes_rows_dropped", dropped))
    if not len(lines) and (
        shape.columns is not None or shape.header_score(header) >= HEADER_LIKELY
    ):
        raise reject(shape.file, "no_rows", row=header_line)
    return RawTable(
        file=shape.file,
        header=header,
        columns=columns,
        line_numbers=lines,
        header_line=header_line,
        encoding=shape.encoding,
        notices=notices,
    )


def _read_rows(
    rows: list[list[str]], lines: list[int], measure: list[int], shape: _Shape
) -> RawTable:
    """The table of rows split by csv.reader (or str.split), every check on the rows."""
    file = shape.file
    if not rows:
        raise reject(file, "empty_file", expected="read_table")
    cells, header_line, start, notices = _header_at(rows, lines, shape)
    header = name_header(file, cells, header_line, shape.header_score)
    for index in measure:
        limits.check_cells(file, rows[index], lines[index], header)
    width = len(header)
    data, data_lines, dropped = drop_notes(rows[start:], lines[start:], width)
    limits.check_rows(file, len(data))
    for index, row in enumerate(data):
        if len(row) != width:
            data[index] = _fit(file, row, width, data_lines[index])
    columns = columns_from_rows(data, width)
    lines_of = np.asarray(data_lines, dtype=np.int64)
    return _finish(shape, cells, header, header_line, columns, lines_of, notices, dropped)


class _Lines:
    """Unquoted text as UTF-8 bytes with its line boundaries, found with numpy.

    Line `i` (0-based) is `data[starts[i]:ends[i]]`, physical line `i + 1 + offset`. A line
    is blank when it is empty or holds only delimiters (csv.reader gives no filled field);
    `is_row` marks the others, `filled` lists them. Only for text without quotes or lone CRs.
    The delimiter decides which lines are blank, so `split_by` sets `delimiter`, `offset`,
    `is_row` and `filled`; until then only the boundaries and `longest` are known.
    """

    delimiter: str
    offset: int
    is_row: np.ndarray
    filled: np.ndarray

    def __init__(self, data: bytes) -> None:
        self.data = data.replace(b"\r\n", b"\n") if b"\r" in data else data
        ends = _newlines(np.frombuffer(self.data, dtype=np.uint8))
        self.starts = np.concatenate(([0], ends + 1))
        self.ends = np.concatenate((ends, [len(self.data)]))
        self.empty = self.starts == self.ends
        self.longest = int((self.ends - self.starts).max())

    def split_by(self, delimiter: str, offset: int) -> _Lines:
        """Set the delimiter (which decides the blank lines) and the lines cut off the top."""
        self.delimiter, self.offset = delimiter, offset
        view = np.frombuffer(self.data, dtype=np.uint8)
        filled = ~self.empty
        first = np.full(len(self.starts), -1, dtype=np.int16)
        first[filled] = view[self.starts[filled]]
        byte = delimiter.encode()
        for i in np.flatnonzero(first == ord(delimiter)):
            filled[i] = bool(self.data[self.starts[i] : self.ends[i]].strip(byte))
        self.is_row = filled
        self.filled = np.flatnonzero(filled)
        return self

    def number(self, index: int) -> int:
        """Physical line number of line `index`."""
        return int(index) + 1 + self.offset

    def split(self, index: int) -> list[str]:
        """Line `index` split as csv.reader splits an unquoted line."""
        line = self.data[self.starts[index] : self.ends[index]].decode("utf-8")
        return line.split(self.delimiter)


def _newlines(view: np.ndarray) -> np.ndarray:
    """Positions of the "\\n" bytes, found a slice at a time into one reused mask: a mask of
    the whole file would be a new 170 MB array, and faulting its pages in costs 10x the scan."""
    step = 4 * 1024 * 1024
    mask = np.empty(min(step, len(view)), dtype=bool)
    found = [np.zeros(0, dtype=np.int64)]
    for at in range(0, len(view), step):
        part = mask[: min(step, len(view) - at)]
        np.equal(view[at : at + step], ord("\n"), out=part)
        found.append(np.flatnonzero(part) + at)
    return np.concatenate(found)


def _read_unquoted(lines: _Lines, shape: _Shape, long_lines: set[int]) -> RawTable:
    """`_read_rows` for unquoted text, with Arrow splitting the data rows into columns.

    The first rows (header search), the last rows (notes) and long lines are split in
    Python exactly as `_read_rows` splits them; the rows in between go to Arrow's CSV reader
    in one piece. Any row Arrow cannot read as one plain row of the header's width (a ragged
    row, Excel's padding) raises `_NotPlain`, and `_read_rows` takes over.
    """
    file = shape.file
    filled = lines.filled
    if len(filled) > limits.MAX_ROWS + HEADER_SEARCH_ROWS + 1:
        limits.check_rows(file, len(filled))
    if not len(filled):
        raise reject(file, "empty_file", expected="read_table")
    head = [lines.split(i) for i in filled[:HEADER_SEARCH_ROWS]]
    head_lines = [lines.number(i) for i in filled[:HEADER_SEARCH_ROWS]]
    cells, header_line, start, notices = _header_at(head, head_lines, shape)
    header = name_header(file, cells, header_line, shape.header_score)
    for line in sorted(long_lines):
        index = line - 1 - lines.offset
        if 0 <= index < len(lines.is_row) and lines.is_row[index]:
            limits.check_cells(file, lines.split(index), line, header)
    width = len(header)
    data = filled[start:]
    tail = data[-NOTES_TAIL_ROWS:]
    tail_rows = [lines.split(i) for i in tail]
    kept, _, dropped = drop_notes(tail_rows, [lines.number(i) for i in tail], width)
    if len(kept) == 0 and len(tail) < len(data):
        raise _NotPlain  # more notes than the tail holds: let the row reader walk them
    data = data[: len(data) - (len(tail_rows) - len(kept))]
    limits.check_rows(file, len(data))
    needed = _needed(shape, cells, header)
    columns = _arrow_columns(lines, data, width, needed)
    table = _finish(
        shape, cells, header, header_line, columns, data + 1 + lines.offset, notices, dropped
    )
    table.unread = frozenset(range(width)) - needed if needed is not None else frozenset()
    return table


def _needed(shape: _Shape, cells: list[str | None], header: list[str]) -> set[int] | None:
    """The positions to read: what `shape.wanted` asks for, the first column and the columns
    without a name; None (all) when nothing was asked."""
    wanted = shape.wanted(header) if shape.wanted is not None else None
    if wanted is None:
        return None
    unnamed = {i for i, cell in enumerate(cells) if not (cell or "").strip(_HEADER_STRIP)}
    return wanted | unnamed | {0}


def _arrow_columns(
    lines: _Lines, rows: np.ndarray, width: int, needed: set[int] | None = None
) -> list[pa.ChunkedArray]:
    """The lines `rows` (ascending line indices) split into `width` string columns by Arrow.

    Arrow reads the bytes from the first to the last of them; the lines in between that are
    not rows are empty (Arrow skips them) or delimiters only (Arrow reads them as a row of
    nulls, dropped here). Anything else (a row of another width) raises `_NotPlain`. Columns
    not `needed` are not converted (still counted, so a ragged row is still caught): all null.
    """
    if not len(rows):
        return [pa.array([], type=pa.string()) for _ in range(width)]
    first, last = int(rows[0]), int(rows[-1])
    names = [f"c{i}" for i in range(width)]
    body = pa.py_buffer(lines.data)[int(lines.starts[first]) : int(lines.ends[last])]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=_ARROW_BLOCK),
            parse_options=pacsv.ParseOptions(
                delimiter=lines.delimiter,
                quote_char=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=True,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=names if needed is None else [names[i] for i in sorted(needed)],
                column_types=dict.fromkeys(names, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        raise _NotPlain from None
    read = np.flatnonzero(~lines.empty[first : last + 1]) + first  # the lines Arrow read
    if table.num_rows != len(read):
        raise _NotPlain
    keep = lines.is_row[read]
    if len(rows) != int(keep.sum()):
        raise _NotPlain  # not every line in between is a row or blank
    if not keep.all():
        table = table.filter(pa.array(keep))
    unread = pa.chunked_array([pa.nulls(table.num_rows, pa.string())])
    read_names = set(table.column_names)
    # Chunks as read: combining them would copy every column.
    return [table.column(name) if name in read_names else unread for name in names]


def choose_delimiter(text: str, header_score: HeaderScore) -> str:
    """The delimiter among `DELIMITERS` that the first 64 KiB read best with.

    Best = a row scoring as a header (so a tab file with "1,234" values reads as tabs), then
    the most rows sharing one field count above 1, then the widest such count. A one-column
    file gets ",".
    """
    head = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in head:
        head = head[: head.rindex("\n")]
    best, best_key = ",", (False, 0.0, 0, 0)
    for candidate in DELIMITERS:
        try:
            rows = [
                r for r in csv.reader(io.StringIO(head, newline=""), delimiter=candidate) if any(r)
            ]
        except csv.Error:
            continue
        wide = [r for r in rows if len(r) > 1]
        if not wide:
            continue
        score = max(header_score(r) for r in wide[:HEADER_SEARCH_ROWS])
        width, count = Counter(len(r) for r in wide).most_common(1)[0]
        key = (score >= HEADER_LIKELY, score if score >= HEADER_LIKELY else 0.0, count, width)
        if key > best_key:
            best, best_key = candidate, key
    return best


def _check_line_lengths(text: str, file: str) -> set[int]:
    """Refuse a physical line over `limits.MAX_LINE_CHARS`; return the lines long enough to
    hold a cell over `limits.MAX_CELL_CHARS` (only their rows get their cells measured)."""
    if len(text) <= limits.MAX_CELL_CHARS:
        return set()
    parts = text.split("\n") if "\n" in text else text.split("\r")
    if max(map(len, parts)) <= limits.MAX_CELL_CHARS:
        return set()
    long_lines = set()
    for number, part in enumerate(parts, start=1):
        if len(part) > limits.MAX_LINE_CHARS:
            raise reject(
                file, "line_too_long", row=number, found=str(len(part)), limit=limits.MAX_LINE_CHARS
            )
        if len(part) > limits.MAX_CELL_CHARS:
            long_lines.add(number)
    return long_lines


def _split(
    text: str, file: str, delimiter: str, long_lines: set[int], offset: int
) -> tuple[list[list[str]], list[int], list[int]]:
    """Parse every non-blank row with its 1-based starting line (`offset` lines were cut off
    the top). Also returns the indices of the rows whose cells must be measured: those spanning
    several lines or starting on a line long enough to hold an oversized cell."""
    if '"' not in text and text.count("\r") == text.count("\r\n"):
        return _split_unquoted(text, file, delimiter, long_lines, offset)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    measure: list[int] = []
    row_cap = limits.MAX_ROWS + HEADER_SEARCH_ROWS + 1
    previous = 0
    try:
        for row in reader:
            line = previous + 1 + offset
            spans = reader.line_num - previous > 1
            previous = reader.line_num
            if not any(row):
                continue
            if spans or line in long_lines:
                measure.append(len(rows))
            rows.append(row)
            lines.append(line)
            if len(rows) > row_cap:
                limits.check_rows(file, len(rows))
    except csv.Error as exc:
        line = previous + 1 + offset
        if "field larger than field limit" in str(exc):
            raise reject(
                file,
                "cell_too_long",
                row=line,
                found=f"> {limits.MAX_LINE_CHARS}",
                expected="read_cell_length",
            ) from None
        if "unexpected end of data" in str(exc):
            raise reject(
                file, "unterminated_quote", row=line, expected="read_closing_quote"
            ) from None
        raise reject(
            file, "bad_quote", row=reader.line_num + offset, expected="read_closing_quote"
        ) from None
    return rows, lines, measure


def _split_unquoted(
    text: str, file: str, delimiter: str, long_lines: set[int], offset: int
) -> tuple[list[list[str]], list[int], list[int]]:
    """`_split` for text without quotes and without lone CRs, where a row is a line and
    `str.split` gives exactly csv.reader's fields, about twice as fast (most exports)."""
    plain = text.replace("\r\n", "\n") if "\r" in text else text
    cells = [line.split(delimiter) for line in plain.split("\n")]
    keep = [index for index, row in enumerate(cells) if any(row)]
    if len(keep) > limits.MAX_ROWS + HEADER_SEARCH_ROWS + 1:
        limits.check_rows(file, len(keep))
    rows = cells if len(keep) == len(cells) else [cells[index] for index in keep]
    lines = [index + 1 + offset for index in keep]
    measure = [n for n, line in enumerate(lines) if line in long_lines] if long_lines else []
    return rows, lines, measure


def drop_notes(
    rows: list[list[str]], lines: list[int], width: int
) -> tuple[list[list[str]], list[int], dict[str, object]]:
    """Cut notes lines off the end: only the first cell filled, and either a short row or a
    notes-like text. Returns the rows left and the notice params ({} when none)."""
    end = len(rows)
    while width > 1 and end > 0:
        row = rows[end - 1]
        first_only = bool(row[0]) and not any(row[1:])
        if not (first_only and (len(row) < width or _NOTE.match(row[0]))):
            break
        end -= 1
    if end == len(rows):
        return rows, lines, {}
    dropped = {"count": len(rows) - end, "line": lines[end], "text": shown_value(rows[end][0])}
    return rows[:end], lines[:end], dropped


def _fit(file: str, row: list[str], width: int, line: int) -> list[str]:
    """A row with extra cells that are all empty (Excel pads rows) is cut to the header's
    width; any other count of fields than the header's is refused, naming the line."""
    if len(row) > width and not any(cell.strip() for cell in row[width:]):
        return row[:width]
    raise reject(
        file,
        "ragged_row",
        row=line,
        found=str(len(row)),
        expected="read_field_count",
        count=width,
    )
