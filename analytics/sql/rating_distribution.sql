-- name: rating_distribution
-- What:   how many reviews in the period gave 1, 2, 3, 4 and 5 stars, and each star's share.
-- Grain:  always five rows, rating 1..5 (a star nobody gave has 0 reviews, not a missing row).
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all).
-- NULL:   reviews without a rating are not counted; share is NULL when no review is rated.
--         Fractional ratings (averaged exports) go to the nearest star (4.5 → 5); ratings outside
--         1–5 are not counted.
with rated as (
    select round(rating)::integer as star
    from reviews
    where created_at >= $start and created_at < $end::date + 1
      and rating is not null
      and ($shop is null or shop = $shop)
      and ($platform is null or platform = $platform)
),
stars as (
    select range::integer as rating from range(1, 6)
),
counted as (
    select s.rating, count(r.star)::bigint as reviews
    from stars s
    left join rated r on r.star = s.rating
    group by s.rating
)
select rating, reviews, reviews / nullif(sum(reviews) over (), 0) as share
from counted
order by rating
