"""Quantities: numbers with their unit and approximator ("نحو 6 ساعات ونصف الساعة",
"230 ألف مستوطن", "أكثر من 1.5 مليون دولار", "20%").

Each mention keeps its exact text and character offsets into the body, the value as a float
(multipliers ألف / مليون / مليار and a trailing "ونصف" / "وربع" applied), the unit (the noun
that follows, if any) and whether an approximator qualifies it. Years, dates, clock times
and ordinals are not quantities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGITS = str.maketrans(
    {
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        "٫": ".",
        "٬": ",",
    }
)
_APPROX = (
    r"نحو|حوالي|حوالى|قرابة|زهاء|تقريبا|ما يقارب|ما يقرب من|ما يزيد على|ما يزيد عن|أكثر من|اكثر من"
    r"|أقل من|اقل من|أزيد من|ما لا يقل عن|ما يناهز|يناهز"
)
_MULTIPLIERS = {
    "ألف": 1e3,
    "الف": 1e3,
    "آلاف": 1e3,
    "الاف": 1e3,
    "مليون": 1e6,
    "ملايين": 1e6,
    "مليار": 1e9,
    "مليارات": 1e9,
    "بليون": 1e9,
    "تريليون": 1e12,
}
_NUMBER = r"[0-9٠-٩۰-۹]+(?:[.,٫٬][0-9٠-٩۰-۹]+)*"
# What a quantity starts with: an approximator's first letter or a digit. Checked first, so most
# positions fail on one set instead of the lookbehinds (tested to find the same matches).
_FIRST_CHARS = "".join(sorted({a[0] for a in _APPROX.split("|")})) + "0-9٠-٩۰-۹"
_QUANTITY_PATTERN = (
    # an approximator may carry a proclitic ("لنحو"), which stays outside the mention
    rf"(?:(?<![\w/:.-])|(?<=(?<!\w)[وبل])(?=نحو|حوالي|قرابة|زهاء))(?:(?P<approx>{_APPROX})\s+)?(?P<number>{_NUMBER})"
    rf"(?:\s*(?P<percent>%|٪|في المئة|في المائة|بالمئة|بالمائة)"
    rf"|(?:\s+(?P<mult>{'|'.join(_MULTIPLIERS)}))?"
    r"(?:\s+(?P<unit>(?!(?:في|من|إلى|الى|على|عن|و|أو|ما|التي|الذي|كان|كانت|قد|لم|لا)(?![\u0621-\u064a]))"
    r"[\u0621-\u064a\u064b-\u0652]{2,}))?"
    r"(?:\s+(?P<fraction>و(?:نصف|ربع|ثلث))(?:\s+[\u0621-\u064a]+)?)?)"
    r"(?![:/.-]?[0-9٠-٩])"
)
_QUANTITY = re.compile(rf"(?=[{_FIRST_CHARS}]){_QUANTITY_PATTERN}")
_FRACTIONS = {"ونصف": 0.5, "وربع": 0.25, "وثلث": 1 / 3}
_NOT_UNITS = re.compile(
    r"^(?:كانون|شباط|آذار|اذار|نيسان|أيار|ايار|حزيران|تموز|آب|اب|أيلول|ايلول|تشرين|يناير|فبراير|مارس|أبريل|ابريل"
    r"|مايو|يونيو|يوليو|أغسطس|اغسطس|سبتمبر|أكتوبر|اكتوبر|نوفمبر|ديسمبر|هـ|ه|م|للهجرة|للميلاد)$"
)


_YEAR = re.compile(r"1[89]\d\d|20\d\d")


@dataclass(frozen=True)
class Quantity:
    text: str
    start: int
    end: int
    value: float
    unit: str | None
    approximate: bool


def _to_float(number: str) -> float | None:
    text = number.translate(_DIGITS)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        text = text.replace(",", "")
    text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def find_quantities(text: str) -> list[Quantity]:
    """Quantities in `text` with offsets such that text[start:end] == mention text."""
    found: list[Quantity] = []
    for match in _QUANTITY.finditer(text):
        value = _to_float(match.group("number"))
        unit = match.group("unit")
        if value is None:
            continue
        if unit and _NOT_UNITS.match(unit):
            continue  # a date ("18 شباط", "1436 هـ"), not a quantity
        if not (match.group("percent") or match.group("mult") or unit or match.group("approx")):
            continue  # a bare number: a year, an ordinal, a page
        if _YEAR.fullmatch(match.group("number").translate(_DIGITS)) and not (
            match.group("percent") or match.group("mult") or match.group("approx")
        ):
            continue  # "عام 2023 كان": a year followed by a word, not 2023 of something
        if match.group("mult"):
            value *= _MULTIPLIERS[match.group("mult")]
        if match.group("fraction"):
            value += _FRACTIONS[match.group("fraction")] * (_MULTIPLIERS.get(match.group("mult") or "", 1))
        end = match.end()
        mention = text[match.start() : end].rstrip()
        found.append(
            Quantity(
                text=mention,
                start=match.start(),
                end=match.start() + len(mention),
                value=value,
                unit="%" if match.group("percent") else unit,
                approximate=bool(match.group("approx")),
            )
        )
    return found
