"""The canonical tables of a workspace: one per data kind, the single source of truth.

Every importer produces a DataFrame with exactly the `columns` of its kind (in this order,
`shop` and `import_id` excluded: the workspace adds them); metrics read only these tables.
`key` is the natural key: a newer import with the same key replaces the row (last writer wins)
and the replaced row is kept in `<table>_replaced` so an undo can bring it back.

Types: counts are BIGINT, money is DECIMAL(18,2) (exact to the cent), rates and scores DOUBLE,
IDs are VARCHAR (never numbers: leading zeros and 18-digit order ids must survive).
"""

from __future__ import annotations

from dataclasses import dataclass

MONEY = "DECIMAL(18,2)"


@dataclass(frozen=True)
class Table:
    """A canonical table: its kind, ordered (name, DuckDB type) columns, key and required fields."""

    kind: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    required: tuple[str, ...]
    # For kinds without a natural key, rows are deduplicated on all columns (events).

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def type_of(self, column: str) -> str:
        return dict(self.columns)[column]


TRAFFIC = Table(
    kind="traffic",
    columns=(
        ("platform", "VARCHAR"),
        ("date", "DATE"),
        ("channel", "VARCHAR"),
        ("sub_channel", "VARCHAR"),  # '' when the export has no second level
        ("visitors", "BIGINT"),
        ("product_visitors", "BIGINT"),
        ("page_views", "BIGINT"),
        ("inquiries", "BIGINT"),
        ("cart_buyers", "BIGINT"),
        ("order_buyers", "BIGINT"),
        ("orders", "BIGINT"),
        ("paying_buyers", "BIGINT"),
        ("pay_amount", MONEY),
        ("bounce_rate", "DOUBLE"),
        ("avg_stay_seconds", "DOUBLE"),
        ("ad_cost", MONEY),
        # 'visitors' (UV) or 'sessions' (Shopify): never mixed unmarked
        ("visitor_unit", "VARCHAR"),
    ),
    key=("shop", "date", "channel", "sub_channel"),
    required=("date", "channel", "visitors"),
)

ORDERS = Table(
    kind="orders",
    columns=(
        ("platform", "VARCHAR"),
        ("order_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("customer_id", "VARCHAR"),
        ("paid_at", "TIMESTAMP"),
        ("status", "VARCHAR"),  # canonical: pending | paid | cancelled | refunded, else NULL
        ("is_paid", "BOOLEAN"),  # decided at import by DESIGN.md's rules, so metrics stay simple
        ("pay_amount", MONEY),  # order total actually paid (lines summed for line exports)
        ("quantity", "BIGINT"),
        ("product_id", "VARCHAR"),  # first line's product for multi-line orders
        ("product_name", "VARCHAR"),
        ("channel", "VARCHAR"),
        ("refund_amount", MONEY),
        ("is_presale", "BOOLEAN"),
        ("currency", "VARCHAR"),  # 'CNY', 'USD', … or NULL when the file does not say
    ),
    key=("shop", "order_id"),
    required=("order_id", "created_at"),
)

REVIEWS = Table(
    kind="reviews",
    columns=(
        ("platform", "VARCHAR"),
        ("review_id", "VARCHAR"),  # the export's id, else a content hash
        ("created_at", "TIMESTAMP"),
        ("order_id", "VARCHAR"),
        ("product_id", "VARCHAR"),
        ("rating", "DOUBLE"),
        ("dsr_description", "DOUBLE"),
        ("dsr_service", "DOUBLE"),
        ("dsr_logistics", "DOUBLE"),
        ("text", "VARCHAR"),
    ),
    key=("shop", "review_id"),
    required=("created_at",),
)

DSR = Table(
    kind="dsr",
    columns=(
        ("platform", "VARCHAR"),
        ("date", "DATE"),
        ("dsr_description", "DOUBLE"),
        ("dsr_service", "DOUBLE"),
        ("dsr_logistics", "DOUBLE"),
        ("peer_description", "DOUBLE"),
        ("peer_service", "DOUBLE"),
        ("peer_logistics", "DOUBLE"),
        ("score_system", "VARCHAR"),  # 'dsr' (描述/服务/物流) or 'experience' (综合体验分 trio)
    ),
    key=("shop", "date"),
    required=("date", "dsr_description", "dsr_service", "dsr_logistics"),
)

PRODUCTS = Table(
    kind="products",
    columns=(
        ("platform", "VARCHAR"),
        ("date", "DATE"),
        ("product_id", "VARCHAR"),
        ("product_name", "VARCHAR"),
        ("product_visitors", "BIGINT"),
        ("page_views", "BIGINT"),
        ("cart_buyers", "BIGINT"),
        ("order_buyers", "BIGINT"),
        ("paying_buyers", "BIGINT"),
        ("pay_amount", MONEY),
        ("is_presale", "BOOLEAN"),
    ),
    key=("shop", "date", "product_id"),
    required=("date", "product_id", "product_visitors"),
)

EVENTS = Table(
    kind="events",
    columns=(
        ("platform", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("ts", "TIMESTAMP"),
        # canonical: visit | product_view | inquiry | order | payment | cart | fav
        ("event", "VARCHAR"),
        ("item_id", "VARCHAR"),
        ("category_id", "VARCHAR"),
        ("channel", "VARCHAR"),
    ),
    key=(),  # exact duplicates dropped
    required=("user_id", "ts", "event"),
)

TABLES: dict[str, Table] = {t.kind: t for t in (TRAFFIC, ORDERS, REVIEWS, DSR, PRODUCTS, EVENTS)}
KINDS: tuple[str, ...] = tuple(TABLES)

FUNNEL_STAGES: tuple[str, ...] = ("visits", "product_views", "inquiries", "orders", "payments")
