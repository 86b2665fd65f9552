"""The one import function: the CLI, the upload page and the tests all call `import_file`.

It reads and validates the whole file in memory first (`prepare_import`, which raises
`InputRejected` naming file, row, column, found and expected), then stores it in one
transaction (`Workspace.commit`). Either the whole file is stored or nothing is.
"""

from __future__ import annotations

from analytics.errors import InputProblem, InputRejected
from analytics.ingest.model import ImportOptions, ImportResult
from analytics.ingest.prepare import prepare_import
from analytics.workspace import Workspace

# Just below Streamlit's server.maxUploadSize (200 MiB, .streamlit/config.toml), so a file the
# upload widget accepts gets our located message instead of a generic one (RELIABILITY R7).
MAX_UPLOAD_BYTES = 190 * 1024 * 1024


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
        WorkspaceBusy: another process held the workspace for longer than the wait allows.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        problem = InputProblem(
            file=name,
            code="upload_too_large",
            params={"size_mb": round(len(data) / 2**20, 1), "limit_mb": MAX_UPLOAD_BYTES // 2**20},
        )
        raise InputRejected([problem])
    prepared = prepare_import(
        name, data, options or ImportOptions(), remembered=ws.remembered_mappings()
    )
    return ws.commit(prepared)
