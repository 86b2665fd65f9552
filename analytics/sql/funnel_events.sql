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
-- How:    (speed: 10M events in a few seconds; benchmarks/event_funnel.py) times are BIGINT epoch
--         microseconds and stages small integer codes. One hash aggregate over the period's events
--         gives each entry (bucket × user) its t0, channel and the first product view inside its
--         bucket: a bucket's rows come before any later row, so that view is the first one at or
--         after t0. Only entries without a view in their bucket look further, joined to the later
--         product views. Each later stage is a join of the (shrinking) set of users still in the
--         chain with that stage's events alone (a few % of the log) and a min per entry — no
--         per-stage self-join of the whole log, no window function, no sort.
with renames(old_name, new_name) as (
    values ('直通车', '关键词推广'), ('引力魔方', '精准人群推广'), ('万相台', '全站推广')
),
scoped as not materialized (
    select e.user_id, e.ts, epoch_us(e.ts) as t, e.channel,
           case e.event when 'product_view' then 1 when 'pv' then 1 when 'inquiry' then 2
                        when 'order' then 3 when 'payment' then 4 when 'buy' then 4
                        when 'cart' then 5 when 'fav' then 6 else 0 end as code
    from events e
    where e.ts >= $start::date and e.ts < $end::date + to_days($window_days::integer + 1)
      and ($shop is null or e.shop = $shop)
      and ($platform is null or e.platform = $platform)
),
-- the events that are not plain visits (stages 1–4, cart 5, fav 6), window tail included
staged as materialized (
    select user_id, t, code from scoped where code > 0
),
present as (
    select coalesce(bool_or(code = 1), false) as has1,
           coalesce(bool_or(code = 2), false) as has2,
           coalesce(bool_or(code = 3), false) as has3,
           coalesce(bool_or(code = 4), false) as has4
    from staged
    where t < epoch_us($end::date + interval 1 day)
),
entries as materialized (
    select case $grain when 'day' then ts::date
                       when 'week' then greatest(date_trunc('week', ts)::date, $start::date)
                       else $start::date end                           as bucket,
           user_id,
           min(t)                                                      as t0,
           arg_min(channel, t)                                         as channel,
           min(t) filter (where code = 1)                              as first_view_in_bucket
    from scoped
    where ts < $end::date + interval 1 day
    group by all
),
-- r1…r4: the entries that reached each stage, tk = when (the bridged time for an absent stage)
r1 as (
    select bucket, user_id, channel, t0, first_view_in_bucket as tk
    from entries, present
    where has1 and first_view_in_bucket <= t0 + $window_days::bigint * 86400000000
    union all
    -- no view in the bucket: the first view after it (only views after the first bucket can be)
    select n.bucket, n.user_id, any_value(n.channel), any_value(n.t0), min(s.t)
    from entries n, present p
    join staged s on s.user_id = n.user_id and s.code = 1
                 and s.t >= epoch_us(case $grain
                                     when 'day' then $start::date + interval 1 day
                                     when 'week' then least(date_trunc('week', $start::date)
                                                            + interval 7 day,
                                                            $end::date + interval 1 day)
                                     else $end::date + interval 1 day end)
    where p.has1 and n.first_view_in_bucket is null
      and s.t >= n.t0 and s.t <= n.t0 + $window_days::bigint * 86400000000
    group by n.bucket, n.user_id
    union all
    select bucket, user_id, channel, t0, t0 from entries, present where not has1
),
r2 as (
    select n.bucket, n.user_id, any_value(n.channel) as channel, any_value(n.t0) as t0,
           min(s.t) as tk
    from r1 n, present p
    join staged s on s.user_id = n.user_id and s.code = 2
    where p.has2 and s.t >= n.tk and s.t <= n.t0 + $window_days::bigint * 86400000000
    group by n.bucket, n.user_id
    union all
    select r1.* from r1, present where not has2
),
r3 as (
    select n.bucket, n.user_id, any_value(n.channel) as channel, any_value(n.t0) as t0,
           min(s.t) as tk
    from r2 n, present p
    join staged s on s.user_id = n.user_id and s.code = 3
    where p.has3 and s.t >= n.tk and s.t <= n.t0 + $window_days::bigint * 86400000000
    group by n.bucket, n.user_id
    union all
    select r2.* from r2, present where not has3
),
r4 as (
    select n.bucket, n.user_id, any_value(n.channel) as channel, any_value(n.t0) as t0,
           min(s.t) as tk
    from r3 n, present p
    join staged s on s.user_id = n.user_id and s.code = 4
    where p.has4 and s.t >= n.tk and s.t <= n.t0 + $window_days::bigint * 86400000000
    group by n.bucket, n.user_id
    union all
    select r3.* from r3, present where not has4
),
intent as (
    select n.bucket, n.channel, bool_or(s.code = 5) as carted, bool_or(s.code = 6) as faved
    from entries n
    join staged s on s.user_id = n.user_id and s.code >= 5
    where s.t >= n.t0 and s.t <= n.t0 + $window_days::bigint * 86400000000
    group by n.bucket, n.user_id, n.channel
),
counts as (
    select bucket, channel, 0 as k, count(*) as n from entries group by all
    union all select bucket, channel, 1, count(*) from r1 group by all
    union all select bucket, channel, 2, count(*) from r2 group by all
    union all select bucket, channel, 3, count(*) from r3 group by all
    union all select bucket, channel, 4, count(*) from r4 group by all
    union all select bucket, channel, 5, count(*) filter (where carted) from intent group by all
    union all select bucket, channel, 6, count(*) filter (where faved) from intent group by all
)
select c.bucket,
       coalesce(r.new_name, c.channel)                                          as channel,
       coalesce(sum(c.n) filter (where c.k = 0), 0)::bigint                     as visits,
       case when any_value(p.has1) then coalesce(sum(c.n) filter (where c.k = 1), 0) end::bigint
                                                                                as product_views,
       case when any_value(p.has2) then coalesce(sum(c.n) filter (where c.k = 2), 0) end::bigint
                                                                                as inquiries,
       case when any_value(p.has3) then coalesce(sum(c.n) filter (where c.k = 3), 0) end::bigint
                                                                                as orders,
       case when any_value(p.has4) then coalesce(sum(c.n) filter (where c.k = 4), 0) end::bigint
                                                                                as payments,
       coalesce(sum(c.n) filter (where c.k = 5), 0)::bigint                     as cart,
       coalesce(sum(c.n) filter (where c.k = 6), 0)::bigint                     as fav
from counts c
cross join present p
left join renames r on r.old_name = c.channel
group by 1, 2
order by 1, 2
