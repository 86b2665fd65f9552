-- name: funnel_orders
-- What:   the two funnel stages an orders export has (DESIGN "Funnel"): orders = orders created,
--         payments = orders paid (is_paid: paid_at set and not cancelled/refunded, or a positive
--         amount in a sales record). Visits, product views and inquiries are absent.
-- Grain:  one row per bucket × channel; an order belongs to the day it was created; bucket =
--         that day ($grain 'day'), the Monday of its ISO week cut at $start ($grain 'week') or
--         $start ($grain 'period').
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all), $grain.
-- Channels: renamed channels mapped to their current name as in funnel_traffic; orders without
--         a channel are grouped under NULL.
-- NULL:   gmv is NULL where no paid order in the group has an amount.
with renames(old_name, new_name) as (
    values ('直通车', '关键词推广'), ('引力魔方', '精准人群推广'), ('万相台', '全站推广')
),
scoped as (
    select case $grain when 'day' then o.created_at::date
                       when 'week' then greatest(date_trunc('week', o.created_at)::date,
                                                 $start::date)
                       else $start::date end            as bucket,
           coalesce(r.new_name, o.channel)              as channel,
           coalesce(o.is_paid, false)                   as paid,
           o.pay_amount
    from orders o
    left join renames r on r.old_name = o.channel
    where o.created_at >= $start::date and o.created_at < $end::date + interval 1 day
      and ($shop is null or o.shop = $shop)
      and ($platform is null or o.platform = $platform)
)
select bucket,
       channel,
       count(*)::bigint                             as orders,
       count(*) filter (where paid)::bigint         as payments,
       sum(pay_amount) filter (where paid)::double  as gmv
from scoped
group by bucket, channel
order by bucket, channel
