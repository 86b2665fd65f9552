-- name: channel_trend
-- What:   visitors, paying buyers, pay conversion and GMV per traffic channel per day or week.
-- Grain:  one row per bucket × channel with traffic in [$start, $end]; bucket = the date
--         ($grain 'day') or the Monday of its ISO week, cut at $start ($grain 'week').
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all), $grain.
-- Channels: renamed channels mapped to their current name as in channel_summary.
-- NULL:   pay conversion is NULL where no visitors report paying buyers; gmv is NULL where no
--         row has an amount.
with renames(old_name, new_name) as (
    values ('直通车', '关键词推广'), ('引力魔方', '精准人群推广'), ('万相台', '全站推广')
),
scoped as (
    select case when $grain = 'week'
                then greatest(date_trunc('week', t.date)::date, $start::date)
                else t.date end                  as bucket,
           coalesce(r.new_name, t.channel)       as channel,
           t.visitors, t.paying_buyers, t.pay_amount
    from traffic t
    left join renames r on r.old_name = t.channel
    where t.date between $start::date and $end::date
      and ($shop is null or t.shop = $shop)
      and ($platform is null or t.platform = $platform)
)
select bucket,
       channel,
       sum(visitors)::bigint                                                  as visitors,
       sum(paying_buyers)::bigint                                             as paying_buyers,
       sum(paying_buyers)::double
         / nullif(sum(visitors) filter (where paying_buyers is not null), 0)  as pay_conversion,
       sum(pay_amount)::double                                                as gmv
from scoped
group by bucket, channel
order by bucket, channel
