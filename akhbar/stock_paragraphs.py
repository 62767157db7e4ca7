"""Stock paragraphs: text a source repeats under many different articles (explainer boxes,
"about us" footers, subscription notices), found by frequency across the corpus.

A paragraph is stock when, within one source, it appears in at least `min_articles`
articles with different titles (so one story republished twice does not count). It is
removed from an article's body unless it is the first paragraph (templated openings such
as daily weather reports are news) or the last one left.

Paragraphs and titles are compared by a 64-bit hash of their search key, so the statistics
of a million articles are a few arrays of integers (`stock_candidates` per part, reduced by
`find_stock`), not sets of strings.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import pyarrow as pa

from akhbar.normalize import key_hash, search_key

MIN_ARTICLES = 5
MIN_WORDS = 2
NOT_A_CANDIDATE = 0  # key of a paragraph too short to be stock

CANDIDATES_SCHEMA = pa.schema([("source", pa.string()), ("paragraph", pa.uint64()), ("title", pa.uint64())])


def paragraph_key(text: str) -> str:
    return search_key(text)


def paragraph_hash(text: str) -> int:
    """Hash of a paragraph's search key; NOT_A_CANDIDATE for paragraphs under MIN_WORDS."""
    return key_hash(paragraph_key(text)) if len(text.split()) >= MIN_WORDS else NOT_A_CANDIDATE


def stock_candidates(sources: list[str], titles: list[str], paragraph_hashes: list[list[int]]) -> pa.Table:
    """(source, paragraph, title) hashes, distinct, of every paragraph that could be stock:
    each article's paragraphs after the first, long enough."""
    rows: set[tuple[str, int, int]] = set()
    for source, title, hashes in zip(sources, titles, paragraph_hashes, strict=True):
        title_hash = key_hash(search_key(title or ""))
        rows.update((source, h, title_hash) for h in hashes[1:] if h != NOT_A_CANDIDATE)
    ordered = sorted(rows)
    return pa.table(
        {
            "source": pa.array([r[0] for r in ordered], pa.string()),
            "paragraph": pa.array([r[1] for r in ordered], pa.uint64()),
            "title": pa.array([r[2] for r in ordered], pa.uint64()),
        },
        schema=CANDIDATES_SCHEMA,
    )


def find_stock(
    candidates: Iterable[pa.Table], *, min_articles: int = MIN_ARTICLES
) -> dict[str, frozenset[int]]:
    """Source -> hashes of its stock paragraphs, from the candidates of every part."""
    frames = [pl.from_arrow(t) for t in candidates if t.num_rows]
    if not frames:
        return {}
    counts = (
        pl.concat(frames)
        .unique()
        .group_by("source", "paragraph")
        .agg(pl.len().alias("titles"))
        .filter(pl.col("titles") >= min_articles)
    )
    stock: dict[str, set[int]] = {}
    for source, paragraph in counts.select("source", "paragraph").iter_rows():
        stock.setdefault(source, set()).add(paragraph)
    return {source: frozenset(hashes) for source, hashes in sorted(stock.items())}


def stock_among(candidates: pa.Table, stock: dict[str, frozenset[int]]) -> list[str]:
    """The stock paragraphs among a part's candidates, as sorted "source:hash" strings: with
    the part itself, they decide what removing stock paragraphs makes of it."""
    found = {
        f"{source}:{paragraph}"
        for source, paragraph in zip(
            candidates["source"].to_pylist(), candidates["paragraph"].to_pylist(), strict=True
        )
        if paragraph in stock.get(source, ())
    }
    return sorted(found)


def stock_hash_positions(hashes: list[int], stock: frozenset[int]) -> list[int]:
    """Indexes of paragraphs (given by their hashes) to remove as stock: never the first,
    never all."""
    positions = [i for i, h in enumerate(hashes) if i > 0 and h in stock]
    return positions if len(positions) < len(hashes) else positions[:-1]


def find_stock_paragraphs(
    articles: Iterable[tuple[str, str, list[str]]], *, min_articles: int = MIN_ARTICLES
) -> dict[str, frozenset[int]]:
    """Stock paragraphs of (source, title, paragraphs) articles, in one batch."""
    sources, titles, hashes = [], [], []
    for source, title, paragraphs in articles:
        sources.append(source)
        titles.append(title)
        hashes.append([paragraph_hash(p) for p in paragraphs])
    return find_stock([stock_candidates(sources, titles, hashes)], min_articles=min_articles)


def stock_positions(source: str, paragraphs: list[str], stock: dict[str, frozenset[int]]) -> list[int]:
    """Indexes of `paragraphs` to remove as stock (never the first, never all)."""
    return stock_hash_positions([paragraph_hash(p) for p in paragraphs], stock.get(source, frozenset()))
