"""Scratch folders: for the readers that take a file, not bytes — DuckDB's CSV reader
(`bulk_orders`) and fastexcel (`excel`) — and for the private copy of a file imported from
disk (`importer.import_path`).

A reader's copy of bytes already in memory goes to RAM where Linux has /dev/shm (writing 170 MB
to a disk under write-back pressure took up to 0.5 s), else to the usual temp folder. A private
copy of a file on disk goes to the temp folder: it stands in for bytes the process does not
hold, so it is not put in RAM. Either is removed with its files when the import is done.

A process killed mid-import (SIGKILL, power loss of the app's container) cannot remove its
folder, and one in /dev/shm holds RAM until the machine restarts. So each folder is named for
its process (`shoplens-<pid>-…`), and the first folder a process asks for sweeps away those of
processes that no longer run.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import time
from pathlib import Path

RAM_FOLDER: str | None = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None

STALE_SECONDS = 60
"""A dead process's folder is swept only once untouched this long: a process of another PID
namespace (a second container sharing /dev/shm) looks dead from here while it imports."""


def folder(in_ram: bool = True) -> tempfile.TemporaryDirectory[str]:
    """A new scratch folder (in RAM when it can be); use it as `with scratch.folder() as path:`."""
    _sweep_once()
    return tempfile.TemporaryDirectory(
        prefix=f"shoplens-{os.getpid()}-",
        dir=RAM_FOLDER if in_ram else None,
        ignore_cleanup_errors=True,
    )


def sweep(place: Path, now: float | None = None) -> list[Path]:
    """Remove the scratch folders in `place` left by processes that no longer run and untouched
    for `STALE_SECONDS`; returns what was removed. Anything else is left alone."""
    now = time.time() if now is None else now
    removed = []
    for entry in place.glob("shoplens-*-*"):
        pid = entry.name.split("-")[1]
        if not pid.isdigit() or _running(int(pid)):
            continue
        try:
            if not entry.is_dir() or now - entry.stat().st_mtime < STALE_SECONDS:
                continue
        except OSError:
            continue  # gone meanwhile
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


@functools.cache
def _sweep_once() -> None:
    """`sweep` both places scratch folders go, once per process."""
    for place in {RAM_FOLDER, tempfile.gettempdir()} - {None}:
        sweep(Path(place))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
