"""Site chrome removal and paragraph segmentation.

The text is cut into blocks (one per non-blank line). Lines of page chrome are removed and
kept with the rule that removed them, so every removal can be audited: video-player
timestamps, related-widget time lines ("اليوم 06:42", "20 اب"), related-article footers
("اخترنا لك", "تصفح المزيد" and everything after them), copyright lines, slider controls,
embedded-tweet residue, CSS/JavaScript residue of widgets, separator and punctuation-only
lines, a bare site name, plus the lines of a matching site profile (`akhbar.profiles`).
Tag blocks ("الوسوم: أ، ب") are moved to tags, and so is a page's tag list: one short
line per tag between blank lines at the end of the body (`tail_tag_run`). Lines of a media
block (opened by a player timestamp, closed by a blank line) are marked `media`: caption
candidates, not body text. Stock paragraphs repeated under many articles are found across a batch in
`akhbar.stock_paragraphs`, not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from akhbar.normalize import search_key
from akhbar.profiles import SiteProfile

PARAGRAPH = "paragraph"
MEDIA = "media"

_MONTHS = (
    "كانون الثاني|كانون ثاني|كانون الأول|كانون الاول|كانون اول|تشرين الأول|تشرين الاول|تشرين اول"
    "|تشرين الثاني|تشرين ثاني|شباط|آذار|اذار|نيسان|أيار|ايار"
    "|حزيران|تموز|آب|اب|أيلول|ايلول|يناير|فبراير|مارس|أبريل|ابريل|إبريل|مايو|يونيو|يونيه|يوليو|يوليه"
    "|أغسطس|اغسطس|سبتمبر|أكتوبر|اكتوبر|نوفمبر|ديسمبر|جانفي|فيفري|أفريل|ماي|جوان|جويلية|أوت"
)
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?"
_PLAYER_TIMESTAMP = re.compile(rf"^{_CLOCK}(?:\s*/\s*{_CLOCK})?$")
# Related-article widgets print a time or short date per link: "اليوم 06:42", "20 اب", "4 أيلول 11:16".
_WIDGET_TIME = re.compile(
    rf"^(?:(?:اليوم|أمس|امس)(?:\s+(?:اليوم|أمس|امس))*(?:\s+{_CLOCK})?"
    rf"|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?(?:\s+{_CLOCK})?)"
    rf"(?:\s+(?:(?:اليوم|أمس|امس)(?:\s+{_CLOCK})?|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+{_CLOCK})?))*$"
)
_BULLET_RESIDUE = re.compile(r"^[•·▪●◦]\s*\S+(?:\s+\S+){0,3}$")
_COPYRIGHT = re.compile(r"^(?:©|\(c\)|جميع الحقوق محفوظة|حقوق النشر محفوظة|كل الحقوق محفوظة)", re.IGNORECASE)
# Lines after which a page holds only links to other articles.
_TERMINAL_FOOTER = re.compile(
    r"^(?:اخترنا لك|تصفح المزيد|اقرأ المزيد|اقرأ أيضا|اقرأ أيضاً|مواضيع ذات صلة|أخبار ذات صلة"
    r"|مقالات ذات صلة|الأكثر قراءة)\s*[:：]?$"
)
_SLIDER = re.compile(r"^(?:(?:Next|Previous|السابق|التالي)\s*)+", re.IGNORECASE)
_READ_MORE = re.compile(r"^(?:\.{2,}|…)?\s*(?:المزيد|اقرأ المزيد|read more)$", re.IGNORECASE)
_SEPARATOR = re.compile(r"^[\W_]{1,12}$")  # "***", "* * *", ".", ">", "---"
_SITE_NAME = re.compile(r"^(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z]{2,})+$")
_TWEET = re.compile(r"pic\.twitter\.com/\w+|twitter\.com/\w+/status/\d+|^—\s.{1,80}\(@\w+\)\s")
_TAG_BLOCK = re.compile(r"^(?:الوسوم|وسوم|الكلمات المفتاحية|كلمات مفتاحية|كلمات دلالية|Tags)\s*[:：]\s*(.+)$")
_TAG_SPLIT = re.compile(r"\s*[،,|#]\s*")
# The heading of a writer's-articles widget, on a line of its own.
_RELATED_HEADING = re.compile(
    r"^(?:اقرأ للكاتب|اقرأ للكاتبة|مقالات الكاتب|مقالات للكاتب|المزيد للكاتب)\s*[:：]?$"
)

# Scraped pages flatten widget code into the text: a CSS rule, jQuery or a script start
# the residue, which runs to the end of the line (the widget's own labels follow it).
_CODE_RESIDUE = re.compile(
    r"[#.][A-Za-z_][\w-]*(?:\s+[\w#.\[\]=-]+)*\s*\{[^{}]*:[^{}]*\}"
    r"|jQuery[.(]|\$\(document\)|function\s*\(\s*\)\s*\{|<script\b|document\.write\("
)
_CODE_PUNCTUATION = re.compile(r"[{};()=]")


def split_code_residue(line: str) -> tuple[str, str | None]:
    """(text before embedded widget code, the code tail) — tail None when there is no code.

    A tail counts as code only when it is dense in code punctuation, so prose that happens
    to contain a brace or "function(" stays intact.
    """
    match = _CODE_RESIDUE.search(line)
    if not match:
        return line, None
    tail = line[match.start() :]
    if len(_CODE_PUNCTUATION.findall(tail)) < 6:
        return line, None
    return line[: match.start()].rstrip(), tail


# Flattened scrapes join paragraphs with one space and widgets with runs of spaces.
_WIDE_GAP = re.compile(r"[ \t\u00a0]{3,}")
# A sentence end: . ! ? ؟ (optionally closed by a quote or bracket) after a word of 2+
# characters (so "د." and initials do not end a paragraph), followed by space.
_SENTENCE_END = re.compile(r"(?<=\S\S[.!?؟])\s+|(?<=\S\S[.!?؟][\"”»)])\s+")
# Widget time tokens sit between runs of 2+ spaces inside flattened text.
_WIDGET_TOKEN = re.compile(
    rf"(?:(?<=\s\s)|^)((?:اليوم|أمس|امس)(?:\s+{_CLOCK})?|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?(?:\s+{_CLOCK})?)"
    r"(?=\s\s|$)"
)
FLATTENED_MIN_CHARS = 200


def is_flattened(text: str) -> bool:
    return "\n" not in text.strip() and len(text) >= FLATTENED_MIN_CHARS


def resegment_flattened(text: str) -> str:
    """Line breaks for text whose breaks were lost: at widget gaps and at sentence ends.

    Measured on Al Mayadeen 2024-04 articles (real breaks) flattened by hand: these breaks
    find the original paragraph breaks with F1 ≈ 0.87 (tests/akhbar/test_body_quality.py).
    A gap-delimited chunk holding tweet residue is not cut, so the whole embed is removed as
    one line; without gaps only the sentence carrying the tweet link goes.
    """
    if not is_flattened(text):
        return text
    lines: list[str] = []
    text = _WIDGET_TOKEN.sub(lambda m: f"   {m.group(1)}   ", text.strip())
    chunks = [c.strip() for c in _WIDE_GAP.split(text) if c.strip()]
    for chunk in chunks:
        if len(chunks) > 1 and _TWEET.search(chunk):
            lines.append(chunk)  # a gap-delimited embed: removed whole as embedded_tweet
        else:
            lines.extend(p for p in _SENTENCE_END.split(chunk) if p.strip())
    return "\n".join(lines)


@dataclass(frozen=True)
class Block:
    text: str
    kind: str  # PARAGRAPH or MEDIA


@dataclass(frozen=True)
class RemovedLine:
    text: str
    rule: str


@dataclass
class Segmented:
    blocks: list[Block] = field(default_factory=list)
    removed: list[RemovedLine] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def _chrome_rule(line: str, in_media: bool, profile: SiteProfile | None) -> str | None:
    """The name of the rule that makes a whole line chrome, or None."""
    if _PLAYER_TIMESTAMP.match(line):
        return "player_timestamp"
    if in_media and _BULLET_RESIDUE.match(line):
        # Only inside a media block: elsewhere short bullets are real lists (Q&A, items).
        return "media_bullet"
    if _WIDGET_TIME.match(line):
        return "widget_time"
    if _COPYRIGHT.match(line):
        return "copyright_footer"
    if _RELATED_HEADING.match(line):
        return "related_heading"
    if _READ_MORE.match(line):
        return "read_more"
    if _SEPARATOR.match(line):
        return "separator"
    if _SITE_NAME.match(line):
        return "site_name"
    if _TWEET.search(line):
        return "embedded_tweet"
    if profile and any(p.search(line) for p in profile.drop_lines):
        return f"profile:{profile.name}"
    return None


# A page's tag list: one short line per tag, each between blank lines, after the body and
# before the page's own boxes and widgets. Measured on Al Mayadeen pages (tags of 1-5 words).
TAG_MAX_WORDS = 6
TAG_MAX_CHARS = 60
TAG_RUN_MIN = 2  # a run of 2 needs every tag named in the article, a longer one at least one
TRAILER_MIN_WORDS = 8  # the one paragraph a tag list may stand before (a site's explainer box)
# Sentence and clause punctuation: a line holding one is prose, a heading or a label, not a tag.
_NOT_A_TAG = re.compile(r"[.!?؟:;؛،,…]")
# A list item: a bullet, a dash or a number opening the line.
_LIST_ITEM = re.compile(r"^(?:[-–—•·▪●◦*+>]|\d{1,3}\s*[.)\-–/])")
# The page chrome a tag list stands before (the rules of `segment` that remove it).
PAGE_CHROME_RULES = frozenset(
    {
        "widget_time", "related_footer", "copyright_footer", "read_more", "related_heading", "site_name",
        "code_residue",
    }
)  # fmt: skip
_PROCLITICS = ("", "و", "ب", "ل", "ف", "ك", "وب", "ول", "وال", "بال", "لل", "فال", "كال")


def _is_tag_like(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= TAG_MAX_WORDS
        and len(text) <= TAG_MAX_CHARS
        and not _NOT_A_TAG.search(text)
        and not _LIST_ITEM.match(text)
        and any(c.isalpha() for c in text)
    )


def _isolated(lines: list[str], i: int) -> bool:
    """A line standing between blank lines (or the text's ends)."""
    return (i == 0 or not lines[i - 1].strip()) and (i + 1 == len(lines) or not lines[i + 1].strip())


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", search_key(text))


def _named_in(tag: str, words: set[str]) -> bool:
    """Whether every word of a tag (of 3+ letters; "في", "من" do not count) is among the
    article's `words` (search keys), possibly with a proclitic ("و", "ب", "ال"...)."""
    tag_words = [w for w in _words(tag) if len(w) >= 3] or _words(tag)
    return bool(tag_words) and all(
        any(f"{prefix}{stem}" in words for prefix in _PROCLITICS for stem in {w, w.removeprefix("ال")})
        for w in tag_words
    )


def tail_tag_run(
    lines: list[str],
    blocks: list[Block],
    positions: list[int],
    title: str | None = None,
    *,
    chrome_after: bool,
) -> list[int]:
    """Indexes of the blocks that are the page's tag list, [] when there is none.

    A tag list is a run of at least TAG_RUN_MIN paragraph lines, each short (at most
    TAG_MAX_WORDS words), without sentence punctuation, not a list item, standing between
    blank lines, none repeated, that ends the body and stands before the page's chrome
    (`chrome_after`: a line removed by one of PAGE_CHROME_RULES follows the last block), with
    at most one long paragraph between them (a site's explainer box). Before it stands
    the body, whose last paragraph does not announce a list (":"). And the tags name what the
    article is about: the words of at least one of them (of every one in a run of two) occur
    in the title or in the body above. Short closing sentences (with a final period), sign-offs ("المصدر:"),
    bullet lists and verse that names nothing of the article stay in the body, and so do photo
    captions ending a text with no page chrome after them (SaudiNewsNet's Alyaum articles).
    """
    if not chrome_after:
        return []
    end = len(blocks)
    if end and blocks[-1].kind == PARAGRAPH and _isolated(lines, positions[-1]):
        last = blocks[-1].text
        if not _is_tag_like(last) and len(last.split()) >= TRAILER_MIN_WORDS:
            end -= 1  # the explainer box after the tag list
    start = end
    while (
        start > 0
        and blocks[start - 1].kind == PARAGRAPH
        and _is_tag_like(blocks[start - 1].text)
        and _isolated(lines, positions[start - 1])
    ):
        start -= 1
    run = list(range(start, end))
    if len(run) < TAG_RUN_MIN or start == 0:
        return []
    texts = [search_key(blocks[j].text) for j in run]
    if len(set(texts)) < len(texts) or blocks[start - 1].text.rstrip().endswith((":", "：")):
        return []
    body = " ".join(b.text for b in blocks[:start] if b.kind == PARAGRAPH)
    words = set(_words((title or "") + " " + body))
    named = sum(_named_in(blocks[j].text, words) for j in run)
    return run if named >= (len(run) if len(run) == TAG_RUN_MIN else 1) else []


def segment(text: str, profile: SiteProfile | None = None, *, title: str | None = None) -> Segmented:
    """Blocks of a clean text (line breaks already "\\n"), the chrome removed, tags found.

    `title` (optional) helps recognise a page's tag list: its tags name what the title and
    the body speak of (`tail_tag_run`).
    """
    out = Segmented()
    in_media = False
    lines = text.split("\n")
    positions: list[int] = []  # line index of each block
    last_page_chrome = -1  # line index of the last line removed as page chrome
    for i, raw_line in enumerate(lines):
        line = raw_line.strip()
        if not line:
            in_media = False
            continue
        terminal = _TERMINAL_FOOTER.match(line) or (profile and any(p.search(line) for p in profile.terminal))
        if terminal:
            last_page_chrome = i
            out.removed.append(RemovedLine(line, "related_footer"))
            out.removed.extend(
                RemovedLine(rest.strip(), "after_related_footer") for rest in lines[i + 1 :] if rest.strip()
            )
            break
        slider = _SLIDER.match(line)
        if slider:
            out.removed.append(RemovedLine(slider.group(0).strip(), "slider_controls"))
            line = line[slider.end() :].strip()
            if not line:
                continue
        rule = _chrome_rule(line, in_media, profile)
        if rule:
            if rule in PAGE_CHROME_RULES or rule.startswith("profile:"):
                last_page_chrome = i
            out.removed.append(RemovedLine(line, rule))
            in_media = in_media or rule == "player_timestamp"
            continue
        tag_block = _TAG_BLOCK.match(line)
        if tag_block:
            out.removed.append(RemovedLine(line, "tag_block"))
            out.tags.extend(t for t in _TAG_SPLIT.split(tag_block.group(1)) if t)
            continue
        line, code = split_code_residue(line)
        if code is not None:
            last_page_chrome = i
            out.removed.append(RemovedLine(code, "code_residue"))
            if not line:
                continue
        out.blocks.append(Block(line, MEDIA if in_media else PARAGRAPH))
        positions.append(i)
    chrome_after = bool(positions) and last_page_chrome > positions[-1]
    run = tail_tag_run(lines, out.blocks, positions, title, chrome_after=chrome_after)
    if run:
        out.removed.extend(RemovedLine(out.blocks[j].text, "tag_list") for j in run)
        out.tags.extend(out.blocks[j].text for j in run)
        out.blocks = [b for j, b in enumerate(out.blocks) if j not in set(run)]
    return out
