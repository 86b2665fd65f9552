"""The import functions: `import_file` for bytes (the upload page, the tests), `import_path` for
a file on disk (the CLI), which is `import_file` of its bytes except for a large regular orders
CSV, read without holding its bytes in memory.

Both read and validate the whole file first (`prepare_import`, which raises `InputRejected`
naming file, row, column, found and expected), then store it in one transaction
(`Workspace.commit`). Either the whole file is stored or nothing is.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from analytics.ingest import bulk_orders, read, scratch
from analytics.ingest.limits import check_upload_size
from analytics.ingest.model import ImportOptions, ImportResult
from analytics.ingest.prepare import prepare_import
from analytics.workspace import Workspace


def import_file(
    ws: Workspace, name: str, data: bytes, options: ImportOptions | None = None
) -> ImportResult:
    """Read, validate and store one uploaded file.

    Args:
        ws: the workspace to store into.
        name: the file's display name as uploaded (never used as a storage path).
        data: the exact bytes of the file; archived as `raw/<sha256>.<ext>` after COMMIT.
        options: what the user said about the file (kind, shop, mapping, columns, sheet).

    Returns:
        What the import did; `import_id` is None for an identical file imported before.

    Raises:
        InputRejected: the file cannot be imported (too large, unreadable, values that do not
            parse, unrecognised columns). The workspace is unchanged.
        UsageError: an unknown sheet, kind or mapping field was asked for.
        WorkspaceBusy: another process held the workspace for longer than the wait allows.
    """
    check_upload_size(name, len(data))  # before anything else looks at the bytes (R7)
    prepared = prepare_import(
        name, data, options or ImportOptions(), remembered=ws.remembered_mappings()
    )
    return ws.commit(prepared)


def import_path(ws: Workspace, path: Path, options: ImportOptions | None = None) -> ImportResult:
    """`import_file` of the file at `path`: what `shoplens import` runs.

    A file the fast path may take (a large text file) is first copied to a private scratch
    file, so what is checked, stored and archived is one unchanging set of bytes even if the
    original is still being written; `bulk_orders.prepare_orders_file` then reads that copy in
    chunks and through DuckDB, and a yearly million-row export is imported without its 170 MB
    ever held in memory. Any file it does not take is read whole and goes through
    `import_file` — from the copy, when there is one.

    Raises:
        OSError: `path` cannot be read.
        Everything `import_file` raises.
    """
    options = options or ImportOptions()
    size = path.stat().st_size
    check_upload_size(path.name, size)
    if size < bulk_orders.MIN_BYTES or read.extension(path.name) not in read.TEXT_EXTENSIONS:
        return import_file(ws, path.name, path.read_bytes(), options)
    with _private_copy(path) as copy:
        if copy is None:  # no room for a copy (or `path` unreadable: read_bytes says which)
            return import_file(ws, path.name, path.read_bytes(), options)
        remembered = ws.remembered_mappings()
        prepared = bulk_orders.prepare_orders_file(copy, path.name, options, remembered)
        if prepared is None:  # declined: the reference path reads the copy (size checked above)
            data = copy.read_bytes()
            prepared = prepare_import(path.name, data, options, remembered, fast_path=False)
        return ws.commit(prepared)


@contextmanager
def _private_copy(path: Path) -> Iterator[Path | None]:
    """A copy of `path` in a scratch folder on disk, removed on the way out; None when no
    copy could be made."""
    try:
        folder = scratch.folder(in_ram=False)
    except OSError:
        yield None
        return
    with folder as name:
        copy = Path(name) / "upload"
        try:
            shutil.copyfile(path, copy)
        except OSError:
            copy = None
        yield copy
