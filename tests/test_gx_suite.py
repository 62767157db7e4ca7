"""The article_fields suite, evaluated by Great Expectations for real."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from akhbar.ingest import SourceConfig, read_sources
from akhbar.quality import article_fields_frame
from akhbar.stages.extract_fields import extract_fields
from akhbar.stages.normalize_articles import normalize_articles
from assets.gx_suites import load_suite_doc, validate_frame
from tests.conftest import SEED


@pytest.fixture(scope="module")
def seed_fields() -> pa.Table:
    batch = read_sources([SourceConfig("samples", str(SEED.parent), "text")])
    return extract_fields(normalize_articles(batch.articles))


def _failed(summary: dict) -> dict[str, dict]:
    return {f"{r['expectation']}:{r['column']}": r for r in summary["results"] if not r["success"]}


def test_seed_passes(seed_fields: pa.Table) -> None:
    summary = validate_frame(article_fields_frame(seed_fields), "article_fields")
    assert summary["success"], _failed(summary)
    assert summary["evaluated"] == summary["successful"] >= 10
    # GX keeps one expectation per (type, column): a duplicate in the JSON would vanish silently
    assert summary["evaluated"] == len(load_suite_doc("article_fields")["expectations"])


def test_failures_name_expectation_count_and_rows(seed_fields: pa.Table, tmp_path: Path) -> None:
    english = seed_fields.to_pylist()[0] | {"id": "english", "body": "An English text only.", "entities": []}
    duplicate = seed_fields.to_pylist()[0]
    table = pa.Table.from_pylist([seed_fields.to_pylist()[0], english, duplicate], schema=seed_fields.schema)
    summary = validate_frame(article_fields_frame(table), "article_fields")
    failed = _failed(summary)
    assert not summary["success"]
    assert set(failed) == {
        "expect_column_values_to_be_unique:id",
        "expect_column_values_to_be_between:body_arabic_ratio",
    }
    ratio = failed["expect_column_values_to_be_between:body_arabic_ratio"]
    assert ratio["unexpected_count"] == 1
    assert ratio["examples"][0]["id"] == "english"
    assert failed["expect_column_values_to_be_unique:id"]["unexpected_count"] == 2


def test_missing_column_fails_schema_expectation(seed_fields: pa.Table) -> None:
    frame = article_fields_frame(seed_fields.drop_columns(["tags"]))
    failed = _failed(validate_frame(frame, "article_fields"))
    assert "expect_table_columns_to_match_ordered_list:None" in failed


def test_arabic_ratio_tolerates_one_percent(seed_fields: pa.Table) -> None:
    """Film lists or English captions in a few articles do not block a release; more do."""
    base = seed_fields.to_pylist()[0]
    rows = [base | {"id": f"ar{i}"} for i in range(199)]
    english = base | {"id": "en", "body": "Top 10 films of 1970, with their directors.", "entities": []}
    ok = validate_frame(
        article_fields_frame(pa.Table.from_pylist([*rows, english], seed_fields.schema)), "article_fields"
    )
    assert ok["success"], _failed(ok)
    many = [*rows[:150], *[english | {"id": f"en{i}"} for i in range(3)]]
    bad = validate_frame(
        article_fields_frame(pa.Table.from_pylist(many, seed_fields.schema)), "article_fields"
    )
    assert "expect_column_values_to_be_between:body_arabic_ratio" in _failed(bad)


@pytest.mark.parametrize(
    "body",
    ["نص سليم ثم \ufffd في الوسط", "Ø§Ù„Ø®Ø¨Ø± Ø§Ù„Ø¹Ø§Ø¬Ù„ Ù…Ù† Ø¨ÙŠØ±ÙˆØª نص عربي طويل بما يكفي للنسبة"],
)
def test_replacement_character_and_mojibake_fail_the_suite(seed_fields: pa.Table, body: str) -> None:
    rows = [seed_fields.to_pylist()[0] | {"id": f"ok{i}"} for i in range(150)]
    rows.append(rows[0] | {"id": "bad", "body": body, "entities": []})
    failed = _failed(
        validate_frame(article_fields_frame(pa.Table.from_pylist(rows, seed_fields.schema)), "article_fields")
    )
    assert "expect_column_values_to_not_match_regex:body" in failed
    assert failed["expect_column_values_to_not_match_regex:body"]["examples"][0]["id"] == "bad"


def test_gx_batches_are_not_fingerprinted() -> None:
    # akhbar turns GX's per-batch md5 over every cell off (assets.gx_suites._context); were GX
    # to rename the threshold it reads, the assignment would silently do nothing.
    import pandas as pd
    from great_expectations.core.batch_spec import RuntimeDataBatchSpec
    from great_expectations.execution_engine import PandasExecutionEngine

    from assets.gx_suites import _context

    _context()
    frame = pd.DataFrame({"text": ["نص", "آخر"]})
    _, markers = PandasExecutionEngine().get_batch_data_and_markers(RuntimeDataBatchSpec(batch_data=frame))
    assert "pandas_data_fingerprint" not in markers
