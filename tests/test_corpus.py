"""Every file of the robustness corpus goes through `import_file` and does what its manifest says.

The corpus (`tests/corpus/`, built by `make_corpus.py`, listed in `manifest.toml`) holds bad, odd
and hostile exports grouped as encoding / structure / values / sizes / malicious. For each one:

- reject: `InputRejected` is raised with the expected problem code and location; the message in
  both languages names the file, row (or sheet), column, value found and what was expected, and
  carries no traceback, server path, PID or SQL; the workspace digest is unchanged and no raw
  file (nor a temp file) was written (RELIABILITY R3, R4, R11).
- accept / accept_notice: the file is stored with the expected kind and row count, the manifest's
  SQL checks hold, the exact bytes are archived as `raw/<sha256>.<ext>` inside `raw/`, and an
  accept_notice import carries a notice (R5, R14).

Rejects run against one workspace that already holds an import, so "unchanged" means something;
accepts each get a fresh workspace so row counts are exact.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
import tomllib
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from analytics.errors import InputRejected, shown_value
from analytics.i18n import catalogue
from analytics.ingest.model import ImportOptions
from analytics.workspace import Workspace

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST: list[dict[str, Any]] = tomllib.loads((CORPUS / "manifest.toml").read_text("utf-8"))[
    "case"
]
LANGS = ("en", "zh")
# What a user-facing message must never contain (R3): internals of Python, DuckDB and the OS.
LEAKS = (
    re.compile(r"Traceback|File \".*\", line \d+", re.S),
    re.compile(r"\b(select|insert|update|delete)\b.+\b(from|into|set)\b", re.I),
    re.compile(r"\b(create|drop|alter) table\b", re.I),
    re.compile(r"duckdb|Binder Error|Catalog Error|Conversion Error|_duckdb", re.I),
    re.compile(r"\bpid\b|process id", re.I),
    re.compile(r"Error\(|Exception\(|errno", re.I),
)


def case_id(entry: dict[str, Any]) -> str:
    return entry["file"]


def params(outcomes: tuple[str, ...]) -> Iterator[Any]:
    """The manifest entries with `outcomes`, as pytest params (strict xfail where declared)."""
    for entry in MANIFEST:
        if entry["outcome"] not in outcomes:
            continue
        marks = []
        if "xfail" in entry:
            marks.append(pytest.mark.xfail(strict=True, reason=entry["xfail"]))
        yield pytest.param(entry, id=case_id(entry), marks=marks)


def upload_name(entry: dict[str, Any]) -> str:
    return entry.get("name") or entry["file"].rsplit("/", 1)[-1]


# Over-limit cases run against small caps: the same checks, without building 190 MiB or
# 5 million rows. The caps are read from `analytics.ingest.limits` at call time.
SMALL_CAPS = {"upload_bytes": 2 * 1024 * 1024, "rows": 1000}


def corpus_bytes(entry: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The file's bytes: committed, or generated into `tmp_path` for the big ones."""
    if not entry.get("generated"):
        return (CORPUS / entry["file"]).read_bytes()
    from analytics.ingest import limits
    from tests.corpus.make_corpus import build_generated

    if entry["file"] == "sizes/over_upload_limit.csv":
        monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", SMALL_CAPS["upload_bytes"])
    if entry["file"] == "sizes/over_row_limit.csv":
        monkeypatch.setattr(limits, "MAX_ROWS", SMALL_CAPS["rows"])
    return build_generated(entry["file"], tmp_path, SMALL_CAPS).read_bytes()


def options_of(entry: dict[str, Any]) -> ImportOptions:
    opts = dict(entry.get("options", {}))
    if "columns" in opts:
        opts["columns"] = tuple(opts["columns"])
    return ImportOptions(**opts)


def files_outside_db(ws: Workspace) -> dict[str, int]:
    """Every file of the workspace folder except the DuckDB database and its WAL."""
    out = {}
    for path in ws.path.rglob("*"):
        if path.is_file() and not path.name.startswith("workspace.duckdb"):
            out[str(path.relative_to(ws.path))] = path.stat().st_size
    return out


def import_file(ws: Workspace, name: str, data: bytes, options: ImportOptions) -> Any:
    from analytics.importer import import_file as run_import

    return run_import(ws, name, data, options)


def render(exc: InputRejected, lang: str) -> str:
    from analytics.messages import render_error

    return "\n".join(render_error(exc, lang))


SEEDED_STATE: dict[Path, tuple[str, dict[str, int]]] = {}
"""The seeded workspace's digest and files right after seeding, by workspace path."""


@pytest.fixture(scope="module")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly created, empty workspace folder, copied for each accept case (cheaper than
    creating every table again)."""
    ws = Workspace(tmp_path_factory.mktemp("template") / "ws")
    ws.digest()
    return ws.path


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A workspace holding one good traffic import (week 2 of January 2024)."""
    from tests.corpus.make_corpus import csv_bytes, traffic

    ws = Workspace(tmp_path_factory.mktemp("seeded") / "ws")
    import_file(ws, "seed.csv", csv_bytes(traffic(start=date(2024, 1, 8))), ImportOptions())
    SEEDED_STATE[ws.path] = (ws.digest(), files_outside_db(ws))
    return ws


def test_manifest_is_complete_and_small() -> None:
    """≥ 80 cases over all five groups; every committed file exists; committed size < 5 MB."""
    groups = {e["group"] for e in MANIFEST}
    assert groups == {"encoding", "structure", "values", "sizes", "malicious"}
    assert len(MANIFEST) >= 80
    committed = [e for e in MANIFEST if not e.get("generated")]
    for e in committed:
        assert (CORPUS / e["file"]).is_file(), e["file"]
    assert sum((CORPUS / e["file"]).stat().st_size for e in committed) < 5_000_000
    for e in MANIFEST:
        assert e["outcome"] in ("accept", "accept_notice", "reject"), e["file"]
        if e["outcome"] == "reject":
            assert e.get("code"), f"{e['file']}: a reject names its problem code"
        else:
            assert e.get("kind") and isinstance(e.get("rows"), int), e["file"]


@pytest.mark.parametrize("entry", list(params(("reject",))))
def test_reject(
    entry: dict[str, Any], seeded: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = corpus_bytes(entry, tmp_path, monkeypatch)
    name = upload_name(entry)
    # The digest covers every table, the imports table included. Rejects never change the
    # seeded workspace, so its state right after seeding is the "before" of every case.
    before = SEEDED_STATE[seeded.path]
    started = time.monotonic()
    with pytest.raises(InputRejected) as caught:
        import_file(seeded, name, data, options_of(entry))
    elapsed = time.monotonic() - started
    assert (seeded.digest(), files_outside_db(seeded)) == before
    if "max_seconds" in entry:
        assert elapsed < entry["max_seconds"], f"took {elapsed:.1f}s"

    problem = caught.value.problems[0]
    assert problem.code == entry["code"], (problem, render(caught.value, "en"))
    assert_display_name(problem.file, name)
    if "row" in entry:
        assert problem.row == entry["row"], problem
    if "column" in entry:
        assert problem.column == entry["column"], problem
    if "found" in entry:
        assert problem.found == shown_value(entry["found"]), problem
    if "sheet" in entry:
        assert problem.sheet == entry["sheet"], problem
    if "cell" in entry:
        row = int(re.sub(r"^[A-Z]+", "", entry["cell"]))
        assert problem.row == row, problem
    if "found" in entry:
        assert problem.expected, f"a value problem says what was expected: {problem}"
    assert problem.expected or f"problem.{problem.code}" in catalogue(), (
        f"nothing says what was expected: {problem}"
    )
    for lang in LANGS:
        assert_message(caught.value, lang, tmp_path, seeded)
        if "found" in entry:
            assert shown_value(entry["found"]) in render(caught.value, lang)


def assert_display_name(shown: str, uploaded: str) -> None:
    """The problem names the upload by a display name without controls, bidi or directories."""
    assert shown, "the problem names the file"
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in shown), repr(shown)
    clean = "".join(ch for ch in uploaded if unicodedata.category(ch) not in ("Cc", "Cf"))
    assert shown in clean or clean.endswith(shown), (shown, uploaded)


def assert_message(exc: InputRejected, lang: str, tmp_path: Path, ws: Workspace) -> None:
    """R3: the rendered message names file, row, sheet, column, found and expected, and leaks
    nothing: no traceback, SQL, server path or PID."""
    text = render(exc, lang)
    problem = exc.problems[0]
    first = text.splitlines()[0]
    assert problem.file in first
    if problem.row is not None:
        assert str(problem.row) in first
    if problem.sheet is not None:
        assert problem.sheet in first
    if problem.column is not None:
        assert problem.column in first
    own = catalogue().get(f"problem.{problem.code}", {}).get(lang)
    if problem.found and (own is None or "{found}" in own):
        assert problem.found in first
    if problem.expected is not None and (own is None or "{expected}" in own):
        # Without its own text (or with one that quotes it) the message says what was expected;
        # a problem's own text says it in its own words ("the header has 8").
        expected = catalogue().get(f"expected.{problem.expected}", {}).get(lang, problem.expected)
        assert expected in first, (expected, first)
    assert "\u202e" not in text and "\x00" not in text
    for leak in LEAKS:
        assert not leak.search(text), (leak.pattern, text)
    for path in {str(tmp_path), str(ws.path), str(Path.cwd()), os.path.expanduser("~")}:
        assert path not in text, text
    assert not re.search(rf"\b{os.getpid()}\b", text), text


@pytest.mark.parametrize("entry", list(params(("accept", "accept_notice"))))
def test_accept(
    entry: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_template: Path
) -> None:
    data = corpus_bytes(entry, tmp_path, monkeypatch)
    shutil.copytree(empty_template, tmp_path / "ws")
    ws = Workspace(tmp_path / "ws")
    started = time.monotonic()
    result = import_file(ws, upload_name(entry), data, options_of(entry))
    elapsed = time.monotonic() - started
    if "max_seconds" in entry:
        assert elapsed < entry["max_seconds"], f"took {elapsed:.1f}s"
    assert result.kind == entry["kind"]
    assert result.rows_inserted == entry["rows"], result
    codes = [n.code for n in result.notices]
    if entry["outcome"] == "accept_notice":
        assert codes, "a notice tells the user what was assumed"
        if "notice" in entry:
            assert entry["notice"] in codes, codes
    with ws.connect() as con:
        for sql, expected in entry.get("checks", []):
            got = con.execute(sql).fetchall()
            assert str(got[0][0]) == expected, (sql, got)
    assert_archived(ws, data)
    assert_display_name(ws.imports()[0].file_name, upload_name(entry))


def assert_archived(ws: Workspace, data: bytes) -> None:
    """The exact bytes are in raw/ under a server-made name, and nothing else was written."""
    digest = hashlib.sha256(data).hexdigest()
    files = [p for p in ws.path.rglob("*") if p.is_file()]
    raw = [p for p in files if p.parent == ws.raw_dir]
    assert len(raw) == 1, files
    assert re.fullmatch(rf"{digest}\.[a-z0-9]{{1,8}}", raw[0].name), raw[0].name
    assert raw[0].read_bytes() == data
    others = [p for p in files if p not in raw and not p.name.startswith("workspace.duckdb")]
    assert not others, others
