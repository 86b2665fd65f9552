"""Workbooks → RawTables: cell text, title rows, sheet rows, zip directory checks, formulas."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.errors import InputRejected
from analytics.ingest import excel, limits
from analytics.ingest.excel import cell_text
from analytics.ingest.read import read_tables

KNOWN = {"统计日期", "流量来源", "访客数", "支付金额", "订单编号", "下单时间"}


def score(cells: list[str]) -> float:
    """A stand-in for recognise.header_score: the share of cells that are known headers."""
    names = [c.strip() for c in cells if c and c.strip()]
    return sum(n in KNOWN for n in names) / len(names) if names else 0.0


def xlsx(build) -> bytes:
    """Bytes of a workbook that `build(workbook)` filled in."""
    workbook = openpyxl.Workbook()
    build(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rejected(name: str, data: bytes):
    with pytest.raises(InputRejected) as exc:
        read_tables(name, data, score)
    return exc.value.problems[0]


def sycm_orders(workbook) -> None:
    sheet = workbook.active
    sheet.title = "订单"
    sheet["A1"] = "【生意参谋平台】交易-订单明细"
    sheet.merge_cells("A1:D1")
    sheet["A2"] = "统计时间：2024-01-05"
    sheet.append([])
    sheet.append(["订单编号", "下单时间", "访客数", "支付金额"])
    sheet.append(["371234567890123456", dt.datetime(2024, 1, 5, 13, 1, 2), 12345, 0.1])
    sheet.append(["000123", dt.date(2024, 1, 6), 12345.0, 1234.5])
    sheet.append(["42", "2024-01-07", True, None])


def test_sycm_workbook_title_rows_ids_and_cell_text():
    [table] = read_tables("【生意参谋平台】交易.xlsx", xlsx(sycm_orders), score)
    assert table.sheet == "订单"
    assert table.encoding is None
    assert table.header == ["订单编号", "下单时间", "访客数", "支付金额"]
    assert table.header_line == 4
    assert list(table.line_numbers) == [5, 6, 7]
    assert table.rows == [
        ["371234567890123456", "2024-01-05 13:01:02", "12345", "0.1"],
        ["000123", "2024-01-06", "12345", "1234.5"],
        ["42", "2024-01-07", "TRUE", None],
    ]
    assert [n.code for n in table.notices] == ["title_rows_skipped"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("", None),
        ("abc", "abc"),
        (12345.0, "12345"),
        (-3.0, "-3"),
        (0.1, "0.1"),
        (1e20, "100000000000000000000"),
        (7, "7"),
        (True, "TRUE"),
        (False, "FALSE"),
        (dt.datetime(2024, 1, 5, 13, 1, 1, 999_700), "2024-01-05 13:01:02"),
        (dt.date(2024, 1, 5), "2024-01-05"),
        (dt.time(13, 1, 2), "13:01:02"),
        (dt.timedelta(hours=30, seconds=83), "30:01:23"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_every_sheet_with_rows_is_read_and_empty_sheets_are_skipped():
    def build(workbook):
        notes = workbook.active
        notes.title = "说明"
        notes.append(["本表由系统生成"])
        notes.append(["请勿修改"])
        workbook.create_sheet("空")
        data = workbook.create_sheet("流量来源")
        data.append(["统计日期", "流量来源", "访客数"])
        data.append(["2024-01-01", "搜索", 10])

    tables = read_tables("two.xlsx", xlsx(build), score)
    assert [t.sheet for t in tables] == ["说明", "流量来源"]
    assert tables[1].rows == [["2024-01-01", "搜索", "10"]]


def test_blank_workbook_is_named_as_blank():
    problem = rejected("empty.xlsx", xlsx(lambda wb: None))
    assert (problem.code, problem.found) == ("empty_workbook", "1")


def test_header_only_sheet_has_no_rows():
    problem = rejected("h.xlsx", xlsx(lambda wb: wb.active.append(["统计日期", "访客数"])))
    assert (problem.code, problem.sheet) == ("no_rows", "Sheet")


def test_formula_without_cached_value_is_refused_naming_the_cell():
    def build(workbook):
        sheet = workbook.active
        sheet.append(["统计日期", "访客数", "支付金额"])
        sheet.append(["2024-01-01", 10, 5])
        sheet.append(["2024-01-02", 11, "=B3*2"])  # openpyxl saves no cached value

    problem = rejected("f.xlsx", xlsx(build))
    assert problem.code == "formula_without_value"
    assert (problem.sheet, problem.row, problem.column) == ("Sheet", 3, "支付金额")
    assert problem.found == "C3"


def test_workbook_named_csv_is_read_as_a_workbook():
    [table] = read_tables("report.csv", xlsx(sycm_orders), score)
    assert table.sheet == "订单"


def test_text_named_xls_is_read_as_text():
    data = "统计日期\t访客数\r\n2024-01-01\t10\r\n".encode("gbk")
    [table] = read_tables("【生意参谋平台】流量.xls", data, score)
    assert (table.encoding, table.rows) == ("gb18030", [["2024-01-01", "10"]])


def test_ole_file_is_only_a_workbook_as_xls():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    problem = rejected("locked.xlsx", ole)
    assert (problem.code, problem.found) == ("unsupported_format", "ole")
    assert rejected("broken.xls", ole).code == "unreadable_workbook"


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


WORKBOOK_XML = b'<?xml version="1.0"?><workbook><sheets/></workbook>'


def test_zip_without_a_workbook_is_not_a_workbook():
    problem = rejected("data.xlsx", zip_of({"traffic.csv": b"a,b\n1,2\n"}))
    assert (problem.code, problem.found) == ("unsupported_format", "zip")


def test_zip_bomb_is_refused_from_the_directory(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ZIP_RATIO_MIN_BYTES", 1024 * 1024)
    data = zip_of(
        {"xl/workbook.xml": WORKBOOK_XML, "xl/worksheets/sheet1.xml": b"<c/>" * (2 << 20)}
    )
    assert len(data) < 64 * 1024
    problem = rejected("bomb.xlsx", data)
    assert problem.code == "archive_ratio"
    assert problem.found.startswith("xl/worksheets/sheet1.xml ×")


def test_total_uncompressed_size_is_capped(monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLSX_UNCOMPRESSED", 1000)
    data = xlsx(sycm_orders)
    assert rejected("big.xlsx", data).code == "archive_too_large"


def test_too_many_sheets(monkeypatch):
    monkeypatch.setattr(limits, "MAX_SHEETS", 2)

    def build(workbook):
        for index in range(3):
            workbook.create_sheet(f"s{index}").append(["统计日期", "访客数"])

    problem = rejected("many.xlsx", xlsx(build))
    assert (problem.code, problem.found) == ("too_many_sheets", "4")


@pytest.mark.parametrize("member", ["../../tmp/evil.txt", "/etc/passwd", "xl\\..\\x.xml"])
def test_member_names_that_climb_out_are_refused(member):
    data = zip_of({"xl/workbook.xml": WORKBOOK_XML, member: b"x"})
    assert rejected("slip.xlsx", data).code == "unreadable_workbook"


def test_entities_are_refused_before_calamine_reads_anything():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]><sst><si><t>&lol2;</t></si></sst>'
    )
    base = zipfile.ZipFile(io.BytesIO(xlsx(sycm_orders)))
    members = {name: base.read(name) for name in base.namelist()}
    members["xl/sharedStrings.xml"] = laughs
    problem = rejected("laughs.xlsx", zip_of(members))
    assert problem.code == "unreadable_workbook"
    assert "sharedStrings" in problem.found


def test_too_many_columns(monkeypatch):
    monkeypatch.setattr(limits, "MAX_COLUMNS", 3)
    assert rejected("wide.xlsx", xlsx(sycm_orders)).code == "too_many_columns"


def test_damaged_workbooks_are_refused_never_crash():
    """Cut or byte-flipped workbooks: a located refusal (or a readable table), no traceback."""
    import random

    good = xlsx(sycm_orders)
    rnd = random.Random(7)
    for attempt in range(60):
        data = bytearray(good)
        if attempt % 3 == 0:
            data = data[: rnd.randrange(len(data))]
        else:
            for _ in range(rnd.randrange(1, 5)):
                data[rnd.randrange(len(data))] = rnd.randrange(256)
        try:
            read_tables("damaged.xlsx", bytes(data), score)
        except InputRejected as exc:
            assert exc.problems[0].file == "damaged.xlsx"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.just(""),
            st.text(max_size=5),
            st.floats(allow_nan=False, allow_infinity=False),
            st.floats(min_value=-1e6, max_value=1e6).map(lambda x: round(x, 2)),
            st.integers(min_value=-(2**62), max_value=2**62).map(float),
            st.integers(min_value=-(2**62), max_value=2**62),
            st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
            st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
            st.booleans(),
        ),
        max_size=30,
    ),
    st.sampled_from(["float", "datetime", "date", "any"]),
)
def test_a_column_converts_as_each_of_its_cells_would(cells, uniform):
    """The column-at-a-time conversion writes every cell exactly as cell_text writes it, for
    uniform columns (one type beside empty cells: the Arrow path) and any mix (cell by cell)."""
    kinds = {"float": float, "datetime": dt.datetime, "date": dt.date, "any": object}
    wanted = kinds[uniform]
    column = tuple(c for c in cells if c == "" or wanted is object or (type(c) is wanted))
    expected = [cell_text(c) for c in column]
    assert excel._column_text(column).to_pylist() == expected


def test_a_duration_beyond_any_date_is_refused_by_name_not_with_a_traceback():
    def huge_duration(workbook) -> None:
        sheet = workbook.active
        sheet.title = "流量"
        sheet.append(["日期", "访客数", "平均停留时长"])
        sheet.append(["2024-01-01", 10, 1e20])
        sheet["C2"].number_format = "[h]:mm:ss"

    problem = rejected("traffic.xlsx", xlsx(huge_duration))
    assert (problem.code, problem.sheet, problem.row) == ("cell_out_of_range", "流量", 2)
