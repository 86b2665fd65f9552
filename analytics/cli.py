"""`shoplens`: import exports, list and undo imports, print a summary, write a report.

The CLI is for automation (the weekly cron job), tests and people who prefer a terminal. It
calls the same functions as the dashboard. Exit codes (DESIGN.md "CLI contract"):

    0  success
    1  input rejected, workspace busy or unreadable: the message is on stderr and the
       workspace is unchanged (each FILE is its own transaction: the others still import)
    2  usage error: an unknown option, a missing file, a malformed --map, an unknown import id

Messages come from the catalogue in the language of `--lang`, else `$SHOPLENS_LANG`, else the
locale (`$LC_ALL`, `$LC_MESSAGES`, `$LANG`: zh* → Chinese), else English. No command ever prints
a traceback: `ShopLensError`s are rendered at this one boundary.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from analytics.errors import (
    InputRejected,
    ShopLensError,
    UnrecognisedColumns,
    UsageError,
    shown_value,
)
from analytics.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from analytics.ingest.model import ImportOptions, ImportResult
from analytics.messages import render_error, render_notice
from analytics.metrics.period import Period, Scope
from analytics.schema import KINDS, TABLES
from analytics.workspace import Workspace, default_workspace_path

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
NO_VALUE = "–"

# ---------------------------------------------------------------------------------------------
# language and arguments


def choose_language(argv: Sequence[str], environ: dict[str, str] | None = None) -> str:
    """`--lang` if given, else `$SHOPLENS_LANG`, else the locale (zh* → zh), else English."""
    env = os.environ if environ is None else environ
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang")
    given, _ = pre.parse_known_args(list(argv))
    for candidate in (given.lang, env.get("SHOPLENS_LANG")):
        if candidate in LANGUAGES:
            return candidate
    locale = env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG") or ""
    return "zh" if locale.lower().startswith("zh") else DEFAULT_LANGUAGE


def build_parser(lang: str) -> argparse.ArgumentParser:
    """The argument parser, with help texts in `lang`; each command sets `run`."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace", type=Path, metavar="PATH", help=t("cli.help.workspace", lang)
    )
    common.add_argument("--lang", choices=LANGUAGES, help=t("cli.help.lang", lang))

    parser = argparse.ArgumentParser(prog="shoplens", description=t("cli.help.description", lang))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = commands.add_parser(
        "import",
        parents=[common],
        help=t("cli.help.import", lang),
        description=t("cli.help.import", lang),
    )
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE", help=t("cli.help.files", lang))
    imp.add_argument("--kind", choices=KINDS, help=t("cli.help.kind", lang))
    imp.add_argument("--shop", default="", metavar="NAME", help=t("cli.help.shop", lang))
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar='"SOURCE COLUMN=field"',
        help=t("cli.help.map", lang),
    )
    imp.add_argument("--columns", metavar="f1,f2,...", help=t("cli.help.columns", lang))
    imp.add_argument("--sheet", metavar="NAME", help=t("cli.help.sheet", lang))
    imp.set_defaults(run=cmd_import)

    lst = commands.add_parser(
        "imports",
        parents=[common],
        help=t("cli.help.imports", lang),
        description=t("cli.help.imports", lang),
    )
    lst.set_defaults(run=cmd_imports)

    undo = commands.add_parser(
        "undo",
        parents=[common],
        help=t("cli.help.undo", lang),
        description=t("cli.help.undo", lang),
    )
    undo.add_argument(
        "import_id", type=int, metavar="IMPORT_ID", help=t("cli.help.import_id", lang)
    )
    undo.set_defaults(run=cmd_undo)

    period = argparse.ArgumentParser(add_help=False)
    period.add_argument(
        "--start", type=date.fromisoformat, metavar="YYYY-MM-DD", help=t("cli.help.start", lang)
    )
    period.add_argument(
        "--end", type=date.fromisoformat, metavar="YYYY-MM-DD", help=t("cli.help.end", lang)
    )

    summ = commands.add_parser(
        "summary",
        parents=[common, period],
        help=t("cli.help.summary", lang),
        description=t("cli.help.summary", lang),
    )
    summ.add_argument("--json", action="store_true", help=t("cli.help.json", lang))
    summ.set_defaults(run=cmd_summary)

    rep = commands.add_parser(
        "report",
        parents=[common, period],
        help=t("cli.help.report", lang),
        description=t("cli.help.report", lang),
    )
    rep.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE.xlsx|FILE.html",
        help=t("cli.help.out", lang),
    )
    rep.set_defaults(run=cmd_report)

    sample = commands.add_parser(
        "sample",
        parents=[common],
        help=t("cli.help.sample", lang),
        description=t("cli.help.sample", lang),
    )
    sample.set_defaults(run=cmd_sample)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `shoplens` command and return its exit code (the console script's entry)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _tolerant_output()
    lang = choose_language(argv)
    parser = build_parser(lang)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed help (0) or a usage message (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return args.run(args, lang)
    except BrokenPipeError:
        # The reader went away (`shoplens summary --json | head`): stop quietly, as Unix tools do.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_REJECTED
    except UsageError as exc:
        _print_error(exc, lang)
        return EXIT_USAGE
    except ShopLensError as exc:
        _print_error(exc, lang)
        return EXIT_REJECTED


def _tolerant_output() -> None:
    """Never fail on a console that cannot show Chinese: escape what it cannot encode."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _print_error(exc: ShopLensError, lang: str) -> None:
    for line in render_error(exc, lang):
        print(line, file=sys.stderr)


def _workspace(args: argparse.Namespace) -> Workspace:
    return Workspace(args.workspace or default_workspace_path())


# ---------------------------------------------------------------------------------------------
# import, imports, undo, sample


def import_options(args: argparse.Namespace) -> ImportOptions:
    """The ImportOptions the flags describe; malformed --map/--columns raise UsageError."""
    known = set(TABLES[args.kind].column_names) if args.kind else _all_fields()
    mapping: dict[str, str] = {}
    for item in args.map:
        source, sep, field = item.rpartition("=")
        source, field = source.strip(), field.strip()
        if not sep or not source or not field:
            raise UsageError("cli.bad_map", value=shown_value(item))
        _check_field(field, known)
        mapping[source] = field
    columns = None
    if args.columns is not None:
        columns = tuple(f.strip() for f in args.columns.split(","))
        for field in columns:
            _check_field(field, known)
    return ImportOptions(
        kind=args.kind, shop=args.shop, mapping=mapping, columns=columns, sheet=args.sheet
    )


def _all_fields() -> set[str]:
    return {name for table in TABLES.values() for name in table.column_names}


def _check_field(field: str, known: set[str]) -> None:
    if field not in known:
        raise UsageError(
            "cli.unknown_field", field=shown_value(field), fields=", ".join(sorted(known))
        )


def cmd_import(args: argparse.Namespace, lang: str) -> int:
    """Import each FILE in its own transaction; exit 1 if any was rejected."""
    options = import_options(args)
    for path in args.files:
        if not path.is_file():
            raise UsageError("cli.no_such_file", file=shown_value(str(path)))
    ws = _workspace(args)
    rejected = 0
    for path in args.files:
        if not _import_one(ws, path, options, lang):
            rejected += 1
    return EXIT_REJECTED if rejected else EXIT_OK


def _import_one(ws: Workspace, path: Path, options: ImportOptions, lang: str) -> bool:
    """Import one file and print what happened; False when it was rejected."""
    from analytics.importer import import_path  # loads ingest only for commands that import

    name = shown_value(path.name)
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        print(t("cli.unreadable", lang, file=name, reason=exc.strerror or ""), file=sys.stderr)
        return False
    try:
        result = import_path(ws, path, options)
    except UnrecognisedColumns as exc:
        print(t("cli.rejected", lang, file=name), file=sys.stderr)
        for line in [*render_error(exc, lang), *_mapping_hint(exc, path.name, options, lang)]:
            print("  " + line, file=sys.stderr)
        return False
    except InputRejected as exc:
        print(t("cli.rejected", lang, file=name), file=sys.stderr)
        for line in render_error(exc, lang):
            print("  " + line, file=sys.stderr)
        return False
    print(_result_line(ws, result, lang))
    for notice in result.notices:
        print("  " + t("cli.notice", lang, text=render_notice(notice, lang)))
    return True


def _result_line(ws: Workspace, result: ImportResult, lang: str) -> str:
    """One line per stored file, e.g.
    `sales.xlsx: traffic (sycm), 120 rows, 2024-01-01…2024-03-10, imported as #3 (12 updated)`.
    """
    name = shown_value(result.file_name)
    if result.import_id is None:
        return t("cli.already_imported", lang, file=name, when=_minutes(result.already_imported_at))
    record = ws.record(result.import_id)
    what = t(f"kind.{record.kind}", lang)
    if record.platform:
        what += f" ({record.platform})"
    rows = t("cli.one_row", lang) if result.rows_inserted == 1 else None
    parts = [what, rows or t("cli.rows", lang, rows=f"{result.rows_inserted:,}")]
    if record.date_start is not None:
        parts.append(_dates(record.date_start, record.date_end))
    parts.append(t("cli.imported_as", lang, import_id=result.import_id))
    line = f"{name}: " + t("cli.list_separator", lang).join(parts)
    if result.rows_updated:
        line += t("cli.updated", lang, updated=f"{result.rows_updated:,}")
    return line


def _dates(start: date | None, end: date | None) -> str:
    """'2024-01-01…2024-01-07', one date for a single day, '–' without dates."""
    if start is None or end is None:
        return NO_VALUE
    return str(start) if start == end else f"{start}…{end}"


def _minutes(iso: str | None) -> str:
    """'2024-03-11 09:12:05' → '2024-03-11 09:12'."""
    return (iso or "")[:16]


def _mapping_hint(
    exc: UnrecognisedColumns, file_name: str, options: ImportOptions, lang: str
) -> list[str]:
    """What was recognised, what is missing, and the exact --map syntax to finish the job.

    The example pairs the unused columns with the missing fields in order: a guess the user
    corrects, but written with their own column names so it can be edited, not retyped.
    """
    recognition = exc.recognition
    kind = options.kind or (recognition.kind if recognition is not None else None)
    lines = []
    if kind is None:
        needs = "; ".join(
            t("cli.kind_needs", lang, kind=k, fields=", ".join(TABLES[k].required)) for k in KINDS
        )
        lines.append(t("cli.kind_unknown", lang, kinds="|".join(KINDS)))
        lines.append(t("cli.required_fields", lang, needs=needs))
    if recognition is not None and recognition.mapping:
        pairs = ", ".join(f"{shown_value(s)} → {f}" for s, f in recognition.mapping.items())
        lines.append(t("cli.recognised", lang, pairs=pairs))
    missing = list(recognition.missing) if recognition is not None else []
    if kind is not None and not missing:
        missing = [f for f in TABLES[kind].required if f not in recognition.mapping.values()]
    if missing:
        lines.append(t("cli.missing", lang, fields=", ".join(missing)))
    unused = list(recognition.unmapped) if recognition is not None else list(exc.header)
    if unused:
        shown = ", ".join(f"“{shown_value(c)}”" for c in unused)
        lines.append(t("cli.unused", lang, columns=shown))
    example = [
        "--map " + _double_quoted(f"{shown_value(column)}={field}")
        for column, field in zip(unused or ["SOURCE COLUMN"], missing or ["field"], strict=False)
    ]
    command = ["shoplens", "import", _double_quoted(shown_value(file_name))]
    command += ["--kind", kind or "KIND"]
    lines.append(t("cli.map_hint", lang))
    lines.append("  " + " ".join([*command, *example]))
    return lines


def _double_quoted(text: str) -> str:
    """`text` in double quotes for a shell (POSIX and Windows both read these)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cmd_imports(args: argparse.Namespace, lang: str) -> int:
    """List every import, newest first, with what it stored and whether it was undone."""
    records = _workspace(args).imports()
    if not records:
        print(t("cli.no_imports", lang))
        return EXIT_OK
    headers = [t(f"cli.column.{c}", lang) for c in _IMPORT_COLUMNS]
    rows = []
    for r in records:
        status = t("cli.undone_at", lang, when=_minutes(r.undone_at)) if r.undone_at else ""
        rows.append(
            [
                f"#{r.import_id}",
                _minutes(r.imported_at),
                t(f"kind.{r.kind}", lang),
                r.platform or NO_VALUE,
                r.shop or NO_VALUE,
                f"{r.rows:,}",
                f"{r.rows_updated:,}",
                _dates(r.date_start, r.date_end),
                shown_value(r.file_name),
                status,
            ]
        )
    print(_table(headers, rows))
    return EXIT_OK


_IMPORT_COLUMNS = (
    "id",
    "imported_at",
    "kind",
    "platform",
    "shop",
    "rows",
    "updated",
    "dates",
    "file",
    "status",
)


def cmd_undo(args: argparse.Namespace, lang: str) -> int:
    """Undo one import: its rows go, the rows it replaced come back."""
    record = _workspace(args).undo(args.import_id)
    print(t("cli.undone", lang, import_id=record.import_id, file=shown_value(record.file_name)))
    return EXIT_OK


def cmd_sample(args: argparse.Namespace, lang: str) -> int:
    """Import the bundled sample exports into the workspace."""
    from analytics.sample import sample_files, sample_shop  # ingest loads only when importing

    files = sample_files()
    if not files:
        print(t("cli.no_sample", lang), file=sys.stderr)
        return EXIT_REJECTED
    ws = _workspace(args)
    rejected = sum(
        not _import_one(ws, path, ImportOptions(shop=sample_shop(path)), lang) for path in files
    )
    return EXIT_REJECTED if rejected else EXIT_OK


# ---------------------------------------------------------------------------------------------
# summary and report


def _period(args: argparse.Namespace) -> Period | None:
    """The period --start/--end give (both or neither); None means all data."""
    if args.start is None and args.end is None:
        return None
    if args.start is None or args.end is None:
        raise UsageError("cli.period_needs_both")
    if args.end < args.start:
        raise UsageError("cli.period_reversed", start=args.start, end=args.end)
    return Period(args.start, args.end)


def cmd_summary(args: argparse.Namespace, lang: str) -> int:
    """Print the summary: one JSON object with --json, else a readable table."""
    period = _period(args)
    summary_fn = _metric("summary", "summary", lang)
    if summary_fn is None:
        return EXIT_REJECTED
    with _workspace(args).connect() as con:
        result = summary_fn(con, period=period, scope=Scope())
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    else:
        print(format_summary(result, lang))
    return EXIT_OK


def cmd_report(args: argparse.Namespace, lang: str) -> int:
    """Write the XLSX or HTML report of the period (default: all data) to --out."""
    suffix = args.out.suffix.lower()
    if suffix not in (".xlsx", ".html"):
        raise UsageError("cli.report_suffix")
    if not args.out.parent.resolve().is_dir():
        raise UsageError("cli.no_such_folder", folder=shown_value(str(args.out.parent)))
    period = _period(args)
    writer = _metric("report", "write_xlsx" if suffix == ".xlsx" else "write_html", lang)
    coverage_fn = _metric("coverage", "coverage", lang)
    if writer is None or coverage_fn is None:
        return EXIT_REJECTED
    scope = Scope()
    with _workspace(args).connect() as con:
        if period is None:
            cov = coverage_fn(con, scope)
            if cov.first_date is None or cov.last_date is None:
                print(t("cli.no_data", lang), file=sys.stderr)
                return EXIT_REJECTED
            period = Period(cov.first_date, cov.last_date)
        writer(con, period, scope, args.out, lang)
    print(t("cli.report_written", lang, file=shown_value(str(args.out))))
    return EXIT_OK


def _metric(module: str, name: str, lang: str) -> Callable[..., Any] | None:
    """`analytics.metrics.<module>.<name>`, or None (with a message) while it is not built yet."""
    try:
        found = importlib.import_module(f"analytics.metrics.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"analytics.metrics.{module}":
            raise
        found = None
    function = getattr(found, name, None)
    if function is None:
        print(t("cli.not_available", lang, what=f"{module}.{name}"), file=sys.stderr)
    return function


def format_summary(result: dict[str, Any], lang: str) -> str:
    """The `summary --json` object as readable text: KPIs, funnel, channels, leak."""
    out: list[str] = []
    period = result.get("period") or {}
    out.append(t("cli.summary.period", lang, start=period.get("start"), end=period.get("end")))

    kpis = result.get("kpis") or {}
    out += ["", t("cli.summary.kpis", lang)]
    kpi_rows = [
        [t(f"metric.{name}", lang), _format_value(name, kpis.get(name))]
        for name in ("gmv", "visitors", "pay_conversion", "aov", "uv_value")
    ]
    out.append(_table(None, kpi_rows))

    funnel = result.get("funnel") or {}
    stages = funnel.get("stages") or []
    if stages:
        out += ["", t("cli.summary.funnel", lang, source=funnel.get("source") or NO_VALUE)]
        headers = [t(f"cli.column.{c}", lang) for c in ("stage", "count", "step_rate", "overall")]
        rows = [
            [
                t(f"stage.{s.get('stage')}", lang),
                _format_value("count", s.get("count")),
                _format_value("rate", s.get("step_rate")),
                _format_value("rate", s.get("overall_rate")),
            ]
            for s in stages
        ]
        out.append(_table(headers, rows))

    channels = result.get("channels") or []
    if channels:
        out += ["", t("cli.summary.channels", lang)]
        names = ("visitors", "pay_conversion", "gmv", "aov")
        headers = [t("cli.column.channel", lang)] + [t(f"metric.{n}", lang) for n in names]
        rows = [
            [shown_value(c.get("channel"))] + [_format_value(n, c.get(n)) for n in names]
            for c in channels
        ]
        out.append(_table(headers, rows))

    out += ["", t("cli.summary.leak_title", lang)]
    leak = result.get("leak")
    if leak:
        out.append(
            "  "
            + t(
                "cli.summary.leak",
                lang,
                step=leak.get("step"),
                rate_now=_format_value("rate", leak.get("rate_now")),
                rate_before=_format_value("rate", leak.get("rate_before")),
                p_value=_format_value("p", leak.get("p_value")),
                lost=_format_value("count", leak.get("lost_payments")),
            )
        )
    else:
        out.append("  " + t("cli.summary.no_leak", lang))
    return "\n".join(out)


_MONEY = {"gmv", "aov", "uv_value", "pay_amount"}
_RATES = {"pay_conversion", "rate"}


def _format_value(name: str, value: Any) -> str:
    """Money with 2 decimals, rates as percent, counts with separators; None as '–'."""
    if value is None:
        return NO_VALUE
    if name in _MONEY:
        return f"{value:,.2f}"
    if name in _RATES:
        return f"{value * 100:.2f}%"
    if name == "p":
        return f"{value:.3g}"
    return f"{value:,.0f}"


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(headers: list[str] | None, rows: list[list[str]]) -> str:
    """A plain left-aligned text table, indented by two spaces."""
    all_rows = ([headers] if headers else []) + rows
    widths = [max(_width(r[i]) for r in all_rows) for i in range(len(all_rows[0]))]
    lines = []
    for row in all_rows:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return "\n".join(lines)
