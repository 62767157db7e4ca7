"""Bylines and datelines at the start of a body: "الرياض - واس", "سبق- الدمام: قالت ...",
"عين اليوم – متابعات", "كتب: فلان", "القاهرة (رويترز) - ..." become the `byline` field."""

from __future__ import annotations

import re

# News agencies and attribution words that mark a byline.
_AGENCIES = (
    r"واس|رويترز|أ ف ب|ا ف ب|أ\.ف\.ب|فرانس برس|د ب أ|د\.ب\.أ|الأناضول|الاناضول|يو بي آي|أسوشيتد برس"
    r"|سانا|قنا|وام|كونا|بنا|العمانية|وفا|معا|و م ع|ومع|الوكالات|وكالات|متابعات|خاص|CNN|BBC|AFP|AP"
)
_SEP = r"\s*[-–—ـ]+\s*"
# A whole line that is a byline: short, with a separator or an agency, no sentence punctuation.
_LINE = re.compile(
    rf"^(?:(?:كتب|كتبت|بقلم|إعداد|اعداد|تقرير|حوار)\s*[:：]?\s*\S+(?:\s+\S+){{0,3}}"
    rf"|\S+(?:\s+\S+){{0,3}}(?:{_SEP}\S+(?:\s+\S+){{0,3}}){{1,3}}\s*[:：]?"
    rf"|(?:{_AGENCIES})"
    rf"|\S+(?:\s+\S+){{0,2}}\s*\((?:{_AGENCIES})\))$"
)
# A byline glued in front of the first sentence: "سبق- الدمام: قالت ...", "جنيف (رويترز) - قال ...".
_PREFIX = re.compile(
    rf"^(?P<byline>\S+(?:\s+\S+){{0,3}}(?:{_SEP}\S+(?:\s+\S+){{0,3}}){{1,3}})\s*[:：]\s+(?=\S)"
    rf"|^(?P<dateline>\S+(?:[،,]?\s+\S+){{0,2}}\s*\((?:{_AGENCIES})\))\s*(?:[-–—]+|[:：])\s*(?=\S)"
)
_MAX_WORDS = 9
# Numbered subheadings ("أولاً - الاقتصاد") look like bylines but are body text.
_ORDINAL = re.compile(r"^(?:أولا|أولاً|اولا|ثانيا|ثانياً|ثالثا|ثالثاً|رابعا|رابعاً|خامسا|خامساً|\d+)\s*[-–—.)]")


# Compiled once, not left to re's cache, which quotes' per-speaker patterns keep turning over.
_SEPARATOR = re.compile(_SEP)
_AGENCY = re.compile(rf"(?:^|\W)(?:{_AGENCIES})(?:\W|$)")


def _has_attribution(text: str) -> bool:
    return bool(_SEPARATOR.search(text) or _AGENCY.search(text) or ":" in text)


def split_byline(paragraph: str) -> tuple[str | None, str | None]:
    """(byline, what remains of the paragraph) for a body's first paragraph.

    (None, paragraph) when it holds no byline; (byline, None) when the whole paragraph is one.
    """
    text = paragraph.strip()
    if _ORDINAL.match(text):
        return None, paragraph
    match = _PREFIX.match(text)
    if match:
        byline = (match.group("byline") or match.group("dateline")).strip()
        rest = text[match.end() :].strip()
        if len(byline.split()) <= _MAX_WORDS and len(rest.split()) >= 2:
            return byline, rest
    words = text.split()
    if len(words) <= _MAX_WORDS and not re.search(r"[.!?؟]$", text) and _LINE.match(text):
        if _has_attribution(text) or re.match(r"^(?:كتب|كتبت|بقلم)", text):
            return text.rstrip(":： "), None
    return None, paragraph
