"""Text → RawTable: dialect, title rows, physical line numbers, ragged rows, quotes, notes."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analytics.errors import InputRejected
from analytics.ingest import limits, text_table
from analytics.ingest.text_table import choose_delimiter, find_header_row, read_text_table

KNOWN = {"统计日期", "流量来源", "访客数", "支付买家数", "支付金额", "日期", "Date", "Sessions"}


def score(cells: list[str]) -> float:
    """A stand-in for recognise.header_score: the share of cells that are known headers."""
    names = [c.strip() for c in cells if c and c.strip()]
    return sum(n in KNOWN for n in names) / len(names) if names else 0.0


HEADER = "统计日期,流量来源,访客数,支付金额"


def read(text: str, **kwargs):
    return read_text_table(text, "流量.csv", score, **kwargs)


def rejected(text: str, **kwargs):
    with pytest.raises(InputRejected) as exc:
        read(text, **kwargs)
    return exc.value.problems[0]


def test_plain_table_keeps_physical_lines_and_empty_cells_as_none():
    table = read(f"{HEADER}\n2024-01-01,手淘搜索,1000,3560.00\n2024-01-01,直通车,,\n")
    assert table.header == ["统计日期", "流量来源", "访客数", "支付金额"]
    assert table.rows == [
        ["2024-01-01", "手淘搜索", "1000", "3560.00"],
        ["2024-01-01", "直通车", None, None],
    ]
    assert list(table.line_numbers) == [2, 3]
    assert table.header_line == 1
    assert table.notices == []


def test_sycm_title_rows_above_the_header():
    text = (
        "【生意参谋平台】流量-店铺来源\r\n"
        "统计时间：2024-01-01 ~ 2024-01-07\r\n"
        '""\r\n'
        f"{HEADER}\r\n"
        "2024-01-01,手淘搜索,1000,3560.00\r\n"
        "2024-01-01,直通车,12a,4653.00\r\n"
    )
    table = read(text)
    assert table.header_line == 4
    assert list(table.line_numbers) == [5, 6]
    assert table.rows[1][2] == "12a"  # a later bad_number names line 6, titles counted
    [notice] = table.notices
    assert (notice.code, notice.params["count"], notice.params["line"]) == (
        "title_rows_skipped",
        2,  # the blank line between is not counted
        4,
    )


def test_quoted_newline_shifts_the_lines_after_it():
    text = (
        f"{HEADER}\n"
        "2024-01-01,手淘搜索,1000,3560.00\n"
        '2024-01-01,"直通车\n（旧名）",1211,4653.00\n'
        "2024-01-02,手淘搜索,abc,1.00\n"
    )
    table = read(text)
    assert table.rows[1][1] == "直通车\n（旧名）"
    assert list(table.line_numbers) == [2, 3, 5]


def test_ragged_row_after_a_quoted_newline_names_the_physical_line():
    text = (
        f"{HEADER}\n"
        '2024-01-01,"直通车\n（旧名）",1211,4653.00\n'
        "2024-01-02,手淘搜索,1000,3560.00\n"
        "2024-01-02,手淘搜索,1000\n"
    )
    problem = rejected(text)
    assert (problem.code, problem.row) == ("ragged_row", 5)
    assert (problem.found, problem.params) == ("3", {"count": 4})


def test_long_ragged_row():
    problem = rejected(f"{HEADER}\n2024-01-01,搜索,1,2\n2024-01-01,搜索,1,2,3\n")
    assert (problem.code, problem.row, problem.found) == ("ragged_row", 3, "5")


def test_extra_empty_cells_beyond_the_header_are_cut():
    table = read(f"{HEADER}\n2024-01-01,搜索,1,2,,\n")
    assert table.rows == [["2024-01-01", "搜索", "1", "2"]]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (f'{HEADER}\n2024-01-01,搜索,1,2\n2024-01-02,"搜索,1,2\n2024-01-03,搜索,1,2\n', 3),
        (f'{HEADER}\n2024-01-01,"a\nb",1,2\n2024-01-02,搜索,1,"2\n', 4),
    ],
)
def test_unterminated_quote_names_the_line_it_opened_on(text, line):
    problem = rejected(text)
    assert (problem.code, problem.row) == ("unterminated_quote", line)


def test_text_after_a_closing_quote_is_refused():
    problem = rejected(f'{HEADER}\n2024-01-01,"搜索"x,1,2\n')
    assert (problem.code, problem.row) == ("bad_quote", 2)


def test_notes_rows_below_the_data_are_dropped_with_a_notice():
    text = f"{HEADER}\n2024-01-01,搜索,1,2\n\n数据来源：生意参谋\n注：数据有延迟,,,\n"
    table = read(text)
    assert table.rows == [["2024-01-01", "搜索", "1", "2"]]
    [notice] = table.notices
    assert notice.code == "notes_rows_dropped"
    assert notice.params == {"count": 2, "line": 4, "text": "数据来源：生意参谋"}


def test_a_short_row_in_the_middle_is_not_a_note():
    problem = rejected(f"{HEADER}\n2024-01-01,搜索,1,2\n数据来源：生意参谋\n2024-01-02,搜索,1,2\n")
    assert (problem.code, problem.row) == ("ragged_row", 3)


def test_headerless_file_with_given_columns():
    table = read(
        "2024-01-01,搜索,1,2\r\n2024-01-02,搜索,3,4\r\n",
        columns=("date", "channel", "visitors", "pay_amount"),
    )
    assert table.header == ["date", "channel", "visitors", "pay_amount"]
    assert table.header_line == 0
    assert list(table.line_numbers) == [1, 2]
    problem = rejected(
        "2024-01-01,搜索,1\r\n", columns=("date", "channel", "visitors", "pay_amount")
    )
    assert (problem.code, problem.row) == ("ragged_row", 1)


def test_duplicate_header_is_refused():
    problem = rejected("统计日期,访客数,访客数\n2024-01-01,1,2\n")
    assert (problem.code, problem.column, problem.row) == ("duplicate_column", "访客数", 1)


def test_duplicates_in_a_row_with_no_known_name_are_left_to_recognise():
    table = read("2024-01-01,40,40\n2024-01-02,41,41\n")
    assert table.header == ["2024-01-01", "40", "40"]


def test_unnamed_columns():
    table = read("统计日期,,访客数,\n2024-01-01,x,1,\n")
    assert table.header == ["统计日期", "column_2", "访客数", "column_4"]
    [notice] = table.notices  # only the column with data is worth telling
    assert notice.code == "unnamed_column"
    assert notice.params == {"column": "column_2", "line": 1}


def test_header_cells_are_stripped_of_bom_and_wide_spaces():
    table = read("\ufeff统计日期,\u3000访客数\u00a0\n2024-01-01,1\n")
    assert table.header == ["统计日期", "访客数"]


def test_header_only_file():
    problem = rejected(f"{HEADER}\n")
    assert problem.code == "no_rows"


def test_a_single_unknown_line_is_left_to_recognise():
    """An HTML page named .xls is one line of nothing we know: recognise says so, not us."""
    table = read("<html><body><table><tr><td>统计日期</td></tr></table></body></html>")
    assert table.rows == []


def test_blank_and_whitespace_only_files():
    for text in ("", "\n\n", " \r\n\t\r\n"):
        assert rejected(text).code == "empty_file"


def test_mixed_line_endings_and_blank_lines_inside():
    text = f"{HEADER}\r\n2024-01-01,搜索,1,2\n\r\n2024-01-02,搜索,3,4\r2024-01-03,搜索,5,6\r\n"
    table = read(text)
    assert [r[0] for r in table.rows] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert list(table.line_numbers) == [2, 4, 5]


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiter_is_chosen_from_the_header(delimiter):
    text = f"统计日期{delimiter}访客数{delimiter}支付金额\n2024-01-01{delimiter}1{delimiter}2.5\n"
    assert choose_delimiter(text, score) == delimiter
    assert read(text).rows == [["2024-01-01", "1", "2.5"]]


def test_tab_file_with_thousands_separators_stays_tabbed():
    text = "统计日期\t访客数\t支付金额\n2024-01-01\t1,234\t1,234.50\n2024-01-02\t2,345\t9,999.00\n"
    assert read(text).rows[0] == ["2024-01-01", "1,234", "1,234.50"]


def test_forced_tab_delimiter_for_tsv():
    table = read("统计日期\t访客数\n2024-01-01\t1,2\n", delimiter="\t")
    assert table.rows == [["2024-01-01", "1,2"]]


def test_excel_sep_hint_line():
    table = read("sep=;\n统计日期;访客数\n2024-01-01;1,5\n")
    assert table.header == ["统计日期", "访客数"]
    assert list(table.line_numbers) == [3]


def test_find_header_row_prefers_a_sure_row_then_a_likely_one():
    rows = [["标题"], ["统计日期", "x", "y", "z"], ["统计日期", "访客数", "x"]]
    assert find_header_row(rows, score) == 2
    assert find_header_row(rows[:2], score) == 0  # 0.25 < 0.3: first row
    assert find_header_row([["标题"], ["统计日期", "x", "y"], ["a"]], score) == 1


def test_too_many_columns(monkeypatch):
    monkeypatch.setattr(limits, "MAX_COLUMNS", 3)
    problem = rejected(f"{HEADER}\n2024-01-01,搜索,1,2\n")
    assert (problem.code, problem.found) == ("too_many_columns", "4")


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 2)
    read(f"{HEADER}\n" + "2024-01-01,搜索,1,2\n" * 2)
    assert rejected(f"{HEADER}\n" + "2024-01-01,搜索,1,2\n" * 3).code == "too_many_rows"


def test_cell_too_long_names_line_and_column(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELL_CHARS", 10)
    problem = rejected(f"{HEADER}\n2024-01-01,搜索,1,2\n2024-01-01,{'流' * 11},1,2\n")
    assert (problem.code, problem.row, problem.column) == ("cell_too_long", 3, "流量来源")


def test_long_cell_inside_a_quoted_multiline_value(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELL_CHARS", 10)
    problem = rejected(f'{HEADER}\n2024-01-01,"流流流流\n流流流流\n流流流",1,2\n')
    assert (problem.code, problem.row, problem.column) == ("cell_too_long", 2, "流量来源")


def test_line_too_long(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELL_CHARS", 10)
    monkeypatch.setattr(limits, "MAX_LINE_CHARS", 20)
    problem = rejected(f"{HEADER}\n" + "a" * 21 + "\n")
    assert (problem.code, problem.row) == ("line_too_long", 2)


# --- the Arrow reader of unquoted text reads exactly what csv.reader reads -------------------

_CELL = st.sampled_from(
    ["", " ", "2024-01-01", "手淘搜索", "1,234", "12a", "数据来源：生意参谋", "-"]
)
_LINE = st.one_of(
    st.lists(_CELL, min_size=4, max_size=4),  # a row of the header's width
    st.lists(_CELL, min_size=0, max_size=6),  # blank, short, ragged or notes-like
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_CELL, min_size=4, max_size=4), min_size=0, max_size=6),
    st.lists(_LINE, min_size=0, max_size=8),
    st.sampled_from([",", "\t", ";"]),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_arrow_reader_matches_csv_reader(head, body, delimiter, newline, titled):
    """Random unquoted tables (blank and delimiter-only lines, ragged rows, notes, title rows,
    CRLF): the fast path gives the same table, or the same problem, as csv.reader."""
    lines = (["【生意参谋平台】流量"] if titled else []) + [
        delimiter.join(HEADER.split(",")),
        *(delimiter.join(r) for r in head + body),
    ]
    text = newline.join(lines) + newline
    assume(not any(delimiter in cell for row in head + body for cell in row))
    fast = _outcome(lambda: read(text, delimiter=delimiter))
    slow = _outcome(lambda: _slow_read(text, delimiter))
    assert fast == slow


def _slow_read(text: str, delimiter: str):
    rows, lines, measure = text_table._split(text, "流量.csv", delimiter, set(), 0)
    if '"' not in text:  # _split takes str.split for unquoted text: force csv.reader instead
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        rows, lines, number = [], [], 0
        for row in reader:
            start, number = number + 1, reader.line_num
            if any(row):
                rows.append(row)
                lines.append(start)
    shape = text_table._Shape("流量.csv", score, None, None)
    return text_table._read_rows(rows, lines, measure, shape)


def _outcome(read_it):
    try:
        table = read_it()
    except InputRejected as exc:
        return [p.as_dict() if hasattr(p, "as_dict") else vars(p) for p in exc.problems]
    return (table.header, table.rows, list(table.line_numbers), table.header_line, table.notices)
