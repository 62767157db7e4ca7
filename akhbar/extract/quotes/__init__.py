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

The parts: marks.py pairs quote marks; cues.py finds the reporting cue of a quote; speakers.py
cuts a cue's subject to a speaker; resolve.py resolves speakers within the article; patterns.py
holds what they share (the word patterns, `Quote`).
"""

from __future__ import annotations

import itertools
import re

from akhbar.extract.entities import Entity, find_entities
from akhbar.extract.quotes.cues import _ATTRIBUTION, _COMPLEMENT, _caption, _cue_after, _cue_before, _cues
from akhbar.extract.quotes.marks import _QUOTE, _quoted_subject, _sentence_end, _sentence_start, quotations
from akhbar.extract.quotes.patterns import _HARAKAT, _PARTICIPLE, _REJECT, Quote, _Spans
from akhbar.extract.quotes.resolve import resolve_speakers, same_person, speaker_head
from akhbar.extract.quotes.speakers import _PREPOSITION
from akhbar.schema import MIN_QUOTE_WORDS

__all__ = [
    "MIN_QUOTE_WORDS",
    "Quote",
    "find_quotes",
    "quotations",
    "resolve_speakers",
    "same_person",
    "speaker_head",
]


def _joined(entities: list[Entity], body: str) -> list[Entity]:
    """Entity mentions with a name the tagger cut in two put back together: two mentions of one
    label with only a space between them ("محمد" + "إسماعيل خالد", "وول" + "ستريت جورنال") are
    one name when one of them is a single word; two names of several words each are two
    ("وصفت كوريا الشمالية كوريا الجنوبية": a subject and its object)."""
    out: list[Entity] = []
    for entity in sorted(entities, key=lambda e: e.start):
        last = out[-1] if out else None
        if (
            last
            and last.label == entity.label
            and body[last.end : entity.start] == " "
            and min(len(last.text.split()), len(entity.text.split())) == 1
        ):
            out[-1] = Entity(body[last.start : entity.end], last.label, last.start, entity.end)
        else:
            out.append(entity)
    return out


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
            and not _not_a_subject(c[2])
            and (
                any(t in c[2] for _, _, label, t in spans if label in ("PER", "ORG"))
                # "قال فلان، إن …": set off from what follows (an attribution inside reported
                # content, "… وفقاً لمتوسط الترتيب", names nobody who spoke)
                or (_COMPLEMENT.search(sentence, c[0]) and not _ATTRIBUTION.match(sentence, c[0]))
            )
        ]
        if named:
            return max(named, key=lambda c: c[0])[2]  # type: ignore[return-value]
    return None


def _not_a_subject(speaker: str) -> bool:
    """A participle of speech ("مؤكدةً", "معتبراً ذلك") or a prepositional phrase ("بالحرف",
    "للصحفيين") where the subject would stand: never a speaker."""
    first = re.sub(_HARAKAT, "", speaker.split()[0]).replace("ـ", "")
    return (
        bool(_PARTICIPLE.fullmatch(first))
        or first.startswith(("بال", "لل", "كال"))
        or bool(_PREPOSITION.match(first + " "))  # "في البيان", "عن الوكالة": never a speaker
    )


def find_quotes(paragraphs: list[str], entities: list[Entity] | None = None) -> list[Quote]:
    """Attributed quotes of an article, in order, speakers resolved within the article.
    `entities` are the entity mentions of the body ("\n".join(paragraphs)), tagged here when
    not given; their spans set the speakers' boundaries."""
    body = "\n".join(paragraphs)
    if entities is None:
        entities = find_entities(body) if any(_QUOTE.search(p) for p in paragraphs) else []
    entities = _joined(entities, body)
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
