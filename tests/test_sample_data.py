"""The bundled sample exports: reproducible, and telling the story sample_data/README.md tells.

These tests read the files with plain pandas, not with ShopLens' importer, so they check the
samples themselves: the importer's own tests check that it reads them.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
TRAFFIC_XLSX = SAMPLES / "【生意参谋平台】流量来源_日_2026-08-31_2026-10-18.xlsx"
TRAFFIC_CSV = SAMPLES / "【生意参谋平台】流量来源_日_2026-10-19_2026-11-22.csv"
ORDERS_CSV = SAMPLES / "订单明细_2026-08-31_2026-11-22.csv"
REVIEWS_XLSX = SAMPLES / "评价_2026-08-31_2026-11-22.xlsx"
SHOPIFY_ORDERS_CSV = SAMPLES / "shopify_orders_export_2026-09.csv"

LAST_WEEK = ("2026-11-16", "2026-11-22")
WEEK_BEFORE = ("2026-11-09", "2026-11-15")
STEPS = (
    ("访客数", "商品访客数"),
    ("商品访客数", "咨询人数"),
    ("咨询人数", "下单买家数"),
    ("下单买家数", "支付买家数"),
)
SUMMED = ("访客数", "浏览量", "商品访客数", "咨询人数", "加购人数", "下单买家数", "支付买家数")
MONEY = ("支付金额", "推广花费")


def load_generator() -> ModuleType:
    """scripts/make_sample_data.py as a module (scripts/ is not a package)."""
    path = ROOT / "scripts" / "make_sample_data.py"
    spec = importlib.util.spec_from_file_location("make_sample_data", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test of x1/n1 against x2/n2."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(x1 / n1 - x2 / n2) / se / math.sqrt(2))


def as_number(column: pd.Series) -> pd.Series:
    """Sycm text cells as numbers: thousands separators dropped, "-" as missing."""
    return pd.to_numeric(column.astype(str).str.replace(",", ""), errors="coerce")


def read_traffic_csv() -> pd.DataFrame:
    """The GBK traffic CSV, every cell as text: two title lines and a blank one above the header."""
    return pd.read_csv(TRAFFIC_CSV, encoding="gbk", skiprows=3, dtype=str, keep_default_na=False)


def read_traffic_xlsx() -> pd.DataFrame:
    """The traffic workbook: two title rows above the header."""
    return pd.read_excel(TRAFFIC_XLSX, sheet_name="流量来源", header=2, engine="calamine")


def traffic_days() -> pd.DataFrame:
    """The CSV's data rows (合计 dropped) with dates parsed and counts as integers."""
    frame = read_traffic_csv()
    frame = frame[frame["统计日期"] != "合计"].copy()
    frame["统计日期"] = pd.to_datetime(frame["统计日期"], format="%Y/%m/%d")
    for column in SUMMED:
        frame[column] = as_number(frame[column]).astype(int)
    return frame


def week_sums(frame: pd.DataFrame, week: tuple[str, str]) -> pd.DataFrame:
    """Counts per 流量来源 over one week."""
    in_week = frame[frame["统计日期"].between(*week)]
    return in_week.groupby("流量来源")[list(SUMMED)].sum()


def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    generator = load_generator()
    written = generator.write_all(tmp_path)
    assert sorted(p.name for p in written) == sorted(
        p.name for p in SAMPLES.iterdir() if p.name != "README.md"
    )
    for path in written:
        assert path.read_bytes() == (SAMPLES / path.name).read_bytes(), path.name


def test_every_sample_is_under_two_megabytes() -> None:
    for path in SAMPLES.iterdir():
        assert path.stat().st_size < 2 * 1024 * 1024, path.name


def test_search_inquiry_to_order_rate_drops_significantly_in_the_last_week() -> None:
    frame = traffic_days()
    now, before = (
        week_sums(frame, LAST_WEEK).loc["手淘搜索"],
        week_sums(frame, WEEK_BEFORE).loc["手淘搜索"],
    )
    rate_now = now["下单买家数"] / now["咨询人数"]
    rate_before = before["下单买家数"] / before["咨询人数"]
    assert rate_before - rate_now > 0.10
    p = two_proportion_p(
        now["下单买家数"], now["咨询人数"], before["下单买家数"], before["咨询人数"]
    )
    assert p < 0.01


def test_no_other_channel_or_step_changes_significantly_in_the_last_week() -> None:
    frame = traffic_days()
    now, before = week_sums(frame, LAST_WEEK), week_sums(frame, WEEK_BEFORE)
    for channel in now.index:
        for entered, reached in STEPS:
            if (channel, entered) == ("手淘搜索", "咨询人数"):
                continue  # the planted leak
            a, b = now.loc[channel], before.loc[channel]
            p = two_proportion_p(a[reached], a[entered], b[reached], b[entered])
            assert p >= 0.05, (channel, entered, reached, p)


@pytest.mark.parametrize("reader", [read_traffic_csv, read_traffic_xlsx], ids=["csv", "xlsx"])
def test_totals_row_equals_the_sum_of_the_data_rows(reader) -> None:
    frame = reader()
    is_total = frame["统计日期"].astype(str) == "合计"
    assert is_total.sum() == 1 and bool(is_total.iloc[-1])
    rows, total = frame[~is_total], frame[is_total].iloc[0]
    for column in SUMMED:
        assert as_number(rows[column]).sum() == as_number(pd.Series([total[column]]))[0], column
    for column in MONEY:
        expected = as_number(pd.Series([total[column]]))[0]
        assert as_number(rows[column]).sum() == pytest.approx(expected, abs=0.005), column


def test_traffic_csv_is_gbk_and_not_utf8() -> None:
    data = TRAFFIC_CSV.read_bytes()
    assert "统计日期" in data.decode("gbk", errors="strict")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8", errors="strict")


def test_channels_are_renamed_on_2026_09_28_as_sycm_did() -> None:
    frame = read_traffic_xlsx()
    frame = frame[frame["统计日期"].astype(str) != "合计"]
    days = pd.to_datetime(frame["统计日期"])
    before, after = (
        set(frame["流量来源"][days < "2026-09-28"]),
        set(frame["流量来源"][days >= "2026-09-28"]),
    )
    assert {"直通车", "引力魔方"} <= before and not {"关键词推广", "精准人群推广"} & before
    assert {"关键词推广", "精准人群推广"} <= after and not {"直通车", "引力魔方"} & after


def test_order_numbers_are_distinct_18_digit_text() -> None:
    orders = pd.read_csv(ORDERS_CSV, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert orders["订单编号"].str.fullmatch(r"\d{18}").all()
    assert orders["订单编号"].is_unique
    paid = orders[orders["订单付款时间"] != ""]
    repeat_share = (paid.groupby("买家会员名").size() >= 2).mean()
    assert 0.20 <= repeat_share <= 0.30


def test_shopify_order_fields_stand_on_an_orders_first_line_only() -> None:
    lines = pd.read_csv(SHOPIFY_ORDERS_CSV, dtype=str, keep_default_na=False)
    first = ~lines["Name"].duplicated()
    assert (lines.loc[first, "Created at"] != "").all()
    later = lines.loc[~first, ["Financial Status", "Created at", "Total", "Currency"]]
    assert len(later) > 0 and (later == "").all().all()


def test_reviews_carry_the_markup_probe_verbatim() -> None:
    reviews = pd.read_excel(REVIEWS_XLSX, dtype=str, engine="calamine")
    assert reviews["评价内容"].str.contains("<script>alert(1)</script>", regex=False).sum() == 1
