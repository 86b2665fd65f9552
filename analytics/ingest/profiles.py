"""What each data kind's columns are called in real exports, and what type each field has.

A *profile* is one data kind (schema.TABLES) seen from the file side: its fields, the type the
text cells are parsed with, and the header names real exports use for them, in Chinese and
English (生意参谋 Sycm, 京东商智, 拼多多, 抖店, Shopify, WooCommerce, GA4, UCI Online Retail,
Olist, the Taobao user-behaviour log). Synonyms are listed in priority order: when two columns of
one file match the same field (Shopify's "Online store visitors" and "Sessions"), the earlier
synonym wins and the other column is ignored.

Headers are compared after `normalise_header`, so "支付金额（元）", "支付金额(元)" and " 支付金额 "
are one name, as are "Customer ID", "CustomerID" and "customer_id".

Besides stored fields, a profile knows:
- helper fields that are read but not stored (`unit_price` for quantity × price line exports,
  `cancelled_at` for Shopify), and
- *derived* headers: columns a real export of that kind carries that ShopLens recomputes or
  ignores (支付转化率, 客单价, Shopify's "Billing Name" …). They count towards recognising the
  kind, and are left unmapped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from analytics.schema import TABLES

# Field types: how a text cell becomes a value (see values.py).
INTEGER = "integer"
DECIMAL = "decimal"  # money: exact to the cent
RATE = "rate"  # "3.25%" → 0.0325
FLOAT = "float"  # scores such as 4.8
DATE = "date"
TIMESTAMP = "timestamp"
DURATION = "duration"  # "00:01:23" → 83 seconds
BOOL = "bool"
TEXT = "text"  # free text, stripped
ID = "id"  # identifiers: text, never numbers (leading zeros and 18-digit order ids survive)
FIELD_TYPES = (INTEGER, DECIMAL, RATE, FLOAT, DATE, TIMESTAMP, DURATION, BOOL, TEXT, ID)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a profile: canonical name, type, and the headers exports use for it."""

    name: str
    type: str
    synonyms: tuple[str, ...]  # as written in exports, in priority order; the name comes first
    stored: bool = True  # False: helps normalising (unit price) but is not a table column


@dataclass(frozen=True)
class Profile:
    """One data kind as exports spell it.

    `required` lists groups: each group needs at least one of its fields (reviews need a
    created_at and one of rating / the three DSR scores).
    """

    kind: str
    fields: tuple[FieldSpec, ...]
    required: tuple[tuple[str, ...], ...]
    derived: tuple[str, ...] = ()

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _f(name: str, type_: str, synonyms: str, stored: bool = True) -> FieldSpec:
    """A field whose synonyms are written `|`-separated, the canonical name always included."""
    return FieldSpec(name, type_, (name, *filter(None, synonyms.split("|"))), stored)


def _names(text: str) -> tuple[str, ...]:
    return tuple(filter(None, text.split("|")))


_DATE_NAMES = "日期|统计日期|数据日期|统计时间|时间|Date|Day|Report date|dt"
_CHANNEL_NAMES = (
    "流量来源|来源|一级来源|来源名称|渠道|流量渠道|访客来源|推广渠道|Traffic source|Source|"
    "Channel|Referrer source|Session source / medium|Session source|"
    "Session default channel group|Default channel group|Source / Medium|Referrer"
)
_DSR_DESCRIPTION = "描述相符|描述相符评分|宝贝与描述相符|Description|Item as described"
_DSR_SERVICE = "服务态度|服务态度评分|卖家服务态度|Service|Seller service"
_DSR_LOGISTICS = "物流服务|物流服务评分|卖家发货速度|发货速度|Logistics|Shipping speed"
# 综合体验分 replaces DSR on Taobao/Tmall: the same three dimensions under new names.
_EXP_DESCRIPTION = "商品体验|商品体验分|Product experience"
_EXP_SERVICE = "服务体验|服务体验分|Service experience"
_EXP_LOGISTICS = "物流体验|物流体验分|Logistics experience"
EXPERIENCE_HEADERS = _names(f"{_EXP_DESCRIPTION}|{_EXP_SERVICE}|{_EXP_LOGISTICS}")
"""Headers of the 综合体验分 trio: a dsr file using them gets score_system 'experience'."""

SESSION_HEADERS = _names("Sessions|Visits|会话数|会话次数|Online store sessions")
"""Headers that count sessions, not people: traffic from them gets visitor_unit 'sessions'."""


def _peer(prefixes: str, names: str) -> str:
    """Peer-average headers as Sycm writes them both ways: 同行平均描述相符 / 描述相符同行平均."""
    out = []
    for name in _names(names):
        for prefix in _names(prefixes):
            out += [f"{prefix}{name}", f"{name}{prefix}", f"{name}({prefix})"]
    return "|".join(out)


_PEER = "同行平均|行业平均|同行均值|同行同层平均"

TRAFFIC = Profile(
    kind="traffic",
    fields=(
        _f("date", DATE, _DATE_NAMES),
        _f("channel", TEXT, _CHANNEL_NAMES),
        _f(
            "sub_channel",
            TEXT,
            "二级来源|来源明细|细分来源|来源详情|三级来源|Sub channel|Sub-channel|Referrer name|"
            "Session medium|Medium",
        ),
        _f(
            "visitors",
            INTEGER,
            "访客数|访客人数|店铺访客数|进店访客数|访问人数|UV|Visitors|Unique visitors|"
            "Online store visitors|Users|Total users|Active users|" + "|".join(SESSION_HEADERS),
        ),
        _f(
            "product_visitors",
            INTEGER,
            "商品访客数|商品详情页访客数|宝贝访客数|详情页访客数|Product visitors|"
            "Product page visitors|Sessions with product views",
        ),
        _f(
            "page_views",
            INTEGER,
            "浏览量|页面浏览量|PV|Page views|Pageviews|Views|Screen page views",
        ),
        _f("inquiries", INTEGER, "咨询人数|询单人数|咨询访客数|咨询客户数|询单客户数|Inquiries"),
        _f(
            "cart_buyers",
            INTEGER,
            "加购人数|加购买家数|加购访客数|加购客户数|Cart buyers|Add-to-cart visitors|"
            "Sessions with cart additions|Added to cart|Add to carts",
        ),
        _f(
            "order_buyers",
            INTEGER,
            "下单买家数|下单人数|下单客户数|Order buyers|Sessions that reached checkout|"
            "Reached checkout",
        ),
        _f(
            "orders",
            INTEGER,
            "订单数|下单笔数|成交单量|成交订单数|Total orders|Purchases|Ecommerce purchases|"
            "Transactions",
        ),
        _f(
            "paying_buyers",
            INTEGER,
            "支付买家数|支付人数|支付客户数|付款人数|成交客户数|成交人数|成交买家数|Paying buyers|"
            "Buyers|Customers|Total purchasers|Purchasers|Sessions that completed checkout|"
            "Sessions converted",
        ),
        _f(
            "pay_amount",
            DECIMAL,
            "支付金额|成交金额|销售额|交易金额|付款金额|GMV|Total sales|Sales|Revenue|"
            "Purchase revenue|Total revenue|Net sales|Gross sales",
        ),
        _f("bounce_rate", RATE, "跳失率|跳出率|Bounce rate"),
        _f(
            "avg_stay_seconds",
            DURATION,
            "平均停留时长|人均停留时长|平均访问时长|停留时长|人均浏览时长|Average session duration|"
            "Avg. session duration|Average engagement time|Average engagement time per session",
        ),
        _f(
            "ad_cost",
            DECIMAL,
            "花费|推广花费|消耗|广告花费|推广费用|广告费|Cost|Ad cost|Ad spend|Spend",
        ),
    ),
    required=(("date",), ("channel",), ("visitors",)),
    derived=_names(
        "支付转化率|下单转化率|客单价|UV价值|人均浏览量|咨询转化率|访客数占比|访客占比|支付金额占比|"
        "新访客数|老访客数|收藏人数|收藏买家数|加购件数|支付件数|下单金额|下单-支付转化率|"
        "新买家数|老买家数|直接支付买家数|粉丝支付买家数|投入产出比|ROI|点击率|点击量|展现量|操作|"
        "趋势|Conversion rate|Session conversion rate|Average order value|Engagement rate|"
        "Engaged sessions|Views per session|Bounced sessions|Referrer host|Referrer path|"
        "Sessions with product views rate"
    ),
)

PRODUCTS = Profile(
    kind="products",
    fields=(
        _f("date", DATE, _DATE_NAMES),
        _f(
            "product_id",
            ID,
            "商品ID|宝贝ID|商品编号|商品编码|Product ID|Item ID|SPU ID|product_id|item_id",
        ),
        _f(
            "product_name",
            TEXT,
            "商品名称|商品标题|宝贝标题|宝贝名称|商品|Product name|Product title|Product|Item name|"
            "Title",
        ),
        _f(
            "product_visitors",
            INTEGER,
            "商品访客数|访客数|宝贝访客数|详情页访客数|商品详情页访客数|Product visitors|Visitors",
        ),
        _f(
            "page_views",
            INTEGER,
            "商品浏览量|浏览量|PV|Product views|Page views|Views|Items viewed",
        ),
        _f(
            "cart_buyers",
            INTEGER,
            "加购人数|商品加购人数|加购买家数|Add to cart|Added to cart|Cart buyers",
        ),
        _f("order_buyers", INTEGER, "下单买家数|下单人数|下单客户数|Order buyers"),
        _f(
            "paying_buyers",
            INTEGER,
            "支付买家数|支付人数|成交人数|成交客户数|Paying buyers|Buyers|Customers",
        ),
        _f(
            "pay_amount",
            DECIMAL,
            "支付金额|成交金额|销售额|Total sales|Sales|Item revenue|Revenue",
        ),
        _f("is_presale", BOOL, "预售|是否预售|预售商品|Presale|Pre-sale"),
    ),
    required=(("date",), ("product_id",), ("product_visitors",)),
    derived=_names(
        "商品状态|支付件数|支付转化率|下单转化率|加购件数|商品加购件数|商品收藏人数|收藏人数|客单价|"
        "平均停留时长|商品详情页跳出率|跳出率|件单价|支付新买家数|访客平均价值|UV价值|商品链接|货号|"
        "商家编码|主商品ID|类目|商品类目|Items purchased|Item purchase quantity|Conversion rate|"
        "Net quantity|Product type|Vendor"
    ),
)

ORDERS = Profile(
    kind="orders",
    fields=(
        _f(
            "order_id",
            ID,
            "订单编号|订单号|主订单编号|订单ID|父订单编号|Order ID|Order Number|Order No|Order|"
            "InvoiceNo|Invoice|Invoice No|Name",
        ),
        _f(
            "created_at",
            TIMESTAMP,
            "订单创建时间|下单时间|创建时间|订单提交时间|提交时间|订单时间|订单成交时间|Created at|"
            "Order Date|"
            "Date Created|Order created|InvoiceDate|Invoice Date|order_purchase_timestamp|"
            "Purchase date|Date",
        ),
        _f(
            "customer_id",
            ID,
            "买家会员名|买家ID|买家昵称|买家账号|用户ID|客户ID|会员名|下单账号|下单帐号|客户账号|"
            "Customer ID|CustomerID|Customer User|Customer|Customer Email|Billing Email|Email",
        ),
        _f(
            "paid_at",
            TIMESTAMP,
            "订单付款时间|付款时间|支付时间|支付完成时间|订单支付时间|Paid at|Paid Date|Date Paid|"
            "Payment date|order_approved_at",
        ),
        _f(
            "status",
            TEXT,
            "订单状态|交易状态|Financial Status|Order Status|Status|order_status|Payment status",
        ),
        _f(
            "pay_amount",
            DECIMAL,
            "买家实际支付金额|实付金额|实际支付金额|用户实付金额|实付款|应付金额|订单应付金额|"
            "支付金额|付款金额|订单金额|总金额|订单总金额|金额|Total|Order Total|"
            "Order Total Amount|Amount paid|Total paid|Amount|payment_value",
        ),
        _f(
            "quantity",
            INTEGER,
            "购买数量|宝贝总数量|商品数量|数量|订购数量|件数|Lineitem quantity|Quantity|Qty|"
            "Item quantity",
        ),
        _f(
            "unit_price",
            DECIMAL,
            "单价|商品单价|宝贝单价|商品价格|价格|京东价|Lineitem price|UnitPrice|Unit price|Price|"
            "Item price|Item Cost",
            stored=False,
        ),
        _f(
            "product_id",
            ID,
            "商品ID|宝贝ID|商品编号|商品编码|商家编码|SKU|Lineitem sku|StockCode|Stock code|"
            "Product ID|Item ID|product_id",
        ),
        _f(
            "product_name",
            TEXT,
            "宝贝标题|商品名称|商品标题|选购商品|宝贝名称|商品|Lineitem name|Description|"
            "Product name|Item name|Product",
        ),
        _f("channel", TEXT, "订单来源|流量来源|下单渠道|渠道|来源|Source|Channel|Source name"),
        _f(
            "refund_amount",
            DECIMAL,
            "退款金额|退款总金额|已退款金额|Refunded Amount|Refund Amount|Order Refund Amount|"
            "Amount refunded",
        ),
        _f("is_presale", BOOL, "预售|是否预售|预售订单|Presale|Pre-sale"),
        _f("currency", TEXT, "币种|货币|Currency"),
        _f(
            "cancelled_at",
            TIMESTAMP,
            "取消时间|订单取消时间|Cancelled at|Canceled at",
            stored=False,
        ),
    ),
    required=(("order_id",), ("created_at",)),
    derived=_names(
        "子订单编号|收货人姓名|收货地址|联系电话|联系手机|运送方式|物流单号|物流公司|快递单号|"
        "快递公司|邮费|运费|应付货款|买家应付邮费|返点积分|买家支付积分|买家留言|商家备注|订单备注|"
        "宝贝种类|店铺名称|店铺ID|发货时间|确认收货时间|打款商家金额|优惠金额|店铺优惠|平台优惠|"
        "商家实收金额|商品总价|售后状态|样式ID|商品规格|达人昵称|达人ID|支付方式|省|市|区|拼单成功时间|"
        "Fulfillment Status|Fulfilled at|Accepts Marketing|Subtotal|Shipping|Taxes|"
        "Discount Code|Discount Amount|Shipping Method|Lineitem compare at price|"
        "Lineitem requires shipping|Lineitem taxable|Lineitem fulfillment status|Lineitem discount|"
        "Billing Name|Billing Street|Billing Address1|Billing Address2|Billing Company|"
        "Billing City|Billing Zip|Billing Province|Billing Country|Billing Phone|"
        "Shipping Name|Shipping Street|Shipping Address1|Shipping Address2|Shipping Company|"
        "Shipping City|Shipping Zip|Shipping Province|Shipping Country|Shipping Phone|Notes|"
        "Note Attributes|Payment Method|Payment Reference|Refunded at|Vendor|Id|Tags|Risk Level|"
        "Phone|Receipt Number|Duties|Billing Province Name|Shipping Province Name|Payment ID|"
        "Payment Terms Name|Next Payment Due At|Payment References|Employee|Location|Device ID|"
        "Outstanding Balance|Tax 1 Name|Tax 1 Value|Billing First Name|Billing Last Name|"
        "Shipping Method Title|Payment Method Title|Cart Discount Amount|Order Subtotal Amount|"
        "Order Shipping Amount|Order Total Tax Amount|Customer Note|Item #|"
        "Quantity (- Refund)|Coupon Code|Country|order_delivered_carrier_date|"
        "order_delivered_customer_date|order_estimated_delivery_date|order_item_id|seller_id|"
        "shipping_limit_date|freight_value|payment_sequential|payment_type|payment_installments"
    ),
)

REVIEWS = Profile(
    kind="reviews",
    fields=(
        _f("review_id", ID, "评价ID|评论ID|评价编号|Review ID|review_id"),
        _f(
            "created_at",
            TIMESTAMP,
            "评价时间|评论时间|评价日期|初评时间|Review date|Reviewed at|Created at|Submitted at|"
            "review_creation_date|Date",
        ),
        _f("order_id", ID, "订单编号|订单号|订单ID|主订单编号|Order ID|Order number|order_id"),
        _f("product_id", ID, "商品ID|宝贝ID|商品编号|Product ID|SKU|product_id"),
        _f(
            "rating",
            FLOAT,
            "评分|评价星级|星级|商品评分|总体评分|Rating|Stars|Star rating|Score|Review score|"
            "review_score",
        ),
        _f("dsr_description", FLOAT, f"{_DSR_DESCRIPTION}|{_EXP_DESCRIPTION}"),
        _f("dsr_service", FLOAT, f"{_DSR_SERVICE}|{_EXP_SERVICE}"),
        _f("dsr_logistics", FLOAT, f"{_DSR_LOGISTICS}|{_EXP_LOGISTICS}"),
        _f(
            "text",
            TEXT,
            "评价内容|评论内容|初评内容|评价|评论|Review|Review text|Review body|Content|Comment|"
            "Body|review_comment_message",
        ),
    ),
    required=(("created_at",), ("rating", "dsr_description", "dsr_service", "dsr_logistics")),
    derived=_names(
        "review_comment_title|review_answer_timestamp|追评内容|追评时间|买家昵称|商品名称|宝贝标题|"
        "回复内容|商家回复|图片|有无图片|评价类型|Title|Reviewer name|Reviewer|Author|Email|"
        "Verified|Product name|Reply"
    ),
)

DSR = Profile(
    kind="dsr",
    fields=(
        _f("date", DATE, _DATE_NAMES),
        _f("dsr_description", FLOAT, f"{_DSR_DESCRIPTION}|{_EXP_DESCRIPTION}"),
        _f("dsr_service", FLOAT, f"{_DSR_SERVICE}|{_EXP_SERVICE}"),
        _f("dsr_logistics", FLOAT, f"{_DSR_LOGISTICS}|{_EXP_LOGISTICS}"),
        _f("peer_description", FLOAT, _peer(_PEER, "描述相符|商品体验") + "|Peer description"),
        _f("peer_service", FLOAT, _peer(_PEER, "服务态度|服务体验") + "|Peer service"),
        _f("peer_logistics", FLOAT, _peer(_PEER, "物流服务|物流体验") + "|Peer logistics"),
    ),
    required=(("date",), ("dsr_description",), ("dsr_service",), ("dsr_logistics",)),
    derived=_names("综合体验分|综合评分|动态评分|DSR|同行排名|较同行|高于同行|低于同行|Overall"),
)

EVENTS = Profile(
    kind="events",
    fields=(
        _f(
            "user_id",
            ID,
            "用户ID|会员ID|买家ID|访客ID|User ID|User pseudo ID|Visitor ID|Client ID|uid|userid",
        ),
        _f(
            "ts",
            TIMESTAMP,
            "timestamp|time|时间|时间戳|行为时间|发生时间|Event timestamp|Event time|Datetime",
        ),
        _f(
            "event",
            TEXT,
            "behavior_type|behaviour_type|行为类型|行为|事件|事件名称|Event name|Event type|Action",
        ),
        _f("item_id", ID, "商品ID|宝贝ID|Item ID|Product ID|SKU"),
        _f("category_id", ID, "类目ID|商品类目ID|item_category|Category ID|Item category|Category"),
        _f(
            "channel",
            TEXT,
            "流量来源|来源|渠道|Source|Channel|Session source / medium|traffic_source",
        ),
    ),
    required=(("user_id",), ("ts",), ("event",)),
    derived=_names(
        "user_geohash|地理位置|Page location|Page title|Event params|Platform|Device category|"
        "Country|ga_session_id|event_date|Event count"
    ),
)

PROFILES: dict[str, Profile] = {
    p.kind: p for p in (TRAFFIC, ORDERS, REVIEWS, DSR, PRODUCTS, EVENTS)
}

# Header signatures of each platform: normalised headers that (almost) only its exports use.
# A file's platform is the one with the most of its markers among the header cells.
PLATFORM_MARKERS: dict[str, tuple[str, ...]] = {
    "sycm": _names(
        "流量来源|来源明细|二级来源|一级来源|支付买家数|支付转化率|UV价值|商品访客数|买家会员名|"
        "宝贝标题|订单付款时间|买家实际支付金额|描述相符|服务态度|物流服务|商品体验|物流体验|"
        "服务体验|咨询人数|询单人数|跳失率|宝贝总数量|订单创建时间|人均停留时长"
    ),
    "jd": _names(
        "商品编号|应付金额|成交客户数|成交金额|成交转化率|下单帐号|订购数量|京东价|成交单量"
    ),
    "pdd": _names("用户实付金额|商家实收金额|订单成交时间|商品总价|店铺优惠折扣|样式ID|售后状态"),
    "douyin": _names("主订单编号|子订单编号|订单提交时间|订单应付金额|选购商品|达人昵称|达人ID"),
    "shopify": _names(
        "Financial Status|Paid at|Lineitem quantity|Lineitem price|Lineitem name|Lineitem sku|"
        "Refunded Amount|Cancelled at|Fulfillment Status|Referrer source|Referrer name|"
        "Total sales|Online store visitors|Sessions converted|Sessions that completed checkout"
    ),
    "woocommerce": _names(
        "Order Number|Order Status|Order Total|Order Total Amount|Customer User|Billing Email|"
        "Order Date|Paid Date|Date Paid|Order Refund Amount"
    ),
    "ga4": _names(
        "Session source / medium|Session default channel group|Event name|Event timestamp|"
        "User pseudo ID|Purchase revenue|Total users|Active users|Ecommerce purchases|"
        "Total purchasers"
    ),
    "uci": _names("InvoiceNo|Invoice|InvoiceDate|StockCode|UnitPrice|CustomerID|Country"),
    "olist": _names(
        "order_purchase_timestamp|order_approved_at|order_status|review_id|review_score|"
        "review_creation_date|review_comment_message|payment_value|customer_unique_id|"
        "order_delivered_customer_date"
    ),
    "taobao_events": _names("behavior_type|user_geohash|item_category|category_id"),
}
PLATFORMS: tuple[str, ...] = (*PLATFORM_MARKERS, "generic")
CHINESE_PLATFORMS = frozenset({"sycm", "jd", "pdd", "douyin", "taobao_events"})
"""Platforms whose money is CNY unless the file says otherwise."""

# A unit written after a header: "支付金额(元)", "跳失率(%)", "Total (USD)", "时长（秒）".
_UNIT_SUFFIX = re.compile(
    r"\((?:元|万元|%|人|人次|次|个|件|笔|单|秒|s|sec|分钟|min|¥|\$|cny|rmb|usd|eur|gbp)\)$"
)
# Characters dropped from headers: whitespace (incl. NBSP, ideographic space), ZWSP/ZWJ/BOM,
# underscores, and the marker stars some exports put on required columns: "订单 编号*" → 订单编号.
_DROPPED = re.compile(r"[\s\u200b-\u200d\u2060\ufeff_*]+")
# Brackets NFKC leaves alone: 【元】 〔元〕 〖元〗 → (元)
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "〖": "(", "〗": ")"})
_MAX_PASSES = 5


def normalise_header(text: str | None) -> str:
    """Return the comparable form of a header cell; idempotent (RELIABILITY P14).

    NFKC (full-width letters, brackets and spaces become ASCII), other bracket styles become
    round ones, whitespace/ZWSP/underscores are dropped, letters lower-cased, and trailing unit
    suffixes removed: "支付金额（元）" → "支付金额", "Customer ID" → "customerid",
    "order_id" → "orderid", "Bounce rate (%)" → "bouncerate".
    """
    value = text or ""
    for _ in range(_MAX_PASSES):  # repeat until stable, so norm(norm(h)) == norm(h)
        step = unicodedata.normalize("NFKC", value).translate(_BRACKETS)
        step = _DROPPED.sub("", step).lower()
        while (stripped := _UNIT_SUFFIX.sub("", step)) != step and stripped:
            step = stripped
        if step == value:
            break
        value = step
    return value


@cache
def synonym_index(kind: str) -> dict[str, tuple[str, int]]:
    """Normalised header → (field, priority) for one kind; a lower priority number wins."""
    index: dict[str, tuple[str, int]] = {}
    for spec in PROFILES[kind].fields:
        for rank, synonym in enumerate(spec.synonyms):
            key = normalise_header(synonym)
            if key in index and index[key][0] != spec.name:
                raise ValueError(
                    f"{kind}: header {synonym!r} means both {index[key][0]} and {spec.name}"
                )
            index.setdefault(key, (spec.name, rank))
    return index


@cache
def derived_headers(kind: str) -> frozenset[str]:
    """Normalised headers an export of `kind` carries that are known but not imported."""
    return frozenset(normalise_header(h) for h in PROFILES[kind].derived) - set(synonym_index(kind))


@cache
def all_known_headers() -> frozenset[str]:
    """Every normalised header any profile knows, for finding the header row under title rows."""
    known: set[str] = set()
    for kind in PROFILES:
        known |= set(synonym_index(kind)) | derived_headers(kind)
    return frozenset(known)


@cache
def platform_markers() -> dict[str, frozenset[str]]:
    """PLATFORM_MARKERS with every header normalised."""
    return {p: frozenset(map(normalise_header, hs)) for p, hs in PLATFORM_MARKERS.items()}


def known_fields(kind: str) -> tuple[str, ...]:
    """The fields a column of a `kind` file can be mapped to (canonical and helper fields)."""
    return PROFILES[kind].field_names


def field_type(kind: str, field: str) -> str:
    """The parse type of `field` in `kind`."""
    return PROFILES[kind].field(field).type


def _check_against_schema() -> None:
    """Every stored field is a column of the kind's table, so profiles and schema cannot drift."""
    for kind, profile in PROFILES.items():
        columns = set(TABLES[kind].column_names)
        stray = [f.name for f in profile.fields if f.stored and f.name not in columns]
        if stray:
            raise ValueError(f"{kind}: fields {stray} are not columns of the {kind} table")


_check_against_schema()
