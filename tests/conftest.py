"""Shared pytest fixtures: real temporary workspaces, never mocks."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
SAMPLE_DATA = ROOT / "sample_data"


@pytest.fixture
def workspace(tmp_path: Path):
    """An empty workspace in a temporary folder."""
    from analytics.workspace import Workspace

    return Workspace(tmp_path / "ws")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace folder holding every bundled sample export (one per test module)."""
    from analytics.sample import load_sample
    from analytics.workspace import Workspace

    path = tmp_path_factory.mktemp("seeded") / "ws"
    load_sample(Workspace(path))
    return path


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The shared real datasets (../shared/realdata); tests using them skip if it is absent."""
    if not REALDATA.is_dir():
        pytest.skip(f"real data not found at {REALDATA}")
    return REALDATA
