"""Stage 3: structured fields of every normalized article, in the dataset schema."""

from __future__ import annotations

import pyarrow as pa

from akhbar import PIPELINE_VERSION
from akhbar.boilerplate import Block
from akhbar.extract.quantities import find_quantities
from akhbar.extract.quotes import find_quotes
from akhbar.extract.structure import extract_structure
from akhbar.schema import ARTICLE_SCHEMA


def extract_fields(normalized: pa.Table) -> pa.Table:
    """Normalized articles to rows of ARTICLE_SCHEMA (the released dataset's schema)."""
    rows = []
    for article in normalized.to_pylist():
        blocks = [Block(b["text"], b["kind"]) for b in article["blocks"]]
        structure = extract_structure(
            article["title"] or "", blocks, lead=article["lead"], tags=article["tags"]
        )
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
                "entities": [],
                "dates": [],
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
