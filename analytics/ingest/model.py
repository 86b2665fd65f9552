"""The values passed between the ingest steps and the workspace.

read (bytes → RawTable) → recognise (header → Recognition) → normalise (RawTable + mapping →
PreparedImport with a canonical DataFrame) → workspace.commit (one transaction).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Notice:
    """Something the importer assumed or fixed, shown to the user; `code` is a catalogue key
    under `notice.`, `params` fill its placeholders."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ImportOptions:
    """What the user told us about a file (CLI flags or upload-page choices)."""

    kind: str | None = None  # force a kind instead of detecting it
    shop: str = ""  # '' = the default shop
    mapping: Mapping[str, str] = field(default_factory=dict, hash=False)  # source col → field
    columns: tuple[str, ...] | None = None  # field names for a headerless file
    sheet: str | None = None  # Excel sheet to read when several are recognisable


@dataclass
class RawTable:
    """A file's cells as text, after decoding and locating the header, held by column.

    `columns[j]` holds the cells under `header[j]` as an Arrow string array, null for an empty
    cell; nothing is typed yet. Row `i` came from physical line (or sheet row)
    `line_numbers[i]`, 1-based, so every later error can name the line a user sees in their
    editor or Excel. Columns, not row lists: a million-row export stays a few Arrow buffers
    instead of ten million Python strings, and normalise reads each column whole.
    """

    file: str
    header: list[str]
    columns: list[pa.Array | pa.ChunkedArray]
    line_numbers: np.ndarray  # int64, one per row
    header_line: int  # 1-based; 0 for headerless files read with --columns
    encoding: str | None = None  # None for Excel
    sheet: str | None = None
    notices: list[Notice] = field(default_factory=list)
    unread: frozenset[int] = frozenset()  # positions left unread (all null): not asked for

    @classmethod
    def from_rows(
        cls,
        file: str,
        header: list[str],
        rows: Sequence[Sequence[str | None]],
        line_numbers: Sequence[int],
        header_line: int,
        **extra: Any,
    ) -> RawTable:
        """The table of `rows` (each as wide as `header`; "" and None both mean empty)."""
        columns = columns_from_rows(rows, len(header))
        lines = np.asarray(line_numbers, dtype=np.int64)
        return cls(file, header, columns, lines, header_line, **extra)

    @property
    def row_count(self) -> int:
        return len(self.line_numbers)

    @property
    def rows(self) -> list[list[str | None]]:
        """The cells row by row, as Python lists: for small tables and tests only."""
        return [list(row) for row in zip(*(c.to_pylist() for c in self.columns), strict=True)]


def columns_from_rows(rows: Sequence[Sequence[str | None]], width: int) -> list[pa.Array]:
    """Row lists (each `width` cells) as one Arrow string array per column, empty as null."""
    cells = list(zip(*rows, strict=True)) if rows else [()] * width
    return [empty_as_null(pa.array(column, type=pa.string())) for column in cells]


def empty_as_null(column: pa.Array) -> pa.Array:
    """An empty cell is null, whether the reader gave "" or nothing."""
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


@dataclass(frozen=True)
class Recognition:
    """What recognise() made of a header: kind, platform and source column → field mapping."""

    kind: str | None
    platform: str | None
    mapping: Mapping[str, str]  # source column (as written) → canonical field
    missing: tuple[str, ...]  # required fields of `kind` with no column
    unmapped: tuple[str, ...]  # source columns that map to nothing (ignored)
    score: float = 0.0  # share of header cells recognised, for choosing among candidates

    @property
    def complete(self) -> bool:
        return self.kind is not None and not self.missing


@dataclass(frozen=True)
class TotalsCheck:
    """The totals row (合计/Total) found and dropped, checked against the column sums."""

    line: int
    matched: bool
    mismatches: Mapping[str, tuple[float, float]] = field(default_factory=dict, hash=False)
    # field → (total row value, sum of the rows)


@dataclass
class PreparedImport:
    """A file fully read and validated, ready to store in one transaction; also the preview
    the upload page shows before anything is stored."""

    file_name: str  # display name only (control/bidi characters removed)
    data: bytes | None  # the exact uploaded bytes, archived as raw/<sha256>.<ext>; or None …
    sha256: str
    ext: str  # lower-case extension without the dot, e.g. "csv"
    kind: str
    platform: str | None
    shop: str
    encoding: str | None
    sheet: str | None
    mapping: Mapping[str, str]
    header_signature: str  # stable hash of the normalised header, for remembered mappings
    frame: pd.DataFrame  # exactly schema.TABLES[kind].column_names, typed
    rows_read: int  # data rows in the file (totals row excluded)
    date_range: tuple[date, date] | None
    totals: TotalsCheck | None = None
    notices: list[Notice] = field(default_factory=list)
    currency: str | None = None
    # Distinct keys of `frame` when the reader has counted them (the fast path must, to
    # decline line exports); None and the workspace counts them. Either way, counted once.
    distinct_keys: int | None = None
    # … when the bytes are in this file instead (never changed until the commit): the CLI's
    # large orders CSV, whose bytes are never held in memory (`importer.import_path`).
    source: Path | None = None


@dataclass(frozen=True)
class ImportResult:
    """What one import did to the workspace."""

    import_id: int | None  # None when nothing was stored (identical re-import)
    file_name: str
    kind: str
    rows_inserted: int
    rows_updated: int  # keys that replaced existing rows
    already_imported_at: str | None = None  # ISO time of the identical earlier import
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class ImportRecord:
    """One row of the `imports` table."""

    import_id: int
    file_name: str
    sha256: str
    kind: str
    platform: str | None
    shop: str
    rows: int
    rows_updated: int
    date_start: date | None
    date_end: date | None
    imported_at: str
    undone_at: str | None
