"""import_file: real file bytes in, one transaction out; rejects name file, row, column, value."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from analytics.errors import InputRejected, UnrecognisedColumns
from analytics.importer import import_file, import_path
from analytics.ingest import bulk_orders, limits
from analytics.ingest.model import ImportOptions
from analytics.messages import render_error
from analytics.sample import load_sample, sample_files, sample_workspace
from analytics.workspace import Workspace

HEADER = "日期,流量来源,访客数,支付买家数,支付金额\n"


def csv(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(line + "\n" for line in lines)).encode("utf-8")


def visitors(ws: Workspace) -> dict[str, int]:
    with ws.connect() as con:
        rows = con.execute("select strftime(date, '%m-%d'), visitors from traffic").fetchall()
    return dict(rows)


def test_a_newer_export_of_the_same_days_updates_them(workspace: Workspace) -> None:
    first = import_file(
        workspace,
        "week1.csv",
        csv("2024-01-01,手淘搜索,100,3,300", "2024-01-02,手淘搜索,120,4,410.5"),
    )
    second = import_file(
        workspace,
        "week1b.csv",
        csv("2024-01-02,手淘搜索,125,4,410.5", "2024-01-03,手淘搜索,90,2,200"),
    )
    assert (first.kind, first.rows_inserted, first.rows_updated) == ("traffic", 2, 0)
    assert (second.rows_inserted, second.rows_updated) == (2, 1)
    assert visitors(workspace) == {"01-01": 100, "01-02": 125, "01-03": 90}


def test_the_same_bytes_twice_is_a_no_op_that_says_so(workspace: Workspace) -> None:
    data = csv("2024-01-01,手淘搜索,100,3,300")
    import_file(workspace, "a.csv", data)
    before = workspace.digest()
    again = import_file(workspace, "a (1).csv", data)
    assert again.import_id is None and again.already_imported_at is not None
    assert workspace.digest() == before


def test_a_bad_cell_rejects_the_whole_file_and_names_it(workspace: Workspace) -> None:
    import_file(workspace, "good.csv", csv("2024-01-01,手淘搜索,100,3,300"))
    before = workspace.digest()
    with pytest.raises(InputRejected) as rejected:
        import_file(
            workspace,
            "bad.csv",
            csv("2024-01-02,手淘搜索,100,3,300", "2024-01-03,手淘搜索,abc,4,1"),
        )
    assert render_error(rejected.value, "en")[0].startswith(
        "bad.csv, row 3, column “访客数”: found “abc”, expected"
    )
    assert render_error(rejected.value, "zh")[0].startswith("bad.csv 第 3 行“访客数”列：读到“abc”")
    assert workspace.digest() == before
    assert len(list(workspace.raw_dir.iterdir())) == 1


def test_an_oversized_upload_is_refused_before_parsing(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", 10)
    with pytest.raises(InputRejected) as rejected:
        import_file(workspace, "big.csv", b"\xff" * 11)  # not even decodable: size comes first
    assert rejected.value.problems[0].code == "file_too_large"
    assert workspace.is_empty()


def test_a_mapping_given_once_is_remembered_for_the_same_header(workspace: Workspace) -> None:
    header = "Tag,Quelle,Besucher\n"
    with pytest.raises(UnrecognisedColumns):
        import_file(workspace, "odd.csv", csv("2024-01-01,Suche,5", header=header))
    mapping = {"Tag": "date", "Quelle": "channel", "Besucher": "visitors"}
    import_file(
        workspace,
        "odd.csv",
        csv("2024-01-01,Suche,5", header=header),
        ImportOptions(kind="traffic", mapping=mapping),
    )
    later = import_file(workspace, "odd2.csv", csv("2024-01-02,Suche,6", header=header))
    assert (later.kind, later.rows_inserted) == ("traffic", 1)
    assert visitors(workspace) == {"01-01": 5, "01-02": 6}


def test_undo_after_import_file_brings_the_earlier_numbers_back(workspace: Workspace) -> None:
    import_file(workspace, "a.csv", csv("2024-01-01,手淘搜索,100,3,300"))
    second = import_file(workspace, "b.csv", csv("2024-01-01,手淘搜索,111,3,300"))
    workspace.undo(second.import_id)
    assert visitors(workspace) == {"01-01": 100}


def test_every_bundled_sample_file_imports(workspace: Workspace) -> None:
    files = sample_files()
    assert files, "sample_data/ has no export files"
    results = load_sample(workspace)
    assert [r.file_name for r in results] == [p.name for p in files]
    assert all(r.import_id is not None and r.rows_inserted > 0 for r in results)
    assert {r.kind for r in results} >= {"traffic", "orders", "reviews", "dsr"}


def test_the_sample_workspace_is_built_once_and_reused() -> None:
    first = sample_workspace()
    version = first.version()
    again = sample_workspace()
    assert again == first and again.version() == version
    assert not again.is_empty()


# --- import_path: what `shoplens import` runs --------------------------------------------------


def _orders_csv(rows: int, encoding: str = "utf-8") -> bytes:
    lines = ["订单编号,买家会员名,订单创建时间,订单付款时间,订单状态,买家实际支付金额,购买数量"]
    for i in range(rows):
        paid = "" if i % 5 == 0 else f"2026-03-{1 + i % 28:02d} 10:{i % 60:02d}:30"
        status = "等待买家付款" if i % 5 == 0 else "交易成功"
        created = f"2026-03-{1 + i % 28:02d} 10:{i % 60:02d}:00"
        lines.append(
            f"{400_000_000_000_000_000 + i},tb{i % 97:05d},{created},"
            f"{paid},{status},{(i % 500) + 0.5:.2f},{1 + i % 3}"
        )
    return ("\n".join(lines) + "\n").encode(encoding)


def _stored(ws: Workspace) -> tuple[list, list, dict[str, bytes]]:
    with ws.connect() as con:
        rows = con.execute("select * exclude (import_id) from orders order by order_id").fetchall()
        imports = con.execute(
            "select file_name, sha256, ext, kind, encoding, rows, date_start, date_end, notices "
            "from imports"
        ).fetchall()
    raw = {p.name: p.read_bytes() for p in ws.raw_dir.iterdir()}
    return rows, imports, raw


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_import_path_stores_what_import_file_stores(encoding, tmp_path, monkeypatch) -> None:
    """A large orders CSV through import_path (from a private copy, read in chunks and by
    DuckDB; GB18030 written out as UTF-8 first) ends up exactly as import_file of its bytes:
    rows, imports row and archived bytes."""
    monkeypatch.setattr(bulk_orders, "MIN_BYTES", 0)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    path = tmp_path / "orders.csv"
    path.write_bytes(_orders_csv(3000, encoding))
    taken = []
    read_from_file = bulk_orders.prepare_orders_file
    monkeypatch.setattr(
        bulk_orders,
        "prepare_orders_file",
        lambda *a: taken.append(read_from_file(*a)) or taken[-1],
    )
    by_path = import_path(Workspace(tmp_path / "a"), path)
    by_bytes = import_file(Workspace(tmp_path / "b"), path.name, path.read_bytes())
    assert taken[0] is not None
    assert by_path == by_bytes
    assert _stored(Workspace(tmp_path / "a")) == _stored(Workspace(tmp_path / "b"))
    assert by_path.rows_inserted == 3000
    assert not list((tmp_path / "tmp").iterdir())  # the private copy is gone


def test_import_path_of_a_small_or_other_file_is_import_file(tmp_path) -> None:
    path = tmp_path / "traffic.csv"
    path.write_bytes(csv("2024-01-01,手淘搜索,100,3,300"))
    assert import_path(Workspace(tmp_path / "a"), path) == import_file(
        Workspace(tmp_path / "b"), path.name, path.read_bytes()
    )
    assert visitors(Workspace(tmp_path / "a")) == {"01-01": 100}


def test_import_path_refuses_an_oversized_file_before_reading_it(tmp_path, monkeypatch) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(csv("2024-01-01,手淘搜索,100,3,300"))
    monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", 10)
    with pytest.raises(InputRejected) as caught:
        import_path(Workspace(tmp_path / "ws"), path)
    assert caught.value.problems[0].code == "file_too_large"


def _fails_with(errno: int, text: str):
    def fail(*_args):
        raise OSError(errno, text)

    return fail


def test_import_path_archives_by_copy_where_a_link_cannot_be_made(tmp_path, monkeypatch) -> None:
    """The private copy is linked into raw/ on the same disk; across disks it is copied."""
    monkeypatch.setattr(bulk_orders, "MIN_BYTES", 0)
    monkeypatch.setattr(os, "link", _fails_with(18, "Invalid cross-device link"))
    path = tmp_path / "orders.csv"
    path.write_bytes(_orders_csv(500))
    result = import_path(Workspace(tmp_path / "ws"), path)
    assert result.rows_inserted == 500
    archived = list(Workspace(tmp_path / "ws").raw_dir.iterdir())
    assert [p.read_bytes() for p in archived] == [path.read_bytes()]


def test_import_path_without_room_for_a_private_copy_reads_the_file_whole(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(bulk_orders, "MIN_BYTES", 0)
    monkeypatch.setattr(shutil, "copyfile", _fails_with(28, "No space left on device"))
    path = tmp_path / "orders.csv"
    path.write_bytes(_orders_csv(200))
    by_path = import_path(Workspace(tmp_path / "a"), path)
    assert by_path == import_file(Workspace(tmp_path / "b"), path.name, path.read_bytes())
    assert by_path.rows_inserted == 200


def test_import_path_types_a_declined_file_with_duckdb_only_once(tmp_path, monkeypatch) -> None:
    """An order-line export (a repeated order id) is declined by the file variant after
    DuckDB's pass; the reference path then reads it without the bytes variant's second pass,
    and stores what import_file stores."""
    monkeypatch.setattr(bulk_orders, "MIN_BYTES", 0)
    data = _orders_csv(300)
    lines = data.split(b"\n")
    data = b"\n".join([*lines[:-1], lines[5], b""])  # order 4 again, as a second line
    path = tmp_path / "orders.csv"
    path.write_bytes(data)
    typed = []
    read = bulk_orders._read
    monkeypatch.setattr(bulk_orders, "_read", lambda *a: typed.append(1) or read(*a))
    by_path = import_path(Workspace(tmp_path / "a"), path)
    assert len(typed) == 1
    assert by_path == import_file(Workspace(tmp_path / "b"), path.name, data)
    assert len(typed) == 2  # import_file alone tries the fast path once
    assert _stored(Workspace(tmp_path / "a")) == _stored(Workspace(tmp_path / "b"))
