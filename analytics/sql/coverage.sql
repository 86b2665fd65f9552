-- name: coverage
-- What:   what the workspace holds, per data kind: rows, first and last day, shops, platforms,
--         and the currencies (orders) and visitor units (traffic) the rows declare.
-- Grain:  one row per data kind that has at least one row in scope (kinds without rows are
--         absent, not a row of zeros).
-- Params: $shop, $platform (NULL = all).
-- Dates:  traffic/dsr/products by `date`, orders/reviews by `created_at`, events by `ts`, as days.
-- NULL:   currencies/visitor_units are empty lists where the kind has no such column or value.
-- Speed:  each table is first reduced to one row per (shop, platform, currency/unit) — a handful —
--         so the per-kind lists are built from those rows, not from one list entry per row.
with scoped(kind, shop, platform, currency, visitor_unit, n, first_date, last_date) as (
    select 'traffic', shop, platform, null, visitor_unit, count(*), min(date), max(date)
    from traffic group by all
    union all
    select 'orders', shop, platform, currency, null, count(*),
           min(created_at)::date, max(created_at)::date
    from orders group by all
    union all
    select 'reviews', shop, platform, null, null, count(*),
           min(created_at)::date, max(created_at)::date
    from reviews group by all
    union all
    select 'dsr', shop, platform, null, null, count(*), min(date), max(date)
    from dsr group by all
    union all
    select 'products', shop, platform, null, null, count(*), min(date), max(date)
    from products group by all
    union all
    select 'events', shop, platform, null, null, count(*), min(ts)::date, max(ts)::date
    from events group by all
)
select kind,
       sum(n)::bigint                                                     as rows,
       min(first_date)                                                    as first_date,
       max(last_date)                                                     as last_date,
       list_sort(list_distinct(list(shop)))                               as shops,
       list_sort(list_distinct(list(platform)))                           as platforms,
       list_sort(list_distinct(list(currency)))                           as currencies,
       list_sort(list_distinct(list(visitor_unit)))                       as visitor_units
from scoped
where ($shop is null or shop = $shop)
  and ($platform is null or platform = $platform)
group by kind
order by kind
