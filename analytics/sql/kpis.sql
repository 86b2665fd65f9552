-- name: kpis
-- What:   the operator's formula GMV = visitors × pay conversion × AOV (客单价), two ways:
--         from traffic: GMV = Σ pay_amount, visitors = Σ visitors, paying buyers =
--         Σ paying_buyers, pay conversion 支付转化率 = paying buyers / visitors, AOV = GMV /
--         paying buyers, UV value UV价值 = GMV / visitors, orders = Σ orders;
--         from orders (o_*): orders created in the period, and among orders paid in the period
--         (is_paid, moment = paid_at else created_at, as in order_summary) GMV and paying buyers
--         = distinct customers, a paid order without customer_id counting as its own buyer.
-- Grain:  one row over [$start, $end] (always one row; traffic_rows / o_orders = 0 when none).
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all).
-- NULL:   a sum is NULL when no row has that column (missing, not zero); a rate is NULL where its
--         denominator is 0 or NULL. Pay conversion and UV value divide over the rows that report
--         the numerator, so a channel without paying_buyers does not dilute the rate.
--         Visitors are daily UV summed over days and channels: visitor-days (DESIGN).
with t as (
    select count(*)::bigint                                                      as traffic_rows,
           sum(visitors)::bigint                                                 as visitors,
           sum(paying_buyers)::bigint                                            as paying_buyers,
           sum(pay_amount)::double                                               as gmv,
           sum(orders)::bigint                                                   as orders,
           sum(paying_buyers) filter (where paying_buyers is not null)::double
             / nullif(sum(visitors) filter (where paying_buyers is not null), 0) as pay_conversion,
           sum(pay_amount)::double / nullif(sum(paying_buyers), 0)               as aov,
           sum(pay_amount) filter (where pay_amount is not null)::double
             / nullif(sum(visitors) filter (where pay_amount is not null), 0)    as uv_value
    from traffic
    where date between $start::date and $end::date
      and ($shop is null or shop = $shop)
      and ($platform is null or platform = $platform)
),
-- The orders side reads only the period's orders: paying buyers = distinct customer ids of the
-- paid orders + distinct order ids of those without one (the two kinds never coincide), each
-- counted over its own rows, without building a text key per row.
o_paid as (
    select nullif(customer_id, '') as customer, pay_amount
    from orders
    where is_paid
      and coalesce(paid_at, created_at) >= $start::date
      and coalesce(paid_at, created_at) < $end::date + interval 1 day
      and ($shop is null or shop = $shop)
      and ($platform is null or platform = $platform)
),
o as (
    select (select count(*)
            from orders
            where created_at >= $start::date and created_at < $end::date + interval 1 day
              and ($shop is null or shop = $shop)
              and ($platform is null or platform = $platform))::bigint       as o_orders,
           count(*)::bigint                                                   as o_paid_orders,
           (count(distinct customer)
             + (select count(distinct order_id)
                from orders
                where is_paid and coalesce(customer_id, '') = ''
                  and coalesce(paid_at, created_at) >= $start::date
                  and coalesce(paid_at, created_at) < $end::date + interval 1 day
                  and ($shop is null or shop = $shop)
                  and ($platform is null or platform = $platform)))::bigint  as o_paying_buyers,
           sum(pay_amount)::double                                            as o_gmv
    from o_paid
)
select t.*, o.*,
       o.o_gmv / nullif(o.o_paying_buyers, 0) as o_aov
from t, o
