"""Faults during an import leave a consistent workspace and a plain message (R3, R4, R6).

Each fault happens in a child process, so the parent can reopen the workspace the way the next
dashboard refresh or cron run would:

- SIGKILL before COMMIT, after COMMIT (before the raw file is renamed into place), and at
  random moments of a big import: afterwards the import is either entirely there (imports row,
  every data row, the raw bytes) or entirely absent (same digest as before).
- Disk full (RLIMIT_FSIZE) while `shoplens import` writes: exit 1, a message without traceback,
  path or SQL; the workspace is unchanged.
- DuckDB out of memory (a tiny `memory_limit`): the same.
- The dashboard reading in a loop while the CLI imports several files: every read succeeds and
  sees whole imports only.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from analytics.ingest.model import ImportOptions
from analytics.workspace import Workspace
from tests.corpus.make_corpus import csv_bytes, csv_text, sniff_table, traffic

ROOT = Path(__file__).resolve().parents[1]
BIG_ROWS = 40_000


def big_file(rows: int = BIG_ROWS) -> bytes:
    """A traffic export of `rows` distinct day × channel rows (1000 days × 30 channels …)."""
    header, data = sniff_table(rows)
    return csv_text(header, data).encode("utf-8")


SEED = csv_bytes(traffic(start=date(2023, 12, 1)))


def seeded_workspace(path: Path) -> Workspace:
    """A workspace holding one small traffic import (2023-12) that no fault may touch."""
    from analytics.importer import import_file

    ws = Workspace(path)
    import_file(ws, "seed.csv", SEED, ImportOptions())
    return ws


def reopen(ws: Workspace) -> None:
    """What the next cron run does first: import yesterday's file again (a no-op that still
    takes the writer's path, where an interrupted archive rename is finished)."""
    from analytics.importer import import_file

    assert import_file(ws, "seed.csv", SEED, ImportOptions()).import_id is None


def run_child(
    code: str, timeout: float = 60, env: dict[str, str] | None = None, **kwargs
) -> subprocess.Popen:
    """Start `python -c code` with the project importable; `code` is dedented."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SHOPLENS_LANG": "en", **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def state(ws: Workspace) -> tuple[str, int, int]:
    """(digest, number of imports, traffic rows), reading through a fresh connection."""
    with ws.connect() as con:
        imports = con.execute("select count(*) from imports").fetchall()[0][0]
        rows = con.execute("select count(*) from traffic").fetchall()[0][0]
    return ws.digest(), imports, rows


def assert_whole_or_absent(ws: Workspace, before: tuple[str, int, int], data: bytes) -> str:
    """After a fault: the import is all there or not there at all. Returns which."""
    reopen(ws)
    digest, imports, rows = state(ws)
    sha = hashlib.sha256(data).hexdigest()
    final = ws.raw_dir / f"{sha}.csv"
    if imports == before[1]:
        assert digest == before[0], "a failed import changed the workspace"
        assert not final.exists(), "raw file archived for an import that did not commit"
        return "absent"
    assert imports == before[1] + 1
    with ws.connect() as con:
        (import_id, stored, recorded_sha) = con.execute(
            "select import_id, rows, sha256 from imports order by import_id desc limit 1"
        ).fetchall()[0]
        in_table = con.execute(
            "select count(*) from traffic where import_id = ?", [import_id]
        ).fetchall()[0][0]
    assert recorded_sha == sha
    assert stored == in_table == rows - before[2], "half an import is visible"
    assert final.is_file() and final.read_bytes() == data, "committed import lost its raw bytes"
    assert not [p for p in ws.raw_dir.iterdir() if p.suffix == ".tmp"], "temp files left over"
    return "whole"


CHILD_IMPORT = """
    import os, signal, sys
    from pathlib import Path
    import analytics.workspace as w
    from analytics.importer import import_file
    from analytics.ingest.model import ImportOptions
    {patch}
    data = Path(sys.argv[1] if len(sys.argv) > 1 else {data_path!r}).read_bytes()
    print("start", flush=True)
    import_file(w.Workspace({ws_path!r}), "big.csv", data, ImportOptions())
    print("done", flush=True)
"""

KILL_BEFORE_COMMIT = """
    original = w.Workspace._store
    def _store(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)  # every row written, COMMIT not yet run
    w.Workspace._store = _store
"""

KILL_AFTER_COMMIT = """
    def replace(src, dst):
        os.kill(os.getpid(), signal.SIGKILL)  # COMMIT done, raw file not yet renamed
    w.os.replace = replace
"""


@pytest.mark.parametrize(
    ("patch", "expected"),
    [(KILL_BEFORE_COMMIT, "absent"), (KILL_AFTER_COMMIT, "whole")],
    ids=["before_commit", "after_commit_before_rename"],
)
def test_sigkill_around_commit(tmp_path: Path, patch: str, expected: str) -> None:
    ws = seeded_workspace(tmp_path / "ws")
    data = big_file(5000)
    (tmp_path / "big.csv").write_bytes(data)
    before = state(ws)
    code = CHILD_IMPORT.format(
        patch=textwrap.indent(textwrap.dedent(patch), "    "),
        data_path=str(tmp_path / "big.csv"),
        ws_path=str(ws.path),
    )
    child = run_child(code)
    out, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, err.decode()
    assert b"done" not in out
    assert assert_whole_or_absent(ws, before, data) == expected


def test_sigkill_at_random_moments_of_a_big_import(tmp_path: Path) -> None:
    """Kill a child importing 40,000 rows at spread-out moments; each time: whole or absent."""
    data = big_file()
    (tmp_path / "big.csv").write_bytes(data)
    # How long does the import itself take here: from the child's "start" (after its module
    # imports, whose time varies run to run) to its "done" (not to the process's exit, whose
    # teardown would push every kill past COMMIT)? The kill moments are spread over it.
    ws0 = seeded_workspace(tmp_path / "timing")
    code = CHILD_IMPORT.format(patch="", data_path=str(tmp_path / "big.csv"), ws_path=str(ws0.path))
    child = run_child(code)
    assert child.stdout.readline().strip() == b"start"
    started = time.monotonic()
    assert child.stdout.readline().strip() == b"done"
    full = time.monotonic() - started
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err.decode()
    outcomes = []
    for i, share in enumerate((0.2, 0.6, 0.95)):
        ws = seeded_workspace(tmp_path / f"ws{i}")
        before = state(ws)
        code = CHILD_IMPORT.format(
            patch="", data_path=str(tmp_path / "big.csv"), ws_path=str(ws.path)
        )
        child = run_child(code)
        assert child.stdout.readline().strip() == b"start"
        time.sleep(full * share)
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
        outcomes.append(assert_whole_or_absent(ws, before, data))
        # The workspace stays usable: a new import goes through.
        from analytics.importer import import_file

        result = import_file(ws, "after.csv", csv_bytes(traffic(start=date(2023, 11, 1))))
        assert result.rows_inserted == 28
    assert "absent" in outcomes, outcomes


def cli(
    ws: Workspace,
    path: Path,
    preexec=None,
    prelude: str = "",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """`shoplens import PATH --workspace WS` in a child, optionally under resource limits."""
    code = f"""
        {prelude}
        from analytics.cli import main
        raise SystemExit(main(["import", {str(path)!r}, "--workspace", {str(ws.path)!r}]))
    """
    child = run_child(code, preexec_fn=preexec, env=env)
    out, err = child.communicate(timeout=120)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def assert_plain_message(text: str, ws: Workspace) -> None:
    """A user-facing failure: something was said, and no traceback, path, PID or SQL."""
    assert text.strip(), "the user is told what happened"
    for leak in ("Traceback", str(ws.path), "duckdb", "Error:", "select ", "insert ", "errno"):
        assert leak.lower() not in text.lower(), (leak, text)


def test_disk_full_while_importing(tmp_path: Path) -> None:
    """RLIMIT_FSIZE caps every file the child writes: the raw copy or the database growth fails.

    Two sizes: a limit below the upload (the raw temp file cannot be written) and a limit above
    it but below what the database needs for the rows (DuckDB's WAL/checkpoint write fails).
    """
    import resource

    ws = seeded_workspace(tmp_path / "ws")
    db_size = ws.db_path.stat().st_size
    # (rows, file-size limit): half the upload, so the raw temp copy fails; then an upload
    # that fits but 64 KiB of headroom for the database, so DuckDB's write fails.
    for rows, raw_fails in ((BIG_ROWS, True), (20_000, False)):
        data = big_file(rows)
        path = tmp_path / f"big{rows}.csv"
        path.write_bytes(data)
        limit = len(data) // 2 if raw_fails else max(db_size, len(data)) + 64 * 1024

        def preexec(limit: int = limit) -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails with EFBIG instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        before = state(ws)
        done = cli(ws, path, preexec=preexec)
        message = done.stderr.decode("utf-8", "replace")
        assert done.returncode == 1, message
        assert_plain_message(message, ws)
        assert assert_whole_or_absent(ws, before, data) == "absent"
        leftovers = [p for p in ws.raw_dir.iterdir() if p.suffix == ".tmp"]
        assert not leftovers, leftovers


def test_duckdb_out_of_memory(tmp_path: Path) -> None:
    """A memory_limit far below what the import needs: exit 1, plain message, nothing stored."""
    ws = seeded_workspace(tmp_path / "ws")
    data = big_file()
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    before = state(ws)
    prelude = (
        "import analytics.workspace as w; "
        "w.DUCKDB_CONFIG.update(memory_limit='8MB', max_temp_directory_size='0KB')"
    )
    done = cli(ws, path, prelude=prelude)
    message = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, (done.returncode, message)
    assert_plain_message(message, ws)
    assert assert_whole_or_absent(ws, before, data) == "absent"


def test_dashboard_reads_while_the_cli_imports(tmp_path: Path) -> None:
    """R6: readers open, read and close in a loop while `shoplens import` stores 6 weeks.

    Every read succeeds (no WorkspaceBusy: imports are short) and sees whole imports only:
    the traffic rows always equal the sum of the imports' rows (the weeks do not overlap).
    """
    from analytics.metrics.channels import channel_summary
    from analytics.metrics.period import Period, Scope

    ws = seeded_workspace(tmp_path / "ws")
    paths = []
    for week in range(6):
        t = traffic(
            start=date(2024, 1, 1) + timedelta(weeks=week), channels=[f"c{i}" for i in range(40)]
        )
        path = tmp_path / f"week{week}.csv"
        path.write_bytes(csv_bytes(t))
        paths.append(path)
    stop = threading.Event()
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def dashboard() -> None:
        period = Period(date(2023, 12, 1), date(2024, 2, 29))
        while not stop.is_set():
            try:
                with ws.connect() as con:
                    rows, recorded = con.execute(
                        "select (select count(*) from traffic), "
                        "(select coalesce(sum(rows), 0) from imports where undone_at is null)"
                    ).fetchall()[0]
                    summary = channel_summary(con, period, Scope())
                seen.append((rows, recorded))
                assert int(summary["visitors"].sum()) >= 0
                # A dashboard re-reads on interaction, not in a hot loop. Readers that keep the
                # file open back to back (two threads, 20 ms apart) do starve the writer into
                # WorkspaceBusy after its 5 s wait: see docs/reliability.md.
                time.sleep(0.2)
            except BaseException as exc:  # the test reports it below
                errors.append(exc)
                return

    readers = [threading.Thread(target=dashboard) for _ in range(2)]
    for r in readers:
        r.start()
    argv = ["import", *[str(p) for p in paths], "--workspace", str(ws.path)]
    code = f"""
        from analytics.cli import main
        raise SystemExit(main({argv!r}))
    """
    child = run_child(code)
    _, err = child.communicate(timeout=120)
    stop.set()
    for r in readers:
        r.join(timeout=30)
    assert child.returncode == 0, err.decode()
    assert not errors, errors
    assert len(seen) >= 5
    assert all(rows == recorded for rows, recorded in seen), [s for s in seen if s[0] != s[1]]
    # Every import landed. (Read once more now: the readers sleep between reads, so their last
    # read may come before the last import's COMMIT.)
    with ws.connect() as con:
        assert con.execute("select count(*) from traffic").fetchone()[0] == 28 + 6 * 7 * 40


def test_a_killed_import_leaves_a_scratch_folder_the_next_import_removes(tmp_path: Path) -> None:
    """SIGKILL while `shoplens import` holds its private copy: the copy outlives the process
    (nothing can remove it then); the next import that needs a scratch folder sweeps it away,
    and leaves none of its own."""
    ws = seeded_workspace(tmp_path / "ws")
    data = big_file()
    (tmp_path / "big.csv").write_bytes(data)
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {"TMPDIR": str(temp)}
    small_enough = "import analytics.ingest.bulk_orders as b; b.MIN_BYTES = 1000"
    killed = cli(
        ws,
        tmp_path / "big.csv",
        prelude=f"""{small_enough}
        import os, signal
        b.prepare_orders_file = lambda *a: os.kill(os.getpid(), signal.SIGKILL)""",
        env=env,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    [left] = temp.glob("shoplens-*")
    assert (left / "upload").read_bytes() == data
    now = time.time()
    os.utime(left, (now - 120, now - 120))  # the sweep leaves a folder younger than a minute
    again = cli(ws, tmp_path / "big.csv", prelude=small_enough, env=env)
    assert again.returncode == 0, again.stderr.decode()
    assert not left.exists()
    assert list(temp.iterdir()) == []


def test_sweep_removes_only_old_folders_of_processes_that_are_gone(tmp_path: Path) -> None:
    from analytics.ingest import scratch

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], stdout=-1)
    gone = int(ended.stdout)
    names = {
        "gone_old": f"shoplens-{gone}-abc",
        "gone_young": f"shoplens-{gone}-def",
        "mine_old": f"shoplens-{os.getpid()}-ghi",
        "other_tool": f"othertool-{gone}-jkl",
        "no_pid": "shoplens-x1y2z3",
    }
    now = time.time()
    for key, name in names.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "upload").write_bytes(b"x")
        age = 5 if key == "gone_young" else 3600
        os.utime(tmp_path / name, (now - age, now - age))
    removed = scratch.sweep(tmp_path, now=now)
    assert removed == [tmp_path / names["gone_old"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        n for k, n in names.items() if k != "gone_old"
    )
