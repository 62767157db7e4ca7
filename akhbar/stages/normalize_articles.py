"""Stage 2: clean text, remove site chrome and stock paragraphs, cut paragraphs into typed blocks.

Three pure steps over Arrow tables, which akhbar.runner runs part by part (and
akhbar.runner.normalize_articles over one table): `segment_articles`, article by article; the
corpus-wide reduce, each part's `stock_candidates_of` gathered by
akhbar.stock_paragraphs.find_stock; `remove_stock_paragraphs`, article by article again.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from akhbar.boilerplate import PARAGRAPH, resegment_flattened, segment
from akhbar.normalize import clean_text
from akhbar.profiles import profile_for
from akhbar.schema import CAPTION
from akhbar.stock_paragraphs import paragraph_hash, stock_candidates, stock_hash_positions

BLOCK = pa.struct([("text", pa.string()), ("kind", pa.string())])
REMOVED = pa.struct([("text", pa.string()), ("rule", pa.string())])

NORMALIZED_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("license", pa.string()),
        pa.field("origin", pa.string(), nullable=False),
        pa.field("raw_sha256", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("published_at", pa.timestamp("us", tz="UTC")),
        pa.field("author", pa.string()),
        pa.field("title", pa.string()),
        pa.field("lead", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("captions", pa.list_(CAPTION)),  # found by the reader, outside the text
        pa.field("text", pa.string()),
        pa.field("blocks", pa.list_(BLOCK)),
        pa.field("chrome", pa.list_(REMOVED)),
    ]
)


def _one_line(text: str | None) -> str | None:
    return (" ".join(clean_text(text).split()) or None) if text else None


# The segmented table carries, per article, the hash of each paragraph block (in order) so the
# second pass can remove stock paragraphs without recomputing search keys, and the number of
# control characters clean_text took out of the article (the run's metadata reports the sum).
PARAGRAPH_HASHES = "paragraph_hashes"
CONTROL_CHARS_REMOVED = "control_chars_removed"
SEGMENTED_SCHEMA = NORMALIZED_SCHEMA.append(pa.field(PARAGRAPH_HASHES, pa.list_(pa.uint64()))).append(
    pa.field(CONTROL_CHARS_REMOVED, pa.int32())
)
# What clean_text removes as control characters: C0 but tab, line feed and carriage return
# (vertical tab and form feed become a space), DEL and C1. Stray ones survive decoding (see
# akhbar.ingest.decode: a few in real text are not binary content).
_STRAY_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"


def _controls(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(pc.count_substring_regex(values, _STRAY_CONTROL), 0).to_numpy(zero_copy_only=False)


def control_chars(raw: pa.Table) -> np.ndarray:
    """Per raw article, the control characters in the fields clean_text cleans (title, lead,
    author, text, tags, captions); vectorized."""
    counts = np.zeros(raw.num_rows, dtype=np.int64)
    for name in ("title", "lead", "author", "text"):
        counts += _controls(raw[name])
    for name, fields in (("tags", [None]), ("captions", ["text", "credit"])):
        column = raw[name].combine_chunks()
        flat, parents = pc.list_flatten(column), pc.list_parent_indices(column).to_numpy()
        for field in fields:
            values = flat if field is None else pc.struct_field(flat, field)
            if len(values):
                counts += np.bincount(parents, weights=_controls(values), minlength=raw.num_rows).astype(
                    np.int64
                )
    return counts


def segment_articles(raw: pa.Table) -> pa.Table:
    """First pass, article by article: clean text, site chrome removed, typed blocks
    (SEGMENTED_SCHEMA: NORMALIZED_SCHEMA plus each paragraph block's stock hash)."""
    rows = []
    controls = control_chars(raw).tolist()
    for article, removed in zip(raw.to_pylist(), controls, strict=True):
        profile = profile_for(article["source"], article["url"])
        text = clean_text(resegment_flattened(article["text"] or ""))
        segmented = segment(text, profile, title=article["title"])
        tags = [t for t in (_one_line(t) for t in [*(article["tags"] or []), *segmented.tags]) if t]
        rows.append(
            {
                "id": article["id"],
                "source": article["source"],
                "license": article["license"],
                "origin": article["origin"],
                "raw_sha256": article["raw_sha256"],
                "url": article["url"],
                "published_at": article["published_at"],
                "author": _one_line(article["author"]),
                "title": _one_line(article["title"]),
                "lead": _one_line(article["lead"]),
                "tags": list(dict.fromkeys(tags)),
                "captions": [
                    {"text": _one_line(c["text"]), "credit": _one_line(c["credit"])}
                    for c in article["captions"] or []
                    if _one_line(c["text"])
                ],
                "text": text,
                "blocks": [{"text": b.text, "kind": b.kind} for b in segmented.blocks],
                "chrome": [{"text": r.text, "rule": r.rule} for r in segmented.removed],
                PARAGRAPH_HASHES: [paragraph_hash(b.text) for b in segmented.blocks if b.kind == PARAGRAPH],
                CONTROL_CHARS_REMOVED: removed,
            }
        )
    return pa.Table.from_pylist(rows, schema=SEGMENTED_SCHEMA)


def stock_candidates_of(segmented: pa.Table) -> pa.Table:
    """The stock-paragraph candidates of a segmented part (see akhbar.stock_paragraphs)."""
    return stock_candidates(
        segmented["source"].to_pylist(),
        segmented["title"].to_pylist(),
        segmented[PARAGRAPH_HASHES].to_pylist(),
    )


def remove_stock_paragraphs(segmented: pa.Table, stock: dict[str, frozenset[int]]) -> pa.Table:
    """Second pass: the normalized part (NORMALIZED_SCHEMA) with stock paragraphs moved from
    `blocks` to `chrome`."""
    hashes_column = segmented[PARAGRAPH_HASHES].to_pylist()
    sources = segmented["source"].to_pylist()
    hits = {
        i
        for i, (source, hashes) in enumerate(zip(sources, hashes_column, strict=True))
        if stock.get(source, frozenset()).intersection(hashes[1:])
    }
    table = segmented.drop_columns([PARAGRAPH_HASHES, CONTROL_CHARS_REMOVED])
    if not hits:
        return table
    blocks_column = table["blocks"].to_pylist()
    chrome_column = table["chrome"].to_pylist()
    for i in sorted(hits):
        blocks, hashes = blocks_column[i], hashes_column[i]
        paragraph_blocks = [j for j, b in enumerate(blocks) if b["kind"] == PARAGRAPH]
        positions = stock_hash_positions(hashes, stock[sources[i]])
        drop = {paragraph_blocks[k] for k in positions}
        if drop:
            chrome_column[i] = chrome_column[i] + [
                {"text": blocks[j]["text"], "rule": "stock_paragraph"} for j in sorted(drop)
            ]
            blocks_column[i] = [b for j, b in enumerate(blocks) if j not in drop]
    table = table.set_column(
        table.schema.get_field_index("blocks"),
        table.schema.field("blocks"),
        pa.array(blocks_column, NORMALIZED_SCHEMA.field("blocks").type),
    ).set_column(
        table.schema.get_field_index("chrome"),
        table.schema.field("chrome"),
        pa.array(chrome_column, NORMALIZED_SCHEMA.field("chrome").type),
    )
    return table
