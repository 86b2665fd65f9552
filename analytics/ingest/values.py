"""Text cells → typed values, one whole column at a time.

Every parser takes a Series of text cells (str or None, as `RawTable` holds them) and returns a
`Parsed`: the typed values on the same index, a mask of the cells that were present but could
not be read, and how many cells were missing. The caller (normalise) turns `bad` cells into
problems naming row and column, and `missing` into a notice; nothing here raises on bad data.

Rules shared by all parsers (RELIABILITY.md R14, P8, P9):

* Surrounding whitespace is stripped, including NBSP, the ideographic space U+3000, ZWSP and a
  stray BOM. Cells with non-ASCII characters are NFKC-normalised, so full-width digits and
  punctuation read like ASCII ("１２３" → "123", "￥" → "¥", "（12）" → "(12)").
* Missing cells are None, empty/blank, or one of `MISSING_TOKENS` ("-", "--", "—", 暂无数据 …).
  The strings "NA", "None", "null", "NaN" are *data*: they are bad numbers, never NULL.
* Numbers are read from their decimal text by one correctly rounded conversion, never through
  intermediate float arithmetic, so "0.1" is the double nearest 0.1 and "1.5万" is exactly 15000.
* Thousands separators must group by three ("1,234,567"); "1,23" and "12,3456" are bad because
  they are either a typo or a European decimal comma, and guessing would misread the value by
  a factor of 1000. Exponent notation, "NaN" and "inf" are never numbers.

The work is vectorised with pyarrow compute (RE2 regexes, casts): one million cells take a few
hundred milliseconds per parser. Regexes are written with `[0-9]`, not `\\d`, so only ASCII
digits count after normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MISSING_TOKENS: frozenset[str] = frozenset({"", "-", "--", "—", "——", "－", "暂无数据"})
"""Cell texts (after stripping) that mean "no value". Not "NA"/"None"/"null": those are data.
"－" (full-width hyphen) is listed although NFKC would fold it, because the missing check runs
before normalisation."""

STRIP_CHARS = " \t\r\n\v\f\u00a0\u3000\u200b\ufeff"

# Every numeric rendering we accept, split into parts checked per parser: "(¥1,234.50)",
# "-12.5", "¥ 5886.00", "1.5万", "3.25%", "12 元", ".5". Grouping by threes only; no exponent.
_NUMBER = (
    r"^(?P<open>\(?)(?P<sign>[-+]?)(?P<cur>[¥$€£]?) *(?P<sign2>[-+]?)"
    r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.(?P<frac>[0-9]+))?"
    r"(?P<unit>[万亿]?)(?P<pct>%?) *(?P<yuan>元?)(?P<close>\)?)$"
)

# An optional time after a date: " 13:01", "T13:01:02.5+08:00", " 13:01:02 +0800", " 1:01 PM".
_TIME = (
    r"(?:(?:[ T]+)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]{1,9}))?)?"
    r" ?(?P<ampm>[AaPp][Mm])? ?(?P<tz>Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
# Year-first dates: "2024-01-05", "2024/1/5", "2024.1.5 13:01".
_YMD = r"^(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})" + _TIME + "$"
# Chinese dates: "2024年1月5日", "2024年01月05日 13:01".
_CJK = r"^(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日" + _TIME + "$"
# Day and month in an order the column decides: "05/01/2024", "5.1.2024 13:01", "1/5/2024 1:01 PM".
_DMY = r"^(?P<a>[0-9]{1,2})[-/.](?P<b>[0-9]{1,2})[-/.](?P<y>[0-9]{4})" + _TIME + "$"
# Compact dates: "20240105".
_COMPACT = r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})$"
# Excel serial day numbers, optionally with a time fraction: "45296", "45296.5".
_SERIAL = r"^(?P<serial>[0-9]{5}(?:\.[0-9]+)?)$"
# Unix time in seconds (10 digits) or milliseconds (13 digits): "1704412800", "1704412800000".
_UNIX = r"^(?P<unix>[0-9]{10}|[0-9]{13})$"

# Serials read as dates: 1954-10-03 … 2119-01-11. Other five-digit numbers are not dates.
_SERIAL_RANGE = (20000.0, 80000.0)
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "us")  # serial 0 in the 1900 date system

# The usual clock duration, read by position: "00:01:23".
_FIXED_CLOCK = r"^[0-9]{2}:[0-9]{2}:[0-9]{2}$"
# Other clock durations: "00:01:23", "01:23" (minutes:seconds), "1:02:03.5".
_CLOCK = r"^(?:(?P<h>[0-9]+):)?(?P<m>[0-9]{1,2}):(?P<s>[0-9]{1,2}(?:\.[0-9]+)?)$"
# Durations with units, lower-cased first: "1分23秒", "1m23s", "2小时", "1h 2min 3sec", "90秒".
_UNITS = (
    r"^(?:(?P<h>[0-9]+(?:\.[0-9]+)?) ?(?:小时|时|hours?|hrs?|h) ?)?"
    r"(?:(?P<m>[0-9]+(?:\.[0-9]+)?) ?(?:分钟|分|minutes?|mins?|m) ?)?"
    r"(?:(?P<s>[0-9]+(?:\.[0-9]+)?) ?(?:秒钟|秒|seconds?|secs?|s))?$"
)

TRUE_WORDS = ("是", "yes", "true", "y", "t", "1", "1.0", "预售", "有")
FALSE_WORDS = ("否", "no", "false", "n", "f", "0", "0.0", "非预售", "无")


@dataclass
class Parsed:
    """The result of parsing one column.

    Attributes:
        values: typed values on the input's index; NA/NaN/NaT where missing or bad.
        bad: True where a cell was present (not missing) but could not be parsed.
        missing: how many cells were missing (None, blank or a `MISSING_TOKENS` text).
        scaled: parse_rate only — the column had no "%" and values in (1, 100], so it was read
            as percent points and divided by 100; the caller should say so in a notice.
        order: parse_date/parse_timestamp only — how day/month/year cells ("05/01/2024") were
            read: "dmy" or "mdy" (given, or decided by a field > 12), "ambiguous" (no field
            > 12 and no order given: such cells are bad unless day == month), or None when the
            column has no such cells.
    """

    values: pd.Series
    bad: pd.Series
    missing: int
    scaled: bool = False
    order: str | None = None


# --- shared preparation -----------------------------------------------------------------------


def _prepare(s: pd.Series) -> tuple[pa.Array, np.ndarray]:
    """Return the stripped, normalised cell texts (null where missing) and the missing mask."""
    try:
        raw = pa.array(s, type=pa.string(), from_pandas=True)  # zero-copy if Arrow-backed
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        # Cells that are not str (a caller passing numbers): read their text form.
        raw = pa.array(s.astype("str").to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    text = trimmed(raw, STRIP_CHARS)
    missing = pc.or_(pc.is_null(text), pc.is_in(text, value_set=pa.array(sorted(MISSING_TOKENS))))
    if not pc.all(pc.string_is_ascii(text)).as_py():
        text = pc.utf8_normalize(text, "NFKC")
    text = pc.if_else(missing, pa.scalar(None, pa.string()), text)
    return text, missing.to_numpy(zero_copy_only=False)


def trimmed(text: pa.Array | pa.ChunkedArray, chars: str) -> pa.Array | pa.ChunkedArray:
    """`utf8_trim(text, chars)`, returning `text` itself (no copy of the column) when no cell
    starts or ends with one of `chars` — the usual export."""
    return pc.utf8_trim(text, chars) if _may_have_edges(text, chars) else text


def _may_have_edges(text: pa.Array | pa.ChunkedArray, chars: str) -> bool:
    """Whether some cell may start or end with one of `chars`, from the cells' first and last
    bytes in Arrow's buffers (no new strings): a byte that one of `chars` can start or end
    with says "maybe" (then utf8_trim decides); none says "no" for sure."""
    firsts, lasts = np.zeros(256, dtype=bool), np.zeros(256, dtype=bool)  # byte → may be one
    firsts[[c.encode()[0] for c in chars]] = True
    lasts[[c.encode()[-1] for c in chars]] = True
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    for chunk in chunks:
        if not pa.types.is_string(chunk.type):
            return True  # not a layout read here: let utf8_trim decide
        _, offsets_buffer, data_buffer = chunk.buffers()
        if data_buffer is None or not len(chunk):
            continue
        offsets = np.frombuffer(offsets_buffer, dtype=np.int32)
        offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
        data = np.frombuffer(data_buffer, dtype=np.uint8)
        filled = offsets[1:] > offsets[:-1]
        if firsts[data[offsets[:-1][filled]]].any() or lasts[data[offsets[1:][filled] - 1]].any():
            return True
    return False


def _finish(
    s: pd.Series,
    values: np.ndarray | pd.Series,
    ok: np.ndarray,
    missing: np.ndarray,
    **extra: object,
) -> Parsed:
    """Blank out values that are not ok and pack the result on the input's index."""
    values = pd.Series(values).where(ok)
    values.index = s.index
    bad = pd.Series(~ok & ~missing, index=s.index)
    return Parsed(values=values, bad=bad, missing=int(missing.sum()), **extra)


def _take(text: pa.Array, rows: np.ndarray) -> pa.Array:
    """`text[rows]` for ascending distinct `rows`, without a copy when they are all of it
    (the usual column, where every cell has the common form)."""
    return text if len(rows) == len(text) else text.take(rows)


def _match(text: pa.Array, pattern: str) -> np.ndarray:
    """True where the whole cell matches `pattern` (a capture-free regex: RE2 runs it as a
    DFA, far faster than extracting groups, so it picks out the common forms first)."""
    return pc.fill_null(pc.match_substring_regex(text, pattern), False).to_numpy(
        zero_copy_only=False
    )


def _fields(text: pa.Array, pattern: str) -> tuple[np.ndarray, dict[str, pa.Array]]:
    """Match `pattern` (named groups) against every cell.

    Returns the matched mask and each group for the matched cells only (in order): "" where a
    group did not take part in the match.
    """
    found = pc.extract_regex(text, pattern)
    matched = found.is_valid().to_numpy(zero_copy_only=False)
    found = found.filter(found.is_valid())
    names = [found.type.field(i).name for i in range(found.type.num_fields)]
    return matched, {name: pc.struct_field(found, [i]) for i, name in enumerate(names)}


def _filled(part: pa.Array) -> np.ndarray:
    """True where a regex group took part in the match with some text."""
    return pc.not_equal(part, "").to_numpy(zero_copy_only=False)


def _is(part: pa.Array, value: str) -> np.ndarray:
    return pc.equal(part, value).to_numpy(zero_copy_only=False)


def _as_float(part: pa.Array, default: str = "0") -> np.ndarray:
    """Cast decimal strings to float64; empty parts become `default`."""
    part = pc.if_else(pc.equal(part, ""), default, part)
    return pc.cast(part, pa.float64()).to_numpy(zero_copy_only=False)


def _digit_matrix(text: pa.Array, width: int) -> np.ndarray:
    """View ASCII cells of exactly `width` characters as an (n, width) array of their bytes.

    The cells' bytes lie back to back in the Arrow data buffer, so the fixed-position fields of
    "2024-01-05 13:01:02" are read with numpy arithmetic instead of a slice and cast per field.
    Callers pass only cells their pattern matched and padded to `width`.
    """
    n = len(text)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + n + 1]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(n, width)


def _field(matrix: np.ndarray, start: int, stop: int) -> np.ndarray:
    """The number written in columns [start, stop) of a `_digit_matrix`."""
    value = np.zeros(len(matrix), dtype=np.int64)
    for column in range(start, stop):
        value = value * 10 + (matrix[:, column].astype(np.int64) - ord("0"))
    return value


# --- numbers ----------------------------------------------------------------------------------

# The common renderings, without unit or parentheses: "1234", "-1,234.50", "3.25%", "¥-12.5".
_PLAIN_NUMBER = r"^[¥$€£]?-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?%?$"
# A fraction with a non-zero digit, i.e. not a whole number: "12.50", "1.01".
_NOT_WHOLE = r"\.[0-9]*[1-9]"


@dataclass
class _Numbers:
    """Per-cell results of `_numbers`: value, well-formed, written as a whole number, had %."""

    values: np.ndarray
    ok: np.ndarray
    whole: np.ndarray
    percent: np.ndarray


def _numbers(
    text: pa.Array, *, currency: bool = False, unit: bool = True, percent: bool = False
) -> _Numbers:
    """Read every cell as a number in the `_NUMBER` grammar.

    The common plain forms go through one fast pattern; only the other cells are taken apart
    with `_NUMBER`'s groups.

    Args:
        text: prepared cell texts.
        currency: allow a currency sign (¥ $ € £) and a trailing 元.
        unit: allow 万 (×10⁴) and 亿 (×10⁸).
        percent: allow a trailing % (÷100).
    """
    n = len(text)
    out = _Numbers(np.full(n, np.nan), np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool))

    rows = np.flatnonzero(_match(text, _PLAIN_NUMBER))
    if rows.size:
        sub = _take(text, rows)
        has_pct = pc.ends_with(sub, "%").to_numpy(zero_copy_only=False)
        bare = pc.utf8_ltrim(sub, "¥$€£")
        has_currency = pc.not_equal(pc.binary_length(bare), pc.binary_length(sub))
        has_currency = has_currency.to_numpy(zero_copy_only=False)
        canonical = pc.replace_substring(pc.replace_substring(bare, ",", ""), "%", "e-2")
        out.values[rows] = pc.cast(canonical, pa.float64()).to_numpy(zero_copy_only=False)
        out.ok[rows] = (percent | ~has_pct) & (currency | ~has_currency)
        out.whole[rows] = ~_match(sub, _NOT_WHOLE)
        out.percent[rows] = has_pct

    fast = np.zeros(n, bool)
    fast[rows] = True
    rest = np.flatnonzero(~fast & text.is_valid().to_numpy(zero_copy_only=False))
    if rest.size:
        matched, p = _fields(_take(text, rest), _NUMBER)
        rows = rest[matched]
        negative = _is(p["sign"], "-") | _is(p["sign2"], "-")
        paren = _filled(p["open"])
        ok = (
            (_filled(p["int"]) | _filled(p["frac"]))
            & (paren == _filled(p["close"]))
            & (_filled(p["sign"]).astype(int) + _filled(p["sign2"]).astype(int) <= 1)
            & ~(paren & negative)
            & ~(_filled(p["unit"]) & _filled(p["pct"]))
        )
        if not currency:
            ok &= ~_filled(p["cur"]) & ~_filled(p["yuan"])
        if not unit:
            ok &= ~_filled(p["unit"])
        if not percent:
            ok &= ~_filled(p["pct"])
        exponent = pc.if_else(
            pc.equal(p["unit"], "万"), "4", pc.if_else(pc.equal(p["unit"], "亿"), "8", "0")
        )
        exponent = pc.if_else(pc.equal(p["pct"], "%"), "-2", exponent)
        digits = pc.replace_substring(p["int"], ",", "")
        digits = pc.if_else(pc.equal(digits, ""), "0", digits)
        fraction = pc.if_else(pc.equal(p["frac"], ""), "0", p["frac"])
        canonical = pc.binary_join_element_wise(digits, ".", fraction, "e", exponent, "")
        values = pc.cast(canonical, pa.float64()).to_numpy(zero_copy_only=False).copy()
        values[negative | paren] *= -1.0
        shift = np.where(_is(p["unit"], "万"), 4, np.where(_is(p["unit"], "亿"), 8, 0))
        significant = pc.utf8_length(pc.utf8_rtrim(p["frac"], "0")).to_numpy(zero_copy_only=False)
        out.values[rows], out.ok[rows] = values, ok
        out.whole[rows] = significant <= shift
        out.percent[rows] = _filled(p["pct"])

    out.ok &= np.isfinite(out.values)
    return out


def parse_integer(s: pd.Series) -> Parsed:
    """Parse counts: "1,234", "1234", "1234.0", "１２３", "1.2万" (12000), "-3" (a return).

    A value that is not a whole number ("12.5", "1.23456万") is bad, and so is anything beyond
    2**53 (no count is that large, and floats stop being exact there).

    Returns:
        Parsed with an Int64 Series.
    """
    text, missing = _prepare(s)
    num = _numbers(text)
    ok = num.ok & num.whole & (np.abs(num.values) < 2.0**53)
    values = pd.Series(np.where(ok, num.values, 0).astype("int64")).astype("Int64")
    return _finish(s, values, ok, missing)


def parse_decimal(s: pd.Series) -> Parsed:
    """Parse money: "¥1,234.50", "￥12", "$3", "€4", "£5", " 12 ", "(12.50)" (= -12.50),
    "-12.5", "1.5万" (15000), "12元".

    Values are float64, each the double nearest the cell's exact decimal (one correctly
    rounded conversion of the text), so `Decimal(repr(float(v)))` gives back the amount for
    every value with at most 15 significant digits — every amount below 10**13 with two
    decimals. We return floats rather than `decimal.Decimal` objects because the workspace
    column is DECIMAL(18,2): DuckDB's cast rounds the nearest double to the right cent, and
    floats keep the column vectorised. More than two decimals are kept as written (DuckDB
    rounds them on insert); amounts of 10**16 or more do not fit DECIMAL(18,2) and are bad.
    """
    text, missing = _prepare(s)
    num = _numbers(text, currency=True)
    return _finish(s, num.values, num.ok & (np.abs(num.values) < 1e16), missing)


def parse_rate(s: pd.Series) -> Parsed:
    """Parse rates as fractions: "3.25%" → 0.0325, "0.0325" → 0.0325, "-1.5%" → -0.015.

    A column with no "%" anywhere whose values lie within [-100, 100] with at least one beyond
    ±1 was written in percent points ("3.25" meaning 3.25 %): it is divided by 100 and the
    result says `scaled=True`. A column of percent points that are all ≤ 1 (0.5 meaning 0.5 %)
    cannot be told from fractions and is read as fractions.
    """
    text, missing = _prepare(s)
    num = _numbers(text, unit=False, percent=True)
    largest = np.abs(num.values[num.ok]).max(initial=0.0)
    scaled = bool(not num.percent.any() and 1 < largest <= 100)
    if scaled:
        # Re-read with a % appended: the decimal text ÷ 100 rounds once, as "3.25%" does.
        text = pc.if_else(pa.array(num.ok), pc.binary_join_element_wise(text, "%", ""), text)
        num = _numbers(text, unit=False, percent=True)
    return _finish(s, num.values, num.ok, missing, scaled=scaled)


def parse_float(s: pd.Series) -> Parsed:
    """Parse plain measures such as scores and averages: "4.8", "4.80", "-0.5", "1,234.5"."""
    text, missing = _prepare(s)
    num = _numbers(text)
    return _finish(s, num.values, num.ok, missing)


# --- dates and times --------------------------------------------------------------------------

# The usual layout, read by position: "2024-01-05", "2024/01/05 13:01", "2024-01-05T13:01:02".
_FIXED_STAMP = r"^[0-9]{4}[-/][0-9]{2}[-/][0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?$"


class _Stamps:
    """Civil date-time fields (int64, meaningful in `civil_rows`) and absolute instants."""

    def __init__(self, n: int) -> None:
        self.fields = {
            key: np.zeros(n, dtype=np.int64) for key in ("y", "m", "d", "H", "M", "S", "us")
        }
        self.civil_rows = np.zeros(n, dtype=bool)  # rows whose fields were set
        self.instant = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
        self.ok = np.zeros(n, dtype=bool)

    def set(self, rows: np.ndarray, **values: np.ndarray | float) -> None:
        """Set fields of `rows` (integral values; a year marks the rows as civil)."""
        for key, value in values.items():
            self.fields[key][rows] = value
        if "y" in values:
            self.civil_rows[rows] = True

    def civil(self) -> None:
        """Turn the civil fields into instants; impossible dates (Feb 30) and times are not ok.

        Pure integer numpy: a day past its month's length is refused, then the date becomes a
        day number (`_days_from_civil`) and the time of day is added in microseconds.
        """
        f = self.fields
        rows = self.ok & self.civil_rows
        rows &= (f["m"] >= 1) & (f["m"] <= 12) & (f["d"] >= 1)
        rows &= (f["H"] < 24) & (f["M"] < 60) & (f["S"] < 60)
        self.ok &= rows | ~self.civil_rows
        idx = np.flatnonzero(rows)
        get = f if len(idx) == len(rows) else {key: value[idx] for key, value in f.items()}
        valid = get["d"] <= _month_length(get["y"], get["m"])
        micros = ((get["H"] * 60 + get["M"]) * 60 + get["S"]) * 1_000_000 + get["us"]
        instant = _days_from_civil(get["y"], get["m"], get["d"]) * 86_400_000_000 + micros
        self.instant[idx] = instant.view("datetime64[us]")
        self.ok[idx[~valid]] = False


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _month_length(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Days in month `m` (1–12) of year `y` (Gregorian leap years)."""
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    return _MONTH_DAYS[m - 1] + ((m == 2) & leap)


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of the Gregorian dates (y, m, d), in integer arithmetic (H. Hinnant's
    days_from_civil): numpy's datetime64[M] → [D] conversions cost ten times as much."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def parse_timestamp(s: pd.Series, order: str | None = None) -> Parsed:
    """Parse date-times, keeping the time of day.

    Accepted: "2024-01-05", "2024/1/5", "2024.1.5", "2024年1月5日", "20240105", with an
    optional time "13:01", "13:01:02", "13:01:02.123", "1:01 PM" (after a space or "T"); Excel
    serial day numbers 20000–80000 ("45296", "45296.5" = noon, origin 1899-12-30, rounded to
    the second); Unix time as 10-digit seconds or 13-digit milliseconds (read as UTC); and
    day/month/year in either order ("05/01/2024"), decided for the whole column — see `order`.

    A time-zone suffix ("Z", "+08:00", " +0800") is dropped and the wall time kept: a shop's
    export states its own local time, and converting to UTC would move evening orders to the
    next day. Impossible dates and times (2024-02-30, 25:00) are bad.

    Args:
        s: the cells.
        order: "dmy" or "mdy" to fix how "a/b/yyyy" cells are read. Without it the column
            decides: a first field > 12 means dmy, a second field > 12 means mdy; when neither
            occurs (or both do) such cells are bad unless day == month, and `order` in the
            result is "ambiguous".

    Returns:
        Parsed with a datetime64[us] Series.
    """
    if order not in (None, "dmy", "mdy"):
        raise ValueError(f"order must be 'dmy', 'mdy' or None, not {order!r}")
    text, missing = _prepare(s)
    out = _Stamps(len(text))
    todo = np.flatnonzero(~missing)
    decided: str | None = None

    fast = _match(_take(text, todo), _FIXED_STAMP)
    rows, todo = todo[fast], todo[~fast]
    if rows.size:
        # "2024-01-05" and "2024-01-05 13:01" padded with zeros to "2024-01-05 13:01:02"'s width.
        m = _digit_matrix(pc.utf8_rpad(_take(text, rows), 19, "0"), 19)
        out.ok[rows] = True
        out.set(rows, y=_field(m, 0, 4), m=_field(m, 5, 7), d=_field(m, 8, 10))
        out.set(rows, H=_field(m, 11, 13), M=_field(m, 14, 16), S=_field(m, 17, 19), us=0)

    for pattern in (_YMD, _CJK, _COMPACT, _DMY, _SERIAL, _UNIX):
        if not todo.size:
            break
        matched, p = _fields(_take(text, todo), pattern)
        rows, todo = todo[matched], todo[~matched]
        if not rows.size:
            continue
        out.ok[rows] = True
        if pattern == _SERIAL:
            serial = _as_float(p["serial"])
            in_range = (serial >= _SERIAL_RANGE[0]) & (serial <= _SERIAL_RANGE[1])
            seconds = np.round(np.where(in_range, serial, 0) * 86400).astype("int64")
            out.instant[rows] = _EXCEL_EPOCH + seconds.astype("timedelta64[s]")
            out.ok[rows] = in_range
        elif pattern == _UNIX:
            number = _as_float(p["unix"]).astype("int64")
            is_ms = pc.utf8_length(p["unix"]).to_numpy(zero_copy_only=False) == 13
            out.instant[rows] = np.where(is_ms, number * 1000, number * 1_000_000).astype(
                "datetime64[us]"
            )
        else:
            if pattern == _DMY:
                first, second = _as_float(p["a"]), _as_float(p["b"])
                decided = order or _day_month_order(first, second)
                if decided == "ambiguous":
                    out.ok[rows] = first == second
                mdy = decided == "mdy"
                out.set(rows, d=second if mdy else first, m=first if mdy else second)
            else:
                out.set(rows, m=_as_float(p["m"]), d=_as_float(p["d"]))
            out.set(rows, y=_as_float(p["y"]), H=0, M=0, S=0, us=0)
            if "H" in p:
                out.ok[rows] &= _read_time(p, rows, out)

    out.civil()
    return _finish(
        s, pd.Series(out.instant, dtype="datetime64[us]"), out.ok, missing, order=decided
    )


def parse_date(s: pd.Series, order: str | None = None) -> Parsed:
    """Parse dates: every form `parse_timestamp` accepts, normalised to midnight.

    A time part is allowed and dropped ("2024-01-05 13:01:02" → 2024-01-05), because order and
    review exports put a full time stamp in columns we only need the day of.
    """
    parsed = parse_timestamp(s, order=order)
    parsed.values = parsed.values.dt.normalize()
    return parsed


def _day_month_order(first: np.ndarray, second: np.ndarray) -> str:
    """Decide how "a/b/yyyy" cells read: a field above 12 can only be the day."""
    day_first, month_first = bool((first > 12).any()), bool((second > 12).any())
    if day_first != month_first:
        return "dmy" if day_first else "mdy"
    return "ambiguous"


def _read_time(p: dict[str, pa.Array], rows: np.ndarray, out: _Stamps) -> np.ndarray:
    """Set hour/minute/second/microsecond of `rows` from a `_TIME` match; return validity of
    the 12-hour clock (hour 1–12 with AM/PM)."""
    hour = _as_float(p["H"])
    micro = _as_float(pc.utf8_slice_codeunits(pc.utf8_rpad(p["f"], 6, "0"), 0, 6))
    meridiem = pc.utf8_lower(p["ampm"])
    pm, am = _is(meridiem, "pm"), _is(meridiem, "am")
    valid = ~(pm | am) | ((hour >= 1) & (hour <= 12))
    hour = np.where(pm & (hour < 12), hour + 12, np.where(am & (hour == 12), 0, hour))
    out.set(rows, H=hour, M=_as_float(p["M"]), S=_as_float(p["S"]), us=micro)
    return valid


# --- durations and flags ----------------------------------------------------------------------


def parse_duration(s: pd.Series) -> Parsed:
    """Parse durations into seconds (float64).

    Accepted: "00:01:23" and "01:23" (minutes:seconds) → 83; "83" and "83.5" (seconds);
    "1分23秒", "1m23s", "2小时", "1h 2min 3sec". Fields after the first in a clock form must be
    below 60. Negative durations are bad.
    """
    text, missing = _prepare(s)
    values = np.full(len(text), np.nan)
    ok = np.zeros(len(text), dtype=bool)
    todo = np.flatnonzero(~missing)

    fast = _match(_take(text, todo), _FIXED_CLOCK)
    rows, todo = todo[fast], todo[~fast]
    if rows.size:
        m = _digit_matrix(_take(text, rows), 8)
        values[rows] = _field(m, 0, 2) * 3600 + _field(m, 3, 5) * 60 + _field(m, 6, 8)
        ok[rows] = (_field(m, 3, 5) < 60) & (_field(m, 6, 8) < 60)

    if todo.size:
        sub = _take(text, todo)
        num = _numbers(sub, unit=False)
        fine = num.ok & (num.values >= 0)
        values[todo[fine]], ok[todo[fine]] = num.values[fine], True
        todo = todo[~fine]

    for pattern in (_CLOCK, _UNITS):
        if not todo.size:
            break
        matched, p = _fields(pc.utf8_lower(_take(text, todo)), pattern)
        rows, todo = todo[matched], todo[~matched]
        hours, minutes, seconds = _as_float(p["h"]), _as_float(p["m"]), _as_float(p["s"])
        values[rows] = hours * 3600 + minutes * 60 + seconds
        if pattern == _CLOCK:
            ok[rows] = (seconds < 60) & ((minutes < 60) | ~_filled(p["h"]))
        else:
            ok[rows] = _filled(p["h"]) | _filled(p["m"]) | _filled(p["s"])
    return _finish(s, values, ok, missing)


def parse_bool(s: pd.Series) -> Parsed:
    """Parse yes/no flags: 是/否, yes/no, true/false, y/n, t/f, 1/0, 预售/非预售, 有/无
    (case-insensitive).

    Returns:
        Parsed with a nullable "boolean" Series.
    """
    text, missing = _prepare(s)
    lower = pc.utf8_lower(text)
    true = pc.fill_null(pc.is_in(lower, value_set=pa.array(TRUE_WORDS)), False)
    false = pc.fill_null(pc.is_in(lower, value_set=pa.array(FALSE_WORDS)), False)
    true = true.to_numpy(zero_copy_only=False)
    ok = true | false.to_numpy(zero_copy_only=False)
    return _finish(s, pd.Series(true, dtype="boolean"), ok, missing)
