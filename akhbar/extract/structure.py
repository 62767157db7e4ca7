"""Title, lead, paragraphs, body, captions with photo credits, and tags of one article."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from akhbar.boilerplate import MEDIA, PARAGRAPH, Block
from akhbar.extract.byline import split_byline

# A caption ends with its credit in parentheses: "... في إسطنبول (سبوتنيك)".
_CREDIT = re.compile(r"^(?P<text>.*?)\s*[(（](?P<credit>[^()（）]{1,60})[)）]\s*$")


@dataclass(frozen=True)
class Caption:
    text: str
    credit: str | None


@dataclass
class Structure:
    title: str
    lead: str | None
    paragraphs: list[str]
    captions: list[Caption] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    byline: str | None = None

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


def parse_caption(text: str) -> Caption:
    match = _CREDIT.match(text)
    if match and match.group("text"):
        return Caption(match.group("text"), match.group("credit").strip())
    return Caption(text, None)


def _folded(text: str) -> str:
    return " ".join(text.split())


def _same(a: str, b: str) -> bool:
    return _folded(a) == _folded(b)


def _lead_prefix_length(paragraphs: list[str], lead: str) -> int:
    """How many leading paragraphs together are the lead (a lead re-segmented into sentences
    spans several); 0 when they are not."""
    target, joined = _folded(lead), ""
    for i, text in enumerate(paragraphs):
        joined = f"{joined} {_folded(text)}".strip()
        if joined == target:
            return i + 1
        if not target.startswith(joined):
            return 0
    return 0


_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+(?=\S)")


def _first_sentence(paragraph: str) -> str | None:
    """The first sentence of a paragraph that has more than one, else None."""
    parts = _SENTENCE_END.split(paragraph, maxsplit=1)
    return parts[0] if len(parts) == 2 else None


def extract_structure(
    title: str, blocks: list[Block], *, lead: str | None = None, tags: list[str] | None = None
) -> Structure:
    """Fields of one article from its clean title and its segmented blocks.

    Byline: a byline or dateline opening the body is taken out of it (`akhbar.extract.byline`).
    Lead: the source's own lead when it gives one (and its copy at the top of the body, even
    cut into sentences, is dropped); else a standfirst, the single paragraph that stands
    before a media block, taken out of the body; else the first paragraph, which stays in the
    body. When the article is that one paragraph, its first sentence is the lead (None when it
    has only one), so a lead never equals the body.
    """
    paragraphs = [b.text for b in blocks if b.kind == PARAGRAPH]
    captions = [parse_caption(b.text) for b in blocks if b.kind == MEDIA]
    if paragraphs and _same(paragraphs[0], title):
        paragraphs = paragraphs[1:]  # headline repeated as the first body line
    byline = None
    if paragraphs:
        byline, rest = split_byline(paragraphs[0])
        if byline:
            paragraphs = ([rest] if rest else []) + paragraphs[1:]
    first_media = next((i for i, b in enumerate(blocks) if b.kind == MEDIA), None)
    if lead:
        # A report whose whole text is its lead (TV reports) keeps that text as its body, and
        # no lead: the lead would only repeat the body.
        rest = paragraphs[_lead_prefix_length(paragraphs, lead) :]
        paragraphs, lead = (rest, lead) if rest or not paragraphs else (paragraphs, None)
    elif (
        first_media == 1
        and blocks[0].kind == PARAGRAPH
        and len(paragraphs) > 1
        and blocks[0].text == paragraphs[0]
    ):
        lead, paragraphs = paragraphs[0], paragraphs[1:]
    elif paragraphs:
        lead = paragraphs[0]
    if lead is not None and paragraphs == [lead]:
        lead = _first_sentence(lead)  # one paragraph: the lede is its first sentence, if it has more
    unique_tags = list(dict.fromkeys(t for t in (tags or []) if t))
    return Structure(
        title=title, lead=lead, paragraphs=paragraphs, captions=captions, tags=unique_tags, byline=byline
    )
