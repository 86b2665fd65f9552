"""The message catalogue: every user-facing label, zh and en side by side.

The catalogue is the union of the `*.toml` files in this folder (one per area: ingest, cli,
metrics, ui …) so that each area's texts stay beside each other; a key lives in exactly one file.
Each key is a table with `en` and `zh` strings using `{name}` placeholders:

    ["stage.visits"]
    en = "Visits"
    zh = "访问"

`t("stage.visits", "zh")` → "访问". Placeholders are filled with `str.format`.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "en"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Return {key: {"en": …, "zh": …}} merged from every catalogue file."""
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files("analytics").joinpath("i18n")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        for key, texts in tomllib.loads(entry.read_text("utf-8")).items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice (in {entry.name})")
            merged[key] = texts
    return merged


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """Translate `key` into `lang` and fill its placeholders.

    Unknown keys raise KeyError: a missing label is a bug the catalogue test must catch,
    not something to paper over at run time.
    """
    text = catalogue()[key][lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
    return text.format(**params) if params else text
