"""The per-stage GX suites: row-level failures become quarantine rows named by their
expectation, what is kept passes the whole suite, and the release suite reads the release back."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from akhbar.assets.gx_suites import gate_part, load_suite_doc, validate_frame
from akhbar.ingest import SourceConfig, read_sources
from akhbar.ingest.records import QUARANTINE_SCHEMA
from akhbar.quality import (
    account,
    article_fields_frame,
    normalized_articles_frame,
    raw_articles_frame,
    release_frame,
)
from akhbar.release import build_release
from akhbar.runner import extract_fields, normalize_articles
from tests.support import SEED


@pytest.fixture(scope="module")
def seed_raw() -> pa.Table:
    return read_sources([SourceConfig("samples", str(SEED.parent), "text")]).articles


@pytest.fixture(scope="module")
def seed_fields(seed_raw: pa.Table) -> pa.Table:
    return extract_fields(normalize_articles(seed_raw))


def _copies(table: pa.Table, n: int, **changes_by_index: dict) -> pa.Table:
    base = table.to_pylist()[0]
    rows = [base | {"id": f"a{i}", "origin": f"a{i}.txt"} for i in range(n)]
    for index, change in changes_by_index.items():
        rows[int(index.lstrip("_"))] |= change
    return pa.Table.from_pylist(rows, schema=table.schema)


@pytest.mark.parametrize(
    "suite", ["raw_articles", "normalized_articles", "article_fields", "dataset_release"]
)
def test_every_expectation_is_evaluated(suite: str) -> None:
    """GX keeps one expectation per (type, column): a second one would vanish silently."""
    doc = load_suite_doc(suite)
    keys = [(e["type"], e["kwargs"].get("column")) for e in doc["expectations"]]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("change", "expectation"),
    [
        ({"size_bytes": 6_000_000}, "raw_articles.expect_column_values_to_be_between(size_bytes)"),
        (
            {"text": "نص فيه \ufffd بدل حرف"},
            "raw_articles.expect_column_values_to_be_in_set(replacement_chars)",
        ),
        ({"text": ""}, "raw_articles.expect_column_value_lengths_to_be_between(text)"),
    ],
)
def test_raw_row_failures_are_quarantined_by_expectation(
    seed_raw: pa.Table, change: dict, expectation: str, tmp_path: Path
) -> None:
    table = _copies(seed_raw, 3, _1=change)
    kept, quarantine, counts = gate_part(
        table, raw_articles_frame, "raw_articles", stage="raw", where=tmp_path / "part.parquet"
    )
    assert kept["id"].to_pylist() == ["a0", "a2"]
    assert quarantine.schema == QUARANTINE_SCHEMA
    assert quarantine.to_pylist()[0] | {"raw_sha256": None, "size_bytes": None} == {
        "source": "samples",
        "origin": "a1.txt",
        "stage": "raw",
        "reason": f"expectation {expectation}",
        "raw_sha256": None,
        "size_bytes": None,
        "id": "a1",
    }
    assert counts == {expectation: 1}
    assert validate_frame(raw_articles_frame(kept), "raw_articles")["success"]


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("نص عربي \u202bمقلوب\u202c هنا", "bidi_chars"),
        ("نص عربي \x07 فيه جرس", "control_chars"),
        ("نص عربي \ufffd هنا", "replacement_chars"),
    ],
)
def test_normalized_rows_with_forbidden_characters_are_quarantined(
    seed_raw: pa.Table, text: str, column: str, tmp_path: Path
) -> None:
    normalized = normalize_articles(_copies(seed_raw, 2))
    rows = normalized.to_pylist()
    rows[0]["text"] = text  # what clean_text must never let through
    table = pa.Table.from_pylist(rows, schema=normalized.schema)
    kept, quarantine, _ = gate_part(
        table,
        normalized_articles_frame,
        "normalized_articles",
        stage="normalize",
        where=tmp_path / "part.parquet",
    )
    assert kept["id"].to_pylist() == ["a1"]
    (reason,) = quarantine["reason"].to_pylist()
    assert reason == f"expectation normalized_articles.expect_column_values_to_be_in_set({column})"


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"entities": [{"text": "موسكو", "label": "LOC", "start": 0, "end": 5}]}, "entity_offset_errors"),
        ({"quotes": [{"text": " ", "speaker": "أحمد", "verb": "قال", "paragraph": 0}]}, "empty_quotes"),
        ({"title": "x" * 301}, "title"),
    ],
)
def test_field_row_failures_are_quarantined(
    seed_fields: pa.Table, change: dict, column: str, tmp_path: Path
) -> None:
    table = _copies(seed_fields, 3, _2=change)
    kept, quarantine, _ = gate_part(
        table, article_fields_frame, "article_fields", stage="fields", where=tmp_path / "part.parquet"
    )
    assert kept["id"].to_pylist() == ["a0", "a1"]
    (reason,) = quarantine["reason"].to_pylist()
    assert reason.startswith("expectation article_fields.") and reason.endswith(f"({column})")
    assert validate_frame(article_fields_frame(kept), "article_fields")["success"]


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"date": date(9500, 1, 1), "year_inferred": False}, "dates_out_of_range"),
        ({"month": 13}, "dates_out_of_range"),
        ({"day": 0}, "dates_out_of_range"),
        ({"month": None, "day": None}, "dates_out_of_range"),  # neither a date nor a month
        ({"start": 0}, "date_offset_errors"),
        ({"end": None}, "date_offset_errors"),
    ],
)
def test_date_row_failures_are_quarantined(
    seed_fields: pa.Table, change: dict, column: str, tmp_path: Path
) -> None:
    """The seed has no publication date: its dates are year-less, `date` null, and pass."""
    mention = seed_fields["dates"][0][0].as_py()
    assert mention["date"] is None and mention["month"] == 2
    table = _copies(seed_fields, 3, _2={"dates": [mention | change]})
    frame = article_fields_frame(table)
    assert frame["dates_out_of_range"].tolist()[:2] == frame["date_offset_errors"].tolist()[:2] == [0, 0]
    kept, quarantine, _ = gate_part(
        table, article_fields_frame, "article_fields", stage="fields", where=tmp_path / "part.parquet"
    )
    assert kept["id"].to_pylist() == ["a0", "a1"]
    assert quarantine["reason"].to_pylist() == [
        f"expectation article_fields.expect_column_values_to_be_in_set({column})"
    ]


def test_lead_equal_to_body_is_quarantined(seed_fields: pa.Table, tmp_path: Path) -> None:
    body = seed_fields["body"][0].as_py()
    table = _copies(seed_fields, 2, _0={"lead": body})
    _, quarantine, _ = gate_part(
        table, article_fields_frame, "article_fields", stage="f", where=tmp_path / "part.parquet"
    )
    assert quarantine["reason"].to_pylist() == [
        "expectation article_fields.expect_column_values_to_be_in_set(lead_equals_body)"
    ]


def test_table_level_expectations_do_not_quarantine(seed_fields: pa.Table, tmp_path: Path) -> None:
    """A duplicate id fails the suite (the check blocks the release) but is no row's fault."""
    table = pa.concat_tables([seed_fields, seed_fields])
    kept, quarantine, _ = gate_part(
        table, article_fields_frame, "article_fields", stage="fields", where=tmp_path / "part.parquet"
    )
    assert kept.num_rows == 2 and quarantine.num_rows == 0
    assert not validate_frame(article_fields_frame(kept), "article_fields")["success"]


def _release(seed_fields: pa.Table, root: Path) -> Path:
    quarantine = QUARANTINE_SCHEMA.empty_table()
    return build_release(
        _copies(seed_fields, 3),
        quarantine,
        root,
        dataset_name="t",
        sources=[{"name": "samples", "license": "other"}],
        validation={
            "suite": "article_fields",
            "success": True,
            "evaluated": 1,
            "successful": 1,
            "results": [],
        },
        accounting=account(pa.array(["a0", "a1", "a2"]), 0, _copies(seed_fields, 3), quarantine).as_dict(),
    ).path


def test_release_suite_passes_on_a_release_and_names_what_breaks(
    seed_fields: pa.Table, tmp_path: Path
) -> None:
    folder = _release(seed_fields, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["rows"] == {"raw": 3, "released": 3, "unique": 3, "duplicates": 0, "quarantined": 0}
    assert manifest["accounting"]["balanced"] is True
    ok = validate_frame(release_frame(folder), "dataset_release", parameters={"manifest_rows": 3})
    assert ok["success"] and ok["evaluated"] == len(load_suite_doc("dataset_release")["expectations"])

    # A data file rewritten without the features metadata, and a manifest that claims more rows.
    (entry,) = manifest["files"]
    data = pq.read_table(folder / entry["path"])
    pq.write_table(data.replace_schema_metadata(None), folder / entry["path"])
    bad = validate_frame(release_frame(folder), "dataset_release", parameters={"manifest_rows": 4})
    failed = {r["name"] for r in bad["results"] if not r["success"]}
    assert failed == {
        "dataset_release.expect_table_row_count_to_equal",
        "dataset_release.expect_column_values_to_be_in_set(file_has_features)",
        "dataset_release.expect_column_values_to_be_in_set(file_matches_manifest)",
    }


@pytest.mark.parametrize(
    ("raw_ids", "raw_quarantined", "balanced", "unaccounted"),
    [
        (["a0", "a1", "a2", "q1"], 2, True, []),
        (["a0", "a1", "a2", "q1", "lost"], 2, False, ["lost"]),
    ],
)
def test_accounting_identity(
    seed_fields: pa.Table, raw_ids: list[str], raw_quarantined: int, balanced: bool, unaccounted: list[str]
) -> None:
    release = _copies(seed_fields, 3, _2={"duplicate_of": "a0"})
    quarantine = pa.Table.from_pylist(
        [
            {"source": "s", "origin": "x", "stage": "raw", "reason": "empty file"},
            {"source": "s", "origin": "y", "stage": "raw", "reason": "binary"},
            {"source": "s", "origin": "q1.txt", "stage": "fields", "reason": "no body", "id": "q1"},
        ],
        schema=QUARANTINE_SCHEMA,
    )
    result = account(pa.array(raw_ids), raw_quarantined, release, quarantine)
    assert (result.released, result.duplicates, result.quarantined) == (2, 1, 3)
    assert result.balanced is balanced
    assert list(result.unaccounted_ids) == unaccounted


TABLE_OF_NUMBERS = "جدول الأسعار\n" + "\n".join(
    " ".join(f"{r}{c}.25" for c in range(6)) for r in range(10, 30)
)


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("The weather will be sunny across the region on Monday, with light winds.", 0),
        (TABLE_OF_NUMBERS, 1),  # 11 Arabic letters over 600 digits
        ("نص عربي قصير\n" + "The rest of this long page is an English press release. " * 5, 4),
    ],
)
def test_rows_that_are_not_arabic_are_quarantined_with_a_readable_reason(
    seed_raw: pa.Table, text: str, percent: int, tmp_path: Path
) -> None:
    normalized = normalize_articles(_copies(seed_raw, 3, _1={"text": text}))
    kept, quarantine, counts = gate_part(
        normalized,
        normalized_articles_frame,
        "normalized_articles",
        stage="normalize",
        where=tmp_path / "part.parquet",
    )
    assert kept["id"].to_pylist() == ["a0", "a2"]
    ((origin, reason),) = zip(quarantine["origin"].to_pylist(), quarantine["reason"].to_pylist(), strict=True)
    assert origin == "a1.txt"
    assert reason == (
        f"not Arabic: {percent}% Arabic letters (of the letters and digits of its paragraphs; an Arabic "
        "article has at least 20%)"
    )
    assert counts == {"normalized_articles.expect_column_values_to_be_between(arabic_letter_share)": 1}


@pytest.mark.parametrize(
    "text",
    [
        "أفضل عشرة أفلام في العام، مع مخرجيها وتقييمها:\n1. The Conformist | Bernardo Bertolucci (1970)",
        "أعلنت الوزارة نتائج القبول، وأرقام المقبولين هي:\n"
        + "\n".join(str(3601117620 + i) for i in range(5)),
    ],
)
def test_arabic_articles_with_latin_or_numbers_are_kept(
    seed_raw: pa.Table, text: str, tmp_path: Path
) -> None:
    normalized = normalize_articles(_copies(seed_raw, 2, _1={"text": text}))
    kept, quarantine, _ = gate_part(
        normalized,
        normalized_articles_frame,
        "normalized_articles",
        stage="normalize",
        where=tmp_path / "part.parquet",
    )
    assert kept.num_rows == 2 and quarantine.num_rows == 0
