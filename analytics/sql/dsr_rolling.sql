-- name: dsr_rolling
-- What:   for each day of the period, the mean of each DSR score (描述相符 / 服务态度 / 物流服务)
--         over the review rows of the $window_days days ending that day — how Taobao computes the
--         shop's DSR (last 180 days). Days before the period start count in the window.
-- Grain:  one row per calendar day in [$start, $end] (dense: days without reviews still appear).
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all), $window_days.
-- NULL:   a score is NULL on a day whose window holds no review with that score; `reviews` is the
--         number of review rows with at least one DSR score in the window.
with daily as (
    select created_at::date as day,
           sum(dsr_description) as sum_description, count(dsr_description) as n_description,
           sum(dsr_service) as sum_service, count(dsr_service) as n_service,
           sum(dsr_logistics) as sum_logistics, count(dsr_logistics) as n_logistics,
           count(*) filter (where dsr_description is not null or dsr_service is not null
                            or dsr_logistics is not null) as n_reviews
    from reviews
    where created_at >= $start::date - ($window_days::integer - 1)
      and created_at < $end::date + 1
      and ($shop is null or shop = $shop)
      and ($platform is null or platform = $platform)
    group by all
),
calendar as (
    select range::date as day
    from range($start::date - ($window_days::integer - 1), $end::date + 1, interval 1 day)
),
rolled as (
    select c.day,
           sum(d.sum_description) over w as sum_description,
           sum(d.n_description) over w as n_description,
           sum(d.sum_service) over w as sum_service,
           sum(d.n_service) over w as n_service,
           sum(d.sum_logistics) over w as sum_logistics,
           sum(d.n_logistics) over w as n_logistics,
           sum(d.n_reviews) over w as n_reviews
    from calendar c
    left join daily d on d.day = c.day
    window w as (order by c.day rows between $window_days::integer - 1 preceding and current row)
)
select day as date,
       sum_description / nullif(n_description, 0) as description,
       sum_service / nullif(n_service, 0) as service,
       sum_logistics / nullif(n_logistics, 0) as logistics,
       coalesce(n_reviews, 0)::bigint as reviews
from rolled
where day >= $start
order by day
