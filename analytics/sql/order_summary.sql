-- name: order_summary
-- What:   the orders table in the period: orders placed, paid orders, paying customers, GMV
--         (Σ paid amount), average order value (GMV / paid orders, 笔单价) and refund rate
--         (退款率 = orders refunded / orders paid, by count, as the back-end shows it).
-- Grain:  one row for the whole scope.
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all).
-- Rules:  orders = orders created in the period (any status). Paid orders, customers and GMV
--         count orders with is_paid whose moment (paid_at, else created_at) is in the period;
--         refunded orders are not paid orders (is_paid is false for them) and not in GMV.
--         Refund rate's denominator is every order paid at some point in the period — paid orders
--         plus refunded ones (status 'refunded' or refund_amount > 0) — and its numerator the
--         refunded ones, partial refunds included.
-- NULL:   aov and refund_rate are NULL with no paid orders; gmv is NULL when no paid order has
--         an amount; customers is 0 when no order has a customer id.
-- Speed:  one pass over the orders whose moment is in the period; orders placed and distinct
--         customers are each counted over their own rows (a DISTINCT under FILTER would hash
--         every row of the pass).
with paid as (
    select is_paid,
           (status = 'refunded' or refund_amount > 0) is true as refunded,
           pay_amount
    from orders
    where coalesce(paid_at, created_at) >= $start
      and coalesce(paid_at, created_at) < $end::date + 1
      and ($shop is null or shop = $shop)
      and ($platform is null or platform = $platform)
),
totals as (
    select (select count(*)
            from orders
            where created_at >= $start and created_at < $end::date + 1
              and ($shop is null or shop = $shop)
              and ($platform is null or platform = $platform))::bigint as orders,
           count(*) filter (where is_paid)::bigint as paid_orders,
           (select count(*)
            from (select distinct shop, customer_id
                  from orders
                  where is_paid
                    and customer_id is not null and customer_id <> ''
                    and coalesce(paid_at, created_at) >= $start
                    and coalesce(paid_at, created_at) < $end::date + 1
                    and ($shop is null or shop = $shop)
                    and ($platform is null or platform = $platform)))::bigint as customers,
           (sum(pay_amount) filter (where is_paid))::double as gmv,
           count(*) filter (where refunded)::bigint as refunded_orders,
           count(*) filter (where is_paid or refunded)::bigint as ever_paid
    from paid
)
select orders,
       paid_orders,
       customers,
       gmv,
       gmv / nullif(paid_orders, 0) as aov,
       refunded_orders / nullif(ever_paid, 0) as refund_rate
from totals
