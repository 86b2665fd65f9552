"""AppTest for every dashboard page against a real workspace seeded from sample_data/.

No mocks: the workspace is a temporary folder filled by `analytics.sample.load_sample`, the app
runs through `app.py` (frame + navigation), and each check compares what the page shows with
what the analytics functions return for the same period.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from streamlit.testing.v1 import AppTest

from analytics.i18n import t as translate
from analytics.metrics.period import Period, Scope

if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TOPICS = (
    "overview",
    "funnel",
    "traffic",
    "conversion",
    "ratings",
    "repeat",
    "goals",
    "report",
    "upload",
)
TIMEOUT = 120


@pytest.fixture
def use_workspace(monkeypatch: pytest.MonkeyPatch) -> Iterator[callable]:
    """Point the app at a workspace folder for the test (SHOPLENS_WORKSPACE)."""

    def use(path: Path) -> None:
        monkeypatch.setenv("SHOPLENS_WORKSPACE", str(path))

    yield use


def app(lang: str = "en", page: str | None = None) -> AppTest:
    """The app, run once, on `page` (default: the landing page) in `lang`."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    if page is not None:
        at.switch_page(f"pages/{page}_page.py").run()
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, "\n".join(
        e.message + "\n" + "\n".join(e.stack_trace[-6:]) for e in at.exception
    )


def shown_period(path: Path) -> Period:
    """The period the sidebar picks by default for the workspace at `path`."""
    from analytics.metrics.coverage import coverage
    from analytics.workspace import Workspace
    from ui.filters import default_choice, period_for

    with Workspace(path).connect() as con:
        latest = coverage(con, Scope()).last_date
    return period_for(default_choice(latest), latest)


def shown_view(at: AppTest) -> tuple[Period, Scope]:
    """The period and scope the page was drawn for (the sidebar's View)."""
    view = at.session_state["ui.view"]
    return view.period, view.scope


def charts(at: AppTest) -> list[dict]:
    """The Plotly figures on the page, as dicts (data + layout)."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("topic", TOPICS)
def test_every_page_renders_on_the_sample_without_exception(
    seeded: Path, use_workspace, topic: str, lang: str
) -> None:
    use_workspace(seeded)
    at = app(lang, topic)
    no_exception(at)
    assert at.title[0].value == translate(f"ui.page.{topic}", lang)


@pytest.mark.parametrize("topic", TOPICS)
def test_every_page_on_an_empty_workspace_says_what_to_upload(
    tmp_path: Path, use_workspace, topic: str
) -> None:
    use_workspace(tmp_path / "empty")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.session_state["ui.hide_sample"] = True
    at.run()
    at.switch_page(f"pages/{topic}_page.py").run()
    no_exception(at)
    infos = " ".join(i.value for i in at.info)
    if topic == "upload":
        assert translate("ui.upload.hint", "en") in infos
    else:
        assert translate("ui.empty.workspace", "en") in infos


def test_overview_kpis_equal_what_analytics_returns(seeded: Path, use_workspace) -> None:
    from analytics.metrics.kpis import kpi_comparison
    from analytics.workspace import Workspace
    from ui.layout import KPI_NAMES

    use_workspace(seeded)
    at = app("en", "overview")
    no_exception(at)
    period, scope = shown_view(at)
    assert period == shown_period(seeded)
    with Workspace(seeded).connect() as con:
        expected = kpi_comparison(con, period, scope)
    shown = {m.label: m.value for m in at.metric}
    visitors = shown[translate("metric.visitors", "en")]
    conversion = shown[translate("metric.pay_conversion", "en")]
    assert conversion == f"{expected.now.pay_conversion * 100:.2f}%"
    assert visitors.replace(",", "").rstrip("KM") != ""
    for name in KPI_NAMES:
        assert translate(f"metric.{name}", "en") in shown


def test_funnel_chart_shows_the_funnel_counts(seeded: Path, use_workspace) -> None:
    from analytics.metrics.funnel import funnel
    from analytics.workspace import Workspace

    use_workspace(seeded)
    at = app("en", "funnel")
    no_exception(at)
    with Workspace(seeded).connect() as con:
        expected = funnel(con, *shown_view(at))
    figure = charts(at)[0]
    counts = [s.count for s in expected.stages if s.present]
    assert figure["data"][0]["type"] == "funnel"
    assert figure["data"][0]["x"] == counts
    labels = [translate(f"stage.{s.stage}", "en") for s in expected.stages if s.present]
    assert figure["data"][0]["y"] == labels
    # The rates stand beside each bar, in the right margin the chart keeps for them.
    rates = {a["y"]: a["text"] for a in figure["layout"]["annotations"] if a.get("yref") == "y"}
    assert list(rates) == labels
    for label, stage in zip(labels, [s for s in expected.stages if s.present], strict=True):
        percent = stage.overall_rate * 100  # two decimals below 10 %, as everywhere
        overall = f"overall {percent:.{2 if percent < 9.995 else 1}f}%"
        assert overall in rates[label], (label, rates[label])
    assert figure["layout"]["margin"]["r"] >= 100
    # A stage name of two words is drawn on two lines (narrow screens); one word stays as it is.
    yaxis = figure["layout"]["yaxis"]
    ticks = dict(zip(yaxis["tickvals"], yaxis["ticktext"], strict=True))
    assert ticks["Product views"] == "Product<br>views"
    assert ticks["Visits"] == "Visits"


def test_traffic_table_equals_channel_summary(seeded: Path, use_workspace) -> None:
    from analytics.metrics.channels import channel_summary
    from analytics.workspace import Workspace

    use_workspace(seeded)
    at = app("en", "traffic")
    no_exception(at)
    with Workspace(seeded).connect() as con:
        expected = channel_summary(con, *shown_view(at))
    table = at.dataframe[0].value
    assert list(table["channel"]) == list(expected["channel"])
    assert list(table["visitors"]) == list(expected["visitors"])


def test_platforms_that_do_not_add_up_start_filtered_to_the_busiest(
    seeded: Path, use_workspace
) -> None:
    """The sample holds Sycm (CNY, visitors) and Shopify (USD, sessions): never summed unasked."""
    use_workspace(seeded)
    at = app("en", "overview")
    no_exception(at)
    _, scope = shown_view(at)
    assert scope.platform == "sycm"
    at.sidebar.selectbox(key="filter.platform").set_value("__all__").run()
    no_exception(at)
    assert any("count differently" in w.value for w in at.sidebar.warning)


def test_language_switch_renames_titles_and_menu(seeded: Path, use_workspace) -> None:
    use_workspace(seeded)
    at = app("en", "funnel")
    assert at.title[0].value == "Funnel"
    at.sidebar.segmented_control(key="ui.lang").set_value("zh").run()
    no_exception(at)
    assert at.title[0].value == translate("ui.page.funnel", "zh")
    assert at.query_params["lang"] == ["zh"] or at.query_params["lang"] == "zh"


def test_locale_sets_the_first_language(seeded: Path, use_workspace) -> None:
    use_workspace(seeded)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.context["locale"] = "zh-CN"
    at.run()
    no_exception(at)
    assert at.title[0].value == translate("ui.page.overview", "zh")


def test_empty_workspace_shows_the_marked_sample_until_hidden(
    tmp_path: Path, use_workspace
) -> None:
    use_workspace(tmp_path / "mine")
    at = app("en")
    no_exception(at)
    assert any(translate("ui.sample.banner", "en") in w.value for w in at.sidebar.warning)
    assert at.metric, "the sample's KPIs are shown"
    at.sidebar.button(key="ui.sample.hide_button").click().run()
    no_exception(at)
    assert not at.metric
    assert translate("ui.empty.workspace", "en") in " ".join(i.value for i in at.info)


def sample_export(name_part: str) -> tuple[str, bytes]:
    """One bundled sample file whose name contains `name_part`."""
    from analytics.sample import sample_files

    path = next(p for p in sample_files() if name_part in p.name)
    return path.name, path.read_bytes()


def test_upload_previews_imports_and_undoes(tmp_path: Path, use_workspace) -> None:
    from analytics.workspace import Workspace

    mine = tmp_path / "mine"
    use_workspace(mine)
    name, data = sample_export("订单明细")
    at = app("en", "upload")
    at.file_uploader(key="upload.files").set_value((name, data, "text/csv")).run()
    no_exception(at)
    preview = at.dataframe[0].value
    assert preview["kind"][0] == translate("kind.orders", "en")
    assert Workspace(mine).is_empty(), "nothing is stored before Import"

    at.button(key="upload.import").click().run()
    no_exception(at)
    records = Workspace(mine).imports()
    assert len(records) == 1 and records[0].undone_at is None
    assert f"imported {records[0].rows:,} orders rows" in at.success[0].value.replace("\\", "")

    at.button(key=f"upload.undo.{records[0].import_id}").click().run()
    no_exception(at)
    assert Workspace(mine).imports()[0].undone_at is not None
    assert Workspace(mine).is_empty()


def test_upload_of_unrecognised_columns_offers_a_mapping(tmp_path: Path, use_workspace) -> None:
    from analytics.workspace import Workspace

    mine = tmp_path / "mine"
    use_workspace(mine)
    data = b"day,where,people\n2024-01-01,search,10\n2024-01-02,search,12\n"
    at = app("en", "upload")
    at.file_uploader(key="upload.files").set_value(("odd.csv", data, "text/csv")).run()
    no_exception(at)
    assert at.error, "the file is rejected with a message"
    at.selectbox(key="upload.map_kind.0").set_value("traffic").run()
    at.selectbox(key="upload.map.0.0").set_value("date")
    at.selectbox(key="upload.map.0.1").set_value("channel")
    at.selectbox(key="upload.map.0.2").set_value("visitors")
    at.button(key="upload.map_apply.0").click().run()
    no_exception(at)
    assert not at.error
    at.button(key="upload.import").click().run()
    no_exception(at)
    assert Workspace(mine).imports()[0].rows == 2


def test_report_page_offers_both_reports_and_csv(seeded: Path, use_workspace) -> None:
    use_workspace(seeded)
    at = app("en", "report")
    no_exception(at)
    keys = {b.key for b in at.get("download_button")} if at.get("download_button") else set()
    assert at.get("download_button"), keys


def shown_cells(element) -> pd.DataFrame:
    """The text each cell of an st.dataframe shows (the Styler's display values)."""
    import pyarrow as pa

    styler = element.proto.arrow_data.styler
    assert styler.display_values, "the table's cells carry their formatted text"
    return pa.ipc.open_stream(styler.display_values).read_all().to_pandas()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_traffic_table_shows_dashes_not_none_and_card_formats(
    seeded: Path, use_workspace, lang: str
) -> None:
    from analytics.metrics.channels import channel_summary
    from analytics.workspace import Workspace
    from ui import columns

    use_workspace(seeded)
    at = app(lang, "traffic")
    no_exception(at)
    with Workspace(seeded).connect() as con:
        expected = channel_summary(con, *shown_view(at))
    currency = at.session_state["ui.view"].currency
    table = at.dataframe[0]
    cells = shown_cells(table)
    assert table.proto.placeholder == "—"
    text = cells.astype(str).to_numpy().ravel().tolist()
    assert not {"None", "nan", "NaN", "NaT", "<NA>", ""} & set(text)
    no_cost = expected["ad_cost"].isna()
    assert no_cost.any() and (~no_cost).any(), "the sample has channels with and without cost"
    for column in ("ad_cost", "cost_per_visitor", "roi"):
        assert list(cells.loc[no_cost.to_numpy(), column]) == ["—"] * int(no_cost.sum())
    for row, channel in enumerate(expected["channel"]):
        assert cells["channel"][row] == channel
        conversion = expected["pay_conversion"][row]
        assert cells["pay_conversion"][row] == columns.rate_text(conversion)
        visitors, gmv = int(expected["visitors"][row]), float(expected["gmv"][row])
        assert cells["visitors"][row] == f"{visitors:,}"  # below 10万: exact, in both languages
        symbol = columns.currency_symbol(currency)
        # GMV reaches 10万: the whole column in 万 in Chinese, exact money in English
        assert cells["gmv"][row] == (
            f"{symbol}{gmv / 1e4:,.2f}万" if lang == "zh" else f"{symbol}{gmv:,.2f}"
        )
    assert cells["pay_conversion"][0] == f"{expected['pay_conversion'][0] * 100:.2f}%"
    assert expected["gmv"].max() >= 1e5 > expected["visitors"].max()


def test_mix_split_table_and_cards_are_in_percentage_points(seeded: Path, use_workspace) -> None:
    from analytics.metrics.leak import mix_rate_split
    from analytics.workspace import Workspace
    from ui import columns

    use_workspace(seeded)
    at = app("en", "traffic")
    no_exception(at)
    with Workspace(seeded).connect() as con:
        split = mix_rate_split(con, *shown_view(at))
    cards = {m.label: m.value for m in at.metric}
    assert cards[translate("ui.traffic.rate_effect", "en")] == columns.point_change_text(
        split.rate_effect
    )
    cells = shown_cells(at.dataframe[1])
    for column in ("mix_effect", "rate_effect"):
        for row, value in enumerate(split.per_channel[column]):
            assert cells[column][row] == columns.point_change_text(value)
            assert cells[column][row].endswith(" pp")
    assert cells["conversion_now"][0] == columns.rate_text(split.per_channel["conversion_now"][0])


def test_funnel_leak_changes_are_in_points_and_rates_by_one_rule(
    seeded: Path, use_workspace
) -> None:
    from analytics.metrics.leak import find_leaks
    from analytics.workspace import Workspace

    use_workspace(seeded)
    at = app("zh", "funnel")
    no_exception(at)
    with Workspace(seeded).connect() as con:
        report = find_leaks(con, *shown_view(at))
    cells = shown_cells(at.dataframe[0])
    for row, finding in enumerate(report.findings):
        now = finding.rate_now * 100
        assert cells["rate_now"][row] == (f"{now:.2f}%" if now < 10 else f"{now:.1f}%")
        assert cells["change"][row].endswith("个百分点"), "percentage points, in Chinese"
        assert "pp" not in cells["change"][row]


def test_report_tables_in_chinese_have_catalogue_headers_and_chinese_words(
    seeded: Path, use_workspace
) -> None:
    """Every column of every report table is labelled from the catalogue (no raw names such as
    visitor_unit) and code words in cells (visitors/sessions) are translated."""
    from ui.layout import REPORT_TABLES

    use_workspace(seeded)
    at = app("zh", "report")
    no_exception(at)
    shown = 0
    for name in REPORT_TABLES:
        at.selectbox(key="report.table").set_value(name).run()
        no_exception(at)
        if not at.dataframe:
            continue
        shown += 1
        element = at.dataframe[0]
        config = json.loads(element.proto.columns)
        labels = {c: spec.get("label") for c, spec in config.items() if c != "_index"}
        assert set(labels) == set(element.value.columns), name
        for column, label in labels.items():
            assert label and label != column, f"{name}.{column} has no catalogue label"
        cells = shown_cells(element).astype(str)
        words = set(cells.to_numpy().ravel())
        assert not words & {"visitors", "sessions", "mixed", "None", "nan", "NaT"}, name
    assert shown >= 4
