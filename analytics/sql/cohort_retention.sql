-- name: cohort_retention
-- What:   monthly cohort retention: customers grouped by the month of their first paid order
--         (over all history), and for each later month how many of them paid again that month.
-- Grain:  one row per cohort month × months since the first purchase, dense: every month from
--         the cohort month to the month of $end appears (0 when nobody came back), for cohorts
--         whose first month lies in [month of $start, month of $end].
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all).
-- NULL:   none: retention's denominator (the cohort's size) is at least 1. months_since counts
--         calendar months (Dec 31 → Jan 1 is 1). Paid orders after $end are not seen, so the
--         newest month may be partial. A customer is (shop, customer_id); orders without a
--         customer id are left out; an order's moment is paid_at, else created_at.
-- Speed:  only the cohorts shown are joined back to their orders (a customer whose first order
--         is older is dropped by the HAVING), and `paid` is re-scanned rather than materialised.
with paid as not materialized (
    select shop, customer_id, coalesce(paid_at, created_at) as paid_ts
    from orders
    where is_paid
      and customer_id is not null and customer_id <> ''
      and coalesce(paid_at, created_at) < $end::date + 1
      and ($shop is null or shop = $shop)
      and ($platform is null or platform = $platform)
),
cohort_customers as (
    select shop, customer_id, date_trunc('month', min(paid_ts))::date as cohort_month
    from paid
    group by shop, customer_id
    having min(paid_ts) >= date_trunc('month', $start::date)
),
cohorts as (
    select cohort_month, count(*) as cohort_size
    from cohort_customers
    group by cohort_month
),
active as (
    select cohort_month, months_since, count(*) as customers
    from (select distinct c.shop, c.customer_id, c.cohort_month,
                 date_diff('month', c.cohort_month, date_trunc('month', p.paid_ts)::date)
                   as months_since
          from paid p
          join cohort_customers c using (shop, customer_id)
          where p.paid_ts >= date_trunc('month', $start::date))
    group by all
),
grid as (
    select c.cohort_month, c.cohort_size, g.months_since
    from cohorts c,
         lateral (select range as months_since
                  from range(0, date_diff('month', c.cohort_month,
                                          date_trunc('month', $end::date)) + 1)) g
)
select g.cohort_month,
       g.months_since::bigint as months_since,
       g.cohort_size::bigint as cohort_size,
       coalesce(a.customers, 0)::bigint as customers,
       coalesce(a.customers, 0) / g.cohort_size as retention
from grid g
left join active a using (cohort_month, months_since)
order by g.cohort_month, g.months_since
