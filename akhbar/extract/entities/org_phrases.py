"""Organisation phrases after tagging: a head word ("وزارة", "حركة", "كتائب", "مجلس", ...)
with the genitive chain and adjectives that follow it is one ORG mention.

ANERcorp, which the CRFs learn from, rarely labels ministries, armed wings, parliaments or
state bodies, while news is full of them ("وزارة الصحة الفلسطينية", "مجلس النواب الأميركي",
"كتائب X"). Arabic builds such names one way: a head noun, then an idafa chain of definite
nouns (or a name), then agreeing adjectives, up to a boundary (a verb, a preposition,
punctuation, a time word, a person's name). `org_spans` finds those phrases on the tokens'
normal forms and the CRF's tags and retags each as one ORG span, swallowing the LOC or ORG
the CRF gave a part of it ("جامعة X" with X tagged LOC). Nothing here comes from a corpus:
the word lists are general Arabic (head nouns of institutions, function words, time words).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from akhbar.extract.entities.tokens import analyses

# Head nouns of institution names, in normal form (`tokens.normalize`), without the article
# or proclitics; with the article a head needs an adjective after it ("الرئاسة الروسية").
HEADS = frozenset(
    """
    وزاره وزارة حزب حركه حركة جامعه جامعة منظمه منظمة مجلس اتحاد جمعيه جمعية بنك مصرف هيئه هيئة
    جبهه جبهة لجنه لجنة محكمه محكمة برلمان معهد رابطه رابطة نقابه نقابة ائتلاف كتله كتلة
    اكاديميه اكاديمية مستشفي مفوضيه مفوضية بلديه بلدية مديريه مديرية كتائب كتيبه كتيبة سرايا
    الويه جيش فرقه فرقة رئاسه رئاسة نيابه نيابة شبكه شبكة نادي
    """.split()
)
# Heads of media whose name follows ("صحيفة X"): X is the organisation, not the head.
MEDIA = frozenset("وكاله وكالة صحيفه صحيفة جريده جريدة مجله مجلة قناه قناة اذاعه اذاعة".split())
# Definite words that end a chain: relative pronouns and time words.
STOP = frozenset(
    """
    الذي التي الذين اللذين اللتين اللواتي اللاتي اليوم الليله الليلة الاحد الاثنين الثلاثاء
    الاربعاء الخميس الجمعه الجمعة السبت الماضي الماضيه الماضية الحالي الحاليه الحالية المقبل
    المقبله المقبلة القادم القادمه القادمة التالي التاليه التالية الاول الاولي الثاني الثانيه
    الثانية الثالث الثالثه الثالثة الاخير الاخيره الاخيرة السابق السابقه السابقة الان
    الصباح المساء الفجر الظهر العصر الجاري الجارية الاسبوع الشهر العام عام التابع التابعه
    التابعة المؤلف المؤلفه المؤلفة المكون المكونه المكونة
    """.split()
)
# Adjectives of institution names that are not nisba forms.
ADJECTIVES = frozenset("العامه العامة العام العليا الاعلي المتحده المتحدة الكبري المركزي المركزية".split())
QUOTES = frozenset('"«»“”')
_NISBA = re.compile(r"^ال..+(?:ي|يه|ية|يين|يون)$")

# "سلاح" (arm, weapon) heads a name only before "الجو" or "البحرية" (air force, navy).
ARMS = frozenset(("سلاح",))
SERVICES = frozenset("الجو البحريه البحرية".split())
REPORTERS = frozenset("مراسل مراسله مراسلة".split())

# Word kinds. AND_NOUN: "والتجارة" (and + definite noun); LI_NOUN: "للطاقة" (of + definite noun).
OTHER, HEAD, DEF_HEAD, MEDIA_HEAD, DEF_MEDIA, NOUN, ADJ, QUOTE, ARM, REPORTER = range(10)
NUMBER, SERVICE, BARE_ARTICLE, AND_NOUN, LI_NOUN = range(10, 15)


def kind(form: str) -> int:
    """What a token's normal form can be in an organisation phrase."""
    if form in QUOTES:
        return QUOTE
    if form[:1] == "0":
        return NUMBER
    stems = analyses(form)
    if any(s.startswith("ال") and s[2:] in HEADS for s in stems):
        return DEF_HEAD
    bare = [s for s in stems if not s.startswith("ال")]
    if any(s in HEADS for s in bare):
        return HEAD
    if any(s.startswith("ال") and s[2:] in MEDIA for s in stems):
        return DEF_MEDIA
    if any(s in MEDIA for s in bare):
        return MEDIA_HEAD
    if any(s in ARMS for s in bare):
        return ARM
    if any(s in REPORTERS for s in bare):
        return REPORTER
    if form in SERVICES:
        return SERVICE
    if form == "ال":
        return BARE_ARTICLE
    if form.startswith(("وال", "لل")) and len(form) >= 5:
        conj = form[0] == "و"
        if "ال" + form[3 if conj else 2 :] not in STOP:
            return AND_NOUN if conj else LI_NOUN
    if form.startswith("ال") and len(form) >= 4 and form not in STOP:
        if form in ADJECTIVES or _NISBA.match(form):
            return ADJ
        return NOUN
    return OTHER


MAX_NOUNS = 3  # nouns of a genitive chain ("مجلس الأمن القومي" has two)
_CHAIN = (NOUN, ADJ, SERVICE)
STARTS = frozenset((HEAD, DEF_HEAD, MEDIA_HEAD, DEF_MEDIA, REPORTER, ARM))
# Entity labels as the tagger numbers them: 0 none, then LABELS (PER, LOC, ORG, MISC) from 1.
PER, LOC, ORG = 1, 2, 3


def org_spans(
    kinds: Sequence[int],
    labels: Sequence[int],
    inside: Sequence[bool],
    starts: Sequence[int],
    ends: Sequence[int],
) -> list[tuple[int, int]]:
    """[start, end) token ranges to tag ORG, tried from each token of `starts` (in order; a
    phrase never runs past `ends`, its sentence's end). `labels` is the CRF's entity label of
    each token (0 for none, PER 1, LOC 2, ORG 3, MISC 4) and `inside` whether the token
    continues the entity before it; a phrase may swallow the entities inside it."""
    out: list[tuple[int, int]] = []
    done = 0
    for i, n in zip(starts, ends, strict=True):
        if i < done:
            continue
        k = kinds[i]
        span = None
        if k == ARM and i + 1 < n and kinds[i + 1] == SERVICE:
            k = HEAD
        if k in (HEAD, DEF_HEAD):
            j = _phrase_end(kinds, labels, inside, i, n, k)
            if j > i + 1:
                span = (i, j)
        elif k in (MEDIA_HEAD, DEF_MEDIA, REPORTER) and i + 1 < n:
            span = _named_after(kinds, labels, inside, i, n, k)
        if span is not None:
            out.append(span)
            done = span[1]
    return out


def _entity_end(labels: Sequence[int], inside: Sequence[bool], j: int, n: int) -> int:
    """End of the CRF's entity that starts at token j."""
    label = labels[j]
    j += 1
    while j < n and inside[j] and labels[j] == label:
        j += 1
    return j


def _phrase_end(
    kinds: Sequence[int], labels: Sequence[int], inside: Sequence[bool], i: int, n: int, k: int
) -> int:
    """End of the organisation phrase headed by token i (i + 1: none)."""
    j = i + 1
    nouns = adjs = 0
    named = False  # the chain holds a name the CRF found
    while j < n:
        kj = kinds[j]
        if kj == QUOTE and j + 1 < n and kinds[j + 1] in _CHAIN:
            j += 1
            continue
        if labels[j] and labels[j] != PER and adjs == 0 and nouns == 0 and not named:
            named = True
            j = _entity_end(labels, inside, j, n)
            continue
        if kj == ADJ:
            adjs += 1
        elif kj in (NOUN, SERVICE) and adjs == 0 and not named and nouns < MAX_NOUNS and k == HEAD:
            nouns += 1
        elif kj == AND_NOUN and nouns and not adjs and j + 1 < n and kinds[j + 1] == ADJ:
            nouns += 1  # "وزارة الصناعة والتجارة الروسية": a coordination the adjective closes
        elif kj == LI_NOUN and (adjs or nouns or named) and j + 1 < n:
            # "الجمعية العامة للأمم المتحدة", "المحكمة الأوروبية لحقوق الإنسان"
            if labels[j] == ORG:
                j = _entity_end(labels, inside, j, n)
            elif adjs and kinds[j + 1] in (NOUN, ADJ):
                j += 2
            break
        else:
            break
        j += 1
    while j > i + 1 and kinds[j - 1] == QUOTE:
        j -= 1
    if k == DEF_HEAD and not adjs:
        return i + 1
    return j


def _named_after(
    kinds: Sequence[int], labels: Sequence[int], inside: Sequence[bool], i: int, n: int, k: int
) -> tuple[int, int] | None:
    """The name after a media head ("صحيفة X", "قناة 13") or a reporter ("مراسل X")."""
    j = i + 1
    if k in (MEDIA_HEAD, DEF_MEDIA):  # "القناة 14", "قناة الـ13": the number is the name, with its head
        m = j
        while m < n and kinds[m] in (QUOTE, BARE_ARTICLE):
            m += 1
        if m < n and kinds[m] == NUMBER and m - j <= 2:
            return i, m + 1
    if k == DEF_MEDIA:
        return None
    quoted = kinds[j] == QUOTE
    if quoted:
        j += 1
    if j >= n:
        return None
    if labels[j] and labels[j] != PER and (quoted or labels[j] != LOC):
        return j, _entity_end(labels, inside, j, n)
    if quoted and k == MEDIA_HEAD:  # "صحيفة "X Y"": up to the closing quote
        e = j
        while e < n and e - j < 4 and kinds[e] != QUOTE and not labels[e]:
            e += 1
        if e < n and e > j and kinds[e] == QUOTE:
            return j, e
        return None
    if not quoted and kinds[j] == NOUN and (j + 1 >= n or kinds[j + 1] not in (*_CHAIN, AND_NOUN, LI_NOUN)):
        return j, j + 1
    return None


class OrgPhrases:
    """`org_spans` over the tagger's flat batches: each distinct form's kind is found once."""

    def __init__(self) -> None:
        self._kinds: dict[str, int] = {}

    def kinds(self, forms: Sequence[str]) -> list[int]:
        cache = self._kinds
        if len(cache) > 400_000:
            cache.clear()
        return [cache[f] if f in cache else cache.setdefault(f, kind(f)) for f in forms]


def apply(kinds: Sequence[int], tags: list[str]) -> list[str]:
    """BIO tags of one sentence with `org_spans` retagged ORG (for tests and training tools)."""
    names = ("", "PER", "LOC", "ORG", "MISC")
    labels = [names.index(t[2:]) if t != "O" else 0 for t in tags]
    inside = [t.startswith("I-") for t in tags]
    starts = [i for i, k in enumerate(kinds) if k in STARTS]
    out = list(tags)
    for a, b in org_spans(kinds, labels, inside, starts, [len(tags)] * len(starts)):
        if b < len(out) and out[b].startswith("I-"):
            out[b] = "B-" + out[b][2:]  # an entity cut by the phrase's edge keeps its part outside
        out[a] = "B-ORG"
        for t in range(a + 1, b):
            out[t] = "I-ORG"
    return out
