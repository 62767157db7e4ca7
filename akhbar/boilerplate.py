"""Site chrome removal and paragraph segmentation, by generic rules that need no site profile.

The text is cut into blocks (one per non-blank line). Lines of page chrome (video-player
timestamps, widget bullets, related-article footers, copyright lines, CSS/JavaScript residue
of widgets) are removed and kept
with the rule that removed them, so every removal can be audited. Lines that sit in a media
block (the block a player timestamp opens, up to the next blank line) are marked `media`:
they are caption candidates, not body text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PARAGRAPH = "paragraph"
MEDIA = "media"

_PLAYER_TIMESTAMP = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?(?:\s*/\s*\d{1,2}:\d{2}(?::\d{2})?)?$")
_BULLET_RESIDUE = re.compile(r"^[•·▪●◦]\s*\S+(?:\s+\S+){0,3}$")
_COPYRIGHT = re.compile(r"^(?:©|\(c\)|جميع الحقوق محفوظة|حقوق النشر محفوظة|كل الحقوق محفوظة)", re.IGNORECASE)
# Lines after which a page holds only links to other articles.
_TERMINAL_FOOTER = re.compile(
    r"^(?:اخترنا لك|تصفح المزيد|اقرأ المزيد|اقرأ أيضا|اقرأ أيضاً|مواضيع ذات صلة|أخبار ذات صلة"
    r"|مقالات ذات صلة|الأكثر قراءة)\s*[:：]?$"
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


@dataclass(frozen=True)
class Block:
    text: str
    kind: str  # PARAGRAPH or MEDIA


@dataclass(frozen=True)
class RemovedLine:
    text: str
    rule: str


def segment(text: str) -> tuple[list[Block], list[RemovedLine]]:
    """Blocks of a clean text (line breaks already "\\n") and the chrome lines removed."""
    blocks: list[Block] = []
    removed: list[RemovedLine] = []
    in_media = False
    lines = text.split("\n")
    for i, raw_line in enumerate(lines):
        line = raw_line.strip()
        if not line:
            in_media = False
            continue
        if _TERMINAL_FOOTER.match(line):
            removed.append(RemovedLine(line, "related_footer"))
            removed.extend(
                RemovedLine(rest.strip(), "after_related_footer") for rest in lines[i + 1 :] if rest.strip()
            )
            break
        if _PLAYER_TIMESTAMP.match(line):
            removed.append(RemovedLine(line, "player_timestamp"))
            in_media = True
            continue
        if in_media and _BULLET_RESIDUE.match(line):
            # Only inside a media block: elsewhere short bullets are real lists (Q&A, items).
            removed.append(RemovedLine(line, "media_bullet"))
            continue
        if _COPYRIGHT.match(line):
            removed.append(RemovedLine(line, "copyright_footer"))
            continue
        line, code = split_code_residue(line)
        if code is not None:
            removed.append(RemovedLine(code, "code_residue"))
            if not line:
                continue
        blocks.append(Block(line, MEDIA if in_media else PARAGRAPH))
    return blocks, removed
