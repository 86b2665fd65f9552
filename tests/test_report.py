"""Reports: the formula guard (P10), CSV with BOM, XLSX string cells, self-contained HTML."""

from __future__ import annotations

import csv
import io
import math
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.formulas import FORMULA_TRIGGERS, guard_formula, unguard_formula
from analytics.metrics.period import Period, Scope
from analytics.metrics.report import (
    SECTIONS,
    csv_bytes,
    label,
    report_sections,
    write_html,
    write_xlsx,
)
from tests.metric_tables import make_connection

WEEK = Period(date(2024, 1, 8), date(2024, 1, 14))
TRIGGERS = sorted(FORMULA_TRIGGERS)
HOSTILE = [
    '=HYPERLINK("http://evil.example","点我")',
    "+1-2",
    "-3",
    "@SUM(A1)",
    "＝1+1",
    "\tTab",
    "<script>alert(1)</script>",
    "<b>直通车</b>",
    "手淘搜索",
]

# --- P10: formula guard ------------------------------------------------------------------

prefixed = st.builds(
    lambda quotes, trigger, rest: "'" * quotes + trigger + rest,
    st.integers(0, 3),
    st.sampled_from(TRIGGERS),
    st.text(),
)


@settings(deadline=None)
@given(st.one_of(st.text(), prefixed))
def test_guard_round_trips_and_never_starts_a_formula(text: str) -> None:
    guarded = guard_formula(text)
    assert unguard_formula(guarded) == text
    assert not guarded or guarded[0] not in FORMULA_TRIGGERS
    if text and text[0] not in FORMULA_TRIGGERS and not text.startswith("'"):
        assert guarded == text  # ordinary text is left alone


def test_guard_examples() -> None:
    assert guard_formula("=1+1") == "'=1+1"
    assert guard_formula("－5") == "'－5"
    assert guard_formula("\r\n") == "'\r\n"
    assert guard_formula("'=1") == "''=1"
    assert guard_formula("'ok") == "'ok"
    assert guard_formula("") == ""
    assert unguard_formula("'=1+1") == "=1+1"
    assert unguard_formula("'ok") == "'ok"


@settings(deadline=None)  # pandas CSV writing: slow on a loaded CI machine, not a regression
@given(
    st.lists(st.one_of(st.text(), prefixed), min_size=1, max_size=5),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=5, max_size=5),
    st.lists(st.integers(-(10**15), 10**15), min_size=5, max_size=5),
)
def test_csv_numbers_stay_numbers_and_text_is_guarded(
    texts: list[str], floats: list[float], ints: list[int]
) -> None:
    n = len(texts)
    frame = pd.DataFrame({"name": texts, "rate": floats[:n], "count": ints[:n]})
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")[1:]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["name", "rate", "count"]
    assert len(rows) == n + 1
    for row, name, rate, count in zip(rows[1:], texts, floats[:n], ints[:n], strict=True):
        assert row[0] == guard_formula(name)
        assert unguard_formula(row[0]) == name
        assert row[1] == ("" if math.isnan(rate) else format(rate))
        assert row[2] == format(count)


def test_csv_keeps_chinese_and_negative_numbers() -> None:
    frame = pd.DataFrame({"渠道": ["=直通车", "手淘搜索"], "变化": [-0.5, 2.0], "人数": [-3, 4]})
    data = csv_bytes(frame)
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == ["渠道", "变化", "人数"]
    assert list(back["渠道"]) == ["'=直通车", "手淘搜索"]
    assert list(back["变化"]) == [-0.5, 2.0]  # negative numbers are not prefixed
    assert list(back["人数"]) == [-3, 4]


# --- a workspace with every kind of data and hostile names ---------------------------------


def traffic_rows() -> list[dict]:
    rows = []
    for day in range(1, 15):
        for i, channel in enumerate(HOSTILE[:4] + HOSTILE[6:]):
            rows.append(
                {
                    "date": f"2024-01-{day:02d}",
                    "channel": channel,
                    "visitors": 200 + 10 * i,
                    "product_visitors": 120,
                    "inquiries": 30,
                    "order_buyers": 12 if day < 8 or i else 4,
                    "paying_buyers": 8 if day < 8 or i else 3,
                    "pay_amount": "800.00",
                }
            )
    return rows


@pytest.fixture(scope="module")
def full_con():
    orders = [
        {
            "order_id": str(i),
            "customer_id": HOSTILE[i % len(HOSTILE)],
            "created_at": f"2024-01-{1 + i % 14:02d} 10:00",
            "is_paid": i % 7 != 0,
            "status": "refunded" if i % 7 == 0 else "paid",
            "pay_amount": str(10 + i),
        }
        for i in range(40)
    ]
    return make_connection(
        {
            "traffic": traffic_rows(),
            "orders": orders,
            "products": [
                {"date": "2024-01-09", "product_id": "=p1", "product_name": HOSTILE[0],
                 "product_visitors": 100, "order_buyers": 5, "paying_buyers": 3,
                 "pay_amount": "300"},
                {"date": "2024-01-09", "product_id": "p2", "product_name": "预售<i>款</i>",
                 "product_visitors": 50, "order_buyers": 5, "paying_buyers": 0,
                 "is_presale": True},
            ],
            "reviews": [
                {"created_at": f"2024-01-{d:02d}", "rating": 1 + d % 5, "dsr_description": 4.8,
                 "dsr_service": 4.7, "dsr_logistics": 4.9, "text": HOSTILE[d % len(HOSTILE)]}
                for d in range(1, 15)
            ],
            "dsr": [
                {"date": "2024-01-10", "dsr_description": 4.8, "dsr_service": 4.7,
                 "dsr_logistics": 4.6, "peer_description": 4.75, "peer_service": 4.8,
                 "peer_logistics": 4.6, "score_system": "dsr"}
            ],
        }
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_section_has_labelled_columns(full_con, lang: str) -> None:
    sections = report_sections(full_con, WEEK, Scope(), lang)
    assert [s.key for s in sections] == list(SECTIONS)
    for section in sections:
        for table in section.tables:
            for column in table.frame.columns:
                if column != "name":
                    assert label(column, lang).strip(), (section.key, column)
    by_key = {s.key: s for s in sections}
    assert not by_key["kpis"].tables[0].frame.empty
    assert not by_key["channels"].tables[0].frame.empty


def test_xlsx_text_cells_are_strings_and_numbers_are_numbers(full_con, tmp_path: Path) -> None:
    out = write_xlsx(full_con, WEEK, Scope(), tmp_path / "report.xlsx", "zh")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:3] == ["核心指标", "转化漏斗", "流量来源"]
    texts, numbers = set(), 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    texts.add(cell.value)
                elif isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    assert cell.data_type == "n"
                    numbers += 1
                assert cell.data_type != "f"
    # hostile names come back exactly as typed, as text
    assert set(HOSTILE[:4]) <= texts
    assert "预售<i>款</i>" in texts
    assert numbers > 100
    channels = book["流量来源"]
    header_row = next(r for r in channels.iter_rows(values_only=True) if r and r[0] == "渠道")
    assert header_row[1] == "访客数"
    rates = [c for row in channels.iter_rows() for c in row if c.number_format == "0.00%"]
    assert rates and all(isinstance(c.value, (int, float)) for c in rates)


def test_xlsx_without_data_still_has_every_sheet(tmp_path: Path) -> None:
    out = write_xlsx(make_connection(), WEEK, Scope(), tmp_path / "empty.xlsx", "en")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "KPIs", "Funnel", "Channels", "Conversion", "Products", "Ratings", "Repeat purchase",
        "RFM", "Leak",
    ]  # fmt: skip


def test_html_is_self_contained_and_escapes_user_strings(full_con, tmp_path: Path) -> None:
    out = write_html(full_con, WEEK, Scope(), tmp_path / "report.html", "zh")
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "店铺周报" in page
    # plotly.js is embedded once (opens offline), never fetched
    assert page.count("Plotly.newPlot") >= 2
    assert 'src="http' not in page and "cdn.plot.ly" not in page.split("</head>")[0]
    assert len(page) > 3_000_000
    # user strings never become markup
    assert "<script>alert(1)</script>" not in page
    assert "<b>直通车</b>" not in page
    assert "&lt;b&gt;直通车&lt;/b&gt;" in page
    assert "预售&lt;i&gt;款&lt;/i&gt;" in page


def test_html_without_data_says_so(tmp_path: Path) -> None:
    out = write_html(make_connection(), WEEK, Scope(), tmp_path / "empty.html", "en")
    page = out.read_text("utf-8")
    assert "No data for this section in the period." in page
    assert "Plotly.newPlot" not in page
