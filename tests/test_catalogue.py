"""The message catalogue: every key speaks both languages, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

from analytics.i18n import LANGUAGES, catalogue, t

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = ("analytics", "ui", "pages")
# A literal key passed to t(): t("upload.title" …) or t('stage.visits' …)
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_{}]+)+)["']""")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_both_languages_with_the_same_placeholders() -> None:
    for key, texts in catalogue().items():
        assert set(texts) >= set(LANGUAGES), f"{key} lacks a language: has {sorted(texts)}"
        for lang in LANGUAGES:
            assert texts[lang].strip(), f"{key}.{lang} is empty"
        assert placeholders(texts["en"]) == placeholders(texts["zh"]), key


def test_every_literal_key_used_in_code_exists() -> None:
    known = catalogue()
    missing = []
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            for key in LITERAL_KEY.findall(path.read_text("utf-8")):
                if key not in known:
                    missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert not missing, "keys used in code but not in the catalogue:\n" + "\n".join(missing)
    assert LITERAL_KEY.findall('t("stage.visits", lang)') == ["stage.visits"]


def test_translation_fills_placeholders_and_falls_back_to_english() -> None:
    assert t("stage.visits", "zh") == "访问"
    assert t("stage.visits", "fr") == "Visits"
