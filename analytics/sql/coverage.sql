-- name: coverage
-- What:   what the workspace holds, per data kind: rows, first and last day, shops, platforms,
--         and the currencies (orders) and visitor units (traffic) the rows declare.
-- Grain:  one row per data kind that has at least one row in scope (kinds without rows are
--         absent, not a row of zeros).
-- Params: $shop, $platform (NULL = all).
-- Dates:  traffic/dsr/products by `date`, orders/reviews by `created_at`, events by `ts`, as days.
-- NULL:   currencies/visitor_units are empty lists where the kind has no such column or value.
with scoped(kind, shop, platform, day, currency, visitor_unit) as (
    select 'traffic', shop, platform, date, null, visitor_unit from traffic
    union all
    select 'orders', shop, platform, created_at::date, currency, null from orders
    union all
    select 'reviews', shop, platform, created_at::date, null, null from reviews
    union all
    select 'dsr', shop, platform, date, null, null from dsr
    union all
    select 'products', shop, platform, date, null, null from products
    union all
    select 'events', shop, platform, ts::date, null, null from events
)
select kind,
       count(*)::bigint                                                   as rows,
       min(day)                                                           as first_date,
       max(day)                                                           as last_date,
       list_sort(list_distinct(list(shop)))                               as shops,
       list_sort(list_distinct(list(platform)))                           as platforms,
       list_sort(list_distinct(list(currency)))                           as currencies,
       list_sort(list_distinct(list(visitor_unit)))                       as visitor_units
from scoped
where ($shop is null or shop = $shop)
  and ($platform is null or platform = $platform)
group by kind
order by kind
