"""The dashboard's per-process caches below st.cache_data: workspace status and SQL results.

Both must never show a stale workspace (R12): a commit or undo, from this process or another,
changes what the next rerun sees. Real workspaces, no mocks; Workspace methods are only wrapped
to count how often the DuckDB file is opened.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.metrics.period import Period, Scope
from analytics.workspace import Workspace


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every Workspace.connect() call, by workspace folder."""
    seen: list[str] = []
    original = Workspace.connect

    def counted(self: Workspace):  # type: ignore[no-untyped-def]
        seen.append(str(self.path))
        return original(self)

    monkeypatch.setattr(Workspace, "connect", counted)
    from collections import OrderedDict

    from ui import cached

    monkeypatch.setattr(cached, "_results", OrderedDict())  # nothing remembered from before
    return seen


def fresh_status_cache(monkeypatch: pytest.MonkeyPatch, settle: float) -> None:
    from ui import state

    monkeypatch.setattr(state, "_status_seen", {})
    monkeypatch.setattr(state, "SETTLE_SECONDS", settle)


def test_status_is_reused_while_the_files_are_unchanged(
    seeded: Path, opens: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.state import workspace_status

    fresh_status_cache(monkeypatch, settle=0.0)
    path = str(seeded.resolve())
    expected = Workspace(seeded).status()
    opens.clear()
    assert workspace_status(path) == expected
    assert workspace_status(path) == expected
    assert workspace_status(path) == expected
    assert len(opens) == 1


def test_a_recently_written_workspace_is_read_again_every_time(
    seeded: Path, opens: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.state import workspace_status

    fresh_status_cache(monkeypatch, settle=3600.0)  # every file counts as just written
    path = str(seeded.resolve())
    opens.clear()
    workspace_status(path)
    workspace_status(path)
    assert len(opens) == 2


def test_status_follows_an_import_and_an_undo_by_another_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analytics.importer import import_file
    from analytics.sample import sample_files
    from ui.state import workspace_status

    fresh_status_cache(monkeypatch, settle=0.0)
    folder = tmp_path / "ws"
    writer = Workspace(folder)  # another object, as a cron `shoplens import` would be
    path = str(writer.path)
    empty, version = workspace_status(path)
    assert empty
    assert workspace_status(path) == (empty, version)

    orders = next(p for p in sample_files() if "订单" in p.name)
    result = import_file(writer, orders.name, orders.read_bytes())
    assert workspace_status(path) == (False, writer.version()) != (empty, version)
    writer.undo(result.import_id)
    assert workspace_status(path) == (True, writer.version())


def test_a_query_run_twice_reads_the_workspace_once(seeded: Path, opens: list[str]) -> None:
    from analytics import queries
    from ui.cached import connection

    path, version = str(seeded.resolve()), Workspace(seeded).version()
    params = {"shop": None, "platform": None}
    opens.clear()
    with connection(path, version) as con:
        first = queries.run(con, "coverage", **params)
    with connection(path, version) as con:
        second = queries.run(con, "coverage", **params)
        rows = queries.run_rows(con, "coverage", **params)
    assert len(opens) == 2  # once for the frame, once for the rows; the second frame remembered
    assert first.equals(second)
    assert first["kind"].tolist() == [row[0] for row in rows]

    second["kind"] = "changed"  # a metric changing its frame does not change the remembered one
    with connection(path, version) as con:
        assert queries.run(con, "coverage", **params).equals(first)
    assert len(opens) == 2


def test_remembered_results_are_per_version_and_equal_the_metric(
    seeded: Path, opens: list[str]
) -> None:
    from analytics.metrics.coverage import default_period
    from analytics.metrics.kpis import kpi_comparison
    from analytics.metrics.leak import gmv_change
    from ui.cached import connection

    ws = Workspace(seeded)
    path, version = str(ws.path), ws.version()
    with ws.connect() as con:
        period: Period = default_period(con, Scope())
        expected = kpi_comparison(con, period, Scope()), gmv_change(con, period, Scope())
    opens.clear()
    with connection(path, version) as con:
        assert kpi_comparison(con, period, Scope()) == expected[0]
    with connection(path, version) as con:  # the GMV split runs the same KPI queries
        assert gmv_change(con, period, Scope()) == expected[1]
    assert len(opens) == 1
    with connection(path, "another version") as con:
        assert kpi_comparison(con, period, Scope()) == expected[0]
    assert len(opens) == 2


def test_a_figure_is_built_once_per_data_and_language(monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    from analytics.i18n import t as translate
    from ui import charts

    monkeypatch.setattr(charts, "_figures", charts.OrderedDict())
    frame = pd.DataFrame(
        {"channel": ["搜索", "推荐"], "visitors": [120, 80], "pay_conversion": [0.03, 0.02]}
    )

    def t_en(key: str, **params: object) -> str:
        return translate(key, "en", **params)

    def build(data: pd.DataFrame, lang: str) -> object:
        return charts.remembered(charts.bars, data, "channel", "visitors", t_en, lang=lang)

    first = build(frame, "en")
    assert build(frame.copy(), "en") is first  # an equal copy, as st.cache_data hands out
    assert first.to_json() == charts.bars(frame, "channel", "visitors", t_en).to_json()
    assert build(frame, "zh") is not first
    changed = frame.assign(visitors=[120, 81])
    assert list(build(changed, "en").data[0].y) == [120, 81]
