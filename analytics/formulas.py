"""Formula guard (RELIABILITY R10): exported text never runs as a spreadsheet formula.

Exports (`metrics.report`) guard text cells; the importer (`ingest.normalise`) unguards them, so
re-importing ShopLens' own export gives back exactly the values that were exported (P16).
"""

from __future__ import annotations

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n＝＋－＠")
"""First characters that make Excel/LibreOffice/WPS read a text cell as a formula."""

# A guarded cell: one quote, then any further quotes, then a trigger: "'=1+1" → "=1+1",
# "''=x" → "'=x"; "'s Gravenhage" (no trigger after the quotes) is left alone.
GUARDED_PATTERN = r"^'('*[=+\-@\t\r\n＝＋－＠])"


def guard_formula(text: str) -> str:
    """Make a text cell inert in spreadsheets: prefix `'` when it would start a formula.

    A text whose first character is a trigger (`= + - @`, tab, CR, LF, `＝ ＋ － ＠`) gets a
    leading `'`. So that `unguard_formula` can always undo it, a text that is already quotes
    followed by a trigger (`'=x`) gets one more quote; other texts are returned unchanged.

    >>> guard_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> guard_formula("-5"), guard_formula("直通车"), guard_formula("'=x")
    ("'-5", '直通车', "''=x")
    """
    rest = text.lstrip("'")
    if rest and rest[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def unguard_formula(text: str) -> str:
    """Undo `guard_formula`: `unguard_formula(guard_formula(s)) == s` for every string s.

    >>> unguard_formula("'=1+1"), unguard_formula("'s Gravenhage")
    ('=1+1', "'s Gravenhage")
    """
    rest = text.lstrip("'")
    if text.startswith("'") and rest and rest[0] in FORMULA_TRIGGERS:
        return text[1:]
    return text
