-- name: rfm
-- What:   RFM per customer over the period's paid orders: recency (days from the last paid order
--         to $end), frequency (distinct paid orders), monetary (paid amount), a 1–5 quintile score
--         for each (5 = best: most recent, most orders, most spent) and the RFM segment.
-- Grain:  one row per customer (shop, customer_id) with ≥ 1 paid order in [$start, $end].
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all).
-- Scores: score = 1 + floor(5 × share of customers strictly worse), i.e. rank() based quintiles:
--         without ties the same as ntile(5), but equal values share the lower score (ntile
--         splits ties arbitrarily: two one-order customers could get F 1 and F 2). So when every
--         customer ordered once, everyone has F = 1 (low), as the "above average?" reading says.
-- Segments (the 8 classic RFM types, 高 = score ≥ 3): R高F高M高 important_value 重要价值,
--         R高F低M高 important_develop 重要发展, R低F高M高 important_retain 重要保持,
--         R低F低M高 important_winback 重要挽留, and general_* (一般…) for the same with M低.
-- NULL:   monetary is 0 when the paid orders carry no amount; nothing else can be NULL.
with paid as (
    select shop, customer_id, order_id,
           coalesce(paid_at, created_at) as paid_ts,
           pay_amount
    from orders
    where is_paid
      and customer_id is not null and customer_id <> ''
      and coalesce(paid_at, created_at) >= $start
      and coalesce(paid_at, created_at) < $end::date + 1
      and ($shop is null or shop = $shop)
      and ($platform is null or platform = $platform)
),
per_customer as (
    select shop, customer_id,
           max(paid_ts)::date as last_order,
           date_diff('day', max(paid_ts)::date, $end::date)::bigint as recency_days,
           count(distinct order_id)::bigint as frequency,
           coalesce(sum(pay_amount), 0)::double as monetary
    from paid
    group by shop, customer_id
),
scored as (
    select *,
           (1 + floor(5.0 * (rank() over (order by recency_days desc) - 1)
                      / count(*) over ()))::integer as r_score,
           (1 + floor(5.0 * (rank() over (order by frequency) - 1)
                      / count(*) over ()))::integer as f_score,
           (1 + floor(5.0 * (rank() over (order by monetary) - 1)
                      / count(*) over ()))::integer as m_score
    from per_customer
)
select shop, customer_id, last_order, recency_days, frequency, monetary,
       r_score, f_score, m_score,
       case when m_score >= 3 then 'important_' else 'general_' end
         || case when r_score >= 3 and f_score >= 3 then 'value'
                 when r_score >= 3 then 'develop'
                 when f_score >= 3 then 'retain'
                 else 'winback' end as segment
from scored
order by monetary desc, customer_id, shop
