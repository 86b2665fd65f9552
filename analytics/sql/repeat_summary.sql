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
-- Speed:  one pass over the paid orders, one group per customer (no window, no DISTINCT):
--         (shop, order_id) is the table's key, so count(order_id) counts distinct orders, and
--         min(paid_ts, 2) keeps a customer's two earliest moments for the days to the 2nd order.
with per_customer as (
    select count(order_id) filter (where paid_ts >= $start) as orders_in_period,
           sum(pay_amount) filter (where paid_ts >= $start) as amount_in_period,
           min(paid_ts) < $start as paid_before,
           min(paid_ts, 2) as firsts
    from (select shop, customer_id, order_id, pay_amount, coalesce(paid_at, created_at) as paid_ts
          from orders
          where is_paid
            and customer_id is not null and customer_id <> ''
            and coalesce(paid_at, created_at) < $end::date + 1
            and ($shop is null or shop = $shop)
            and ($platform is null or platform = $platform))
    group by shop, customer_id
)
select count(*) filter (where orders_in_period > 0)::bigint as customers,
       count(*) filter (where orders_in_period >= 2)::bigint as repeat_customers,
       count(*) filter (where orders_in_period >= 2)
         / nullif(count(*) filter (where orders_in_period > 0), 0) as repeat_rate,
       count(*) filter (where orders_in_period > 0 and paid_before)::bigint as returning_customers,
       count(*) filter (where orders_in_period > 0 and paid_before)
         / nullif(count(*) filter (where orders_in_period > 0), 0) as returning_customer_rate,
       coalesce(sum(amount_in_period) filter (where orders_in_period > 0 and paid_before),
                0)::double
         / nullif(sum(amount_in_period) filter (where orders_in_period > 0), 0)::double
         as returning_revenue_share,
       median(date_diff('day', firsts[1]::date, firsts[2]::date))
         filter (where len(firsts) = 2)::double as median_days_to_second
from per_customer
