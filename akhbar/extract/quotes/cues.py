"""Reporting cues of a quote: a verb, participle or attribution before it, a verb or attribution
after it, the caption of an embedded post; each with its raw subject cut by speakers.py."""

from __future__ import annotations

import re

from akhbar.extract.quotes.marks import _SENTENCE_BREAK, _mask_utterances
from akhbar.extract.quotes.patterns import (
    _HARAKAT,
    _MASK,
    _PARTICIPLE,
    _REJECT,
    _VERB,
    _VERB_STEMS_RE,
    _WORD_START,
    _either,
    _loose,
    _Spans,
    _verb_pattern,
)
from akhbar.extract.quotes.speakers import (
    _ENDS_SUBJECT,
    _OWN_SPEECH_WORD,
    _PREPOSITION,
    _ROLE_START,
    MAX_APPOSITION_WORDS,
    _clean_speaker,
    _role_and_name,
    _role_lead,
)

_ATTRIBUTION = re.compile(
    rf"{_WORD_START}[وف]?(?P<verb>{_either('بحسب حسب')}|{_loose('وفق')}[اًا]*(?:\s+ل[ـ]?)?"
    rf"|{_loose('نقلا')}[ً]?\s+عن|نقل[تت]?\s+عن|{_loose('على لسان')}"
    # "وجاء في بيان الوزارة: «…»": what a statement says, its issuer the speaker
    rf"|{_loose('جاء')}\s+في(?=\s+(?:{_loose('ال')})?(?:{_either('بيان تقرير رسالة مذكرة')})))\s+"
    # "بحسب ما ذكرته X"
    rf"(?:{_loose('ما')}\s+(?:{_verb_pattern()}|{_VERB_STEMS_RE}|{_either('أورد نشر نقل')})\S*\s+)?"
    rf"(?P<speaker>[^،,:؛\"«“(]+)"
)

# A definite noun in the dual nominative: "الجانبان", "البلدان", "الوزيران".
_DUAL = re.compile(r"^ال[\u0621-\u064a]{3,}ان$")

_AGREEING = re.compile(rf"^{_loose('وفق')}[اً]*$")

# "نقل التلفزيون عن الوزير قوله": the speaker sits between "عن" and "قوله".
_REPORTED = re.compile(
    # (the outlet between may carry its quoted name: "نقلت شبكة «…» عن مصدر قوله")
    rf"{_WORD_START}[وف]?(?P<verb>نقل[ت]?)\s+(?:[^،,:؛]+?\s+)?عن\s+(?P<speaker>[^،,:؛\"«“]+?)\s+{_loose('قول')}\S*"
)

# What separates a verb's subject from the reported content.
_COMPLEMENT = re.compile(
    rf"(?:\s|،|,)+(?:(?:{_either('إلى على')})\s+)?"
    rf"(?:{_either('أن إن أنه إنه أنها أنهم قوله بأن بأنه بأنها')})(?![\u0621-\u064a])|\s*[:：]"
)

# The first words of an object, not of a name, when a verb runs straight into a quote:
# "أكدت عدم وجود «…»", "أعلن رفضه «…»".
_OBJECT_START = re.compile(
    rf"^(?:{_either('عدم ضرورة أهمية')}|{_loose('رفض')}\S*|{_loose('دعم')}\S*"
    rf"|{_loose('وجود')}|{_loose('استعداد')}\S*|{_either('أن إن')}|بـ?|لـ?)(?:\s|$)"
)

MAX_BARE_SPEAKER_WORDS = 3  # a name a verb runs straight into a quote with: "وأكد بينيتيز «…»"

# What may open a sentence before its fronted subject: "وكان", and the formulae that recall a
# fact ("يُشار إلى أنّ", "يذكر أن", "تجدر الإشارة إلى أن", "الجدير بالذكر أن").
_RECALL = (
    rf"(?:[وف]?(?:{_loose('يشار إلى')}|{_loose('تجدر الإشارة إلى')}|{_loose('يذكر')}"
    rf"|{_loose('الجدير بالذكر')})"
    rf"\s+{_loose('أن')}\s+)"
)
_FRONT = re.compile(rf"^\s*{_RECALL}?(?:[وف]?{_loose('كان')}(?:ت)?\s+)?")

_BEFORE_VERB = re.compile(rf"\s+(?:{_either('قد فقد لقد')})\s*$")


def _prepositional(speaker: str) -> bool:
    """A prepositional phrase or an adverbial where the subject would stand: "بالحرف",
    "للصحفيين", "في البيان"; never a speaker."""
    first = re.sub(_HARAKAT, "", speaker.split()[0]).replace("ـ", "")
    return first.startswith(("بال", "لل", "كال")) or bool(_PREPOSITION.match(first + " "))


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
    if isinstance(speaker, str) and _ROLE_START.match(speaker) and _role_lead(whole):
        return speaker  # "مندوب البلد في المجلس يقول …": a role with its place phrase
    if not isinstance(speaker, str) or speaker != whole:
        return None  # only a clause that is all subject
    begin, end = at + start, at + start + len(clause)
    if not any(label in ("PER", "ORG") and begin <= s < end for s, _, label, _ in spans):
        return None  # a name, not a fronted noun ("الأمر", "هذا")
    return speaker


# What may open a clause before its verb: "من جهتها،", "بدوره،", "و".
_CLAUSE_OPENING = re.compile(rf"^\s*(?:(?:{_loose('من جهت')}|{_loose('بدور')})\S*\s*[،,]?\s*)?")


_RELATIVE_END = re.compile(rf"(?:^|\s)(?:{_either('الذي التي الذين')})\s*$")


def _antecedent(pre: str, at: int, spans: _Spans) -> str | None:
    """The subject of a verb in a relative clause: the name the relative pronoun follows,
    directly or after a role set off by commas ("… فلان، عضو الكتابة الجهوية، الذي اعتبر أن")."""
    relative = _RELATIVE_END.search(pre)
    if not relative:
        return None
    end = at + relative.start()
    named = [(s, e, text) for s, e, label, text in spans if label in ("PER", "ORG") and e <= end]
    if not named:
        return None
    _s, e, text = named[-1]
    gap = pre[e - at : relative.start()]
    if not gap.strip() or (re.fullmatch(r"\s*[،,][^،,]+[،,]\s*", gap) and _role_lead(gap.strip(" ،,"))):
        return text
    return None


def _clause_subject(pre: str, at: int, spans: _Spans) -> str | None:
    """The subject of a sentence that opens with a verb of any kind, named right after it:
    "رفضت مصر، بشدّة، التصريحات، مشددة على أن «…»" → "مصر" (verb, subject, object: the
    participle that follows shares the subject)."""
    opening = _CLAUSE_OPENING.match(pre)
    start = opening.end() if opening else 0
    verb = re.match(r"[\u0621-\u064a\u064b-\u0652]+ ", pre[start:])
    if not verb or verb.group().startswith("ال") or _PREPOSITION.match(verb.group()):
        return None
    begin = at + start + verb.end()
    for s, e, label, text in spans:
        if s == begin and label in ("PER", "ORG", "LOC") and e - at <= len(pre):
            after = pre[e - at : e - at + 1]
            return text if after in ("", " ", "،", ",") else None
    return None


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
            if isinstance(bare, str) and _prepositional(bare):
                bare = None  # "فلان قال بالحرف «…»": an adverbial, the subject stands before
            if isinstance(bare, str) and _DUAL.match(bare.split()[0]):
                # "وشدّد الجانبان على ضرورة «…»": a dual in the nominative is the subject (its
                # object would be in -ين), whatever follows it
                candidates.append((match.start(), match.group("verb"), bare.split()[0], False))
                continue
            if isinstance(bare, str) and (
                _role_and_name(after)
                or (
                    len(bare.split(" في ")[0].split()) <= MAX_BARE_SPEAKER_WORDS  # a body's place kept
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
            speaker = _fronted_subject(context[: match.start()], at, spans) or _antecedent(
                context[: match.start()], at, spans
            )
        candidates.append((match.start(), match.group("verb"), speaker, speaker is None))
    for match in _PARTICIPLE.finditer(context):
        # "أكد X أن …، مشيراً إلى أن «…»": the participle's subject is the sentence's speaker
        named = [c for c in candidates if c[0] < match.start() and isinstance(c[2], str)]
        subject = max(named, key=lambda c: c[0])[2] if named else None
        if subject is None and not named:
            subject = _clause_subject(context[: match.start()], at, spans)
        candidates.append((match.start(), match.group("verb"), subject, subject is None))
    for pattern in (_ATTRIBUTION, _REPORTED):
        for match in pattern.finditer(context):
            raw, where = match.group("speaker"), match.start("speaker")
            if _AGREEING.match(match.group("verb")) and re.match(r"ل[\u0621-\u064a]{3,}", raw):
                # "وفقاً لوزارة الصحة", "وفقاً للبيان": ل joined to the name (ل + ال is "لل")
                raw, where = ("ا" + raw[1:], where) if raw.startswith("لل") else (raw[1:], where + 1)
            speaker = _clean_speaker(raw, at + where, spans)
            candidates.append((match.start(), match.group("verb").strip(), speaker, speaker is None))
    if not candidates and re.search(r"[:：]\s*$", context):
        # "وواصل فلان في سرد معاناته: «…»": a colon sets off what the clause's subject said
        subject = _clause_subject(context, at, spans)
        if subject:
            candidates.append((0, context.split()[0], subject, False))
    saying = _SAYING_OF.search(context)
    framed = saying and re.search(rf"(?:{_either('في خلال عبر')})\s+$", context[: saying.start()])
    if saying and not framed and not any(c[0] >= saying.start() for c in candidates):
        # ("وقال فلان في تصريحات نقلتها …": a frame of the speech, the verb's subject speaks)
        # "وفي ردّ على قول رئيس الحكومة، فلان، «…»": the one whose words they are
        speaker = _clean_speaker(saying.group("speaker"), at + saying.start("speaker"), spans)
        if isinstance(speaker, str) and not _prepositional(speaker):
            candidates.append((saying.start(), saying.group("verb"), speaker, False))
    own = _SPEECH_OF.search(context)
    if own and not any(c[0] >= own.start() for c in candidates):
        # "… الرئيس فلان إلى تهديد حماس من خلال تصريحه: «…»": the one whose statement it is,
        # the last person named before it in the sentence (else the last body)
        before = [(label, t) for s, e, label, t in spans if at <= s and e <= at + own.start()]
        named = [t for label, t in before if label == "PER"] or [t for label, t in before if label == "ORG"]
        candidates.append((own.start(), own.group("verb"), named[-1] if named else None, not named))
    return candidates


# A noun of saying with its subject in the genitive right before the quote: "قول رئيس
# الحكومة، فلان،", "تصريح الوزير".
_SAYING_OF = re.compile(
    rf"{_WORD_START}(?:[وفبلك])?(?P<verb>{_loose('قول')}|{_loose('تصريح')}(?:ات)?)\s+"
    rf"(?P<speaker>[^\s\"«“،,:][^\"«“:]*?)\s*[،,]?\s*$"
)

# A statement of someone's introducing a quote: "تصريحه:", "في كلمتها:", "بيانهم:".
_SPEECH_OF = re.compile(
    rf"{_WORD_START}(?:[وفبل]|ب?ال)?(?P<verb>{_OWN_SPEECH_WORD.pattern[1:-1]})\s*[:：]\s*$"
)


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
        rf"\s*[،,]?\s*(?:(?:{_either('كما حسبما بحسب ما')})\s+)?(?:{_VERB.pattern})"
        rf"(?:\s+(?P<speaker>[^،,.:؛\"«“\n]+)|(?=\s*(?:[.،,؛]|$)))"
    ),
    # "«…»، وفقاً للبيان" / "«…»، طبقاً لما قاله X": ل + the article contracts to "لل"
    re.compile(
        rf"\s*[،,]?\s*[وف]?(?P<verb>(?:{_either('وفق طبق')})[اً]*)\s+ل(?:ـ\s*|(?=ل))?"
        rf"(?:{_loose('ما')}\s+\S+\s+)?(?P<speaker>[^،,.:؛\"«“\n]+)"
    ),
    re.compile(rf"\s*[،,]?\s*{_ATTRIBUTION.pattern}"),
    # "«…»، على حد تعبير X" ("على حد تعبيره": the previous speaker)
    re.compile(
        rf"\s*[،,]?\s*(?P<verb>{_loose('على حد')})\s+(?:{_either('تعبير قول وصف')})"
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
