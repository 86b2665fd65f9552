"""The Arrow (fastexcel) path for large worksheets gives exactly the calamine path's tables.

Every test reads the same workbook twice, through the Arrow path (as if every sheet were
large) and through python-calamine alone, and requires the same tables, cell for cell, or the
same refusal. Workbooks are small: the head the Arrow path reads first is cut to a few KB.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from unittest.mock import patch

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.errors import InputRejected
from analytics.ingest import excel, excel_arrow, scratch
from tests.test_excel import zip_of

KNOWN = {"统计日期", "流量来源", "访客数", "支付金额", "订单编号", "下单时间"}
HEADER = ["订单编号", "下单时间", "访客数", "支付金额", "流量来源"]


def score(cells: list[str]) -> float:
    """A stand-in for recognise.header_score: the share of cells that are known headers."""
    names = [c.strip() for c in cells if c and c.strip()]
    return sum(n in KNOWN for n in names) / len(names) if names else 0.0


def workbook(rows: list[list[object]], shared: bool = False, title: str = "订单") -> bytes:
    """An XLSX of `rows` (None: no cell), its text inline (as openpyxl writes it) or, `shared`,
    in a shared-strings table (as Excel writes it)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return shared_strings(out.getvalue()) if shared else out.getvalue()


_INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*?) t="inlineStr"><is>(.*?)</is></c>')


def shared_strings(data: bytes) -> bytes:
    """The workbook with its sheets' inline strings moved to xl/sharedStrings.xml."""
    members = rewritable(data)
    table: dict[bytes, int] = {}

    def share(cell: re.Match[bytes]) -> bytes:
        index = table.setdefault(cell[3], len(table))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (cell[1], cell[2], index)

    for name in [n for n in members if n.startswith("xl/worksheets/")]:
        members[name] = _INLINE.sub(share, members[name])
    items = b"".join(b"<si>" + inner + b"</si>" for inner in table)
    members["xl/sharedStrings.xml"] = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'uniqueCount="%d">%s</sst>' % (len(table), items)
    )
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>",
    )
    return zip_of(members)


def rewritable(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def outcome(data: bytes, fast: bool) -> object:
    """What read_workbook makes of `data`: each table's every field, or the refusal."""
    small_head = (1024, 4096, 16384) if fast else excel._FAST_HEAD_BYTES
    with (
        patch.object(excel, "FAST_MIN_BYTES", 0 if fast else 2**62),
        patch.object(excel, "_FAST_HEAD_BYTES", small_head),
    ):
        try:
            tables = excel.read_workbook(data, "t.xlsx", score, "zip")
        except InputRejected as exc:
            return ("rejected", exc.problems)
    return [
        (
            t.sheet,
            t.header,
            t.header_line,
            t.line_numbers.tolist(),
            [c.to_pylist() for c in t.columns],
            [c.type for c in t.columns],
            t.notices,
        )
        for t in tables
    ]


def took_arrow_path(data: bytes, sheet: str = "订单", pieces: int = 2) -> bool:
    """Whether the Arrow path reads `sheet` itself rather than handing it back, and if so, in
    `pieces` fastexcel reads (two halves, or the whole)."""
    parts = excel.check_archive(data, "t.xlsx")
    with (
        patch.object(excel, "FAST_MIN_BYTES", 0),
        patch.object(excel, "_FAST_HEAD_BYTES", (1024, 4096, 16384)),
        patch.object(excel_arrow, "load_columns", wraps=excel_arrow.load_columns) as load,
    ):
        fast = excel._fast_sheet(data, "t.xlsx", sheet, parts[sheet], score) is not None
    assert not fast or load.call_count == pieces
    return fast


def same(data: bytes) -> object:
    fast, calamine = outcome(data, True), outcome(data, False)
    assert fast == calamine
    return fast


FLOATS = [0.1, 1 / 3, 1e-12, 1e20, 2.5e-7, 123456789012.75, -0.0, -3.0, 12345.0, 2**53 + 2.0, 1e300]


def orders(count: int, start: int = 0) -> list[list[object]]:
    """Order rows: 18-digit text ids, text times, awkward floats, whole numbers, booleans."""
    return [
        [
            str(371234567890123456 + i),
            f"2024-01-{i % 28 + 1:02d} 13:01:02",
            i * 7,
            FLOATS[i % len(FLOATS)],
            ["搜索", "直通车", "", " 空格 ", "0.10"][i % 5],
        ]
        for i in range(start, start + count)
    ]


@pytest.mark.parametrize("shared", [False, True])
def test_plain_columns_take_the_arrow_path_and_read_the_same(shared):
    data = workbook([HEADER, *orders(300)], shared=shared)
    assert took_arrow_path(data)
    [(_, header, line, lines, columns, _, _)] = same(data)
    assert (header, line, lines[:2]) == (HEADER, 1, [2, 3])
    assert columns[0][:2] == ["371234567890123456", "371234567890123457"]
    assert columns[3][:4] == ["0.1", "0.3333333333333333", "1e-12", "100000000000000000000"]
    assert columns[4][:5] == ["搜索", "直通车", None, " 空格 ", "0.10"]


def test_title_rows_empty_rows_notes_and_unnamed_columns():
    rows: list[list[object]] = [
        ["【生意参谋平台】交易-订单明细"],
        [],
        ["统计时间：2024-01-05"],
        [None, *HEADER, None],
        *[[None, *r] for r in orders(100)],
        [],
        [None, *orders(1, 100)[0], None, "beyond the header"],
        *[[None, *r] for r in orders(200, 101)],
        [None, "注：数据来源于生意参谋"],
        [None, "合计", None, 123, 4.5],
    ]
    data = workbook(rows)
    assert took_arrow_path(data)
    [(_, header, line, lines, columns, _, notices)] = same(data)
    assert header[0] == "column_1" and header[1:6] == HEADER and line == 4
    assert 105 not in lines and 106 in lines and len(columns) == 8
    assert {n.code for n in notices} >= {"title_rows_skipped", "unnamed_column"}


def test_notes_rows_are_cut_as_the_calamine_path_cuts_them():
    notes = [["注：以上数据仅供参考"]] * 3
    data = workbook([HEADER, *orders(200), *notes])
    assert took_arrow_path(data)
    [(*_, notices)] = same(data)
    assert [n.code for n in notices] == ["notes_rows_dropped"]


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2024, 1, 5, 13, 1, 1, 999_700),
        dt.date(2024, 1, 5),
        dt.time(13, 1, 2),
        dt.timedelta(hours=30, seconds=83),
    ],
)
def test_date_and_time_columns_are_left_to_calamine(value):
    """Arrow holds calamine's day fractions rounded to the millisecond, and no longer says
    whether a cell was a date or a date-time: such a column goes to python-calamine."""
    rows = [HEADER, *orders(200)]
    rows[150][1] = value  # below the head: fastexcel finds it, not the head's sample
    data = workbook(rows)
    assert not took_arrow_path(data)
    same(data)


def test_a_column_of_two_types_is_left_to_calamine():
    rows = [HEADER, *orders(200)]
    rows[180][3] = "-"
    data = workbook(rows)
    assert not took_arrow_path(data)
    same(data)


def test_formula_without_cached_value_is_refused_the_same_way():
    rows = [HEADER, *orders(200)]
    rows[190][2] = "=SUM(C2:C3)"
    data = workbook(rows)
    kind, [problem] = same(data)
    assert (kind, problem.code, problem.found, problem.column) == (
        "rejected",
        "formula_without_value",
        "C191",
        "访客数",
    )


def test_duplicate_header_is_refused_the_same_way():
    data = workbook([[*HEADER, "访客数"], *[[*r, 1.0] for r in orders(200)]])
    assert not took_arrow_path(data)
    kind, [problem] = same(data)
    assert (kind, problem.code) == ("rejected", "duplicate_column")


def test_error_cells_read_as_empty():
    data = workbook([HEADER, *orders(200)])
    members = rewritable(data)
    sheet = members["xl/worksheets/sheet1.xml"]
    for cell in (b"D150", b"E151"):
        start = sheet.index(b'<c r="' + cell + b'"')
        end = sheet.index(b"</c>", start) + 4
        sheet = sheet[:start] + b'<c r="' + cell + b'" t="e"><v>#DIV/0!</v></c>' + sheet[end:]
    members["xl/worksheets/sheet1.xml"] = sheet
    data = zip_of(members)
    assert took_arrow_path(data)
    [(*_, columns, _, _)] = same(data)
    assert columns[3][148] is None and columns[4][149] is None


def test_small_sheets_are_read_whole_by_calamine():
    data = workbook([HEADER, *orders(200)])
    with patch.object(excel_arrow, "load_columns", side_effect=AssertionError("not small")):
        assert outcome(data, False)  # FAST_MIN_BYTES not reached: never asks fastexcel


CELLS = st.one_of(
    st.none(),
    st.text(alphabet="a 0.1-e中文", max_size=6),
    st.sampled_from(FLOATS),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(2**62), max_value=2**62),
    st.booleans(),
    st.sampled_from([dt.datetime(2024, 1, 5, 13, 1, 2), dt.date(2024, 1, 6), dt.time(1, 2, 3)]),
)
KINDS = {
    "text": st.text(alphabet="a 0.1-e中文", max_size=6).map(lambda s: s or None),
    "id": st.integers(min_value=10**17, max_value=10**18 - 1).map(str),
    "float": st.one_of(st.sampled_from(FLOATS), st.floats(allow_nan=False, allow_infinity=False)),
    "int": st.integers(min_value=-(2**62), max_value=2**62),
    "bool": st.booleans(),
    "mixed": CELLS,
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(st.sampled_from([*KINDS, "float", "text"]), min_size=2, max_size=5),
    titles=st.integers(min_value=0, max_value=3),
    count=st.integers(min_value=100, max_value=400),
    data=st.data(),
)
def test_any_sheet_reads_the_same_through_either_path(kinds, titles, count, data):
    header = (HEADER * 2)[: len(kinds)]
    rows: list[list[object]] = [[f"标题 {i}"] for i in range(titles)]
    rows.append(header)
    for _ in range(count):
        if data.draw(st.integers(0, 30)) == 0:
            rows.append([])
            continue
        row = [data.draw(KINDS[kind]) for kind in kinds]
        if data.draw(st.integers(0, 6)) == 0:
            row[data.draw(st.integers(0, len(row) - 1))] = None
        rows.append(row)
    notes = data.draw(st.lists(st.text(alphabet="备注 a1", max_size=4), max_size=2))
    rows += [["注：" + note] for note in notes]
    same(workbook(rows, shared=data.draw(st.booleans())))


def test_rows_without_numbers_are_read_whole():
    """Without a row number at the split the second half's rows have no position: one read."""
    data = workbook([HEADER, *orders(300)])
    members = rewritable(data)
    sheet = members["xl/worksheets/sheet1.xml"]
    middle = sheet.index(b"<row ", len(sheet) // 2)
    tail = sheet[middle:].replace(b"<row r=", b"<row x=")
    members["xl/worksheets/sheet1.xml"] = sheet[:middle] + tail
    data = zip_of(members)
    assert took_arrow_path(data, pieces=1)
    same(data)


def test_rows_and_cells_without_numbers_after_the_split_keep_their_places():
    data = workbook([HEADER, *orders(300)])
    members = rewritable(data)
    sheet = members["xl/worksheets/sheet1.xml"]
    split = sheet.index(b"<row ", int(len(sheet) * excel._FIRST_PIECE))
    after = sheet.index(b"<row ", split + 1)
    tail = re.sub(rb'(<row|<c) r="[A-Z]*[0-9]+"', rb"\1", sheet[after:])
    members["xl/worksheets/sheet1.xml"] = sheet[:after] + tail
    data = zip_of(members)
    assert took_arrow_path(data)
    same(data)


@pytest.mark.parametrize(
    ("number_format", "a_date"),
    [
        ("0.00", False),
        ("0%", False),
        ("0.00E+00", False),
        ("#,##0.00 元", False),
        ("@", False),
        ("[Red]0.00", False),
        ("yyyy-mm-dd", True),
        ("yyyy/m/d h:mm", True),
        ("[h]:mm:ss", True),
        ("mm:ss", True),
        ("m月d日", True),
        ('yyyy"年"m"月"d"日"', True),
        ("[$-F800]dddd, mmmm dd, yyyy", True),
    ],
)
def test_numbers_under_any_format_read_the_same(number_format, a_date):
    """Whether a number is a date is calamine's call from its format, in both readers; a
    column with dates in it goes to python-calamine."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "订单"
    for row in [HEADER, *orders(200)]:
        sheet.append(row)
    for row in range(150, 160):  # day counts: 2024-01-05 and later, times of day
        sheet.cell(row, 4).value = 45296 + row / 7
        sheet.cell(row, 4).number_format = number_format
    out = io.BytesIO()
    book.save(out)
    assert took_arrow_path(out.getvalue()) is not a_date
    same(out.getvalue())


def test_shared_strings_with_rich_text_phonetics_and_escapes_read_the_same():
    rows = [HEADER, *orders(200), ["富文本", "x_x000D_y", 1, 2.5, "ふりがな"]]
    members = rewritable(workbook(rows, shared=True))
    strings = members["xl/sharedStrings.xml"]
    rich = (
        '<si><r><t>富</t></r><r><rPr><b/></rPr><t xml:space="preserve"> 文本 </t></r>'
        '<rPh sb="0" eb="1"><t>ふ</t></rPh><phoneticPr fontId="1"/></si>'
    ).encode()
    members["xl/sharedStrings.xml"] = strings.replace("<si><t>富文本</t></si>".encode(), rich)
    assert members["xl/sharedStrings.xml"] != strings
    data = zip_of(members)
    assert took_arrow_path(data)
    [(*_, columns, _, _)] = same(data)
    assert columns[0][-1] == "富 文本 "


@pytest.mark.parametrize("ram", [True, False])
def test_the_pieces_fastexcel_reads_are_deleted(ram, tmp_path, monkeypatch):
    """Pieces go to the RAM folder, else to the usual temp folder; nothing is left behind."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(scratch, "RAM_FOLDER", str(tmp_path) if ram else None)
    data = workbook([HEADER, *orders(300)])
    with patch.object(excel_arrow, "Book", wraps=excel_arrow.Book) as book:
        assert took_arrow_path(data)
    paths = [call.args[2] for call in book.call_args_list if len(call.args) > 2]
    assert len(paths) == 2 and all(path.startswith(str(tmp_path)) for path in paths)
    assert list(tmp_path.iterdir()) == []
