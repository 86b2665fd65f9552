-- name: channel_summary
-- What:   per traffic channel (DESIGN "Traffic sources") in a period and in the period before:
--         visitors, paying buyers, GMV, ad cost, pay conversion 支付转化率 = paying buyers /
--         visitors, AOV 客单价 = GMV / paying buyers, UV value UV价值 = GMV / visitors, cost per
--         visitor = ad cost / visitors and ROI = GMV / ad cost.
-- Grain:  one row per channel with traffic in [$start, $end] or in [$prev_start, $prev_end].
-- Params: $start, $end, $prev_start, $prev_end (inclusive dates), $shop, $platform (NULL = all).
-- Channels: renamed channels are mapped to their current name (直通车→关键词推广,
--         引力魔方→精准人群推广, 万相台→全站推广) so the previous period lines up with now.
-- NULL:   a rate is NULL where its denominator is 0 or absent. Pay conversion divides over the
--         rows that report paying buyers, cost per visitor over the rows that report ad cost;
--         ad_cost/roi are NULL for channels without ad cost (organic channels). A channel absent
--         from one period has NULL (not 0) values there.
with renames(old_name, new_name) as (
    values ('直通车', '关键词推广'), ('引力魔方', '精准人群推广'), ('万相台', '全站推广')
),
scoped as (
    select coalesce(r.new_name, t.channel) as channel,
           t.date between $start::date and $end::date as is_now,
           t.visitors, t.paying_buyers, t.pay_amount, t.ad_cost
    from traffic t
    left join renames r on r.old_name = t.channel
    where (t.date between $start::date and $end::date
           or t.date between $prev_start::date and $prev_end::date)
      and ($shop is null or t.shop = $shop)
      and ($platform is null or t.platform = $platform)
),
per_period as (
    select channel, is_now,
           sum(visitors)::bigint                                           as visitors,
           sum(paying_buyers)::bigint                                      as paying_buyers,
           sum(visitors) filter (where paying_buyers is not null)::bigint  as visitors_reporting,
           sum(pay_amount)::double                                         as gmv,
           sum(ad_cost)::double                                            as ad_cost,
           sum(visitors) filter (where ad_cost is not null)::bigint        as visitors_with_cost
    from scoped
    group by channel, is_now
)
select coalesce(n.channel, b.channel)                             as channel,
       n.visitors,
       n.paying_buyers,
       n.visitors_reporting,
       n.paying_buyers::double / nullif(n.visitors_reporting, 0)   as pay_conversion,
       n.gmv / nullif(n.paying_buyers, 0)                          as aov,
       n.gmv,
       n.gmv / nullif(n.visitors, 0)                               as uv_value,
       n.ad_cost,
       n.ad_cost / nullif(n.visitors_with_cost, 0)                 as cost_per_visitor,
       n.gmv / nullif(n.ad_cost, 0)                                as roi,
       b.visitors                                                  as visitors_prev,
       b.paying_buyers                                             as paying_buyers_prev,
       b.visitors_reporting                                        as visitors_reporting_prev,
       b.paying_buyers::double / nullif(b.visitors_reporting, 0)   as pay_conversion_prev,
       b.gmv                                                       as gmv_prev
from (select * from per_period where is_now) n
full outer join (select * from per_period where not is_now) b on b.channel = n.channel
order by n.visitors desc nulls last, channel
