"""prepare_import end to end on small real-shaped files: bytes in, a PreparedImport or a reject."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from openpyxl import Workbook

from analytics.errors import InputRejected, UnrecognisedColumns, UsageError
from analytics.ingest.model import ImportOptions
from analytics.ingest.prepare import KNOWN_FIELDS, prepare_import
from analytics.ingest.recognise import header_signature
from analytics.schema import TABLES

SYCM_TRAFFIC = (
    "【生意参谋平台】流量来源\n"
    "统计时间：2024-01-01 ~ 2024-01-02\n"
    "\n"
    "统计日期,流量来源,来源明细,访客数,支付买家数,支付金额(元),支付转化率\n"
    '2024-01-01,付费流量,直通车,100,3,"1,234.50",3.00%\n'
    "2024-01-01,自然流量,手淘搜索,200,10,500.00,5.00%\n"
    "2024-01-02,自然流量,手淘搜索,210,11,510.00,5.24%\n"
    '合计,,,510,24,"2,244.50",4.71%\n'
)


def test_sycm_traffic_csv_in_gb18030_with_title_rows_and_totals() -> None:
    data = SYCM_TRAFFIC.encode("gb18030")
    prepared = prepare_import("【生意参谋平台】流量来源_2024-01-01_2024-01-02.csv", data)
    assert prepared.kind == "traffic" and prepared.platform == "sycm"
    assert prepared.sha256 == hashlib.sha256(data).hexdigest() and prepared.data == data
    assert prepared.ext == "csv" and prepared.rows_read == 3
    assert tuple(prepared.frame.columns) == TABLES["traffic"].column_names
    assert prepared.frame["visitors"].tolist() == [100, 200, 210]
    assert prepared.totals is not None and prepared.totals.matched
    assert prepared.totals.line == 8
    assert prepared.date_range == (date(2024, 1, 1), date(2024, 1, 2))
    assert prepared.currency == "CNY"
    assert prepared.mapping["流量来源"] == "channel"
    assert prepared.header_signature == header_signature(
        ["统计日期", "流量来源", "来源明细", "访客数", "支付买家数", "支付金额(元)", "支付转化率"]
    )


def test_options_kind_and_shop_are_carried() -> None:
    data = SYCM_TRAFFIC.encode("utf-8")
    prepared = prepare_import("t.csv", data, ImportOptions(kind="traffic", shop="旗舰店"))
    assert prepared.shop == "旗舰店" and prepared.kind == "traffic"


UNKNOWN = "单号,时间点,金额\nA1,2024-01-01 10:00,9.90\nA2,2024-01-02 11:00,5.00\n"


def test_unrecognised_file_says_what_was_found() -> None:
    with pytest.raises(UnrecognisedColumns) as error:
        prepare_import("mystery.csv", UNKNOWN.encode())
    problem = error.value.problems[0]
    assert problem.code == "unrecognised_columns" and problem.file == "mystery.csv"
    assert error.value.header == ["单号", "时间点", "金额"]
    assert error.value.recognition.kind == "orders"
    assert "order_id" in problem.params["missing"]
    assert "金额 → pay_amount" in problem.params["recognised"]


def test_mapping_override_then_remembered_mapping() -> None:
    mapping = {"单号": "order_id", "时间点": "created_at"}
    prepared = prepare_import("m.csv", UNKNOWN.encode(), ImportOptions(mapping=mapping))
    assert prepared.kind == "orders"
    assert prepared.frame["order_id"].tolist() == ["A1", "A2"]
    assert prepared.frame["pay_amount"].tolist() == [9.9, 5.0]

    remembered = {prepared.header_signature: {"kind": prepared.kind, "mapping": prepared.mapping}}
    again = prepare_import("m (1).csv", UNKNOWN.encode(), remembered=remembered)
    assert again.mapping == prepared.mapping
    assert again.frame.equals(prepared.frame)

    # the user's mapping wins over the remembered one, column by column
    ignore_amount = prepare_import(
        "m.csv", UNKNOWN.encode(), ImportOptions(mapping={"金额": ""}), remembered=remembered
    )
    assert ignore_amount.frame["pay_amount"].isna().all()


def test_mapping_to_an_unknown_field_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        prepare_import(
            "m.csv", UNKNOWN.encode(), ImportOptions(kind="orders", mapping={"单号": "nope"})
        )


def test_bad_cell_on_the_last_line_names_that_line() -> None:
    text = "订单编号,下单时间,实付金额\n1,2024-01-01,10\n2,2024-01-02,11\n3,2024-01-03,1O\n"
    with pytest.raises(InputRejected) as error:
        prepare_import("orders.csv", text.encode())
    problem = error.value.problems[0]
    assert (problem.row, problem.column, problem.found) == (4, "实付金额", "1O")


def test_headerless_file_with_columns_option() -> None:
    text = "1,100,7,pv,1511544070\n1,100,7,buy,1511544090\n"
    options = ImportOptions(columns=("user_id", "item_id", "category_id", "event", "ts"))
    prepared = prepare_import("UserBehavior.csv", text.encode(), options)
    assert prepared.kind == "events"
    assert prepared.frame["event"].tolist() == ["product_view", "payment"]


def test_known_fields_for_the_mapping_dropdown() -> None:
    assert "visitors" in KNOWN_FIELDS("traffic")
    assert "unit_price" in KNOWN_FIELDS("orders")
    with pytest.raises(UsageError):
        KNOWN_FIELDS("nope")


def _workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    """An XLSX file with one sheet per entry, written by openpyxl."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TRAFFIC_ROWS = [
    ["日期", "流量来源", "访客数"],
    ["2024-01-01", "直通车", 10],
    ["2024-01-02", "直通车", 12],
]
ORDER_ROWS = [["订单编号", "下单时间", "实付金额"], ["0012", "2024-01-01 10:00:00", 9.5]]


def test_workbook_sheet_choice() -> None:
    data = _workbook({"说明": [["本表说明"], ["仅供参考"]], "流量": TRAFFIC_ROWS})
    prepared = prepare_import("shop.xlsx", data)
    assert (prepared.kind, prepared.sheet, prepared.ext) == ("traffic", "流量", "xlsx")
    assert prepared.frame["visitors"].tolist() == [10, 12]

    both = _workbook({"流量": TRAFFIC_ROWS, "订单": ORDER_ROWS})
    chosen = prepare_import("shop.xlsx", both)
    assert "other_sheets" in {n.code for n in chosen.notices}
    orders = prepare_import("shop.xlsx", both, ImportOptions(sheet="订单"))
    assert orders.kind == "orders" and orders.frame["order_id"].tolist() == ["0012"]
    with pytest.raises(UsageError):
        prepare_import("shop.xlsx", both, ImportOptions(sheet="nope"))


def test_a_one_day_sycm_export_is_dated_from_its_file_name() -> None:
    text = "流量来源,来源明细,访客数,支付买家数\n付费流量,直通车,100,3\n自然流量,手淘搜索,200,10\n"
    name = "【生意参谋平台】流量来源_无线端_2024-01-05_2024-01-05.csv"
    prepared = prepare_import(name, text.encode())
    assert prepared.frame["date"].dt.date.tolist() == [date(2024, 1, 5)] * 2
    assert "date_from_file_name" in {n.code for n in prepared.notices}
    assert "文件名日期" not in prepared.mapping  # the remembered mapping holds real columns only
    assert prepared.header_signature == header_signature(
        ["流量来源", "来源明细", "访客数", "支付买家数"]
    )
    with pytest.raises(UnrecognisedColumns):  # a week's totals are not one day's
        prepare_import(name.replace("01-05.csv", "01-11.csv"), text.encode())


def _wide_orders(extra: int, ragged_line: int | None = None) -> bytes:
    """An orders export with `extra` columns nobody maps (an order report has dozens)."""
    header = ["订单编号", "买家会员名", "订单创建时间", "订单状态", "买家实际支付金额"]
    header += [f"备注{i}" for i in range(extra)]
    lines = [",".join(header)]
    for n in range(1, 41):
        cells = [f"10{n:04d}", f"tb{n % 7}", f"2024-01-{n % 28 + 1:02d} 10:00:00", "交易成功"]
        cells += [f"{n * 1.5:.2f}"] + [f"x{n}-{i}" for i in range(extra)]
        if n + 1 == ragged_line:  # data row n is on line n + 1
            cells.append("surplus")
        lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode()


def test_columns_nobody_maps_are_left_unread_and_the_import_is_the_same() -> None:
    """A wide export: the fast reader reads only the mapped columns (and the first), the rest
    stay null and unread, and the prepared frame equals the one from reading everything."""
    data = _wide_orders(extra=12)
    prepared = prepare_import("orders.csv", data)
    from analytics.ingest import prepare as prepare_module
    from analytics.ingest.read import read_tables
    from analytics.ingest.recognise import header_score

    everything = prepare_module._prepare("orders.csv", data, ImportOptions(), {}, None)
    assert prepared.frame.equals(everything.frame)
    assert prepared.notices == everything.notices
    wanted = prepare_module._mapped_positions(ImportOptions(), {})
    [table] = read_tables("orders.csv", data, header_score, wanted=wanted)
    assert table.unread == frozenset(range(5, 17))
    assert all(table.columns[i].null_count == 40 for i in table.unread)
    assert table.columns[1].to_pylist()[:2] == ["tb1", "tb2"]


def test_an_unread_column_still_counts_its_fields() -> None:
    """A surplus field in a row is a ragged row even when its columns are not read."""
    with pytest.raises(InputRejected) as exc:
        prepare_import("orders.csv", _wide_orders(extra=12, ragged_line=7))
    problem = exc.value.problems[0]
    assert (problem.code, problem.row) == ("ragged_row", 7)
