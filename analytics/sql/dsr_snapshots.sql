-- name: dsr_snapshots
-- What:   the shop's DSR snapshots (描述相符 / 服务态度 / 物流服务, or the 综合体验分 trio when
--         score_system = 'experience') in the period, with the peer averages (同行平均) where the
--         export has them and the gap to peers (own − peer: negative = below peers).
-- Grain:  one row per shop × snapshot date in [$start, $end].
-- Params: $start, $end (inclusive dates), $shop, $platform (NULL = all).
-- NULL:   peer_* and gap_* are NULL where the export has no peer value.
select date,
       dsr_description as description,
       dsr_service as service,
       dsr_logistics as logistics,
       peer_description,
       peer_service,
       peer_logistics,
       dsr_description - peer_description as gap_description,
       dsr_service - peer_service as gap_service,
       dsr_logistics - peer_logistics as gap_logistics,
       score_system,
       shop
from dsr
where date between $start and $end
  and ($shop is null or shop = $shop)
  and ($platform is null or platform = $platform)
order by date, shop
