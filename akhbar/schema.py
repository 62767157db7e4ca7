"""The one Arrow schema of the dataset, with its Hugging Face `datasets` features.

Every Parquet file of a release carries this schema explicitly plus the ``huggingface``
schema metadata, so ``datasets`` reads nested columns back exactly. The features are
derived from the Arrow schema here (``datasets`` is only a test dependency); a test checks
them against ``datasets.Features.from_arrow_schema``.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

# Adding a column bumps the minor number, removing or retyping one the major number.
# 1.1: byline; 1.2: quantities; 1.3: dates month, day, start, end; 1.4: license
SCHEMA_VERSION = "1.4"

# The oldest `datasets` that reads a release: the features use the `List` type of datasets 4
# (`_feature` below); datasets 3 refuses them ("Feature type 'List' not found").
DATASETS_REQUIREMENT = "datasets>=4"

# A quote is four words or more: the rule `quotes` rows follow (akhbar.extract.quotes) and the
# card states; here, so that the card reads it without importing the extractor.
MIN_QUOTE_WORDS = 4

CAPTION = pa.struct([("text", pa.string()), ("credit", pa.string())])
QUOTE = pa.struct(
    [("text", pa.string()), ("speaker", pa.string()), ("verb", pa.string()), ("paragraph", pa.int32())]
)
ENTITY = pa.struct(
    [("text", pa.string()), ("label", pa.string()), ("start", pa.int32()), ("end", pa.int32())]
)
DATE = pa.struct(
    [
        ("text", pa.string()),
        ("date", pa.date32()),
        ("calendar", pa.string()),
        ("precision", pa.string()),
        ("year_inferred", pa.bool_()),
        ("month", pa.int32()),
        ("day", pa.int32()),
        ("start", pa.int32()),
        ("end", pa.int32()),
    ]
)

QUANTITY = pa.struct(
    [
        ("text", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("approximate", pa.bool_()),
        ("start", pa.int32()),
        ("end", pa.int32()),
    ]
)

ARTICLE_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("license", pa.string()),
        pa.field("url", pa.string()),
        pa.field("published_at", pa.timestamp("us", tz="UTC")),
        pa.field("title", pa.string(), nullable=False),
        pa.field("lead", pa.string()),
        pa.field("byline", pa.string()),
        pa.field("body", pa.string(), nullable=False),
        pa.field("paragraphs", pa.list_(pa.string())),
        pa.field("captions", pa.list_(CAPTION)),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("quotes", pa.list_(QUOTE)),
        pa.field("entities", pa.list_(ENTITY)),
        pa.field("dates", pa.list_(DATE)),
        pa.field("quantities", pa.list_(QUANTITY)),
        pa.field("word_count", pa.int32()),
        pa.field("char_count", pa.int32()),
        pa.field("origin", pa.string(), nullable=False),
        pa.field("raw_sha256", pa.string(), nullable=False),
        pa.field("duplicate_of", pa.string()),
        pa.field("pipeline_version", pa.string(), nullable=False),
    ]
)

FIELD_DESCRIPTIONS: dict[str, str] = {
    "id": "Stable article id: hash of source and (url, else source record id, else raw_sha256).",
    "source": "Outlet or source name, from `sources.yaml`.",
    "license": "Licence of the article as its source declares it in `sources.yaml` (`license:`): a Hub "
    "licence identifier such as `cc-by-nc-sa-4.0`, or the licence named in words; `other` when the "
    "source declares none.",
    "url": "Article URL when the source gives one.",
    "published_at": "Publication time in UTC, from source metadata only; never invented.",
    "title": "Headline.",
    "lead": "Standfirst / summary paragraph, when the article has one.",
    "byline": 'Author / place / agency line of the article ("الرياض - واس"): the source\'s author '
    "field, else the byline or dateline found at the start of the body (and removed from it).",
    "body": "Clean article text, paragraphs joined with a newline; site chrome and captions removed.",
    "paragraphs": "Body paragraphs in order.",
    "captions": "Image captions (`text`) with their photo credit (`credit`, may be null).",
    "tags": "Site tags / topics shown with the article.",
    "quotes": "Quoted utterances with speaker, reporting verb and paragraph index.",
    "entities": "Named entities (PER, LOC, ORG, MISC) with character offsets into `body`.",
    "dates": "Dates mentioned in `body`, with character offsets into it: `date` normalized to the "
    "Gregorian calendar, at its `precision` (day, month or year; a month is dated on its 1st), "
    "`year_inferred` when the year was not written but taken from `published_at`; `date` and "
    "`year_inferred` are null when the year cannot be known (no year written, no publication "
    "date). `month` (1-12) and `day` (1-31) are as written, in the mention's `calendar`: a Hijri "
    "mention's month and day are Hijri ones; null when not stated.",
    "quantities": 'Numbers with unit and approximator ("نحو 6 ساعات ونصف الساعة" = 6.5 ساعات, '
    "approximate), with character offsets into `body`.",
    "word_count": "Whitespace-separated words in `body`.",
    "char_count": "Characters in `body`.",
    "origin": "Where the raw article came from, relative to its source root (`file.txt`, `dump.jsonl#L12`).",
    "raw_sha256": "SHA-256 of the raw bytes of the article (file or JSONL line).",
    "duplicate_of": "Id of the kept article when this one is a duplicate.",
    "pipeline_version": "Version of the akhbar code that produced the row.",
}


def _value_dtype(arrow_type: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow_type):
        return (
            f"timestamp[{arrow_type.unit}, tz={arrow_type.tz}]"
            if arrow_type.tz
            else (f"timestamp[{arrow_type.unit}]")
        )
    names = {
        pa.string(): "string",
        pa.int32(): "int32",
        pa.int64(): "int64",
        pa.bool_(): "bool",
        pa.date32(): "date32",
        pa.float64(): "float64",
    }
    if arrow_type in names:
        return names[arrow_type]
    raise TypeError(f"no Hugging Face feature mapping for Arrow type {arrow_type}")


def _feature(arrow_type: pa.DataType) -> dict[str, Any]:
    if pa.types.is_struct(arrow_type):
        return {f.name: _feature(f.type) for f in arrow_type}
    if pa.types.is_list(arrow_type):
        return {"feature": _feature(arrow_type.value_type), "_type": "List"}
    return {"dtype": _value_dtype(arrow_type), "_type": "Value"}


def hf_features(schema: pa.Schema = ARTICLE_SCHEMA) -> dict[str, Any]:
    """Features as ``datasets.Features.to_dict()`` writes them."""
    return {f.name: _feature(f.type) for f in schema}


def _yaml_feature(name: str | None, arrow_type: pa.DataType) -> dict[str, Any]:
    entry: dict[str, Any] = {} if name is None else {"name": name}
    if pa.types.is_struct(arrow_type):
        entry["struct"] = [_yaml_feature(f.name, f.type) for f in arrow_type]
    elif pa.types.is_list(arrow_type):
        inner = arrow_type.value_type
        if pa.types.is_struct(inner):
            entry["list"] = [_yaml_feature(f.name, f.type) for f in inner]
        elif pa.types.is_list(inner):
            entry["list"] = _yaml_feature(None, inner)
        else:
            entry["list"] = _value_dtype(inner)
    else:
        entry["dtype"] = _value_dtype(arrow_type)
    return entry


def hf_yaml_features(schema: pa.Schema = ARTICLE_SCHEMA) -> list[dict[str, Any]]:
    """Features in the dataset card's `dataset_info.features` YAML form."""
    return [_yaml_feature(f.name, f.type) for f in schema]


def schema_with_hf_metadata(schema: pa.Schema = ARTICLE_SCHEMA) -> pa.Schema:
    """The schema with the ``huggingface`` metadata key that `datasets` reads features from."""
    # Key order matters: it is the column and struct-field order `datasets` rebuilds.
    payload = json.dumps({"info": {"features": hf_features(schema)}}, ensure_ascii=False)
    return schema.with_metadata({b"huggingface": payload.encode("utf-8")})
