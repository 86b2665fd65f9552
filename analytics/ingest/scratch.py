"""Scratch folders: for the readers that take a file, not bytes — DuckDB's CSV reader
(`bulk_orders`) and fastexcel (`excel`) — and for the private copy of a file imported from
disk (`importer.import_path`).

A reader's copy of bytes already in memory goes to RAM where Linux has /dev/shm (writing 170 MB
to a disk under write-back pressure took up to 0.5 s), else to the usual temp folder. A private
copy of a file on disk goes to the temp folder: it stands in for bytes the process does not
hold, so it is not put in RAM. Either is removed with its files when the import is done.
"""

from __future__ import annotations

import os
import tempfile

RAM_FOLDER: str | None = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def folder(in_ram: bool = True) -> tempfile.TemporaryDirectory[str]:
    """A new scratch folder (in RAM when it can be); use it as `with scratch.folder() as path:`."""
    return tempfile.TemporaryDirectory(
        prefix="shoplens-", dir=RAM_FOLDER if in_ram else None, ignore_cleanup_errors=True
    )
