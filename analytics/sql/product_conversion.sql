-- name: product_conversion
-- What:   per product over the period: product visitors (visitor-days when the export is daily),
--         order buyers, paying buyers, pay conversion, order conversion, GMV; presale products
--         (预售) are marked and shown with order conversion, because their pay conversion stays
--         0 until the balance is paid.
-- Grain:  one row per product_id with product rows in [$start, $end]; ordered by GMV.
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all).
-- NULL:   pay/order conversion NULL where product visitors sum to 0 (or the column is absent);
--         conversion_shown = order_conversion where is_presale, else pay_conversion.
--         product_name is the newest non-empty name the product had in the period.
--         is_presale is true when any day of the period marks the product as presale.
with per_product as (
    select product_id,
           arg_max(product_name, date) filter (where product_name is not null
                                                 and product_name <> '') as product_name,
           sum(product_visitors)::bigint as product_visitors,
           sum(order_buyers)::bigint as order_buyers,
           sum(paying_buyers)::bigint as paying_buyers,
           coalesce(bool_or(is_presale), false) as is_presale,
           sum(pay_amount)::double as gmv,
           sum(case when paying_buyers is not null then product_visitors end) as pay_visitors,
           sum(case when order_buyers is not null then product_visitors end) as order_visitors
    from products
    where date between $start and $end
      and ($shop is null or shop = $shop)
      and ($platform is null or platform = $platform)
    group by product_id
)
select product_id,
       product_name,
       product_visitors,
       order_buyers,
       paying_buyers,
       paying_buyers / nullif(pay_visitors, 0) as pay_conversion,
       order_buyers / nullif(order_visitors, 0) as order_conversion,
       case when is_presale then order_buyers / nullif(order_visitors, 0)
            else paying_buyers / nullif(pay_visitors, 0) end as conversion_shown,
       is_presale,
       gmv
from per_product
order by gmv desc nulls last, product_visitors desc nulls last, product_id
