"""Header → Recognition: which data kind a file holds, from which platform, and which column is
which canonical field.

Recognition never guesses silently (DESIGN.md "Column recognition"): a kind is chosen only when
every required field has a column; otherwise the Recognition names what is missing and the user
maps columns (`--map "SOURCE=field"` or the upload page's editor), remembered per header
signature.

Choosing among kinds: every kind whose required fields are all present is a candidate; the one
whose synonyms cover the largest share of the header wins, ties going to the kind with more
required fields (the more specific one: a DSR file "Date, Description, Service, Logistics" is
also a complete reviews file by the letter).

Whole-shop traffic: a daily export of the shop as a whole (Sycm 整体看板, Shopify "Sessions over
time") has a date and visitors but no channel column. It is taken as traffic with the single
channel "全店" (Chinese headers) or "All" only when it is clearly such a file: no other kind is
complete, it has at least one more funnel or sales measure (page views, buyers, amount …), and
no column is an order, product or user id. normalise() then fills the channel and says so in a
notice; a file with two rows for one date is rejected there as duplicate keys, so a
non-daily file cannot slip through as whole-shop traffic.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from analytics.errors import UsageError
from analytics.ingest.model import ImportOptions, Recognition
from analytics.ingest.profiles import (
    PROFILES,
    all_known_headers,
    derived_headers,
    known_fields,
    normalise_header,
    platform_markers,
    synonym_index,
)

IGNORE = ""
"""Mapping a column to "" (or "-") tells recognise to ignore it, overriding a synonym match."""
_IGNORE_WORDS = frozenset({"", "-", "ignore"})

WHOLE_SHOP_CHANNEL = {"zh": "全店", "en": "All"}
_WHOLE_SHOP_MEASURES = frozenset(
    {"page_views", "product_visitors", "order_buyers", "paying_buyers", "pay_amount", "orders"}
)
_ID_FIELDS = (("products", "product_id"), ("orders", "order_id"), ("events", "user_id"))
# Any CJK ideograph: "访客数" is a Chinese header, "Sessions" is not.
_CJK = re.compile(r"[\u3400-\u9fff]")


def header_score(cells: Sequence[str | None]) -> float:
    """Share of the non-empty cells that are a header some profile knows, in [0, 1].

    The reader calls this on the first rows of a file to find the header below title rows:
    "【生意参谋平台】流量来源" scores 0, "日期,流量来源,访客数" scores 1.
    """
    names = [normalise_header(c) for c in cells if c is not None and str(c).strip()]
    if not names:
        return 0.0
    known = all_known_headers()
    return sum(name in known for name in names) / len(names)


def header_signature(header: Sequence[str | None]) -> str:
    """Stable 16-hex-digit id of a header layout, for remembering a user's column mapping.

    The sha256 of the normalised cells (so "支付金额(元)" and "支付金额（元）" share a mapping).
    """
    joined = "\x1f".join(normalise_header(c) for c in header)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def detect_platform(header: Sequence[str | None]) -> str:
    """The platform whose marker headers the file has most of, else "generic"."""
    names = {normalise_header(c) for c in header}
    hits = {platform: len(markers & names) for platform, markers in platform_markers().items()}
    best = max(hits, key=lambda p: hits[p])
    return best if hits[best] else "generic"


def is_chinese_header(header: Sequence[str | None]) -> bool:
    """True when any header cell is written in Chinese."""
    return any(_CJK.search(c or "") for c in header)


def recognise(
    header: Sequence[str | None],
    kind: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Recognition:
    """Recognise a file's kind, platform and column mapping from its header.

    Args:
        header: the header cells as written in the file.
        kind: force this kind instead of detecting it.
        mapping: user overrides, source column → field ("" to ignore a column). Sources are
            matched after normalisation, so "支付金额（元）" finds the column "支付金额(元)".

    Returns:
        The best Recognition. `complete` is False when no kind has all its required fields:
        then `kind` is the closest kind (None if nothing matched) and `missing` says what to map.

    Raises:
        UsageError: an unknown kind, a mapping source that is no column of the file
            ("usage.mapping_unknown_column"), or a field that no candidate kind has
            ("usage.mapping_unknown_field").
    """
    cells = [c or "" for c in header]
    names = [normalise_header(c) for c in cells]
    overrides = _overrides(cells, names, mapping or {})
    if kind is not None and kind not in PROFILES:
        raise UsageError("usage.kind_unknown", kind=kind, kinds=", ".join(PROFILES))
    candidates = [kind] if kind else list(PROFILES)
    wanted = {f for f in overrides.values() if f != IGNORE}
    usable = [k for k in candidates if wanted <= set(known_fields(k))]
    if not usable:
        fields = sorted({f for k in candidates for f in known_fields(k)})
        unknown = sorted(wanted - set(fields)) or sorted(wanted)  # else: no kind has them all
        raise UsageError(
            "usage.mapping_unknown_field",
            field=unknown[0],
            kind=" / ".join(candidates),
            fields=", ".join(fields),
        )
    platform = detect_platform(cells)
    results = [_match(k, cells, names, overrides, platform) for k in usable]
    complete = [r for r in results if r.complete]
    if not complete:
        whole_shop = _whole_shop(results, names)
        if whole_shop is not None:
            return whole_shop
    pool = complete or [r for r in results if r.score > 0 or r.mapping]
    if not pool:
        return Recognition(None, platform, {}, (), tuple(c for c in cells if c), 0.0)
    best = max(
        pool,
        key=lambda r: (r.score, len(PROFILES[r.kind].required), -len(r.missing)),
    )
    return best


def recognition_for(
    header: list[str], options: ImportOptions, remembered: Mapping[str, Mapping[str, Any]]
) -> tuple[str, dict[str, str], Recognition]:
    """(header signature, mapping asked for, Recognition) of a header: the mapping remembered
    for its layout under the user's own (`options.mapping` wins column by column)."""
    signature = header_signature(header)
    memory = remembered.get(signature, {})
    names = {normalise_header(h) for h in header}
    mapping = {
        **{s: f for s, f in memory.get("mapping", {}).items() if normalise_header(s) in names},
        **options.mapping,
    }
    recognition = recognise(header, kind=options.kind or memory.get("kind"), mapping=mapping)
    return signature, mapping, recognition


def _overrides(cells: list[str], names: list[str], mapping: Mapping[str, str]) -> dict[int, str]:
    """User mapping → {column index: field or IGNORE}; the first column of a name wins."""
    out: dict[int, str] = {}
    for source, field in mapping.items():
        key = normalise_header(source)
        if key not in names:
            raise UsageError(
                "usage.mapping_unknown_column",
                column=source,
                columns=", ".join(c for c in cells if c),
            )
        target = (field or "").strip()
        out[names.index(key)] = IGNORE if target.lower() in _IGNORE_WORDS else target
    return out


def _match(
    kind: str, cells: list[str], names: list[str], overrides: dict[int, str], platform: str
) -> Recognition:
    """Map columns to `kind`'s fields: user overrides first, then the best-ranked synonym."""
    index = synonym_index(kind)
    derived = derived_headers(kind)
    chosen: dict[str, tuple[int, int]] = {}  # field → (rank, column); override rank -1
    known = 0
    for col, name in enumerate(names):
        if not cells[col].strip():
            continue
        if col in overrides:
            known += 1
            if overrides[col] != IGNORE:
                chosen[overrides[col]] = (-1, col)
            continue
        if name in derived:
            known += 1
            continue
        if name not in index:
            continue
        known += 1
        field, rank = index[name]
        if field not in chosen or (rank, col) < chosen[field]:
            chosen[field] = (rank, col)
    mapping: dict[str, str] = {}
    for field, (_, col) in sorted(chosen.items(), key=lambda item: item[1][1]):
        mapping.setdefault(cells[col], field)  # a repeated header name keeps its first column
    mapped_cols = {cells[col] for _, col in chosen.values()}
    unmapped = tuple(c for c in cells if c.strip() and c not in mapped_cols)
    present = set(mapping.values())
    missing = tuple(
        group[0] for group in PROFILES[kind].required if not present.intersection(group)
    )
    nonempty = sum(1 for c in cells if c.strip())
    score = known / nonempty if nonempty else 0.0
    return Recognition(kind, platform, mapping, missing, unmapped, score)


def _whole_shop(results: list[Recognition], names: list[str]) -> Recognition | None:
    """The traffic Recognition, made complete, when the file is a whole-shop daily export."""
    traffic = next((r for r in results if r.kind == "traffic"), None)
    if traffic is None or traffic.missing != ("channel",):
        return None
    present = set(traffic.mapping.values())
    if not present & _WHOLE_SHOP_MEASURES:
        return None
    if any(synonym_index(k).get(n, ("",))[0] == f for n in names for k, f in _ID_FIELDS):
        return None
    return Recognition(
        "traffic", traffic.platform, traffic.mapping, (), traffic.unmapped, traffic.score
    )
