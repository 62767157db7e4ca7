"""Ids across corrections: an article keeps its id when its origin is the same, a corrected text
replaces the old one, byte copies under two origins are duplicates by content, and duplicate_of
only ever names an id of the same release (an expectation of the release suite, at 1 and at
1,000,000 rows)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from akhbar.assets.gx_suites import validate_frame
from akhbar.pipelines.cli import main
from akhbar.quality import release_frame
from akhbar.release import list_releases, load_manifest
from tests.support.corpus_articles import CORRECTION, correct_one_word, write_corpus_articles

MISSING = "dataset_release.expect_column_values_to_be_in_set(duplicate_of_missing)"


def _build(source: Path, out: Path, *flags: str) -> int:
    return main(["build", "--input", str(source), "--out", str(out), "--log-level", "ERROR", *flags])


def _latest(out: Path) -> tuple[dict, pa.Table]:
    """The latest release's manifest and rows."""
    version = list_releases(out)[-1]
    manifest = load_manifest(out, version)
    folder = out / "releases" / f"v{version}"
    rows = pa.concat_tables([pq.read_table(folder / f["path"]) for f in manifest["files"]])
    return manifest, rows


def _by_origin(rows: pa.Table) -> dict[str, dict]:
    return {r["origin"]: r for r in rows.select(["id", "origin", "body", "duplicate_of"]).to_pylist()}


@pytest.mark.slow
def test_a_corrected_article_keeps_its_id_and_its_new_text_replaces_the_old(
    corpus: Path, tmp_path: Path
) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    names = write_corpus_articles(corpus, source, 10)
    assert _build(source, out) == 0
    _, first = _latest(out)
    before = _by_origin(first)
    assert sorted(before) == names

    # the corrected text is told from the old one by CORRECTION, which the old text lacks
    assert CORRECTION not in (source / names[4]).read_text(encoding="utf-8").split("\n\n", 1)[1]
    correct_one_word(source / names[4])
    assert _build(source, out) == 0
    manifest, second = _latest(out)
    after = _by_origin(second)
    assert {o: r["id"] for o, r in after.items()} == {o: r["id"] for o, r in before.items()}
    assert [r["duplicate_of"] for r in after.values()] == [None] * 10
    corrected = after[names[4]]
    assert CORRECTION in corrected["body"] and CORRECTION not in before[names[4]]["body"]
    assert all(after[n]["body"] == before[n]["body"] for n in names if n != names[4])
    assert manifest["rows"]["unique"] == 10 and manifest["rows"]["duplicates"] == 0
    entry = manifest["changelog"][-1]
    assert (entry["added"], entry["removed"], entry["changed"]) == (0, 0, 1)
    assert manifest["version"] == "1.0.1"  # corrected data only: a patch
    card = (out / "releases" / "v1.0.1" / "README.md").read_text(encoding="utf-8")
    assert "0 added, 0 removed, 1 changed" in card


@pytest.mark.slow
def test_a_byte_copy_under_another_name_is_a_duplicate_by_content(corpus: Path, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    names = write_corpus_articles(corpus, source, 3)
    (source / "copy.txt").write_bytes((source / names[0]).read_bytes())
    assert _build(source, out) == 0
    manifest, rows = _latest(out)
    by_origin = _by_origin(rows)
    assert sorted(by_origin) == sorted([*names, "copy.txt"])  # both present, none quarantined
    pair = {by_origin["copy.txt"]["id"], by_origin[names[0]]["id"]}
    marked = [(r["id"], r["duplicate_of"]) for r in by_origin.values() if r["duplicate_of"]]
    assert len(marked) == 1 and {marked[0][0], marked[0][1]} == pair
    assert manifest["rows"] == {"raw": 4, "released": 4, "unique": 3, "duplicates": 1, "quarantined": 0}


@pytest.mark.slow
def test_when_the_kept_article_leaves_its_duplicate_is_decided_again(corpus: Path, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    names = write_corpus_articles(corpus, source, 2)
    (source / "copy.txt").write_bytes((source / names[0]).read_bytes())
    assert _build(source, out) == 0
    _, rows = _latest(out)
    (kept,) = [r for r in _by_origin(rows).values() if r["id"] in set(rows["duplicate_of"].to_pylist())]
    (source / kept["origin"]).unlink()

    # one of three articles gone is more than release_shrink lets through unasked
    assert _build(source, out) == 1
    assert _build(source, out, "--allow-shrink") == 0  # the blocking release suite passed
    manifest, rows = _latest(out)
    assert kept["id"] not in rows["id"].to_pylist()
    assert rows["duplicate_of"].to_pylist() == [None, None]
    assert manifest["rows"]["duplicates"] == 0
    entry = manifest["changelog"][-1]
    # the kept article removed; its copy, no longer a duplicate, changed (duplicate_of cleared)
    assert (entry["added"], entry["removed"], entry["changed"]) == (0, 1, 1)
    folder = out / "releases" / f"v{manifest['version']}"
    summary = validate_frame(release_frame(folder), "dataset_release", parameters={"manifest_rows": 2})
    assert summary["success"] and MISSING in {r["name"] for r in summary["results"]}


def _synthetic_release(folder: Path, ids: list[str], duplicate_of: list[str | None], files: int) -> None:
    """A release folder as release_frame reads it: data files in id order with the features
    metadata, and a manifest listing their rows and sha256."""
    (folder / "data").mkdir(parents=True)
    schema = pa.schema([("id", pa.string()), ("duplicate_of", pa.string())], metadata={"huggingface": "{}"})
    table = pa.table({"id": ids, "duplicate_of": duplicate_of}, schema=schema)
    per_file = -(-len(ids) // files)
    entries = []
    for k in range(files):
        rel = f"data/train-{k:05d}-of-{files:05d}.parquet"
        part = table.slice(k * per_file, per_file)
        pq.write_table(part, folder / rel)
        digest = hashlib.sha256((folder / rel).read_bytes()).hexdigest()
        entries.append({"path": rel, "rows": part.num_rows, "sha256": digest})
    (folder / "manifest.json").write_text(json.dumps({"files": entries}), encoding="utf-8")


@pytest.mark.parametrize("rows", [1, pytest.param(1_000_000, marks=pytest.mark.slow)])
def test_duplicate_of_names_an_id_of_the_release(tmp_path: Path, rows: int) -> None:
    """Checked over the whole release, not file by file: at a million rows the ten files point
    into each other, which passes; one duplicate_of naming an id that left fails."""
    ids = [f"{i:024x}" for i in range(rows)]
    # every 1000th row is a copy of a row 600,000 rows before or after it: another file
    targets: list[str | None] = [
        ids[(i + 600_000) % rows] if i % 1000 == 7 and rows > 1 else None for i in range(rows)
    ]
    files = max(1, rows // 100_000)
    good = tmp_path / "good"
    _synthetic_release(good, ids, targets, files)
    ok = validate_frame(release_frame(good), "dataset_release", parameters={"manifest_rows": rows})
    assert ok["success"], [r for r in ok["results"] if not r["success"]]

    targets[rows // 2] = "f" * 24  # an id that is in no file of the release
    bad = tmp_path / "bad"
    _synthetic_release(bad, ids, targets, files)
    summary = validate_frame(release_frame(bad), "dataset_release", parameters={"manifest_rows": rows})
    failed = {r["name"]: r for r in summary["results"] if not r["success"]}
    assert list(failed) == [MISSING]
    assert failed[MISSING]["unexpected_count"] == 1
