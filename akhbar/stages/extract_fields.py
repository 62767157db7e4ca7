"""Stage 3: structured fields of every normalized article, in the dataset schema."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from akhbar import PIPELINE_VERSION
from akhbar.boilerplate import Block
from akhbar.extract.dates import date_records
from akhbar.extract.entities import default_tagger
from akhbar.extract.quantities import find_quantities
from akhbar.extract.quotes import find_quotes
from akhbar.extract.structure import extract_structure
from akhbar.ingest.records import quarantine_rows
from akhbar.schema import ARTICLE_SCHEMA
from akhbar.stages.pool import map_chunks, worker_pool


def extract_fields(normalized: pa.Table, *, workers: int | None = None) -> pa.Table:
    """Normalized articles to rows of ARTICLE_SCHEMA (the released dataset's schema).

    Per-article extraction is pure Python, so large batches are cut into chunks spread over
    `workers` processes (default: every core); chunks come back in order, so the output is
    the same table whatever the number of workers.
    """
    with worker_pool(workers) as pool:
        return map_chunks(extract_fields_chunk, normalized, pool)


# The normalized columns extraction reads: not `text` (as long as the blocks, which hold it) nor
# `chrome`, so they are neither read from the part nor sent to a worker.
FIELDS_INPUT = [
    "id", "source", "url", "published_at", "author", "title", "lead", "tags", "captions", "blocks", "origin",
    "raw_sha256",
]  # fmt: skip


def extract_fields_chunk(normalized: pa.Table) -> pa.Table:
    """extract_fields on one process."""
    articles = normalized.select(FIELDS_INPUT).to_pylist()
    structures = [
        extract_structure(
            article["title"] or "",
            [Block(b["text"], b["kind"]) for b in article["blocks"]],
            lead=article["lead"],
            tags=article["tags"],
        )
        for article in articles
    ]
    # the tagger works on every sentence of the chunk at once (numpy Viterbi over the batch)
    entities = default_tagger().find_many([s.body for s in structures])
    rows = []
    for article, structure, found in zip(articles, structures, entities, strict=True):
        body = structure.body
        rows.append(
            {
                "id": article["id"],
                "source": article["source"],
                "url": article["url"],
                "published_at": article["published_at"],
                "title": structure.title,
                "lead": structure.lead,
                "byline": article["author"] or structure.byline,
                "body": body,
                "paragraphs": structure.paragraphs,
                "captions": article["captions"]
                + [{"text": c.text, "credit": c.credit} for c in structure.captions],
                "tags": structure.tags,
                "quotes": [
                    {"text": q.text, "speaker": q.speaker, "verb": q.verb, "paragraph": q.paragraph}
                    for q in find_quotes(structure.paragraphs)
                ],
                "entities": [
                    {"text": e.text, "label": e.label, "start": e.start, "end": e.end} for e in found
                ],
                "dates": date_records(body, article["published_at"]),
                "quantities": [
                    {
                        "text": q.text,
                        "value": q.value,
                        "unit": q.unit,
                        "approximate": q.approximate,
                        "start": q.start,
                        "end": q.end,
                    }
                    for q in find_quantities(body)
                ],
                "word_count": len(body.split()),
                "char_count": len(body),
                "origin": article["origin"],
                "raw_sha256": article["raw_sha256"],
                "duplicate_of": None,
                "pipeline_version": PIPELINE_VERSION,
            }
        )
    return pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)


EMPTY_BODY_REASON = "no body text left after site chrome removal"


def split_empty_bodies(fields: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(articles with a body, quarantine rows for those without one): a page that held only
    chrome is not an article, and it is accounted for, not dropped."""
    empty = pc.equal(pc.utf8_length(fields["body"]), 0)
    kept = fields.filter(pc.invert(empty))
    positions = pc.indices_nonzero(empty).to_pylist()
    quarantine = quarantine_rows(fields, dict.fromkeys(positions, EMPTY_BODY_REASON), stage="fields")
    return kept, quarantine
