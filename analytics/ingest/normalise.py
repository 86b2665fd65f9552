"""RawTable + Recognition → the canonical, typed DataFrame of one data kind.

Every mapped column is parsed with its field's type (values.py), whole columns at a time. Any
cell that is present but unreadable rejects the file (RELIABILITY R3): the problem names the
file, the physical line, the source column, the value found and the type expected. Missing
cells ("-", "--", empty, 暂无数据) become NULL and are counted in a notice (R14).

Per kind:

- A totals row (合计/总计/小计/汇总/Total in a label column, or an unlabelled all-number first or
  last row) is dropped and checked against the column sums (R14, P15): counts and money must add
  up to the cent; rates and averages must lie between the smallest and largest row. A mismatch
  is a warning notice, not a reject: people counts (访客数) are often de-duplicated in the
  total, and the notice says so.
- traffic: sub_channel '' when absent; visitor_unit 'sessions' when visitors came from a
  sessions column (Shopify, GA4 "Sessions"), else 'visitors'; two rows with the same date +
  channel + sub_channel reject the file, naming both lines.
- orders: line exports become one row per order (see `_orders`); statuses map to
  pending | paid | cancelled | refunded; is_paid follows DESIGN.md.
- reviews: review_id from the export, else a content hash; ratings outside 1–5 reject the cell.
- dsr: one snapshot per date; score_system 'experience' for the 综合体验分 trio.
- events: behaviour types and event names map to the canonical events; exact duplicates drop.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.errors import InputProblem, InputRejected, shown_value
from analytics.formulas import GUARDED_PATTERN
from analytics.ingest import values
from analytics.ingest.model import ImportOptions, Notice, RawTable, Recognition, TotalsCheck
from analytics.ingest.profiles import (
    BOOL,
    CHINESE_PLATFORMS,
    DATE,
    DECIMAL,
    DURATION,
    EXPERIENCE_HEADERS,
    FLOAT,
    ID,
    INTEGER,
    RATE,
    SESSION_HEADERS,
    TEXT,
    TIMESTAMP,
    derived_headers,
    field_type,
    normalise_header,
)
from analytics.ingest.recognise import WHOLE_SHOP_CHANNEL, is_chinese_header
from analytics.schema import TABLES

MAX_PROBLEMS = 10_000
"""Problems listed in one reject; the renderer shows the first 20 and counts the rest."""

_PARSERS: dict[str, Callable[[pd.Series], values.Parsed]] = {
    INTEGER: values.parse_integer,
    DECIMAL: values.parse_decimal,
    RATE: values.parse_rate,
    FLOAT: values.parse_float,
    DATE: values.parse_date,
    TIMESTAMP: values.parse_timestamp,
    DURATION: values.parse_duration,
    BOOL: values.parse_bool,
}

# Spaces stripped from text cells (NBSP, U+3000, ZWSP, BOM too). Tabs and line breaks in a
# name are kept as data; ids lose them as well (ID_BLANKS).
BLANKS = " \u00a0\u3000\u200b\ufeff"
ID_BLANKS = BLANKS + "\t\r\n\v\f"


def _each(words: str, value: str) -> dict[str, str]:
    """{word: value} for each space-separated word."""
    return dict.fromkeys(words.split(), value)


# Label cells that mark a totals row, compared by _is_label:
# "合 计" → 合计, "Grand Total" → grandtotal.
TOTAL_LABELS = frozenset(
    {"合计", "总计", "小计", "汇总", "总和", "全店合计", "全店汇总"}
    | {"total", "totals", "grandtotal", "subtotal", "sum"}
)
# "全店"/"All" are a totals row only beside other channels; alone they are a whole-shop export.
WHOLE_SHOP_LABELS = frozenset({"全店", "全部", "整体", "all", "allchannels"})

# Fields of a row that say which thing it is (a totals row carries a label in one of them).
_LABEL_FIELDS: dict[str, tuple[str, ...]] = {
    "traffic": ("date", "channel", "sub_channel"),
    "products": ("date", "product_id", "product_name"),
    "orders": ("order_id",),
    "dsr": ("date",),
    "reviews": (),
    "events": (),
}
# Fields that must have a value in every row (after order lines are merged, for orders).
_KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "traffic": ("date", "channel"),
    "products": ("date", "product_id"),
    "orders": ("order_id",),
    "dsr": ("date",),
    "reviews": ("created_at",),
    "events": ("user_id", "ts", "event"),
}
# Counts of people: a total below the sum of the rows is normal (one visitor, two channels).
_PEOPLE = frozenset(
    {"visitors", "product_visitors", "inquiries", "cart_buyers", "order_buyers", "paying_buyers"}
)
_NUMERIC = frozenset({INTEGER, DECIMAL, RATE, FLOAT, DURATION})
_SCORE_RANGE: dict[str, tuple[float, float]] = {"reviews": (1.0, 5.0), "dsr": (0.0, 5.0)}
_SCORE_FIELDS = (
    "rating",
    "dsr_description",
    "dsr_service",
    "dsr_logistics",
    "peer_description",
    "peer_service",
    "peer_logistics",
)

# Status texts → canonical status. Keys are lower-cased with spaces/hyphens as "_" and a
# WooCommerce "wc-" prefix dropped (see _token).
STATUS_MAP: dict[str, str] = {
    **_each(
        "交易成功 已发货 卖家已发货 待发货 已付款 买家已付款 等待卖家发货 等待买家确认收货 "
        "卖家已发货,等待买家确认 已发货,待签收 已完成 完成 交易完成 已签收 已收货 待收货 待签收 "
        "备货中 部分发货 等待出库 等待确认收货 已支付 支付成功 已成交 "
        "paid partially_paid partially_refunded fulfilled completed complete processing "
        "delivered shipped invoiced approved success succeeded",
        "paid",
    ),
    **_each(
        "待付款 等待买家付款 未付款 待支付 等待付款 未支付 "
        "pending authorized on_hold checkout_draft created awaiting_payment",
        "pending",
    ),
    **_each(
        "交易关闭 已取消 取消 订单取消 已关闭 交易取消 "
        "cancelled canceled voided void expired failed unavailable",
        "cancelled",
    ),
    **_each("退款成功 已退款 全额退款 退款完成 refunded", "refunded"),
}
# Runs of spaces and hyphens in a status or event name: "wc-on-hold" → wc_on_hold.
_STATUS_SEPARATORS = re.compile(r"[\s\-]+")

# Where a two-part status splits (after NFKC): "买家已付款,等待卖家发货", "已发货;待签收".
_STATUS_PARTS = re.compile(r"[,;/、]")

# Event names → canonical events. Taobao behaviour types (pv/buy/cart/fav; the Tianchi log's
# 1–4), GA4 event names and Chinese action names. page_view/session_start mean a visit;
# view_item a product view; begin_checkout and add_payment_info an order started; purchase a
# payment. Anything else (scroll, user_engagement …) is dropped with a notice.
EVENT_MAP: dict[str, str] = {
    **_each("visit page_view session_start first_visit 访问 进店 浏览店铺", "visit"),
    **_each(
        "pv 1 click view_item product_view view_product 浏览 点击 商品浏览 浏览商品",
        "product_view",
    ),
    **_each("inquiry generate_lead contact 咨询 询单", "inquiry"),
    **_each(
        "order begin_checkout add_payment_info add_shipping_info 下单 创建订单 提交订单",
        "order",
    ),
    **_each("buy 4 purchase payment pay 支付 付款 购买 成交", "payment"),
    **_each("cart 3 add_to_cart 加购 加入购物车", "cart"),
    **_each("fav 2 add_to_wishlist favorite favourite 收藏", "fav"),
}

# Currency signs in money cells, first match wins: "¥12", "￥12" (NFKC folds to ¥), "$3".
_CURRENCY_SIGNS = (("[¥￥]", "CNY"), ("€", "EUR"), ("£", "GBP"), (r"\$", "USD"))
# Currency named in a money header's unit: "支付金额(元)" → CNY, "Total (USD)" → USD.
_HEADER_CURRENCY = (
    (re.compile(r"[(（](元|人民币|rmb|cny|¥|￥)[)）]\s*$", re.I), "CNY"),
    (re.compile(r"[(（](usd|\$|us\$)[)）]\s*$", re.I), "USD"),
    (re.compile(r"[(（](eur|€)[)）]\s*$", re.I), "EUR"),
    (re.compile(r"[(（](gbp|£)[)）]\s*$", re.I), "GBP"),
)
# An id a spreadsheet turned into a float: "17850.0" → "17850".
FLOAT_ID = r"^([0-9]+)\.0+$"
# A long id Excel turned into a rounded number: "3.71235E+18", "1.2e+17".
SCIENTIFIC_ID = re.compile(r"[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+")
# An id kept as text by an Excel formula, as Taobao CSV exports write it:
# ="2024010512345" → 2024010512345.
_FORMULA_ID = r'^="(.*)"$'

# Spaces (incl. NBSP, U+3000, ZWSP), underscores, stars and colons in a totals label:
# "合　计：" → 合计, "Grand Total:" → grandtotal.
_LABEL_NOISE = r"[\s\x{00a0}\x{3000}\x{200b}_*:：]+"
# A GA4 event_timestamp in microseconds: "1704412800123456" (16 digits).
_MICROS = re.compile(r"^[0-9]{16}$")
# The Tianchi user-behaviour log's hour-precision times: "2014-12-06 02".
_DATE_HOUR = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}$")
# Day/month/year cells whose order a column could not decide: "05/01/2024".
_DAY_MONTH = re.compile(r"^\s*[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}")


class Normalised(NamedTuple):
    """What normalise() made of one table."""

    frame: pd.DataFrame  # exactly schema.TABLES[kind].column_names, typed
    rows_read: int  # data rows in the file, totals rows excluded
    date_range: tuple[date, date] | None
    totals: TotalsCheck | None
    notices: list[Notice]
    currency: str | None


class _Table:
    """One table being normalised: the text of its mapped columns and what was found so far."""

    def __init__(self, raw: RawTable, recognition: Recognition) -> None:
        self.raw = raw
        self.kind: str = recognition.kind or ""
        self.platform = recognition.platform
        self.source = {f: src for src, f in recognition.mapping.items()}  # field → header
        self.position = {f: raw.header.index(src) for f, src in self.source.items()}
        self.text = _text_columns(raw.columns, self.position)
        self.lines = np.asarray(raw.line_numbers, dtype=np.int64)
        self.problems: list[tuple[int, int, InputProblem]] = []
        self.notices: list[Notice] = []
        self.missing: dict[str, int] = {}  # field → cells read as NULL

    def has(self, field: str) -> bool:
        return field in self.source

    def problem(
        self, rows: np.ndarray, field: str, code: str, show_found: bool = True, **extra: object
    ) -> None:
        """Record a problem for each row index in `rows` (positions in self.text)."""
        column = self.source.get(field)
        cells = self.text[field] if show_found and field in self.text else None
        for i in rows[: MAX_PROBLEMS - len(self.problems)]:
            cell = None if cells is None else cells.iat[i]
            found = None if cells is None else shown_value(None if pd.isna(cell) else cell)
            self.problems.append(
                (
                    int(self.lines[i]),
                    self.position.get(field, -1),
                    InputProblem(
                        file=self.raw.file,
                        code=code,
                        row=int(self.lines[i]),
                        column=column,
                        found=found,
                        sheet=self.raw.sheet,
                        **extra,  # type: ignore[arg-type]
                    ),
                )
            )

    def reject_if_problems(self) -> None:
        """Raise InputRejected with every problem so far, first line first."""
        if self.problems:
            ordered = sorted(self.problems, key=lambda p: (p[0], p[1]))
            raise InputRejected([p for _, _, p in ordered])

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the rows where `mask` is True (e.g. drop totals rows)."""
        if mask.all():
            return  # the usual file: no copy of every column
        self.text = self.text[mask].reset_index(drop=True)
        self.lines = self.lines[mask]


def normalise(
    raw: RawTable, recognition: Recognition, options: ImportOptions | None = None
) -> Normalised:
    """Turn `raw` into the canonical frame of `recognition.kind`.

    Args:
        raw: the file's cells as text, with each row's physical line number.
        recognition: a complete Recognition of `raw.header`.
        options: the user's import options (kept for the kinds that may use them).

    Returns:
        Normalised(frame, rows_read, date_range, totals, notices, currency).

    Raises:
        InputRejected: unreadable cells, empty key cells, out-of-range scores or duplicate keys,
            listed first line first.
    """
    del options  # no option changes normalisation yet; the signature is the prepare contract
    if not recognition.complete:
        raise ValueError("normalise() needs a complete Recognition")
    table = _Table(raw, recognition)
    table.notices.extend(ignored_columns(recognition))
    totals_mask = _totals_rows(table)
    totals_text = (  # a slice, not a take, when there is none (a take copies every column)
        table.text[totals_mask] if totals_mask.any() else table.text.iloc[:0]
    ).reset_index(drop=True)
    totals_lines = table.lines[totals_mask]
    table.keep(~totals_mask)
    rows_read = len(table.text)

    currency = _file_currency(table)
    parsed = _parse_all(table)
    _require_keys(table, parsed)
    table.reject_if_problems()
    if table.kind != "orders":  # orders count empty cells per order, after merging lines
        _notice_missing(table, table.missing)
    totals = _check_totals(table, parsed, totals_text, totals_lines)

    builder = _BUILDERS[table.kind]
    frame = builder(table, parsed, currency)
    table.reject_if_problems()
    frame = typed_frame(frame, table.kind)
    if table.kind == "orders" and table.has("currency"):
        found = sorted(frame["currency"].dropna().unique())
        currency = found[0] if len(found) == 1 else None
        if len(found) > 1:
            table.notices.append(Notice("mixed_currency", {"currencies": ", ".join(found)}))
    return Normalised(frame, rows_read, date_range(frame), totals, table.notices, currency)


def ignored_columns(recognition: Recognition) -> list[Notice]:
    """The notice naming the columns a file has that nothing imports (none: [])."""
    derived = derived_headers(recognition.kind or "")
    ignored = [c for c in recognition.unmapped if normalise_header(c) not in derived]
    return [Notice("columns_ignored", {"columns": ", ".join(ignored)})] if ignored else []


# --- reading the cells ------------------------------------------------------------------------


def _text_columns(columns: list[pa.Array], position: dict[str, int]) -> pd.DataFrame:
    """The mapped columns as Arrow-backed string Series (no Python string per cell)."""
    return pd.DataFrame({f: _series(columns[i]) for f, i in position.items()}, copy=False)


def _series(column: pa.Array, index: pd.Index | None = None) -> pd.Series:
    """An Arrow string array as a Series without copying; missing cells read as pd.NA."""
    return pd.Series(pd.arrays.ArrowExtensionArray(column), index=index)


def _arrow(cells: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The cells as Arrow strings: zero-copy (chunks as read) for Arrow-backed Series."""
    return pa.array(cells, type=pa.string(), from_pandas=True)


def _clean_text(cells: pd.Series, ids: bool = False) -> pd.Series:
    """Stripped text with missing tokens as None (object dtype), vectorised with pyarrow.

    With `ids`, tabs are stripped too (exports prefix ids with one to keep Excel from turning
    them into numbers), an id a spreadsheet turned into a float loses its ".0" ("17850.0" →
    "17850") and a ="…" text formula is unwrapped. Other text loses the formula guard of an
    export ("'=1+2" → "=1+2", see analytics.formulas), so ShopLens' own CSV re-imports exactly.
    """
    text = values.trimmed(_arrow(cells), ID_BLANKS if ids else BLANKS)
    if ids and _any(pc.starts_with(text, '="')):
        text = pc.replace_substring_regex(text, _FORMULA_ID, r"\1")
    missing = pc.is_in(text, value_set=pa.array(sorted(values.MISSING_TOKENS)))
    if _any(missing):
        text = pc.if_else(missing, pa.scalar(None, pa.string()), text)
    if ids and _any(pc.match_substring(text, ".0")):
        text = pc.replace_substring_regex(text, FLOAT_ID, r"\1")
    elif not ids and _any(pc.starts_with(text, "'")):
        text = pc.replace_substring_regex(text, GUARDED_PATTERN, r"\1", max_replacements=1)
    return _series(text, cells.index)


def _any(mask: pa.Array) -> bool:
    """Whether any cell is True (the regexes above run only where a cheap test says they may
    change something: on a million cells a regex costs, a prefix test does not)."""
    return bool(pc.any(mask).as_py())


def _is_label(cells: pd.Series, labels: frozenset[str]) -> np.ndarray:
    """Cells that are one of `labels` once lower-cased without spaces ("合 计" → 合计,
    "Grand Total" → grandtotal).

    A substring test that every such cell passes picks the few candidates first, so a
    million order ids are not lower-cased and rewritten to find none.
    """
    text = _arrow(cells)
    hint = pc.fill_null(pc.match_substring_regex(text, label_hint(labels)), False)
    rows = np.flatnonzero(hint.to_numpy(zero_copy_only=False))
    mask = np.zeros(len(text), dtype=bool)
    if rows.size:
        names = pc.replace_substring_regex(pc.utf8_lower(text.take(rows)), _LABEL_NOISE, "")
        found = pc.is_in(names, value_set=pa.array(sorted(labels)))
        mask[rows] = found.to_numpy(zero_copy_only=False)
    return mask


def label_hint(labels: frozenset[str]) -> str:
    """A regex found in every cell that reads as one of `labels`: its letters in order, with
    any of _LABEL_NOISE between them, in any case."""
    noise = _LABEL_NOISE[:-1] + "*"
    return "(?i)" + "|".join(noise.join(re.escape(ch) for ch in label) for label in labels)


def _parse_all(table: _Table) -> dict[str, pd.Series]:
    """Parse every mapped column; record bad cells as problems and missing cells in a notice."""
    parsed: dict[str, pd.Series] = {}
    missing: dict[str, int] = {}
    for field in table.text.columns:
        type_ = field_type(table.kind, field)
        cells = table.text[field]
        if type_ in (TEXT, ID):
            clean = _clean_text(cells, ids=type_ == ID)
            if type_ == ID:
                lost = pc.match_substring_regex(_arrow(clean), f"^(?:{SCIENTIFIC_ID.pattern})$")
                lost = pc.fill_null(lost, False).to_numpy(zero_copy_only=False)
                if lost.any():  # Excel rounded a long id: the real one cannot be recovered
                    table.problem(np.flatnonzero(lost), field, "bad_id", expected="id")
            parsed[field] = clean
            missing[field] = int(clean.isna().sum())
            continue
        if field == "ts":
            cells = _event_times(cells)
        result = _PARSERS[type_](cells)
        parsed[field] = result.values
        missing[field] = result.missing
        bad = np.flatnonzero(result.bad.to_numpy())
        if bad.size:
            code, expected = "bad_value", type_
            if result.order == "ambiguous" and _DAY_MONTH.match(str(cells.iat[bad[0]])):
                code, expected = "ambiguous_date", "date_order"
            table.problem(bad, field, code, expected=expected)
        if result.scaled:
            table.notices.append(Notice("rate_scaled", {"column": table.source[field]}))
    table.missing = missing
    return parsed


def _event_times(cells: pd.Series) -> pd.Series:
    """Event-log time forms values.py does not read: GA4 microseconds become milliseconds,
    the Tianchi log's "2014-12-06 02" (date and hour) gets its minutes."""
    text = cells.astype(object).where(cells.notna(), "").astype(str).str.strip()
    micros = text.str.fullmatch(_MICROS)
    hours = text.str.fullmatch(_DATE_HOUR)
    if micros.any():
        cells = cells.where(~micros, text.str[:-3])
    if hours.any():
        cells = cells.where(~hours, text + ":00")
    return cells


def _notice_missing(table: _Table, missing: dict[str, int]) -> None:
    """One notice counting the empty/"-" cells read as NULL, per source column."""
    counted = {table.source[f]: n for f, n in missing.items() if n}
    if counted:
        table.notices.append(_missing_notice(counted))


def _missing_notice(counted: dict[str, int]) -> Notice:
    columns = ", ".join(f"{c} ({n:,})" for c, n in counted.items())
    return Notice("missing_values", {"count": sum(counted.values()), "columns": columns})


def _require_keys(table: _Table, parsed: dict[str, pd.Series]) -> None:
    """Rows must name what they are: an empty date/channel/order id/… rejects its row."""
    if table.kind == "traffic" and table.has("sub_channel") and table.has("channel"):
        _fill_channel_down(table, parsed)
    keys = [f for f in _KEY_FIELDS[table.kind] if f in parsed]
    if table.kind == "orders":
        keys = ["order_id"]  # created_at may stand on an order's first line only
    for field in keys:
        empty = parsed[field].isna().to_numpy() & ~_bad_rows(table, field)
        if empty.any():
            table.problem(np.flatnonzero(empty), field, "missing_required", params={"field": field})


def _bad_rows(table: _Table, field: str) -> np.ndarray:
    """Rows already reported as unreadable in `field` (not reported twice as empty)."""
    mask = np.zeros(len(table.text), dtype=bool)
    position = table.position.get(field)
    lines = {line for line, col, _ in table.problems if col == position}
    if lines:
        mask = np.isin(table.lines, list(lines))
    return mask


def _fill_channel_down(table: _Table, parsed: dict[str, pd.Series]) -> None:
    """Merged channel cells: a row with a sub-channel but no channel belongs to the one above.

    Excel exports of Sycm's two-level source table leave 一级来源 empty under its first row.
    """
    channel, sub = parsed["channel"], parsed["sub_channel"]
    gap = channel.isna() & sub.notna()
    if gap.any() and channel.notna().iloc[0]:
        parsed["channel"] = channel.where(~gap, channel.ffill())
        table.missing["channel"] -= int(gap.sum())
        table.notices.append(Notice("channel_filled_down", {"rows": int(gap.sum())}))


# --- totals rows ------------------------------------------------------------------------------


def _totals_rows(table: _Table) -> np.ndarray:
    """Mask of totals rows: a totals label in a label column or the first column, or an
    unlabelled row of numbers at the very top or bottom."""
    n = len(table.text)
    mask = np.zeros(n, dtype=bool)
    if not n:
        return mask
    labels = [f for f in _LABEL_FIELDS[table.kind] if f in table.text]
    columns = [table.text[f] for f in labels]
    if 0 not in [table.position[f] for f in labels]:
        columns.append(_series(table.raw.columns[0]))
    for cells in columns:
        mask |= _is_label(cells, TOTAL_LABELS)
    if "channel" in table.text:
        channel = table.text["channel"]
        whole = _is_label(channel, WHOLE_SHOP_LABELS)
        if whole.any() and channel[~whole & ~mask].notna().any():
            mask |= whole
    keys = [f for f in _KEY_FIELDS[table.kind] if f in table.text]
    measures = [f for f in table.text if field_type(table.kind, f) in _NUMERIC]
    if labels and keys and measures and n > 1:
        edges = pd.concat([table.text.iloc[:1], table.text.iloc[-1:]])  # slices: no copies
        unlabelled = np.all([_clean_text(edges[f]).isna() for f in keys], axis=0)
        numbers = np.any([_clean_text(edges[f]).notna() for f in measures], axis=0)
        mask[[0, n - 1]] |= unlabelled & numbers
    return mask


def _check_totals(
    table: _Table, parsed: dict[str, pd.Series], totals: pd.DataFrame, lines: np.ndarray
) -> TotalsCheck | None:
    """Compare the one totals row with the rows' sums (several totals rows: dropped, unchecked)."""
    if not len(totals):
        return None
    if len(totals) > 1:
        table.notices.append(
            Notice("totals_rows_dropped", {"count": len(totals), "lines": _lines(lines)})
        )
        return None
    mismatches: dict[str, tuple[float, float]] = {}
    for field in totals.columns:
        type_ = field_type(table.kind, field)
        if type_ not in _NUMERIC or field == "unit_price":
            continue
        total = _PARSERS[type_](totals[field]).values.iloc[0]
        column = parsed[field]
        if pd.isna(total) or not column.notna().any():
            continue
        total = float(total)
        if type_ in (INTEGER, DECIMAL):
            observed = float(column.sum())
            # Cents add up exactly: allow only the float error of the sum, never a whole cent.
            tolerance = 0.004 + 1e-13 * abs(observed) if type_ == DECIMAL else 0.0
            if abs(total - observed) > tolerance:
                mismatches[table.source[field]] = (total, round(observed, 2))
        else:  # a rate or average of the rows lies between their smallest and largest
            low, high = float(column.min()), float(column.max())
            slack = 0.5 if type_ == DURATION else 0.0005
            if not low - slack <= total <= high + slack:
                mismatches[table.source[field]] = (total, round(float(column.mean()), 4))
    line = int(lines[0])
    if mismatches:
        people = [table.source[f] for f in table.source if f in _PEOPLE]
        detail = "; ".join(f"{c}: {t:g} ≠ {s:g}" for c, (t, s) in mismatches.items())
        table.notices.append(
            Notice(
                "totals_mismatch",
                {"line": line, "detail": detail, "people": ", ".join(people) or "-"},
            )
        )
    else:
        table.notices.append(Notice("totals_checked", {"line": line}))
    return TotalsCheck(line=line, matched=not mismatches, mismatches=mismatches)


def _lines(lines: np.ndarray, shown: int = 5) -> str:
    text = ", ".join(str(int(x)) for x in lines[:shown])
    return text + (" …" if len(lines) > shown else "")


# --- shared helpers ---------------------------------------------------------------------------


def _column(parsed: dict[str, pd.Series], field: str, n: int, dtype: str) -> pd.Series:
    """The parsed column, or an all-NULL column of `dtype` when the file does not have it."""
    if field in parsed:
        return parsed[field]
    if dtype == "object":
        return _series(pa.nulls(n, pa.string()))
    return pd.Series(index=pd.RangeIndex(n), dtype=dtype)  # all missing, without a list of n


def _repeat(text: str | None, n: int) -> pd.Series:
    """`text` (or NULL) in each of `n` rows, as an Arrow string column (no list of n)."""
    return _series(pa.repeat(pa.scalar(text, pa.string()), n))


def _money(series: pd.Series) -> pd.Series:
    """Money as float64 rounded to the cent (the workspace stores DECIMAL(18,2))."""
    return series.astype("float64").round(2)


def _file_currency(table: _Table) -> str | None:
    """The currency the file's money is in: signs in money cells, a header unit, the platform."""
    money = [f for f in table.text.columns if field_type(table.kind, f) == DECIMAL]
    for field in money:
        cells = table.text[field].dropna().astype(str).head(1000)
        for pattern, code in _CURRENCY_SIGNS:
            if cells.str.contains(pattern).any():
                return code
    return header_currency([table.source[f] for f in money], table.platform)


def header_currency(money_columns: list[str], platform: str) -> str | None:
    """The currency named in a money column's unit ("支付金额(元)"), else CNY for a Chinese
    platform's money, else None."""
    for column in money_columns:
        for pattern, code in _HEADER_CURRENCY:
            if pattern.search(column):
                return code
    if money_columns and platform in CHINESE_PLATFORMS:
        return "CNY"
    return None


def _range_check(table: _Table, parsed: dict[str, pd.Series]) -> None:
    """Scores outside their scale reject the cell (a 6-star rating is a typo, not data)."""
    low, high = _SCORE_RANGE[table.kind]
    for field in _SCORE_FIELDS:
        if field in parsed:
            outside = ~parsed[field].between(low, high) & parsed[field].notna()
            if outside.any():
                table.problem(
                    np.flatnonzero(outside.to_numpy()),
                    field,
                    "out_of_range",
                    expected="score",
                    params={"low": f"{low:g}", "high": f"{high:g}"},
                )


def _reject_duplicates(table: _Table, frame: pd.DataFrame, key: list[str]) -> None:
    """Two rows with the same key in one file: reject, naming the second and the first line."""
    dup = frame.duplicated(key, keep="first").to_numpy()
    if not dup.any():
        return
    first_line = (
        pd.Series(table.lines)
        .groupby(frame.groupby(key, sort=False, dropna=False).ngroup().to_numpy())
        .transform("min")
    ).to_numpy()
    for i in np.flatnonzero(dup)[:MAX_PROBLEMS]:
        shown = " / ".join(str(frame[k].iat[i]) for k in key if str(frame[k].iat[i]))
        table.problems.append(
            (
                int(table.lines[i]),
                -1,
                InputProblem(
                    file=table.raw.file,
                    code="duplicate_key",
                    row=int(table.lines[i]),
                    found=shown_value(shown),
                    sheet=table.raw.sheet,
                    params={"first_row": int(first_line[i]), "key": shown_value(shown)},
                ),
            )
        )


def typed_frame(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Exactly the kind's columns, in order, each with the dtype its DuckDB type reads from:
    Arrow-backed strings for VARCHAR (pd.NA when empty; DuckDB scans them without a Python
    object per cell), Int64, float64 (money rounded to the cent), boolean,
    datetime64[us] for DATE (midnight) and TIMESTAMP."""
    out = {}
    for name, sql_type in TABLES[kind].columns:
        column = frame[name].reset_index(drop=True)
        if sql_type == "VARCHAR":
            column = _series(_arrow(column))
        elif sql_type.startswith("DECIMAL"):
            column = _money(column)
        else:
            dtype = "datetime64[us]" if sql_type == "TIMESTAMP" else _DTYPES[sql_type]
            column = column.astype(dtype)
        out[name] = column
    return pd.DataFrame(out, copy=False)


def date_range(frame: pd.DataFrame) -> tuple[date, date] | None:
    column = next((c for c in ("date", "created_at", "ts") if c in frame), None)
    if column is None or not frame[column].notna().any():
        return None
    return frame[column].min().date(), frame[column].max().date()


_DTYPES = {"BIGINT": "Int64", "DOUBLE": "float64", "BOOLEAN": "boolean", "DATE": "datetime64[us]"}


def _nullable(parsed: dict[str, pd.Series], field: str, n: int, sql_type: str) -> pd.Series:
    dtype = "float64" if sql_type.startswith("DECIMAL") else _DTYPES.get(sql_type, "object")
    if sql_type == "TIMESTAMP":
        dtype = "datetime64[us]"
    return _column(parsed, field, n, dtype)


# --- per kind ---------------------------------------------------------------------------------


def _traffic(table: _Table, parsed: dict[str, pd.Series], currency: str | None) -> pd.DataFrame:
    """Traffic rows: one per date × channel × sub-channel."""
    del currency
    n = len(table.text)
    cols = {f: _nullable(parsed, f, n, t) for f, t in TABLES["traffic"].columns}
    if not table.has("channel"):
        lang = "zh" if is_chinese_header(table.raw.header) else "en"
        cols["channel"] = pd.Series([WHOLE_SHOP_CHANNEL[lang]] * n, dtype=object)
        table.notices.append(Notice("whole_shop_channel", {"channel": WHOLE_SHOP_CHANNEL[lang]}))
    cols["sub_channel"] = cols["sub_channel"].where(cols["sub_channel"].notna(), "")
    for money in ("pay_amount", "ad_cost"):
        cols[money] = _money(cols[money])
    sessions = {normalise_header(h) for h in SESSION_HEADERS}
    unit = "sessions" if normalise_header(table.source["visitors"]) in sessions else "visitors"
    cols["visitor_unit"] = pd.Series([unit] * n, dtype=object)
    cols["platform"] = pd.Series([table.platform] * n, dtype=object)
    _reject_negative(table, parsed, ("visitors", *_PEOPLE, "page_views", "orders"))
    frame = pd.DataFrame(cols)
    _reject_duplicates(table, frame, ["date", "channel", "sub_channel"])
    return frame


def _products(table: _Table, parsed: dict[str, pd.Series], currency: str | None) -> pd.DataFrame:
    """Product rows: one per date × product."""
    del currency
    n = len(table.text)
    cols = {f: _nullable(parsed, f, n, t) for f, t in TABLES["products"].columns}
    cols["pay_amount"] = _money(cols["pay_amount"])
    cols["platform"] = pd.Series([table.platform] * n, dtype=object)
    _reject_negative(table, parsed, ("product_visitors", "page_views", *_PEOPLE))
    frame = pd.DataFrame(cols)
    _reject_duplicates(table, frame, ["date", "product_id"])
    return frame


def _reject_negative(table: _Table, parsed: dict[str, pd.Series], fields: tuple[str, ...]) -> None:
    """Visitor and buyer counts cannot be negative."""
    for field in dict.fromkeys(fields):
        if field in parsed:
            negative = (parsed[field] < 0).fillna(False).to_numpy(dtype=bool)
            if negative.any():
                table.problem(np.flatnonzero(negative), field, "negative_count", expected="count")


def _dsr(table: _Table, parsed: dict[str, pd.Series], currency: str | None) -> pd.DataFrame:
    """Shop-level score snapshots, one per date; DSR or 综合体验分 trio."""
    del currency
    n = len(table.text)
    _range_check(table, parsed)
    cols = {f: _nullable(parsed, f, n, t) for f, t in TABLES["dsr"].columns}
    experience = {normalise_header(h) for h in EXPERIENCE_HEADERS}
    system = (
        "experience" if normalise_header(table.source["dsr_description"]) in experience else "dsr"
    )
    cols["score_system"] = pd.Series([system] * n, dtype=object)
    cols["platform"] = pd.Series([table.platform] * n, dtype=object)
    frame = pd.DataFrame(cols)
    _reject_duplicates(table, frame, ["date"])
    return frame


def _reviews(table: _Table, parsed: dict[str, pd.Series], currency: str | None) -> pd.DataFrame:
    """One row per review; review_id from the export, else a hash of its content."""
    del currency
    n = len(table.text)
    _range_check(table, parsed)
    cols = {f: _nullable(parsed, f, n, t) for f, t in TABLES["reviews"].columns}
    cols["platform"] = pd.Series([table.platform] * n, dtype=object)
    if cols["review_id"].isna().any():
        cols["review_id"] = cols["review_id"].where(cols["review_id"].notna(), _content_ids(cols))
    frame = pd.DataFrame(cols)
    repeated = frame.duplicated("review_id", keep="first")
    if repeated.any():
        table.notices.append(Notice("duplicate_reviews_dropped", {"count": int(repeated.sum())}))
        frame = frame[~repeated.to_numpy()]
    return frame


def _content_ids(cols: dict[str, pd.Series]) -> pd.Series:
    """sha256 of created_at|order_id|rating|text, 16 hex digits: the same review, the same id.

    One hashlib call per review: a review export has thousands of rows, not millions.
    """
    parts = [
        cols["created_at"].astype(str),
        cols["order_id"].fillna("").astype(str),
        cols["rating"].map(lambda x: "" if pd.isna(x) else f"{x:g}"),
        cols["text"].fillna("").astype(str),
    ]
    keys = parts[0].str.cat(parts[1:], sep="|")
    return keys.map(lambda k: hashlib.sha256(k.encode("utf-8")).hexdigest()[:16])


def _events(table: _Table, parsed: dict[str, pd.Series], currency: str | None) -> pd.DataFrame:
    """User actions mapped to canonical events; unknown ones and exact repeats are dropped."""
    del currency
    n = len(table.text)
    cols = {f: _nullable(parsed, f, n, t) for f, t in TABLES["events"].columns}
    cols["platform"] = pd.Series([table.platform] * n, dtype=object)
    names = cols["event"].astype(object)
    lookup = {name: EVENT_MAP.get(_token(name)) for name in names.dropna().unique()}
    cols["event"] = names.map(lookup).astype(object)
    frame = pd.DataFrame(cols)
    unknown = frame["event"].isna()
    if unknown.any():
        values_ = names[unknown.to_numpy()].value_counts().head(5)
        table.notices.append(
            Notice(
                "unknown_events_dropped",
                {
                    "count": int(unknown.sum()),
                    "events": ", ".join(f"{k} ({v})" for k, v in values_.items()),
                },
            )
        )
        frame = frame[~unknown.to_numpy()]
    repeated = frame.duplicated(keep="first")
    if repeated.any():
        table.notices.append(Notice("duplicate_events_dropped", {"count": int(repeated.sum())}))
        frame = frame[~repeated.to_numpy()]
    return frame


def _orders(table: _Table, parsed: dict[str, pd.Series], currency: str | None) -> pd.DataFrame:
    """One row per order, from order exports and order-LINE exports alike.

    Lines of one order (the same order id on several rows) are merged: order fields take the
    first non-empty value (Shopify writes them on an order's first line only), quantities add
    up, and the amount is the order's own amount when the file has one — taken once if every
    line of each order repeats it (or only the first line has it), summed over the lines
    otherwise (Douyin sub-orders) — else Σ quantity × unit price (UCI Online Retail, generic
    line exports).

    A negative total (UCI "C" invoices, returns) is a cancellation: status 'cancelled', not
    paid, the amount moved to refund_amount as a positive number and pay_amount 0.
    """
    data = pd.DataFrame(dict(parsed), copy=False)
    data["_line"] = table.lines
    line_amount = _line_amount(data)
    if line_amount is not None:
        data["_amount"] = line_amount
    order_ids = _arrow(data["order_id"])
    multi = len(pc.unique(order_ids)) < len(order_ids)  # ids are never null here
    data = _merge_lines(table, data) if multi else data.reset_index(drop=True)
    table.lines = data["_line"].to_numpy()
    empty = data["created_at"].isna().to_numpy()
    if empty.any():  # an order without a creation time on any of its lines
        table.problem(
            np.flatnonzero(empty),
            "created_at",
            "missing_required",
            False,
            params={"field": "created_at"},
        )
    notice_missing_orders(table.source, data, table.notices)
    return order_frame(data, table.platform, currency, table.notices)


def order_frame(
    data: pd.DataFrame, platform: str, currency: str | None, notices: list[Notice]
) -> pd.DataFrame:
    """The orders columns from one row per order: status, is_paid and the amounts decided.

    `data` holds the parsed fields by name (lines already merged) and `_amount`, the order's
    amount (see `_line_amount`). Notices found here (unknown statuses, cancelled negative
    orders) are appended to `notices`. Shared by `_orders` and `bulk_orders`.
    """
    n = len(data)
    amount = data["_amount"] if "_amount" in data else pd.Series(np.nan, index=data.index)
    refund = (
        data["refund_amount"] if "refund_amount" in data else pd.Series(np.nan, index=data.index)
    )
    status = _status(data, notices)
    cancelled_at = data.get("cancelled_at")
    if cancelled_at is not None:
        status = status.where(cancelled_at.isna() | status.eq("refunded"), "cancelled")
    if "paid_at" in data and "refund_amount" in data:
        # 交易关闭 after a payment and a refund is a refunded order, not an unpaid one.
        closed_refunded = status.eq("cancelled") & data["paid_at"].notna() & refund.gt(0)
        status = status.where(~closed_refunded, "refunded")

    negative = amount.lt(0) | (data["quantity"].lt(0) if "quantity" in data else False)
    if platform == "uci":
        negative |= data["order_id"].astype(str).str.upper().str.startswith("C")
    negative = negative.fillna(False).astype(bool)
    refund = refund.where(~negative, (-amount).clip(lower=0).fillna(refund))
    amount = amount.where(~negative, 0.0)
    status = status.where(~negative, "cancelled")

    has_payment_info = "paid_at" in data or "status" in data or "cancelled_at" in data
    closed = status.isin(["cancelled", "refunded"])
    if not has_payment_info:  # a sales record: every order with a positive amount is paid
        paid = amount.gt(0) if amount.notna().any() else pd.Series(True, index=data.index)
    elif "paid_at" in data:
        paid = data["paid_at"].notna() | status.eq("paid")
    else:
        paid = status.eq("paid")
    # No NA left after fillna: through numpy, not pandas' per-value path from Arrow booleans.
    is_paid = pd.Series(
        (paid.fillna(False) & ~closed.fillna(False)).to_numpy(dtype=bool),
        index=data.index,
        dtype="boolean",
    )
    if negative.any():
        notices.append(Notice("negative_orders_cancelled", {"count": int(negative.sum())}))

    cols = {f: _nullable(data, f, n, t) for f, t in TABLES["orders"].columns}
    cols.update(
        platform=_repeat(platform, n),
        status=status,
        is_paid=is_paid,
        pay_amount=_money(amount),
        refund_amount=_money(refund),
    )
    if "currency" in data:
        code = data["currency"].str.strip().str.upper()
        cols["currency"] = code.where(code.notna(), currency).astype(object)
    else:
        cols["currency"] = _repeat(currency, n)
    return pd.DataFrame(cols, copy=False)


def _line_amount(data: pd.DataFrame) -> pd.Series | None:
    """Each line's amount: the amount column, else quantity × unit price, else unit price."""
    if "pay_amount" in data:
        return data["pay_amount"]
    if "unit_price" in data and "quantity" in data:
        return data["quantity"].astype("float64") * data["unit_price"]
    if "unit_price" in data:
        return data["unit_price"]
    return None


_ORDER_FIRST = (
    "created_at",
    "customer_id",
    "paid_at",
    "status",
    "product_id",
    "product_name",
    "channel",
    "is_presale",
    "currency",
    "cancelled_at",
    "_line",
)


def _merge_lines(table: _Table, data: pd.DataFrame) -> pd.DataFrame:
    """Merge an order-line export into one row per order (vectorised groupby)."""
    groups = data.groupby("order_id", sort=False)
    first = [c for c in _ORDER_FIRST if c in data]
    merged = groups[first].first()
    if "quantity" in data:
        merged["quantity"] = groups["quantity"].sum(min_count=1).astype("Int64")
    summed_by_line = "pay_amount" not in data  # quantity × price lines always add up
    for column in [c for c in ("_amount", "refund_amount") if c in data]:
        if summed_by_line and column == "_amount":
            merged[column] = groups[column].sum(min_count=1)
            continue
        once = _order_level(groups[column])
        merged[column] = groups[column].first() if once else groups[column].sum(min_count=1)
    lines, orders = len(data), len(merged)
    table.notices.append(Notice("order_lines_merged", {"lines": lines, "orders": orders}))
    return merged.reset_index()


def _order_level(column: pd.core.groupby.SeriesGroupBy) -> bool:
    """True when an amount is written once per order: in every multi-line order the lines
    that carry it all carry the same value (or only one line carries it)."""
    distinct = column.nunique()
    return bool((distinct <= 1).all())


def _status(data: pd.DataFrame, notices: list[Notice]) -> pd.Series:
    """Canonical status; unknown texts become NULL and are listed in a notice."""
    if "status" not in data:
        return pd.Series([None] * len(data), dtype=object)
    raw = _arrow(data["status"])
    uniques = pc.unique(raw.drop_null())
    canonical = [_canonical_status(text) for text in uniques.to_pylist()]
    status = pc.take(pa.array(canonical, pa.string()), pc.index_in(raw, value_set=uniques))
    unknown = [t for t, c in zip(uniques.to_pylist(), canonical, strict=True) if c is None]
    if unknown:
        notices.append(
            Notice("unknown_status", {"count": len(unknown), "statuses": ", ".join(unknown[:5])})
        )
    return _series(status, data.index)


def _canonical_status(text: object) -> str | None:
    """One status text → canonical status, or None when unknown.

    Two-part Taobao statuses read by their first known part: "买家已付款，等待卖家发货" → paid.
    """
    key = _token(text).removeprefix("wc_")
    for part in (key, *_STATUS_PARTS.split(key)):
        found = STATUS_MAP.get(part, STATUS_MAP.get(part.replace("_", "")))
        if found:
            return found
    return None


def _token(text: object) -> str:
    """A status or event name as a lookup key: "Partially Refunded" → partially_refunded."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return _STATUS_SEPARATORS.sub("_", folded)


def notice_missing_orders(
    source: dict[str, str], data: pd.DataFrame, notices: list[Notice]
) -> None:
    """Count empty cells per order (line exports leave order fields empty on later lines);
    `source` maps each field to its column."""
    counted = {}
    for field, column in source.items():
        if field in data and field not in ("unit_price",):
            n = int(data[field].isna().sum())
            if n:
                counted[column] = n
    if counted:
        notices.append(_missing_notice(counted))


_BUILDERS: dict[str, Callable[[_Table, dict[str, pd.Series], str | None], pd.DataFrame]] = {
    "traffic": _traffic,
    "products": _products,
    "orders": _orders,
    "reviews": _reviews,
    "dsr": _dsr,
    "events": _events,
}
