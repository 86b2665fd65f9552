"""Value parsers: each accepted rendering, each rejected one, missing tokens, column decisions."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.ingest.values import (
    MISSING_TOKENS,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_duration,
    parse_float,
    parse_integer,
    parse_rate,
    parse_timestamp,
    trimmed,
)


def cells(*values: str | None) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def one(parser, text: str, **kwargs):
    """Parse a single cell; return its value or 'BAD'."""
    parsed = parser(cells(text), **kwargs)
    return "BAD" if parsed.bad.iloc[0] else parsed.values.iloc[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234", 1234),
        ("1234", 1234),
        ("1234.0", 1234),
        ("１２３", 123),
        (" 7\u3000", 7),
        ("\u00a08", 8),
        ("1.2万", 12000),
        ("3亿", 300_000_000),
        ("-3", -3),
        ("12.5", "BAD"),
        ("1,23", "BAD"),
        ("12,3456", "BAD"),
        ("1.23456万", "BAD"),
        ("1e3", "BAD"),
        ("NA", "BAD"),
        ("null", "BAD"),
        ("99999999999999999999", "BAD"),
        ("¥12", "BAD"),
        ("3%", "BAD"),
    ],
)
def test_parse_integer(text, expected):
    assert one(parse_integer, text) == expected


def test_integer_dtype_index_and_missing_counts():
    s = pd.Series(
        ["1", None, "--", "x", "暂无数据", " "], index=[10, 11, 12, 13, 14, 15], dtype=object
    )
    parsed = parse_integer(s)
    assert str(parsed.values.dtype) == "Int64"
    assert list(parsed.values.index) == [10, 11, 12, 13, 14, 15]
    assert parsed.values.iloc[0] == 1
    assert parsed.missing == 4
    assert parsed.bad.tolist() == [False, False, False, True, False, False]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥1,234.50", "1234.50"),
        ("￥12", "12"),
        (" 12 ", "12"),
        ("$3.10", "3.10"),
        ("€4", "4"),
        ("£5", "5"),
        ("(12.50)", "-12.50"),
        ("（12.50）", "-12.50"),
        ("-12.5", "-12.5"),
        ("-¥3", "-3"),
        ("¥-3", "-3"),
        ("1.5万", "15000"),
        ("12元", "12"),
        ("¥ 5886.00", "5886.00"),
        ("7735.00 元", "7735.00"),
        ("0.1", "0.1"),
        ("１，２３４．５０", "1234.50"),
        ("9999999999999.99", "9999999999999.99"),
    ],
)
def test_parse_decimal_exact(text, expected):
    value = one(parse_decimal, text)
    assert Decimal(repr(float(value))) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["1,23", "12,3456", "NaN", "inf", "1e309", "-(3)", "(3", "1.2.3", "¥", "元", "1 2"]
)
def test_parse_decimal_rejects(text):
    assert one(parse_decimal, text) == "BAD"


def test_missing_tokens_are_not_data():
    assert {"", "-", "--", "—", "暂无数据"} <= MISSING_TOKENS
    assert not {"NA", "None", "null", "/", "0"} & MISSING_TOKENS
    parsed = parse_decimal(cells("-", "--", "—", "－", "暂无数据", "", None, "NA", "None", "null"))
    assert parsed.missing == 7
    assert parsed.bad.tolist() == [False] * 7 + [True] * 3


def test_parse_rate_percent_and_fraction():
    parsed = parse_rate(cells("3.25%", "0.0325", "-1.5%", "--", "１２％"))
    assert parsed.values.tolist()[:3] == [0.0325, 0.0325, -0.015]
    assert parsed.values.iloc[4] == 0.12
    assert not parsed.scaled


def test_parse_rate_percent_points_column_is_scaled():
    parsed = parse_rate(cells("3.25", "0.5", "100"))
    assert parsed.scaled
    assert parsed.values.tolist() == [0.0325, 0.005, 1.0]


def test_parse_rate_fractions_column_is_not_scaled():
    parsed = parse_rate(cells("0.03", "0.5", "1"))
    assert not parsed.scaled
    assert parsed.values.tolist() == [0.03, 0.5, 1.0]


def test_parse_float_scores():
    parsed = parse_float(cells("4.8", "4.80", "4.9 ", "x", "inf"))
    assert parsed.values.tolist()[:3] == [4.8, 4.8, 4.9]
    assert parsed.bad.tolist() == [False, False, False, True, True]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:01:23", 83),
        ("01:23", 83),
        ("83", 83),
        ("83.5", 83.5),
        ("1分23秒", 83),
        ("1m23s", 83),
        ("2小时", 7200),
        ("1h 2min 3sec", 3723),
        ("1:02:03.5", 3723.5),
        ("１分２３秒", 83),
        ("-3", "BAD"),
        ("01:99", "BAD"),
        ("00:60:00", "BAD"),
        ("abc", "BAD"),
    ],
)
def test_parse_duration(text, seconds):
    assert one(parse_duration, text) == seconds


def test_parse_bool():
    parsed = parse_bool(cells("是", "否", "TRUE", "n", "预售", "非预售", "maybe", None, "1", "0"))
    assert parsed.values.tolist()[:6] == [True, False, True, False, True, False]
    assert parsed.bad.tolist() == [False] * 6 + [True, False, False, False]
    assert parsed.missing == 1


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-05",
        "2024/1/5",
        "2024.1.5",
        "20240105",
        "2024年1月5日",
        "2024年01月05日 13:01",
        "2024-01-05 13:01:02",
        "2024-01-05T13:01:02Z",
        "2024-01-05T13:01:02+08:00",
        "45296",
        "45296.0",
        "1704412800",
        "1704412800000",
        "２０２４－０１－０５",
    ],
)
def test_parse_date_forms(text):
    assert one(parse_date, text) == pd.Timestamp("2024-01-05")


@pytest.mark.parametrize(
    "text", ["2024-02-30", "2023-02-29", "2024-13-01", "19000", "12345678", "x", "2024-01-05 25:00"]
)
def test_parse_date_rejects(text):
    assert one(parse_date, text) == "BAD"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-05 13:01", "2024-01-05 13:01:00"),
        ("2024-01-05T13:01:02+08:00", "2024-01-05 13:01:02"),
        ("2024-01-05 13:01:02 +0800", "2024-01-05 13:01:02"),
        ("2024-01-05 13:01:02.250", "2024-01-05 13:01:02.250"),
        ("2024/01/05 9:05:00", "2024-01-05 09:05:00"),
        ("45296.5", "2024-01-05 12:00:00"),
        ("1704459662", "2024-01-05 13:01:02"),
        ("2024年1月5日 13:01:02", "2024-01-05 13:01:02"),
    ],
)
def test_parse_timestamp_keeps_time(text, expected):
    parsed = parse_timestamp(cells(text))
    assert str(parsed.values.dtype) == "datetime64[us]"
    assert parsed.values.iloc[0] == pd.Timestamp(expected)


def test_am_pm_with_order():
    parsed = parse_timestamp(
        cells("1/5/2024 1:01 PM", "1/5/2024 12:30 AM", "1/5/2024 13:00 PM"), order="mdy"
    )
    assert parsed.values.iloc[0] == pd.Timestamp("2024-01-05 13:01")
    assert parsed.values.iloc[1] == pd.Timestamp("2024-01-05 00:30")
    assert parsed.bad.tolist() == [False, False, True]


def test_day_first_decided_by_column():
    parsed = parse_date(cells("13/01/2024", "05/01/2024"))
    assert parsed.order == "dmy"
    assert parsed.values.tolist() == [pd.Timestamp("2024-01-13"), pd.Timestamp("2024-01-05")]


def test_month_first_decided_by_column():
    parsed = parse_date(cells("01/13/2024", "05/01/2024"))
    assert parsed.order == "mdy"
    assert parsed.values.tolist() == [pd.Timestamp("2024-01-13"), pd.Timestamp("2024-05-01")]


def test_ambiguous_day_month_is_bad_unless_order_given():
    parsed = parse_date(cells("01/02/2024", "05/05/2024"))
    assert parsed.order == "ambiguous"
    assert parsed.bad.tolist() == [True, False]  # 05/05 reads the same either way
    given = parse_date(cells("01/02/2024", "05/05/2024"), order="dmy")
    assert given.values.iloc[0] == pd.Timestamp("2024-02-01")
    assert not given.bad.any()


def test_bad_order_argument():
    with pytest.raises(ValueError):
        parse_date(cells("2024-01-05"), order="ymd")


def test_non_string_cells_are_read_as_text():
    parsed = parse_integer(pd.Series([12, None, "3"], dtype=object))
    assert parsed.values.tolist()[0] == 12
    assert parsed.values.iloc[2] == 3


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(alphabet=" \t\u3000\u00a0\ufeffa中é1", max_size=4))),
    st.integers(min_value=0, max_value=3),
)
def test_trimmed_equals_utf8_trim(cells, skip):
    """The first/last-byte shortcut never skips a trim that utf8_trim would do (sliced and
    chunked arrays included)."""
    chars = " \t\u3000\u00a0\ufeff"
    array = pa.array(cells, type=pa.string()).slice(min(skip, len(cells)))
    expected = pc.utf8_trim(array, chars).to_pylist()
    assert trimmed(array, chars).to_pylist() == expected
    assert trimmed(pa.chunked_array([array, array]), chars).to_pylist() == expected * 2
