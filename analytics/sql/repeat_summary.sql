-- name: repeat_summary
-- What:   repeat purchase (复购) in the period, from paid orders with a customer id:
--         customers (≥ 1 paid order in the period), repeat customers (≥ 2 distinct paid orders in
--         the period, same day included), returning customers (paid in the period AND before it,
--         老客), the returning customers' share of the period's paid amount (老客销售占比), and the
--         median calendar days between a customer's 1st and 2nd paid order over all history up
--         to the period end.
-- Grain:  one row for the whole scope. A customer is (shop, customer_id): ids are per shop.
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all).
-- NULL:   rates are NULL with no customers; returning_revenue_share is NULL when the period's
--         paid amount is 0 or absent; median_days_to_second is NULL when no customer has a
--         second paid order by $end. Orders without customer_id (NULL or '') are left out.
--         An order's moment is paid_at, else created_at (exports without a pay time).
with paid as (
    select shop, customer_id, order_id,
           coalesce(paid_at, created_at) as paid_ts,
           pay_amount
    from orders
    where is_paid
      and customer_id is not null and customer_id <> ''
      and coalesce(paid_at, created_at) < $end::date + 1
      and ($shop is null or shop = $shop)
      and ($platform is null or platform = $platform)
),
per_customer as (
    select shop, customer_id,
           count(distinct order_id) filter (where paid_ts >= $start) as orders_in_period,
           sum(pay_amount) filter (where paid_ts >= $start) as amount_in_period,
           count(*) filter (where paid_ts < $start) > 0 as paid_before
    from paid
    group by shop, customer_id
),
in_period as (
    select * from per_customer where orders_in_period > 0
),
ranked as (
    select shop, customer_id, paid_ts,
           row_number() over (partition by shop, customer_id order by paid_ts, order_id) as nth
    from paid
),
second_gap as (
    select date_diff('day', min(paid_ts) filter (where nth = 1)::date,
                            min(paid_ts) filter (where nth = 2)::date) as days
    from ranked
    where nth <= 2
    group by shop, customer_id
    having count(*) = 2
)
select count(*)::bigint as customers,
       count(*) filter (where orders_in_period >= 2)::bigint as repeat_customers,
       count(*) filter (where orders_in_period >= 2) / nullif(count(*), 0) as repeat_rate,
       count(*) filter (where paid_before)::bigint as returning_customers,
       count(*) filter (where paid_before) / nullif(count(*), 0) as returning_customer_rate,
       coalesce(sum(amount_in_period) filter (where paid_before), 0)::double
         / nullif(sum(amount_in_period), 0)::double as returning_revenue_share,
       (select median(days) from second_gap)::double as median_days_to_second
from in_period
