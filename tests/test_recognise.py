"""Header recognition: kinds, platforms, synonyms, user mappings, and not guessing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.errors import UsageError
from analytics.ingest.profiles import (
    FIELD_TYPES,
    PLATFORMS,
    PROFILES,
    normalise_header,
    synonym_index,
)
from analytics.ingest.recognise import header_score, header_signature, recognise
from analytics.schema import TABLES

SYCM_TRAFFIC = [
    "统计日期",
    "流量来源",
    "来源明细",
    "访客数",
    "浏览量",
    "支付买家数",
    "支付转化率",
    "支付金额(元)",
    "客单价",
    "UV价值",
    "跳失率",
    "平均停留时长",
]
SHOPIFY_ORDERS = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Created at",
    "Total",
    "Lineitem quantity",
    "Lineitem price",
    "Lineitem name",
    "Lineitem sku",
    "Refunded Amount",
    "Cancelled at",
    "Source",
    "Currency",
]


@pytest.mark.parametrize(
    ("header", "kind", "platform"),
    [
        (SYCM_TRAFFIC, "traffic", "sycm"),
        (SHOPIFY_ORDERS, "orders", "shopify"),
        (
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country",
            "orders",
            "uci",
        ),
        (
            "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country",
            "orders",
            "uci",
        ),
        (
            "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at",
            "orders",
            "olist",
        ),
        (
            "review_id,order_id,review_score,review_comment_title,review_comment_message,review_creation_date",
            "reviews",
            "olist",
        ),
        (
            "订单编号,买家会员名,订单创建时间,订单付款时间,订单状态,买家实际支付金额,退款金额,宝贝标题,购买数量",
            "orders",
            "sycm",
        ),
        (
            "订单号,商品编号,商品名称,订购数量,下单时间,订单金额,应付金额,订单状态,下单帐号",
            "orders",
            "jd",
        ),
        (
            "订单号,商品,商品id,订单状态,用户实付金额,商家实收金额,订单成交时间,商品数量(件)",
            "orders",
            "pdd",
        ),
        (
            "主订单编号,子订单编号,选购商品,商品ID,商品数量,订单应付金额,订单提交时间,订单状态",
            "orders",
            "douyin",
        ),
        (
            "Order ID,Order Date,Order Status,Order Total,Customer User,Billing Email",
            "orders",
            "woocommerce",
        ),
        (
            "Date,Session source / medium,Sessions,Total users,Purchases,Purchase revenue",
            "traffic",
            "ga4",
        ),
        (
            "Day,Referrer source,Referrer name,Sessions,Orders,Total sales,Conversion rate",
            "traffic",
            "shopify",
        ),
        (
            "日期,描述相符,服务态度,物流服务,同行平均描述相符,同行平均服务态度,同行平均物流服务",
            "dsr",
            "sycm",
        ),
        ("日期,商品体验,物流体验,服务体验,综合体验分", "dsr", "sycm"),
        (
            "统计日期,商品ID,商品名称,商品访客数,商品浏览量,加购人数,支付买家数,支付金额,预售",
            "products",
            "sycm",
        ),
        ("user_id,item_id,category_id,behavior_type,timestamp", "events", "taobao_events"),
        ("Event name,Event timestamp,User pseudo ID,Session source / medium", "events", "ga4"),
        ("评价时间,订单编号,评分,评价内容", "reviews", "generic"),
    ],
)
def test_real_export_headers_are_recognised(header, kind, platform) -> None:
    cells = header.split(",") if isinstance(header, str) else header
    recognition = recognise(cells)
    assert recognition.complete, recognition
    assert (recognition.kind, recognition.platform) == (kind, platform)


def test_sycm_traffic_maps_fields_and_leaves_derived_rates_unmapped() -> None:
    recognition = recognise(SYCM_TRAFFIC)
    assert recognition.mapping["支付金额(元)"] == "pay_amount"
    assert recognition.mapping["来源明细"] == "sub_channel"
    assert recognition.mapping["平均停留时长"] == "avg_stay_seconds"
    assert set(recognition.unmapped) == {"支付转化率", "客单价", "UV价值"}
    assert recognition.score == 1.0


def test_visitors_prefer_people_over_sessions() -> None:
    recognition = recognise(["Date", "Channel", "Sessions", "Online store visitors"])
    assert recognition.mapping["Online store visitors"] == "visitors"
    assert "Sessions" in recognition.unmapped


def test_whole_shop_daily_export_is_traffic_without_a_channel_column() -> None:
    recognition = recognise(["统计日期", "访客数", "浏览量", "支付金额", "支付买家数"])
    assert recognition.complete and recognition.kind == "traffic"
    assert "channel" not in recognition.mapping.values()


def test_date_and_visitors_alone_are_not_guessed_to_be_whole_shop() -> None:
    recognition = recognise(["日期", "访客数"])
    assert not recognition.complete
    assert recognition.kind == "traffic" and recognition.missing == ("channel",)


def test_a_file_with_a_product_id_is_not_whole_shop_traffic() -> None:
    recognition = recognise(["统计日期", "商品ID", "浏览量", "访客数"])
    assert recognition.kind == "products" and recognition.complete


def test_unknown_header_is_not_guessed() -> None:
    recognition = recognise(["foo", "bar", "baz"])
    assert not recognition.complete and recognition.kind is None
    assert recognition.unmapped == ("foo", "bar", "baz")


def test_incomplete_header_names_what_is_missing() -> None:
    recognition = recognise(["order_id", "payment_value", "payment_type"])
    assert recognition.kind == "orders"
    assert recognition.missing == ("created_at",)
    assert recognition.mapping == {"order_id": "order_id", "payment_value": "pay_amount"}


def test_user_mapping_completes_a_header_and_wins_over_synonyms() -> None:
    recognition = recognise(
        ["单号", "时间点", "实付金额", "订单金额"],
        mapping={"单号": "order_id", "时间点": "created_at", "订单金额": "pay_amount"},
    )
    assert recognition.complete and recognition.kind == "orders"
    assert recognition.mapping == {
        "单号": "order_id",
        "时间点": "created_at",
        "订单金额": "pay_amount",
    }
    assert "实付金额" in recognition.unmapped


def test_mapping_sources_match_after_normalisation_and_can_ignore_columns() -> None:
    header = ["日期", "流量来源", "访客数", "支付金额（元）"]
    recognition = recognise(header, mapping={"支付金额(元)": ""})
    assert "支付金额（元）" in recognition.unmapped
    assert "pay_amount" not in recognition.mapping.values()


def test_mapping_to_an_unknown_field_or_column_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as error:
        recognise(["日期", "访客数"], kind="traffic", mapping={"日期": "no_such_field"})
    assert error.value.code == "usage.mapping_unknown_field"
    assert "visitors" in error.value.params["fields"]
    with pytest.raises(UsageError) as error:
        recognise(["日期", "访客数"], mapping={"来源": "channel"})
    assert error.value.code == "usage.mapping_unknown_column"
    with pytest.raises(UsageError):
        recognise(["日期"], kind="nonsense")


def test_forced_kind_reports_missing_fields_of_that_kind() -> None:
    recognition = recognise(SYCM_TRAFFIC, kind="orders")
    assert recognition.kind == "orders" and recognition.missing == ("order_id", "created_at")


def test_header_score_finds_the_header_below_title_rows() -> None:
    assert header_score(["【生意参谋平台】流量来源", "", None]) == 0.0
    assert header_score(["2024-01-01", "直通车", "100"]) == 0.0
    assert header_score(SYCM_TRAFFIC) == 1.0
    assert header_score(["订单编号", "备注栏xyz"]) == 0.5
    assert header_score([]) == 0.0


def test_header_signature_is_stable_under_spelling_noise() -> None:
    signature = header_signature(["支付金额(元)", "Customer ID"])
    assert signature == header_signature(["支付金额（元）", " customer_id "])
    assert len(signature) == 16 and int(signature, 16) >= 0
    assert signature != header_signature(["Customer ID", "支付金额(元)"])


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("支付金额（元）", "支付金额"),
        ("支付金额【元】", "支付金额"),
        ("跳失率(%)", "跳失率"),
        ("Customer ID", "customerid"),
        ("order_id", "orderid"),
        ("访客数\u00a0(人)", "访客数"),
        ("订单\u200b编号", "订单编号"),
        ("Total (USD)", "total"),
        ("Ｔｏｔａｌ", "total"),
        ("访客数\n", "访客数"),
    ],
)
def test_normalise_header_examples(written: str, normal: str) -> None:
    assert normalise_header(written) == normal


_KNOWN = sorted({s for p in PROFILES.values() for f in p.fields for s in f.synonyms})
_NOISE = st.sampled_from(["\u00a0", "\u3000", "\u200b", " ", "\n", "（元）", "(%)", "_"])


@given(st.text())
def test_normalise_header_is_idempotent(text: str) -> None:
    """RELIABILITY P14: norm(norm(h)) == norm(h)."""
    once = normalise_header(text)
    assert normalise_header(once) == once


@given(st.sampled_from(_KNOWN), st.lists(_NOISE, max_size=3), st.lists(_NOISE, max_size=2))
def test_known_headers_survive_noise(known: str, before: list[str], after: list[str]) -> None:
    """RELIABILITY P14: for a known header k, norm(k + noise) == norm(k)."""
    noisy = "".join(before[:1]).replace("（元）", "").replace("(%)", "") + known + "".join(after)
    assert normalise_header(noisy) == normalise_header(known)


def test_every_stored_field_has_synonyms_and_no_header_means_two_fields() -> None:
    for kind, profile in PROFILES.items():
        index = synonym_index(kind)  # raises if one header means two fields of a kind
        stored = {f.name for f in profile.fields if f.stored}
        assert stored <= set(TABLES[kind].column_names)
        assert {field for field, _ in index.values()} == set(profile.field_names)
        for group in profile.required:
            assert set(group) <= set(profile.field_names)
        assert {f.type for f in profile.fields} <= set(FIELD_TYPES)


def test_every_detected_platform_is_a_known_one() -> None:
    for header in (SYCM_TRAFFIC, SHOPIFY_ORDERS, ["foo"]):
        assert recognise(header).platform in PLATFORMS
