"""Quote marks: pairing them into quotations, quoted names as a verb's subject, masking earlier
utterances, sentence bounds."""

from __future__ import annotations

import re

from akhbar.extract.quotes.patterns import _MASK, _WORD_START, _either, _verb_pattern
from akhbar.schema import MIN_QUOTE_WORDS

_QUOTE = re.compile(r"\"(?P<a>[^\"\n]+)\"|«(?P<b>[^«»\n]+)»|“(?P<c>[^“”\n]+)”")

_SENTENCE_BREAK = re.compile(r"[.!?؟]\s")

_THAT = re.compile(rf"\s*[،,]?\s*(?:{_either('إن أن بأن')})(?![\u0621-\u064a])")

_VERB_LAST = re.compile(rf"{_WORD_START}[وف]?(?:{_verb_pattern()})\s*$")


def _quoted_subject(text: str, start: int, end: int) -> bool:
    """A quoted name as a verb's subject, "وقالت «كتائب … المخيم» إن …": not an utterance."""
    return bool(_VERB_LAST.search(text, 0, start) and _THAT.match(text, end))


def _closes_word(text: str, i: int) -> bool:
    """Whether the straight quote at `i` can only close: right after a word's last letter and
    before a space, punctuation or the end ("لهم"،")."""
    after = text[i + 1] if i + 1 < len(text) else " "
    return i > 0 and "\u0621" <= text[i - 1] <= "\u064a" and (after.isspace() or after in "،,.:؛!?؟)")


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
        elif not stack and _closes_word(text, i):
            continue  # a closing mark with nothing open ("…لهم"، موضحة"): a stray, it opens nothing
        else:
            stack.append(('"', i))
    if any(ch == '"' for ch, _ in stack) or "\n" in text:
        return _by_direction(text)  # unbalanced
    return found


def _by_direction(text: str) -> list[tuple[int, int]]:
    """Quotations of a text whose marks do not pair up, line by line: each closing mark
    closes the outermost mark still open on its line (an inner quote left open inside is
    part of the utterance); a closing mark with none open is a stray, skipped. A straight
    quote opens or closes as `_opens` says."""
    found: list[tuple[int, int]] = []
    line_start = 0
    for line in text.split("\n"):
        opened: int | None = None
        for mark in re.finditer(r"[\"«»“”]", line):
            ch, i = mark.group(), mark.start()
            closing = ch in "»”" or (ch == '"' and not (_opens(line, i) and i + 1 < len(line)))
            if not closing:
                opened = i if opened is None else opened
            elif opened is not None:
                found.append((line_start + opened, line_start + i + 1))
                opened = None
        line_start += len(line) + 1
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


def _sentence_start(text: str, position: int) -> int:
    starts = [m.end() for m in _SENTENCE_BREAK.finditer(text, 0, position)]
    return starts[-1] if starts else 0


def _sentence_end(text: str, position: int) -> int:
    match = _SENTENCE_BREAK.search(text, position)
    return match.start() + 1 if match else len(text)
