"""Speakers resolved within the article: roles, descriptions and statements to the person or body
named for them, then to the fullest and most complete name used for the same person (`same_person`)."""

from __future__ import annotations

import itertools
import re
from difflib import SequenceMatcher
from functools import lru_cache

from akhbar.extract.quotes.cues import _DUAL, _cues
from akhbar.extract.quotes.marks import _QUOTE
from akhbar.extract.quotes.patterns import (
    _HARAKAT,
    _VERB_STEMS_RE,
    Quote,
    _either,
    _loose,
    _Spans,
    _verb_pattern,
)
from akhbar.extract.quotes.speakers import (
    _ENDS_SUBJECT,
    _NOT_APPOSITION,
    _NOT_NAME,
    _PREPOSITION,
    _ROLE_START,
    MAX_APPOSITION_WORDS,
    _name_after_role,
    _role_lead,
    _subject,
)
from akhbar.normalize import search_key

_ATTRIBUTION_WORDS = "بحسب|حسب|وفق|عن|إن|أن|إنه|أنه|لدى|مع|بين|بعد|قبل|ضد"


def _is_letter(ch: str) -> bool:
    return "\u0621" <= ch <= "\u064a"


def _word_starts(text: str, words: str) -> list[int]:
    """Offsets where `words` occurs in `text` at the start of a word (no regex: speakers
    differ from article to article, and a pattern compiled for each costs more than the search)."""
    found, at = [], text.find(words)
    while at >= 0:
        if at == 0 or not _is_letter(text[at - 1]):
            found.append(at)
        at = text.find(words, at + 1)
    return found


@lru_cache(maxsize=4096)
def _word_pattern(body: str, before: str = "", after: str = r"(?![\u0621-\u064a])") -> re.Pattern[str]:
    """`body` (a regex) starting a word, with `before` and `after` around it; compiled once."""
    return re.compile(rf"(?<![\u0621-\u064a]){before}{body}{after}")


@lru_cache(maxsize=8192)
def _last_name_key(name: str) -> str:
    tokens = search_key(name).split()
    return tokens[-1] if tokens else ""


@lru_cache(maxsize=16384)
def same_person(a: str, b: str) -> bool:
    """Whether two names are one person: their last words equal, or alike enough to be one
    misspelled (دارشيف / دارتشييف)."""
    x, y = _last_name_key(a), _last_name_key(b)
    return bool(x and y) and (x == y or SequenceMatcher(None, x, y).ratio() >= 0.75)


_FIRST_NAME_STOP = re.compile(
    rf"^(?:[وف]?{_loose('ال')}|لل|بال|كال|لـ|[وف]?(?:{_VERB_STEMS_RE}|{_verb_pattern()})|{_ATTRIBUTION_WORDS})"
)


# The patterns built around a name or a description, compiled once per string: the same
# speakers come back article after article, and left to re's cache they pushed its own
# patterns out.
@lru_cache(maxsize=4096)
def _name_after_word(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![\u0621-\u064a])([\u0621-\u064a\u064b-\u0652]{{2,}}) {re.escape(name)}(?![\u0621-\u064a])"
    )


@lru_cache(maxsize=4096)
def _set_off_after(description: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(description)}[^،,.\"«]{{0,60}}[،,]\s*([^،,.\"«]{{3,30}})[،,]")


@lru_cache(maxsize=4096)
def _named_head(head: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![\u0621-\u064a]){re.escape(head)}\s+(?:[\"«“(](?P<q>[^\"»”)«“(\n]{{2,40}})[\"»”)]|(?P<w>[\u0621-\u064a]{{2,}}))"
    )


def _fuller_names(text: str, name: str) -> list[str]:
    """ "أبيشاي ليفي" for "ليفي": a one-word name preceded elsewhere in the article by a word
    that is not an article-prefixed noun, a reporting verb or an attribution."""
    found = []
    for match in _name_after_word(name).finditer(text):
        first = match.group(1)
        if not _FIRST_NAME_STOP.match(first) and not _ROLE_START.match(first):
            found.append(f"{first} {name}")
    return found


# A word that may continue a body's name after its head: a noun or adjective with the article
# ("هيئة الصحة العامة السويدية"), joined by و ("وزارة السياحة والآثار"), or after ل ("للآثار").
_NAME_WORD = re.compile(r"^(?:و?ال|لل)[\u0621-\u064a\u064b-\u0652]{2,}$")

MAX_NAME_WORDS = 6


def _named_forms(text: str, head: str, spans: _Spans) -> list[tuple[int, str]]:
    """(position, name) of each mention of a body by its head noun without the article:
    "هيئة" + the words of its name ("هيئة الصحة العامة السويدية", "صحيفة «معاريف»")."""
    found = []
    for match in _named_head(head).finditer(text):
        if match.group("q"):
            found.append((match.start(), f"{head} {match.group('q').strip()}"))
            continue
        word = match.group("w")
        tagged = any(s <= match.start("w") < e for s, e, _, _ in spans)
        if word.startswith("ال"):
            words = [word]
            for nxt in text[match.end() :].split()[: MAX_NAME_WORDS - 1]:
                word_only = nxt.rstrip("،,.:؛")
                if not _NAME_WORD.match(word_only):
                    break
                words.append(word_only)
                if word_only != nxt:
                    break  # punctuation ends the name
            found.append((match.start(), f"{head} {' '.join(words)}"))
        elif tagged:
            found.append((match.start(), f"{head} {word}"))
    return found


def _set_off_name(text: str, name: str, start: int, spans: _Spans) -> bool:
    """Whether `name`, set off by commas after a description, is a person's name: tagged as
    one, or a short run of words that is no function word, number or noun with the article
    at its start and whose last word the article uses again ("… ، أشرف القدرة، …" / "وقال
    القدرة")."""
    words = name.split()
    if not 1 <= len(words) <= 3 or _NOT_NAME.match(name):
        return False
    if any(label == "PER" and s < start + len(name) and e > start for s, e, label, _ in spans):
        return True
    if words[0].startswith("ال") or re.search(r"\d", name) or _PREPOSITION.match(name + " "):
        return False
    if any(_NOT_APPOSITION.match(w) or _ENDS_SUBJECT.match(w) for w in words):
        return False
    last = words[-1]
    ends = (i + len(last) for i in _word_starts(text, last))
    return sum(1 for e in ends if e == len(text) or not _is_letter(text[e])) > 1


def _antecedent(text: str, speaker: str, spans: _Spans = (), position: int | None = None) -> str | None:
    """What a definite description ("الصحيفة", "الهيئة", "الحاخام الإسرائيلي") refers to in
    the article: the named form of its head nearest before the quote ("صحيفة معاريف", "هيئة
    الصحة العامة السويدية"; a name quoted or tagged as an entity, or the head's genitive
    words), or the name set off after the description ("الحاخام الإسرائيلي في قيادة المنطقة
    الشمالية، أبيشاي ليفي،")."""
    words = speaker.split()
    if not (1 <= len(words) <= 5 and (words[0].startswith("ال") or _ROLE_START.match(words[0]))):
        return None
    after = _set_off_after(speaker).search(text)
    if after and _set_off_name(text, after.group(1), after.start(1), spans):
        return after.group(1).strip()  # a person's name, set off
    if not words[0].startswith("ال") or len(words) > 3:
        return None
    found = _named_forms(text, words[0][2:], spans)
    # the description itself with more of its name: "الحكومة الفيدرالية" → "… الصومالية"
    for at in _word_starts(text, speaker):
        more = []
        tail = text[at + len(speaker) : at + len(speaker) + 80]
        for nxt in tail.split()[:3] if tail[:1].isspace() else []:
            if not _NAME_WORD.match(nxt) or _ROLE_START.match(nxt) or not nxt.endswith(("ي", "ية")):
                break  # only adjectives of origin: "الصومالية", "الأمريكية"
            more.append(nxt)
        if more:
            found.append((at, f"{speaker} {' '.join(more)}"))
    if not found:
        return None
    where = len(text) if position is None else position
    before = [f for f in found if f[0] <= where]
    chosen = max(before)[1] if before else min(found)[1]
    return max((n for _, n in found if n.startswith(chosen)), key=len)  # its fullest form


# Statements speak for whoever issued them: "وتابع البيان", "وقال تقرير أصدرته المنظمة".
_STATEMENT = re.compile(
    rf"^(?:{_loose('ال')})?(?:{_either('بيان رسالة تغريدة منشور تقرير إعلان مذكرة')})\S*"
    rf"(?:\s+(?:(?:[^\s،,.:؛]+\s+){{0,2}}?{_loose('أصدر')}\S*|{_loose('الصادر')}\s+عن|صادر\s+عن|لـ?)\s*(?P<by>.+)"
    # "بيان الوزارتين": the issuer named by a description, found where the statement was first told
    rf"|\s+{_loose('ال')}[^\s،,.:؛]+)?$"
)


def _role_bound(text: str, start: int, end: int) -> bool:
    """Whether the name at text[start:end] is given with a role: "وزير الخارجية X", "X، رئيس …"."""
    tail = re.split(r"[.:؛!?؟\n\"«»“”]", text[max(0, start - 120) : start])[-1]
    words = tail.split()
    for i in range(len(words) - 1, max(-1, len(words) - 1 - MAX_APPOSITION_WORDS), -1):
        if _ROLE_START.match(words[i]) and _role_lead(" ".join(words[i:])):
            return True
    after = re.match(r"\s*[،,]\s*(\S+)", text[end : end + 40])
    return bool(after and _ROLE_START.match(after.group(1)))


def _named_for(description: str, text: str, spans: _Spans, position: int) -> str | None:
    """The person the article names for a role or a description: the same words next to a
    name ("رئيس اللجنة X", "X، رئيس اللجنة"), at the mention nearest before the quote (else
    the first after it); for a role with no such mention, the nearest name given with a role
    before the quote ("المسؤول" → the spokesman named earlier)."""
    people = [(s, e, t) for s, e, label, t in spans if label == "PER"]
    if not people:
        return None
    role = bool(_ROLE_START.match(description))
    found: list[tuple[int, str]] = []
    for os_ in _word_starts(text, description):
        oe = os_ + len(description)
        for s, _e, name in people:
            if s >= oe:
                gap = text[oe:s]
                if (role and _role_lead(description + gap)) or re.fullmatch(r"\s*[،,]?\s*", gap):
                    found.append((os_, name))
                break
        for _s, e, name in reversed(people):
            if e <= os_:
                if re.fullmatch(r"\s*[،,]\s*", text[e:os_]):
                    found.append((os_, name))
                break
    if found:
        before = [f for f in found if f[0] <= position]
        return max(before)[1] if before else min(found)[1]
    if role:
        bound = [(s, name) for s, e, name in people if e <= position and _role_bound(text, s, e)]
        if bound:
            return max(bound)[1]
    return None


def _pair_for(description: str, text: str, spans: _Spans, position: int) -> str | None:
    """The two the article names for a dual ("الجانبان", "البلدان"): the last pair of names of
    one kind joined by و ("تركيا ومصر") before the quote, outside quotation marks."""
    if not _DUAL.match(description):
        return None
    quoted = [m.span() for m in _QUOTE.finditer(text, 0, position)]
    pairs = [
        f"{a[3]} و{b[3]}"
        for a, b in itertools.pairwise(sorted(spans))
        if a[2] == b[2]
        and a[2] in ("PER", "LOC", "ORG")
        and b[1] <= position
        and text[a[1] : b[0]] == " و"
        and not any(s <= a[0] < e for s, e in quoted)
    ]
    return pairs[-1] if pairs else None


def _same_role_earlier(role: str, earlier: list[str | None]) -> str | None:
    """ "وزير الصحة السويدي" after "وزير الصحة العامة فلان الفلاني" spoke: the last earlier
    speaker given with the same role word and a name after it."""
    head = role.split()[0]
    if not _ROLE_START.match(head):
        return None
    for speaker in reversed(earlier):
        longer = speaker and len(speaker.split()) > len(role.split())
        if longer and speaker != role and speaker.split()[0] == head:
            return speaker
    return None


def speaker_head(speaker: str) -> str:
    """The head noun of a speaker without the article: "البيان" → "بيان"."""
    head = speaker.split()[0] if speaker.split() else ""
    return head[2:] if head.startswith("ال") else head


_ISSUED_BY = re.compile(
    # "بيان صادر عن X", "تقرير حديث أصدرته X", "التقرير الذي أصدرته X", "بيان لـX"
    rf"\S*\s+(?:(?:[^\s،,.:؛]+\s+){{0,2}}?(?:{_loose('صادر')}\S*\s+عن|{_loose('أصدر')}\S*)|لـ?(?=\S)(?!ه(?:ا|م|ما)?(?![\u0621-\u064a])))"
    rf"\s*(?P<by>[^،,.:؛\"«“(\n]+)"
)


def _issuer(text: str, position: int, head: str, spans: _Spans) -> str | None:
    """Who issued the statement a quote is attributed to ("وتابع البيان"): the body named
    with the last mention of the statement before the quote ("بيان صادر عن X", "بيان لـX",
    "وقالت X في بيان"), else nobody."""
    mentions = list(_word_pattern(_loose(head), "(?:[وفبل]|ال|وال|بال|فال)?", "").finditer(text, 0, position))
    for mention in reversed(mentions):
        by = _ISSUED_BY.match(text, mention.end())
        if by:
            named = _subject(by.group("by"))
            if isinstance(named, str) and not _STATEMENT.match(named):
                return named
        start = max(text.rfind(".", 0, mention.start()), text.rfind("\n", 0, mention.start())) + 1
        stops = (text.find(".", mention.end()), text.find("\n", mention.end()), len(text))
        end = min(i for i in stops if i >= 0)
        cues = [
            c
            for c in _cues(text[start:end], start, spans)
            if isinstance(c[2], str) and start + c[0] < mention.start() and not _STATEMENT.match(c[2])
        ]
        if cues:
            return max(cues, key=lambda c: c[0])[2]  # type: ignore[return-value]
    return None


def _name_from_first_word(word: str, spans: _Spans) -> str | None:
    """ "شي" → "شي جين بينغ": a one-word speaker that begins exactly one longer name the
    article tags, and ends none (a surname is resolved by `same_person`)."""
    longer = {t for _, _, label, t in spans if label == "PER" and t.split()[0] == word and len(t.split()) > 1}
    ends = any(label == "PER" and t.split()[-1] == word and len(t.split()) > 1 for _, _, label, t in spans)
    return longer.pop() if len(longer) == 1 and not ends else None


# "مراسلنا", "مراسلتنا", "موفدنا": the outlet's own role word with "our"; the article names the
# person with the role word itself ("مراسلة الميادين، فلانة").
_OUR_ROLE = re.compile(r"^(?P<role>[\u0621-\u064a]{3,}?)(?P<f>ت)?نا$")


def _our_role(speaker: str, text: str, spans: _Spans, position: int) -> str | None:
    """The person an article's "our correspondent" ("مراسلنا", "مراسلتنا") is: named with the
    role word, at the mention nearest before the quote (else the first after it)."""
    our = _OUR_ROLE.match(speaker)
    if not our or " " in speaker or not _ROLE_START.match(our.group("role")):
        return None
    role = our.group("role") + ("ة" if our.group("f") else "")
    return _named_for(role, text, spans, position)


def _is_description(speaker: str, text: str, spans: _Spans) -> bool:
    """A role or a definite description, not a name: no person or organisation is tagged in
    it where it is used."""
    words = speaker.split()
    if not (_ROLE_START.match(words[0]) or words[0].startswith("ال")):
        return False
    where = text.find(speaker)
    if where < 0:
        return True
    return not any(
        (label == "PER" and s < where + len(speaker) and e > where) or (label == "ORG" and s == where)
        for s, e, label, _ in spans
    )


def resolve_speakers(
    quotes: list[Quote], text: str = "", spans: _Spans = (), positions: list[int] | None = None
) -> list[Quote]:
    """Each speaker replaced by the person or body the article names for it (a role, a
    description, a statement), then by the fullest name the article uses for the same person.
    `spans` are entity spans of `text`, `positions` the quotes' offsets in it."""
    positions = positions or [len(text)] * len(quotes)
    named: list[Quote] = []
    issuer: str | None = None
    for quote, position in zip(quotes, positions, strict=True):
        speaker = quote.speaker if _last_name_key(quote.speaker or "") else None
        statement = _STATEMENT.match(speaker) if speaker else None
        if statement:
            by = statement.group("by")
            speaker = _subject(by) if by else None
            if not isinstance(speaker, str) or _STATEMENT.match(speaker):
                speaker = _issuer(text, position, speaker_head(quote.speaker or ""), spans)
        if speaker and _is_description(speaker, text, spans):
            speaker = (
                _pair_for(speaker, text, spans, position)
                or _named_for(speaker, text, spans, position)
                or _same_role_earlier(speaker, [q.speaker for q in named])
                or _antecedent(text, speaker, spans, position)
                or speaker
            )
        if speaker and len(speaker.split()) == 1:
            our = _our_role(speaker, text, spans, position)
            speaker = our or _name_from_first_word(speaker, spans) or speaker
        if speaker and _PREPOSITION.match(speaker + " "):
            speaker = None  # a prepositional phrase ("في البيان") is never a speaker
        speaker = speaker if speaker and _last_name_key(speaker) else None
        issuer = speaker or issuer
        named.append(Quote(quote.text, speaker, quote.verb, quote.paragraph))
    names = [_name_after_role(q.speaker) or q.speaker for q in named if q.speaker]
    people = {t for _, _, label, t in spans if label == "PER"}
    places = {t for _, _, label, t in spans if label == "LOC"} - people
    for name in list(dict.fromkeys(names)):
        if len(name.split()) == 1 and name not in places:  # "مصر" is whole, "رفضت مصر" no name
            names += _fuller_names(text, name)
    resolved = []
    for quote in named:
        speaker = quote.speaker
        if speaker:
            speaker = _name_after_role(speaker) or speaker  # a role the tagger left on a name
            same = [n for n in names if same_person(n, speaker)] or [speaker]
            speaker = max(same, key=lambda n: (len(n.split()), -names.index(n) if n in names else 0))
            speaker = _completed(speaker, spans, text)
            speaker = _fuller_body(speaker, text, spans) or speaker
            speaker = _placed_body(speaker, names)
        resolved.append(Quote(quote.text, speaker, quote.verb, quote.paragraph))
    return resolved


def _placed_body(speaker: str, names: list[str]) -> str:
    """A body's name given once with its place ("وزارة الخارجية في حكومة البلد") and then
    without it ("وزارة الخارجية"): the fuller form, when it is the only one."""
    fuller = {n for n in names if n.startswith(f"{speaker} في ")}
    return fuller.pop() if len(fuller) == 1 else speaker


def _fuller_body(speaker: str, text: str, spans: _Spans) -> str | None:
    """A body's name given in part ("هيئة الصحة") completed from its fuller mention in the
    article ("هيئة الصحة العامة السويدية"): the named forms of its head noun that begin with
    it, when they are one name (each beginning the longest)."""
    words = speaker.split()
    if len(words) < 2 or words[0].startswith("ال") or _ROLE_START.match(words[0]):
        return None
    longer = {n for _, n in _named_forms(text, words[0], spans) if n.startswith(speaker + " ")}
    if not longer:
        return None
    longest = max(longer, key=lambda n: (len(n.split()), n))
    return longest if all(longest.startswith(n) for n in longer) else None


def _spoke(name: str, text: str, spans: _Spans) -> bool:
    """Whether the article gives `name` as the subject of a reporting verb somewhere."""
    for at in _word_starts(text, name):
        start = max(text.rfind(".", 0, at), text.rfind("\n", 0, at)) + 1
        stops = [i for i in (text.find(".", at), text.find("\n", at)) if i >= 0]
        end = min(stops) if stops else len(text)
        if any(c[2] == name for c in _cues(text[start:end], start, spans)):
            return True
    return False


def _completed(speaker: str, spans: _Spans, text: str = "") -> str:
    """The article's complete name for a speaker given in part: a PER or ORG mention of the
    article whose words begin with the speaker's ("عبدالله بن مساعد" → "عبدالله بن مساعد بن
    عبدالعزيز", "كيم" → "كيم يو جونغ"). Only when the longer mentions are one name, each
    beginning the longest; two different completions leave the speaker as given."""
    words = re.sub(_HARAKAT, "", speaker).split()
    longer = {
        " ".join(mention.split())
        for _, _, label, mention in spans
        if label in ("PER", "ORG")
        and re.sub(_HARAKAT, "", mention).split()[: len(words)] == words
        and len(mention.split()) > len(words)
    }
    if not longer:
        return speaker
    longest = max(longer, key=lambda m: (len(m.split()), m))
    if all(longest.split()[: len(m.split())] == m.split() for m in longer):
        return longest
    # two people the short name may be ("كيم"): the one the article has speaking
    speaking = [m for m in sorted(longer) if text and _spoke(m, text, spans)]
    return speaking[0] if len(speaking) == 1 else speaker
