r"""Calendar dates mentioned in Arabic news text, normalized: `find_dates(text, published_at)`.

Over 500 lines on purpose: the month tables, the trigger scan and the resolvers of every
calendar form share one set of patterns.

dateparser's `search_dates` finds neither date of the seed ("في 18 شباط/فبراير الماضي",
"وفي 27 شباط/فبراير،"): Levantine month names, dual forms and year-less dates are the norm in
Arabic news, so this is a purpose-built extractor. Every date holds a month name or a
four-digit number: a small trigger pattern finds those in one pass over the text, and one
precompiled pattern is searched only in a window around each (about 10 MB/s of news text).
Spelling variants (hamza forms, alef maqsura, taa marbuta, diacritics in month names) are
character classes of the patterns and `\d` takes Arabic-Indic and Persian digits, so the text
is never rewritten and offsets are those of the original; each match is then validated and
resolved to a `datetime.date`.

Forms: day month [year] with MSA (يناير…), Levantine/Iraqi (كانون الثاني…) and Maghrebi
(جانفي، فيفري…, يوليوز، غشت…) month names and the dual forms "شباط/فبراير", "نيسان (أبريل)",
"سبتمبر أيلول"; an optional weekday before the day; ordinal days ("السابع من أكتوبر"), "الـ26
من شهر آذار"; day ranges ("13 و15 نيسان", "من 11 حتى 25/10/1436هـ" give two dates); month
year; a month alone only when unmistakable (a dual form, after "شهر" or a time preposition,
in a list of months), Gregorian only; a year alone only when clearly a year ("عام 2023",
"عامي 2002 و2003", "2002م", "1436 هـ", "منذ 2011."); numeric dates, day first ("18/2/2025",
"١٨-٢-٢٠٢٥", "23 / 9 / 1436هـ") or year first ("2025-02-18"); Hijri month names and years,
converted with hijridate (Umm al-Qura, 1343–1500 AH); "الموافق" pairs, both sides kept.

Conventions (the dataset column holds one `date32` per mention, null when the year is unknown):
- precision "month" is dated on the 1st of the month, precision "year" on January 1st; for the
  Hijri calendar these are 1 <month> and 1 Muharram, converted to the Gregorian date;
- `month` and `day` are the mention's own, as written, in its calendar (a Hijri mention's are
  Hijri); null at precisions that do not state them;
- a mention without a year is resolved against `published_at`: with الماضي / المنصرم the most
  recent past occurrence, with المقبل / القادم the next one, with الجاري / الحالي the same
  year, and with no anchor the most recent occurrence not after publication (a weekday that
  names another of the neighbouring years wins); `year_inferred` is then True. Across a
  "الموافق" pair, the side without a year takes the occurrence nearest the other side's date;
- without `published_at` (and no "الموافق" partner), a mention without a year is kept with
  `date` and `year_inferred` null and its month and day as written: years are never invented,
  and the mention is not lost;
- a day-month that names an event or a group ("ثورة 25 يناير", "قوى 14 آذار", "أحداث 11
  سبتمبر") is left out when it has no year: its year is not the one nearest publication;
- impossible dates (31 شباط, 30 in a 29-day Hijri month; without a year, a day past the month's
  longest length, 30 شباط) and Hijri years outside hijridate's range are left out; a numeric
  date with a year in 1300–1500 is Hijri even without "هـ";
- the span starts at the weekday, the day or the month (not at "في" / "يوم" / "الـ") and ends
  after the year, its calendar marker or the anchor.
Durations ("6 ساعات"), clock times, ages, amounts, ordinals and lone numbers never match: every
form needs a month name, a year word or marker, or a full numeric date.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from hijridate import Gregorian, Hijri

Calendar = Literal["gregorian", "hijri"]
Precision = Literal["day", "month", "year"]
Anchor = Literal["past", "future", "current"]


@dataclass(frozen=True, slots=True)
class DateMention:
    """One date in the text: `text == source[start:end]`; `date` is Gregorian whatever the calendar,
    None when the year cannot be known (no year written, no publication date to resolve it
    against); `month` and `day` are as written, in `calendar` (None when not stated)."""

    text: str
    start: int
    end: int
    date: date | None
    calendar: Calendar
    precision: Precision
    year_inferred: bool | None  # None with `date`
    month: int | None = None
    day: int | None = None

    def record(self) -> dict[str, object]:
        """The mention as a row of the dataset's `dates` column (akhbar.schema.DATE)."""
        return {
            "text": self.text,
            "date": self.date,
            "calendar": self.calendar,
            "precision": self.precision,
            "year_inferred": self.year_inferred,
            "month": self.month,
            "day": self.day,
            "start": self.start,
            "end": self.end,
        }


# Lexicons and patterns are written in *folded* spelling (bare alef, yaa for alef maqsura, haa for
# taa marbuta); `_loosen` turns each such letter into the class of its spellings before compiling,
# so the text itself is never copied or rewritten. Matched words are folded for lexicon look-ups.
_SPELLINGS = {"ا": "اأإآٱ", "ي": "يىی", "ه": "هة", "ك": "كک"}
_DIACRITICS = "\u064b-\u0652"  # tanwin, harakat, shadda, sukun
_FOLD = str.maketrans(
    {variant: letter for letter, variants in _SPELLINGS.items() for variant in variants}
    | {chr(c): None for c in range(0x064B, 0x0653)}
)


def _loosen(pattern: str) -> str:
    """A folded-spelling pattern that also matches every spelling of its letters."""
    return "".join(f"[{_SPELLINGS[c]}]" if c in _SPELLINGS else c for c in pattern)


def _fold(word: str) -> str:
    """The lexicon key of a matched word: folded letters, single spaces."""
    return " ".join(word.translate(_FOLD).split())


# --- lexicons, in folded spelling; a space stands for horizontal whitespace ---
_GREGORIAN_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("يناير", "ينايير", "جانفي", "كانون الثاني", "كانون ثاني"),
    2: ("فبراير", "فبرائر", "فيفري", "شباط"),
    3: ("مارس", "اذار"),
    4: ("ابريل", "افريل", "نيسان"),
    5: ("مايو", "ماي", "ايار"),
    6: ("يونيو", "يونيه", "جوان", "حزيران"),
    7: ("يوليو", "يوليه", "يوليوز", "جويليه", "تموز"),
    8: ("اغسطس", "اوت", "غشت", "اب"),
    9: ("سبتمبر", "سيبتمبر", "شتنبر", "ايلول"),
    10: ("اكتوبر", "اوكتوبر", "تشرين الاول", "تشرين اول"),
    11: ("نوفمبر", "نونبر", "تشرين الثاني", "تشرين ثاني"),
    12: ("ديسمبر", "دجنبر", "كانون الاول", "كانون اول"),
}
_HIJRI_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("محرم", "المحرم"),
    2: ("صفر",),
    3: ("ربيع الاول", "ربيع اول"),
    4: ("ربيع الاخر", "ربيع الثاني", "ربيع اخر", "ربيع ثاني"),
    5: ("جمادي الاولي", "جمادي الاول", "جمادي اولي"),
    6: ("جمادي الاخره", "جمادي الثانيه", "جمادي الاخر", "جمادي الثاني", "جمادي اخره"),
    7: ("رجب",),
    8: ("شعبان",),
    9: ("رمضان",),
    10: ("شوال",),
    11: ("ذو القعده", "ذي القعده", "ذوالقعده", "ذيالقعده"),
    12: ("ذو الحجه", "ذي الحجه", "ذوالحجه", "ذيالحجه"),
}
# Month words that are also common words ("صفر": zero, in football scores): a day is not enough.
_NEEDS_YEAR_OR_ANCHOR = frozenset({"صفر"})
_WEEKDAYS = {  # datetime.weekday(): Monday is 0
    "الاثنين": 0,
    "الثلاثاء": 1,
    "الثلاثا": 1,
    "الاربعاء": 2,
    "الاربعا": 2,
    "الخميس": 3,
    "الجمعه": 4,
    "السبت": 5,
    "الاحد": 6,
}
_UNITS = ("", "الحادي", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع")


def _ordinal_days() -> dict[str, int]:
    """Ordinal day words, 1–31: "الاول", "السابع", "الحادي عشر", "الثالث والعشرين"."""
    days = {"الاول": 1, "العاشر": 10, "العشرين": 20, "الثلاثين": 30}
    days.update({_UNITS[n]: n for n in range(2, 10)})
    days.update({f"{_UNITS[n]} عشر": 10 + n for n in range(1, 10)})
    for tens, word in ((20, "العشرين"), (30, "الثلاثين")):
        for n in range(1, 10 if tens == 20 else 2):
            days[f"{_UNITS[n]} و{word}"] = tens + n
            days[f"{_UNITS[n]} و {word}"] = tens + n
    return days


_ORDINAL_DAYS = _ordinal_days()
_MONTHS: dict[str, tuple[Calendar, int]] = {
    **{name: ("gregorian", n) for n, names in _GREGORIAN_MONTHS.items() for name in names},
    **{name: ("hijri", n) for n, names in _HIJRI_MONTHS.items() for name in names},
}
_PAST = ("الماضي", "المنصرم", "الفائت", "السابق")
_FUTURE = ("المقبل", "القادم")
_CURRENT = ("الجاري", "الحالي")
_ANCHORS: dict[str, Anchor] = {
    **{w: "past" for w in _PAST},
    **{w: "future" for w in _FUTURE},
    **{w: "current" for w in _CURRENT},
}
# A year-less day-month right after one of these words names an event or a group, not a date.
_EVENT_WORDS = frozenset(
    "قوي فريق تحالف حركه تيار ثوره انتفاضه احداث هجمات اعتداءات تفجيرات مجزره ذكري حرب مدينه ضاحيه"
    " جسر شارع ميدان كوبري جامعه نادي جمعيه مجموعه".split()
)

_HSPACE = r"[^\S\n]"
_SP = rf"{_HSPACE}+"
_OSP = rf"{_HSPACE}*"
_NOT_LETTER_AFTER = rf"(?![^\W\d_]|[{_DIACRITICS}])"
_NOT_LETTER_BEFORE = rf"(?<![^\W\d_])(?<![{_DIACRITICS}])"
_NO_NUMBER_BEFORE = r"(?<![\d.,:/\-])"
# A word start, after a space or the conjunction و / ف glued to the word ("ومارس", "والسابع").
_WORD_START = rf"(?:{_NOT_LETTER_BEFORE}|(?<=(?<![^\W\d_])[وف]))"


def _trie_regex(words: Iterable[str]) -> str:
    """An alternation of `words` factored into a trie (each position fails on its first letter),
    with optional diacritics after every letter ("تشرين الأوّل")."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
        branches = [
            (_SP if c == " " else f"{re.escape(c)}[{_DIACRITICS}]*") + render(node[c])
            for c in sorted(node)
            if c
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return render(trie)


_MARK = (
    r"(?:(?P<{p}h>ه\u0640*(?!\w)|هجري(?:ه)?(?!\w)|للهجره(?!\w))"
    r"|(?P<{p}g>م(?!\w)|ميلادي(?:ه)?(?!\w)|للميلاد(?!\w)))"
)


def _mark(prefix: str) -> str:
    """The calendar marker after a year ("هـ", "للهجرة", "م"), its groups named `<prefix>h` / `<prefix>g`."""
    return _MARK.format(p=prefix)


_GREG_RE = _trie_regex(name for names in _GREGORIAN_MONTHS.values() for name in names)
_MONTH_RE = _trie_regex(_MONTHS)
_ANCHOR_RE = _trie_regex(_ANCHORS)
_YEAR_WORD = r"(?:ال|ل)?(?:عام|سنه)"  # "عام", "العام", "لعام" ("للعام" = "ل" + "لعام")
_DATE_WITH_MONTH = (
    rf"(?:(?P<wd>{_trie_regex(_WEEKDAYS)}){_NOT_LETTER_AFTER}{_OSP}[,،]?{_OSP})?"
    rf"(?:{_NO_NUMBER_BEFORE}"
    rf"(?:(?P<d0>\d{{1,2}}){_OSP}(?:و|[-–]|(?:الي|حتي){_SP}){_OSP})?"  # "13 و15 …", "7 إلى 8 …"
    rf"(?:(?P<d>\d{{1,2}})|{_WORD_START}(?P<od>{_trie_regex(_ORDINAL_DAYS)}))"
    rf"(?P<dsep>{_OSP}-{_OSP}|{_OSP}(?:من{_SP})?(?:شهر{_SP})?))?"  # "26 من شهر آذار"
    rf"{_WORD_START}(?P<mon>{_MONTH_RE}){_NOT_LETTER_AFTER}"
    rf"(?:(?:{_OSP}/{_OSP}|{_OSP}\({_OSP}|{_SP})(?P<mon2>{_GREG_RE}){_NOT_LETTER_AFTER}(?:{_OSP}\))?)?"
    rf"(?:(?P<ysep>{_OSP},?{_OSP}(?:-{_OSP})?(?:من{_SP})?(?:[لب]?{_YEAR_WORD}{_OSP})?)"
    rf"(?P<y>\d{{4}})(?![\d%٪])(?:{_OSP}{_mark('y')})?)?"
    rf"(?:{_SP}(?:من{_SP})?(?:(?P<ayear>(?:ال)?(?:عام|سنه)){_SP})?(?P<anchor>{_ANCHOR_RE})ه?(?!\w)"
    rf"|{_SP}(?:من{_SP})?(?P<this>هذا|هذه){_SP}(?:ال)?(?:عام|سنه)(?!\w))?"
    # a year after the anchor: "الأول من أغسطس المقبل لعام 2015"
    rf"(?:{_OSP},?{_OSP}(?:من{_SP})?(?:ل?هذا{_SP})?[لب]?{_YEAR_WORD}{_SP}(?P<y2>\d{{4}})(?![\d%٪]))?"
)
_NUMERIC = (
    # an optional first day of a range: "من 11 حتى 25/10/1436"
    rf"{_NO_NUMBER_BEFORE}(?:(?:(?P<nd0>\d{{1,2}}){_OSP}(?:و|(?:الي|حتي){_SP}){_OSP})?"
    rf"(?P<nd>\d{{1,2}})(?P<ns1>{_OSP}[/\-.]{_OSP})(?P<nm>\d{{1,2}})"
    rf"(?P<ns2>{_OSP}[/\-.]{_OSP})(?P<ny>\d{{4}})"
    r"|(?P<iy>\d{4})(?P<is1>[/\-.])(?P<im>\d{1,2})(?P<is2>[/\-.])(?P<id>\d{1,2}))"
    rf"(?!\d|[.,/\-:]\d)(?:{_OSP}{_mark('n')})?"
)
_PREPOSITIONS = (
    "في",
    "منذ",
    "حتي",
    "قبل",
    "بعد",
    "خلال",
    "مطلع",
    "بدايه",
    "نهايه",
    "اواخر",
    "اوائل",
    "منتصف",
)
_MONTH_CUES = frozenset((*_PREPOSITIONS, "شهر", "اشهر", "شهري", "اواسط", "اول", "اخر", "طيله", "طوال"))
# After "في 2011" / "منذ 1998": punctuation, or a word that cannot follow a count ("في 1972 بعد").
_AFTER_BARE_YEAR = (
    rf"(?={_OSP}(?:[.،,؛:!؟?)\]»\"]|$)|{_OSP}و{_OSP}\d|{_SP}(?:و|او|ثم|في|من|الي|علي|عن|بعد|قبل|حين|عندما|حيث"
    r"|كما|لكن|حتي|الذي|التي|وفي|ومن|وقبل|وبعد|وحتي)(?!\w))"
)
_YEAR_ALONE = (
    # two years: "عامي 2002 و2003", "بين العامين 1910 و 1912"
    rf"{_NOT_LETTER_BEFORE}(?P<yd>(?:ال)?(?:عامي|عامين|سنتي|سنتين)){_SP}(?P<ya>\d{{4}})"
    rf"{_OSP}(?:و|[-–]|(?:الي|حتي){_SP}){_OSP}(?P<yb>\d{{4}})(?![\d%٪])"
    rf"|{_NOT_LETTER_BEFORE}[وف]?[لب]?(?P<yw>{_YEAR_WORD}){_SP}(?P<wy>\d{{4}})(?![\d%٪]|[.,]\d)"
    rf"(?:{_OSP}{_mark('w')})?"
    rf"|{_NO_NUMBER_BEFORE}(?<![/\-–]{_HSPACE})(?P<my>\d{{4}})(?![\d%٪]|[.,]\d){_OSP}{_mark('m')}"
    rf"|{_NOT_LETTER_BEFORE}[وف]?(?:{'|'.join(_PREPOSITIONS)}){_SP}(?P<py>\d{{4}}){_AFTER_BARE_YEAR}"
)


def _first_letters(*lexicons: Iterable[str]) -> str:
    """Every spelling of the first letters of the lexicons' words, for a character class."""
    return "".join(
        sorted({v for lexicon in lexicons for word in lexicon for v in _SPELLINGS.get(word[0], word[0])})
    )


# Every match starts at a digit or at a word start whose letter begins some lexicon word (or a
# clitic): testing that first makes the scan fail fast on most positions.
_STARTERS = _first_letters(
    _MONTHS, _WEEKDAYS, _ORDINAL_DAYS, _PREPOSITIONS, ("عام", "سنه", "و", "ف", "ل", "ب")
)
_START = rf"(?=[\d{_STARTERS}])(?:{_WORD_START}|(?=\d))"
_DATES = re.compile(_START + _loosen(f"(?:{_NUMERIC}|{_DATE_WITH_MONTH}|{_YEAR_ALONE})"), re.MULTILINE)
# Every date holds a month name or a four-digit number: the full pattern runs only around these.
# The lookahead on a month's possible first letters comes before the word-start lookbehinds: most
# positions fail on it at once (the scan is a fifth faster; the same triggers).
_MONTH_FIRST_LETTERS = "".join(sorted({c for w in _MONTHS for c in _SPELLINGS.get(w[0], w[0])}))
_TRIGGERS = re.compile(
    rf"\d{{4}}|(?=[{_MONTH_FIRST_LETTERS}])" + _loosen(rf"{_WORD_START}{_MONTH_RE}{_NOT_LETTER_AFTER}")
)
_BEFORE, _AFTER = 64, 100  # how far a date reaches before / after its trigger, in characters
_PAIR_GAP = re.compile(_loosen(rf"{_OSP}[،,(\-–]?{_OSP}و?(?:ال)?موافق{_OSP}(?:ل\u0640*)?{_OSP}\(?{_OSP}"))
_PREVIOUS_WORD = re.compile(rf"(?:^|(?<=\s))([\w{_DIACRITICS}]+){_OSP}[\"“”«»'(]?{_OSP}$")


@dataclass(slots=True)
class _Parsed:
    """A match before resolution: what the text says, not yet a date."""

    start: int
    end: int
    calendar: Calendar
    year: int | None
    month: int | None
    day: int | None
    anchor: Anchor | None = None
    year_offset: int | None = None
    weekday: int | None = None
    unmarked: bool = False  # a bare year without هـ or م: its calendar is decided at resolution

    @property
    def precision(self) -> Precision:
        return "day" if self.day else "month" if self.month else "year"


def find_dates(text: str, published_at: datetime | date | None = None) -> list[DateMention]:
    """Every date mentioned in `text`, in order; see the module docstring for the conventions."""
    reference = published_at.date() if isinstance(published_at, datetime) else published_at
    parsed = [p for match in _matches(text) for p in _parse(match, text)]
    resolved = [_resolve(p, reference) for p in parsed]
    for i, (left, right) in enumerate(itertools.pairwise(parsed)):
        if not _PAIR_GAP.fullmatch(text, left.end, right.start):
            continue
        for own, other in ((i, i + 1), (i + 1, i)):
            if parsed[own].year is None and parsed[other].year is not None and resolved[other]:
                resolved[own] = _resolve_near(parsed[own], resolved[other][0])
    mentions = []
    for p, r in zip(parsed, resolved, strict=True):
        if r is None and (p.year is not None or not _may_exist(p)):
            continue  # an impossible date, or a year hijridate cannot convert
        day, inferred = r if r is not None else (None, None)
        mentions.append(
            DateMention(
                text[p.start : p.end], p.start, p.end, day, p.calendar, p.precision, inferred, p.month, p.day
            )
        )
    return mentions


def _matches(text: str) -> Iterable[re.Match[str]]:
    """The matches of `_DATES`, searched only in windows around triggers: one pass, fast."""
    pos = 0
    for trigger in _TRIGGERS.finditer(text):
        if trigger.end() <= pos:
            continue
        lo, hi = max(pos, trigger.start() - _BEFORE), min(len(text), trigger.end() + _AFTER)
        while (match := _DATES.search(text, lo, hi)) and match.start() < trigger.end():
            yield match
            pos = lo = match.end()
            if pos >= trigger.end():
                break


def date_records(text: str, published_at: datetime | date | None = None) -> list[dict[str, object]]:
    """`find_dates` as rows of the dataset's `dates` column."""
    return [m.record() for m in find_dates(text, published_at)]


# --- parsing: a regex match to what it states ---


def _parse(match: re.Match[str], text: str) -> list[_Parsed]:
    if match.group("nm") or match.group("im"):
        return _parse_numeric(match)
    if match.group("mon"):
        return _parse_with_month(match, text)
    return _parse_year(match)


def _calendar_of_year(year: int, hijri_mark: bool, gregorian_mark: bool) -> Calendar | None:
    """The calendar of a bare year: its marker, else Gregorian (an unmarked year in the range of
    recent Hijri years is reconsidered at resolution); None when the year cannot be one. Above
    2100 even a "م" is not a year: "3000م" is a distance in metres."""
    if hijri_mark:
        return "hijri"
    return "gregorian" if 1000 <= year <= 2100 else None


def _unmarked_year_is_hijri(year: int, reference: date | None) -> bool:
    """Gulf papers write the Hijri year bare ("عام 1436" in 2015). An unmarked year is taken as
    Hijri when it lies from 40 Hijri years before the publication's Hijri year to 5 after it
    (1396–1441 for 2015: "عام 1453", the conquest of Constantinople, stays Gregorian); without
    a publication date, when it lies in 1390–1450 AH (1970–2029 CE)."""
    if reference is None:
        return 1390 <= year <= 1450
    ref = _in_calendar("hijri", reference)
    if ref is None:
        return False
    return ref[0] - 40 <= year <= ref[0] + 5


def _parse_numeric(match: re.Match[str]) -> list[_Parsed]:
    hijri_mark = bool(match.group("nh"))
    if match.group("nm"):
        if match.group("ns1").strip() != match.group("ns2").strip():
            return []
        day, month, year = int(match.group("nd")), int(match.group("nm")), int(match.group("ny"))
    else:
        if match.group("is1") != match.group("is2"):
            return []
        day, month, year = int(match.group("id")), int(match.group("im")), int(match.group("iy"))
    # Day-first numeric dates with a year in the Hijri range are Hijri even unmarked (Saudi press).
    if hijri_mark or 1300 <= year <= 1500:
        calendar: Calendar = "hijri"
    elif 1800 <= year <= 2100:
        calendar = "gregorian"
    else:
        return []
    start = match.start("nd") if match.group("nd") else match.start()
    out = [_Parsed(start, match.end(), calendar, year, month, day)]
    if match.group("nd0") and 0 < int(match.group("nd0")) < day:
        out.insert(
            0, _Parsed(match.start("nd0"), match.end("nd0"), calendar, year, month, int(match.group("nd0")))
        )
    return out


def _parse_with_month(match: re.Match[str], text: str) -> list[_Parsed]:
    mon = _fold(match.group("mon"))
    calendar, month = _MONTHS[mon]
    day_text, ordinal = match.group("d"), match.group("od")
    day = int(day_text) if day_text else _ORDINAL_DAYS[_fold(ordinal)] if ordinal else None
    dsep, ysep = match.group("dsep") or "", match.group("ysep") or ""
    year_text = match.group("y") or match.group("y2")
    year = int(year_text) if year_text else None
    anchor_word = _fold(match.group("anchor") or "")
    anchor = _ANCHORS[anchor_word] if anchor_word and not match.group("ayear") else None
    year_offset = None
    if match.group("this") or (anchor_word and match.group("ayear")):
        year_offset = {"past": -1, "future": 1, "current": 0}[_ANCHORS[anchor_word]] if anchor_word else 0
    if ordinal and "من" not in dsep:
        day = None  # "الثاني مارس": an ordinal is a day only in "الثاني من مارس"
    if day == 0:
        return []  # "0 يناير" is no day
    if "-" in dsep and "-" not in ysep:
        return []  # "2-صفر" is a score; "13-يوليو-2012" is a date
    if calendar == "hijri" and year is not None and year > 1500:
        return []  # "رمضان 2015": a Hijri month with a Gregorian year
    if calendar == "gregorian" and match.group("yh"):
        return []
    has_support = year is not None or anchor is not None or year_offset is not None
    if day is None and not has_support and not _is_month_alone(match, text, calendar):
        return []
    if mon in _NEEDS_YEAR_OR_ANCHOR and not has_support and _previous_word(text, match.start("mon")) != "شهر":
        return []
    start = match.start("mon")
    if day is not None:
        start = match.start("d") if day_text else match.start("od")
        if not has_support and _names_an_event(text, match.start("d0") if match.group("d0") else start):
            return []
        if match.group("wd"):
            start = match.start("wd")
    weekday = _WEEKDAYS[_fold(match.group("wd"))] if match.group("wd") and day is not None else None
    main = _Parsed(start, match.end(), calendar, year, month, day, anchor, year_offset, weekday)
    out = [main]
    if match.group("d0") and day is not None and 0 < int(match.group("d0")) < day:
        first = int(match.group("d0"))
        out.insert(
            0, _Parsed(match.start("d0"), match.end("d0"), calendar, year, month, first, anchor, year_offset)
        )
        if match.group("wd"):
            out[0].start, main.start = match.start("wd"), match.start("d")
    return out


def _previous_word(text: str, start: int) -> str:
    """The word before `start`, folded ("" when there is none on the line)."""
    previous = _PREVIOUS_WORD.search(text, max(0, start - 30), start)
    return _fold(previous.group(1)) if previous else ""


def _is_one_of(word: str, words: frozenset[str]) -> bool:
    """`word` is in `words`, possibly behind a clitic (و، ف، ب، ل) and/or the article."""
    forms = {word, word[1:] if word[:1] in "وفبل" else word}
    return any(f in words or (f.startswith("ال") and f[2:] in words) for f in forms)


def _names_an_event(text: str, start: int) -> bool:
    """Whether the word before `start` makes the day-month a name ("ثورة 25 يناير", "قوى 14 آذار")."""
    return _is_one_of(_previous_word(text, start), _EVENT_WORDS)


def _is_month_alone(match: re.Match[str], text: str, calendar: Calendar) -> bool:
    """A Gregorian month without day, year or anchor is a date only when unmistakably a month: in a
    dual form ("حزيران/يونيو"), after "شهر" or a time preposition ("في نيسان"), or in a list of
    months ("أشهر أبريل ومايو"); never when it names an event ("حرب تموز"). A Hijri month alone
    ("في رمضان") is most often the season in general, not one year's month: left out."""
    start = match.start("mon")
    if calendar == "hijri" or _names_an_event(text, start):
        return False
    if match.group("mon2"):
        return True
    if text[start - 1 : start] in ("و", "ف"):  # "ابريل ومايو": the word before the conjunction
        start -= 1
    previous = _previous_word(text, start)
    return _is_one_of(previous, _MONTH_CUES) or previous in _MONTHS


def _parse_year(match: re.Match[str]) -> list[_Parsed]:
    if match.group("ya"):
        first, second = int(match.group("ya")), int(match.group("yb"))
        if not 1000 <= first < second <= 2100:
            return []
        return [
            _Parsed(match.start("yd"), match.end("ya"), "gregorian", first, None, None),
            _Parsed(match.start("yb"), match.end("yb"), "gregorian", second, None, None),
        ]
    for group, prefix in (("wy", "w"), ("my", "m"), ("py", "")):
        if match.group(group):
            year = int(match.group(group))
            hijri = bool(prefix and match.group(f"{prefix}h"))
            calendar = _calendar_of_year(year, hijri, bool(prefix and match.group(f"{prefix}g")))
            if calendar is None or (group == "py" and not 1900 <= year <= 2100):
                return []
            start = match.start({"wy": "yw", "my": "my", "py": "py"}[group])
            unmarked = not (prefix and (match.group(f"{prefix}h") or match.group(f"{prefix}g")))
            return [_Parsed(start, match.end(), calendar, year, None, None, unmarked=unmarked)]
    return []


# --- resolution: a parsed mention to (Gregorian date, year_inferred) ---

# The longest each month can be, in any year: a year-less day past it is no date.
_LONGEST = {
    "gregorian": (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31),
    "hijri": (30,) * 12,
}


def _may_exist(p: _Parsed) -> bool:
    """Whether a year-less mention names a day some year has ("29 شباط" yes, "30 شباط" no)."""
    return (
        p.month is not None
        and 1 <= p.month <= 12
        and (p.day is None or p.day <= _LONGEST[p.calendar][p.month - 1])
    )


def _to_gregorian(calendar: Calendar, year: int, month: int, day: int) -> date | None:
    """The Gregorian date of a (calendar, y, m, d), or None when there is no such day."""
    try:
        if calendar == "hijri":
            g = Hijri(year, month, day).to_gregorian()
            return date(g.year, g.month, g.day)
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None


def _in_calendar(calendar: Calendar, day: date) -> tuple[int, int, int] | None:
    """`day` as (y, m, d) of `calendar`; None outside hijridate's range."""
    if calendar == "gregorian":
        return day.year, day.month, day.day
    try:
        return Gregorian(day.year, day.month, day.day).to_hijri().datetuple()
    except (ValueError, OverflowError):
        return None


def _resolve(p: _Parsed, reference: date | None) -> tuple[date, bool] | None:
    if p.unmarked and p.year is not None and _unmarked_year_is_hijri(p.year, reference):
        p.calendar = "hijri"
    if p.year is not None:
        resolved = _to_gregorian(p.calendar, p.year, p.month or 1, p.day or 1)
        return (resolved, False) if resolved else None
    if reference is None:
        return None
    ref = _in_calendar(p.calendar, reference)
    if ref is None:
        return None
    if p.year_offset is not None:
        resolved = _to_gregorian(p.calendar, ref[0] + p.year_offset, p.month or 1, p.day or 1)
        return (resolved, True) if resolved else None
    here = (p.month, p.day) if p.day else (p.month,)
    now = ref[1:] if p.day else ref[1:2]
    years: Iterable[int]
    if p.anchor == "current":
        years = (ref[0],)
    elif p.anchor == "future":
        years = (y for y in range(ref[0], ref[0] + 9) if (y, *here) > (ref[0], *now))
    elif p.anchor == "past":  # strictly before publication
        years = (y for y in range(ref[0], ref[0] - 9, -1) if (y, *here) < (ref[0], *now))
    else:  # no anchor: the most recent occurrence not after publication
        years = (y for y in range(ref[0], ref[0] - 9, -1) if (y, *here) <= (ref[0], *now))
    for year in years:
        resolved = _to_gregorian(p.calendar, year, p.month or 1, p.day or 1)
        if resolved:
            return (
                _weekday_year(p, ref[0], resolved)
                if p.weekday is not None and not p.anchor
                else (resolved, True)
            )
    return None


def _weekday_year(p: _Parsed, ref_year: int, chosen: date) -> tuple[date, bool]:
    """The year whose date falls on the stated weekday, among the three around publication."""
    if chosen.weekday() == p.weekday:
        return chosen, True
    matching = [
        d
        for y in (ref_year - 1, ref_year, ref_year + 1)
        if (d := _to_gregorian(p.calendar, y, p.month or 1, p.day or 1)) and d.weekday() == p.weekday
    ]
    return (matching[0], True) if len(matching) == 1 else (chosen, True)


def _resolve_near(p: _Parsed, partner: date) -> tuple[date, bool] | None:
    """A year-less side of a "الموافق" pair: the occurrence nearest its partner's date."""
    ref = _in_calendar(p.calendar, partner)
    if ref is None:
        return None
    candidates = [
        d
        for y in (ref[0] - 1, ref[0], ref[0] + 1)
        if (d := _to_gregorian(p.calendar, y, p.month or 1, p.day or 1))
    ]
    return (min(candidates, key=lambda d: abs((d - partner).days)), True) if candidates else None
