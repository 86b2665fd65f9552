"""Two writers at once: both imports land one after the other, or one is told the workspace is
busy in plain words. Totals always equal what the imports that succeeded say (RELIABILITY R6).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from analytics.errors import WorkspaceBusy
from analytics.messages import render_error
from analytics.workspace import Workspace
from tests.test_workspace import live_traffic, prepared, traffic

ROOT = Path(__file__).resolve().parents[1]

# A child process that imports `count` one-day files for channel `channel` into the workspace.
CHILD = """
import sys
from analytics.workspace import Workspace
from tests.test_workspace import prepared, traffic

folder, channel, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
ws = Workspace(folder)
ws.busy_timeout = 30.0
for day in range(count):
    rows = [traffic(day, channel, day + 1)]
    ws.commit(prepared("traffic", rows, data=f"{channel}{day}".encode()))
print("done")
"""


def test_two_processes_importing_at_once_both_land(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    Workspace(folder).is_empty()  # create it first, so both children only write
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(folder), channel, "8"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for channel in ("搜索", "直接")
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert out.strip() == "done"
    ws = Workspace(folder)
    assert live_traffic(ws) == {
        (traffic(day, c, 0)["date"], c): day + 1 for day in range(8) for c in ("搜索", "直接")
    }
    assert sorted(r.import_id for r in ws.imports()) == list(range(1, 17))


HOLDER = """
import sys, time
import duckdb
from analytics.workspace import DUCKDB_CONFIG
con = duckdb.connect(sys.argv[1], config=DUCKDB_CONFIG)
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_a_workspace_held_by_another_process_is_busy_in_plain_words(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.commit(prepared("traffic", [traffic(0, "搜索", 1)]))
    before = ws.digest()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(ws.db_path), "5"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        ws.busy_timeout = 0.3
        started = time.monotonic()
        with pytest.raises(WorkspaceBusy) as busy:
            ws.commit(prepared("traffic", [traffic(1, "搜索", 2)]))
        assert time.monotonic() - started < 3
        for lang in ("en", "zh"):
            (message,) = render_error(busy.value, lang)
            assert str(tmp_path) not in message and "PID" not in message and "lock" not in message
        assert "busy" in render_error(busy.value, "en")[0]
    finally:
        holder.wait(timeout=30)
    assert ws.digest() == before


def test_a_short_hold_is_waited_out(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.is_empty()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(ws.db_path), "0.5"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        result = ws.commit(prepared("traffic", [traffic(0, "搜索", 1)]))
        assert result.import_id == 1
    finally:
        holder.wait(timeout=30)


def test_two_threads_importing_and_reading_at_once(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    errors: list[BaseException] = []

    def importer(channel: str) -> None:
        try:
            for day in range(8):
                file = prepared(
                    "traffic", [traffic(day, channel, day + 1)], data=f"{channel}{day}".encode()
                )
                ws.commit(file)
        except BaseException as exc:  # handed to the main thread, which fails the test
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(40):
                ws.version()
                ws.imports()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=importer, args=(c,)) for c in ("搜索", "直接", "广告")]
    threads.append(threading.Thread(target=reader))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert live_traffic(ws) == {
        (traffic(day, c, 0)["date"], c): day + 1
        for day in range(8)
        for c in ("搜索", "直接", "广告")
    }
    assert len(ws.imports()) == 24
