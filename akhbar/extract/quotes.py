"""Quoted utterances with their speaker, reporting verb and paragraph index.

A quote is text in "…", «…» or “…” of at least four words (quoted terms and names such as
"الجيش" or "بي بي سي" are not utterances) that a reporting cue attributes:
- a reporting verb before it ("قال X إن «…»", "أكدت الوزارة أن …", with و/ف and feminine or
  plural forms) or after it ("«…»، قال X");
- an attribution phrase: "بحسب X", "وفق X", "نقلاً عن X", "نقل عن X قوله";
- a continuation that names nobody ("ولفت إلى أنّه «…»", "مشيراً إلى أن «…»", "وأضاف: «…»"),
  which goes to the previous speaker.
Speakers are resolved within the article to the fullest name it uses for the same person,
matching last names loosely so that misspellings (دارشيف / دارتشييف) are one person.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from akhbar.extract.entities import Entity, find_entities
from akhbar.normalize import search_key

_HARAKAT = "[\u064b-\u0652\u0670]*"


def _loose(word: str) -> str:
    """A regex for `word` that tolerates diacritics after any letter and hamza variants of alef."""
    out = []
    for ch in word:
        out.append("[اأإآ]" if ch in "اأإآ" else re.escape(ch))
        out.append(_HARAKAT)
    return "".join(out)


# Reporting verbs in the perfect (3rd person masculine singular): the closed class of verbs of
# saying, stating, asking, promising and warning that news prose attributes speech with. Words
# that are as often a preposition, a noun or a passive ("بين", "عبر", "عقب", "رد", "أبرز", "كُتب على
# اللافتات") are left out; "بيّن", "عبّر" and "عقّب" count when written with their shadda.
_VERB_STEMS = (
    "قال أكد أشار لفت أوضح أضاف صرح اعتبر شدد تابع رأى أعلن كشف ذكر أفاد نوه حذر دعا "
    "استطرد استرسل زاد علق غرد أردف نفى اتهم طالب أكمل وصف ختم خلص تساءل أعرب تحدث "
    "جزم أقر زعم اعترف أورد روى نبه استنكر أجاب تعهد توعد هدد ناشد أبلغ أخبر "
    "أوصى اقترح ادعى أفصح استدرك اختتم طمأن"
).split()
_SHADDA_VERBS = ("بيّن", "عبّر", "عقّب")
_PRESENT = (
    "يقول تقول يقولون يؤكد تؤكد يشير تشير يرى ترى يضيف تضيف يوضح توضح يعتبر تعتبر يلفت تلفت "
    "يتابع تتابع يكشف تكشف يحذر تحذر يتساءل تتساءل يردف تردف"
).split()
_PARTICIPLES = (
    "مشيرا لافتا مضيفا مؤكدا موضحا معتبرا مشددا متابعا محذرا داعيا قائلا مردفا منوها مستطردا"
).split()
# Participles whose bare stem or feminine is also a common noun ("مطالب", "مطالبة"): with the
# accusative ending only.
_PARTICIPLES_ENDED = (
    "متسائلا واصفا مطالبا معربا مبرزا مبينا مستنكرا مختتما كاشفا معلنا مستدركا متوعدا".split()
)


def _perfect_forms(stem: str) -> str:
    """A perfect verb with its feminine, dual and plural endings; a final weak letter drops
    before them ("رأى" → "رأت", "رأوا"; "دعا" → "دعت", "دعوا")."""
    if stem[-1] in "ىا":
        return rf"{_loose(stem)}|{_loose(stem[:-1])}(?:ت|وا|تا)"
    return rf"{_loose(stem)}(?:ت|وا|ا|تا)?"


def _verb_pattern() -> str:
    forms = [_perfect_forms(stem) for stem in _VERB_STEMS]
    forms += [rf"{re.escape(v)}(?:ت|وا|ا|تا)?" for v in _SHADDA_VERBS]
    forms += [_loose(w) for w in _PRESENT]
    return "|".join(forms)


def _participle_pattern() -> str:
    forms = []
    for word in _PARTICIPLES:
        stem = word[:-1]  # drop the final alef of the accusative
        forms.append(rf"{_loose(stem)}(?:[اة]{_HARAKAT}|ين|ات)?")
    for word in _PARTICIPLES_ENDED:
        forms.append(rf"{_loose(word[:-1])}ا{_HARAKAT}")
    return "|".join(forms)


_VERB_STEMS_RE = "|".join(_loose(v) for v in _VERB_STEMS)
_ATTRIBUTION_WORDS = "بحسب|حسب|وفق|عن|إن|أن|إنه|أنه|لدى|مع|بين|بعد|قبل|ضد"
_WORD_END = r"(?![\u0621-\u064a])"
_WORD_START = r"(?<![\u0621-\u064a])"
_VERB = re.compile(rf"{_WORD_START}(?P<pre>[وف]?)(?P<verb>{_verb_pattern()}){_WORD_END}")
_PARTICIPLE = re.compile(rf"{_WORD_START}(?P<pre>[و]?)(?P<verb>{_participle_pattern()}){_WORD_END}")
_ATTRIBUTION = re.compile(
    rf"{_WORD_START}[وف]?(?P<verb>{_loose('بحسب')}|{_loose('حسب')}|{_loose('وفق')}[اًا]*(?:\s+ل[ـ]?)?"
    rf"|{_loose('نقلا')}[ً]?\s+عن|نقل[تت]?\s+عن|{_loose('على لسان')})\s+"
    # "بحسب ما ذكرته X"
    rf"(?:{_loose('ما')}\s+(?:{_verb_pattern()}|{_VERB_STEMS_RE}|{_loose('أورد')}|{_loose('نشر')}|{_loose('نقل')})\S*\s+)?"
    rf"(?P<speaker>[^،,:؛\"«“(]+)"
)
# "نقل التلفزيون عن الوزير قوله": the speaker sits between "عن" and "قوله".
_REPORTED = re.compile(
    rf"{_WORD_START}[وف]?(?P<verb>نقل[ت]?)\s+(?:[^،,:؛\"«“]+?\s+)?عن\s+(?P<speaker>[^،,:؛\"«“]+?)\s+{_loose('قول')}\S*"
)
_QUOTE = re.compile(r"\"(?P<a>[^\"\n]+)\"|«(?P<b>[^«»\n]+)»|“(?P<c>[^“”\n]+)”")
# What separates a verb's subject from the reported content.
_COMPLEMENT = re.compile(
    rf"(?:\s|،|,)+(?:(?:{_loose('إلى')}|{_loose('على')})\s+)?(?:{_loose('أن')}|{_loose('إن')}|{_loose('أنه')}|{_loose('إنه')}"
    rf"|{_loose('أنها')}|{_loose('أنهم')}|{_loose('قوله')}|{_loose('بأن')}|{_loose('بأنه')}|{_loose('بأنها')})(?![\u0621-\u064a])|\s*[:：]"
)
_SENTENCE_BREAK = re.compile(r"[.!?؟]\s")
_PRONOUNS = {"هو", "هي", "هم", "إنه", "أنه", "أنها"}
MIN_QUOTE_WORDS = 4
MAX_SPEAKER_WORDS = 8


@dataclass(frozen=True)
class Quote:
    text: str
    speaker: str | None
    verb: str
    paragraph: int


_PREPOSITION = re.compile(
    rf"^[وف]?(?:{_loose('على')}|{_loose('في')}|{_loose('إلى')}|{_loose('عن')}|{_loose('من')})\s"
)
_PRONOUN_OBJECT = re.compile(
    rf"^(?:{_loose('عنه')}|{_loose('عنها')}|{_loose('فيه')}|{_loose('فيها')}|له|لها|لي|لنا|لهم|منه|منها)\s+"
)
# Heads of the outlets a remark is made to ("لوكالة", "لصحيفة"): after ل, an addressee.
_MEDIA = (
    rf"(?:{_loose('صحيفة')}|{_loose('وكالة')}|{_loose('قناة')}|{_loose('شبكة')}|{_loose('موقع')}|{_loose('إذاعة')}"
    rf"|{_loose('تلفزيون')}|{_loose('مجلة')}|{_loose('برنامج')})(?![\u0621-\u064a])"
)
_SPEAKER_END = re.compile(
    rf"\s+(?:{_loose('في')}|{_loose('خلال')}|{_loose('أمس')}|{_loose('اليوم')}|{_loose('أمام')}|{_loose('عبر')}"
    rf"|{_loose('على')}|{_loose('عن')}|{_loose('إلى')}|{_loose('من')}|{_loose('مع')}|{_loose('لدى')}|{_loose('حول')}"
    rf"|{_loose('منذ')}|{_loose('ضد')}|{_loose('عند')}|لل\S+|لـ\S*|ل(?=\s)|بـ\S*|ب(?=\s)|بال\S+|ل{_MEDIA})(?:\s.*)?$"
)
# "بحسب تعبيره" / "وفق قولها": the attribution points back at the previous speaker.
_SELF_REFERENCE = re.compile(
    rf"^(?:ب|بال|ال)?(?:{_loose('تعبير')}|{_loose('قول')}|{_loose('وصف')}|{_loose('رأي')})\S*$"
)
# "أكدوا في بيان أن …": a frame of speech, not a speaker.
_SPEECH_FRAME = re.compile(
    rf"^(?:{_loose('في')}|{_loose('خلال')}|{_loose('عبر')})\s+(?:{_loose('بيان')}|{_loose('تصريح')}|{_loose('حديث')}"
    rf"|{_loose('مقابلة')}|{_loose('كلمة')}|{_loose('مؤتمر')}|{_loose('رسالة')}|{_loose('منشور')}|{_loose('تغريدة')})"
)
_REJECT = object()
# "اختتم كلامه", "تابع حديثها": the object is the speaker's own speech.
_OWN_SPEECH = re.compile(
    rf"^(?:{_loose('كلام')}|{_loose('حديث')}|{_loose('أعمال')}|{_loose('تصريح')}\S?|{_loose('كلمت')}"
    rf"|{_loose('رسالت')}|{_loose('خطاب')}|{_loose('مداخلت')}|{_loose('مقال')}|{_loose('قائلا')}\S?)(?:ه|ها|هم|هما)?"
    rf"(?:\s+(?:ب{_loose('القول')}|{_loose('قائلا')}\S?))?$"
)
# Words that are never a speaker on their own ("قال فيه", "أضاف قائلاً", "بالقول", "وفقاً له").
_NOT_SPEAKER_WORDS = frozenset(
    "القول بالقول قائلا قائلاً قائلة مضيفا مضيفاً فيه فيها له لها لهم عنه عنها ذلك هذا هذه "
    "وفقا وفقاً ووفقا ووفقاً حسب بحسب أيضا أيضاً كذلك بدوره بدورها بدورهم أمس اليوم غدا غداً "
    "مساء مساءً صباح صباحاً حينها آنذاك لي لنا".split()
)
# "قال لـ«الشرق الأوسط»": the newspaper is spoken to; the speaker is the one already named.
_ADDRESSEE = re.compile(rf"^(?:لـ?\s|ل{_MEDIA})")


_ROLE_START = re.compile(
    rf"^(?:{_loose('ال')})?(?:{_loose('متحدث')}|{_loose('ناطق')}|{_loose('رئيس')}|{_loose('وزير')}|{_loose('أمين')}"
    rf"|{_loose('مدير')}|{_loose('سفير')}|{_loose('نائب')}|{_loose('قائد')}|{_loose('زعيم')}|{_loose('مسؤول')}"
    rf"|{_loose('مستشار')}|{_loose('ممثل')}|{_loose('مندوب')}|{_loose('عضو')}|{_loose('محافظ')}|{_loose('مبعوث')}"
    rf"|{_loose('قيادي')}|{_loose('ضابط')}|{_loose('خبير')}|{_loose('محلل')}|{_loose('مراسل')}|{_loose('باحث')}"
    rf"|{_loose('مفوض')}|{_loose('منسق')}|{_loose('مساعد')}|{_loose('قاضي')}|{_loose('كبير')})"
    r"(?:ة|ا|ان|ون|ين|و)?(?![\u0621-\u064a])"  # the word whole: not "ناطقي", a name
)
_NOT_NAME = re.compile(
    rf"^(?:{_loose('اليوم')}|{_loose('أمس')}|{_loose('في')}|{_loose('خلال')}|{_loose('الذي')}|{_loose('التي')})"
)


# Where a subject ends: a relative or circumstantial clause ("X وهو أحد شهود العيان", "X الذي
# سبق أن…", "X حيث…"), or a role in apposition after a name ("علي بلحاج الرئيس السابق لـ…").
_SUBJECT_CLAUSE = re.compile(
    rf"\s+(?:{_loose('وهو')}|{_loose('وهي')}|{_loose('الذي')}|{_loose('التي')}|{_loose('الذين')}|{_loose('حيث')}"
    rf"|{_loose('عندما')}|{_loose('بعد')}|{_loose('دون')}|{_loose('بدون')})(?![\u0621-\u064a]).*$"
    # "مسؤول رفض الكشف عن هويته", "مصدر طلب عدم ذكر اسمه": the description ends before it
    rf"|\s+(?:{_loose('رفض')}|{_loose('طلب')}|{_loose('فضل')})\S*\s+(?:{_loose('عدم')}\s+)?(?:{_loose('الكشف')}|{_loose('ذكر')}).*$"
)
# A title right before a name: "رئيس مجلس إدارة المركز … الدكتور جمال أبو ظريفة" → from the title.
_TITLE_AND_NAME = re.compile(
    rf"(?:^|\s)(?P<name>(?:{_loose('الدكتور')}|{_loose('الشيخ')}|{_loose('السيد')}|{_loose('المهندس')}"
    rf"|{_loose('الأستاذ')}|{_loose('اللواء')}|{_loose('العميد')}|{_loose('الأمير')}|{_loose('العقيد')})"
    rf"(?:\s+[^\s]+){{1,3}})$"
)
# The first words of an object, not of a name, when a verb runs straight into a quote:
# "أكدت عدم وجود «…»", "أعلن رفضه «…»".
_OBJECT_START = re.compile(
    rf"^(?:{_loose('عدم')}|{_loose('ضرورة')}|{_loose('أهمية')}|{_loose('رفض')}\S*|{_loose('دعم')}\S*"
    rf"|{_loose('وجود')}|{_loose('استعداد')}\S*|{_loose('أن')}|{_loose('إن')}|بـ?|لـ?)(?:\s|$)"
)
MAX_BARE_SPEAKER_WORDS = 3  # a name a verb runs straight into a quote with: "وأكد بينيتيز «…»"
_TITLE = re.compile(
    rf"^(?:{_loose('الدكتور')}|{_loose('الشيخ')}|{_loose('السيد')}|{_loose('المهندس')}|{_loose('الأستاذ')}"
    rf"|{_loose('اللواء')}|{_loose('العميد')}|{_loose('الأمير')}|{_loose('العقيد')}|{_loose('الملك')}|{_loose('الرئيس')}"
    rf"|{_loose('د')}\.?)$"
)
_HONORIFIC = re.compile(
    rf"^(?:{_loose('الدكتور')}|{_loose('الشيخ')}|{_loose('السيد')}|{_loose('المهندس')}|{_loose('الأستاذ')}|{_loose('د')}\.?)$"
)
# A word that ends a subject: a reporting verb or participle, or a conjunction-led verb or
# pronoun ("ويضيف", "وهو").
_ENDS_SUBJECT = re.compile(
    rf"^(?:[وف]?(?:{_VERB.pattern[len(_WORD_START) :]}|(?:{_participle_pattern()})$)"
    rf"|[وف](?:{_loose('هو')}|{_loose('هي')}|{_loose('هم')}|{_loose('ذلك')})$)"
)
# Words that cannot stand between a role and the name it belongs to ("قال الوزير خلال لقائه
# نظيره X": X is not the speaker).
_NOT_APPOSITION = re.compile(
    rf"^(?:{_loose('خلال')}|{_loose('أمام')}|{_loose('مع')}|{_loose('إلى')}|{_loose('على')}|{_loose('عن')}"
    rf"|{_loose('من')}|{_loose('بعد')}|{_loose('قبل')}|{_loose('لدى')}|{_loose('عبر')}|{_loose('نظير')}\S*"
    rf"|{_loose('أمس')}|{_loose('اليوم')}|{_loose('إن')}|{_loose('أن')}|{_loose('الذي')}|{_loose('التي')}|لـ\S*)$"
)
# A preposition attached to a noun ("بتأكيد", "لدعم"), not a name's next word ("بن", "بو").
_PROCLITIC_NOUN = re.compile(r"^[بل](?!ن$|و$|نت$)[\u0621-\u064a]{3,}$")
MAX_APPOSITION_WORDS = 10  # "رئيس لجنة الخارجية والأمن في البرلمان X": a role's words before its name
# An entity span of the paragraph: (start, end, label, text).
_Spans = tuple[tuple[int, int, str, str], ...] | list[tuple[int, int, str, str]]
_MASK = "\u25a1"  # stands for the words of an earlier utterance in the sentence


_THAT = re.compile(rf"\s*[،,]?\s*(?:{_loose('إن')}|{_loose('أن')}|{_loose('بأن')})(?![\u0621-\u064a])")
_VERB_LAST = re.compile(rf"{_WORD_START}[وف]?(?:{_verb_pattern()})\s*$")


def _quoted_subject(text: str, start: int, end: int) -> bool:
    """A quoted name as a verb's subject, "وقالت «كتائب … المخيم» إن …": not an utterance."""
    return bool(_VERB_LAST.search(text, 0, start) and _THAT.match(text, end))


_PAIRS = {"»": "«", "”": "“"}


def _opens(text: str, i: int) -> bool:
    """Whether the straight quote at `i` opens: after a space, a bracket, punctuation or a
    proclitic ("بـ\"", "و\""), and before a word."""
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if after.isspace():
        return False
    if before.isspace() or before in "([{،,:؛.ـ-":
        return True
    return before in "وبلفك" and (i < 2 or text[i - 2].isspace())


def quotations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost quotation in `text`, marks included. Marks nest: an inner
    quoted name («…"الجيش"…») stays inside the utterance. Straight quotes open before a word and
    close after one; a line whose straight quotes do not pair up this way is read pair by pair."""
    found: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for mark in re.finditer(r"[\"«»“”]", text):
        ch, i = mark.group(), mark.start()
        if ch in "«“":
            stack.append((ch, i))
        elif ch in _PAIRS:
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == _PAIRS[ch]:
                    start = stack[k][1]
                    del stack[k:]
                    if not stack:
                        found.append((start, i + 1))
                    break
        elif stack and stack[-1][0] == '"' and not (_opens(text, i) and i + 1 < len(text)):
            start = stack.pop()[1]
            if not stack:
                found.append((start, i + 1))
        else:
            stack.append(('"', i))
    if any(ch == '"' for ch, _ in stack) or "\n" in text:
        return [m.span() for m in _QUOTE.finditer(text)]  # unbalanced: the old pairing
    return found


def _mask_utterances(text: str) -> str:
    """Utterances (quotes of four words or more) replaced by `_MASK`: a verb inside an earlier
    quote is not a cue, and a quote is never part of a speaker. Quoted names stay."""

    out, last = [], 0
    for start, end in quotations(text):
        inner = text[start + 1 : end - 1]
        if len(inner.split()) >= MIN_QUOTE_WORDS and not _quoted_subject(text, start, end):
            out += [text[last : start + 1], _MASK * len(inner)]
            last = end - 1
    return "".join(out) + text[last:]


def _role_lead(lead: str) -> bool:
    """Whether `lead` is a role or a description a name can follow in apposition: "رئيس
    لجنة الخارجية في البرلمان", "المتحدث باسم الوزارة،", "الدكتور"."""
    words = lead.replace("،", " ").replace(",", " ").split()
    if not words or len(words) > MAX_APPOSITION_WORDS or re.search(r"[.:؛!?؟\"«»“”\n]", lead):
        return False
    if not (_ROLE_START.match(words[0]) or _TITLE.match(words[0]) or words[0].startswith("ال")):
        return False
    return not any(_NOT_APPOSITION.match(w) or _ENDS_SUBJECT.match(w) for w in words)


def _by_entities(speaker: str, raw: str, at: int, spans: _Spans) -> str:
    """The speaker's boundaries set by entity spans: a person named after a role is the name
    ("رئيس المجلس زيد عمرو" → "زيد عمرو", a title kept), a name followed by a role or an
    object ends with the name ("زيد المواطنين" → "زيد"), an organisation cut short is given
    in full."""
    if not spans:
        return speaker
    first = speaker.split()[0]
    p = raw.find(first)
    if p < 0:
        return speaker
    start, end = at + p, at + p + len(speaker)
    region_end = at + p + len(re.split(f"[،,:؛({_MASK}]", raw[p:], maxsplit=1)[0])
    if first[0] in "لب" and any(s == start + 1 for s, _, _, _ in spans):
        return None  # "قالوا لـX", "بX": a prepositional phrase, the name after the proclitic
    if not any(s < region_end and e > start and label == "PER" for s, e, label, _ in spans):
        # "قال كبير الباحثين في المنظمة، فلان الفلاني": the name set off after the role
        for s, _e, label, text in spans:
            if s >= region_end and label == "PER":
                gap = raw[region_end - at : s - at]
                if re.fullmatch(r"\s*[،,]\s*(?:ال\S+\s+)?", gap) and not _PREPOSITION.match(speaker + " "):
                    return text
                break
    for s, e, label, text in spans:
        if e <= start or s >= region_end or label not in ("PER", "ORG"):
            continue
        if label == "ORG":
            gap = raw[end - at : e - at]
            if start <= s < end and e > end and not re.search(r"[،,:؛.\n]", gap):
                return " ".join(re.sub(r"[\"«»“”]", " ", raw[p : e - at]).split())
            return speaker
        if s <= start:
            rest = speaker[e - start :].split() if e < end else []
            # "فلان بتأكيد", "فلان المواطنين": the name ends where a noun with the article or a
            # preposition begins; any other word may be more of the name, kept
            ends = rest and (
                rest[0].startswith("ال") or _ROLE_START.match(rest[0]) or _PROCLITIC_NOUN.match(rest[0])
            )
            if rest and not ends:
                return speaker  # the tagger kept only part of the name
            return text if s == start else speaker
        lead = raw[p : s - at]
        if _role_lead(lead):
            return text  # without the honorific or the role before it
        return speaker
    return speaker


def _role_and_name(raw: str) -> str | None:
    """ "المتحدث باسم الرئاسة، دميتري بيسكوف، اليوم …" → the name after the role."""
    parts = [p.strip() for p in re.split(r"[،,]", raw)]
    if len(parts) >= 2 and _ROLE_START.match(parts[0]) and _role_lead(parts[0]) and parts[1]:
        name = parts[1]
        if (
            len(name.split()) <= 3
            and not _ROLE_START.match(name)
            and not _NOT_NAME.match(name)
            and not _PREPOSITION.match(name + " ")
            and not re.match(r"^(?:لل|لـ|بال|بـ|و)", name)
        ):
            return name
    return None


def _clean_speaker(raw: str, at: int = 0, spans: _Spans = ()):
    """The subject after a verb: up to the first comma, without the prepositional phrases
    that follow it, its boundaries set by the entity spans of the paragraph (`raw` starts at
    offset `at`). None when there is no subject (a continuation), `_REJECT` when what
    follows the verb is not a speaker at all ("كتب على اللافتات")."""
    speaker = _subject(raw)
    if isinstance(speaker, str):
        speaker = _by_entities(speaker, raw, at, spans)
    if isinstance(speaker, str):
        clause = re.split(f"[،,:؛({_MASK}]", raw, maxsplit=1)[0]
        if not any(label == "PER" and at <= s < at + len(clause) for s, _, label, _ in spans):
            if _role_only(speaker):
                return _name_after_place(clause) or speaker
    return speaker


def _name_after_role(speaker: str) -> str | None:
    """When the entity tagger finds no person, the name a role runs into: "وزير الخارجية
    فلان الفلاني" → "فلان الفلاني". The name is the words at the end without the article, after
    a role whose last word has it (so "رئيس وزراء البلد" stays whole)."""
    words = speaker.split()
    if len(words) < 3 or not (_PERSON_LEAD.match(words[0]) or _TITLE.match(words[0])):
        return None
    k = len(words)
    while k > 0 and not words[k - 1].startswith("ال") and not _ROLE_START.match(words[k - 1]):
        k -= 1
    name = words[k:]
    if not (2 <= len(name) <= MAX_FALLBACK_NAME_WORDS) or not words[k - 1].startswith("ال"):
        return None
    if any(not re.fullmatch(r"[\u0621-\u064a\u064b-\u0652]+", w) or _PROCLITIC_NOUN.match(w) for w in name):
        return None
    if any(_NOT_APPOSITION.match(w) or _ENDS_SUBJECT.match(w) for w in name):
        return None
    return " ".join(name)


def _role_only(speaker: str) -> bool:
    """A role or description with no name in it: "مراسل الميادين", "الصحافي"."""
    return all(w.startswith("ال") or _ROLE_START.match(w) or _TITLE.match(w) for w in speaker.split())


# Prepositions of place and affiliation that a role's words may carry before the name:
# "مراسل الميادين في غزة فلان", "عضو الكتلة للمقاومة في البرلمان فلان".
_PLACE_PREPOSITION = re.compile(rf"^(?:{_loose('في')}|{_loose('من')}|لـ|ل(?=ل)\S+|لـ\S+)$")
MAX_FALLBACK_NAME_WORDS = 4
# What a person's description starts with: a role, or a noun of occupation ("الصحافي", "الكاتب").
_PERSON_LEAD = re.compile(
    rf"^(?:{_ROLE_START.pattern[1:]}|(?:{_loose('ال')})?(?:{_loose('صحافي')}|{_loose('صحفي')}|{_loose('كاتب')}"
    rf"|{_loose('ناشط')}|{_loose('طبيب')}|{_loose('محامي')}|{_loose('أستاذ')}|{_loose('مؤرخ')}|{_loose('شاعر')}"
    rf"|{_loose('أسير')}|{_loose('مواطن')}|{_loose('نائب')}|{_loose('مذيع')}|{_loose('إعلامي')})(?:ة)?(?![\u0621-\u064a]))"
)


def _name_after_place(clause: str) -> str | None:
    """When the entity tagger finds no person, the name after a role's place phrase: the
    words after the last "في/من/لـ X" (X and its nouns with the article skipped), if the role
    before them is one a name follows in apposition and they look like a name."""
    words = clause.split()
    cuts = [i for i, w in enumerate(words) if _PLACE_PREPOSITION.match(w)]
    for cut in reversed(cuts):
        j = cut + (1 if words[cut] in ("في", "من") or words[cut] == "لـ" else 0) + 1
        if words[cut].startswith(("لل", "لـ")) and words[cut] != "لـ":
            j = cut + 1
        while j < len(words) and words[j].startswith("ال"):
            j += 1
        name = words[j:]
        if not name:
            continue
        # a further place phrase after the name ends it: "فلان من رام الله", "فلان لـ الميادين"
        for k, w in enumerate(name):
            if _PLACE_PREPOSITION.match(w) or _PREPOSITION.match(w + " "):
                name = name[:k]
                break
        text = " ".join(name)
        if (
            2 <= len(name) <= MAX_FALLBACK_NAME_WORDS
            and _PERSON_LEAD.match(words[0])
            and all(
                re.fullmatch(r"[\u0621-\u064a\u064b-\u0652]+", w) and not _PROCLITIC_NOUN.match(w)
                for w in name
            )
            and not name[0].startswith("ال")
            and not _ROLE_START.match(name[0])
            and not _NOT_NAME.match(text)
            and not re.search(r"[\d_@]", text)
            and not any(_NOT_APPOSITION.match(w) or _ENDS_SUBJECT.match(w) for w in name)
            and _role_lead(" ".join(words[:j]))
        ):
            return text
    return None


def _subject(raw: str):
    named = _role_and_name(raw)
    if named:
        return named
    # Quote marks stay: names are often quoted ("وكالة \"بلومبرغ\"") and are kept, unquoted.
    text = re.split(f"[،,:؛({_MASK}]", raw, maxsplit=1)[0].strip()
    # a name in quote marks ends the speaker: "وكالة «شينخوا» الصينية" → "وكالة شينخوا"
    quoted = re.match(r"^\s*[\"«“]([^\"»”]+)[\"»”]", text)
    if quoted and not _PREPOSITION.match(quoted.group(1) + " "):
        return " ".join(quoted.group(1).split())  # "وقالت «جمعية … في الساحل» إن": all of it
    text = re.sub(r"^([^\"«“]*[\"«“][^\"»”]+[\"»”]).*$", r"\1", text)
    text = " ".join(re.sub(r"[\"«»“”]", " ", text).split())
    text = _PRONOUN_OBJECT.sub("", text)
    if _ADDRESSEE.match(text) or all(re.sub(_HARAKAT, "", w) in _NOT_SPEAKER_WORDS for w in text.split()):
        return None
    if not text or text in _PRONOUNS or _SELF_REFERENCE.match(text) or _SPEECH_FRAME.match(text):
        return None
    if _OWN_SPEECH.match(text):
        return None  # "واختتم كلامه «…»": the speaker's own words, a continuation
    if _PREPOSITION.match(text + " "):
        return _REJECT
    text = _SUBJECT_CLAUSE.sub("", text).strip()
    words = text.split()
    for i, word in enumerate(words[1:], start=1):
        if _ENDS_SUBJECT.match(word):  # "وختم X قائلاً", "X ويضيف": a verb ends the subject
            text = " ".join(words[:i])
            break
    words = text.split()
    named_first = not _ROLE_START.match(words[0]) and not words[0].startswith("ال") if words else False
    for i, word in enumerate(words[1:], start=1):
        if _ROLE_START.match(word) and (word.startswith("ال") or (named_first and i >= 2)):
            text = " ".join(words[:i])  # a role in apposition after the name
            break
    ended = _SPEAKER_END.sub("", text).strip()
    titled = _TITLE_AND_NAME.search(ended) or _TITLE_AND_NAME.search(text)
    text = titled.group("name") if titled else ended
    words = text.split()
    if not words or len(words) > MAX_SPEAKER_WORDS or not re.search(r"[^\W\d_]", text):
        return _REJECT
    if re.search(r"[؟?!]", text) or text.startswith("لل"):
        return _REJECT  # a question or an addressee ("للصحفيين"), not a speaker
    if len(words) >= 3 and _HONORIFIC.match(words[0]):
        text = " ".join(words[1:])  # the name without "الدكتور", "الشيخ"
    return text.rstrip(".")


_FRONT = re.compile(rf"^\s*(?:[وف]?{_loose('كان')}(?:ت)?\s+)?")
_BEFORE_VERB = re.compile(rf"\s+(?:{_loose('قد')}|{_loose('فقد')}|{_loose('لقد')})\s*$")


def _fronted_subject(pre: str, at: int, spans: _Spans) -> str | None:
    """The subject written before its verb at the start of the sentence: "وكان رئيس المكتب،
    فلان الفلاني، قد أكد …", "فلان أكد …". Only the whole stretch before the verb counts."""
    front = _FRONT.match(pre)
    start = front.end() if front else 0
    clause = _BEFORE_VERB.sub("", pre[start:])
    if not clause.strip() or _MASK in clause or len(clause.split()) > MAX_APPOSITION_WORDS:
        return None
    if _VERB.search(clause) or _PARTICIPLE.search(clause):
        return None
    named = _role_and_name(clause)
    if named:
        return named
    if re.search(r"[،,:؛]", clause.strip().rstrip("،,")):
        return None
    speaker = _clean_speaker(clause, at + start, spans)
    whole = " ".join(re.sub(r"[\"«»“”]", " ", clause).split()).rstrip("،,")
    if not isinstance(speaker, str) or speaker != whole:
        return None  # only a clause that is all subject
    begin, end = at + start, at + start + len(clause)
    if not any(label in ("PER", "ORG") and begin <= s < end for s, _, label, _ in spans):
        return None  # a name, not a fronted noun ("الأمر", "هذا")
    return speaker


def _cues(context: str, at: int = 0, spans: _Spans = ()) -> list[tuple[int, str, object, bool]]:
    """(position, verb, speaker, is_continuation) of every cue in `context`. Earlier
    utterances in it are masked: their verbs and words are not cues."""
    context = _mask_utterances(context)
    candidates: list[tuple[int, str, object, bool]] = []
    for match in _VERB.finditer(context):
        after = context[match.end() :]
        here = at + match.end()
        complement = _COMPLEMENT.search(after)
        if complement is None:
            # "وأكد بينيتيز «…»": a short name runs into the quote; "أكدت عدم وجود «…»": an
            # object does, and nobody is named here.
            bare = _clean_speaker(after.rstrip(" ـ"), here, spans)
            if isinstance(bare, str) and (
                _role_and_name(after)
                or (
                    len(bare.split()) <= MAX_BARE_SPEAKER_WORDS
                    and not _OBJECT_START.match(bare)
                    and not bare.startswith("ال")
                )
            ):
                candidates.append((match.start(), match.group("verb"), bare, False))
            else:
                fronted = _fronted_subject(context[: match.start()], at, spans)
                candidates.append((match.start(), match.group("verb"), fronted, fronted is None))
            continue
        speaker = _clean_speaker(after[: complement.start()], here, spans)
        if speaker is None:
            speaker = _fronted_subject(context[: match.start()], at, spans)
        candidates.append((match.start(), match.group("verb"), speaker, speaker is None))
    for match in _PARTICIPLE.finditer(context):
        # "أكد X أن …، مشيراً إلى أن «…»": the participle's subject is the sentence's speaker
        named = [c for c in candidates if c[0] < match.start() and isinstance(c[2], str)]
        subject = max(named, key=lambda c: c[0])[2] if named else None
        candidates.append((match.start(), match.group("verb"), subject, subject is None))
    for pattern in (_ATTRIBUTION, _REPORTED):
        for match in pattern.finditer(context):
            speaker = _clean_speaker(match.group("speaker"), at + match.start("speaker"), spans)
            candidates.append((match.start(), match.group("verb").strip(), speaker, speaker is None))
    return candidates


def _cue_before(context: str, at: int = 0, spans: _Spans = ()) -> tuple[str, str | None, bool] | None:
    """(verb, speaker, is_continuation) for the nearest cue before a quote in its sentence;
    `context` starts at offset `at` of the paragraph whose entity spans are `spans`."""
    candidates = _cues(context, at, spans)
    if not candidates:
        return None
    position, verb, speaker, continuation = max(candidates, key=lambda c: c[0])
    if speaker is _REJECT:
        return None
    if continuation and speaker is None:
        # "حذر فلان من …، وقال إن «…»": the sentence's earlier subject
        named = [c for c in candidates if c[0] < position and isinstance(c[2], str)]
        if named:
            speaker = max(named, key=lambda c: c[0])[2]
    return verb, speaker, continuation  # type: ignore[return-value]


# Compiled once: built per call, these large patterns were evicted from re's cache by the
# per-speaker patterns below and compiled again (about 5% of extraction).
_CUES_AFTER = (
    re.compile(
        rf"\s*[،,]?\s*(?:(?:{_loose('كما')}|{_loose('حسبما')}|{_loose('بحسب ما')})\s+)?(?:{_VERB.pattern})"
        rf"(?:\s+(?P<speaker>[^،,.:؛\"«“\n]+)|(?=\s*(?:[.،,؛]|$)))"
    ),
    # "«…»، وفقاً للبيان" / "«…»، طبقاً لما قاله X": ل + the article contracts to "لل"
    re.compile(
        rf"\s*[،,]?\s*[وف]?(?P<verb>(?:{_loose('وفق')}|{_loose('طبق')})[اً]*)\s+ل(?:ـ\s*|(?=ل))?"
        rf"(?:{_loose('ما')}\s+\S+\s+)?(?P<speaker>[^،,.:؛\"«“\n]+)"
    ),
    re.compile(rf"\s*[،,]?\s*{_ATTRIBUTION.pattern}"),
    # "«…»، على حد تعبير X" ("على حد تعبيره": the previous speaker)
    re.compile(
        rf"\s*[،,]?\s*(?P<verb>{_loose('على حد')})\s+(?:{_loose('تعبير')}|{_loose('قول')}|{_loose('وصف')})"
        rf"(?:\s+(?P<speaker>[^،,.:؛\"«“\n]+)|\S*)"
    ),
)


def _cue_after(context: str, at: int = 0, spans: _Spans = ()) -> tuple[str, str | None] | None:
    """A verb or attribution right after the quote: «…»، قال X / «…»، بحسب X."""
    for pattern in _CUES_AFTER:
        match = pattern.match(context)
        if match:
            if match.group("speaker") is None:  # "«…»، قال." / "على حد تعبيره": no subject
                return (match.group("verb") or "").strip(), None
            raw = match.group("speaker")
            if pattern is _CUES_AFTER[1] and raw.startswith("ل"):
                raw = "ا" + raw  # "للبيان" → "البيان"
            speaker = _clean_speaker(raw, at + match.start("speaker"), spans)
            return None if speaker is _REJECT else (match.group("verb").strip(), speaker)  # type: ignore[return-value]
    return None


# Where the caption of an embedded post ends: its link, a handle or a web address.
_POST_END = re.compile(r"pic\.twitter|https?://|www\.|@[A-Za-z_]|\s{3,}")
MAX_CAPTION_WORDS = 20


def _caption(paragraph: str, start: int, end: int, spans: _Spans) -> str | object | None:
    """The speaker of an embedded post whose text opens the paragraph and whose caption names
    who said it: "«…» مراسل #الميادين في #غزة فلان الفلاني #هاشتاغ pic.twitter.com/…" → the
    name (a role before it resolves as after a verb). `_REJECT` when the quote is no post's."""
    if re.search(r"[\w]", paragraph[:start]):
        return _REJECT  # the quote does not open the paragraph
    cut = _POST_END.search(paragraph, end)
    stop = cut.start() if cut else len(paragraph)
    lead = re.match(r"[\s.…،,:|\-–—]*", paragraph[end:stop])
    at = end + (lead.end() if lead else 0)
    tokens = list(re.finditer(r"\S+", paragraph[at:stop]))
    while tokens and "#" in tokens[-1].group():  # the hashtags that close a post
        token = tokens.pop()
        if not token.group().startswith("#"):
            stop = at + token.start() + token.group().index("#")
            tokens.append(token)
            break
        stop = at + token.start()
    caption = paragraph[at:stop].replace("#", " ")
    words = caption.split()
    if not words or len(words) > MAX_CAPTION_WORDS or _SENTENCE_BREAK.search(caption + " "):
        return _REJECT
    if cut is None and stop == len(paragraph.rstrip()) and "#" not in paragraph[end:]:
        return _REJECT  # prose, not a post: a post carries its link or hashtags
    if _ENDS_SUBJECT.match(words[0]) or _PREPOSITION.match(caption.strip() + " "):
        return _REJECT
    return _clean_speaker(caption, at, spans)


def _sentence_start(text: str, position: int) -> int:
    starts = [m.end() for m in _SENTENCE_BREAK.finditer(text, 0, position)]
    return starts[-1] if starts else 0


def _sentence_end(text: str, position: int) -> int:
    match = _SENTENCE_BREAK.search(text, position)
    return match.start() + 1 if match else len(text)


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
def _same_person(a: str, b: str) -> bool:
    x, y = _last_name_key(a), _last_name_key(b)
    return bool(x and y) and (x == y or SequenceMatcher(None, x, y).ratio() >= 0.75)


_FIRST_NAME_STOP = re.compile(
    rf"^(?:[وف]?{_loose('ال')}|[وف]?(?:{_VERB_STEMS_RE}|{_verb_pattern()})|{_ATTRIBUTION_WORDS})"
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
    rf"^(?:{_loose('ال')})?(?:{_loose('بيان')}|{_loose('رسالة')}|{_loose('تغريدة')}|{_loose('منشور')}|{_loose('تقرير')}"
    rf"|{_loose('إعلان')}|{_loose('مذكرة')})\S*(?:\s+(?:{_loose('أصدر')}\S*|{_loose('الصادر')}\s+عن|صادر\s+عن|لـ?)\s*(?P<by>.+))?$"
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
    rf"\S*\s+(?:{_loose('صادر')}\S*\s+عن|{_loose('أصدر')}\S*|لـ?(?=\S)(?!ه(?:ا|م|ما)?(?![\u0621-\u064a])))"
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
    article tags, and ends none (a surname is resolved by `_same_person`)."""
    longer = {t for _, _, label, t in spans if label == "PER" and t.split()[0] == word and len(t.split()) > 1}
    ends = any(label == "PER" and t.split()[-1] == word and len(t.split()) > 1 for _, _, label, t in spans)
    return longer.pop() if len(longer) == 1 and not ends else None


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
                _named_for(speaker, text, spans, position)
                or _same_role_earlier(speaker, [q.speaker for q in named])
                or _antecedent(text, speaker, spans, position)
                or speaker
            )
        if speaker and len(speaker.split()) == 1:
            speaker = _name_from_first_word(speaker, spans) or speaker
        speaker = speaker if speaker and _last_name_key(speaker) else None
        issuer = speaker or issuer
        named.append(Quote(quote.text, speaker, quote.verb, quote.paragraph))
    names = [_name_after_role(q.speaker) or q.speaker for q in named if q.speaker]
    for name in list(dict.fromkeys(names)):
        if len(name.split()) == 1:
            names += _fuller_names(text, name)
    resolved = []
    for quote in named:
        speaker = quote.speaker
        if speaker:
            speaker = _name_after_role(speaker) or speaker  # a role the tagger left on a name
            same = [n for n in names if _same_person(n, speaker)] or [speaker]
            speaker = max(same, key=lambda n: (len(n.split()), -names.index(n) if n in names else 0))
            speaker = _completed(speaker, spans)
        resolved.append(Quote(quote.text, speaker, quote.verb, quote.paragraph))
    return resolved


def _completed(speaker: str, spans: _Spans) -> str:
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
    return speaker


def _paragraph_spans(paragraphs: list[str], entities: list[Entity]) -> list[list[tuple[int, int, str, str]]]:
    """Entity spans of each paragraph, offsets into the paragraph (the body joins them with "\n")."""
    out: list[list[tuple[int, int, str, str]]] = [[] for _ in paragraphs]
    starts, offset = [], 0
    for paragraph in paragraphs:
        starts.append(offset)
        offset += len(paragraph) + 1
    index = 0
    for entity in sorted(entities, key=lambda e: e.start):
        while index + 1 < len(starts) and starts[index + 1] <= entity.start:
            index += 1
        base = starts[index]
        out[index].append((entity.start - base, entity.end - base, entity.label, entity.text))
    return out


MAX_LOOK_BACK = 1500  # characters searched for the subject of a continuation


def _last_subject(body: str, lo: int, hi: int, spans: _Spans) -> str | None:
    """The speaker named by the last reporting sentence in body[lo:hi] ("وأعلن فلان أن …"
    with no quote): a continuation after it goes to that speaker, not to an earlier quote's."""
    lo = max(lo, hi - MAX_LOOK_BACK)
    chunk = body[lo:hi]
    bounds = [0] + [m.end() for m in re.finditer(r"[.!?؟]\s|\n", chunk)] + [len(chunk)]
    for a, b in reversed(list(itertools.pairwise(bounds))):
        sentence = chunk[a:b]
        named = [
            c
            for c in _cues(sentence, lo + a, spans)
            if isinstance(c[2], str)
            and (
                any(t in c[2] for _, _, label, t in spans if label in ("PER", "ORG"))
                or _COMPLEMENT.search(sentence, c[0])  # "قال فلان، إن …": set off from what follows
            )
        ]
        if named:
            return max(named, key=lambda c: c[0])[2]  # type: ignore[return-value]
    return None


def _not_a_subject(speaker: str) -> bool:
    """A participle of speech ("مؤكدةً", "معتبراً ذلك") or a prepositional phrase ("بالحرف",
    "للصحفيين") where the subject would stand: never a speaker."""
    first = re.sub(_HARAKAT, "", speaker.split()[0]).replace("ـ", "")
    return bool(_PARTICIPLE.fullmatch(first)) or first.startswith(("بال", "لل", "كال"))


def find_quotes(paragraphs: list[str], entities: list[Entity] | None = None) -> list[Quote]:
    """Attributed quotes of an article, in order, speakers resolved within the article.
    `entities` are the entity mentions of the body ("\n".join(paragraphs)), tagged here when
    not given; their spans set the speakers' boundaries."""
    body = "\n".join(paragraphs)
    if entities is None:
        entities = find_entities(body) if any(_QUOTE.search(p) for p in paragraphs) else []
    spans = _paragraph_spans(paragraphs, entities)
    body_spans = [(e.start, e.end, e.label, e.text) for e in sorted(entities, key=lambda e: e.start)]
    quotes: list[Quote] = []
    positions: list[int] = []
    previous: str | None = None
    previous_end = offset = 0
    for index, paragraph in enumerate(paragraphs):
        here = spans[index]
        for quote_start, quote_end in quotations(paragraph):
            text = paragraph[quote_start + 1 : quote_end - 1].strip()
            if len(text.split()) < MIN_QUOTE_WORDS or _quoted_subject(paragraph, quote_start, quote_end):
                continue  # a quoted term or name, not an utterance
            start = _sentence_start(paragraph, quote_start)
            cue = _cue_before(paragraph[start:quote_start], start, here)
            if cue is not None:
                verb, speaker, continuation = cue
                if continuation and speaker is None:
                    speaker = _last_subject(body, previous_end, offset + start, body_spans) or previous
            else:
                rest = paragraph[quote_end : _sentence_end(paragraph, quote_end)]
                after_cue = _cue_after(rest, quote_end, here)
                if after_cue is None:
                    captioned = _caption(paragraph, quote_start, quote_end, here)
                    if captioned is _REJECT:
                        continue  # no attribution: a title or a scare quote
                    after_cue = ("", captioned)
                verb, speaker = after_cue
                if speaker is None and verb:  # "«…»، على حد تعبيره": the previous speaker
                    speaker = previous
            if speaker and _not_a_subject(speaker):
                speaker = previous  # the verb has no subject of its own: a continuation
            quotes.append(Quote(text, speaker, verb, index))
            positions.append(offset + quote_start)
            previous = speaker or previous
            previous_end = offset + quote_end
        offset += len(paragraph) + 1
    return resolve_speakers(quotes, body, body_spans, positions)
