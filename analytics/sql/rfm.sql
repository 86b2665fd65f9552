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
-- Speed:  one group per customer; (shop, order_id) is the table's key, so count(order_id)
--         counts distinct orders. R is scored on −recency_days (fewer days = better).
with per_customer as (
    select shop, customer_id,
           max(paid_ts)::date as last_order,
           date_diff('day', max(paid_ts)::date, $end::date)::bigint as recency_days,
           count(order_id)::bigint as frequency,
           coalesce(sum(pay_amount), 0)::double as monetary
    from (select shop, customer_id, order_id, pay_amount,
                 coalesce(paid_at, created_at) as paid_ts
          from orders
          where is_paid
            and customer_id is not null and customer_id <> ''
            and coalesce(paid_at, created_at) >= $start
            and coalesce(paid_at, created_at) < $end::date + 1
            and ($shop is null or shop = $shop)
            and ($platform is null or platform = $platform))
    group by shop, customer_id
),
cuts as (
    -- Scores without a window sort per score: score ≥ k + 1 ⇔ 5 × (customers strictly worse)
    -- ≥ k·n ⇔ at least m = ceil(k·n/5) values lie strictly below ⇔ the value is above the m-th
    -- smallest. So score = 1 + how many of the four cuts (k = 1..4) the value is above.
    select r[m[1]] as r1, r[m[2]] as r2, r[m[3]] as r3, r[m[4]] as r4,
           f[m[1]] as f1, f[m[2]] as f2, f[m[3]] as f3, f[m[4]] as f4,
           v[m[1]] as v1, v[m[2]] as v2, v[m[3]] as v3, v[m[4]] as v4
    from (select [(k * count(*) + 4) // 5 for k in range(1, 5)] as m,
                 list_sort(list(-recency_days)) as r,
                 list_sort(list(frequency)) as f,
                 list_sort(list(monetary)) as v
          from per_customer)
),
scored as (
    select p.*,
           (1 + (-recency_days > r1)::int + (-recency_days > r2)::int
              + (-recency_days > r3)::int + (-recency_days > r4)::int) as r_score,
           (1 + (frequency > f1)::int + (frequency > f2)::int
              + (frequency > f3)::int + (frequency > f4)::int) as f_score,
           (1 + (monetary > v1)::int + (monetary > v2)::int
              + (monetary > v3)::int + (monetary > v4)::int) as m_score
    from per_customer p, cuts
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
