"""The one renderer of errors pins the message shape (RELIABILITY R3): where, found, expected;
no traceback, path, PID or SQL; both languages."""

from __future__ import annotations

from analytics.errors import (
    InputProblem,
    InputRejected,
    ShopLensError,
    UsageError,
    WorkspaceBusy,
    WorkspaceCorrupt,
)
from analytics.i18n import t
from analytics.ingest.model import Notice
from analytics.messages import MAX_PROBLEMS_SHOWN, render_error, render_notice, render_problem


def test_the_generic_shape_names_file_row_column_found_and_expected() -> None:
    problem = InputProblem(
        "sales.csv", "no_such_code", row=5, column="访客数", found="abc", expected="a number"
    )
    assert render_problem(problem, "en") == (
        "sales.csv, row 5, column “访客数”: found “abc”, expected a number."
    )
    assert render_problem(problem, "zh") == "sales.csv 第 5 行“访客数”列：读到“abc”，应为a number。"


def test_a_problem_with_its_own_text_keeps_the_location_in_front() -> None:
    problem = InputProblem(
        "t.xlsx", "unstorable_value", row=7, column="日期", found="x", expected="date", sheet="S1"
    )
    text = render_problem(problem, "en")
    assert text.startswith("t.xlsx, sheet “S1”, row 7, column “日期”: found “x”")
    assert text.endswith(".") and not text.endswith("..")


def test_expected_words_come_from_the_catalogue_when_they_exist() -> None:
    problem = InputProblem("a.csv", "x", row=2, column="c", found="1", expected="date")
    assert render_problem(problem, "zh").endswith("应为" + t("expected.date", "zh") + "。")
    plain = InputProblem("a.csv", "x", row=2, column="c", found="1", expected="YYYY-MM-DD")
    assert render_problem(plain, "en").endswith("expected YYYY-MM-DD.")


def test_a_file_wide_problem_names_only_the_file() -> None:
    problem = InputProblem("empty.csv", "no_such_code")
    assert render_problem(problem, "en").startswith("empty.csv: ")


def test_a_placeholder_without_a_value_stays_visible_instead_of_failing() -> None:
    notice = Notice("duplicate_keys", {})
    assert "{rows}" in render_notice(notice, "en")
    assert render_notice(Notice("not_in_catalogue"), "en") == "not_in_catalogue"


def test_many_problems_are_cut_with_a_count_of_the_rest() -> None:
    problems = [InputProblem("a.csv", "x", row=i, found=str(i)) for i in range(30)]
    lines = render_error(InputRejected(problems), "en")
    assert len(lines) == MAX_PROBLEMS_SHOWN + 1
    assert "10" in lines[-1]


def test_workspace_errors_are_plain_words_in_both_languages() -> None:
    for exc in (WorkspaceBusy("workspace.busy"), WorkspaceCorrupt(), ShopLensError("boom")):
        for lang in ("en", "zh"):
            (line,) = render_error(exc, lang)
            assert line and "/" not in line and "PID" not in line and "boom" not in line


def test_usage_errors_use_their_code_as_the_key() -> None:
    (line,) = render_error(UsageError("workspace.unknown_import", import_id=9), "en")
    assert "#9" in line
    (fallback,) = render_error(UsageError("no.such.key"), "en")
    assert "no.such.key" in fallback
