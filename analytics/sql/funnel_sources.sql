-- name: funnel_sources
-- What:   how many rows each funnel source (traffic, events, orders) has in a period, so the
--         funnel can pick the richest one present (traffic > events > orders).
-- Grain:  one row over [$start, $end] with one count per source.
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all).
-- NULL:   none: counts are 0 when a source has no rows.
select (select count(*) from traffic
        where date between $start::date and $end::date
          and ($shop is null or shop = $shop)
          and ($platform is null or platform = $platform))::bigint as traffic,
       (select count(*) from events
        where ts >= $start::date and ts < $end::date + interval 1 day
          and ($shop is null or shop = $shop)
          and ($platform is null or platform = $platform))::bigint as events,
       (select count(*) from orders
        where created_at >= $start::date and created_at < $end::date + interval 1 day
          and ($shop is null or shop = $shop)
          and ($platform is null or platform = $platform))::bigint as orders
