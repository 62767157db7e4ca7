"""The stages over one in-memory Arrow table, for tests, evaluation and benchmarks: thin
conveniences over the same stage functions and worker pool the part runner uses
(akhbar.runner.articles), without parts on disk, reuse or a gate."""

from __future__ import annotations

import pyarrow as pa

from akhbar.runner.pool import map_chunks, worker_pool
from akhbar.stages.extract_fields import extract_fields_chunk, split_failed
from akhbar.stages.normalize_articles import remove_stock_paragraphs, segment_articles, stock_candidates_of
from akhbar.stock_paragraphs import find_stock


def normalize_articles(raw: pa.Table) -> pa.Table:
    """Raw articles (RAW_SCHEMA) to normalized articles (NORMALIZED_SCHEMA), same rows.

    Two passes: every article is cleaned and segmented on its own (`segment_articles`), then
    stock paragraphs are found across the whole batch (`stock_candidates_of`, `find_stock`) and
    removed (`remove_stock_paragraphs`). The runner runs the same three steps part by part.
    """
    segmented = segment_articles(raw)
    return remove_stock_paragraphs(segmented, find_stock([stock_candidates_of(segmented)]))


def extract_fields(normalized: pa.Table, *, workers: int | None = None) -> pa.Table:
    """Normalized articles to rows of ARTICLE_SCHEMA (the released dataset's schema); raises
    when an article's extraction failed (the pipeline quarantines it instead, `split_failed`).

    Per-article extraction is pure Python, so large batches are cut into chunks spread over
    `workers` processes (default: every core); chunks come back in order, so the output is
    the same table whatever the number of workers.
    """
    with worker_pool(workers) as pool:
        fields, failed = split_failed(map_chunks(extract_fields_chunk, normalized, pool))
    if failed.num_rows:
        raise RuntimeError(f"{failed['origin'][0]}: {failed['reason'][0]}")
    return fields
