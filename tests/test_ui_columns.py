"""The dashboard's number formats (ui/columns.py) and chart localisation (ui/charts.py)."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

from ui import charts, columns


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.04, "4.00%"),
        (0.0225, "2.25%"),
        (0.09999, "10.0%"),  # rounds up to 10 %: one decimal
        (0.0999, "9.99%"),
        (0.4494, "44.9%"),
        (1.0, "100.0%"),
        (0.0, "0.00%"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_one_percent_rule_for_every_rate(value: float | None, shown: str) -> None:
    assert columns.percent_text(value) == shown
    assert columns.rate_text(value) == shown


def test_changes_carry_a_sign_except_when_they_round_to_zero() -> None:
    assert columns.change_text(-0.1554) == "-15.5%"
    assert columns.change_text(0.00053) == "+0.05%"
    assert columns.change_text(-0.00001) == "0.00%"
    assert columns.change_text(None) is None
    assert columns.point_change_text(-0.0039) == "-0.39 pp"
    assert columns.point_change_text(0.0000335) == "0.00 pp"
    assert columns.point_change_text(-0.0000335) == "0.00 pp"
    assert columns.point_change_text(0.0055, "zh") == "+0.55个百分点"


def test_money_follows_the_data_currency_and_language() -> None:
    assert columns.money_text(320414.4, "CNY", "zh") == "¥32.04万"
    assert columns.money_text(320414.4, "USD", "en") == "$320.41K"
    assert columns.money_text(134.233, None, "zh") == "¥134.23"
    assert columns.cell_text("money", 4846.97, "USD", "en") == "$4,846.97"
    assert columns.cell_text("money", 112588.11, "CNY", "zh", wan=True) == "¥11.26万"
    assert columns.cell_text("count", 35841, None, "zh") == "35,841"
    assert columns.cell_text("count", 6152.52, None, "en") == "6,153"


def styled_cells(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    data, _ = columns.styled_table(frame, lambda key, **kw: key, "CNY", lang)
    shown = data._translate(False, False)  # the display text pandas hands to Streamlit
    body = [[cell["display_value"] for cell in row[1:]] for row in shown["body"]]
    return pd.DataFrame(body, columns=frame.columns)


def test_a_table_column_keeps_one_unit_and_missing_cells_read_as_a_dash() -> None:
    frame = pd.DataFrame(
        {
            "channel": ["a", "b"],
            "gmv": [112588.11, 9876.5],
            "ad_cost": [float("nan"), 1992.6],
            "pay_conversion": [0.0225, 0.12],
            "mix_effect": [0.0000335, -0.0043],
        }
    )
    zh = styled_cells(frame, "zh")
    assert list(zh["gmv"]) == ["¥11.26万", "¥0.99万"]
    assert list(zh["ad_cost"]) == ["—", "¥1,992.60"]
    assert list(zh["pay_conversion"]) == ["2.25%", "12.0%"]
    assert list(zh["mix_effect"]) == ["0.00个百分点", "-0.43个百分点"]
    en = styled_cells(frame, "en")
    assert list(en["gmv"]) == ["¥112,588.11", "¥9,876.50"]


def test_chinese_charts_name_dates_and_numbers_without_english() -> None:
    frame = pd.DataFrame(
        {
            "bucket": [datetime.date(2026, 11, 16), datetime.date(2026, 11, 17)],
            "channel": ["手淘搜索", "手淘搜索"],
            "visitors": [30000, 31000],
        }
    )
    t = lambda key, **kw: key  # noqa: E731
    zh = charts.remembered(charts.long_trend, frame, "visitors", "channel", t, lang="zh")
    assert zh.layout.xaxis.tickformat == "%-m月%-d日"
    assert zh.layout.yaxis.exponentformat == "none"  # "30,000", not "30k"
    en = charts.remembered(charts.long_trend, frame, "visitors", "channel", t, lang="en")
    assert en.layout.xaxis.tickformat is None
    assert en.layout.yaxis.exponentformat is None


def test_waterfall_text_is_money_by_language() -> None:
    from types import SimpleNamespace

    split = SimpleNamespace(
        gmv_before=379370.48,
        visitors_effect=186.29,
        conversion_effect=-52634.05,
        aov_effect=-6508.32,
        gmv_now=320414.4,
    )
    t = lambda key, **kw: key  # noqa: E731
    zh = charts.remembered(charts.waterfall, split, t, "CNY", lang="zh")
    assert list(zh.data[0].text) == ["¥37.94万", "+¥186.29", "-¥5.26万", "-¥6,508.32", "¥32.04万"]


def test_score_ticks_never_repeat_a_label() -> None:
    frame = pd.DataFrame(
        {
            "date": [datetime.date(2026, 11, 16), datetime.date(2026, 11, 17)],
            "description": [4.551, 4.562],
        }
    )
    fig = charts.score_trend(frame, "date", {"description": "d"}, {})
    assert fig.layout.yaxis.tickformat == ".2f" and fig.layout.yaxis.dtick == 0.01
