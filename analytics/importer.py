"""The one import function: the CLI, the upload page and the tests all call `import_file`.

It reads and validates the whole file in memory first (`prepare_import`, which raises
`InputRejected` naming file, row, column, found and expected), then stores it in one
transaction (`Workspace.commit`). Either the whole file is stored or nothing is.
"""

from __future__ import annotations

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
