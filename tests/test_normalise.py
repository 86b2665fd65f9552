"""Normalising hand-made RawTables: every expected figure below is worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.errors import InputRejected
from analytics.ingest.model import RawTable
from analytics.ingest.normalise import normalise
from analytics.ingest.recognise import recognise
from analytics.schema import TABLES


def raw(header: list[str], rows: list[list[str | None]], first_line: int = 2) -> RawTable:
    """A RawTable whose data starts on `first_line` (title rows above shift it down)."""
    lines = list(range(first_line, first_line + len(rows)))
    return RawTable.from_rows("t.csv", header, rows, lines, header_line=first_line - 1)


def run(header: list[str], rows: list[list[str | None]], first_line: int = 2, **kw):
    table = raw(header, rows, first_line)
    return normalise(table, recognise(header, **kw))


def rejected(header, rows, first_line: int = 2) -> list:
    with pytest.raises(InputRejected) as error:
        run(header, rows, first_line)
    return error.value.problems


def codes(result) -> dict:
    return {n.code: n.params for n in result.notices}


# --- traffic -------------------------------------------------------------------------------

SYCM = [
    "统计日期",
    "流量来源",
    "来源明细",
    "访客数",
    "浏览量",
    "支付买家数",
    "支付转化率",
    "支付金额(元)",
    "跳失率",
    "平均停留时长",
]
SYCM_ROWS = [
    [
        "2024-01-01",
        "付费流量",
        "直通车",
        "100",
        "300",
        "3",
        "3.00%",
        "1,234.50",
        "45.5%",
        "00:01:23",
    ],
    ["2024-01-01", None, "引力魔方", "50", "90", "1", "2.00%", "99.00", "50%", "60"],
    ["2024-01-01", "自然流量", "手淘搜索", "200", "-", "10", "5%", "¥500", "40%", "00:00:30"],
]


def test_sycm_traffic_with_title_rows_and_a_matching_totals_row() -> None:
    totals = ["合计", "", "", "350", "390", "14", "4%", "1833.50", "44%", "00:00:50"]
    result = run(SYCM, [*SYCM_ROWS, totals], first_line=5)
    frame = result.frame
    assert tuple(frame.columns) == TABLES["traffic"].column_names
    assert result.rows_read == 3
    assert frame["visitors"].tolist() == [100, 50, 200]
    assert frame["channel"].tolist() == ["付费流量", "付费流量", "自然流量"]  # merged cell filled
    assert frame["sub_channel"].tolist() == ["直通车", "引力魔方", "手淘搜索"]
    assert frame["pay_amount"].tolist() == [1234.5, 99.0, 500.0]
    assert frame["bounce_rate"].tolist() == [0.455, 0.5, 0.4]
    assert frame["avg_stay_seconds"].tolist() == [83.0, 60.0, 30.0]
    assert frame["page_views"].isna().tolist() == [False, False, True]  # "-" is missing, not 0
    assert set(frame["visitor_unit"]) == {"visitors"} and set(frame["platform"]) == {"sycm"}
    assert result.totals.line == 8 and result.totals.matched
    assert result.date_range == (date(2024, 1, 1), date(2024, 1, 1))
    assert result.currency == "CNY"
    notices = codes(result)
    assert notices["missing_values"]["count"] == 1  # 浏览量 "-"; the filled channel is not missing
    assert "totals_checked" in notices and "channel_filled_down" in notices
    assert frame.dtypes["visitors"] == "Int64" and frame.dtypes["pay_amount"] == "float64"


def test_a_wrong_totals_row_is_dropped_with_a_warning() -> None:
    totals = ["合计", "", "", "350", "999", "14", "4%", "1800.00", "90%", "00:00:50"]
    result = run(SYCM, [*SYCM_ROWS, totals])
    assert result.rows_read == 3 and len(result.frame) == 3
    assert not result.totals.matched
    assert set(result.totals.mismatches) == {"浏览量", "支付金额(元)", "跳失率"}
    assert result.totals.mismatches["支付金额(元)"] == (1800.0, 1833.5)
    assert "totals_mismatch" in codes(result)


def test_an_unlabelled_totals_row_at_the_bottom_is_a_totals_row() -> None:
    rows = [["2024-01-01", "a", "", "10"], ["2024-01-01", "b", "", "5"], ["", "", "", "15"]]
    result = run(["日期", "流量来源", "来源明细", "访客数"], rows)
    assert result.frame["visitors"].tolist() == [10, 5] and result.totals.matched


def test_whole_shop_export_gets_one_channel_and_sessions_are_marked() -> None:
    result = run(["统计日期", "访客数", "支付金额", "支付买家数"], [["2024-01-01", "10", "5", "1"]])
    assert result.frame["channel"].tolist() == ["全店"] and "whole_shop_channel" in codes(result)
    shopify = run(
        ["Day", "Referrer source", "Sessions", "Total sales"],
        [["2024-01-01", "Search", "40", "$12.00"]],
    )
    assert shopify.frame["visitor_unit"].tolist() == ["sessions"]
    assert shopify.frame["sub_channel"].tolist() == [""]
    assert shopify.currency == "USD"


def test_a_bad_cell_on_the_last_row_is_rejected_with_its_line() -> None:
    rows = [
        *SYCM_ROWS[:1],
        ["2024-01-02", "自然流量", "手淘搜索", "2O0", "1", "1", "", "1", "", ""],
    ]
    problems = rejected(SYCM, rows, first_line=5)
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.row, problem.column) == ("t.csv", 6, "访客数")
    assert (problem.found, problem.expected, problem.code) == ("2O0", "integer", "bad_value")


def test_problems_are_listed_first_line_first() -> None:
    rows = [["2024-01-01", "a", "x"], ["nodate", "b", "1"], ["2024-01-03", "", "2"]]
    problems = rejected(["日期", "流量来源", "访客数"], rows)
    assert [(p.row, p.code) for p in problems] == [
        (2, "bad_value"),
        (3, "bad_value"),
        (4, "missing_required"),
    ]


def test_duplicate_traffic_keys_name_both_lines() -> None:
    rows = [["2024-01-01", "a", "1"], ["2024-01-02", "a", "2"], ["2024/1/1", "a", "3"]]
    problems = rejected(["日期", "流量来源", "访客数"], rows)
    assert [(p.code, p.row, p.params["first_row"]) for p in problems] == [("duplicate_key", 4, 2)]


def test_names_keep_tabs_but_lose_spaces_and_ids_lose_excel_wrappers() -> None:
    traffic = run(
        ["日期", "流量来源", "访客数"],
        [["2024-01-01", "\ttab", "1"], ["2024-01-01", " 直通车\u3000", "2"]],
    )
    assert traffic.frame["channel"].tolist() == ["\ttab", "直通车"]
    orders = run(
        ["订单编号", "下单时间"], [['="0012345"', "2024-01-01"], ["\t0012346", "2024-01-01"]]
    )
    assert orders.frame["order_id"].tolist() == ["0012345", "0012346"]


def test_negative_visitors_are_rejected() -> None:
    problems = rejected(["日期", "流量来源", "访客数"], [["2024-01-01", "a", "-3"]])
    assert problems[0].code == "negative_count"


# --- orders --------------------------------------------------------------------------------

TAOBAO = [
    "订单编号",
    "买家会员名",
    "订单创建时间",
    "订单付款时间",
    "订单状态",
    "买家实际支付金额",
    "退款金额",
    "宝贝标题",
    "购买数量",
]


def test_chinese_orders_statuses_refunds_and_is_paid() -> None:
    rows = [
        [
            "1001",
            "张三",
            "2024-01-01 10:00:00",
            "2024-01-01 10:01:00",
            "交易成功",
            "100.00",
            "0",
            "T恤",
            "1",
        ],
        ["1002", "李四", "2024-01-02 10:00:00", "", "等待买家付款", "50", "", "裤子", "2"],
        [
            "1003",
            "张三",
            "2024-01-03 10:00:00",
            "2024-01-03 10:05:00",
            "交易关闭",
            "80",
            "80",
            "帽子",
            "1",
        ],
        [
            "1004",
            "王五",
            "2024-01-03 11:00:00",
            "2024-01-03 11:05:00",
            "退款成功",
            "30",
            "30",
            "袜子",
            "3",
        ],
        ["1005", "王五", "2024-01-03 11:00:00", "", "已取消", "30", "", "袜子", "3"],
        [
            "1006",
            "赵六",
            "2024-01-04 11:00:00",
            "2024-01-04 11:05:00",
            "买家已付款，等待卖家发货",
            "￥30",
            "",
            "袜子",
            "3",
        ],
        [
            "000123456789012345678",
            "赵六",
            "2024-01-04 11:00:00",
            "2024-01-04 11:05:00",
            "奇怪状态",
            "1",
            "",
            "袜子",
            "1",
        ],
    ]
    result = run(TAOBAO, rows)
    frame = result.frame.set_index("order_id")
    assert frame["status"].tolist() == [
        "paid",
        "pending",
        "refunded",
        "refunded",
        "cancelled",
        "paid",
        pd.NA,  # text columns are Arrow-backed: an empty cell is pd.NA
    ]
    assert frame["is_paid"].tolist() == [True, False, False, False, False, True, True]
    assert frame.loc["1003", "refund_amount"] == 80.0
    assert frame.loc["1006", "pay_amount"] == 30.0
    assert "000123456789012345678" in frame.index  # ids stay text, leading zeros and all
    assert set(frame["currency"]) == {"CNY"} and result.currency == "CNY"
    assert codes(result)["unknown_status"]["statuses"] == "奇怪状态"
    assert tuple(result.frame.columns) == TABLES["orders"].column_names


SHOPIFY = [
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


def test_shopify_line_export_three_orders_over_five_lines() -> None:
    rows = [
        [
            "#1001",
            "a@x.com",
            "paid",
            "2024-01-05 10:00:00 +0800",
            "2024-01-05 09:59:00 +0800",
            "30.00",
            "1",
            "10.00",
            "Cap",
            "CAP-1",
            "0.00",
            "",
            "web",
            "USD",
        ],
        ["#1001", "", "", "", "", "", "2", "10.00", "Sock", "SOCK-1", "", "", "", ""],
        [
            "#1002",
            "b@x.com",
            "refunded",
            "2024-01-06 10:00:00 +0800",
            "2024-01-06 09:00:00 +0800",
            "20.00",
            "1",
            "20.00",
            "Hat",
            "HAT-1",
            "20.00",
            "",
            "web",
            "USD",
        ],
        [
            "#1003",
            "a@x.com",
            "voided",
            "",
            "2024-01-07 09:00:00 +0800",
            "15.00",
            "1",
            "15.00",
            "Cap",
            "CAP-1",
            "",
            "2024-01-07 10:00:00 +0800",
            "web",
            "USD",
        ],
        ["#1003", "", "", "", "", "", "1", "0.00", "Gift", "GIFT", "", "", "", ""],
    ]
    result = run(SHOPIFY, rows)
    frame = result.frame
    assert frame["order_id"].tolist() == ["#1001", "#1002", "#1003"]
    assert frame["pay_amount"].tolist() == [30.0, 20.0, 15.0]  # Total once, not per line
    assert frame["quantity"].tolist() == [3, 1, 2]
    assert frame["status"].tolist() == ["paid", "refunded", "cancelled"]
    assert frame["is_paid"].tolist() == [True, False, False]
    assert frame["product_id"].tolist() == ["CAP-1", "HAT-1", "CAP-1"]  # the first line's
    assert frame["created_at"].tolist()[0] == pd.Timestamp("2024-01-05 09:59:00")  # wall time
    assert result.currency == "USD" and result.rows_read == 5
    assert codes(result)["order_lines_merged"] == {"lines": 5, "orders": 3}


UCI = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]


def test_uci_lines_become_invoices_and_c_invoices_are_cancellations() -> None:
    rows = [
        [
            "536365",
            "85123A",
            "WHITE HANGING HEART",
            "6",
            "2010-12-01 08:26:00",
            "2.55",
            "17850.0",
            "United Kingdom",
        ],
        [
            "536365",
            "71053",
            "WHITE METAL LANTERN",
            "6",
            "2010-12-01 08:26:00",
            "3.39",
            "17850.0",
            "United Kingdom",
        ],
        [
            "C536379",
            "D",
            "Discount",
            "-1",
            "2010-12-01 09:41:00",
            "27.50",
            "14527.0",
            "United Kingdom",
        ],
        ["536380", "22", "X", "2", "2010-12-01 09:41:00", "0.85", "", "United Kingdom"],
    ]
    frame = run(UCI, rows).frame.set_index("order_id")
    assert frame.loc["536365", "pay_amount"] == pytest.approx(6 * 2.55 + 6 * 3.39)
    assert frame.loc["536365", "customer_id"] == "17850"  # not "17850.0"
    assert frame.loc["536365", "quantity"] == 12
    assert frame.loc["C536379", ["status", "is_paid", "pay_amount", "refund_amount"]].tolist() == [
        "cancelled",
        False,
        0.0,
        27.5,
    ]
    assert frame.loc["536380", "is_paid"] and frame.loc["536380", "pay_amount"] == 1.7
    assert frame.loc["536380", "customer_id"] is pd.NA
    assert frame["status"].isna().sum() == 2  # a sales record says nothing about status
    assert frame["currency"].isna().all()


def test_generic_line_export_without_amount_multiplies_quantity_by_price() -> None:
    header = ["订单号", "下单时间", "商品编码", "数量", "单价"]
    rows = [
        ["A1", "2024-03-01", "p1", "2", "9.90"],
        ["A1", "2024-03-01", "p2", "1", "0.20"],
        ["A2", "2024-03-02", "p1", "1", "9.90"],
    ]
    frame = run(header, rows).frame
    assert frame["pay_amount"].tolist() == [20.0, 9.9] and frame["is_paid"].all()


def test_an_order_without_a_creation_time_is_rejected_at_its_first_line() -> None:
    rows = [["1", "", "9"], ["2", "2024-01-01", "5"]]
    problems = rejected(["订单编号", "下单时间", "实付金额"], rows)
    assert [(p.code, p.row, p.params["field"]) for p in problems] == [
        ("missing_required", 2, "created_at")
    ]


def test_wc_statuses_map_to_canonical() -> None:
    header = ["Order Number", "Order Date", "Order Status", "Order Total"]
    statuses = [
        "wc-completed",
        "wc-processing",
        "wc-on-hold",
        "wc-cancelled",
        "wc-refunded",
        "wc-failed",
    ]
    rows = [[str(i), "2024-01-01", s, "10"] for i, s in enumerate(statuses)]
    result = run(header, rows)
    assert result.frame["status"].tolist() == [
        "paid",
        "paid",
        "pending",
        "cancelled",
        "refunded",
        "cancelled",
    ]
    assert result.frame["is_paid"].tolist() == [True, True, False, False, False, False]
    assert result.currency is None


# --- reviews, dsr, events ------------------------------------------------------------------


def test_reviews_with_export_ids_and_with_content_hashes() -> None:
    with_ids = run(
        ["review_id", "order_id", "review_score", "review_comment_message", "review_creation_date"],
        [
            ["r1", "o1", "5", "ok", "2018-01-01 00:00:00"],
            ["r2", "o2", "1", "", "2018-01-02 00:00:00"],
        ],
    )
    assert with_ids.frame["review_id"].tolist() == ["r1", "r2"]
    assert with_ids.frame["rating"].tolist() == [5.0, 1.0]
    header = ["评价时间", "订单编号", "评分", "评价内容"]
    rows = [["2024-01-01 10:00", "1", "5", "好"], ["2024-01-02", "2", "4", ""]]
    first, again = run(header, rows).frame, run(header, list(reversed(rows))).frame
    assert first["review_id"].str.fullmatch("[0-9a-f]{16}").all()
    assert set(first["review_id"]) == set(again["review_id"])  # the same review, the same id
    assert first["review_id"].nunique() == 2


def test_a_rating_outside_one_to_five_is_rejected() -> None:
    problems = rejected(["评价时间", "评分"], [["2024-01-01", "5"], ["2024-01-02", "6"]])
    assert [(p.code, p.row, p.found) for p in problems] == [("out_of_range", 3, "6")]


def test_dsr_and_experience_trios() -> None:
    dsr = run(
        ["日期", "描述相符", "服务态度", "物流服务", "同行平均描述相符"],
        [["2024-01-01", "4.8", "4.9", "4.7", "4.75"]],
    )
    assert dsr.frame.iloc[0][
        ["dsr_description", "dsr_service", "dsr_logistics", "peer_description", "score_system"]
    ].tolist() == [4.8, 4.9, 4.7, 4.75, "dsr"]
    experience = run(
        ["日期", "商品体验", "物流体验", "服务体验"], [["2024-01-01", "4.8", "4.9", "4.7"]]
    )
    assert experience.frame.iloc[0][
        ["dsr_description", "dsr_service", "dsr_logistics", "score_system"]
    ].tolist() == [4.8, 4.7, 4.9, "experience"]


def test_taobao_behaviour_events_map_and_exact_repeats_drop() -> None:
    header = ["user_id", "item_id", "category_id", "behavior_type", "timestamp"]
    rows = [
        ["1", "2", "3", "pv", "1511544070"],
        ["1", "2", "3", "pv", "1511544070"],
        ["1", "2", "3", "cart", "1511544075"],
        ["1", "2", "3", "buy", "1511544080"],
        ["1", "2", "3", "??", "1511544080"],
    ]
    result = run(header, rows)
    assert result.frame["event"].tolist() == ["product_view", "cart", "payment"]
    assert result.frame["ts"].iloc[0] == pd.Timestamp("2017-11-24 17:21:10")
    notices = codes(result)
    assert notices["duplicate_events_dropped"]["count"] == 1
    assert notices["unknown_events_dropped"]["count"] == 1


def test_ga4_event_names_and_microsecond_timestamps() -> None:
    header = ["User pseudo ID", "Event name", "Event timestamp"]
    rows = [
        ["u1", "session_start", "1704412800000000"],
        ["u1", "view_item", "1704412801000000"],
        ["u1", "begin_checkout", "1704412802000000"],
        ["u1", "purchase", "1704412803500000"],
    ]
    frame = run(header, rows).frame
    assert frame["event"].tolist() == ["visit", "product_view", "order", "payment"]
    assert frame["ts"].iloc[3] == pd.Timestamp("2024-01-05 00:00:03.500")


# --- RELIABILITY P15: totals rows ----------------------------------------------------------

_TRAFFIC_ROW = st.tuples(
    st.integers(0, 10**6),
    st.integers(0, 10**7),
    st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False, allow_infinity=False),
)


@settings(deadline=None, max_examples=60)
@given(st.lists(_TRAFFIC_ROW, min_size=1, max_size=12), st.sampled_from(["合计", "总计", "Total"]))
def test_a_correct_totals_row_never_changes_the_data(rows, label) -> None:
    header = ["日期", "流量来源", "访客数", "浏览量", "支付金额"]
    body = [
        ["2024-01-01", f"c{i}", str(v), str(pv), f"{amt:,.2f}"]
        for i, (v, pv, amt) in enumerate(rows)
    ]
    sums = [sum(r[k] for r in rows) for k in range(3)]
    totals = [label, "", str(sums[0]), str(sums[1]), f"{sums[2]:.2f}"]
    plain, with_totals = run(header, body), run(header, [*body, totals])
    assert with_totals.frame.equals(plain.frame)
    assert with_totals.totals.matched and with_totals.rows_read == plain.rows_read


@settings(deadline=None, max_examples=60)
@given(
    st.lists(_TRAFFIC_ROW, min_size=1, max_size=12),
    st.sampled_from([2, 3, 4]),
    st.integers(1, 10**4).map(lambda n: n if n % 2 else -n),
)
def test_a_wrong_totals_row_always_raises_a_notice(rows, column, error) -> None:
    header = ["日期", "流量来源", "访客数", "浏览量", "支付金额"]
    body = [
        ["2024-01-01", f"c{i}", str(v), str(pv), f"{amt:.2f}"]
        for i, (v, pv, amt) in enumerate(rows)
    ]
    sums = [sum(r[k] for r in rows) for k in range(3)]
    sums[column - 2] += error if column < 4 else Decimal(error) / 100
    if sums[column - 2] < 0:
        return
    totals = ["合计", "", str(sums[0]), str(sums[1]), f"{sums[2]:.2f}"]
    result = run(header, [*body, totals])
    assert not result.totals.matched and "totals_mismatch" in codes(result)
    assert len(result.frame) == len(rows)


def test_an_id_excel_turned_into_a_rounded_number_is_rejected() -> None:
    rows = [["1001", "2024-01-01"], ["3.71235E+18", "2024-01-01"]]
    problems = rejected(["订单编号", "下单时间"], rows)
    assert [(p.code, p.row, p.found) for p in problems] == [("bad_id", 3, "3.71235E+18")]


def test_unknown_columns_are_named_in_a_notice_and_derived_ones_are_not() -> None:
    result = run(
        ["日期", "流量来源", "访客数", "支付转化率", "备注"], [["2024-01-01", "a", "1", "1%", "x"]]
    )
    assert codes(result)["columns_ignored"] == {"columns": "备注"}
