"""Property-based tests of the import as a whole (RELIABILITY P4–P7).

- P4 single-byte mutation never shifts silently: mutate one byte of a valid export; the result is
  the same table (only the mutated line may differ), a notice, or a reject naming a line at or
  after the mutated one. (prepare_import: no database needed.)
- P5 reject ⇒ unchanged: whatever mutated or bad-valued file `import_file` rejects, the workspace
  digest, the imports table and the folder's files are as before.
- P6 idempotence: importing a file twice, or under another name, is the same as importing it once;
  the same table re-encoded is a new import that replaces every key with equal values.
- P7 model-based accumulation: weekly imports, re-imports, overlapping replacements and failed
  imports in any order; the SQL totals per day and per channel always equal a dict keyed by the
  natural key (last writer wins).

Example counts are set by the time budget (the whole robustness suite in about 90 s on two
workers): one prepare_import of a 9-row file costs ~90 ms and one import ~0.3 s, so P4 runs 150
examples, P5 25, P6 10 (four imports each) and P7 12 runs of up to 5 steps. Run with
`--hypothesis-profile` or a larger `max_examples` locally for a deeper search.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from analytics.errors import InputRejected
from analytics.ingest.model import ImportOptions
from analytics.workspace import Workspace
from tests.corpus.make_corpus import SYCM_TRAFFIC_HEADER, csv_text

DB_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CHANNELS = ("手淘搜索", "直通车", "我的淘宝", 'say "hi", ok', "NA")
ORIGIN = date(2024, 1, 1)
MUTATION_BYTES = (b",", b'"', b"\r", b"\n", b"\xff")


def import_file(ws: Workspace, name: str, data: bytes):
    from analytics.importer import import_file as run_import

    return run_import(ws, name, data, ImportOptions())


def prepare(name: str, data: bytes):
    from analytics.ingest.prepare import prepare_import

    return prepare_import(name, data, ImportOptions())


def week_rows(
    first_day: int, days: int, channels: tuple[str, ...], seed: int
) -> dict[tuple[date, str], tuple[int, Decimal]]:
    """{(date, channel): (visitors, pay_amount)} for `days` days from ORIGIN + first_day."""
    rnd = random.Random(seed)
    out = {}
    for d in range(first_day, first_day + days):
        for channel in channels:
            visitors = rnd.randint(0, 5000)
            amount = Decimal(rnd.randint(0, 10_000_000)) / 100
            out[(ORIGIN + timedelta(days=d), channel)] = (visitors, amount)
    return out


def export(rows: dict[tuple[date, str], tuple[int, Decimal]], encoding: str = "utf-8") -> bytes:
    """A Sycm traffic export of `rows` (other counts derived so they stay consistent)."""
    lines = []
    for (day, channel), (visitors, amount) in rows.items():
        paying = visitors // 30
        lines.append(
            [
                day.isoformat(),
                channel,
                str(visitors),
                str(visitors // 2),
                str(visitors // 20),
                str(visitors // 25),
                str(paying),
                f"{amount:.2f}",
            ]
        )
    return csv_text(SYCM_TRAFFIC_HEADER, lines).encode(encoding)


def data_rows(ws: Workspace) -> list[tuple]:
    """Every stored traffic row without the import id: the logical content."""
    with ws.connect() as con:
        return con.execute("select * exclude (import_id) from traffic order by all").fetchall()


def files(ws: Workspace) -> set[str]:
    return {str(p.relative_to(ws.path)) for p in ws.path.rglob("*") if p.is_file()} - {
        "workspace.duckdb",
        "workspace.duckdb.wal",
    }


BASE_ROWS = week_rows(0, 3, CHANNELS[:3], seed=1)
BASE = export(BASE_ROWS)


@st.composite
def mutations(draw: st.DrawFn, base: bytes = BASE) -> tuple[bytes, int]:
    """(mutated bytes, 1-based physical line of the mutated byte)."""
    pos = draw(st.integers(0, len(base) - 1))
    op = draw(st.sampled_from(("insert", "delete", "replace")))
    byte = draw(st.sampled_from(MUTATION_BYTES))
    if op == "insert":
        out = base[:pos] + byte + base[pos:]
    elif op == "delete":
        out = base[:pos] + base[pos + 1 :]
    else:
        out = base[:pos] + byte + base[pos + 1 :]
    assume(out != base)
    return out, base[:pos].count(b"\n") + 1


# -- P4 -----------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(mutation=mutations())
def test_p4_single_byte_mutation_never_shifts_silently(mutation: tuple[bytes, int]) -> None:
    data, line = mutation
    original = prepare("week.csv", BASE)
    try:
        got = prepare("week.csv", data)
    except InputRejected as exc:
        problem = exc.problems[0]
        if line > 1:  # a data line was hit: the reject points at it or later
            assert problem.row is not None and problem.row >= line, (problem, line)
        return
    if [n.code for n in got.notices] != [n.code for n in original.notices]:
        return  # the user was told something changed
    before = original.frame.reset_index(drop=True)
    after = got.frame.reset_index(drop=True)
    assert list(after.columns) == list(before.columns)
    assert len(after) == len(before), "rows appeared or vanished without a notice"
    hit = line - 2  # data row index of the mutated line (header on line 1)
    for i in range(len(before)):
        if i != hit:
            assert after.iloc[i].equals(before.iloc[i]), (i, line, after.iloc[i], before.iloc[i])


# -- P5 -----------------------------------------------------------------------------------------

BAD_VALUES = (
    "1,23",
    "12,3456",
    "NaN",
    "inf",
    "abc",
    "NA",
    "2024-02-30",
    "1e309",
    "１.２.３",
    "\x00",
)


@st.composite
def bad_files(draw: st.DrawFn) -> bytes:
    """A mutated export, or one with a bad value in a random cell."""
    if draw(st.booleans()):
        return draw(mutations())[0]
    rows = [line.split(",") for line in BASE.decode().split("\r\n")[1:-1]]
    r = draw(st.integers(0, len(rows) - 1))
    c = draw(st.sampled_from([0, 2, 3, 7]))
    rows[r][c] = draw(st.sampled_from(BAD_VALUES))
    return csv_text(SYCM_TRAFFIC_HEADER, rows).encode()


@pytest.fixture(scope="module")
def p5_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("p5") / "ws")
    import_file(ws, "seed.csv", export(week_rows(20, 7, CHANNELS, seed=7)))
    return ws


@DB_SETTINGS
@given(data=bad_files())
def test_p5_reject_leaves_the_workspace_unchanged(p5_workspace: Workspace, data: bytes) -> None:
    ws = p5_workspace
    before = (ws.digest(), ws.imports(), files(ws))
    try:
        import_file(ws, "bad.csv", data)
    except InputRejected:
        assert (ws.digest(), ws.imports(), files(ws)) == before
        return
    # Accepted (a harmless mutation): the next example compares against the new state.


# -- P6 -----------------------------------------------------------------------------------------


@settings(max_examples=10, deadline=None)
@given(week=st.integers(0, 8), seed=st.integers(0, 10_000), n=st.integers(1, len(CHANNELS)))
def test_p6_import_is_idempotent(week: int, seed: int, n: int) -> None:
    rows = week_rows(7 * week, 7, CHANNELS[:n], seed)
    data = export(rows)
    folder = Path(tempfile.mkdtemp(prefix="p6-"))
    try:
        ws = Workspace(folder / "ws")
        first = import_file(ws, "week.csv", data)
        assert first.rows_inserted == len(rows)
        once = ws.digest()
        again = import_file(ws, "week.csv", data)
        assert again.import_id is None and again.already_imported_at is not None
        renamed = import_file(ws, "【生意参谋平台】流量来源_副本 (1).csv", data)
        assert renamed.import_id is None
        assert ws.digest() == once
        stored = data_rows(ws)
        # The same table re-encoded (GB18030 with BOM-less bytes) is new bytes: a new import
        # that replaces every key with equal values, so the content does not change.
        gbk = import_file(ws, "week_gbk.csv", export(rows, "gb18030"))
        assert gbk.rows_updated == len(rows) and gbk.rows_inserted == len(rows)
        assert data_rows(ws) == stored
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- P7 -----------------------------------------------------------------------------------------


class Accumulation(RuleBasedStateMachine):
    """Imports in any order against a dict model keyed by (date, channel): last writer wins."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="p7-"))
        self.ws = Workspace(self.folder / "ws")
        self.model: dict[tuple[date, str], tuple[int, Decimal]] = {}
        self.last: bytes | None = None
        self.imported: set[bytes] = set()

    @initialize()
    def create(self) -> None:
        self.ws.digest()  # creates the workspace

    def _import(self, rows: dict[tuple[date, str], tuple[int, Decimal]]) -> None:
        data = export(rows)
        result = import_file(self.ws, "traffic.csv", data)
        if data in self.imported:  # the same bytes again: a no-op that says so
            assert result.import_id is None and result.already_imported_at is not None
            self.last = data
            return
        self.imported.add(data)
        assert result.rows_inserted == len(rows)
        assert result.rows_updated == sum(key in self.model for key in rows)
        self.model.update(rows)
        self.last = data

    @rule(
        week=st.integers(0, 5),
        seed=st.integers(0, 1000),
        channels=st.sets(st.sampled_from(CHANNELS), min_size=1),
    )
    def import_week(self, week: int, seed: int, channels: set[str]) -> None:
        self._import(week_rows(7 * week, 7, tuple(sorted(channels)), seed))

    @precondition(lambda self: self.last is not None)
    @rule(renamed=st.booleans())
    def reimport_last(self, renamed: bool) -> None:
        before = self.ws.digest()
        result = import_file(self.ws, "copy.csv" if renamed else "traffic.csv", self.last)
        assert result.import_id is None and result.rows_inserted == 0
        assert self.ws.digest() == before

    @rule(
        a=st.integers(0, 41),
        length=st.integers(1, 10),
        seed=st.integers(0, 1000),
        channels=st.sets(st.sampled_from(CHANNELS), min_size=1),
    )
    def replace_period(self, a: int, length: int, seed: int, channels: set[str]) -> None:
        self._import(week_rows(a, length, tuple(sorted(channels)), seed))

    @rule(a=st.integers(0, 41), seed=st.integers(0, 1000), bad=st.sampled_from(BAD_VALUES[:7]))
    def fail_midway(self, a: int, seed: int, bad: str) -> None:
        rows = week_rows(a, 3, CHANNELS, seed)
        lines = export(rows).decode().split("\r\n")
        cells = lines[-2].split(",")  # the last data row: everything before it was fine
        cells[2] = bad if "," not in bad else f'"{bad}"'
        lines[-2] = ",".join(cells)
        before = (self.ws.digest(), self.ws.imports(), files(self.ws))
        with pytest.raises(InputRejected):
            import_file(self.ws, "broken.csv", "\r\n".join(lines).encode())
        assert (self.ws.digest(), self.ws.imports(), files(self.ws)) == before

    @invariant()
    def totals_match_the_model(self) -> None:
        per_day: dict[date, tuple[int, Decimal]] = {}
        per_channel: dict[str, tuple[int, Decimal]] = {}
        for (day, channel), (visitors, amount) in self.model.items():
            v, a = per_day.get(day, (0, Decimal(0)))
            per_day[day] = (v + visitors, a + amount)
            v, a = per_channel.get(channel, (0, Decimal(0)))
            per_channel[channel] = (v + visitors, a + amount)
        with self.ws.connect() as con:
            count = con.execute("select count(*) from traffic").fetchall()[0][0]
            days = con.execute(
                "select date, sum(visitors)::bigint, sum(pay_amount) from traffic group by 1"
            ).fetchall()
            chans = con.execute(
                "select channel, sum(visitors)::bigint, sum(pay_amount) from traffic group by 1"
            ).fetchall()
        assert count == len(self.model)
        assert {d: (v, Decimal(a)) for d, v, a in days} == per_day
        assert {c: (v, Decimal(a)) for c, v, a in chans} == per_channel

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


Accumulation.TestCase.settings = settings(
    max_examples=12,
    stateful_step_count=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_p7_model_based_accumulation = Accumulation.TestCase
