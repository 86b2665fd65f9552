"""Number formats for cards, tables and charts, one helper per kind of number.

- Rates: `percent_text`, one rule everywhere — two decimals below 10 % ("2.25%", "4.00%"),
  one from 10 % up ("44.9%").
- Changes of a rate: percentage points, `point_change_text` ("-0.39 pp" / "-0.39个百分点").
- Relative changes: signed percent by the same rule ("+0.39%", "-15.5%").
- Money: the data's currency (¥ for CNY or unknown, $ for USD …).
- Cards: big numbers in 万/亿 in Chinese (1,234,567 → "123.46万"), K/M in English.
- Tables: numbers stay numbers (strings sort wrongly and export as text); a pandas Styler gives
  each cell its text (`styled_table`): exact with separators, and in Chinese a money or count
  column reaching 10万 reads in 万 throughout. Missing cells show "—" (`MISSING`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

CURRENCY_SYMBOLS = {
    "CNY": "¥",
    "RMB": "¥",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "HKD": "HK$",
    "JPY": "¥",
    "AUD": "A$",
    "CAD": "C$",
}

Translate = Callable[..., str]


def currency_symbol(currency: str | None) -> str:
    """The symbol for an ISO currency code; ¥ when the data does not say (Chinese exports)."""
    if not currency:
        return "¥"
    return CURRENCY_SYMBOLS.get(currency.upper(), currency.upper() + " ")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def compact_number(value: float, lang: str) -> str:
    """A big number for a metric card: 万/亿 in Chinese, K/M/B in English.

    >>> compact_number(1234567, "zh")
    '123.46万'
    >>> compact_number(1234567, "en")
    '1.23M'
    >>> compact_number(987, "zh")
    '987'
    """
    sign = "-" if value < 0 else ""
    size = abs(value)
    if lang == "zh":
        for unit, scale in (("亿", 1e8), ("万", 1e4)):
            if size >= scale:
                return f"{sign}{size / scale:,.2f}{unit}"
    else:
        for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e4)):
            if size >= scale:
                shown = size / (scale if unit != "K" else 1e3)
                return f"{sign}{shown:,.2f}{unit if unit != 'K' else 'K'}"
    if float(size).is_integer():
        return f"{sign}{int(size):,}"
    return f"{sign}{size:,.2f}"


def money_text(value: Any, currency: str | None, lang: str) -> str:
    """Money for a metric card, e.g. "¥123.46万" / "$1.23M"; "—" when missing."""
    if _missing(value):
        return "—"
    amount = float(value)
    if abs(amount) < 1e4:
        return f"{'-' if amount < 0 else ''}{currency_symbol(currency)}{abs(amount):,.2f}"
    text = compact_number(amount, lang)
    if text.startswith("-"):
        return "-" + currency_symbol(currency) + text[1:]
    return currency_symbol(currency) + text


def count_text(value: Any, lang: str) -> str:
    """A count for a metric card, e.g. "12.35万" / "123.46K"; "—" when missing."""
    if _missing(value):
        return "—"
    return compact_number(float(value), lang)


MISSING = "—"


def percent_text(value: Any, signed: bool = False) -> str:
    """A fraction as a percentage, by one rule everywhere (cards, tables, charts, zh and en):
    two decimals below 10 % (conversion rates differ in the second decimal), one from 10 % up.

    >>> percent_text(0.04), percent_text(0.0225), percent_text(0.4494), percent_text(1.0)
    ('4.00%', '2.25%', '44.9%', '100.0%')
    >>> percent_text(-0.1554, signed=True), percent_text(None)
    ('-15.5%', '—')
    """
    if _missing(value):
        return MISSING
    percent = float(value) * 100
    digits = 2 if abs(percent) < 9.995 else 1
    text = f"{percent:+.{digits}f}%" if signed else f"{percent:.{digits}f}%"
    return _no_negative_zero(text)


def _no_negative_zero(text: str) -> str:
    """ "-0.00%" / "+0.00 pp" → "0.00%" / "0.00 pp": a change that rounds to zero has no sign."""
    digits = text.lstrip("+-")
    if not any(ch in "123456789" for ch in digits):
        return digits
    return text


def rate_text(value: Any) -> str:
    """A rate as a percentage, e.g. 0.0325 → "3.25%"; "—" when missing (no denominator)."""
    return percent_text(value)


def change_text(value: Any) -> str | None:
    """A relative change for st.metric's delta, e.g. 0.052 → "+5.20%"; None when missing."""
    if _missing(value):
        return None
    return percent_text(value, signed=True)


def point_change_text(value: Any, lang: str = "en") -> str | None:
    """A change of a rate in percentage points, e.g. 0.004 → "+0.40 pp" / "+0.40个百分点";
    None when missing. The unit comes from the catalogue (`ui.unit.points`)."""
    from analytics.i18n import t

    if _missing(value):
        return None
    return t("ui.unit.points", lang, value=_no_negative_zero(f"{float(value) * 100:+.2f}"))


def number_text(value: Any, digits: int = 2) -> str:
    """A plain number with `digits` decimals and thousands separators (scores, ratios)."""
    if _missing(value):
        return MISSING
    return f"{float(value):,.{digits}f}"


def money(label: str, currency: str | None, **kwargs: Any) -> Any:
    """A money column: "¥1,234.50" (two decimals, thousands separators)."""
    symbol = currency_symbol(currency).replace("%", "%%")
    return st.column_config.NumberColumn(label, format=f"{symbol}%,.2f", **kwargs)


def rate(label: str, **kwargs: Any) -> Any:
    """A rate column stored as a fraction, shown as a percentage (0.0325 → 3.25%)."""
    return st.column_config.NumberColumn(label, format="percent", **kwargs)


def count(label: str, **kwargs: Any) -> Any:
    """A count column with thousands separators."""
    return st.column_config.NumberColumn(label, format="%,d", **kwargs)


def decimal(label: str, digits: int = 2, **kwargs: Any) -> Any:
    """A plain number with `digits` decimals (scores, ratios)."""
    return st.column_config.NumberColumn(label, format=f"%,.{digits}f", **kwargs)


def text(label: str, **kwargs: Any) -> Any:
    """A text column (channel and product names: shown as text, never as HTML or Markdown)."""
    return st.column_config.TextColumn(label, **kwargs)


def pvalue(label: str, **kwargs: Any) -> Any:
    """A p-value with four decimals."""
    return st.column_config.NumberColumn(label, format="%.4f", **kwargs)


MONEY_COLUMNS = frozenset(
    {
        "gmv",
        "gmv_prev",
        "aov",
        "uv_value",
        "ad_cost",
        "cost_per_visitor",
        "pay_amount",
        "gmv_now",
        "gmv_before",
        "lost_gmv",
        "refund_amount",
        "returning_revenue",
    }
)
RATE_COLUMNS = frozenset(
    {
        "share",
        "pay_conversion",
        "ci_low",
        "ci_high",
        "pay_conversion_prev",
        "order_conversion",
        "inquiry_conversion",
        "payment_rate",
        "step_rate",
        "overall_rate",
        "rate_now",
        "rate_before",
        "retention",
        "repeat_rate",
        "negative_share",
        "visitors_change",
        "pay_conversion_change",
        "gmv_change",
        "conversion_now",
        "conversion_before",
        "share_now",
        "share_before",
        "bounce_rate",
    }
)
COUNT_COLUMNS = frozenset(
    {
        "visitors",
        "visitors_prev",
        "paying_buyers",
        "order_buyers",
        "product_visitors",
        "orders",
        "inquiries",
        "count",
        "customers",
        "entrants_now",
        "reviews",
        "visitors_per_day",
        "cart_buyers",
        "page_views",
        "months_since",
    }
)
RELATIVE_CHANGE_COLUMNS = frozenset({"visitors_change", "gmv_change", "pay_conversion_change"})
# Changes of a rate, shown in percentage points like the cards ("+0.40 pp").
POINT_COLUMNS = frozenset({"mix_effect", "rate_effect", "change"})
DECIMAL_COLUMNS = frozenset({"roi", "browse_depth", "average", "median_days_to_second"})
# Tables bigger than this keep Streamlit's own column formats (no per-cell text).
STYLED_CELLS = 50_000


def column_kind(column: str, kinds: dict[str, str] | None = None) -> str | None:
    """How a metrics column is shown: money, rate, change, points, count, pvalue, decimal,
    decimal1, or None (as it is). `kinds` overrides per column."""
    if kinds and column in kinds:
        return kinds[column]
    if column in MONEY_COLUMNS:
        return "money"
    if column in RELATIVE_CHANGE_COLUMNS:
        return "change"
    if column in RATE_COLUMNS:
        return "rate"
    if column in POINT_COLUMNS:
        return "points"
    if column in COUNT_COLUMNS:
        return "count"
    if column == "p_value":
        return "pvalue"
    if column in DECIMAL_COLUMNS:
        return "decimal"
    if column == "lost_payments":
        return "decimal1"
    return None


# In Chinese, a money or count column whose largest value reaches 10万 is shown in 万, every
# cell of it (one unit per column, so a column reads down without switching units).
WAN_COLUMN_FROM = 1e5


def exact_text(value: Any, symbol: str = "", wan: bool = False) -> str:
    """A table number: thousands separators (money: two decimals), or in 万 with two decimals.

    >>> exact_text(4846.97, "¥"), exact_text(35841), exact_text(112588.11, "¥", wan=True)
    ('¥4,846.97', '35,841', '¥11.26万')
    """
    if _missing(value):
        return MISSING
    amount = float(value)
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    if wan:
        return f"{sign}{symbol}{size / 1e4:,.2f}万"
    if symbol or not size.is_integer():
        return f"{sign}{symbol}{size:,.2f}"
    return f"{sign}{int(size):,}"


def cell_text(
    kind: str | None, value: Any, currency: str | None, lang: str, wan: bool = False
) -> str:
    """One table cell as text: rates and changes by the same helpers as the metric cards;
    money with the data's currency, counts with separators, or both in 万 when `wan`.

    >>> cell_text("money", 112588.11, "CNY", "zh", wan=True), cell_text("money", 98.25, "USD", "en")
    ('¥11.26万', '$98.25')
    >>> cell_text("rate", 0.04, None, "en"), cell_text("points", -0.0043, None, "zh")
    ('4.00%', '-0.43个百分点')
    """
    if _missing(value):
        return MISSING
    if kind == "money":
        return exact_text(value, currency_symbol(currency), wan)
    if kind == "rate":
        return rate_text(value)
    if kind == "change":
        return percent_text(value, signed=True)
    if kind == "points":
        return point_change_text(value, lang) or MISSING
    if kind == "count":
        # people and orders are whole (a plan's 6,152.52 visitors a day reads as 6,153)
        return exact_text(value if wan else round(float(value)), wan=wan)
    if kind == "pvalue":
        return f"{float(value):.4f}"
    if kind == "decimal":
        return number_text(value, 2)
    if kind == "decimal1":
        return number_text(value, 1)
    return str(value)


def _label(column: str, t: Translate, labels: dict[str, str] | None) -> str:
    from analytics.i18n import catalogue

    label = (labels or {}).get(column)
    if label is None:
        key = f"ui.col.{column}"
        label = t(key) if key in catalogue() else column
    return label


def table_config(
    columns: Iterable[str],
    t: Translate,
    currency: str | None,
    labels: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
) -> dict[str, Any]:
    """column_config for a metrics table: each known column gets its label and format.

    Labels come from the catalogue key `ui.col.<column>`; `labels` overrides per column.
    Columns this function does not know keep Streamlit's default display. These printf formats
    are the fallback for tables too big for `styled_table`.
    """
    config: dict[str, Any] = {}
    for column in columns:
        label = _label(column, t, labels)
        kind = column_kind(column, kinds)
        if kind == "money":
            config[column] = money(label, currency)
        elif kind in ("rate", "change"):
            config[column] = rate(label)
        elif kind == "points":
            config[column] = st.column_config.NumberColumn(label, format="%+.4f")
        elif kind == "count":
            config[column] = count(label)
        elif kind == "pvalue":
            config[column] = pvalue(label)
        elif kind == "decimal":
            config[column] = decimal(label)
        elif kind == "decimal1":
            config[column] = decimal(label, 1)
        else:
            config[column] = st.column_config.Column(label)
    return config


def _largest(values: Any) -> float:
    """The largest absolute value of a column (0 when it holds no numbers)."""
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce").abs()
    return float(numbers.max()) if numbers.notna().any() else 0.0


def styled_table(
    frame: Any,
    t: Translate,
    currency: str | None,
    lang: str,
    labels: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """(data, column_config) for st.dataframe: cells read exactly like the cards.

    The data stays numeric (sorting and the CSV download use the numbers); a pandas Styler
    gives each cell its text — money with the data's currency and 万 in Chinese, rates by
    `percent_text`, rate changes in pp (money and count columns reaching 10万 read in 万 in
    Chinese, one unit per column). Streamlit shows a Styler's text only for columns whose
    config has no format, so those columns get a label-only NumberColumn. Missing cells are
    left to st.dataframe's `placeholder`.
    """
    config = table_config(frame.columns, t, currency, labels, kinds)
    if frame.size > STYLED_CELLS or len(frame) == 0:
        return frame, config
    formats: dict[str, Callable[[Any], str]] = {}
    for column in frame.columns:
        kind = column_kind(column, kinds)
        if kind is None:
            continue
        wan = (
            lang == "zh"
            and kind in ("money", "count")
            and _largest(frame[column]) >= (WAN_COLUMN_FROM)
        )
        formats[column] = lambda v, kind=kind, wan=wan: cell_text(kind, v, currency, lang, wan)
        config[column] = st.column_config.NumberColumn(_label(column, t, labels))
    if not formats:
        return frame, config
    return frame.style.format(formats, na_rep=MISSING), config
