"""The bundled sample exports: load them into a workspace, or open a shared pre-built one.

The dashboard opens on sample data when the user's workspace is empty; building it takes a few
seconds, so `sample_workspace()` builds it once per set of sample files into a cache folder and
reuses it. Two processes may build it at the same moment: each builds in its own temporary
folder and renames it into place; the loser discards its copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from analytics.importer import import_file
from analytics.ingest.model import ImportOptions, ImportResult
from analytics.workspace import SCHEMA_VERSION, Workspace

# The repository's sample_data/ beside the package (the package is installed editable).
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
SAMPLE_EXTENSIONS = frozenset({".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls"})


def sample_files() -> list[Path]:
    """The sample export files, sorted by name (documentation files such as README.md skipped)."""
    if not SAMPLE_DIR.is_dir():
        return []
    return sorted(
        p for p in SAMPLE_DIR.iterdir() if p.is_file() and p.suffix.lower() in SAMPLE_EXTENSIONS
    )


def sample_shop(path: Path) -> str:
    """The shop a sample file belongs to: the Shopify exports are a second, English shop.

    Keeping them apart matters: Shopify counts sessions, Sycm counts unique visitors, and the
    two must never be summed on one axis.
    """
    return "Shopify US" if path.name.lower().startswith("shopify") else "天猫旗舰店"


def load_sample(ws: Workspace) -> list[ImportResult]:
    """Import every sample file into `ws`, one transaction each, in name order."""
    return [
        import_file(ws, path.name, path.read_bytes(), ImportOptions(shop=sample_shop(path)))
        for path in sample_files()
    ]


def sample_workspace() -> Workspace:
    """A workspace holding the sample data, built once and cached in the temp folder.

    The cache folder is named after the sample files, the schema version and the import code,
    so new sample data or a changed importer gets a fresh build and a stale one is never reused.
    """
    prefix = f"shoplens-sample-{_user_tag()}"
    final = Path(tempfile.gettempdir()) / f"{prefix}{_sample_hash()[:16]}"
    if (final / "workspace.duckdb").is_file():
        return Workspace(final)
    _remove_stale(final.parent, prefix)
    building = Path(tempfile.mkdtemp(prefix="shoplens-build-sample-"))
    try:
        ws = Workspace(building)
        load_sample(ws)
        try:
            building.rename(final)
        except OSError:
            # Another process renamed its build into place first: use that one.
            if not (final / "workspace.duckdb").is_file():
                raise
    finally:
        if building.exists():
            shutil.rmtree(building)
    return Workspace(final)


def _remove_stale(folder: Path, prefix: str) -> None:
    """Delete sample workspaces of earlier sample data or code, so they do not pile up.

    Best effort: one still open elsewhere (Windows keeps open files) stays until next time.
    """
    for old in folder.glob(f"{prefix}*"):
        if old.is_dir() and (old / "workspace.duckdb").is_file():
            shutil.rmtree(old, ignore_errors=True)


def _sample_hash() -> str:
    """sha256 over the schema version, the sample files and the code that imports them.

    The import code is part of the key because a fix in reading or recognising changes what
    the same sample files turn into.
    """
    package = Path(__file__).resolve().parent
    code = sorted((package / "ingest").glob("*.py")) + [
        package / name for name in ("schema.py", "workspace.py", "importer.py")
    ]
    h = hashlib.sha256(SCHEMA_VERSION.encode())
    for path in [*sample_files(), *code]:
        h.update(path.name.encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _user_tag() -> str:
    """`<uid>-` on POSIX, so users sharing /tmp never open each other's cache."""
    return f"{os.getuid()}-" if hasattr(os, "getuid") else ""
