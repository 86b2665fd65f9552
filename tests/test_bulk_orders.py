"""The DuckDB fast path for large orders exports gives exactly what the reference path gives.

`bulk_orders.prepare_orders` may decline any file (None); whenever it takes one, the prepared
import — frame, dtypes, notices, rows, dates, currency, encoding, mapping — must equal what
`prepare_import` makes of it through read → recognise → normalise, and it must never take a
file the reference path rejects. The files here are small, so the size threshold is lowered;
the corpus and the bundled sample run through both paths too.
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import fields
from pathlib import Path

import pandas as pd
import pytest

from analytics.errors import InputRejected
from analytics.ingest import bulk_orders, scratch
from analytics.ingest.decode import is_utf8
from analytics.ingest.model import ImportOptions, PreparedImport
from analytics.ingest.prepare import prepare_import
from analytics.ingest.text_table import HEAD_BYTES, is_plain
from analytics.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"

HEADER = [
    "订单编号",
    "买家会员名",
    "订单创建时间",
    "订单付款时间",
    "订单状态",
    "买家实际支付金额",
    "退款金额",
    "购买数量",
    "商品ID",
    "宝贝标题",
    "流量来源",
    "是否预售",
]
STATUSES = [
    "交易成功",
    "等待买家付款",
    "交易关闭",
    "卖家已发货",
    "退款成功",
    "买家已付款，等待卖家发货",
]
CHANNELS = ["手淘搜索", "直通车", "直播", "站外"]


def fast(name: str, data: bytes, monkeypatch: pytest.MonkeyPatch) -> PreparedImport | None:
    monkeypatch.setattr(bulk_orders, "MIN_BYTES", 0)
    return bulk_orders.prepare_orders(name, data, ImportOptions(), {})


def reference(name: str, data: bytes, monkeypatch: pytest.MonkeyPatch) -> PreparedImport:
    monkeypatch.setattr(bulk_orders, "MIN_BYTES", 1 << 62)
    return prepare_import(name, data)


def from_file(
    name: str, data: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> PreparedImport | None:
    """The file variant of the fast path, on a file holding `data`."""
    monkeypatch.setattr(bulk_orders, "MIN_BYTES", 0)
    path = tmp_path / "upload"
    path.write_bytes(data)
    return bulk_orders.prepare_orders_file(path, name, ImportOptions(), {})


def assert_same(ours: PreparedImport, theirs: PreparedImport) -> None:
    pd.testing.assert_frame_equal(ours.frame, theirs.frame, check_exact=True)
    for f in fields(PreparedImport):
        if f.name not in ("frame", "distinct_keys", "data", "source"):
            assert getattr(ours, f.name) == getattr(theirs, f.name), f.name
    # The bytes, held or in a file, are exactly the upload's.
    assert (ours.data if ours.source is None else ours.source.read_bytes()) == theirs.data
    # The fast path counts its keys (the workspace then does not); the count must be right.
    assert ours.distinct_keys == theirs.frame["order_id"].nunique() == len(theirs.frame)


def rows(n: int, seed: int) -> list[list[str]]:
    """A regular Taobao orders export: unique ids, ISO times, plain amounts."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        created = (
            f"{day} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        )
        status = rng.choice(STATUSES)
        paid = "" if status == "等待买家付款" else created[:-2] + f"{rng.randint(0, 59):02d}"
        out.append(
            [
                str(300_000_000_000_000_000 + i * 7919),
                f"tb{rng.randint(0, n // 3):06d}",
                created,
                paid,
                status,
                f"{rng.randint(0, 99999) / 100:.2f}",
                rng.choice(["0.00", "0", "12.5", "-"]),
                str(rng.randint(1, 4)),
                str(600_000_000_000 + rng.randint(0, 40)),
                f"纯棉短袖T恤 款{rng.randint(0, 40):03d}",
                rng.choice(CHANNELS),
                rng.choice(["是", "否", ""]),
            ]
        )
    return out


def csv_bytes(header: list[str], body: list[list[str]], newline: str = "\n") -> bytes:
    return (newline.join(",".join(r) for r in [header, *body]) + newline).encode("utf-8")


# Each mutation changes one cell (or the file) in a way the reference path reads somehow:
# some keep the file in the fast path's grammar, others must make it decline.
def mutate(body: list[list[str]], header: list[str], rng: random.Random) -> tuple[list, list, str]:
    body = [list(r) for r in body]
    row = rng.randrange(len(body))
    col = rng.randrange(len(header))
    newline = "\n"
    choice = rng.randrange(24)
    if choice == 0:
        body[row][col] = rng.choice(["-", "--", "", "暂无数据", "—"])
    elif choice == 1:
        body[row][5] = "-" + body[row][5]  # a negative amount: a cancelled order
    elif choice == 2:
        body[row][4] = rng.choice(["奇怪状态", "Partially Refunded", "wc-on-hold"])
    elif choice == 3:
        body[row][col] = rng.choice([" ", "\u00a0", "\u3000", "\t"]) + body[row][col]
    elif choice == 4:
        body[row][col] = body[row][col] + rng.choice([" ", "\u200b", "\ufeff"])
    elif choice == 5:
        body[row][2] = rng.choice(["2024-02-30 10:00:00", "2024/01/05 10:00:00", "2024-1-5 9:05"])
    elif choice == 6:
        body[row][2] = rng.choice(["45296.5", "1704412800", "2024-01-05", "2024-01-05 24:00:00"])
    elif choice == 7:
        body.append(["合计", "", "", "", "", "123.00", "", "", "", "", "", ""])
    elif choice == 8:
        body[row][0] = body[(row + 1) % len(body)][0]  # a repeated id: an order-line export
    elif choice == 9:
        body[row][9] = '"引号, 标题"'
    elif choice == 10:
        newline = "\r\n"
    elif choice == 11:
        body[row][5] = rng.choice(["12.345", "¥12.00", "1e3", "12.", ".5", "+3", "0012.10"])
    elif choice == 12:
        body[row][7] = rng.choice(["1.0", "1,000", "２", "-2", "99999999999999999"])
    elif choice == 13:
        body[row][9] = rng.choice(["'=1+2", "=SUM(A1)", "@x"])
    elif choice == 14:
        body[row][0] = rng.choice(['="123456"', "17850.0", "3.71235E+18", "Total", "sum1"])
    elif choice == 15:
        body[row] = body[row][:-1]  # a ragged row
    elif choice == 16:
        body.insert(row, [""] * len(header))  # a delimiters-only line
    elif choice == 17:
        body.append(["注：数据仅供参考"])  # a notes row
    elif choice == 18:
        body[row][10] = rng.choice(["全部", "All", "合 计"])
    elif choice == 19:
        body[row][11] = rng.choice(["YES", "1", "预售", "无", "maybe", "true"])
    elif choice == 20:
        body[row][3] = ""  # unpaid
    elif choice == 21:
        body[row][col] = "NA"
    elif choice == 22:
        body[row][2] = ""  # no creation time: rejected by the reference
    else:
        body[row][1] = rng.choice(["ａｂｃ", "tb 1", "x\u3000y"])
    return header, body, newline


def test_a_regular_export_takes_the_fast_path_and_matches(monkeypatch):
    data = csv_bytes(HEADER, rows(3000, seed=1))
    ours = fast("orders.csv", data, monkeypatch)
    assert ours is not None
    assert_same(ours, reference("orders.csv", data, monkeypatch))
    assert ours.frame["is_paid"].any() and ours.frame["status"].notna().all()


def test_an_export_without_flags_or_refunds_takes_the_fast_path(monkeypatch):
    keep = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10]  # the benchmark's columns: no 退款金额, no 是否预售
    body = [[r[i] for i in keep] for r in rows(500, seed=6)]
    data = csv_bytes([HEADER[i] for i in keep], body)
    ours = fast("orders.csv", data, monkeypatch)
    assert ours is not None
    assert_same(ours, reference("orders.csv", data, monkeypatch))


@pytest.mark.parametrize("seed", range(120))
def test_mutated_exports_match_or_decline(seed, monkeypatch):
    rng = random.Random(seed)
    header, body = HEADER, rows(200, seed)
    if rng.random() < 0.3:  # a subset of the columns, in another order
        keep = sorted(rng.sample(range(1, len(HEADER)), rng.randint(2, 8)))
        if 2 not in keep:
            keep.append(2)
        keep = [0, *sorted(set(keep))]
        rng.shuffle(keep)
        header = [HEADER[i] for i in keep]
        body = [[r[i] for i in keep] for r in body]
    newline = "\n"
    for _ in range(rng.randint(0, 2)):
        header, body, newline = (
            mutate(body, header, rng) if header == HEADER else (header, body, newline)
        )
    data = csv_bytes(header, body, newline)
    if rng.random() < 0.2:
        data = b"\xef\xbb\xbf" + data
    ours = fast("orders.csv", data, monkeypatch)
    try:
        theirs = reference("orders.csv", data, monkeypatch)
    except InputRejected:
        assert ours is None, "the fast path took a file the reference path rejects"
        return
    if ours is not None:
        assert_same(ours, theirs)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
@pytest.mark.parametrize("seed", range(120))
def test_the_file_variant_takes_what_the_bytes_variant_takes_and_matches(
    seed, encoding, tmp_path, monkeypatch
):
    """The same mutated exports, read from a file in chunks instead of from bytes (GB18030
    written out as UTF-8 chunk by chunk)."""
    rng = random.Random(seed)
    header, body, newline = HEADER, rows(200, seed), "\n"
    for _ in range(rng.randint(0, 2)):
        header, body, newline = mutate(body, header, rng)
    data = csv_bytes(header, body, newline)
    if encoding == "gb18030":
        data = data.decode("utf-8").encode("gb18030")
    elif rng.random() < 0.2:
        data = b"\xef\xbb\xbf" + data
    monkeypatch.setattr(bulk_orders, "_CHUNK", rng.choice([1, 2, 3, 5, 64, 4096]))
    ours = from_file("orders.csv", data, tmp_path, monkeypatch)
    in_memory = fast("orders.csv", data, monkeypatch)
    assert (ours is None) == (in_memory is None)
    if ours is not None:
        assert_same(ours, reference("orders.csv", data, monkeypatch))


@pytest.mark.parametrize(
    "damage",
    [
        b"\xff\xff",  # no GB18030 character
        b"\x00",  # a NUL
        b"\x81",  # a lead byte without its trail
        b"\r",  # a lone CR
        b'"',  # a quote
    ],
)
def test_a_damaged_gb18030_file_is_left_to_the_reference(damage, tmp_path, monkeypatch):
    text = "\n".join(",".join(r) for r in [HEADER, *rows(300, seed=2)]) + "\n"
    data = text.encode("gb18030")
    at = data.index(b"\n", len(data) // 2) + 1  # a line start past the head
    data = data[:at] + damage + data[at:]
    monkeypatch.setattr(bulk_orders, "_CHUNK", 4096)
    assert from_file("orders.csv", data, tmp_path, monkeypatch) is None
    assert fast("orders.csv", data, monkeypatch) is None


@pytest.mark.parametrize("seed", range(300))
def test_the_chunked_checks_agree_with_the_whole_file_checks(seed, tmp_path, monkeypatch):
    """UTF-8 validity, NULs, quotes and lone CRs, decided chunk by chunk with chunks as small
    as one byte, are decided as decode_upload and is_plain decide them on the whole bytes."""
    rng = random.Random(seed)
    pieces = ["a", "订", "€", "𝔘", "\r\n", "\n", "\r", '"', "\x00", ",", "é"]
    rare = pieces[6:7] * (seed % 5 == 0) + pieces[7:8] * (seed % 7 == 0)  # lone CR, quote
    text = "".join(rng.choice(pieces[:6] + rare) for _ in range(40))
    data = bytearray(text.encode("utf-8"))
    if seed % 3 == 0 and data:  # a broken sequence somewhere: a lone or a missing byte
        at = rng.randrange(len(data))
        data[at : at + 1] = rng.choice([b"\x80", b"\xe8", b"\xff", b"", b"\xc0\xaf"])
    if seed % 11 == 0:
        data += b"\r"
    if seed % 13 == 0:
        data[rng.randrange(len(data) + 1) :] = b"\x00"
    data = bytes(data)
    path = tmp_path / "f"
    path.write_bytes(data)
    monkeypatch.setattr(bulk_orders, "_CHUNK", rng.choice([1, 2, 3, 4, 7, 1000]))
    whole = b"\x00" not in data and is_plain(data) and is_utf8(data)
    assert bulk_orders._is_plain_utf8(path) == whole, data


@pytest.mark.parametrize(
    "cell",
    [
        "2024-01-05T10:00:00",
        "2024-01-05 10:00:00.5",
        "2024-01-05 10:00:00+08",
        "2024-01-5 10:00:00",
        "2024-1-05 10:00:00",
        "2024-01-05 9:00:00",
        "2024-01-05 24:00:00",
        "2024-01-05 10:00:60",
        "2024-02-30 10:00:00",
        "0999-01-05 10:00:00",
        "3000-01-05 10:00:00",
        "+2024-01-05 10:00",
    ],
)
def test_a_time_not_written_plainly_is_left_to_the_reference(cell, monkeypatch):
    body = rows(50, seed=4)
    body[7][2] = body[9][3] = cell  # a creation time and a payment time
    assert fast("orders.csv", csv_bytes(HEADER, body), monkeypatch) is None


@pytest.mark.parametrize(
    "cell", ["1000-01-01 00:00:00", "2999-12-31 23:59:59", "2024-02-29 12:00:00"]
)
def test_the_edges_of_the_plain_time_form_are_taken_and_match(cell, monkeypatch):
    body = rows(50, seed=4)
    body[7][2] = body[9][3] = cell
    data = csv_bytes(HEADER, body)
    ours = fast("orders.csv", data, monkeypatch)
    assert ours is not None
    assert_same(ours, reference("orders.csv", data, monkeypatch))


def test_the_fast_path_declines_what_only_the_reference_reads(monkeypatch):
    body = rows(50, seed=3)
    cases = {
        "title row": "订单报表\n".encode() + csv_bytes(HEADER, body),
        "repeated id": csv_bytes(HEADER, [*body, body[0]]),
        "totals row": csv_bytes(HEADER, [*body, ["合计", *[""] * 4, "1.00", *[""] * 6]]),
        "bad date": csv_bytes(
            HEADER, [*body[:-1], [*body[-1][:2], "2024-02-30 10:00:00", *body[-1][3:]]]
        ),
        "quoted cell": csv_bytes(HEADER, [*body[:-1], [*body[-1][:9], '"a,b"', *body[-1][10:]]]),
        "padded id": csv_bytes(HEADER, [*body[:-1], [" " + body[-1][0], *body[-1][1:]]]),
    }
    for label, data in cases.items():
        assert fast("orders.csv", data, monkeypatch) is None, label


def test_a_quoted_head_is_declined_before_duckdb_reads_the_file(tmp_path, monkeypatch):
    """A quoted export (the common reason to leave the fast path) is told by its head, so it
    does not pay DuckDB's pass, which runs beside the whole-file check."""
    read = []
    monkeypatch.setattr(bulk_orders, "_read", lambda *a: read.append(a))
    body = rows(300, seed=4)
    quoted = [[f'"{c}"' if i == 8 else c for i, c in enumerate(r)] for r in body]
    assert from_file("orders.csv", csv_bytes(HEADER, quoted), tmp_path, monkeypatch) is None
    assert read == []


@pytest.mark.parametrize("damage", [b'"', b"\xff", b"\x00", b"\r"])
def test_damage_past_the_head_is_declined_by_the_check_beside_duckdb(damage, tmp_path, monkeypatch):
    """Past the head only the chunked check sees it; DuckDB has read the file all the same."""
    data = csv_bytes(HEADER, rows(4000, seed=5))
    assert len(data) > 2 * HEAD_BYTES
    at = data.index(b"\n", len(data) - 1000) + 1  # the start of a line near the end
    damaged = data[:at] + data[at : at + 20] + damage + data[at + 20 :]
    assert from_file("orders.csv", data, tmp_path, monkeypatch) is not None
    assert from_file("orders.csv", damaged, tmp_path, monkeypatch) is None


def test_a_gbk_export_takes_the_fast_path_and_matches(monkeypatch):
    data = "\n".join(",".join(r) for r in [HEADER, *rows(500, seed=4)]).encode("gb18030")
    ours = fast("订单.csv", data, monkeypatch)
    assert ours is not None and ours.encoding == "gb18030"
    assert_same(ours, reference("订单.csv", data, monkeypatch))


def test_the_bundled_sample_takes_the_fast_path_and_matches(monkeypatch):
    path = next((ROOT / "sample_data").glob("订单明细_*.csv"))
    data = path.read_bytes()
    ours = fast(path.name, data, monkeypatch)
    assert ours is not None
    assert_same(ours, reference(path.name, data, monkeypatch))


CORPUS_FILES = [
    entry["file"]
    for entry in tomllib.loads((CORPUS / "manifest.toml").read_text("utf-8"))["case"]
    if entry["file"].rsplit(".", 1)[-1] in ("csv", "txt", "tsv") and not entry.get("generated")
]


@pytest.mark.parametrize("file", CORPUS_FILES)
def test_corpus_files_match_or_decline(file, monkeypatch):
    data = (CORPUS / file).read_bytes()
    name = Path(file).name
    ours = fast(name, data, monkeypatch)
    try:
        theirs = reference(name, data, monkeypatch)
    except Exception:  # rejected, or a usage error: the fast path must not have taken it
        assert ours is None
        return
    if ours is not None:
        assert_same(ours, theirs)


def test_stored_rows_are_the_same_through_either_path(tmp_path, monkeypatch):
    data = csv_bytes(HEADER, rows(1000, seed=5))
    stored = []
    for label, prepared in (
        ("fast", fast("orders.csv", data, monkeypatch)),
        ("reference", reference("orders.csv", data, monkeypatch)),
    ):
        ws = Workspace(tmp_path / label)
        result = ws.commit(prepared)
        assert result.rows_inserted == 1000
        with ws.connect() as con:
            stored.append(
                con.execute("select * exclude (import_id) from orders order by order_id").fetchall()
            )
    assert stored[0] == stored[1]


def test_no_room_for_the_copy_duckdb_reads_means_the_reference_path(tmp_path, monkeypatch):
    data = csv_bytes(HEADER, rows(100, seed=7))
    monkeypatch.setattr(scratch, "RAM_FOLDER", str(tmp_path / "missing"))
    assert fast("orders.csv", data, monkeypatch) is None
    assert prepare_import("orders.csv", data).rows_read == 100
