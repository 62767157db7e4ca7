"""What the parts of quote finding share: `Quote`, the reporting verbs and participles as
regex patterns (`_loose` tolerates diacritics and hamza variants), the entity-span type and markers."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HARAKAT = "[\u064b-\u0652\u0670]*"


def _loose(word: str) -> str:
    """A regex for `word` that tolerates diacritics after any letter and hamza variants of alef."""
    out = []
    for ch in word:
        out.append("[اأإآ]" if ch in "اأإآ" else re.escape(ch))
        out.append(_HARAKAT)
    return "".join(out)


def _either(words: str) -> str:
    """`_loose` of each space-separated word, as regex alternatives: "في خلال" → "في|خلال"."""
    return "|".join(_loose(w) for w in words.split())


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

_WORD_END = r"(?![\u0621-\u064a])"

_WORD_START = r"(?<![\u0621-\u064a])"

_VERB = re.compile(rf"{_WORD_START}(?P<pre>[وف]?)(?P<verb>{_verb_pattern()}){_WORD_END}")

_PARTICIPLE = re.compile(rf"{_WORD_START}(?P<pre>[و]?)(?P<verb>{_participle_pattern()}){_WORD_END}")


@dataclass(frozen=True)
class Quote:
    text: str
    speaker: str | None
    verb: str
    paragraph: int


_REJECT = object()

# An entity span of the paragraph: (start, end, label, text).
_Spans = tuple[tuple[int, int, str, str], ...] | list[tuple[int, int, str, str]]

_MASK = "\u25a1"  # stands for the words of an earlier utterance in the sentence
