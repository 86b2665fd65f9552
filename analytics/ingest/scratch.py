"""A scratch folder for the readers that take a file, not bytes: DuckDB's CSV reader
(`bulk_orders`) and fastexcel (`excel`).

In RAM where Linux has /dev/shm (writing 170 MB to a disk under write-back pressure took up to
0.5 s), else in the usual temp folder; removed with its files as soon as the read is done.
"""

from __future__ import annotations

import os
import tempfile

RAM_FOLDER: str | None = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def folder() -> tempfile.TemporaryDirectory[str]:
    """A new scratch folder; use it as `with scratch.folder() as path:`."""
    return tempfile.TemporaryDirectory(
        prefix="shoplens-", dir=RAM_FOLDER, ignore_cleanup_errors=True
    )
