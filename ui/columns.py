"""Number formats: `column_config` for tables and short strings for metric cards.

Tables keep numbers as numbers (strings sort wrongly and export as text); `column_config` only
changes how they look. Money shows the data's currency (¥ for CNY or unknown, $ for USD …),
rates show as percentages. Metric cards are strings: in Chinese big numbers read in 万/亿
(1,234,567 → "123.46万"), in English with thousands separators or K/M.
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


def rate_text(value: Any, digits: int = 2) -> str:
    """A rate as a percentage, e.g. 0.0325 → "3.25%"; "—" when missing (no denominator)."""
    if _missing(value):
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


def change_text(value: Any) -> str | None:
    """A relative change for st.metric's delta, e.g. 0.052 → "+5.2%"; None when missing."""
    if _missing(value):
        return None
    return f"{float(value) * 100:+.1f}%"


def point_change_text(value: Any) -> str | None:
    """A change of a rate in percentage points, e.g. 0.004 → "+0.40 pp"."""
    if _missing(value):
        return None
    return f"{float(value) * 100:+.2f} pp"


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
        "change",
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
RELATIVE_CHANGE_COLUMNS = frozenset({"visitors_change", "gmv_change"})


def table_config(
    columns: Iterable[str],
    t: Translate,
    currency: str | None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """column_config for a metrics table: each known column gets its label and format.

    Labels come from the catalogue key `ui.col.<column>`; `labels` overrides per column.
    Columns this function does not know keep Streamlit's default display.
    """
    from analytics.i18n import catalogue

    known = catalogue()
    config: dict[str, Any] = {}
    for column in columns:
        label = (labels or {}).get(column)
        if label is None:
            key = f"ui.col.{column}"
            label = t(key) if key in known else column
        if column in MONEY_COLUMNS:
            config[column] = money(label, currency)
        elif column in RATE_COLUMNS:
            config[column] = rate(label)
        elif column in COUNT_COLUMNS:
            config[column] = count(label)
        elif column == "p_value":
            config[column] = pvalue(label)
        elif column in {"roi", "browse_depth", "average", "median_days_to_second"}:
            config[column] = decimal(label)
        elif column in {"lost_payments"}:
            config[column] = decimal(label, 1)
        else:
            config[column] = st.column_config.Column(label)
    return config
