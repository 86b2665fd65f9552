"""Decoding uploads: BOMs, strict UTF-8, the GB18030 fallback and its conditions, binary refusal."""

from __future__ import annotations

import codecs
import gzip

import pytest

from analytics.errors import InputRejected
from analytics.ingest.decode import decode_upload, sniff
from analytics.ingest.read import display_name, extension, read_tables

KNOWN = {"统计日期", "流量来源", "访客数", "支付买家数", "支付金额", "Name", "Email", "Total"}


def score(cells: list[str]) -> float:
    """A stand-in for recognise.header_score: the share of cells that are known headers."""
    names = [c.strip() for c in cells if c and c.strip()]
    return sum(n in KNOWN for n in names) / len(names) if names else 0.0


SYCM = (
    "统计日期,流量来源,访客数,支付买家数,支付金额\r\n"
    "2024-01-01,手淘搜索,1000,40,3560.00\r\n"
    "2024-01-01,直通车,1211,47,4653.00\r\n"
)


def problem(exc: pytest.ExceptionInfo[InputRejected]):
    return exc.value.problems[0]


@pytest.mark.parametrize(
    ("data", "encoding", "had_bom"),
    [
        (SYCM.encode("utf-8"), "utf-8", False),
        (codecs.BOM_UTF8 + SYCM.encode("utf-8"), "utf-8-sig", True),
        (codecs.BOM_UTF16_LE + SYCM.encode("utf-16-le"), "utf-16-le", True),
        (codecs.BOM_UTF16_BE + SYCM.encode("utf-16-be"), "utf-16-be", True),
        (SYCM.encode("gbk"), "gb18030", False),
    ],
)
def test_sycm_header_decodes_in_every_excel_encoding(data, encoding, had_bom):
    decoded = decode_upload(data, "流量.csv")
    assert decoded.text == SYCM  # no BOM left on 统计日期
    assert (decoded.encoding, decoded.had_bom) == (encoding, had_bom)
    [table] = read_tables("流量.csv", data, score)
    assert table.header == ["统计日期", "流量来源", "访客数", "支付买家数", "支付金额"]
    assert table.encoding == encoding
    assert table.rows[1] == ["2024-01-01", "直通车", "1211", "47", "4653.00"]


def test_gb18030_four_byte_characters_round_trip():
    text = SYCM.replace("直通车", "直播间🙂䶮")
    decoded = decode_upload(text.encode("gb18030"), "f.csv")
    assert decoded.text == text
    assert decoded.encoding == "gb18030"


def test_big5_mojibake_is_not_a_recognisable_header():
    """Big5 decodes 'successfully' as GB18030; the header then means nothing, so recognise
    refuses it instead of importing mojibake."""
    data = "統計日期,流量來源,訪客數\r\n2024-01-01,搜尋,10\r\n".encode("big5")
    [table] = read_tables("big5.csv", data, score)
    assert table.encoding == "gb18030"
    assert score(table.header) == 0


def test_cp1252_is_never_a_fallback():
    data = "Name,Email,Total\r\n#1001,a@b.c,1\r\nCafé,x@y.z,2\r\n".encode("cp1252")
    with pytest.raises(InputRejected) as exc:
        read_tables("orders.csv", data, score)
    assert (problem(exc).code, problem(exc).row) == ("bad_encoding", 3)
    assert problem(exc).found.startswith("\\xe9")


def test_gbk_values_under_an_english_header_are_refused():
    """R1: GB18030 is tried only for Chinese headers; an English header means UTF-8 expected."""
    data = "Name,Email,Total\r\n#1001,纯棉T恤,1\r\n".encode("gbk")
    with pytest.raises(InputRejected) as exc:
        read_tables("orders.csv", data, score)
    assert (problem(exc).code, problem(exc).row) == ("bad_encoding", 2)


def test_utf8_with_one_cut_character_names_its_line():
    lines = SYCM.encode("utf-8").split(b"\r\n")[:3]
    body = [b"2024-01-02,\xe6\x89\x8b\xe6\xb7\x98,5,1,1.00"] * 30
    body[17] = b"2024-01-02,\xe6\x89\x8b\xe6\xb7,5,1,1.00"  # 淘 cut short on line 21
    data = b"\r\n".join(lines + body)
    with pytest.raises(InputRejected) as exc:
        read_tables("流量.csv", data, score)
    assert (problem(exc).code, problem(exc).row) == ("bad_encoding", 21)


def test_gbk_with_a_cut_last_byte_names_the_last_line():
    data = SYCM.encode("gbk").rstrip(b"\r\n") + b"\x81"
    with pytest.raises(InputRejected) as exc:
        decode_upload(data, "流量.csv")
    assert (problem(exc).code, problem(exc).row) == ("bad_encoding", 3)


@pytest.mark.parametrize("data", [b"abc\xff\r\n", b"\x80", b"a,b\r\n\xfe "])
def test_bytes_neither_encoding_reads_are_refused(data):
    with pytest.raises(InputRejected) as exc:
        decode_upload(data, "x.csv")
    assert problem(exc).code == "bad_encoding"
    assert problem(exc).expected == "read_encoding"


def test_nul_byte_names_its_line():
    data = SYCM.encode() + b"2024-01-02,a\x00b,1,1,1\r\n"
    with pytest.raises(InputRejected) as exc:
        decode_upload(data, "x.csv")
    assert (problem(exc).code, problem(exc).row) == ("binary_content", 4)


def test_utf16_without_bom_is_binary():
    with pytest.raises(InputRejected) as exc:
        decode_upload(SYCM.encode("utf-16-le"), "x.csv")
    assert (problem(exc).code, problem(exc).row) == ("binary_content", 1)


def test_utf32_bom_is_binary():
    with pytest.raises(InputRejected) as exc:
        decode_upload(SYCM.encode("utf-32"), "x.csv")
    assert problem(exc).code == "binary_content"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (gzip.compress(SYCM.encode()), "gzip"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
        (b"%PDF-1.7\n", "pdf"),
    ],
)
def test_binary_formats_are_refused_by_magic_bytes(data, kind):
    assert sniff(data) == kind
    with pytest.raises(InputRejected) as exc:
        read_tables("traffic.csv", data, score)
    assert (problem(exc).code, problem(exc).found) == ("unsupported_format", kind)


def test_empty_and_bom_only_files():
    for data in (b"", codecs.BOM_UTF8, b"\r\n\r\n  \r\n"):
        with pytest.raises(InputRejected) as exc:
            read_tables("x.csv", data, score)
        assert problem(exc).code == "empty_file"


@pytest.mark.parametrize(
    ("name", "shown", "ext"),
    [
        ("../../../etc/流量.csv", "流量.csv", "csv"),
        ("C:\\Users\\me\\Desktop\\a.XLSX", "a.XLSX", "xlsx"),
        ("invoice\u202ecsv.exe", "invoicecsv.exe", "exe"),
        ("traffic.exe. ", "traffic.exe", "exe"),
        ("tab\tand\nnewline.csv", "tabandnewline.csv", "csv"),
        ("traffic", "traffic", ""),
        ("\x00", "upload", ""),
        ("流" * 500 + ".csv", "流" * 196 + ".csv", "csv"),
    ],
)
def test_display_name_and_extension(name, shown, ext):
    assert display_name(name) == shown
    assert extension(name) == ext


@pytest.mark.parametrize("name", ["invoice\u202ecsv.exe", "traffic.csv.exe", "traffic", "a.json"])
def test_only_allowed_extensions_are_read(name):
    with pytest.raises(InputRejected) as exc:
        read_tables(name, SYCM.encode(), score)
    assert problem(exc).code == "unsupported_extension"
    assert problem(exc).file == display_name(name)


def test_upload_over_the_cap_is_refused_before_parsing(monkeypatch):
    from analytics.ingest import limits

    monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", 10)
    with pytest.raises(InputRejected) as exc:
        read_tables("x.csv", SYCM.encode(), score)
    assert problem(exc).code == "file_too_large"


BAD_UPLOADS = [
    ("big.csv", None),  # over the upload cap (patched below)
    ("x.exe", SYCM.encode()),
    ("x.csv", b"%PDF-1.7"),
    ("x.csv", SYCM.encode() + b"a\x00b\r\n"),
    ("x.csv", "Name,Total\r\nCafé,1\r\n".encode("cp1252")),
    ("x.csv", b""),
    ("x.csv", "统计日期,访客数\r\n2024-01-01,1,2\r\n".encode()),
    ("x.csv", '统计日期,访客数\r\n2024-01-01,"1\r\n'.encode()),
    ("x.csv", '统计日期,访客数\r\n2024-01-01,"1"2\r\n'.encode()),
    ("x.csv", "统计日期,访客数,访客数\r\n2024-01-01,1,2\r\n".encode()),
    ("x.xlsx", b"PK\x05\x06" + b"\x00" * 18),
]


@pytest.mark.parametrize(("name", "data"), BAD_UPLOADS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_reject_renders_where_found_and_expected(monkeypatch, name, data, lang):
    """R3: the first line names the file, row, column, the value found and what was expected."""
    from analytics.i18n import catalogue
    from analytics.ingest import limits
    from analytics.messages import render_error

    if data is None:
        monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", 10)
        data = SYCM.encode()
    with pytest.raises(InputRejected) as exc:
        read_tables(name, data, score)
    found = problem(exc)
    assert f"problem.{found.code}" in catalogue()
    first = render_error(exc.value, lang)[0]
    for part in (found.file, found.found, found.column, found.sheet):
        assert part is None or part in first
    assert found.row is None or str(found.row) in first
    if found.expected is not None:
        assert catalogue()[f"expected.{found.expected}"][lang] in first
    assert "{" not in first, first


def test_utf16_with_a_lone_surrogate_names_line_and_byte():
    body = "统计日期,访客数\r\n2024-01-01,1\r\n".encode("utf-16-le") + b"\x00\xd8a\x00"
    with pytest.raises(InputRejected) as exc:
        decode_upload(codecs.BOM_UTF16_LE + body, "x.txt")
    assert (problem(exc).code, problem(exc).row) == ("bad_encoding", 3)
    assert problem(exc).params["byte"] == 2 + len(body) - 4 + 1
