"""Stage 3: structured fields of every normalized article, in the dataset schema.

`extract_fields_chunk` is a pure function over an Arrow table; akhbar.runner runs it part by
part on its worker pool (and akhbar.runner.extract_fields over one table)."""

from __future__ import annotations

import traceback
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from akhbar import PIPELINE_VERSION
from akhbar.boilerplate import Block
from akhbar.extract.dates import date_records
from akhbar.extract.entities import default_tagger
from akhbar.extract.quantities import find_quantities
from akhbar.extract.quotes import find_quotes
from akhbar.extract.structure import Structure, extract_structure
from akhbar.ingest.records import quarantine_rows
from akhbar.schema import ARTICLE_SCHEMA

# The normalized columns extraction reads: not `text` (as long as the blocks, which hold it) nor
# `chrome`, so they are neither read from the part nor sent to a worker.
FIELDS_INPUT = [
    "id", "source", "license", "url", "published_at", "author", "title", "lead", "tags", "captions", "blocks",
    "origin", "raw_sha256",
]  # fmt: skip

# One article whose extraction raises must not stop the build: its row comes out empty with
# the error here, and `split_failed` quarantines it with that reason.
EXTRACTION_ERROR = "extraction_error"
FIELDS_CHUNK_SCHEMA = ARTICLE_SCHEMA.append(pa.field(EXTRACTION_ERROR, pa.string()))


def extract_fields_chunk(normalized: pa.Table) -> pa.Table:
    """extract_fields on one process: ARTICLE_SCHEMA plus `extraction_error`."""
    articles = normalized.select(FIELDS_INPUT).to_pylist()
    structures: list[Structure | Exception] = []
    for article in articles:
        try:
            structures.append(
                extract_structure(
                    article["title"] or "",
                    [Block(b["text"], b["kind"]) for b in article["blocks"]],
                    lead=article["lead"],
                    tags=article["tags"],
                )
            )
        except Exception as exc:  # quarantined with its reason, see EXTRACTION_ERROR
            structures.append(exc)
    bodies = [s.body if isinstance(s, Structure) else "" for s in structures]
    try:
        # the tagger works on every sentence of the chunk at once (numpy Viterbi over the batch)
        entities: list = default_tagger().find_many(bodies)
    except Exception:  # one article's text broke the batch: find which, one by one
        entities = [_entities_alone(body) for body in bodies]
    rows = []
    for article, structure, found in zip(articles, structures, entities, strict=True):
        try:
            if isinstance(structure, Exception):
                raise structure
            if isinstance(found, Exception):
                raise found
            rows.append(_article_row(article, structure, found))
        except Exception as exc:  # quarantined with its reason, see EXTRACTION_ERROR
            rows.append(_failed_row(article, exc))
    return pa.Table.from_pylist(rows, schema=FIELDS_CHUNK_SCHEMA)


def _entities_alone(body: str) -> list | Exception:
    try:
        return default_tagger().find_many([body])[0]
    except Exception as exc:  # quarantined with its reason, see EXTRACTION_ERROR
        return exc


def _article_row(article: dict, structure: Structure, found: list) -> dict:
    body = structure.body
    return {
        "id": article["id"],
        "source": article["source"],
        "license": article["license"],
        "url": article["url"],
        "published_at": article["published_at"],
        "title": structure.title,
        "lead": structure.lead,
        "byline": article["author"] or structure.byline,
        "body": body,
        "paragraphs": structure.paragraphs,
        "captions": article["captions"] + [{"text": c.text, "credit": c.credit} for c in structure.captions],
        "tags": structure.tags,
        "quotes": [
            {"text": q.text, "speaker": q.speaker, "verb": q.verb, "paragraph": q.paragraph}
            for q in find_quotes(structure.paragraphs, found)
        ],
        "entities": [{"text": e.text, "label": e.label, "start": e.start, "end": e.end} for e in found],
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
        EXTRACTION_ERROR: None,
    }


def _failed_row(article: dict, error: Exception) -> dict:
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    return {
        "id": article["id"],
        "source": article["source"],
        "license": article["license"],
        "url": article["url"],
        "published_at": article["published_at"],
        "title": article["title"] or "",
        "body": "",
        "origin": article["origin"],
        "raw_sha256": article["raw_sha256"],
        "pipeline_version": PIPELINE_VERSION,
        EXTRACTION_ERROR: f"{type(error).__name__}: {error}{at}"[:500],
    }


def split_failed(fields: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(rows of ARTICLE_SCHEMA, quarantine rows of the articles whose extraction raised, with the
    error: a bug to report, and the rest of the batch released)."""
    if EXTRACTION_ERROR not in fields.column_names:
        return fields, quarantine_rows(fields, {}, stage="fields")
    errors = fields[EXTRACTION_ERROR]
    failed = pc.indices_nonzero(pc.is_valid(errors)).to_pylist()
    reasons = {i: f"extraction failed ({errors[i].as_py()}); please report it" for i in failed}
    quarantine = quarantine_rows(fields, reasons, stage="fields")
    kept = fields.filter(pc.is_null(errors)) if failed else fields
    return kept.drop_columns([EXTRACTION_ERROR]), quarantine


EMPTY_BODY_REASON = "no body text left after site chrome removal"


def split_empty_bodies(fields: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(articles with a body, quarantine rows for those without one): a page that held only
    chrome is not an article, and it is accounted for, not dropped."""
    empty = pc.equal(pc.utf8_length(fields["body"]), 0)
    kept = fields.filter(pc.invert(empty))
    positions = pc.indices_nonzero(empty).to_pylist()
    quarantine = quarantine_rows(fields, dict.fromkeys(positions, EMPTY_BODY_REASON), stage="fields")
    return kept, quarantine
