"""Named exceptions, raised once with structure and rendered once per boundary.

The CLI (`analytics.cli`) and the dashboard (`ui/errors.py`) turn these into text with the
message catalogue; nothing else catches broad exceptions. A message never carries a traceback,
a server path, a PID or SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FOUND_MAX_CHARS = 80


def shown_value(value: object) -> str:
    """Return `value` escaped and cut to 80 characters, safe to print in a message.

    Control and bidi characters become `\\uXXXX` escapes so a hostile cell cannot reorder or
    hide the text around it: `shown_value("a\\u202eb")` → `'a\\\\u202eb'`.
    """
    text = "" if value is None else str(value)
    escaped = "".join(
        ch if ch.isprintable() and not _is_bidi(ch) else f"\\u{ord(ch):04x}" for ch in text
    )
    if len(escaped) > FOUND_MAX_CHARS:
        escaped = escaped[: FOUND_MAX_CHARS - 1] + "…"
    return escaped


def _is_bidi(ch: str) -> bool:
    return "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069" or ch in "\u200e\u200f\u061c"


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with an input file, located as precisely as the file allows.

    Attributes:
        file: the uploaded file's display name (never a server path).
        code: catalogue key under `problem.` naming the kind of problem, e.g. "bad_number".
        row: 1-based physical line for text files, the sheet row for Excel; None if file-wide.
        column: the source column header as written in the file, or None.
        found: the raw value, already escaped and cut with `shown_value`.
        expected: catalogue key under `expected.` (e.g. "number", "date") or plain text.
        sheet: the Excel sheet name, if any.
        params: extra placeholders for the message.
    """

    file: str
    code: str
    row: int | None = None
    column: str | None = None
    found: str | None = None
    expected: str | None = None
    sheet: str | None = None
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


class ShopLensError(Exception):
    """Base for every error ShopLens turns into a user-facing message."""


class InputRejected(ShopLensError):
    """The input cannot be imported; nothing was stored.

    Carries one or more problems (the first is the one to show first).
    """

    def __init__(self, problems: list[InputProblem]) -> None:
        super().__init__(f"{len(problems)} input problem(s)")
        self.problems = problems


class UnrecognisedColumns(InputRejected):
    """The file's kind or required columns could not be recognised with confidence.

    Carries what *was* recognised so the UI can offer a column-mapping editor and the CLI can
    suggest `--map "SOURCE=field"`.
    """

    def __init__(self, problems: list[InputProblem], recognition: Any, header: list[str]) -> None:
        super().__init__(problems)
        self.recognition = recognition
        self.header = header


class WorkspaceBusy(ShopLensError):
    """Another process held the workspace longer than the wait allows."""


class WorkspaceCorrupt(ShopLensError):
    """The workspace file is not a readable ShopLens workspace; it is never overwritten."""


class WorkspaceWriteFailed(ShopLensError):
    """Storing an import failed for lack of disk space or memory; it was rolled back whole."""


class UsageError(ShopLensError):
    """The caller asked for something that does not exist (unknown import id, bad option)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
