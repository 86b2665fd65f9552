"""Turn errors and notices into catalogue text: the one renderer the CLI and the UI share.

A rejected file must say where and what (RELIABILITY R3): the file, the sheet, the physical row,
the column, the value found and what was expected. The location is always built here, in front
of the problem's own text, so every problem shows it the same way:

    en: sales.csv, row 5, column “访客数”: found “abc”, expected a whole number.
    zh: sales.csv 第 5 行“访客数”列：读到“abc”，应为整数。

A problem's text comes from its catalogue key `problem.<code>` when that key exists; it says
what is wrong (the location is not repeated in it) and may use the placeholders {found},
{expected}, {column}, {row}, {sheet}, {file} and the problem's own `params`. Without such a key,
the generic "found …, expected …" shape is used. `expected` is a key under `expected.` (e.g.
"number") or plain text.

Texts written by other areas (problems, notices) are filled leniently: a placeholder the
message has no value for is left visible instead of failing at the error boundary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analytics.errors import (
    InputProblem,
    InputRejected,
    ShopLensError,
    UsageError,
    WorkspaceBusy,
    WorkspaceCorrupt,
    WorkspaceWriteFailed,
)
from analytics.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalogue, t
from analytics.ingest.model import Notice

MAX_PROBLEMS_SHOWN = 20


class _KeepMissing(dict):
    """format_map values that show `{name}` for a placeholder without a value."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _text(key: str, lang: str) -> str | None:
    """The catalogue text of `key` in `lang`, or None when the key does not exist."""
    texts = catalogue().get(key)
    if texts is None:
        return None
    return texts.get(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


# Params that are line or row numbers: shown as an editor shows them, without separators.
_POSITIONS = frozenset({"line", "row", "first_row", "byte"})


def _fill(template: str, params: Mapping[str, Any]) -> str:
    """`template` with `params`; counts get thousands separators ("165,903")."""
    shown = {
        k: f"{v:,}" if type(v) is int and k not in _POSITIONS else v for k, v in params.items()
    }
    return template.format_map(_KeepMissing(shown))


def render_expected(expected: str | None, lang: str) -> str | None:
    """`expected.<name>` from the catalogue when it exists, else the text as given."""
    if expected is None:
        return None
    return _text(f"expected.{expected}", lang) or expected


def render_location(problem: InputProblem, lang: str) -> str:
    """Where the problem is: file, then sheet, row and column as far as they are known."""
    where = problem.file
    if problem.sheet is not None:
        where += t("error.where_sheet", lang, sheet=problem.sheet)
    if problem.row is not None:
        where += t("error.where_row", lang, row=problem.row)
    if problem.column is not None:
        where += t("error.where_column", lang, column=problem.column)
    return where


def render_problem(problem: InputProblem, lang: str) -> str:
    """One line naming where the problem is, what was found and what was expected.

    `InputProblem("a.csv", "no_such_code", row=5, column="UV", found="x", expected="date")`
    renders in English as `a.csv, row 5, column “UV”: found “x”, expected a date.`
    """
    expected = render_expected(problem.expected, lang)
    own = _text(f"problem.{problem.code}", lang)
    if own is not None:
        params = {
            "file": problem.file,
            "sheet": problem.sheet or "",
            "row": "" if problem.row is None else problem.row,
            "column": problem.column or "",
            "found": problem.found or "",
            "expected": expected or "",
            **problem.params,
        }
        detail = _fill(own, params).rstrip("。.")
    else:
        parts = []
        if problem.found is not None:
            parts.append(t("error.found", lang, found=problem.found))
        if expected is not None:
            parts.append(t("error.expected", lang, expected=expected))
        detail = t("error.separator", lang).join(parts) or t("error.unreadable_value", lang)
    return t("error.problem_line", lang, where=render_location(problem, lang), detail=detail)


def render_notice(notice: Notice, lang: str) -> str:
    """A notice's catalogue text (`notice.<code>`), or its code when the key is missing."""
    own = _text(f"notice.{notice.code}", lang)
    return notice.code if own is None else _fill(own, notice.params)


def render_error(exc: ShopLensError, lang: str) -> list[str]:
    """The lines that explain `exc` to the user: no traceback, path, PID or SQL.

    InputRejected gives one line per problem (the first `MAX_PROBLEMS_SHOWN`, then a count of
    the rest). WorkspaceBusy/WorkspaceCorrupt may carry a catalogue key as their argument.
    """
    if isinstance(exc, InputRejected):
        lines = [render_problem(p, lang) for p in exc.problems[:MAX_PROBLEMS_SHOWN]]
        hidden = len(exc.problems) - MAX_PROBLEMS_SHOWN
        if hidden > 0:
            lines.append(t("error.more_problems", lang, count=hidden))
        return lines
    if isinstance(exc, UsageError):
        own = _text(exc.code, lang)
        if own is None:
            return [t("error.usage", lang, code=exc.code)]
        return [_fill(own, exc.params)]
    if isinstance(exc, WorkspaceBusy):
        return [_keyed(exc, "workspace.busy", lang)]
    if isinstance(exc, WorkspaceCorrupt):
        return [_keyed(exc, "workspace.corrupt", lang)]
    if isinstance(exc, WorkspaceWriteFailed):
        return [_keyed(exc, "workspace.write_failed", lang)]
    return [t("error.unexpected", lang)]


def _keyed(exc: ShopLensError, default_key: str, lang: str) -> str:
    """The text of the catalogue key `exc` was raised with, else of `default_key`."""
    key = exc.args[0] if exc.args and isinstance(exc.args[0], str) else default_key
    return _text(key, lang) or t(default_key, lang)
