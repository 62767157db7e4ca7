"""Stock paragraphs: text a source repeats under many different articles (explainer boxes,
"about us" footers, subscription notices), found by frequency across the batch.

A paragraph is stock when, within one source, it appears in at least `min_articles`
articles with different titles (so one story republished twice does not count). It is
removed from an article's body unless it is the first paragraph (templated openings such
as daily weather reports are news) or the last one left.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from akhbar.normalize import search_key

MIN_ARTICLES = 5
MIN_WORDS = 2


def paragraph_key(text: str) -> str:
    return search_key(text)


def find_stock_paragraphs(
    articles: Iterable[tuple[str, str, list[str]]], *, min_articles: int = MIN_ARTICLES
) -> set[tuple[str, str]]:
    """(source, paragraph key) pairs of stock paragraphs, from (source, title, paragraphs)."""
    titles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for source, title, paragraphs in articles:
        title_key = search_key(title or "")
        for text in paragraphs[1:]:  # first paragraphs are never stock
            if len(text.split()) >= MIN_WORDS:
                titles[(source, paragraph_key(text))].add(title_key)
    return {key for key, seen in titles.items() if len(seen) >= min_articles}


def stock_positions(source: str, paragraphs: list[str], stock: set[tuple[str, str]]) -> list[int]:
    """Indexes of `paragraphs` to remove as stock (never the first, never all)."""
    positions = [i for i, text in enumerate(paragraphs) if i > 0 and (source, paragraph_key(text)) in stock]
    return positions if len(positions) < len(paragraphs) else positions[:-1]
