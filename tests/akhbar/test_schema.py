from __future__ import annotations

import json

import datasets
import pyarrow as pa

from akhbar.assets.gx_suites import load_suite_doc
from akhbar.quality import article_fields_frame
from akhbar.schema import (
    ARTICLE_SCHEMA,
    FIELD_DESCRIPTIONS,
    SCHEMA_VERSION,
    hf_features,
    hf_yaml_features,
    schema_with_hf_metadata,
)


def test_hf_features_match_datasets() -> None:
    expected = datasets.Features.from_arrow_schema(ARTICLE_SCHEMA)
    assert hf_features() == expected.to_dict()


def test_yaml_features_match_datasets() -> None:
    expected = datasets.Features.from_arrow_schema(ARTICLE_SCHEMA)
    assert hf_yaml_features() == expected._to_yaml_list()


def test_schema_metadata_round_trips_features() -> None:
    meta = schema_with_hf_metadata().metadata[b"huggingface"]
    features = datasets.Features.from_dict(json.loads(meta)["info"]["features"])
    rebuilt = features.arrow_schema
    assert rebuilt.names == ARTICLE_SCHEMA.names
    assert [f.type for f in rebuilt] == [f.type for f in ARTICLE_SCHEMA]


def test_every_field_is_described() -> None:
    assert list(FIELD_DESCRIPTIONS) == ARTICLE_SCHEMA.names


def test_suite_column_list_is_the_schema_plus_derived_columns() -> None:
    suite = load_suite_doc("article_fields")
    (columns,) = [
        e["kwargs"]["column_list"]
        for e in suite["expectations"]
        if e["type"] == "expect_table_columns_to_match_ordered_list"
    ]
    frame = article_fields_frame(ARTICLE_SCHEMA.empty_table())
    assert columns == list(frame.columns)
    assert columns[: len(ARTICLE_SCHEMA.names)] == ARTICLE_SCHEMA.names


def test_nested_types_are_as_designed() -> None:
    assert ARTICLE_SCHEMA.field("captions").type == pa.list_(
        pa.struct([("text", pa.string()), ("credit", pa.string())])
    )
    assert ARTICLE_SCHEMA.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert ARTICLE_SCHEMA.field("quotes").type.value_type.field("paragraph").type == pa.int32()


def test_dates_carry_month_day_and_offsets_like_entities() -> None:
    """Schema 1.3: a year-less date keeps `date` null and states `month` / `day`; `start` / `end`
    index `body` with the same type as the entities' and quantities' offsets."""
    date_type = ARTICLE_SCHEMA.field("dates").type.value_type
    assert date_type.names == [
        "text", "date", "calendar", "precision", "year_inferred", "month", "day", "start", "end"
    ]  # fmt: skip
    assert date_type.field("date").type == pa.date32() and date_type.field("date").nullable
    assert {date_type.field(n).type for n in ("month", "day")} == {pa.int32()}
    entity_type = ARTICLE_SCHEMA.field("entities").type.value_type
    assert [date_type.field(n).type for n in ("start", "end")] == [
        entity_type.field(n).type for n in ("start", "end")
    ]


def test_license_column_is_the_source_declaration() -> None:
    """Schema 1.4: each row's `license` is its source's declared licence, a nullable string
    after `source`; adding it was a minor version."""
    assert ARTICLE_SCHEMA.names[:3] == ["id", "source", "license"]
    assert ARTICLE_SCHEMA.field("license").type == pa.string()
    assert "sources.yaml" in FIELD_DESCRIPTIONS["license"]
    assert SCHEMA_VERSION == "1.4"
