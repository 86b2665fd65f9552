-- name: funnel_events
-- What:   the ordered per-user funnel from an event log (DESIGN "Funnel"). A user enters at their
--         first event in the bucket (time t0, channel of that event). Each later stage counts if
--         the user has an event of that stage at or after the moment they reached the previous
--         PRESENT stage and no later than t0 + $window_days days. Stages: visits = any event,
--         product views = product_view (Taobao 'pv'), inquiries = inquiry, orders = order,
--         payments = payment (Taobao 'buy'). cart and fav are intent signals: users with such an
--         event in [t0, t0 + window], reported beside the funnel, never a stage.
-- Grain:  one row per bucket × entry channel; bucket = the entry day ($grain 'day'), the Monday
--         of its ISO week cut at $start ($grain 'week') or $start ($grain 'period').
-- Params: $start, $end (inclusive dates: the days users can enter), $shop, $platform
--         (NULL = all), $grain, $window_days (conversion window; events up to $end::date + window count).
-- Present: a stage is present when the scope has at least one event of that stage in the
--         period; an absent stage is skipped (its column NULL) and the chain bridges across it.
-- Channels: renamed channels mapped to their current name as in funnel_traffic.
-- NULL:   stage columns are NULL for absent stages, never 0.
with renames(old_name, new_name) as (
    values ('直通车', '关键词推广'), ('引力魔方', '精准人群推广'), ('万相台', '全站推广')
),
stage_of(event, stage) as (
    values ('visit', 'visits'), ('product_view', 'product_views'), ('pv', 'product_views'),
           ('inquiry', 'inquiries'), ('order', 'orders'), ('payment', 'payments'),
           ('buy', 'payments'), ('cart', 'cart'), ('fav', 'fav')
),
scoped as (
    select e.user_id, e.ts, s.stage, coalesce(r.new_name, e.channel) as channel
    from events e
    left join stage_of s on s.event = e.event
    left join renames r on r.old_name = e.channel
    where e.ts >= $start::date and e.ts < $end::date + to_days($window_days::integer + 1)
      and ($shop is null or e.shop = $shop)
      and ($platform is null or e.platform = $platform)
),
present as (
    select coalesce(bool_or(stage = 'product_views'), false) as has_product_views,
           coalesce(bool_or(stage = 'inquiries'), false)     as has_inquiries,
           coalesce(bool_or(stage = 'orders'), false)        as has_orders,
           coalesce(bool_or(stage = 'payments'), false)      as has_payments
    from scoped
    where ts < $end::date + interval 1 day
),
entries as (
    select case $grain when 'day' then ts::date
                       when 'week' then greatest(date_trunc('week', ts)::date, $start::date)
                       else $start::date end                           as bucket,
           user_id,
           min(ts)                                                     as t0,
           arg_min(channel, ts)                                        as channel
    from scoped
    where ts < $end::date + interval 1 day
    group by all
),
-- one stage at a time: the first event of the stage at/after the previous present stage
reach_product_views as (
    select n.bucket, n.user_id, n.t0, n.channel,
           case when p.has_product_views then
               (select min(e.ts) from scoped e
                where e.user_id = n.user_id and e.stage = 'product_views'
                  and e.ts >= n.t0 and e.ts <= n.t0 + to_days($window_days::integer))
           else n.t0 end                                               as t_product_views
    from entries n, present p
),
reach_inquiries as (
    select n.*,
           case when not p.has_inquiries then n.t_product_views
                when n.t_product_views is null then null
                else (select min(e.ts) from scoped e
                      where e.user_id = n.user_id and e.stage = 'inquiries'
                        and e.ts >= n.t_product_views
                        and e.ts <= n.t0 + to_days($window_days::integer)) end as t_inquiries
    from reach_product_views n, present p
),
reach_orders as (
    select n.*,
           case when not p.has_orders then n.t_inquiries
                when n.t_inquiries is null then null
                else (select min(e.ts) from scoped e
                      where e.user_id = n.user_id and e.stage = 'orders'
                        and e.ts >= n.t_inquiries
                        and e.ts <= n.t0 + to_days($window_days::integer)) end as t_orders
    from reach_inquiries n, present p
),
reach_payments as (
    select n.*,
           case when not p.has_payments then n.t_orders
                when n.t_orders is null then null
                else (select min(e.ts) from scoped e
                      where e.user_id = n.user_id and e.stage = 'payments'
                        and e.ts >= n.t_orders
                        and e.ts <= n.t0 + to_days($window_days::integer)) end as t_payments
    from reach_orders n, present p
),
intent as (
    select n.bucket, n.user_id,
           bool_or(e.stage = 'cart') as carted,
           bool_or(e.stage = 'fav')  as faved
    from entries n
    join scoped e on e.user_id = n.user_id and e.stage in ('cart', 'fav')
                 and e.ts >= n.t0 and e.ts <= n.t0 + to_days($window_days::integer)
    group by all
)
select f.bucket,
       f.channel,
       count(*)::bigint                                                          as visits,
       case when any_value(p.has_product_views) then count(f.t_product_views) end::bigint
                                                                                 as product_views,
       case when any_value(p.has_inquiries) then count(f.t_inquiries) end::bigint as inquiries,
       case when any_value(p.has_orders) then count(f.t_orders) end::bigint      as orders,
       case when any_value(p.has_payments) then count(f.t_payments) end::bigint  as payments,
       count(*) filter (where i.carted)::bigint                                  as cart,
       count(*) filter (where i.faved)::bigint                                   as fav
from reach_payments f
cross join present p
left join intent i on i.bucket = f.bucket and i.user_id = f.user_id
group by f.bucket, f.channel
order by f.bucket, f.channel
