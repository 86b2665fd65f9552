-- name: conversion_trend
-- What:   visitors and the four conversion rates of DESIGN.md "Rates" per day or per ISO week,
--         from the traffic table: pay conversion 支付转化率 = paying_buyers / visitors,
--         order conversion 下单转化率 = order_buyers / visitors, inquiry conversion 咨询转化率 =
--         order_buyers / inquiries, payment rate 付款率 = paying_buyers / order_buyers.
-- Grain:  one row per bucket that has traffic rows: the date ($grain = 'day') or the Monday
--         starting the ISO week ($grain = 'week'); weeks are cut at the period edges.
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all), $grain ('day'|'week'),
--         $immature_days (the newest N days of traffic data in scope are not final yet).
-- NULL:   each rate sums its numerator and denominator over the same rows (rows where both are
--         present), so a channel that does not report inquiries does not dilute the rate; a rate
--         is NULL where that denominator is 0 or absent — no data is not 0 %.
--         Order buyers fall back to the order count on rows without order_buyers (DESIGN funnel).
-- visitor_unit: 'visitors' (UV) or 'sessions' (Shopify) of the bucket's rows, 'mixed' when a
--         bucket adds both (scope to one shop/platform to avoid it), NULL when unknown.
-- immature: the bucket contains one of the newest $immature_days dates of the scope's traffic
--         (refunds and presale balances still move those days).
with scoped as (
    select *,
           coalesce(order_buyers, orders) as order_people
    from traffic
    where ($shop is null or shop = $shop)
      and ($platform is null or platform = $platform)
),
newest as (
    select max(date) as last_date from scoped
),
rows_in_period as (
    select case when $grain = 'week' then date_trunc('week', date)::date else date end as bucket,
           date, visitors, inquiries, order_people, paying_buyers, visitor_unit
    from scoped
    where date between $start and $end
)
select bucket,
       sum(visitors)::bigint as visitors,
       sum(case when paying_buyers is not null then paying_buyers end)
         / nullif(sum(case when paying_buyers is not null then visitors end), 0)
         as pay_conversion,
       sum(case when order_people is not null then order_people end)
         / nullif(sum(case when order_people is not null then visitors end), 0)
         as order_conversion,
       sum(case when inquiries is not null then order_people end)
         / nullif(sum(case when order_people is not null then inquiries end), 0)
         as inquiry_conversion,
       sum(case when order_people is not null then paying_buyers end)
         / nullif(sum(case when paying_buyers is not null then order_people end), 0)
         as payment_rate,
       coalesce(max(date) > (select last_date from newest) - $immature_days, false) as immature,
       case when count(distinct visitor_unit) > 1 then 'mixed'
            else any_value(visitor_unit) end as visitor_unit
from rows_in_period
group by bucket
order by bucket
