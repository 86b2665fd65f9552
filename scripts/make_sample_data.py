"""Write the bundled sample exports into ``sample_data/`` (seeded: the same bytes on every run).

The files imitate what an operator downloads from Taobao/Tmall 生意参谋, the Taobao order and
review back-end, and Shopify, quirks included (title rows, totals rows, GBK, percent strings,
thousands separators, Excel dates, order lines). They tell one planted story: in the last full
week (2026-11-16..22) channel 手淘搜索 converts inquiries into orders at ~30 % instead of ~45 %.
Everything else is stable apart from binomial noise. ``sample_data/README.md`` explains each file.

Usage::

    .venv/bin/python scripts/make_sample_data.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

SEED = 20261123  # chosen so that no comparison but the planted one is significant (p ≥ 0.05)
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "sample_data"

FIRST_DAY = date(2026, 8, 31)  # a Monday: twelve full weeks to LAST_DAY
LAST_DAY = date(2026, 11, 22)  # a Sunday
SPLIT_DAY = date(2026, 10, 19)  # first day of the second (CSV) traffic export
RENAME_DAY = date(2026, 9, 28)  # Sycm renamed 直通车 → 关键词推广, 引力魔方 → 精准人群推广
LEAK_START = date(2026, 11, 16)  # the last full week, where the planted leak lives
HISTORY_START = date(2026, 6, 1)  # orders start earlier, so the cohort table has history
EXPORTED_AT = datetime(2026, 11, 23, 9, 0, 0)  # when the operator pressed "export"
XLSX_TIMESTAMP = datetime(2026, 11, 23, 1, 0, 0)  # fixed workbook properties and zip times

LEAK_CHANNEL = "手淘搜索"
LEAKED_ORDER_RATE = 0.30
WEEKDAY_FACTOR = (0.96, 0.94, 0.95, 0.97, 1.01, 1.09, 1.08)  # Monday .. Sunday
WEEKLY_GROWTH = 0.006  # mild, the same for every channel, so the mix stays put
NO_VALUE = "-"  # what Sycm prints where a metric does not apply

# One random stream per file, so changing one file never reshuffles another.
STREAM_TRAFFIC, STREAM_ORDERS, STREAM_REVIEWS, STREAM_DSR, STREAM_SHOPIFY, STREAM_SESSIONS = range(
    6
)

ESCAPING_PROBE = "质量不错 **粗体** $x$ <script>alert(1)</script> 会回购"
FORMULA_PROBE = "+1 回购了，物流很快"

TRAFFIC_XLSX = "【生意参谋平台】流量来源_日_2026-08-31_2026-10-18.xlsx"
TRAFFIC_CSV = "【生意参谋平台】流量来源_日_2026-10-19_2026-11-22.csv"
ORDERS_CSV = "订单明细_2026-08-31_2026-11-22.csv"
REVIEWS_XLSX = "评价_2026-08-31_2026-11-22.xlsx"
DSR_CSV = "店铺DSR_2026-08-31_2026-11-22.csv"
SHOPIFY_ORDERS_CSV = "shopify_orders_export_2026-09.csv"
SHOPIFY_SESSIONS_CSV = "shopify_sessions_by_referrer_2026-09.csv"
OUTPUT_FILES = (
    TRAFFIC_XLSX, TRAFFIC_CSV, ORDERS_CSV, REVIEWS_XLSX, DSR_CSV, SHOPIFY_ORDERS_CSV,
    SHOPIFY_SESSIONS_CSV,
)  # fmt: skip


def days(start: date, end: date) -> list[date]:
    """Every calendar day from start to end, inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def stream(kind: int) -> np.random.Generator:
    """The seeded random generator for one output file."""
    return np.random.default_rng((SEED, kind))


# --------------------------------------------------------------------------------------------
# 生意参谋 traffic by source
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    """One traffic source row of the Sycm export and its steady behaviour.

    Rates are step rates of the funnel: product_rate = 商品访客数 / 访客数, inquiry_rate =
    咨询人数 / 商品访客数, order_rate = 下单买家数 / 咨询人数, pay_rate = 支付买家数 / 下单买家数.
    """

    source: str  # 流量来源 before RENAME_DAY
    detail: str  # 来源明细, NO_VALUE where Sycm has no second level
    visitors: float  # expected daily visitors on an average weekday at the start
    product_rate: float
    inquiry_rate: float
    order_rate: float
    pay_rate: float
    cart_rate: float  # 加购人数 / 商品访客数
    aov: float  # 客单价, yuan
    pages_per_visitor: float
    bounce: float
    stay_seconds: float
    cost_per_visitor: float | None = None  # paid traffic bought by the click/impression
    commission: float | None = None  # paid traffic bought as a share of GMV (淘宝客)
    renamed_to: str | None = None  # 流量来源 from RENAME_DAY on

    def name_on(self, day: date) -> str:
        """The 流量来源 Sycm prints for this channel on `day`."""
        return self.renamed_to if self.renamed_to and day >= RENAME_DAY else self.source


CHANNELS = (
    Channel("手淘搜索", NO_VALUE, 4800, 0.66, 0.13, 0.45, 0.90, 0.11, 138, 3.4, 0.42, 95),
    Channel("手淘推荐", "猜你喜欢", 3600, 0.58, 0.09, 0.38, 0.88, 0.08, 112, 2.6, 0.55, 62),
    Channel(
        "直通车",
        NO_VALUE,
        1500,
        0.68,
        0.14,
        0.47,
        0.91,
        0.12,
        152,
        3.1,
        0.40,
        88,
        cost_per_visitor=1.15,
        renamed_to="关键词推广",
    ),
    Channel(
        "引力魔方",
        NO_VALUE,
        1100,
        0.57,
        0.10,
        0.40,
        0.87,
        0.09,
        118,
        2.4,
        0.58,
        55,
        cost_per_visitor=0.62,
        renamed_to="精准人群推广",
    ),
    Channel(
        "淘宝客",
        NO_VALUE,
        700,
        0.62,
        0.11,
        0.48,
        0.92,
        0.10,
        96,
        2.2,
        0.47,
        70,
        commission=0.12,
    ),
    Channel("直播", "店铺直播", 900, 0.64, 0.15, 0.44, 0.89, 0.13, 186, 4.2, 0.35, 141),
    Channel("站外", "抖音", 450, 0.56, 0.08, 0.36, 0.86, 0.07, 89, 2.0, 0.63, 41),
    Channel("站外", "小红书", 300, 0.60, 0.10, 0.42, 0.88, 0.09, 128, 2.7, 0.52, 66),
)

TRAFFIC_HEADER = (
    "统计日期", "流量来源", "来源明细", "访客数", "浏览量", "商品访客数", "咨询人数", "加购人数",
    "下单买家数", "支付买家数", "支付金额", "支付转化率", "客单价", "跳失率", "平均停留时长",
    "推广花费",
)  # fmt: skip
# The count fields in TRAFFIC_HEADER order (访客数 .. 支付买家数).
COUNT_COLUMNS = (
    "visitors", "page_views", "product_visitors", "inquiries", "cart_buyers", "order_buyers",
    "paying_buyers",
)  # fmt: skip
TOTAL_LABEL = "合计"
TrafficRow = dict[str, Any]  # one date × channel row, money in integer cents


def expected_visitors(channel: Channel, day: date) -> float:
    """Mean daily visitors: the channel's base × weekday pattern × mild growth."""
    weeks = (day - FIRST_DAY).days / 7
    return channel.visitors * WEEKDAY_FACTOR[day.weekday()] * (1 + WEEKLY_GROWTH * weeks)


def order_rate_on(channel: Channel, day: date) -> float:
    """The inquiry → order rate, with the planted leak in 手淘搜索's last week."""
    if channel.source == LEAK_CHANNEL and day >= LEAK_START:
        return LEAKED_ORDER_RATE
    return channel.order_rate


def amount_cents(rng: np.random.Generator, buyers: int, aov: float) -> int:
    """Total paid by `buyers` buyers, in cents: a sum of gamma-distributed baskets (CV 0.5)."""
    if buyers == 0:
        return 0
    return round(rng.gamma(shape=4.0 * buyers, scale=aov / 4.0) * 100)


def ad_cost_cents(channel: Channel, visitors: int, pay_cents: int, noise: float) -> int | None:
    """推广花费 in cents for paid channels, None for free ones."""
    if channel.cost_per_visitor is not None:
        return round(visitors * channel.cost_per_visitor * noise * 100)
    if channel.commission is not None:
        return round(pay_cents * channel.commission)
    return None


def traffic_day(rng: np.random.Generator, channel: Channel, day: date) -> TrafficRow:
    """One channel's counts for one day, drawn step by step down the funnel."""
    visitors = int(rng.poisson(expected_visitors(channel, day)))
    product_visitors = int(rng.binomial(visitors, channel.product_rate))
    inquiries = int(rng.binomial(product_visitors, channel.inquiry_rate))
    order_buyers = int(rng.binomial(inquiries, order_rate_on(channel, day)))
    paying_buyers = int(rng.binomial(order_buyers, channel.pay_rate))
    pay_cents = amount_cents(rng, paying_buyers, channel.aov)
    return {
        "date": day,
        "channel": channel.name_on(day),
        "sub_channel": channel.detail,
        "visitors": visitors,
        "page_views": visitors + int(rng.poisson(visitors * (channel.pages_per_visitor - 1))),
        "product_visitors": product_visitors,
        "inquiries": inquiries,
        "cart_buyers": int(rng.binomial(product_visitors, channel.cart_rate)),
        "order_buyers": order_buyers,
        "paying_buyers": paying_buyers,
        "pay_cents": pay_cents,
        "bounce_rate": float(np.clip(channel.bounce + rng.normal(0, 0.015), 0.05, 0.95)),
        "stay_seconds": round(channel.stay_seconds * rng.lognormal(0, 0.08)),
        "cost_cents": ad_cost_cents(channel, visitors, pay_cents, rng.lognormal(0, 0.05)),
    }


def traffic_rows() -> list[TrafficRow]:
    """All traffic rows, FIRST_DAY..LAST_DAY × CHANNELS, in Sycm's order (date, then channel)."""
    rng = stream(STREAM_TRAFFIC)
    return [traffic_day(rng, ch, day) for day in days(FIRST_DAY, LAST_DAY) for ch in CHANNELS]


def with_totals(rows: Sequence[TrafficRow]) -> list[TrafficRow]:
    """`rows` and the 合计 row: sums of counts, money and cost; bounce and stay visitor-weighted."""
    visitors = sum(r["visitors"] for r in rows)
    total = {
        "date": TOTAL_LABEL,
        "channel": NO_VALUE,
        "sub_channel": NO_VALUE,
        **{col: sum(r[col] for r in rows) for col in (*COUNT_COLUMNS, "pay_cents")},
        "bounce_rate": sum(r["bounce_rate"] * r["visitors"] for r in rows) / visitors,
        "stay_seconds": sum(r["stay_seconds"] * r["visitors"] for r in rows) / visitors,
        "cost_cents": sum(r["cost_cents"] for r in rows if r["cost_cents"] is not None),
    }
    return [*rows, total]


def percent(numerator: float, denominator: float) -> str:
    """A Sycm percent string with two decimals, e.g. "3.25%" (NO_VALUE for 0/0)."""
    return f"{100 * numerator / denominator:.2f}%" if denominator else NO_VALUE


def duration(seconds: float) -> str:
    """A Sycm duration string, e.g. 83 → "00:01:23"."""
    whole = round(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def yuan(cents: int, grouped: bool = False) -> str:
    """Cents as yuan text with two decimals, optionally with thousands separators."""
    return f"{cents / 100:,.2f}" if grouped else f"{cents / 100:.2f}"


def money_cell(cents: int | None, as_text: bool) -> object:
    """A money cell: "12,345.60" text in CSV, a number in XLSX, NO_VALUE where none."""
    if cents is None:
        return NO_VALUE
    return yuan(cents, grouped=True) if as_text else cents / 100


def date_cell(when: date | str, as_text: bool) -> object:
    """统计日期: "2026/10/9" text in CSV, an Excel date in XLSX; the 合计 label unchanged."""
    if isinstance(when, str):
        return when
    return f"{when.year}/{when.month}/{when.day}" if as_text else datetime.combine(when, time())


def sycm_cells(row: TrafficRow, as_text: bool) -> list[object]:
    """One traffic row as the cells under TRAFFIC_HEADER, for CSV (`as_text`) or XLSX."""
    paying, cents = row["paying_buyers"], row["pay_cents"]
    aov_cents = round(cents / paying) if paying else None
    page_views = f"{row['page_views']:,}" if as_text else row["page_views"]
    return [
        date_cell(row["date"], as_text),
        row["channel"],
        row["sub_channel"],
        row["visitors"],
        page_views,
        *(row[col] for col in COUNT_COLUMNS[2:]),
        money_cell(cents, as_text),
        percent(paying, row["visitors"]),
        NO_VALUE if aov_cents is None else (yuan(aov_cents) if as_text else aov_cents / 100),
        f"{100 * row['bounce_rate']:.2f}%",
        duration(row["stay_seconds"]),
        money_cell(row["cost_cents"], as_text),
    ]


def sycm_title(start: date, end: date) -> list[str]:
    """The two title/notes lines Sycm prints above the header."""
    return ["生意参谋 - 流量 - 店铺来源", f"统计时间：{start:%Y-%m-%d} ~ {end:%Y-%m-%d}"]


# --------------------------------------------------------------------------------------------
# Taobao orders
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Presale:
    """A presale (预售) campaign: deposits are taken in a window, the balance from a later day."""

    first_day: date
    last_day: date
    balance_day: date


@dataclass(frozen=True)
class Product:
    """A listing in the Taobao shop."""

    product_id: str
    title: str
    price: float
    weight: float  # share of orders
    presale: Presale | None = None

    @property
    def is_presale(self) -> bool:
        return self.presale is not None


DOUBLE11 = Presale(date(2026, 10, 20), date(2026, 11, 10), balance_day=date(2026, 11, 11))
DOUBLE12 = Presale(date(2026, 11, 14), date(2026, 12, 10), balance_day=date(2026, 12, 12))
PRODUCTS = (
    Product("712038845561", "纯棉短袖T恤男夏季宽松圆领打底衫", 59.0, 0.16),
    Product("712038845562", "加绒卫衣女秋冬季新款宽松连帽上衣", 129.0, 0.15),
    Product("712038845563", "高腰阔腿牛仔裤女直筒显瘦", 149.0, 0.13),
    Product("712038845564", "316不锈钢保温杯大容量便携水杯", 89.0, 0.12),
    Product("712038845565", "纯棉四件套床单被套床上用品", 259.0, 0.09),
    Product("712038845566", "无线蓝牙耳机入耳式降噪长续航", 199.0, 0.10),
    Product("712038845567", "懒人沙发豆袋单人小户型卧室", 169.0, 0.07),
    Product("712038845568", "儿童保暖羽绒马甲轻薄款", 139.0, 0.08),
    Product("712038845569", "【双11预售】轻薄羽绒服女短款白鸭绒外套", 399.0, 0.06, DOUBLE11),
    Product("712038845570", "【双12预售】羊毛混纺大衣女中长款", 599.0, 0.04, DOUBLE12),
)

ORDER_HEADER = (
    "订单编号", "买家会员名", "订单创建时间", "订单付款时间", "订单状态", "买家实际支付金额",
    "退款金额", "宝贝标题", "商品ID", "购买数量", "流量来源", "是否预售",
)  # fmt: skip
ORDER_CHANNEL_WEIGHTS = {ch.source: ch.visitors for ch in CHANNELS}
N_CUSTOMERS = 3300
REPEAT_PROBABILITY = 0.34  # chance that a customer comes back after each order
STATUS_PAID = "买家已付款，等待卖家发货"
STATUS_SHIPPED = "卖家已发货，等待买家确认"
STATUS_DONE = "交易成功"
STATUS_CLOSED = "交易关闭"
STATUS_UNPAID = "等待买家付款"
STATUS_REFUNDED = "退款成功"


@dataclass(frozen=True)
class Order:
    """One Taobao order (one product line, as the shop sells one item per order)."""

    order_id: str
    buyer: str
    created: datetime
    paid: datetime | None
    status: str
    paid_cents: int
    refund_cents: int
    product: Product
    quantity: int
    channel: str


def buyer_name(index: int) -> str:
    """A stable pseudonymous member name like "tb_3f9a1c27e0"."""
    return "tb_" + hashlib.sha1(f"{SEED}-buyer-{index}".encode()).hexdigest()[:10]


def random_moment(rng: np.random.Generator, day: date) -> datetime:
    """A time on `day`, busier in the evening as on a real shop."""
    hour = int(rng.choice(24, p=HOUR_WEIGHTS))
    return datetime.combine(day, time(hour, int(rng.integers(60)), int(rng.integers(60))))


_HOURS = np.array([2, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 7, 6, 6, 6, 6, 6, 7, 8, 10, 11, 10, 6])
HOUR_WEIGHTS = _HOURS / _HOURS.sum()


def purchase_days(rng: np.random.Generator) -> list[date]:
    """The days one customer orders on: a first day, then returns while they keep coming back."""
    span = (LAST_DAY - HISTORY_START).days
    when = [HISTORY_START + timedelta(days=int(rng.integers(span + 1)))]
    while rng.random() < REPEAT_PROBABILITY:
        when.append(when[-1] + timedelta(days=int(7 + rng.exponential(30))))
    return [day for day in when if day <= LAST_DAY]


def order_channel(rng: np.random.Generator, day: date) -> str:
    """流量来源 of an order, spelt as Sycm spelt it that day; ~6 % of orders have none."""
    if rng.random() < 0.06:
        return ""
    names = list(ORDER_CHANNEL_WEIGHTS)
    weights = np.array(list(ORDER_CHANNEL_WEIGHTS.values()))
    source = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    channel = next(ch for ch in CHANNELS if ch.source == source)
    return channel.name_on(day)


def deposit_day(rng: np.random.Generator, presale: Presale, day: date) -> date:
    """Presale orders are placed in the deposit window only: `day`, or a day drawn inside it."""
    last = min(presale.last_day, LAST_DAY)
    if presale.first_day <= day <= last:
        return day
    return presale.first_day + timedelta(
        days=int(rng.integers((last - presale.first_day).days + 1))
    )


def payment_time(rng: np.random.Generator, product: Product, created: datetime) -> datetime:
    """When an order is (or will be) paid: minutes after ordering, or on the presale balance day
    (up to three days after it opens)."""
    if product.presale is None:
        return created + timedelta(seconds=int(10 + rng.exponential(240)))
    opens = datetime.combine(product.presale.balance_day, time())
    return opens + timedelta(seconds=int(rng.integers(3 * 86400)))


def paid_status(rng: np.random.Generator, paid: datetime) -> str:
    """Status of a paid, unrefunded order by its age at export: sent, then confirmed."""
    age = (EXPORTED_AT - paid).total_seconds() / 86400
    if age < 1:
        return STATUS_PAID
    if age < 12 and rng.random() < 1 - age / 12:
        return STATUS_SHIPPED
    return STATUS_DONE


def settle(
    rng: np.random.Generator, product: Product, created: datetime, paid_cents: int
) -> tuple[datetime | None, str, int, int]:
    """(paid time, status, paid cents, refund cents) of a new order as seen at export time.

    Orders not yet paid at export wait for payment (the 双12 presale balance); of the rest ~3 %
    close unpaid, ~5 % are refunded in full and ~1 % in part.
    """
    draw = rng.random()
    paid = payment_time(rng, product, created)
    if paid > EXPORTED_AT:
        return None, STATUS_UNPAID, 0, 0
    if draw < 0.03:
        return None, STATUS_CLOSED, 0, 0
    if draw < 0.08:
        return paid, STATUS_REFUNDED, paid_cents, paid_cents
    status = paid_status(rng, paid)
    partial = round(paid_cents * 0.2) if status == STATUS_DONE and draw > 0.99 else 0
    return paid, status, paid_cents, partial


def basket_cents(rng: np.random.Generator, product: Product, quantity: int) -> int:
    """Amount paid in cents: price × quantity less a shop coupon."""
    coupon = float(rng.choice([0, 5, 10, 20], p=[0.55, 0.2, 0.15, 0.1]))
    return round((product.price * quantity - coupon) * 100)


def make_order(rng: np.random.Generator, buyer: str, day: date, order_id: str) -> Order:
    """One order of `buyer` around `day`."""
    weights = np.array([p.weight for p in PRODUCTS])
    product = PRODUCTS[int(rng.choice(len(PRODUCTS), p=weights / weights.sum()))]
    if product.presale is not None:
        day = deposit_day(rng, product.presale, day)
    created = random_moment(rng, day)
    quantity = int(rng.choice([1, 2, 3], p=[0.8, 0.15, 0.05]))
    paid, status, paid_cents, refund = settle(
        rng, product, created, basket_cents(rng, product, quantity)
    )
    return Order(
        order_id, buyer, created, paid, status, paid_cents, refund, product, quantity,
        order_channel(rng, day),
    )  # fmt: skip


def order_ids(rng: np.random.Generator, count: int) -> list[str]:
    """`count` distinct 18-digit order numbers (text: they exceed float precision)."""
    ids: set[int] = set()
    while len(ids) < count:
        ids.update(int(x) for x in rng.integers(2 * 10**17, 10**18, size=count - len(ids)))
    return [str(x) for x in sorted(ids)]


def taobao_orders() -> list[Order]:
    """The whole order history, newest first as the Taobao back-end lists it."""
    rng = stream(STREAM_ORDERS)
    plans = [(buyer_name(i), day) for i in range(N_CUSTOMERS) for day in purchase_days(rng)]
    ids = rng.permutation(order_ids(rng, len(plans)))
    orders = [
        make_order(rng, buyer, day, str(oid)) for (buyer, day), oid in zip(plans, ids, strict=True)
    ]
    return sorted(orders, key=lambda o: (o.created, o.order_id), reverse=True)


def order_row(order: Order) -> list[str]:
    """One order as the cells of 订单明细."""
    return [
        order.order_id,
        order.buyer,
        f"{order.created:%Y-%m-%d %H:%M:%S}",
        f"{order.paid:%Y-%m-%d %H:%M:%S}" if order.paid else "",
        order.status,
        yuan(order.paid_cents),
        yuan(order.refund_cents),
        order.product.title,
        order.product.product_id,
        str(order.quantity),
        order.channel,
        "是" if order.product.is_presale else "否",
    ]


# --------------------------------------------------------------------------------------------
# Reviews and DSR
# --------------------------------------------------------------------------------------------

REVIEW_HEADER = (
    "评价时间", "订单编号", "商品ID", "评分", "描述相符", "服务态度", "物流服务", "评价内容",
)  # fmt: skip
REVIEW_TEXTS = {
    5: ("质量很好，和描述一致", "物流很快，包装完好", "第二次买了，一如既往的好", "客服态度很好",
        "面料舒服，尺码标准", "性价比很高，推荐", "颜色好看，很喜欢", "好评",
        "此用户没有填写评价。"),
    4: ("还可以，就是发货有点慢", "整体不错，小瑕疵", "挺好的，物流一般", "质量可以，价格略贵"),
    3: ("一般般吧", "和图片有点色差", "包装有点简陋", "快递太慢了"),
    2: ("质量一般，有线头", "尺码偏小，退换麻烦", "物流太慢，等了一周"),
    1: ("质量太差了，不建议购买", "收到就是坏的，客服不理人", "和描述严重不符"),
}  # fmt: skip
RATING_WEIGHTS = {5: 0.78, 4: 0.14, 3: 0.04, 2: 0.015, 1: 0.025}
REVIEW_PROBABILITY = 0.7
LOGISTICS_DIP_START = date(2026, 11, 2)  # logistics scores sag in the last three weeks


def dimension_score(rng: np.random.Generator, rating: int, dip: bool) -> int:
    """A DSR dimension near the overall rating (and sometimes a point lower in the dip)."""
    score = rating if rng.random() < 0.8 else rating - 1 + 2 * int(rng.random() < 0.5)
    if dip and rng.random() < 0.15:
        score -= 1
    return int(min(5, max(1, score)))


def review_row(rng: np.random.Generator, order: Order) -> list[object] | None:
    """A review of a confirmed order 3–14 days after payment, or None outside the window."""
    assert order.paid is not None
    when = order.paid + timedelta(days=float(3 + 11 * rng.random()))
    if not FIRST_DAY <= when.date() <= LAST_DAY:
        return None
    rating = int(rng.choice(list(RATING_WEIGHTS), p=list(RATING_WEIGHTS.values())))
    texts = REVIEW_TEXTS[rating]
    text = texts[int(rng.integers(len(texts)))]
    dip = when.date() >= LOGISTICS_DIP_START
    scores = [dimension_score(rng, rating, False), dimension_score(rng, rating, False)]
    return [
        when.replace(microsecond=0), order.order_id, order.product.product_id, rating,
        *scores, dimension_score(rng, rating, dip), text,
    ]  # fmt: skip


def review_rows(orders: Sequence[Order]) -> list[list[object]]:
    """Most confirmed orders reviewed, newest first, with two probe texts planted."""
    rng = stream(STREAM_REVIEWS)
    done = [o for o in sorted(orders, key=lambda o: o.order_id) if o.status == STATUS_DONE]
    rows = [
        row
        for order in done
        if rng.random() < REVIEW_PROBABILITY and (row := review_row(rng, order)) is not None
    ]
    rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
    rows[5][-1] = ESCAPING_PROBE
    rows[17][-1] = FORMULA_PROBE
    return rows


DSR_HEADER = (
    "日期", "描述相符", "服务态度", "物流服务", "同行平均描述相符", "同行平均服务态度",
    "同行平均物流服务",
)  # fmt: skip


def random_walk(rng: np.random.Generator, start: float, count: int, step: float) -> np.ndarray:
    """A slowly drifting score series (DSR is a 180-day mean: it moves in small steps)."""
    return start + np.cumsum(rng.normal(0, step, size=count))


def dsr_rows() -> list[list[str]]:
    """Daily shop DSR snapshots with peer averages; logistics dips over the last three weeks."""
    rng = stream(STREAM_DSR)
    dates = days(FIRST_DAY, LAST_DAY)
    n = len(dates)
    dip_days = np.array([max(0, (d - LOGISTICS_DIP_START).days + 1) for d in dates])
    series = [
        random_walk(rng, 4.8123, n, 0.0012),
        random_walk(rng, 4.8356, n, 0.0010),
        random_walk(rng, 4.7968, n, 0.0010) - 0.0028 * dip_days,
        random_walk(rng, 4.7810, n, 0.0006),
        random_walk(rng, 4.7925, n, 0.0006),
        random_walk(rng, 4.7702, n, 0.0006),
    ]
    return [
        [f"{day:%Y-%m-%d}", *(f"{min(5.0, s[i]):.4f}" for s in series)]
        for i, day in enumerate(dates)
    ]


# --------------------------------------------------------------------------------------------
# Shopify
# --------------------------------------------------------------------------------------------

SHOPIFY_ZONE = ZoneInfo("America/New_York")
SHOPIFY_START = date(2026, 9, 1)
SHOPIFY_HEADER = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku",
    "Refunded Amount", "Cancelled at", "Source",
)  # fmt: skip
SHOPIFY_PRODUCTS = (
    ("Merino Wool Beanie - Charcoal", "BEANIE-CHR", 28.00),
    ("Merino Wool Beanie - Oat", "BEANIE-OAT", 28.00),
    ("Waxed Canvas Tote", "TOTE-WAX", 64.00),
    ("Ceramic Pour-Over Set", "POUR-SET", 48.50),
    ("Linen Apron - Rust", "APRON-RST", 36.00),
    ("Hand-thrown Mug 12oz", "MUG-12", 22.00),
    ("Cast Iron Skillet 10in", "SKILLET-10", 89.00),
)
FIRST_NAMES = ("ava", "liam", "mia", "noah", "emma", "lucas", "zoe", "ethan", "ivy", "owen")
LAST_NAMES = ("chen", "garcia", "smith", "nguyen", "patel", "kim", "brown", "lopez", "khan")
SHOPIFY_CUSTOMERS = 700
SHOPIFY_ORDERS = 410
TAX_RATE = 0.08
FREE_SHIPPING_FROM = 75.0
SHIPPING_FEE = 6.95
DISCOUNTS = {"": 0.0, "WELCOME10": 0.10, "FALL15": 0.15}
REFERRER_SESSIONS = {"Direct": 120, "Search": 140, "Social": 105, "Email": 24, "Unknown": 15}
SESSIONS_HEADER = ("Day", "Referrer source", "Sessions", "Orders", "Total sales", "Conversion rate")


@dataclass(frozen=True)
class ShopifyOrder:
    """One Shopify order with its lines, and the referrer of the session it came from."""

    number: int
    email: str
    created: datetime  # aware, America/New_York
    lines: tuple[tuple[str, str, float, int], ...]  # name, sku, price, quantity
    discount_code: str
    financial_status: str
    source: str
    referrer: str

    @property
    def line_total(self) -> float:
        """Σ Lineitem price × quantity."""
        return sum(price * quantity for _, _, price, quantity in self.lines)

    @property
    def discount(self) -> float:
        return round(self.line_total * DISCOUNTS[self.discount_code], 2)

    @property
    def subtotal(self) -> float:
        """Line items less the discount, as Shopify's Subtotal."""
        return round(self.line_total - self.discount, 2)

    @property
    def shipping(self) -> float:
        return 0.0 if self.subtotal >= FREE_SHIPPING_FROM or self.source == "pos" else SHIPPING_FEE

    @property
    def taxes(self) -> float:
        return round(self.subtotal * TAX_RATE, 2)

    @property
    def total(self) -> float:
        return round(self.subtotal + self.shipping + self.taxes, 2)

    @property
    def refunded(self) -> float:
        """Refunded Amount: all of it, a part of it, or nothing."""
        if self.financial_status == "refunded":
            return self.total
        if self.financial_status == "partially_refunded":
            return round(self.lines[0][2], 2)
        return 0.0


def shopify_email(rng: np.random.Generator) -> str:
    """A made-up customer address on a reserved domain."""
    first = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
    last = LAST_NAMES[int(rng.integers(len(LAST_NAMES)))]
    return f"{first}.{last}{int(rng.integers(10, 99))}@example.com"


def shopify_lines(rng: np.random.Generator) -> tuple[tuple[str, str, float, int], ...]:
    """1–3 distinct products per order, mostly one, quantity 1–2."""
    count = int(rng.choice([1, 2, 3], p=[0.7, 0.22, 0.08]))
    picks = rng.choice(len(SHOPIFY_PRODUCTS), size=count, replace=False)
    return tuple(
        (*SHOPIFY_PRODUCTS[int(i)], int(rng.choice([1, 2], p=[0.85, 0.15]))) for i in sorted(picks)
    )


def shopify_status(rng: np.random.Generator) -> str:
    """Financial Status: mostly paid, a few refunded, pending or voided."""
    statuses = ["paid", "refunded", "partially_refunded", "pending", "voided"]
    return str(rng.choice(statuses, p=[0.90, 0.04, 0.02, 0.02, 0.02]))


def shopify_orders() -> list[ShopifyOrder]:
    """About 400 orders Sept–Nov 2026; a group of regulars makes some customers come back."""
    rng = stream(STREAM_SHOPIFY)
    emails = sorted({shopify_email(rng) for _ in range(SHOPIFY_CUSTOMERS)})
    span = int((LAST_DAY - SHOPIFY_START).days + 1) * 86400
    moments = sorted(int(x) for x in rng.integers(8 * 3600, span - 2 * 3600, size=SHOPIFY_ORDERS))
    start = datetime.combine(SHOPIFY_START, time(), SHOPIFY_ZONE)
    referrers, weights = ["Search", "Direct", "Social", "Email", "Unknown"], [35, 30, 20, 10, 5]
    orders = []
    for number, offset in enumerate(moments, start=1001):
        loyal = rng.random() < 0.15  # some orders come from a small group of regulars
        pool = emails[:30] if loyal else emails
        orders.append(
            ShopifyOrder(
                number=number,
                email=pool[int(rng.integers(len(pool)))],
                created=start + timedelta(seconds=offset),
                lines=shopify_lines(rng),
                discount_code=str(rng.choice(list(DISCOUNTS), p=[0.85, 0.10, 0.05])),
                financial_status=shopify_status(rng),
                source=str(rng.choice(["web", "pos", "shopify_draft_order"], p=[0.85, 0.08, 0.07])),
                referrer=referrers[int(rng.choice(5, p=np.array(weights) / 100))],
            )
        )
    return orders


def shopify_time(moment: datetime) -> str:
    """Shopify's timestamp format, e.g. "2026-09-01 10:15:00 -0400"."""
    return moment.strftime("%Y-%m-%d %H:%M:%S %z")


def fulfillment(order: ShopifyOrder) -> str:
    """Fulfillment Status: shipped unless unpaid, voided or (online) from the last two days."""
    recent = order.created.date() >= LAST_DAY - timedelta(days=1) and order.source != "pos"
    if order.financial_status in ("pending", "voided") or recent:
        return "unfulfilled"
    return "fulfilled"


def shopify_order_rows(order: ShopifyOrder) -> list[dict[str, str]]:
    """The CSV rows of one order: order fields on the first line only, as Shopify exports."""
    paid = order.financial_status not in ("pending", "voided")
    first = {
        "Email": "" if order.source == "pos" else order.email,
        "Financial Status": order.financial_status,
        "Paid at": shopify_time(order.created + timedelta(seconds=7)) if paid else "",
        "Fulfillment Status": fulfillment(order),
        "Accepts Marketing": "yes" if order.number % 3 else "no",
        "Currency": "USD",
        "Subtotal": f"{order.subtotal:.2f}",
        "Shipping": f"{order.shipping:.2f}",
        "Taxes": f"{order.taxes:.2f}",
        "Total": f"{order.total:.2f}",
        "Discount Code": order.discount_code,
        "Discount Amount": f"{order.discount:.2f}",
        "Created at": shopify_time(order.created),
        "Refunded Amount": f"{order.refunded:.2f}",
        "Cancelled at": (
            shopify_time(order.created + timedelta(hours=3))
            if order.financial_status == "voided"
            else ""
        ),
        "Source": order.source,
    }
    rows = []
    for index, (name, sku, price, quantity) in enumerate(order.lines):
        line = {
            "Name": f"#{order.number}",
            "Lineitem quantity": str(quantity),
            "Lineitem name": name,
            "Lineitem price": f"{price:.2f}",
            "Lineitem sku": sku,
        }
        rows.append({**(first if index == 0 else {}), **line})
    return rows


def session_rows(orders: Sequence[ShopifyOrder]) -> list[list[str]]:
    """Online-store sessions by referrer per day; Orders/Total sales count web orders only."""
    rng = stream(STREAM_SESSIONS)
    web = [o for o in orders if o.source == "web" and o.financial_status != "voided"]
    rows = []
    for day in days(SHOPIFY_START, LAST_DAY):
        for referrer, base in REFERRER_SESSIONS.items():
            mine = [o for o in web if o.created.date() == day and o.referrer == referrer]
            sessions = max(len(mine), int(rng.poisson(base * WEEKDAY_FACTOR[day.weekday()])))
            sales = sum(o.total for o in mine)
            rate = len(mine) / sessions if sessions else 0.0
            rows.append(
                [f"{day:%Y-%m-%d}", referrer, str(sessions), str(len(mine)), f"{sales:.2f}",
                 f"{rate:.4f}"]
            )  # fmt: skip
    return rows


# --------------------------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------------------------


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text with CRLF line ends (as Excel and the back-ends write them)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def write_text(path: Path, text: str, encoding: str) -> None:
    """Write `text` in `encoding`, strictly: an unencodable character is an error."""
    path.write_bytes(text.encode(encoding, errors="strict"))


def set_string(cell: Cell, value: object) -> None:
    """Put `value` in a cell; text stays text (openpyxl would read "=…" as a formula)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def fill_sheet(
    sheet: Worksheet, rows: Iterable[Sequence[object]], first_row: int, formats: dict[int, str]
) -> None:
    """Write rows from `first_row` (1-based); `formats` maps 0-based column → number format."""
    for r, row in enumerate(rows, start=first_row):
        for c, value in enumerate(row):
            cell = sheet.cell(row=r, column=c + 1)
            set_string(cell, value)
            if c in formats and not isinstance(value, str):
                cell.number_format = formats[c]


def save_workbook(workbook: openpyxl.Workbook, path: Path) -> None:
    """Save with fixed document times and zip entry times, so the bytes never change.

    openpyxl stamps `modified` with the clock while saving and zipfile stamps each entry, so the
    saved archive is rewritten with fixed times (entry order and compression unchanged).
    """
    workbook.properties.creator = "ShopLens sample data"
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.properties.created = XLSX_TIMESTAMP
    workbook.properties.modified = XLSX_TIMESTAMP
    core = tostring(workbook.properties.to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            data = core if entry.filename == "docProps/core.xml" else source.read(entry)
            info = zipfile.ZipInfo(entry.filename, date_time=XLSX_TIMESTAMP.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    path.write_bytes(out.getvalue())


def write_traffic_xlsx(rows: Sequence[TrafficRow], path: Path) -> None:
    """The first Sycm traffic export: XLSX, two title rows, header on row 3, 合计 last."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "流量来源"
    title = sycm_title(rows[0]["date"], rows[-1]["date"])
    cells = [sycm_cells(row, as_text=False) for row in with_totals(rows)]
    fill_sheet(sheet, [[line] for line in title], 1, {})
    fill_sheet(sheet, [TRAFFIC_HEADER], 3, {})
    fill_sheet(sheet, cells, 4, {0: "yyyy-mm-dd", 10: "0.00", 12: "0.00", 15: "0.00"})
    save_workbook(workbook, path)


def write_traffic_csv(rows: Sequence[TrafficRow], path: Path) -> None:
    """The second Sycm traffic export: GBK CSV, title lines and a blank line, 合计 last."""
    title = [[line] for line in sycm_title(rows[0]["date"], rows[-1]["date"])]
    cells = [sycm_cells(row, as_text=True) for row in with_totals(rows)]
    write_text(path, csv_text([*title, [], TRAFFIC_HEADER, *cells]), "gbk")


def write_orders(orders: Sequence[Order], path: Path) -> None:
    """订单明细: UTF-8 with BOM, newest first."""
    write_text(path, csv_text([ORDER_HEADER, *(order_row(o) for o in orders)]), "utf-8-sig")


def write_reviews(rows: Sequence[Sequence[object]], path: Path) -> None:
    """评价: XLSX, header on row 1, IDs as text, times as Excel datetimes."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "评价数据"
    fill_sheet(sheet, [REVIEW_HEADER, *rows], 1, {0: "yyyy-mm-dd hh:mm:ss"})
    save_workbook(workbook, path)


def write_dsr(path: Path) -> None:
    """店铺DSR: UTF-8 without BOM, one snapshot per day."""
    write_text(path, csv_text([DSR_HEADER, *dsr_rows()]), "utf-8")


def write_shopify(orders: Sequence[ShopifyOrder], orders_path: Path, sessions_path: Path) -> None:
    """Shopify's orders export (newest order first, lines in order) and sessions by referrer."""
    lines = [row for o in reversed(orders) for row in shopify_order_rows(o)]
    table = [SHOPIFY_HEADER, *([line.get(col, "") for col in SHOPIFY_HEADER] for line in lines)]
    write_text(orders_path, csv_text(table), "utf-8")
    write_text(sessions_path, csv_text([SESSIONS_HEADER, *session_rows(orders)]), "utf-8")


def write_all(out: Path) -> list[Path]:
    """Write every sample file into `out` and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    traffic = traffic_rows()
    write_traffic_xlsx([r for r in traffic if r["date"] < SPLIT_DAY], out / TRAFFIC_XLSX)
    write_traffic_csv([r for r in traffic if r["date"] >= SPLIT_DAY], out / TRAFFIC_CSV)
    orders = taobao_orders()
    write_orders(orders, out / ORDERS_CSV)
    write_reviews(review_rows(orders), out / REVIEWS_XLSX)
    write_dsr(out / DSR_CSV)
    write_shopify(shopify_orders(), out / SHOPIFY_ORDERS_CSV, out / SHOPIFY_SESSIONS_CSV)
    return [out / name for name in OUTPUT_FILES]


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: write the samples into --out (default: sample_data/)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(f"{path.stat().st_size:>9,} B  {path}")


if __name__ == "__main__":
    main()
