"""End-to-end: the real `streamlit run app.py` in Debian's Chromium, driven by Playwright.

Checks what only a browser shows: a cold deep link to every page renders inside the frame
(sidebar navigation visible), even as a fresh server's very first request with no "Page not
found" dialog over it, an export uploaded through the file input is imported and the
funnel follows, and Chinese text renders with a CJK font. Screenshots of every page in both
languages go to test-artifacts/ (gitignored) for a human to look at.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
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
START_TIMEOUT = 60.0
RENDER_TIMEOUT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer on {url} within {START_TIMEOUT}s")


def _serve(workspace: Path, log: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "SHOPLENS_WORKSPACE": str(workspace)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dashboard over a workspace holding every sample export."""
    from analytics.sample import load_sample
    from analytics.workspace import Workspace

    folder = tmp_path_factory.mktemp("e2e-seeded")
    load_sample(Workspace(folder / "ws"))
    yield from _serve(folder / "ws", folder / "streamlit.log")


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dashboard over an empty workspace (it shows the sample until data arrives)."""
    folder = tmp_path_factory.mktemp("e2e-empty")
    yield from _serve(folder / "ws", folder / "streamlit.log")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[str]:
    """A server no browser has visited yet: its first script run is Streamlit's legacy pass."""
    from analytics.sample import load_sample
    from analytics.workspace import Workspace

    load_sample(Workspace(tmp_path / "ws"))
    yield from _serve(tmp_path / "ws", tmp_path / "streamlit.log")


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    tab = context.new_page()
    yield tab
    context.close()


def _settle(page) -> None:
    """Wait until the script run is over and the charts are drawn."""
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=RENDER_TIMEOUT_MS)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=RENDER_TIMEOUT_MS,
    )
    page.wait_for_timeout(1500)


def _screenshot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its own container, so grow the viewport."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        "'[data-testid=stMain], [data-testid=stAppViewContainer], section')]"
        ".map(e => e.scrollHeight))"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 800), 8000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size(size)


def test_first_visit_to_a_fresh_server_on_a_deep_link_shows_no_page_not_found(
    fresh_server: str, page
) -> None:
    """The very first request a new server gets is a deep link (no visit to the root before).

    Streamlit sends that first run a "Page not found" dialog (ui/legacy_pages.py says why);
    app.py closes it, so the funnel shows with no dialog over it.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{fresh_server}/funnel?lang=en")
    page.get_by_role("heading", name="Funnel", level=1).wait_for(timeout=RENDER_TIMEOUT_MS)
    _settle(page)
    _screenshot(page, "cold-first-deep-link-funnel-en.png")
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator('[role="dialog"]').count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.url.startswith(f"{fresh_server}/funnel")


def test_streamlit_still_has_the_flag_ui_legacy_pages_reads() -> None:
    """ui/legacy_pages.py reads Streamlit's private `PagesManager.uses_pages_directory`.

    If an upgrade removes it, that module silently does nothing: check whether the first deep
    link still gets a "Page not found" dialog without it, and delete the module if not.
    """
    from streamlit.runtime.pages_manager import PagesManager

    assert hasattr(PagesManager, "uses_pages_directory")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_cold_deep_link_to_every_page_renders_in_the_frame(
    seeded_server: str, page, lang: str
) -> None:
    from analytics.i18n import t

    ARTIFACTS.mkdir(exist_ok=True)
    for topic in TOPICS:
        page.goto(f"{seeded_server}/{topic}?lang={lang}")
        title = t(f"ui.page.{topic}", lang)
        page.get_by_role("heading", name=title, level=1).wait_for(timeout=RENDER_TIMEOUT_MS)
        _settle(page)
        nav = page.locator('[data-testid="stSidebarNav"]')
        assert nav.is_visible()
        assert nav.get_by_text(t("ui.page.funnel", lang)).count() >= 1
        assert page.locator('[data-testid="stException"]').count() == 0, topic
        assert f"/{topic}" in page.url
        assert page.locator('[role="dialog"]').count() == 0, "no 'page not found' dialog"
        _screenshot(page, f"{topic}-{lang}.png")


def test_chinese_text_renders_with_a_cjk_font(seeded_server: str, page) -> None:
    page.goto(f"{seeded_server}/funnel?lang=zh")
    page.get_by_role("heading", name="转化漏斗", level=1).wait_for(timeout=RENDER_TIMEOUT_MS)
    _settle(page)
    has_cjk_font = page.evaluate(
        "() => document.fonts.check('16px \"Noto Sans CJK SC\"', '转化漏斗')"
        " || document.fonts.check('16px sans-serif', '转化漏斗')"
    )
    assert has_cjk_font
    # A CJK glyph drawn with a real font is as wide as it is tall; tofu boxes or missing glyphs
    # collapse or come out narrow. Measure the title's glyphs in the page's own font.
    ratio = page.evaluate(
        """() => {
            const h = document.querySelector('h1');
            const c = document.createElement('canvas').getContext('2d');
            c.font = getComputedStyle(h).font;
            const m = c.measureText('漏');
            return m.width / parseFloat(getComputedStyle(h).fontSize);
        }"""
    )
    assert 0.8 < ratio < 1.2
    page.locator(".js-plotly-plot text").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    chart_text = page.locator(".js-plotly-plot text").all_text_contents()
    assert any("访问" in s for s in chart_text), chart_text[:20]


@contextmanager
def _page_at(browser, url: str, width: int, lang: str, title: str) -> Iterator[object]:
    """`url` in a new tab `width` px wide, once its script run is over and its charts drawn."""
    ARTIFACTS.mkdir(exist_ok=True)
    locale = "zh-CN" if lang == "zh" else "en-US"
    context = browser.new_context(viewport={"width": width, "height": 1000}, locale=locale)
    try:
        tab = context.new_page()
        tab.goto(f"{url}?lang={lang}")
        tab.get_by_role("heading", name=title, level=1).wait_for(timeout=RENDER_TIMEOUT_MS)
        _settle(tab)
        yield tab
    finally:
        context.close()


@pytest.mark.parametrize(("width", "stacked"), [(800, True), (1440, False)])
def test_funnel_and_its_comparison_stack_on_a_narrow_screen(
    seeded_server: str, browser, width: int, stacked: bool
) -> None:
    """Side by side on a laptop; on an 800 px screen with the sidebar open each would get
    ~240 px (too narrow for the funnel's names, bars and rates), so the comparison goes under
    the funnel and the funnel keeps the whole width (ui/layout.py `pair`)."""
    with _page_at(browser, f"{seeded_server}/funnel", width, "en", "Funnel") as tab:
        # Plotly sizes its charts after they are drawn: read the boxes once they hold still.
        charts = tab.locator('[data-testid="stPlotlyChart"]')
        boxes = None
        for _ in range(40):
            seen = [charts.nth(0).bounding_box(), charts.nth(1).bounding_box()]
            if seen == boxes:
                break
            boxes = seen
            tab.wait_for_timeout(250)
        funnel, compare = boxes
        main = tab.locator('[data-testid="stMainBlockContainer"]').bounding_box()
        if stacked:
            assert compare["y"] >= funnel["y"] + funnel["height"], (funnel, compare)
            assert funnel["width"] > 0.9 * main["width"] - 100, (funnel, main)
        else:
            assert abs(compare["y"] - funnel["y"]) < 5, (funnel, compare)
            assert compare["x"] >= funnel["x"] + funnel["width"], (funnel, compare)
        _screenshot(tab, f"funnel-{width}px-en.png")


@pytest.mark.parametrize("width", [800, 1280])
def test_overview_kpi_values_are_never_cut_off(seeded_server: str, browser, width: int) -> None:
    """The five KPI cards of the landing page: on a 1280 px laptop st.columns cut the GMV to
    "¥32.0…" and at 800 px every value to one character (ui/layout.py `cards`)."""
    with _page_at(browser, f"{seeded_server}/overview", width, "zh", "总览") as tab:
        assert tab.locator('[data-testid="stMetricValue"]').count() == 5
        cut = tab.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
                .flatMap(v => [v, ...v.querySelectorAll('*')])
                .filter(e => e.scrollWidth > e.clientWidth + 1)
                .map(e => e.textContent)"""
        )
        assert cut == [], cut
        _screenshot(tab, f"overview-{width}px-zh.png")


def test_upload_through_the_file_input_imports_and_updates_the_funnel(
    empty_server: str, page
) -> None:
    from analytics.sample import sample_files

    export = next(p for p in sample_files() if p.name.endswith(".csv") and "流量来源" in p.name)
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{empty_server}/upload?lang=en")
    page.get_by_role("heading", name="Upload data", level=1).wait_for(timeout=RENDER_TIMEOUT_MS)
    _settle(page)
    page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(export))
    page.get_by_role("button", name="Import 1 file(s)").wait_for(timeout=RENDER_TIMEOUT_MS)
    _settle(page)
    _screenshot(page, "upload-preview-en.png")
    page.get_by_role("button", name="Import 1 file(s)").click()
    page.get_by_text("imported", exact=False).first.wait_for(timeout=RENDER_TIMEOUT_MS)
    _settle(page)
    result = page.locator('[data-testid="stAlertContentSuccess"]').first.inner_text()
    assert "traffic rows" in result
    _screenshot(page, "upload-done-en.png")

    page.goto(f"{empty_server}/funnel?lang=en")
    page.get_by_role("heading", name="Funnel", level=1).wait_for(timeout=RENDER_TIMEOUT_MS)
    _settle(page)
    assert page.locator('[data-testid="stSidebar"]').get_by_text("Sample data").count() == 0
    page.locator(".js-plotly-plot text").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    funnel_text = " ".join(page.locator(".js-plotly-plot text").all_text_contents())
    assert "Visits" in funnel_text and "Payments" in funnel_text
    _screenshot(page, "funnel-after-upload-en.png")
