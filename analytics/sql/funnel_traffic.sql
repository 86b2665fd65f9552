-- name: funnel_traffic
-- What:   the five funnel stages from the traffic table (DESIGN "Funnel"): visits = Σ visitors
--         (访客数), product views = Σ product_visitors (商品访客数), inquiries = Σ inquiries
--         (咨询人数), orders = Σ order_buyers (下单买家数), on rows without it Σ orders, payments =
--         Σ paying_buyers (支付买家数); beside them page views (浏览量, views not people), cart
--         buyers, GMV and ad cost.
-- Grain:  one row per bucket × channel over [$start, $end]; bucket = the date ($grain 'day'),
--         the Monday of its ISO week ($grain 'week', cut at the period edges) or $start
--         ($grain 'period': one bucket for the whole period).
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all), $grain.
-- Channels: renamed channels are mapped to their current name (直通车→关键词推广,
--         引力魔方→精准人群推广, 万相台→全站推广) so that history and now line up.
-- NULL:   a stage sum is NULL when no row in the group has the column: the stage is missing
--         (skipped in the funnel), not zero. `days` counts distinct dates: visitors summed over
--         more than one day are visitor-days. visitor_units lists the units the rows declare.
with renames(old_name, new_name) as (
    values ('直通车', '关键词推广'), ('引力魔方', '精准人群推广'), ('万相台', '全站推广')
),
scoped as (
    select case $grain when 'day' then t.date
                       when 'week' then greatest(date_trunc('week', t.date)::date, $start::date)
                       else $start::date end                    as bucket,
           coalesce(r.new_name, t.channel)                      as channel,
           t.date, t.visitors, t.product_visitors, t.page_views, t.inquiries, t.cart_buyers,
           coalesce(t.order_buyers, t.orders)                   as order_people,
           t.paying_buyers, t.pay_amount, t.ad_cost, t.visitor_unit
    from traffic t
    left join renames r on r.old_name = t.channel
    where t.date between $start::date and $end::date
      and ($shop is null or t.shop = $shop)
      and ($platform is null or t.platform = $platform)
)
select bucket,
       channel,
       count(distinct date)::bigint                 as days,
       sum(visitors)::bigint                        as visits,
       sum(product_visitors)::bigint                as product_views,
       sum(inquiries)::bigint                       as inquiries,
       sum(order_people)::bigint                    as orders,
       sum(paying_buyers)::bigint                   as payments,
       sum(page_views)::bigint                      as page_views,
       sum(cart_buyers)::bigint                     as cart,
       sum(pay_amount)::double                      as gmv,
       sum(ad_cost)::double                         as ad_cost,
       list_sort(list_distinct(list(visitor_unit))) as visitor_units
from scoped
group by bucket, channel
order by bucket, channel
