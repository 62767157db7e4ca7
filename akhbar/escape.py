"""Escaping for the Markdown that akhbar writes: the dataset card, the quality report and the
Dagster metadata previews. One place, so every table cell and line of prose escapes alike.

Article text (titles, tags, speakers, entities) and configuration (source names, licences)
reach these documents; Markdown passes raw HTML through and a `|` or a line break ends a table
cell or row, so a value is never inserted as it is:

- `md_text(value)`: one line of inline text, safe in a paragraph, a heading, a list item and a
  table cell. Runs of whitespace (line breaks included) become one space; `&`, `<` and `>`
  become HTML entities (no tag, comment or autolink can open); the backslash and the characters
  that open links, images, code spans, emphasis and strikethrough (`[ ] ` * ~`) and the cell
  separator `|` are backslash-escaped (GFM takes `\\|` as a literal pipe inside a cell), and so
  is `_` unless it stands between two letters or digits, where it cannot emphasize (names such
  as `quotes_with_speaker` stay readable). Other control characters are shown as U+FFFD. Bare
  URLs stay text that a GFM renderer may turn into links to themselves.
- `md_code(value, cell=...)`: an inline code span (for identifiers: field names, paths, hashes).
- `py_literal(value)`: a Python string literal (double-quoted, ASCII), for code snippets.
- `Markdown`: text that already is Markdown (the YAML header, a report section); the card's
  template escapes every other value it inserts with `md_text`.

HTML autoescaping (Jinja2's `autoescape`) is not used: it leaves `|`, line breaks and Markdown
syntax alone, so it breaks tables and lets `[text](url)` make links.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any


class Markdown(str):
    """Text that is Markdown already: inserted as it is (`md_text` returns it unchanged)."""

    __slots__ = ()


# Markdown's inline openers, the cell separator and HTML's `& < >`; `_` only where it could
# open or close emphasis (not between two letters or digits: `quotes_with_speaker` stays).
_SPECIAL = re.compile(r"[\\`*\[\]|~&<>]|(?<![^\W_])_|_(?![^\W_])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BACKTICKS = re.compile(r"`+")


def _one_line(text: str) -> str:
    """Whitespace runs (line breaks, tabs, U+2028...) to one space; other control characters
    (and lone surrogates) to U+FFFD."""
    text = " ".join(text.split())
    if text.isprintable():
        return text
    return "".join("\ufffd" if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in text)


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    return _ENTITIES.get(ch) or "\\" + ch


def md_text(value: Any) -> Markdown:
    """`value` as one line of inline Markdown that shows exactly its text (None: empty)."""
    if isinstance(value, Markdown):
        return value
    if value is None:
        return Markdown("")
    return Markdown(_SPECIAL.sub(_escape_char, _one_line(str(value))))


def md_code(value: Any, *, cell: bool = False) -> Markdown:
    """`value` as an inline code span: a backtick fence longer than any backtick run inside.
    In a table cell (`cell=True`) `|` is escaped too: GFM splits cells before code spans."""
    text = _one_line(str(value))
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    if cell:
        text = text.replace("|", "\\|")
    return Markdown(f"{fence}{text}{fence}")


def py_literal(value: Any) -> Markdown:
    """`value` as a Python string literal: the snippet it goes into stays valid Python. JSON's
    ASCII string syntax is a subset of Python's, so `json.dumps` makes one, double-quoted."""
    return Markdown(json.dumps(str(value)))
