"""A large, regular orders export read and typed by DuckDB in one parallel pass.

The reference path (`prepare_import`: read → recognise → normalise) checks every cell against
its field's grammar and names each bad one; on a yearly million-row orders CSV that is most of
the import. Most such exports are regular: the header on the first line, no quotes, one row per
order, every cell in the platform's own plain format. For those, DuckDB's CSV reader splits and
types the rows on every core, with grammars that are a strict subset of values.py's:

* timestamps "YYYY-MM-DD HH:MM:SS" (years 1000–2999), exactly as DuckDB writes the value it
  reads back (so a day past its month, an hour 24 or a missing zero is not in it),
* money as plain decimals with at most two places, counts as plain integers,
* flags as values.py's words exactly as written (是/否, yes/no, 1/0 …),
* ids and text as written: a cell normalise would trim or rewrite is not in the grammar.

Whatever is not that — a cell in any other form, a repeated order id (a line export), a totals,
notes or title row, a quote or a lone CR, an unnamed column, a field only normalise handles
(unit_price, currency, cancelled_at), a UCI export, a small file — makes
`prepare_orders` return None, and the reference path reads the file and names any problem.
The fast path never rejects a file and never decides a value differently: the rules after the
cells are read (status, is_paid, negative orders) are normalise's own (`order_frame`), and
tests/test_bulk_orders.py checks on generated files that whenever it takes a file it gives
exactly what the reference path gives.

Two entries: `prepare_orders` for bytes in memory (the upload page) and `prepare_orders_file`
for a file on disk (`shoplens import`), which never holds the file's bytes; both take the same
files and give the same PreparedImport, except that the second names the file it read.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.errors import InputRejected, UsageError
from analytics.ingest import limits, read, scratch
from analytics.ingest.decode import decode_upload, is_utf8, sniff
from analytics.ingest.model import ImportOptions, PreparedImport, RawTable, Recognition
from analytics.ingest.normalise import (
    BLANKS,
    FLOAT_ID,
    ID_BLANKS,
    SCIENTIFIC_ID,
    TOTAL_LABELS,
    WHOLE_SHOP_LABELS,
    date_range,
    header_currency,
    ignored_columns,
    label_hint,
    notice_missing_orders,
    order_frame,
    typed_frame,
)
from analytics.ingest.profiles import BOOL, DECIMAL, ID, INTEGER, TEXT, TIMESTAMP, field_type
from analytics.ingest.recognise import header_score, recognition_for
from analytics.ingest.text_table import HEAD_BYTES, choose_delimiter, is_plain, read_text_table
from analytics.ingest.values import FALSE_WORDS, MISSING_TOKENS, TRUE_WORDS

MIN_BYTES = 8 * 1024 * 1024
"""Smaller files take the reference path: it is fast enough there, and it is the one that
names problems."""

# The fields whose values the fast path reads; a file mapping any other field is not taken.
_FIELDS = frozenset(
    {
        "order_id",
        "created_at",
        "customer_id",
        "paid_at",
        "status",
        "pay_amount",
        "quantity",
        "product_id",
        "product_name",
        "channel",
        "refund_amount",
        "is_presale",
    }
)
# Cell grammars, each a subset of what values.py reads the same way (RE2, whole cell).
_DECIMAL = r"-?[0-9]{1,13}(\.[0-9]{1,2})?"
_INTEGER = r"-?[0-9]{1,15}"


_PARAMETERS: dict[str, object] = {
    "missing": sorted(MISSING_TOKENS),
    "true_words": list(TRUE_WORDS),
    "false_words": list(FALSE_WORDS),
    # Code points normalise trims off an id or a text cell. The fast path trims nothing: a
    # cell starting or ending with one is left to normalise. (Numbers and times need no such
    # check: their grammars have no room for a space.)
    "id_blanks": [ord(c) for c in ID_BLANKS],
    "text_blanks": [ord(c) for c in BLANKS],
    "decimal": _DECIMAL,
    "integer": _INTEGER,
    "odd_id": f"{FLOAT_ID.strip('^$')}|{SCIENTIFIC_ID.pattern}",
    "total_hint": label_hint(TOTAL_LABELS),
    "whole_shop_hint": label_hint(WHOLE_SHOP_LABELS),
}
# decode_upload's encodings the fast path takes, by the codec their text decodes with.
_CODECS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "gb18030": "gb18030"}
_CONFIG = {
    "python_enable_replacements": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def prepare_orders(
    name: str,
    data: bytes,
    options: ImportOptions,
    remembered: Mapping[str, Mapping[str, Any]],
) -> PreparedImport | None:
    """`prepare_import` of a large regular orders export, or None for any other file.

    Same arguments and, when it returns, the same PreparedImport as the reference path.
    """
    ext = read.extension(name)
    if not _may_take(len(data), ext, options):
        return None
    file = read.display_name(name)
    try:
        # The head decides first: a file that is not a regular orders export goes to the
        # reference path before the whole of it is decoded (which that path does again).
        found = _recognised(
            data[: len(codecs.BOM_UTF8) + HEAD_BYTES], file, ext, options, remembered
        )
        if found is None:
            return None
        decoded = decode_upload(data, file)
        if _CODECS.get(decoded.encoding) != found.layout.codec:
            return None  # the whole file reads in another encoding than its head
        if decoded.utf8_error is not None:  # the reference's GB18030 condition, on the head
            read.check_gb18030(data, decoded.utf8_error, found.layout.table, header_score, file)
    except (InputRejected, UsageError):
        return None  # the reference path says so, naming the problem
    utf8 = decoded.utf8 if decoded.utf8 is not None else decoded.text.encode("utf-8")
    if not is_plain(utf8):
        return None  # a quote or a lone CR: csv.reader's rules, which the reference path has
    try:
        with scratch.folder() as folder:  # DuckDB reads a file, not bytes
            path = Path(folder) / "upload.csv"
            path.write_bytes(utf8)
            columns = _read(path, found)
    except (duckdb.Error, OSError):  # OSError: no room for the copy DuckDB reads
        return None  # a ragged row, a long line …: the reference path decides
    if columns is None:
        return None
    source = _Source(ext, decoded.encoding, data, None, lambda: hashlib.sha256(data).hexdigest())
    return _prepared(file, options, found, columns, source)


def prepare_orders_file(
    path: Path,
    name: str,
    options: ImportOptions,
    remembered: Mapping[str, Mapping[str, Any]],
) -> PreparedImport | None:
    """`prepare_orders` of the UTF-8 file at `path`, without ever holding its bytes.

    The checks decode_upload and is_plain make on the bytes are made on chunks of the file,
    DuckDB reads the file itself, and the hash is taken on the second core while pandas applies
    the order rules; the PreparedImport names the file (`source`) instead of carrying its
    bytes; a GB18030 file is written out as UTF-8, chunk by chunk, for DuckDB. `path` must not
    change until the import is committed: `importer.import_path` hands it a private copy. Any
    file this does not take — a cell outside the grammar, a repeated order id … — is for the
    caller to read whole.
    """
    ext = read.extension(name)
    if not _may_take(path.stat().st_size, ext, options):
        return None
    file = read.display_name(name)
    with path.open("rb") as fh:
        head = fh.read(len(codecs.BOM_UTF8) + HEAD_BYTES)
    try:
        found = _recognised(head, file, ext, options, remembered)
    except (InputRejected, UsageError):
        return None  # the reference path says so, naming the problem
    if found is None or sniff(head) is not None:
        return None
    try:
        with scratch.folder(in_ram=False) as folder:
            if found.layout.codec == "utf-8":
                encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
                # The chunked UTF-8 / plain check runs on the second core while DuckDB reads
                # the file, and the file is taken only when both accept it. (A quoted export,
                # the common reason to fail it, is already declined by its head.)
                with ThreadPoolExecutor(max_workers=1) as checker:
                    plain = checker.submit(_is_plain_utf8, path)
                    columns = _read(path, found)
                    if not plain.result():
                        columns = None
            else:  # GB18030: written out as UTF-8 for DuckDB, chunk by chunk
                utf8 = Path(folder) / "upload.csv"
                ok = _plain_gb18030_as_utf8(path, head, found, file, utf8)
                columns = _read(utf8, found) if ok else None
                encoding = "gb18030"
    except (duckdb.Error, OSError):  # OSError: no room for the UTF-8 copy
        return None
    if columns is None:
        return None
    return _prepared(
        file, options, found, columns, _Source(ext, encoding, None, path, lambda: _sha256(path))
    )


def _may_take(size: int, ext: str, options: ImportOptions) -> bool:
    """Whether a file of this size and extension, with these options, may be a fast-path file."""
    return (
        MIN_BYTES <= size <= limits.MAX_UPLOAD_BYTES
        and ext in read.TEXT_EXTENSIONS
        and options.columns is None
        and options.sheet is None
    )


class _Recognised(NamedTuple):
    """A head the fast path may take: its layout and what recognise made of its header."""

    layout: _Layout
    signature: str
    recognition: Recognition
    fields: dict[str, int]  # field → column position


def _recognised(
    head: bytes,
    file: str,
    ext: str,
    options: ImportOptions,
    remembered: Mapping[str, Mapping[str, Any]],
) -> _Recognised | None:
    """The head's layout and recognition when it is an orders export whose mapped fields the
    fast path reads; else None. Raises UsageError for a mapping naming an unknown column."""
    layout = _layout(head, file, "\t" if ext == "tsv" else None)
    if layout is None:
        return None
    signature, _, recognition = recognition_for(layout.header, options, remembered)
    fields = {f: layout.header.index(src) for src, f in recognition.mapping.items()}
    if (
        not recognition.complete
        or recognition.kind != "orders"
        or recognition.platform == "uci"
        or not set(fields) <= _FIELDS
    ):
        return None
    return _Recognised(layout, signature, recognition, fields)


class _Source(NamedTuple):
    """Where a taken file's bytes are: in memory (`data`) or in a file (`path`)."""

    ext: str
    encoding: str
    data: bytes | None
    path: Path | None
    sha256: Callable[[], str]  # run on a second core while pandas applies the order rules


def _prepared(
    file: str,
    options: ImportOptions,
    found: _Recognised,
    columns: dict[str, pa.ChunkedArray],
    source: _Source,
) -> PreparedImport:
    """The PreparedImport of typed columns: normalise's own order rules, notices and dates."""
    recognition, fields = found.recognition, found.fields
    notices = ignored_columns(recognition)
    column_of = {f: src for src, f in recognition.mapping.items()}
    with ThreadPoolExecutor(max_workers=1) as hasher:
        # pandas runs on one core from here on: the file is hashed on the other.
        digest = hasher.submit(source.sha256)
        parsed = pd.DataFrame({f: _values(f, columns[f]) for f in fields}, copy=False)
        if "pay_amount" in parsed:
            parsed["_amount"] = parsed["pay_amount"]
        notice_missing_orders(column_of, parsed, notices)
        money = [column_of[f] for f in fields if field_type("orders", f) == DECIMAL]
        currency = header_currency(money, recognition.platform)
        frame = typed_frame(order_frame(parsed, recognition.platform, currency, notices), "orders")
    return PreparedImport(
        file_name=file,
        data=source.data,
        sha256=digest.result(),
        ext=source.ext,
        kind="orders",
        platform=recognition.platform,
        shop=options.shop,
        encoding=source.encoding,
        sheet=None,
        mapping=dict(recognition.mapping),
        header_signature=found.signature,
        frame=frame,
        rows_read=len(frame),
        date_range=date_range(frame),
        notices=notices,
        currency=currency,
        distinct_keys=len(frame),  # _read declined any file with a repeated order id
        source=source.path,
    )


# How much of a file `_is_plain_utf8` and `_plain_gb18030_as_utf8` read at a time.
_CHUNK = 4 * 1024 * 1024


def _is_plain_utf8(path: Path) -> bool:
    """Whether decode_upload would read the file as UTF-8 (no NUL, valid UTF-8 throughout) and
    is_plain accepts it (no quote, no lone CR). Read in chunks, each cut before a character
    that may go on in the next chunk and before a final CR, so no UTF-8 sequence or CRLF is
    ever split between two checks."""
    carry = b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            block = carry + chunk
            cut = _whole_characters(block)
            if not _plain_utf8(block[:cut]):
                return False
            carry = block[cut:]
    return _plain_utf8(carry)


def _plain_gb18030_as_utf8(
    path: Path, head: bytes, found: _Recognised, file: str, out: Path
) -> bool:
    """Write the GB18030 file at `path` to `out` as UTF-8, when decode_upload would read it as
    GB18030 (no BOM, no NUL, a Chinese header, lossless) and is_plain accepts the text; else
    False. Chunks are cut after their last line break: 0x0A is never inside a GB18030
    character, so each piece decodes, and round-trips, on its own."""
    if head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    try:
        head.decode("utf-8")
        return False  # its head is UTF-8: not what the layout said
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    try:  # decode_upload's condition for reading GB18030 at all, on the bytes before the error
        read.check_gb18030(head, utf8_error, found.layout.table, header_score, file)
    except InputRejected:
        return False
    carry = b""
    with path.open("rb") as src, out.open("wb") as dst:
        while True:
            chunk = src.read(_CHUNK)
            block = carry + chunk
            cut = block.rfind(b"\n") + 1 if chunk else len(block)
            piece, carry = block[:cut], block[cut:]
            if b"\x00" in piece:
                return False
            try:
                text = piece.decode("gb18030")
            except UnicodeDecodeError:
                return False
            if text.encode("gb18030") != piece or not is_plain(text):
                return False
            dst.write(text.encode("utf-8"))
            if not chunk:
                return True


def _sha256(path: Path) -> str:
    """The file's sha256, read in chunks (the file is never held whole)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _whole_characters(block: bytes) -> int:
    """Where to cut `block` so that the part before holds whole UTF-8 characters and does not
    end in a CR (whose LF may be the next chunk's first byte)."""
    cut = len(block)
    last = cut - 1
    while last >= 0 and cut - last <= 3 and block[last] & 0xC0 == 0x80:
        last -= 1  # continuation bytes: the character they belong to may go on
    if last >= 0 and block[last] >= 0xC0:
        cut = last  # a multi-byte character's first byte: keep it for the next chunk
    if cut and block[cut - 1] == 0x0D:
        cut -= 1
    return cut


def _plain_utf8(part: bytes) -> bool:
    """decode_upload's UTF-8 conditions and is_plain's on whole characters and lines."""
    return b"\x00" not in part and is_plain(part) and is_utf8(part)


class _Layout(NamedTuple):
    """What the head of a file says: how it decodes, its header and delimiter, its rows."""

    codec: str  # "utf-8" or "gb18030", as decode_upload reads such text
    header: list[str]
    delimiter: str
    table: RawTable


def _layout(data: bytes, file: str, delimiter: str | None) -> _Layout | None:
    """The layout of the first `HEAD_BYTES` (cut at a line end, where neither UTF-8 nor
    GB18030 can be inside a character) when the header is on the first line, every header
    cell is named and the head is plain (no quotes, no lone CR); else None."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    cut = data.rfind(b"\n", start, start + HEAD_BYTES)
    if cut <= start:
        return None
    for codec in _CODECS.values():
        try:
            head = data[start:cut].decode(codec)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    # Excel's delimiter hint, quotes or a lone CR: the reference path reads them. (The head
    # stops before its last line's "\n", so it is put back for is_plain's CRLF count.)
    if head.startswith("sep=") or not is_plain(head + "\n"):
        return None
    delimiter = delimiter or choose_delimiter(head, header_score)
    if not delimiter.isascii():
        return None
    table = read_text_table(head, file, header_score, delimiter=delimiter)
    first_line = head.split("\n", 1)[0].rstrip("\r").split(delimiter)
    if table.header_line != 1 or table.notices or not all(c.strip() for c in first_line):
        return None
    return _Layout(codec, table.header, delimiter, table)


def _read(path: Path, found: _Recognised) -> dict[str, pa.ChunkedArray] | None:
    """The mapped fields of every data row of the UTF-8 file at `path`, typed, or None when a
    cell is outside its grammar, an order id repeats, or a row looks like a totals row."""
    fields, layout = found.fields, found.layout
    con = duckdb.connect(config=_CONFIG)
    try:
        sql = _select(fields)
        params = _parameters(sql, str(path), layout.delimiter, len(layout.header))
        table = con.sql(sql, params=params).to_arrow_table()
        if not table.num_rows or table.num_rows > limits.MAX_ROWS:
            return None
        if not pc.all(table.column("_ok")).as_py():
            return None
        con.register("typed", table)
        [(distinct,)] = con.execute("select count(distinct order_id) from typed").fetchall()
    finally:
        con.close()
    if distinct != table.num_rows:
        return None  # an order-line export: normalise merges the lines
    return {f: table.column(f) for f in fields}


def _parameters(sql: str, path: str, delimiter: str, width: int) -> dict[str, object]:
    """The values of the `$name`s `sql` uses (DuckDB refuses any it does not use)."""
    values = {
        **_PARAMETERS,
        "path": path,
        "delimiter": delimiter,
        "columns": {f"c{i}": "VARCHAR" for i in range(width)},
        "max_line_size": limits.MAX_CELL_CHARS,
    }
    return {name: value for name, value in values.items() if re.search(rf"\${name}\b", sql)}


def _select(fields: dict[str, int]) -> str:
    """One query: each field's value and `_ok`, true when every cell is in its grammar (or
    missing) and nothing marks a totals row."""
    positions = sorted({*fields.values(), 0})
    inner = [f"c{p} as t_{field}" for field, p in fields.items()]
    inner += [f"c{p} as r{p}" for p in positions]  # as read, for the totals-label hints
    values, checks = [], []
    for field in fields:
        value, ok = _cell(field, f"t_{field}")
        values.append(f"{value} as {field}")
        checks.append(ok)  # may read the value by the field's name
    checks.append("order_id is not null and created_at is not null")
    labels = {0, fields["order_id"]}
    checks += [f"not coalesce(regexp_matches(r{p}, $total_hint), false)" for p in labels]
    if "channel" in fields:
        checks.append(
            f"not coalesce(regexp_matches(r{fields['channel']}, $whole_shop_hint), false)"
        )
    return (
        f"with cells as (select {', '.join(inner)} from read_csv($path, delim = $delimiter, "
        "header = false, skip = 1, columns = $columns, auto_detect = false, quote = '', "
        "escape = '', strict_mode = true, null_padding = false, max_line_size = $max_line_size)), "
        f"typed as (select *, {', '.join(values)} from cells) "
        f"select {', '.join(fields)}, ({' and '.join(f'({c})' for c in checks)}) as _ok from typed"
    )


def _cell(field: str, t: str) -> tuple[str, str]:
    """(value, ok) SQL of one field from its cell text `t`."""
    missing = f"({t} is null or list_contains($missing, {t}))"
    type_ = field_type("orders", field)
    if type_ in (TEXT, ID):
        blanks = "$id_blanks" if type_ == ID else "$text_blanks"
        odd = (
            f"list_contains({blanks}, ord({t})) or list_contains({blanks}, ord(substring({t}, -1)))"
        )
        if type_ == TEXT:  # normalise takes a formula guard off: "'=1+2" → "=1+2"
            odd += f" or starts_with({t}, '''')"
        else:  # normalise unwraps ="123", turns 17850.0 into 17850 and refuses 3.7E+18
            # (only a cell with "." or "e" can be one of the last two: the regex runs on those)
            maybe_odd = " or ".join(f"contains({t}, '{c}')" for c in ".eE")
            odd += (
                f" or starts_with({t}, '=\"')"
                f" or case when {maybe_odd} then regexp_full_match({t}, $odd_id) else false end"
            )
        return f"case when not {missing} then {t} end", f"{missing} or not ({odd})"
    if type_ == BOOL:  # as written in values.py's lists (values.py also reads "YES")
        value = (
            f"case when list_contains($true_words, {t}) then true "
            f"when list_contains($false_words, {t}) then false end"
        )
        return value, f"{missing} or {field} is not null"
    if type_ == TIMESTAMP:  # a timestamp written back as DuckDB writes it is in the grammar
        shape = f"length({t}) = 19 and {t} >= '1' and {t} < '3'"  # years 1000–2999
        return f"try_cast({t} as timestamp)", f"{missing} or ({shape} and {field}::varchar = {t})"
    grammar, cast = {
        DECIMAL: ("$decimal", f"try_cast({t} as double)"),
        INTEGER: ("$integer", f"try_cast({t} as bigint)"),
    }[type_]
    value = f"case when regexp_full_match({t}, {grammar}) then {cast} end"
    return value, f"{missing} or {field} is not null"


def _values(field: str, column: pa.ChunkedArray) -> pd.Series:
    """A typed column as the Series normalise's parser of the field gives."""
    type_ = field_type("orders", field)
    if type_ in (TEXT, ID):
        return pd.Series(pd.arrays.ArrowExtensionArray(column))  # as normalise: Arrow-backed
    if type_ == INTEGER:
        return pd.Series(column.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))
    if type_ == BOOL:
        return pd.Series(column.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get))
    if type_ == TIMESTAMP:
        return pd.Series(column.to_numpy(), dtype="datetime64[us]", copy=False)
    return pd.Series(column.to_numpy(), dtype="float64", copy=False)
