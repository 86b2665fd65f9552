"""Reports an operator can send on: XLSX workbook, self-contained HTML, safe CSV downloads.

Everything written here is **inert** (RELIABILITY R10): a text cell that a spreadsheet would
read as a formula (`=`, `+`, `-`, `@`, tab, CR, LF and the full-width `＝＋－＠`) is guarded in
CSV with a leading `'`; XLSX cells written from text are string cells (`data_type "s"`), never
formulas; numbers stay numbers. CSV is UTF-8 with a BOM so Excel on Chinese Windows shows 中文.
In HTML every user string (channel, product, customer names) is escaped and the Plotly figures
are embedded with plotly.js itself, so the file opens offline.

The workbook and the HTML report hold the same sections (`SECTIONS`): KPIs, funnel, channels,
conversion, products, ratings, repeat purchase, RFM and the leak finder; headers come from the
message catalogue in the chosen language.
"""

from __future__ import annotations

import csv
import html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from analytics.formulas import guard_formula
from analytics.i18n import catalogue, t
from analytics.metrics import channels as channels_metrics
from analytics.metrics import conversion, funnel, kpis, leak, ratings, repeat
from analytics.metrics.period import Period, Scope

SECTIONS: tuple[str, ...] = (
    "kpis",
    "funnel",
    "channels",
    "conversion",
    "products",
    "ratings",
    "repeat",
    "rfm",
    "leak",
)
"""Report sections in order; each is one XLSX sheet (report.sheet.<key>) and one HTML part."""

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_TEXT = 32_767

# Column kinds by metric name, for number formats (XLSX) and display (HTML).
RATE_COLUMNS = frozenset(
    {
        "share",
        "pay_conversion",
        "order_conversion",
        "inquiry_conversion",
        "payment_rate",
        "conversion_shown",
        "ci_low",
        "ci_high",
        "pay_conversion_prev",
        "visitors_change",
        "pay_conversion_change",
        "gmv_change",
        "step_rate",
        "overall_rate",
        "retention",
        "negative_share",
        "repeat_rate",
        "returning_customer_rate",
        "returning_revenue_share",
        "refund_rate",
        "rate_now",
        "rate_before",
        "change",
        "conversion_now",
        "conversion_before",
        "mix_effect",
        "rate_effect",
    }
)
MONEY_COLUMNS = frozenset(
    {"gmv", "gmv_prev", "aov", "uv_value", "ad_cost", "cost_per_visitor", "monetary"}
)
# KPI rows whose value is a rate or money (the key-value tables carry one number column).
RATE_METRICS = RATE_COLUMNS
MONEY_METRICS = MONEY_COLUMNS | {
    "gmv_now",
    "gmv_before",
    "delta",
    "visitors_effect",
    "conversion_effect",
    "aov_effect",
}


# --- values ------------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _plain(value: Any) -> Any:
    """A cell value as a plain Python value: numpy → int/float/bool, NaN/NA → None."""
    if _is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.date() if value == datetime(value.year, value.month, value.day) else value
    if isinstance(value, (date, str, bool, int, float)):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return _plain(value.item())
    try:
        return float(value)  # Decimal
    except (TypeError, ValueError):
        return str(value)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as CSV for a download: UTF-8 with BOM, text cells formula-guarded.

    Numbers are written as numbers (unquoted, as `format(number)`), text cells quoted and
    guarded by `guard_formula`, missing values empty. Column names are text too and guarded.

    >>> csv_bytes(pd.DataFrame({"channel": ["=cmd"], "visitors": [10]}))[:3] == b"\\xef\\xbb\\xbf"
    True
    """
    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column]) or out[column].dtype == bool):
            out[column] = out[column].map(
                lambda v: guard_formula(v) if isinstance(v, str) else v, na_action="ignore"
            )
    out.columns = [guard_formula(str(c)) for c in out.columns]
    text = out.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")


# --- sections ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One table of a report section: an optional title and the frame in metric names."""

    title: str | None
    frame: pd.DataFrame


@dataclass(frozen=True)
class Section:
    """One report section (an XLSX sheet, an HTML part): its key, tables, notes and charts."""

    key: str
    tables: tuple[Table, ...]
    notes: tuple[str, ...] = ()
    figures: tuple[go.Figure, ...] = ()
    headline: str | None = None


def label(name: str, lang: str) -> str:
    """The header of a metric column: `metric.<name>` if the catalogue has it, else
    `report.column.<name>`. An unknown name raises KeyError (a missing label is a bug)."""
    known = catalogue()
    for key in (f"metric.{name}", f"report.column.{name}"):
        if key in known:
            return t(key, lang)
    raise KeyError(f"no catalogue label for column {name!r} (report.column.{name})")


def _key_values(rows: Iterable[tuple[str, Any]], lang: str) -> pd.DataFrame:
    """A two-column [metric, value] table; `metric` holds the label, `name` the metric name."""
    rows = list(rows)
    return pd.DataFrame(
        {
            "name": [name for name, _ in rows],
            "metric": [label(name, lang) for name, _ in rows],
            "value": pd.Series([_plain(v) for _, v in rows], dtype=object),
        }
    )


def _translate(frame: pd.DataFrame, column: str, prefix: str, lang: str) -> pd.DataFrame:
    """Replace catalogue-keyed values (stage, segment, flag) by their label in `lang`."""
    if column in frame.columns:
        known = catalogue()
        frame = frame.copy()
        frame[column] = frame[column].map(
            lambda v: t(f"{prefix}.{v}", lang) if f"{prefix}.{v}" in known else v,
            na_action="ignore",
        )
    return frame


def _kpi_section(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope, lang: str):
    comparison = kpis.kpi_comparison(con, period, scope)
    orders_now = repeat.order_summary(con, period, scope)
    orders_before = repeat.order_summary(con, period.previous(), scope)
    rows = []
    for name in kpis.KPI_NAMES:
        rows.append(
            (name, getattr(comparison.now, name), getattr(comparison.before, name),
             comparison.change.get(name))
        )  # fmt: skip
    for name in ("paid_orders", "customers", "refund_rate"):
        now, before = getattr(orders_now, name), getattr(orders_before, name)
        rows.append((name, now, before, kpis.relative_change(now, before)))
    frame = pd.DataFrame(
        {
            "name": [r[0] for r in rows],
            "metric": [label(r[0], lang) for r in rows],
            "now": pd.Series([_plain(r[1]) for r in rows], dtype=object),
            "before": pd.Series([_plain(r[2]) for r in rows], dtype=object),
            "change": pd.Series([_plain(r[3]) for r in rows], dtype=object),
        }
    )
    notes = []
    if comparison.now.source == "traffic" and period.days > 1:
        notes.append(t("report.visitor_days_note", lang))
    return Section("kpis", (Table(None, frame),), tuple(notes))


def _funnel_section(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope, lang: str):
    result = funnel.funnel(con, period, scope)
    frame = pd.DataFrame(
        [
            {
                "stage": s.stage,
                "count": s.count,  # Int64 below: a missing stage is NA, not NaN
                "step_rate": s.step_rate,
                "overall_rate": s.overall_rate,
                "present": s.present,
            }
            for s in result.stages
        ]
    )
    frame["count"] = frame["count"].astype("Int64")
    shown = frame[frame["present"]]
    figures = ()
    if result.source is not None and not shown.empty:
        figures = (
            go.Figure(
                go.Funnel(
                    y=[t(f"stage.{s}", lang) for s in shown["stage"]],
                    x=[int(c) for c in shown["count"]],
                    textinfo="value+percent initial",
                ),
                layout={"title": {"text": t("report.chart.funnel", lang)}},
            ),
        )
    notes = (t("report.visitor_days_note", lang),) if result.visitor_days else ()
    if result.source is None:
        frame = frame.iloc[0:0]
    return Section(
        "funnel", (Table(None, _translate(frame, "stage", "stage", lang)),), notes, figures
    )


def _channels_section(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope, lang: str):
    frame = channels_metrics.channel_summary(con, period, scope)
    return Section("channels", (Table(None, _translate(frame, "flag", "report.flag", lang)),))


def _conversion_section(
    con: duckdb.DuckDBPyConnection, period: Period, scope: Scope, lang: str
) -> Section:
    frame = conversion.conversion_trend(con, period, scope, grain="day")
    figures = ()
    notes = ()
    if not frame.empty:
        figure = go.Figure(
            go.Scatter(
                x=[str(b) for b in frame["bucket"]],
                y=frame["pay_conversion"],
                mode="lines+markers",
                marker={"symbol": ["circle-open" if i else "circle" for i in frame["immature"]]},
                name=label("pay_conversion", lang),
            ),
            layout={
                "title": {"text": t("report.chart.conversion", lang)},
                "yaxis": {"tickformat": ".1%"},
            },
        )
        figures = (figure,)
        if frame["immature"].any():
            notes = (t("report.immature_note", lang),)
    return Section("conversion", (Table(None, frame),), notes, figures)


def _products_section(
    con: duckdb.DuckDBPyConnection, period: Period, scope: Scope, lang: str
) -> Section:
    frame = conversion.product_conversion(con, period, scope)
    notes = (t("report.presale_note", lang),) if frame["is_presale"].any() else ()
    return Section("products", (Table(None, frame),), notes)


def _ratings_section(
    con: duckdb.DuckDBPyConnection, period: Period, scope: Scope, lang: str
) -> Section:
    summary = ratings.rating_summary(con, period, scope)
    source = summary.dsr_source
    head = _key_values(
        [
            ("reviews", summary.reviews),
            ("average", summary.average),
            ("negative_share", summary.negative_share),
            ("description", summary.dsr["description"]),
            ("service", summary.dsr["service"]),
            ("logistics", summary.dsr["logistics"]),
            ("dsr_source", t(f"report.dsr_source.{source}", lang) if source else None),
        ],
        lang,
    )
    distribution = ratings.rating_distribution(con, period, scope)
    snapshots = ratings.dsr_snapshots(con, period, scope)
    figures = ()
    if summary.reviews and int(distribution["reviews"].sum()):
        figures = (
            go.Figure(
                go.Bar(
                    x=[f"{r}★" for r in distribution["rating"]],
                    y=[int(n) for n in distribution["reviews"]],
                ),
                layout={"title": {"text": t("report.chart.ratings", lang)}},
            ),
        )
    return Section(
        "ratings",
        (Table(None, head), Table(None, distribution), Table(None, snapshots)),
        (),
        figures,
    )


def _repeat_section(
    con: duckdb.DuckDBPyConnection, period: Period, scope: Scope, lang: str
) -> Section:
    summary = repeat.repeat_summary(con, period, scope)
    head = _key_values(
        [
            ("customers", summary.customers),
            ("repeat_customers", summary.repeat_customers),
            ("repeat_rate", summary.repeat_rate),
            ("returning_customers", summary.returning_customers),
            ("returning_customer_rate", summary.returning_customer_rate),
            ("returning_revenue_share", summary.returning_revenue_share),
            ("median_days_to_second", summary.median_days_to_second),
        ],
        lang,
    )
    cohorts = repeat.cohort_table(con, period, scope)
    return Section("repeat", (Table(None, head), Table(None, cohorts)))


def _rfm_section(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope, lang: str):
    frame = repeat.rfm_table(con, period, scope)
    return Section("rfm", (Table(None, _translate(frame, "segment", "report.segment", lang)),))


LEAK_COLUMNS: tuple[str, ...] = (
    "step",
    "channel",
    "entrants_now",
    "rate_now",
    "rate_before",
    "change",
    "p_value",
    "p_adjusted",
    "lost_payments",
    "significant",
)


def _findings_frame(findings: Sequence[leak.LeakFinding], lang: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        [{column: getattr(f, column) for column in LEAK_COLUMNS} for f in findings],
        columns=list(LEAK_COLUMNS),
    )
    frame["step"] = [leak.step_label(step, lang) for step in frame["step"]]
    return frame


def _leak_section(con: duckdb.DuckDBPyConnection, period: Period, scope: Scope, lang: str):
    """The leak verdict, the step findings (shop, then per channel), the GMV and mix splits."""
    found = leak.find_leaks(con, period, scope)
    split = leak.gmv_change(con, period, scope)
    mix = leak.mix_rate_split(con, period, scope)
    shop_steps = _findings_frame(found.findings, lang).drop(columns=["channel"])
    channel_steps = _findings_frame(found.channel_findings, lang)
    gmv = _key_values(
        [
            ("gmv_now", split.gmv_now),
            ("gmv_before", split.gmv_before),
            ("delta", split.delta),
            ("visitors_effect", split.visitors_effect),
            ("conversion_effect", split.conversion_effect),
            ("aov_effect", split.aov_effect),
        ],
        lang,
    )
    mix_rate = _key_values(
        [
            ("conversion_now", mix.conversion_now),
            ("conversion_before", mix.conversion_before),
            ("mix_effect", mix.mix_effect),
            ("rate_effect", mix.rate_effect),
        ],
        lang,
    )
    notes = []
    if found.immature_days:
        notes.append(t("report.immature_note", lang))
    if split.note:
        notes.append(t(split.note, lang))
    tables = (
        Table(t("report.table.findings", lang), shop_steps),
        Table(t("report.table.channel_findings", lang), channel_steps),
        Table(t("report.table.gmv_split", lang), gmv if split.delta is not None else gmv[:0]),
        Table(
            t("report.table.mix_rate", lang), mix_rate if mix.delta is not None else mix_rate[:0]
        ),
    )
    return Section("leak", tables, tuple(notes), (), leak.verdict(found, lang))


SectionBuilder = Callable[[duckdb.DuckDBPyConnection, Period, Scope, str], Section]
BUILDERS: dict[str, SectionBuilder] = {
    "kpis": _kpi_section,
    "funnel": _funnel_section,
    "channels": _channels_section,
    "conversion": _conversion_section,
    "products": _products_section,
    "ratings": _ratings_section,
    "repeat": _repeat_section,
    "rfm": _rfm_section,
    "leak": _leak_section,
}


def report_sections(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope = Scope(),  # noqa: B008 - frozen, safe as a default
    lang: str = "en",
) -> list[Section]:
    """Compute every report section (frames in metric-name columns, labels in `lang`)."""
    return [BUILDERS[key](con, period, scope, lang) for key in SECTIONS]


def _number_kind(column: str, row_name: str | None) -> str | None:
    """'rate', 'money' or None for a numeric cell (key-value rows use the row's metric name)."""
    name = row_name if row_name is not None and column in ("value", "now", "before") else column
    if name == "p_value":
        return "p"
    if column == "change" and row_name is not None:
        return "rate"
    if name in RATE_METRICS:
        return "rate"
    if name in MONEY_METRICS:
        return "money"
    return None


def _visible(frame: pd.DataFrame) -> list[str]:
    """Columns shown to the reader: `name` (the metric key of key-value tables) is internal."""
    return [c for c in frame.columns if c != "name"]


# --- XLSX --------------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_NUMBER_FORMATS = {"rate": "0.00%", "money": "#,##0.00"}


def _sheet_title(key: str, lang: str) -> str:
    return _SHEET_FORBIDDEN.sub(" ", t(f"report.sheet.{key}", lang))[:31]


def _xlsx_text(text: str) -> str:
    """Text an XLSX cell can hold: XML-illegal control characters → U+FFFD, ≤ 32,767 chars."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)[:EXCEL_MAX_TEXT]


def _xlsx_cell(sheet: Any, value: Any, number_format: str | None = None, bold: bool = False):
    value = _plain(value)
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=_xlsx_text(value))
        cell.data_type = "s"  # a str starting with "=" would otherwise become a formula
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, date) and not isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd"
        elif isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif number_format and isinstance(value, (int, float)) and not isinstance(value, bool):
            cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def _write_table(sheet: Any, table: Table, lang: str, room: int) -> int:
    """Append `table` (title row, header row, data rows) to a write-only sheet; rows used."""
    used = 0
    if table.title:
        sheet.append([_xlsx_cell(sheet, table.title, bold=True)])
        used += 1
    columns = _visible(table.frame)
    sheet.append([_xlsx_cell(sheet, label(c, lang), bold=True) for c in columns])
    used += 1
    names = table.frame["name"] if "name" in table.frame.columns else None
    for i, row in enumerate(table.frame[columns].itertuples(index=False, name=None)):
        if used >= room:
            break
        row_name = None if names is None else names.iloc[i]
        sheet.append(
            [
                _xlsx_cell(sheet, v, _NUMBER_FORMATS.get(_number_kind(c, row_name) or ""))
                for c, v in zip(columns, row, strict=True)
            ]
        )
        used += 1
    return used


def write_xlsx(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope,
    out: Path | str,
    lang: str = "en",
) -> Path:
    """Write the report workbook to `out`: one sheet per section, headers in `lang`.

    Numbers are numeric cells (rates formatted as %, money with two decimals), dates are date
    cells, and every cell written from text is a string cell (`data_type "s"`), so a product
    called "=HYPERLINK(…)" stays text. Returns the path written.
    """
    out = Path(out)
    book = Workbook(write_only=True)
    for section in report_sections(con, period, scope, lang):
        sheet = book.create_sheet(_sheet_title(section.key, lang))
        sheet.append([_xlsx_cell(sheet, t(f"report.sheet.{section.key}", lang), bold=True)])
        sheet.append(
            [_xlsx_cell(sheet, t("report.period", lang, start=period.start, end=period.end))]
        )
        used = 2
        if section.headline:
            sheet.append([_xlsx_cell(sheet, section.headline, bold=True)])
            used += 1
        for note in section.notes:
            sheet.append([_xlsx_cell(sheet, note)])
            used += 1
        for table in section.tables:
            sheet.append([])
            used += 1 + _write_table(sheet, table, lang, EXCEL_MAX_ROWS - used - 1)
    book.save(out)
    return out


# --- HTML --------------------------------------------------------------------------------

_CSS = """
body{font-family:-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;
margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.8rem 0;font-size:.88rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}
th{background:#f5f5f5}td.text{text-align:left}p.note{color:#666;font-size:.85rem}
p.verdict{font-size:1.1rem;font-weight:600}
"""


def _html_value(value: Any, kind: str | None, lang: str) -> tuple[str, bool]:
    """A cell as escaped display text, and whether it is text (left-aligned)."""
    value = _plain(value)
    if value is None:
        return "—", False
    if isinstance(value, bool):
        return html.escape(t("report.yes" if value else "report.no", lang)), True
    if isinstance(value, (int, float)):
        if kind == "p":
            return f"{value:.3f}", False
        if kind == "rate":
            return f"{value:.2%}", False
        if kind == "money" or isinstance(value, float):
            return f"{value:,.2f}", False
        return f"{value:,}", False
    return html.escape(str(value)), True


def _html_table(table: Table, lang: str) -> str:
    columns = _visible(table.frame)
    names = table.frame["name"] if "name" in table.frame.columns else None
    parts = []
    if table.title:
        parts.append(f"<h3>{html.escape(table.title)}</h3>")
    parts.append("<table><thead><tr>")
    parts.extend(f"<th>{html.escape(label(c, lang))}</th>" for c in columns)
    parts.append("</tr></thead><tbody>")
    for i, row in enumerate(table.frame[columns].itertuples(index=False, name=None)):
        row_name = None if names is None else names.iloc[i]
        parts.append("<tr>")
        for column, value in zip(columns, row, strict=True):
            text, is_text = _html_value(value, _number_kind(column, row_name), lang)
            parts.append(f'<td class="text">{text}</td>' if is_text else f"<td>{text}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _escape_figure_text(figure: go.Figure) -> go.Figure:
    """Plotly renders a subset of HTML in labels: escape user text so it shows as typed."""
    for trace in figure.data:
        for axis in ("x", "y"):
            values = getattr(trace, axis, None)
            if values is not None and len(values) and isinstance(values[0], str):
                setattr(trace, axis, [html.escape(v) for v in values])
    return figure


HTML_ROW_LIMIT = 200
"""Tables in the HTML report show at most this many rows (the XLSX has them all)."""


def render_html(sections: Sequence[Section], period: Period, lang: str) -> str:
    """The self-contained HTML page of the report sections (plotly.js embedded once)."""
    title = t("report.title", lang)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(t('report.period', lang, start=period.start, end=period.end))}</p>",
        f'<p class="note">{html.escape(t("report.generated", lang))}</p>',
    ]
    plotly_embedded = False
    for section in sections:
        parts.append(f"<h2>{html.escape(t(f'report.sheet.{section.key}', lang))}</h2>")
        if section.headline:
            parts.append(f'<p class="verdict">{html.escape(section.headline)}</p>')
        parts.extend(f'<p class="note">{html.escape(n)}</p>' for n in section.notes)
        for figure in section.figures:
            parts.append(
                _escape_figure_text(figure).to_html(
                    full_html=False,
                    include_plotlyjs=not plotly_embedded,
                    config={"displaylogo": False},
                )
            )
            plotly_embedded = True
        tables = [table for table in section.tables if not table.frame.empty]
        if not tables:
            parts.append(f'<p class="note">{html.escape(t("report.no_data", lang))}</p>')
        for table in tables:
            shown = Table(table.title, table.frame.head(HTML_ROW_LIMIT))
            parts.append(_html_table(shown, lang))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope,
    out: Path | str,
    lang: str = "en",
) -> Path:
    """Write the weekly report as one self-contained HTML file (opens offline) to `out`.

    KPIs with the change against the previous period, the funnel chart, the channel table,
    the leak verdict, ratings and repeat purchase; user strings are HTML-escaped.
    """
    out = Path(out)
    page = render_html(report_sections(con, period, scope, lang), period, lang)
    out.write_text(page, encoding="utf-8")
    return out
