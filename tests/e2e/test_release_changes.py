"""Two builds on one data root through the real `akhbar build`: an article added, one removed and
one corrected (one word changed in the same file); `changes.parquet` lists exactly those ids,
the manifest and the card count them, `datasets` still sees the train split only, and the
same input built twice gives the same bytes."""

from __future__ import annotations

from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from akhbar.changes import CHANGES_FILE
from akhbar.pipelines.cli import main
from akhbar.release import list_releases, load_manifest, sha256_file
from akhbar.schema import hf_features
from tests.support.corpus_articles import correct_one_word, write_corpus_articles

pytestmark = pytest.mark.slow  # whole builds: see docs/testing.md


def _build(source: Path, out: Path) -> None:
    assert main(["build", "--input", str(source), "--out", str(out), "--log-level", "ERROR"]) == 0


def _release(out: Path) -> tuple[Path, dict, dict[str, str]]:
    """The latest release folder, its manifest and its ids by origin."""
    version = list_releases(out)[-1]
    folder = out / "releases" / f"v{version}"
    manifest = load_manifest(out, version)
    rows = pa.concat_tables(
        [pq.read_table(folder / f["path"], columns=["id", "origin"]) for f in manifest["files"]]
    )
    return folder, manifest, dict(zip(rows["origin"].to_pylist(), rows["id"].to_pylist(), strict=True))


def test_changes_parquet_lists_what_moved_between_two_builds(corpus: Path, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    names = write_corpus_articles(corpus, source, 11)
    spare = source.parent / names[10]
    (source / names[10]).rename(spare)  # held back: added by the second build
    _build(source, out)
    first, manifest, ids = _release(out)
    assert pq.read_table(first / CHANGES_FILE).to_pylist() == [
        {"id": i, "change": "added", "raw_changed": None} for i in sorted(ids.values())
    ]

    # the same input on another data root: byte-identical data files and changes
    _build(source, tmp_path / "again")
    again, manifest_again, _ = _release(tmp_path / "again")
    assert manifest_again["files"] == manifest["files"]
    assert sha256_file(again / CHANGES_FILE) == sha256_file(first / CHANGES_FILE)

    (source / names[3]).unlink()
    spare.rename(source / names[10])
    correct_one_word(source / names[5])
    _build(source, out)
    second, manifest, after = _release(out)
    assert manifest["version"] == "1.1.0"
    assert after[names[5]] == ids[names[5]]  # a corrected article keeps its id
    expected = [
        {"id": after[names[10]], "change": "added", "raw_changed": None},
        {"id": ids[names[3]], "change": "removed", "raw_changed": None},
        {"id": ids[names[5]], "change": "changed", "raw_changed": True},
    ]
    assert pq.read_table(second / CHANGES_FILE).to_pylist() == sorted(expected, key=lambda r: r["id"])
    assert manifest["changes_file"] == {
        "path": CHANGES_FILE,
        "rows": 3,
        "sha256": sha256_file(second / CHANGES_FILE),
    }
    entry = manifest["changelog"][-1]
    assert (entry["added"], entry["removed"], entry["changed"]) == (1, 1, 1)
    card = (second / "README.md").read_text(encoding="utf-8")
    assert "10 articles (+0): 1 added, 1 removed, 1 changed." in card
    assert "`changes.parquet` (3 rows" in card

    # changes.parquet beside the data is no split: the card's configs name the train files only
    loaded = datasets.load_dataset(str(second), cache_dir=str(tmp_path / "hf_cache"))
    assert list(loaded) == ["train"]
    assert loaded["train"].num_rows == 10 and loaded["train"].features.to_dict() == hf_features()
