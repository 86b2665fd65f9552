-- name: kpis
-- What:   the operator's formula GMV = visitors × pay conversion × AOV (客单价), from the traffic
--         table: GMV = Σ pay_amount, visitors = Σ visitors, paying buyers = Σ paying_buyers,
--         pay conversion 支付转化率 = paying buyers / visitors, AOV = GMV / paying buyers,
--         UV value UV价值 = GMV / visitors, orders = Σ orders.
-- Grain:  one row over [$start, $end] (always one row; traffic_rows = 0 when there is none).
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all).
-- NULL:   a sum is NULL when no row has that column (missing, not zero); a rate is NULL where its
--         denominator is 0 or NULL. Pay conversion and UV value divide over the rows that report
--         the numerator, so a channel without paying_buyers does not dilute the rate.
--         Visitors are daily UV summed over days and channels: visitor-days (DESIGN).
select count(*)::bigint                                                      as traffic_rows,
       count(distinct date)::bigint                                          as days,
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
