"""Field extraction reused across runs: only new or changed articles are extracted again, and
the result is the table a run from scratch gives."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pytest
from dagster import AssetKey, DagsterInstance

from akhbar.ingest import SourceConfig, read_sources
from akhbar.stages.extract_fields import extract_fields
from akhbar.stages.field_cache import extract_fields_cached
from akhbar.stages.normalize_articles import normalize_articles
from pipelines.cli import main

SENTENCE = 'وقال الوزير أحمد العلي إن "الحكومة ستعلن خطة جديدة للنقل العام خلال الأسبوع المقبل".'
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def _words(seed: int, n: int) -> str:
    """Made-up words, different for every seed: articles that are not near duplicates."""
    words = []
    for k in range(n):
        value, word = seed * 1000 + k + 28**3, ""
        while value:
            value, digit = divmod(value, len(LETTERS))
            word += LETTERS[digit]
        words.append(word)
    return " ".join(words)


def _write_articles(folder: Path, names: range) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in names:
        body = "\n".join(f"{SENTENCE} {_words(i * 3 + j, 12)}." for j in range(3))
        (folder / f"a{i:03d}.txt").write_text(f"خبر رقم {i} عن النقل العام\n\n{body}", encoding="utf-8")


def _normalized(folder: Path) -> pa.Table:
    return normalize_articles(read_sources([SourceConfig("t", str(folder), "text")]).articles)


def test_second_run_extracts_only_new_articles(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _write_articles(folder, range(8))
    first = extract_fields_cached(_normalized(folder), cache_dir=tmp_path / "cache", code_version="v1")
    assert (first.reused, first.extracted) == (0, 8)

    _write_articles(folder, range(8, 11))
    normalized = _normalized(folder)
    second = extract_fields_cached(normalized, cache_dir=tmp_path / "cache", code_version="v1")
    assert (second.reused, second.extracted) == (8, 3)
    assert second.table.equals(extract_fields(normalized, workers=1))


def test_a_changed_article_or_code_is_extracted_again(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _write_articles(folder, range(4))
    extract_fields_cached(_normalized(folder), cache_dir=tmp_path / "cache", code_version="v1")

    (folder / "a002.txt").write_text("خبر معدل\n\n" + SENTENCE, encoding="utf-8")
    edited = extract_fields_cached(_normalized(folder), cache_dir=tmp_path / "cache", code_version="v1")
    assert (edited.reused, edited.extracted) == (3, 1)

    new_code = extract_fields_cached(_normalized(folder), cache_dir=tmp_path / "cache", code_version="v2")
    assert (new_code.reused, new_code.extracted) == (0, 4)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["article_fields-v2.parquet"]


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("new_articles", [3])
def test_incremental_build_equals_a_build_from_scratch(tmp_path: Path, new_articles: int) -> None:
    folder = tmp_path / "in"
    _write_articles(folder, range(6))
    args = ["--input", str(folder), "--log-level", "ERROR"]
    assert main(["build", *args, "--out", str(tmp_path / "incremental")]) == 0
    _write_articles(folder, range(6, 6 + new_articles))
    assert main(["build", *args, "--out", str(tmp_path / "incremental")]) == 0
    with DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(AssetKey("article_fields"))
    metadata = event.asset_materialization.metadata
    assert (metadata["reused_from_cache"].value, metadata["extracted"].value) == (6, new_articles)

    assert main(["build", *args, "--out", str(tmp_path / "scratch")]) == 0
    incremental = tmp_path / "incremental" / "releases" / "v1.1.0"
    scratch = tmp_path / "scratch" / "releases" / "v1.0.0"
    data = {k: v for k, v in _digests(incremental).items() if k.startswith("data/")}
    assert data == {k: v for k, v in _digests(scratch).items() if k.startswith("data/")}
