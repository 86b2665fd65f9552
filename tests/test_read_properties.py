"""Property tests of the reading layer (RELIABILITY.md P1, P2, P3, P4, P8, P9)."""

from __future__ import annotations

import calendar
import codecs
import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analytics.errors import InputRejected
from analytics.ingest.decode import decode_upload, sniff
from analytics.ingest.read import read_tables
from analytics.ingest.text_table import read_text_table
from analytics.ingest.values import (
    parse_date,
    parse_decimal,
    parse_integer,
    parse_rate,
)

# Pure functions, but the CI machine is shared: time is not what these properties are about.
settings.register_profile("read", deadline=None)
settings.load_profile("read")

# --- P1, P2: decoding ------------------------------------------------------------------------

ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-sig": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16-le": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16-be": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "gb18030": lambda t: t.encode("gb18030"),
}
GBK_TEXT = st.text(st.characters(codec="gbk", blacklist_characters="\x00"), max_size=200)


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@given(text=GBK_TEXT, encoding=st.sampled_from(sorted(ENCODINGS)))
def test_p1_decode_round_trip(text: str, encoding: str) -> None:
    data = ENCODINGS[encoding](text)
    assume(sniff(data) is None)  # text that starts like "%PDF-" is refused as a PDF
    # GB18030 bytes that are also valid UTF-8 read as UTF-8: the header check decides there.
    assume(encoding != "gb18030" or not is_utf8(data))
    decoded = decode_upload(data, "p1.csv")
    assert decoded.text == text
    if not text.isascii():
        assert decoded.encoding == encoding


@given(data=st.binary(max_size=4096))
def test_p2_decoding_is_never_lossy(data: bytes) -> None:
    try:
        decoded = decode_upload(data, "p2.csv")
    except InputRejected as exc:
        assert exc.problems[0].code in ("bad_encoding", "binary_content", "unsupported_format")
        return
    bom = codecs.BOM_UTF8 if decoded.encoding == "utf-8-sig" else b""
    if decoded.encoding.startswith("utf-16"):
        bom = data[:2]
    codec = "utf-8" if decoded.encoding == "utf-8-sig" else decoded.encoding
    assert bom + decoded.text.encode(codec) == data
    if "\ufffd" in decoded.text:
        assert "\ufffd".encode(codec) in data


@given(text=GBK_TEXT)
def test_p2_gbk_bytes_never_pass_as_latin1(text: str) -> None:
    """Text with Chinese in it is read as itself or refused, never as Latin-1 look-alikes."""
    data = text.encode("gbk")
    assume(sniff(data) is None)
    try:
        decoded = decode_upload(data, "p2.csv")
    except InputRejected:
        return
    assert decoded.text.encode(decoded.encoding) == data


# --- P3: CSV round trip ----------------------------------------------------------------------

HEADER = ["统计日期", "流量来源", "访客数"]
CELL = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)


def header_score(cells: list[str]) -> float:
    return sum(c in HEADER for c in cells) / len(cells) if cells else 0.0


@settings(max_examples=150)
@given(
    rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", "\t", ";", "|"]),
    # csv.writer quotes a lone CR only when the terminator holds one: with "\n", quote all.
    dialect=st.sampled_from([("\r\n", csv.QUOTE_MINIMAL), ("\n", csv.QUOTE_ALL)]),
)
def test_p3_csv_round_trip(rows: list[list[str]], delimiter: str, dialect: tuple[str, int]) -> None:
    # Rows of nothing but blanks are skipped; a last row with only its first cell filled
    # may be a notes line: keep the generated data clear of both.
    assume(all(any(cell.strip() for cell in row[1:]) for row in rows))
    out = io.StringIO()
    terminator, quoting = dialect
    writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator, quoting=quoting)
    writer.writerows([HEADER, *rows])
    table = read_text_table(out.getvalue(), "p3.csv", header_score)
    assert table.header == HEADER
    assert table.rows == [[cell or None for cell in row] for row in rows]


# --- P4: one damaged byte never shifts values silently ----------------------------------------

P4_TEXT = "统计日期,流量来源,访客数,支付金额\r\n" + "".join(
    f"2024-01-{day:02d},手淘搜索,{1000 + day},{day}56.50\r\n" for day in range(1, 13)
)
P4_BYTES = P4_TEXT.encode("utf-8")
P4_KNOWN = {"统计日期", "流量来源", "访客数", "支付金额"}


def p4_score(cells: list[str]) -> float:
    names = [c for c in cells if c]
    return sum(c in P4_KNOWN for c in names) / len(names) if names else 0.0


@given(
    position=st.integers(min_value=0, max_value=len(P4_BYTES) - 1),
    operation=st.sampled_from(["insert", "delete", "replace"]),
    byte=st.sampled_from([b",", b'"', b"\r", b"\n", b"\xff", b";"]),
)
def test_p4_single_byte_damage_is_refused_or_keeps_the_shape(
    position: int, operation: str, byte: bytes
) -> None:
    if operation == "insert":
        data = P4_BYTES[:position] + byte + P4_BYTES[position:]
    elif operation == "delete":
        data = P4_BYTES[:position] + P4_BYTES[position + 1 :]
    else:
        data = P4_BYTES[:position] + byte + P4_BYTES[position + 1 :]
    damaged_line = P4_BYTES[:position].count(b"\n") + 1
    try:
        [table] = read_tables("p4.csv", data, p4_score)
    except InputRejected as exc:
        problem = exc.problems[0]
        assert problem.row is None or problem.row >= damaged_line, (problem, damaged_line)
        return
    # Accepted: the same number of columns and rows, unless a notice says what changed.
    if not table.notices:
        assert len(table.header) == 4
        assert len(table.rows) == 12
        assert all(len(row) == 4 for row in table.rows)


# --- P8: numbers -----------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")
MONEY = st.decimals(
    min_value=Decimal("-999999999999.99"),
    max_value=Decimal("999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


def money_renderings(x: Decimal) -> list[str]:
    plain = f"{x:.2f}"
    grouped = f"{x:,.2f}"
    shown = [plain, grouped, f"  {grouped}\u3000", grouped.translate(FULL_WIDTH)]
    shown += [f"¥{plain}", f"￥{grouped}", f"${grouped}"]
    if x < 0:
        shown += [f"({-x:,.2f})", f"（{-x:.2f}）", f"-¥{-x:,.2f}"]
    if x == x.to_integral_value() and x % 100 == 0:
        shown.append(f"{x / 10000:f}万")
    return shown


@given(x=MONEY)
def test_p8_money_round_trips_exactly(x: Decimal) -> None:
    renderings = money_renderings(x)
    parsed = parse_decimal(pd.Series(renderings, dtype=object))
    assert not parsed.bad.any(), renderings
    for text, value in zip(renderings, parsed.values, strict=True):
        assert Decimal(repr(float(value))) == x, text


@given(n=st.integers(min_value=-(10**12), max_value=10**12))
def test_p8_counts_round_trip_exactly(n: int) -> None:
    renderings = [str(n), f"{n:,}", f"{n}.0", f"{n:,}".translate(FULL_WIDTH)]
    if n % 100 == 0:
        renderings.append(f"{Decimal(n) / 10000:f}万")
    parsed = parse_integer(pd.Series(renderings, dtype=object))
    assert not parsed.bad.any(), renderings
    assert parsed.values.tolist() == [n] * len(renderings)


@given(x=st.decimals(min_value=-1000, max_value=1000, places=4, allow_nan=False))
def test_p8_percent_rates_are_the_decimal_over_100(x: Decimal) -> None:
    parsed = parse_rate(pd.Series([f"{x:f}%"], dtype=object))
    assert parsed.values.iloc[0] == float(x / 100)


# Thousands grouping by threes: "1,234,567".
GOOD_GROUPING = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")


@settings(max_examples=50)
@given(
    digits=st.text("0123456789", min_size=2, max_size=10),
    commas=st.sets(st.integers(min_value=1, max_value=9), min_size=1, max_size=3),
)
def test_p8_bad_groupings_reject(digits: str, commas: set[int]) -> None:
    text = "".join(("," if i in commas else "") + d for i, d in enumerate(digits))
    assume(not GOOD_GROUPING.fullmatch(text) and "," in text)
    s = pd.Series([text, f"¥{text}", f"{text}.50"], dtype=object)
    assert parse_decimal(s).bad.all()
    assert parse_integer(s).bad.all()


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-inf", "Infinity", "1e309", "1e5", "1.2.3"])
def test_p8_non_numbers_reject(text: str) -> None:
    assert parse_decimal(pd.Series([text], dtype=object)).bad.all()


# --- P9: dates -------------------------------------------------------------------------------

DATES = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
EXCEL_EPOCH = dt.date(1899, 12, 30)


def date_renderings(d: dt.date) -> list[str]:
    unix = int(dt.datetime(d.year, d.month, d.day, 12, tzinfo=dt.UTC).timestamp())
    return [
        f"{d:%Y-%m-%d}",
        f"{d:%Y/%m/%d}",
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}.{d.month}.{d.day}",
        f"{d:%Y%m%d}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d:%Y-%m-%d} 23:59:59",
        f"{d:%Y-%m-%d}T08:00:00+08:00",
        str((d - EXCEL_EPOCH).days),
        f"{(d - EXCEL_EPOCH).days}.0",
        # Unix time is read from 10 digits (seconds, from 2001-09-09) or 13 (milliseconds).
        *([str(unix), str(unix * 1000)] if unix >= 10**9 else []),
    ]


@given(d=DATES)
def test_p9_dates_round_trip(d: dt.date) -> None:
    renderings = date_renderings(d)
    parsed = parse_date(pd.Series(renderings, dtype=object))
    assert not parsed.bad.any(), renderings
    assert parsed.values.tolist() == [pd.Timestamp(d)] * len(renderings)


@settings(max_examples=50)
@given(days=st.lists(DATES, min_size=1, max_size=20))
def test_p9_day_month_order_is_decided_per_column(days: list[dt.date]) -> None:
    dmy = pd.Series([f"{d.day:02d}/{d.month:02d}/{d.year}" for d in days], dtype=object)
    parsed = parse_date(dmy)
    if any(d.day > 12 for d in days):
        assert parsed.order == "dmy"
        assert parsed.values.tolist() == [pd.Timestamp(d) for d in days]
    else:
        assert parsed.order == "ambiguous"
        assert parsed.bad.tolist() == [d.day != d.month for d in days]
    given_order = parse_date(dmy, order="dmy")
    assert given_order.values.tolist() == [pd.Timestamp(d) for d in days]


IMPOSSIBLE_DATES = st.one_of(
    st.tuples(st.integers(2000, 2099), st.integers(13, 99), st.integers(1, 28)),
    st.integers(2000, 2099).flatmap(
        lambda year: st.integers(1, 12).flatmap(
            lambda month: st.tuples(
                st.just(year),
                st.just(month),
                st.integers(calendar.monthrange(year, month)[1] + 1, 40),
            )
        )
    ),
)


@given(ymd=IMPOSSIBLE_DATES)
def test_p9_impossible_dates_reject(ymd: tuple[int, int, int]) -> None:
    year, month, day = ymd
    s = pd.Series([f"{year}-{month:02d}-{day:02d}", f"{year}年{month}月{day}日"], dtype=object)
    assert parse_date(s).bad.all()
