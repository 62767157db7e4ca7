"""The subject of a cue cut to a speaker: up to its first comma, without the prepositional phrases
after it, its boundaries set by entity spans; roles, titles, and the names after roles."""

from __future__ import annotations

import re

from akhbar.extract.quotes.patterns import (
    _HARAKAT,
    _MASK,
    _REJECT,
    _VERB,
    _WORD_START,
    _either,
    _loose,
    _participle_pattern,
    _Spans,
)

_PRONOUNS = {"هو", "هي", "هم", "إنه", "أنه", "أنها"}

MAX_SPEAKER_WORDS = 8

_PREPOSITION = re.compile(rf"^[وف]?(?:{_either('على في إلى عن من')})\s")

_PRONOUN_OBJECT = re.compile(rf"^(?:{_either('عنه عنها فيه فيها')}|له|لها|لي|لنا|لهم|منه|منها)\s+")

# Heads of the outlets a remark is made to ("لوكالة", "لصحيفة"): after ل, an addressee.
_MEDIA = rf"(?:{_either('صحيفة وكالة قناة شبكة موقع إذاعة تلفزيون مجلة برنامج')})(?![\u0621-\u064a])"

# Words after which a subject has ended: prepositions and times ("X في …", "X أمس").
_ENDING_WORDS = "في خلال أمس اليوم أمام عبر على عن إلى من مع لدى حول منذ ضد عند إن أن بأن"
_SPEAKER_END = re.compile(
    rf"\s+(?:{_either(_ENDING_WORDS)}|لل\S+|لـ\S*|ل(?=\s)|بـ\S*|ب(?=\s)|بال\S+|ل{_MEDIA})(?:\s.*)?$"
)

# "بحسب تعبيره" / "وفق قولها": the attribution points back at the previous speaker.
_SELF_REFERENCE = re.compile(rf"^(?:ب|بال|ال)?(?:{_either('تعبير قول وصف رأي')})\S*$")

# "أكدوا في بيان أن …": a frame of speech, not a speaker.
_FRAME_WORDS = "بيان تصريح حديث مقابلة كلمة مؤتمر رسالة منشور تغريدة"
_SPEECH_FRAME = re.compile(rf"^(?:{_either('في خلال عبر')})\s+(?:ال)?(?:{_either(_FRAME_WORDS)})")

# "اختتم كلامه", "تابع حديثها": the object is the speaker's own speech.
_OWN_SPEECH = re.compile(
    rf"^(?:{_either('كلام حديث أعمال')}|{_loose('تصريح')}\S?|{_either('كلمت رسالت خطاب')}"
    rf"|{_either('مداخلت مقال')}|{_loose('قائلا')}\S?)(?:ه|ها|هم|هما)?"
    rf"(?:\s+(?:ب{_loose('القول')}|{_loose('قائلا')}\S?))?$"
)

# One word for the speaker's own speech with its pronoun ("بيانها", "كلمته", "حديثهم"): the
# object of "ختم/تابع/اختتم", never part of the subject before it.
_OWN_SPEECH_WORD = re.compile(
    rf"^(?:{_either('كلام حديث بيان خطاب تصريح تصريحات')}|{_either('كلمت رسالت مداخلت تغريدت')})"
    r"(?:ه|ها|هم|هما)$"
)

# Words that are never a speaker on their own ("قال فيه", "أضاف قائلاً", "بالقول", "وفقاً له").
_NOT_SPEAKER_WORDS = frozenset(
    "القول بالقول قائلا قائلاً قائلة مضيفا مضيفاً فيه فيها له لها لهم عنه عنها ذلك هذا هذه "
    "وفقا وفقاً ووفقا ووفقاً حسب بحسب أيضا أيضاً كذلك بدوره بدورها بدورهم أمس اليوم غدا غداً "
    "مساء مساءً صباح صباحاً حينها آنذاك لي لنا".split()
)

# "قال لـ«الشرق الأوسط»": the newspaper is spoken to; the speaker is the one already named.
_ADDRESSEE = re.compile(rf"^(?:لـ?\s|ل{_MEDIA})")

_ROLE_WORDS = (
    "متحدث ناطق رئيس وزير أمين مدير سفير نائب قائد زعيم مسؤول مستشار ممثل مندوب عضو محافظ مبعوث "
    "قيادي ضابط خبير محلل مراسل باحث مفوض منسق مساعد قاضي كبير"
)
_ROLE_START = re.compile(
    rf"^(?:{_loose('ال')})?(?:{_either(_ROLE_WORDS)})"
    r"(?:ة|ا|ان|ون|ين|و)?(?![\u0621-\u064a])"  # the word whole: not "ناطقي", a name
)

_NOT_NAME = re.compile(rf"^(?:{_either('اليوم أمس في خلال الذي التي')})")

# Where a subject ends: a relative or circumstantial clause ("X وهو أحد شهود العيان", "X الذي
# سبق أن…", "X حيث…"), or a role in apposition after a name ("علي بلحاج الرئيس السابق لـ…").
_SUBJECT_CLAUSE = re.compile(
    rf"\s+(?:{_either('وهو وهي الذي التي الذين حيث عندما بعد دون بدون')})(?![\u0621-\u064a]).*$"
    # "مسؤول رفض الكشف عن هويته", "مصدر طلب عدم ذكر اسمه": the description ends before it
    rf"|\s+(?:{_either('رفض طلب فضل')})\S*\s+(?:{_loose('عدم')}\s+)?(?:{_either('الكشف ذكر')}).*$"
)

# Titles a name may carry: honorifics (dropped from a speaker) and ranks (kept).
_HONORIFIC_WORDS = "الدكتور الشيخ السيد المهندس الأستاذ"
_RANK_WORDS = "اللواء العميد الأمير العقيد"

# A title right before a name: "رئيس مجلس إدارة المركز … الدكتور جمال أبو ظريفة" → from the title.
_TITLE_AND_NAME = re.compile(
    rf"(?:^|\s)(?P<name>(?:{_either(f'{_HONORIFIC_WORDS} {_RANK_WORDS}')})"
    rf"(?:\s+[^\s]+){{1,3}})$"
)

_TITLE = re.compile(
    rf"^(?:{_either(f'{_HONORIFIC_WORDS} {_RANK_WORDS} الملك الرئيس')}"
    rf"|{_loose('د')}\.?)$"
)

_HONORIFIC = re.compile(rf"^(?:{_either(_HONORIFIC_WORDS)}|{_loose('د')}\.?)$")

# A word that ends a subject: a reporting verb or participle, or a conjunction-led verb or
# pronoun ("ويضيف", "وهو").
_ENDS_SUBJECT = re.compile(
    rf"^(?:[وف]?(?:{_VERB.pattern[len(_WORD_START) :]}|(?:{_participle_pattern()})$)"
    rf"|[وف](?:{_either('هو هي هم ذلك')})$)"
)

# Words that cannot stand between a role and the name it belongs to ("قال الوزير خلال لقائه
# نظيره X": X is not the speaker).
_NOT_APPOSITION = re.compile(
    rf"^(?:{_either('خلال أمام مع إلى على عن من بعد قبل لدى عبر')}|{_loose('نظير')}\S*"
    rf"|{_either('أمس اليوم إن أن الذي التي')}|لـ\S*)$"
)

# "مندوب البلد لدى مجلس الأمن", "سفيرها لدى الأمم المتحدة": the body a role is accredited
# to, part of the role; "لدى وصوله", "لدى لقائه" (a time, a noun with its pronoun) is not.
_ACCREDITED_TO = re.compile(r"^لدى\s+(?![\u0621-\u064a]+(?:ه|ها|هم|هما)$)[\u0621-\u064a]+$")

# A preposition attached to a noun ("بتأكيد", "لدعم"), not a name's next word ("بن", "بو").
_PROCLITIC_NOUN = re.compile(r"^[بل](?!ن$|و$|نت$)[\u0621-\u064a]{3,}$")

MAX_APPOSITION_WORDS = 10  # "رئيس لجنة الخارجية والأمن في البرلمان X": a role's words before its name


def _role_lead(lead: str) -> bool:
    """Whether `lead` is a role or a description a name can follow in apposition: "رئيس
    لجنة الخارجية في البرلمان", "المتحدث باسم الوزارة،", "الدكتور"."""
    words = lead.replace("،", " ").replace(",", " ").split()
    if not words or len(words) > MAX_APPOSITION_WORDS or re.search(r"[.:؛!?؟\"«»“”\n]", lead):
        return False
    lead_word = _ROLE_START.match(words[0]) or _PERSON_LEAD.match(words[0])  # "أستاذ العلوم …"
    if not (lead_word or _TITLE.match(words[0]) or words[0].startswith("ال")):
        return False
    return not any(
        (_NOT_APPOSITION.match(w) and not _ACCREDITED_TO.match(" ".join(words[i : i + 2])))
        or _ENDS_SUBJECT.match(w)
        for i, w in enumerate(words)
    )


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
    here = [(s, e, text) for s, e, _, text in spans if start <= s < end]
    if len(here) >= 2 and here[0][0] == start and raw[here[0][1] - at : here[1][0] - at] == " ":
        return here[0][2]  # "وصفت كوريا الشمالية كوريا الجنوبية": the subject, then its object
    if not any(s < region_end and e > start and label == "PER" for s, e, label, _ in spans):
        # "قال كبير الباحثين في المنظمة، فلان الفلاني": the name set off after the role
        for s, _e, label, text in spans:
            if s >= region_end and label == "PER":
                if s - at > len(raw):
                    break  # a name beyond the cue's clause (after the quote) is not set off in it
                gap = raw[region_end - at : s - at]
                if re.fullmatch(r"\s*[،,]\s*(?:ال\S+\s+)?", gap) and not _PREPOSITION.match(speaker + " "):
                    return text
                break
    for s, e, label, text in spans:
        if e <= start or s >= region_end or label not in ("PER", "ORG"):
            continue
        if label == "ORG":
            if s >= end:
                continue  # a body in the role's place phrase ("أستاذ … في الجامعة X فلان")
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
            and not any(_ENDS_SUBJECT.match(w) for w in name.split())  # "معتبراً ذلك": a participle
        ):
            return name
    return None


# A set-off clause after a name ("فلان -وهو متحدث باسم …-", "فلان – مدير …"): the name ends at the dash.
_DASH_CLAUSE = re.compile(r"\s+[-–—].*$")  # a dash inside a name ("…والتحرير-مخيم بلاطة") stays

# Words after a name that are no part of it: adverbs ("أيضاً", "بدوره") and words in the
# accusative ("رداً على سؤال", "تعليقاً"), which names never carry; an age in apposition
# ("البالغ من العمر").
_NOT_NAME_TAIL = re.compile(
    rf"^(?:{_either('أيضا أيضاً كذلك بدوره بدورها بدورهم بدورهما البالغ البالغة')}"
    rf"|{_either('في على إلى عن مع لدى')}"  # a preposition the tagger took into the name
    r"|[\u0621-\u064a]+(?:اً|ًا|ً))$"
)


def _trim_tail(speaker: str) -> str:
    """A speaker without what runs on after its name: a dash-set-off clause, an adverb or a
    word in the accusative and all after it ("بودانوف رداً" → "بودانوف")."""
    speaker = _DASH_CLAUSE.sub("", speaker).strip() or speaker
    words = speaker.split()
    if words and words[0][0].isdigit():
        return speaker  # "21 عضواً": a number's noun is in the accusative
    for i, word in enumerate(words[1:], start=1):
        if _NOT_NAME_TAIL.match(word):
            return " ".join(words[:i])
    return speaker


def _clean_speaker(raw: str, at: int = 0, spans: _Spans = ()):
    """The subject after a verb: up to the first comma, without the prepositional phrases
    that follow it, its boundaries set by the entity spans of the paragraph (`raw` starts at
    offset `at`). None when there is no subject (a continuation), `_REJECT` when what
    follows the verb is not a speaker at all ("كتب على اللافتات")."""
    speaker = _subject(raw)
    if speaker is _REJECT:
        speaker = _name_after_long_role(raw, at, spans) or speaker
    if isinstance(speaker, str):
        speaker = _by_entities(speaker, raw, at, spans)
    if isinstance(speaker, str) and not re.match(r"^\s*[\"«“]", raw):  # a quoted name is whole
        speaker = _trim_tail(speaker)
        clause = re.split(f"[،,:؛({_MASK}]", raw, maxsplit=1)[0]
        if not any(label == "PER" and at <= s < at + len(clause) for s, _, label, _ in spans):
            if _role_only(speaker):
                return _name_after_place(clause) or speaker
            return _body_with_place(speaker, clause, at, spans)
    return speaker


MAX_PLACE_WORDS = 3


def _body_with_place(speaker: str, clause: str, at: int, spans: _Spans) -> str:
    """A body's name with the place or government it belongs to, when its clause ends with
    them: "وزارة الخارجية في حكومة البلد،" → all of it ("في" + a named place or body, the
    last word tagged LOC or ORG). A person's role keeps its name alone."""
    words = speaker.split()
    if not words or _PERSON_LEAD.match(words[0]) or _TITLE.match(words[0]):
        return speaker
    match = re.match(rf"\s*{re.escape(speaker)}\s+في\s+(?P<place>[^\s].*?)\s*$", clause)
    if not match or len(match.group("place").split()) > MAX_PLACE_WORDS:
        return speaker
    end = at + match.end("place")
    if not any(label in ("LOC", "ORG") and s < end <= e for s, e, label, _ in spans):
        return speaker
    place = match.group("place")
    if any(_ENDS_SUBJECT.match(w) or _NOT_APPOSITION.match(w) for w in place.split()):
        return speaker
    return f"{speaker} في {place}"


def _name_after_long_role(raw: str, at: int, spans: _Spans) -> str | None:
    """A tagged person named after a role too long to be a speaker itself: "عضو اللجنة
    المركزية لحزب … فلان الفلاني، …" → the name."""
    clause = re.split(f"[،,:؛({_MASK}]", raw, maxsplit=1)[0]
    for s, e, label, text in spans:
        if label == "PER" and at <= s and e <= at + len(clause):
            lead = clause[: s - at].strip()
            return text if lead and _role_lead(lead) else None
    return None


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
    return all(
        w.startswith(("ال", "وال")) or _ROLE_START.match(w) or _PERSON_LEAD.match(w) or _TITLE.match(w)
        for w in speaker.split()
    )  # "الإعلامية والكاتبة", "أستاذ العلوم السياسية" too


# Prepositions of place and affiliation that a role's words may carry before the name:
# "مراسل الميادين في غزة فلان", "عضو الكتلة للمقاومة في البرلمان فلان".
_PLACE_PREPOSITION = re.compile(rf"^(?:{_either('في من')}|لـ|ل(?=ل)\S+|لـ\S+)$")

MAX_FALLBACK_NAME_WORDS = 4

# What a person's description starts with: a role, or a noun of occupation ("الصحافي", "الكاتب").
_DESCRIPTION_WORDS = "صحافي صحفي كاتب ناشط طبيب محامي أستاذ مؤرخ شاعر أسير مواطن نائب مذيع إعلامي"
_PERSON_LEAD = re.compile(
    rf"^(?:{_ROLE_START.pattern[1:]}|(?:{_loose('ال')})?(?:{_either(_DESCRIPTION_WORDS)})(?:ة)?(?![\u0621-\u064a]))"
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
        # "وختم X قائلاً", "X ويضيف": a verb ends the subject; "وختمت X بيانها": so does the
        # speaker's own speech, the verb's object
        if _ENDS_SUBJECT.match(word) or _OWN_SPEECH_WORD.match(word):
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
