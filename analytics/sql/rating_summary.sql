-- name: rating_summary
-- What:   reviews in the period: how many, mean star rating, share of negative (1–2 star)
--         reviews, and the three DSR scores (描述相符 / 服务态度 / 物流服务) as the 180-day
--         mean of review rows ending at the period end, else the latest DSR snapshot.
-- Grain:  one row for the whole scope.
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all), $window_days (180).
-- NULL:   average and negative_share are NULL without rated reviews (reviews counts every
--         review row, rated or not, e.g. DSR-only rows). Each DSR score is taken per dimension:
--         the review-row mean over ($end - $window_days, $end] when that window has a value for
--         it, else the mean over shops of each shop's newest snapshot on or before $end, else NULL.
--         dsr_source says which: 'reviews', 'snapshot', or NULL; 'mixed' if dimensions differ.
with scoped as (
    select *
    from reviews
    where ($shop is null or shop = $shop)
      and ($platform is null or platform = $platform)
),
in_period as (
    select count(*)::bigint as reviews,
           avg(rating) as average,
           count(*) filter (where rating <= 2)::bigint / nullif(count(rating), 0) as negative_share
    from scoped
    where created_at >= $start and created_at < $end::date + 1
),
window_mean as (
    select avg(dsr_description) as description,
           avg(dsr_service) as service,
           avg(dsr_logistics) as logistics
    from scoped
    where created_at >= $end::date + 1 - $window_days::integer
      and created_at < $end::date + 1
),
latest_snapshot as (
    select avg(dsr_description) as description,
           avg(dsr_service) as service,
           avg(dsr_logistics) as logistics
    from (
        select *, row_number() over (partition by shop order by date desc) as newest
        from dsr
        where date <= $end
          and ($shop is null or shop = $shop)
          and ($platform is null or platform = $platform)
    )
    where newest = 1
),
combined as (
    select i.reviews, i.average, i.negative_share,
           coalesce(w.description, s.description) as dsr_description,
           coalesce(w.service, s.service) as dsr_service,
           coalesce(w.logistics, s.logistics) as dsr_logistics,
           (w.description is not null)::int + (w.service is not null)::int
             + (w.logistics is not null)::int as from_reviews,
           (w.description is null and s.description is not null)::int
             + (w.service is null and s.service is not null)::int
             + (w.logistics is null and s.logistics is not null)::int as from_snapshot
    from in_period i, window_mean w, latest_snapshot s
)
select reviews, average, negative_share, dsr_description, dsr_service, dsr_logistics,
       case when from_reviews > 0 and from_snapshot > 0 then 'mixed'
            when from_reviews > 0 then 'reviews'
            when from_snapshot > 0 then 'snapshot' end as dsr_source
from combined
