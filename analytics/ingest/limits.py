"""The sizes a file may have, checked before (or while) it is parsed (RELIABILITY R7).

Each cap is far above what a real shop export needs and low enough that a hostile or broken
file is refused before it can exhaust memory or time: a 190 MiB upload, a 1 GiB workbook once
unzipped. Every reject names what was found and the cap, so the user knows how far over it is.
"""

from __future__ import annotations

from analytics.errors import InputProblem, InputRejected, shown_value

MAX_UPLOAD_BYTES = 190 * 1024 * 1024
"""Just below Streamlit's 200 MiB `server.maxUploadSize`, so our located message wins."""
MAX_ROWS = 5_000_000
"""Data rows per table: years of daily per-channel traffic, or a big shop's order lines."""
MAX_COLUMNS = 500
"""Columns per table: the widest real exports have around 200."""
MAX_CELL_CHARS = 32_767
"""Excel's own limit on the text in one cell."""
MAX_LINE_CHARS = 4 * 1024 * 1024
"""Characters on one physical line of a text file: more is a blob, not a table. Set above any
line of `MAX_COLUMNS` real cells and above a single oversized cell, so that a table with one
2 MB cell is told which cell (`cell_too_long`) rather than which line."""
MAX_XLSX_UNCOMPRESSED = 1024 * 1024 * 1024
"""Sum of the uncompressed sizes of a workbook's zip members, read from the zip directory."""
MAX_ZIP_RATIO = 200
"""Uncompressed/compressed size of one member; real worksheets compress 5–50×."""
MAX_ZIP_RATIO_MIN_BYTES = 16 * 1024 * 1024
"""Members smaller than this uncompressed skip the ratio test: a 2 MiB run of empty styled
cells may deflate 500× and is harmless."""
MAX_SHEETS = 200
"""Worksheets per workbook."""


def reject(file: str, code: str, **fields: object) -> InputRejected:
    """An `InputRejected` with one problem; `fields` are InputProblem fields, the rest params.

    `found` is the raw value: it is escaped and cut here (`shown_value`).
    `reject("a.csv", "too_many_rows", found="5000001", limit=5_000_000)` → problem code
    "too_many_rows" with `params={"limit": 5000000}`.
    """
    known = {"row", "column", "found", "expected", "sheet"}
    problem_fields = {k: v for k, v in fields.items() if k in known}
    if problem_fields.get("found") is not None:
        problem_fields["found"] = shown_value(problem_fields["found"])
    params = {k: v for k, v in fields.items() if k not in known}
    return InputRejected([InputProblem(file=file, code=code, params=params, **problem_fields)])


def check_upload_size(file: str, size: int) -> None:
    """Refuse an upload over `MAX_UPLOAD_BYTES` before anything else looks at it."""
    if size > MAX_UPLOAD_BYTES:
        raise reject(
            file,
            "file_too_large",
            found=f"{size / 2**20:.1f} MB",
            limit_mb=MAX_UPLOAD_BYTES // 2**20,
        )


def check_columns(file: str, count: int, row: int, sheet: str | None = None) -> None:
    """Refuse a row (the header, or the widest) with more than `MAX_COLUMNS` cells."""
    if count > MAX_COLUMNS:
        raise reject(
            file, "too_many_columns", row=row, sheet=sheet, found=str(count), limit=MAX_COLUMNS
        )


def check_rows(file: str, count: int, sheet: str | None = None) -> None:
    """Refuse a table with more than `MAX_ROWS` data rows; `count` is how many were seen."""
    if count > MAX_ROWS:
        raise reject(file, "too_many_rows", sheet=sheet, found=str(count), limit=MAX_ROWS)


def check_cells(
    file: str,
    cells: list[str | None],
    row: int,
    header: list[str] | None,
    sheet: str | None = None,
) -> None:
    """Refuse a row holding a cell longer than `MAX_CELL_CHARS`, naming its column."""
    for index, cell in enumerate(cells):
        if cell is not None and len(cell) > MAX_CELL_CHARS:
            column = header[index] if header and index < len(header) else f"column_{index + 1}"
            raise reject(
                file,
                "cell_too_long",
                row=row,
                column=column,
                sheet=sheet,
                found=str(len(cell)),
                expected="read_cell_length",
            )
