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

from analytics.errors import shown_value
from analytics.ingest import limits
from analytics.ingest.limits import reject
from analytics.ingest.model import Notice, RawTable

HeaderScore = Callable[[list[str]], float]
"""Share of a row's cells that are known header names, in [0, 1] (recognise.header_score)."""

HEADER_SEARCH_ROWS = 30
"""The header is looked for among the first this many non-empty rows."""
HEADER_SURE = 0.5
"""A row with at least this share of known names is the header."""
HEADER_LIKELY = 0.3
"""Failing a sure row, the best row is the header if it reaches this share."""
DELIMITERS = (",", "\t", ";", "|")
_SNIFF_CHARS = 64 * 1024
_HEADER_STRIP = " \t\r\n\u00a0\u3000\u200b\ufeff"

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
    rows: Sequence[Sequence[str | None]],
    header_line: int,
    header_score: HeaderScore,
    sheet: str | None = None,
) -> tuple[list[str], list[Notice]]:
    """Clean header names: stripped (BOM, NBSP, ideographic space), empty ones `column_<n>`.

    A column without a name is kept under `column_<n>` (1-based) so the rows keep their shape;
    recognise ignores it, and when it holds data a notice tells the user it was ignored.

    Raises:
        InputRejected: "duplicate_column" when two columns have the same name (which one is
            `访客数` would be a guess) in a header with a known name in it — a row with no known
            name is not a header (a headerless file), and recognise's refusal says more —
            and "too_many_columns" over `limits.MAX_COLUMNS`.
    """
    limits.check_columns(file, len(cells), header_line, sheet)
    header = [(cell or "").strip(_HEADER_STRIP) for cell in cells]
    notices = []
    for index, name in enumerate(header):
        if name:
            continue
        header[index] = f"column_{index + 1}"
        if any(index < len(row) and row[index] not in (None, "") for row in rows):
            notices.append(Notice("unnamed_column", {"column": header[index], "line": header_line}))
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
    return header, notices


def read_text_table(
    text: str,
    file: str,
    header_score: HeaderScore,
    columns: tuple[str, ...] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> RawTable:
    """Split decoded text into a RawTable.

    Args:
        text: the decoded file (see decode.decode_upload).
        file: the display name, for problems.
        header_score: scores a row as a header, to find it below title rows.
        columns: field names of a headerless file (`--columns`): every row is data.
        delimiter: force a delimiter ("\\t" for .tsv); else chosen from the first lines.
        encoding: recorded on the table.

    Raises:
        InputRejected: empty_file, line_too_long, cell_too_long, too_many_columns,
            too_many_rows, unterminated_quote, bad_quote, ragged_row, duplicate_column, no_rows.
    """
    if not text.strip(_HEADER_STRIP):
        raise reject(file, "empty_file", expected="read_table")
    long_lines = _check_line_lengths(text, file)
    first_line_skipped = 0
    hint = _SEP_HINT.match(text)
    if hint and delimiter is None:
        delimiter, first_line_skipped = hint.group(1), 1
        text = text[hint.end() :]
    delimiter = delimiter or choose_delimiter(text, header_score)
    rows, lines, measure = _split(text, file, delimiter, long_lines, first_line_skipped)
    if not rows:
        raise reject(file, "empty_file", expected="read_table")

    notices: list[Notice] = []
    if columns is not None:
        header_cells: list[str | None] = list(columns)
        header_line, start = 0, 0
    else:
        start = find_header_row(rows, header_score)
        header_cells, header_line = rows[start], lines[start]
        start += 1
        if start > 1:
            notices.append(Notice("title_rows_skipped", {"count": start - 1, "line": header_line}))
    data, data_lines = rows[start:], lines[start:]
    header, header_notices = name_header(file, header_cells, data, header_line, header_score)
    notices += header_notices
    for index in measure:
        limits.check_cells(file, rows[index], lines[index], header)

    width = len(header)
    data, data_lines, dropped = drop_notes(data, data_lines, width)
    if dropped:
        notices.append(Notice("notes_rows_dropped", dropped))
    limits.check_rows(file, len(data))
    for index, row in enumerate(data):
        if len(row) != width:
            data[index] = _fit(file, row, width, data_lines[index])
        if "" in data[index]:
            data[index] = [cell or None for cell in data[index]]
    if not data and (columns is not None or header_score(header) >= HEADER_LIKELY):
        raise reject(file, "no_rows", row=header_line)
    return RawTable(
        file=file,
        header=header,
        rows=data,
        line_numbers=data_lines,
        header_line=header_line,
        encoding=encoding,
        notices=notices,
    )


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
