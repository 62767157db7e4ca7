from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from akhbar.changes import CHANGES_FILE, release_contents
from akhbar.ingest import SourceConfig, read_sources
from akhbar.release import build_release, list_releases, next_version, sha256_file
from akhbar.runner import extract_fields, normalize_articles
from akhbar.schema import ARTICLE_SCHEMA

VALIDATION = {
    "suite": "article_fields",
    "success": True,
    "evaluated": 1,
    "successful": 1,
    "failed": 0,
    "results": [],
}


def _articles(folder: Path, texts: dict[str, str]) -> tuple[pa.Table, pa.Table]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    batch = read_sources([SourceConfig("t", str(folder), "text")])
    return extract_fields(normalize_articles(batch.articles)), batch.quarantine


def _build(root: Path, articles: pa.Table, quarantine: pa.Table):
    return build_release(
        articles,
        quarantine,
        root,
        dataset_name="test",
        sources=[{"name": "t", "license": "cc-by-4.0"}],
        validation=VALIDATION,
    )


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()
    }


TEXTS = {
    "b.txt": "عنوان ثان\n\nنص الخبر الثاني.",
    "a.txt": "عنوان\n\nنص الخبر الأول.\n\nفقرة.",
    "empty.txt": "",
}


def test_release_layout_and_manifest(tmp_path: Path) -> None:
    articles, quarantine = _articles(tmp_path / "in", TEXTS)
    result = _build(tmp_path / "data", articles, quarantine)
    assert result.created and result.version == "1.0.0"
    assert result.path == tmp_path / "data" / "releases" / "v1.0.0"
    files = sorted(p.relative_to(result.path).as_posix() for p in result.path.rglob("*") if p.is_file())
    report = [
        "report/plots/field_coverage.png",
        "report/plots/published_per_month.png",
        "report/plots/rows_per_source.png",
        "report/plots/word_count_hist.png",
        "report/quality_report.json",
        "report/quality_report.md",
    ]
    assert files == [
        "README.md",
        "changes.parquet",
        "data/train-00000-of-00001.parquet",
        "manifest.json",
        "quarantine.parquet",
        *report,
    ]
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["rows"] == {"raw": 3, "released": 2, "unique": 2, "duplicates": 0, "quarantined": 1}
    assert manifest["accounting"]["balanced"] is True
    assert sorted(f["path"] for f in manifest["report_files"]) == report
    (entry,) = manifest["files"]
    assert entry["sha256"] == sha256_file(result.path / entry["path"])
    assert entry["rows"] == 2
    table = pq.read_table(result.path / entry["path"])
    assert table.schema.remove_metadata().equals(ARTICLE_SCHEMA)
    assert b"huggingface" in table.schema.metadata
    assert table["id"].to_pylist() == sorted(table["id"].to_pylist())
    assert pq.ParquetFile(result.path / entry["path"]).metadata.row_group(0).column(0).compression == "ZSTD"
    quarantined = pq.read_table(result.path / "quarantine.parquet").to_pylist()
    assert [(q["origin"], q["reason"]) for q in quarantined] == [("empty.txt", "empty file")]
    assert not [p for p in (tmp_path / "data" / "releases").iterdir() if p.name.startswith(".")]


def test_card_header_is_valid_hub_metadata(tmp_path: Path) -> None:
    from huggingface_hub import DatasetCard

    articles, quarantine = _articles(tmp_path / "in", TEXTS)
    result = _build(tmp_path / "data", articles, quarantine)
    card = DatasetCard.load(result.path / "README.md")
    data = card.data.to_dict()
    assert data["language"] == ["ar"]
    assert data["license"] == "cc-by-4.0"
    assert data["configs"][0]["data_files"][0]["path"] == "data/train-*.parquet"
    assert [f["name"] for f in data["dataset_info"]["features"]] == ARTICLE_SCHEMA.names
    (entry,) = result.manifest["files"]
    assert data["dataset_info"]["splits"] == [
        {"name": "train", "num_bytes": entry["arrow_bytes"], "num_examples": 2}
    ]
    assert data["dataset_info"]["download_size"] == entry["bytes"]
    assert data["task_categories"] and data["size_categories"] == ["n<1K"]
    assert data["pretty_name"] == "Test"
    assert 'revision="v1.0.0"' in card.text
    for section in (
        "## Usage",
        "## Sources",
        "## How the data is made",
        "## Fields",
        "## Validation",
        "## Changelog",
    ):
        assert section in card.text
    assert "| t | cc-by-4.0 | 2 |" in card.text
    header = (result.path / "README.md").read_text().split("---")[1]
    assert yaml.safe_load(header)["pretty_name"] == "Test"


def test_same_input_same_bytes_and_no_new_version(tmp_path: Path) -> None:
    articles, quarantine = _articles(tmp_path / "in", TEXTS)
    first = _build(tmp_path / "one", articles, quarantine)
    other = _build(tmp_path / "two", articles.take([1, 0]), quarantine)  # row order irrelevant
    assert _digests(first.path) == _digests(other.path)
    again = _build(tmp_path / "one", articles, quarantine)
    assert not again.created and again.version == "1.0.0"
    assert list_releases(tmp_path / "one") == ["1.0.0"]


def test_new_input_makes_next_minor_version(tmp_path: Path) -> None:
    articles, quarantine = _articles(tmp_path / "in", TEXTS)
    _build(tmp_path / "data", articles, quarantine)
    more, more_q = _articles(tmp_path / "in", {"c.txt": "عنوان ثالث\n\nنص ثالث."})
    result = _build(tmp_path / "data", more, more_q)
    assert result.created and result.version == "1.1.0"
    assert result.manifest["previous_version"] == "1.0.0"
    assert [c["version"] for c in result.manifest["changelog"]] == ["1.0.0", "1.1.0"]
    assert list_releases(tmp_path / "data") == ["1.0.0", "1.1.0"]
    # the earlier release is untouched
    assert json.loads((tmp_path / "data/releases/v1.0.0/manifest.json").read_text())["rows"]["released"] == 2


def test_failed_write_leaves_no_partial_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    articles, quarantine = _articles(tmp_path / "in", TEXTS)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("akhbar.release.render_card", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        _build(tmp_path / "data", articles, quarantine)
    assert list((tmp_path / "data" / "releases").iterdir()) == []


PREVIOUS = {
    "version": "1.2.3",
    "schema_version": "1.0",
    "input_fingerprint": "in",
    "files": [{"path": "data/a.parquet", "sha256": "x"}],
}


@pytest.mark.parametrize(
    ("schema_version", "input_fp", "sha", "expected"),
    [
        ("1.0", "in", "x", None),
        ("1.0", "in", "y", "1.2.4"),
        ("1.0", "new", "y", "1.3.0"),
        ("1.1", "in", "y", "1.3.0"),
        ("2.0", "in", "x", "2.0.0"),
    ],
)
def test_next_version(schema_version: str, input_fp: str, sha: str, expected: str | None) -> None:
    files = [{"path": "data/a.parquet", "sha256": sha}]
    assert next_version(PREVIOUS, schema_version=schema_version, input_fp=input_fp, files=files) == expected
    assert next_version(None, schema_version="1.0", input_fp="a", files=files) == "1.0.0"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"added": 0, "removed": 0, "changed": 2}, "1.2.4"),  # corrections only: a patch
        ({"added": 1, "removed": 0, "changed": 2}, "1.3.0"),
        ({"added": 0, "removed": 1, "changed": 0}, "1.3.0"),
        ({"added": 0, "removed": 0, "changed": 0}, "1.3.0"),  # other input, e.g. quarantined
        (None, "1.3.0"),  # previous release unreadable: counts unknown
    ],
)
def test_next_version_of_changed_input(changes: dict[str, int] | None, expected: str) -> None:
    files = [{"path": "data/a.parquet", "sha256": "y"}]
    got = next_version(PREVIOUS, schema_version="1.0", input_fp="new", files=files, changes=changes)
    assert got == expected


def test_changelog_counts_articles_added_removed_and_changed_by_id(tmp_path: Path) -> None:
    texts = {"a.txt": "عنوان أول\n\nنص الخبر الأول.", "b.txt": "عنوان ثان\n\nنص الخبر الثاني."}
    articles, quarantine = _articles(tmp_path / "in", texts)
    first = _build(tmp_path / "data", articles, quarantine)
    assert first.manifest["changelog"][-1] | {"change": ""} == {
        "version": "1.0.0",
        "articles": 2,
        "added": 2,
        "removed": 0,
        "changed": 0,
        "change": "",
    }
    (tmp_path / "in" / "b.txt").unlink()
    corrected = {"a.txt": "عنوان أول\n\nنص الخبر الأول بعد التصحيح.", "c.txt": "عنوان ثالث\n\nنص ثالث."}
    articles, quarantine = _articles(tmp_path / "in", corrected)
    second = _build(tmp_path / "data", articles, quarantine)
    entry = second.manifest["changelog"][-1]
    assert (entry["version"], entry["added"], entry["removed"], entry["changed"]) == ("1.1.0", 1, 1, 1)
    assert entry["change"].endswith(": 1 added, 1 removed, 1 changed.")
    assert "1 added, 1 removed, 1 changed" in (second.path / "README.md").read_text(encoding="utf-8")
    # the same files read back: nothing moved; a release whose files are gone: unknown
    assert release_contents(tmp_path / "nowhere") is None


def _changes(release: Path) -> list[dict]:
    return pq.read_table(release / CHANGES_FILE).to_pylist()


def test_changes_parquet_lists_the_ids_that_moved(tmp_path: Path) -> None:
    texts = {
        "a.txt": "عنوان أول\n\nنص الخبر الأول.",
        "b.txt": "عنوان ثان\n\nنص الخبر الثاني.",
        "c.txt": "عنوان ثالث\n\nنص الخبر الثالث.",
    }
    articles, quarantine = _articles(tmp_path / "in", texts)
    ids = dict(zip(articles["origin"].to_pylist(), articles["id"].to_pylist(), strict=True))
    first = _build(tmp_path / "data", articles, quarantine)
    assert _changes(first.path) == [
        {"id": i, "change": "added", "raw_changed": None} for i in sorted(ids.values())
    ]
    assert first.manifest["changes_file"] == {
        "path": CHANGES_FILE,
        "rows": 3,
        "sha256": sha256_file(first.path / CHANGES_FILE),
    }

    (tmp_path / "in" / "b.txt").unlink()
    edited = {"a.txt": "عنوان أول\n\nنص الخبر الأول بعد التصحيح.", "d.txt": "عنوان رابع\n\nنص رابع."}
    articles, quarantine = _articles(tmp_path / "in", edited)
    ids |= dict(zip(articles["origin"].to_pylist(), articles["id"].to_pylist(), strict=True))
    second = _build(tmp_path / "data", articles, quarantine)
    expected = [
        {"id": ids["a.txt"], "change": "changed", "raw_changed": True},
        {"id": ids["b.txt"], "change": "removed", "raw_changed": None},
        {"id": ids["d.txt"], "change": "added", "raw_changed": None},
    ]
    assert _changes(second.path) == sorted(expected, key=lambda r: r["id"])
    entry = second.manifest["changelog"][-1]
    assert (entry["added"], entry["removed"], entry["changed"]) == (1, 1, 1)
    card = (second.path / "README.md").read_text(encoding="utf-8")
    assert "1 added, 1 removed, 1 changed" in card and "`changes.parquet` (3 rows" in card


def test_a_row_changed_by_the_code_alone_is_changed_not_raw_changed(tmp_path: Path) -> None:
    articles, quarantine = _articles(tmp_path / "in", TEXTS)
    first = _build(tmp_path / "data", articles, quarantine)
    # the same input, one row extracted differently (as a new pipeline would), another only
    # stamped with another pipeline_version: the first is changed, the second is not
    titles = articles["title"].to_pylist()
    titles[0] = titles[0] + " معدل"
    versions = ["0.0.0-other"] * articles.num_rows
    column = articles.schema.get_field_index
    redone = articles.set_column(column("title"), "title", pa.array(titles, pa.string()))
    redone = redone.set_column(column("pipeline_version"), "pipeline_version", pa.array(versions))
    second = _build(tmp_path / "data", redone, quarantine)
    assert second.version == "1.0.1"  # same input, output corrected: a patch
    assert _changes(second.path) == [
        {"id": articles["id"][0].as_py(), "change": "changed", "raw_changed": False}
    ]
    assert release_contents(second.path) is not None and release_contents(first.path) is not None


def _row_groups(path: Path) -> list[tuple[str, str, int]]:
    """(first id, last id, rows) of each row group of a data file."""
    data = pq.ParquetFile(path)
    out = []
    for k in range(data.num_row_groups):
        ids = data.read_row_group(k, columns=["id"])["id"].to_pylist()
        out.append((ids[0], ids[-1], len(ids)))
    return out


@pytest.mark.parametrize("slice_rows", [7, 1000])
def test_row_groups_end_where_the_ids_say_so_an_insertion_moves_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_rows: int
) -> None:
    from akhbar import release
    from tests.support.release_rows import article_row, article_table

    monkeypatch.setattr(release, "ROW_GROUP_AVERAGE", 40)
    monkeypatch.setattr(release, "ROW_GROUP_MIN", 10)
    monkeypatch.setattr(release, "ROW_GROUP_MAX", 120)
    before = article_table(*(article_row(f"{i:05d}") for i in range(0, 2000, 2)))
    after = pa.concat_tables([before, article_table(article_row("01001"))]).sort_by("id")

    def write(table: pa.Table, name: str) -> Path:
        slices = [table.slice(k, slice_rows) for k in range(0, table.num_rows, slice_rows)]
        (entry,) = release.write_data_files(slices, table.num_rows, tmp_path / name)
        return tmp_path / name / entry["path"]

    first = write(before, "a")
    groups, moved = _row_groups(first), _row_groups(write(after, "b"))
    assert all(10 <= rows <= 120 for _, _, rows in groups[:-1]) and len(groups) > 10
    assert write(before, "a-again").read_bytes() == first.read_bytes()  # whatever the slicing
    # one row group differs (the one the new id joined); every other keeps its ids
    assert len(set(moved) - set(groups)) == 1 and len(set(groups) - set(moved)) == 1
    (grown,) = set(moved) - set(groups)
    assert grown[0] <= "01001" <= grown[1]


def test_release_writing_logs_its_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With `log`, writing the data files says how far it is (here after every row group: the
    interval is 0 s), without part numbers, counting up to every released row."""
    monkeypatch.setenv("AKHBAR_PROGRESS_SECONDS", "0")
    articles, quarantine = _articles(tmp_path / "in", TEXTS)
    lines: list[str] = []
    build_release(
        articles,
        quarantine,
        tmp_path / "root",
        dataset_name="test",
        sources=[{"name": "t", "license": "cc-by-4.0"}],
        validation=VALIDATION,
        log=lines.append,
    )
    assert lines and all(line.startswith("release: ") and "part" not in line for line in lines)
    assert lines[-1].startswith(f"release: {articles.num_rows} of {articles.num_rows} articles (100.0%)")
