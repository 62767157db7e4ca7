"""akhbar.storage and what stands on it (parts, releases, sources.json, the data-root lock), on
a local folder and on an object store: moto's S3 server on 127.0.0.1 (tests/support/s3_server)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from akhbar import storage
from akhbar.data_root import DataRootBusy, lock_data_root, lock_path, record_sources, recorded_sources
from akhbar.ingest import SourceConfig
from akhbar.parts import PartSet, PartWriter, collect_garbage, sha256_file
from akhbar.release import (
    ReleaseResult,
    build_release,
    latest_release_file,
    list_releases,
    remove_stale_temporaries,
)
from akhbar.runner.pool import worker_pool
from tests.support.release_rows import article_row, article_table, quarantine_table
from tests.support.s3_server import s3_bucket, s3_endpoint  # noqa: F401 (fixtures)

VALIDATION = {"suite": "s", "success": True, "evaluated": 1, "successful": 1, "failed": 0, "results": []}
TABLE = pa.table({"id": ["ب", "أ", "ج"], "n": pa.array([2, 1, 3], pa.int32())})


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(params=["local", "s3"])
def root(request: pytest.FixtureRequest, tmp_path: Path):
    """A data root: a local folder, or a prefix in a fresh bucket of the test S3 server."""
    if request.param == "local":
        return storage.location(str(tmp_path / "root"))
    return storage.location(request.getfixturevalue("s3_bucket") + "/root")


def test_location_keeps_local_paths_plain(tmp_path: Path) -> None:
    assert storage.location(str(tmp_path)) == tmp_path
    assert type(storage.location("data")) is type(Path("data"))
    assert storage.location(f"file://{tmp_path}") == tmp_path
    assert not storage.is_url(tmp_path) and storage.is_url("s3://bucket/prefix")


def test_table_text_and_listing(root, tmp_path: Path) -> None:
    storage.write_table(TABLE, root / "a" / "t.parquet", compression="zstd")
    storage.write_text(root / "a" / "note.json", '{"x": "ش"}')
    storage.write_table(TABLE, root / "a" / "b" / "u.parquet")
    assert storage.read_table(root / "a" / "t.parquet").equals(TABLE)
    # pool workers get paths as strings
    assert storage.read_table(storage.as_string(root / "a" / "t.parquet"), ["n"]).column_names == ["n"]
    assert storage.read_metadata(root / "a" / "t.parquet").num_rows == 3
    with storage.parquet_file(root / "a" / "t.parquet") as reader:
        assert reader.read_row_group(0).num_rows == 3
    assert json.loads(storage.read_text(root / "a" / "note.json")) == {"x": "ش"}
    # no temporary names left behind
    assert storage.listdir(root / "a") == [("b", True), ("note.json", False), ("t.parquet", False)]
    assert storage.exists(root / "a" / "t.parquet") and not storage.exists(root / "a" / "b")
    assert storage.is_dir(root / "a") and not storage.is_dir(root / "nothing")
    assert storage.listdir(root / "nothing") == []
    assert sha256_file(root / "a" / "t.parquet") == sha256_file(
        storage.download_file(root / "a" / "t.parquet", tmp_path / "copy" / "t.parquet")
    )
    storage.copy_file(root / "a" / "t.parquet", tmp_path / "copied" / "t.parquet")
    storage.copy_file(tmp_path / "copied" / "t.parquet", root / "a" / "b" / "again.parquet")
    storage.copy_file(root / "a" / "b" / "again.parquet", root / "a" / "b" / "third.parquet")
    assert storage.read_table(root / "a" / "b" / "third.parquet").equals(TABLE)
    assert sorted(p.name for p in (tmp_path / "copied").iterdir()) == ["t.parquet"]
    storage.delete(root / "a" / "note.json")
    storage.delete(root / "a" / "note.json")  # absent: nothing to do
    assert not storage.exists(root / "a" / "note.json")
    assert storage.delete_tree(root / "a") > 0
    assert storage.listdir(root) == []


def test_pool_workers_read_the_root_by_string(root) -> None:
    """Pool workers (akhbar.runner.pool) get a part's path as a string and open it themselves."""
    storage.write_table(TABLE, root / "p.parquet")
    with worker_pool(2) as pool:
        assert pool is not None
        read = pool.submit(storage.read_table, storage.as_string(root / "p.parquet"), ["id"]).result()
    assert read.equals(TABLE.select(["id"]))


def test_failed_upload_leaves_nothing(root, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        storage.upload_file(tmp_path / "missing", root / "f.bin")
    assert not storage.exists(root / "f.bin")
    with pytest.raises(pa.ArrowException):
        storage.write_table(TABLE, root / "t.parquet", compression="no-such-codec")
    assert not storage.exists(root / "t.parquet")
    assert storage.listdir(root) == []


def test_upload_tree_puts_the_named_files_last(root, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = tmp_path / "release"
    for name in ("manifest.json", "README.md", "data/train-00000-of-00001.parquet", "z.parquet"):
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        (local / name).write_text(name)
    order: list[str] = []
    upload = storage.upload_file
    monkeypatch.setattr(storage, "upload_file", lambda src, dst: (order.append(src.name), upload(src, dst)))
    storage.upload_tree(local, root / "v1.0.0", last=("manifest.json",))
    assert order[-1] == "manifest.json" and len(order) == 4
    assert storage.read_text(root / "v1.0.0" / "data" / "train-00000-of-00001.parquet").startswith("data/")


def test_parts_on_the_root(root) -> None:
    writer = PartWriter(root / "parts" / "stage")
    first = writer.write("k1", TABLE, sidecar=(".quarantine.parquet", TABLE.slice(0, 1)))
    writer.write("k2", TABLE.slice(1))
    storage.write_text(root / "parts" / "stage" / "old.parquet", "stale")
    parts = writer.finish()
    again = PartSet.from_json(json.loads(json.dumps(parts.to_json())))
    assert again == parts and str(again.folder) == str(root / "parts" / "stage")
    assert again.read().num_rows == 5 and first.rows == 3
    reuse = PartWriter(str(root / "parts" / "stage"))
    assert reuse.has("k1", ".quarantine.parquet") and not reuse.has("k2", ".quarantine.parquet")
    assert (
        reuse.add_existing("k1").rows == 3 and reuse.read_sidecar("k1", ".quarantine.parquet").num_rows == 1
    )
    assert collect_garbage(root / "parts" / "stage", ["k1", "k2"]) == 1
    assert [n for n, _ in storage.listdir(root / "parts" / "stage")] == [
        "k1.parquet",
        "k1.quarantine.parquet",
        "k2.parquet",
    ]


def test_releases_without_manifest_are_ignored_and_removed(root) -> None:
    storage.write_text(root / "releases" / "v1.0.0" / "manifest.json", "{}")
    storage.write_text(root / "releases" / "v1.0.0" / "dedup_index.parquet", "x")
    storage.write_text(root / "releases" / "v1.1.0" / "data" / "train.parquet", "cut short")
    storage.write_text(root / "releases" / ".tmp-release-abc" / "x", "left by a killed build")
    assert list_releases(root) == ["1.0.0"] == list_releases(str(root))
    assert str(latest_release_file(str(root), "dedup_index.parquet")).endswith("v1.0.0/dedup_index.parquet")
    removed, _size = remove_stale_temporaries(str(root))
    remaining = [name for name, _ in storage.listdir(root / "releases")]
    if storage.is_remote(root):  # an upload cut short is only possible there
        assert (removed, remaining) == (2, ["v1.0.0"])
    else:  # a local folder without manifest is left to its owner; only temporaries go
        assert (removed, remaining) == (1, ["v1.0.0", "v1.1.0"])


def test_releases_and_their_changes_on_the_root(root, tmp_path: Path) -> None:
    """Two releases written to the root, the second diffed against the first read back from it;
    the same bytes as on a local root."""
    first = article_table(article_row("a"), article_row("b"))
    second = article_table(article_row("a"), article_row("b"), article_row("c"))

    def release(rows: pa.Table, where) -> ReleaseResult:
        return build_release(
            rows,
            quarantine_table(("t", "empty")),
            where,
            dataset_name="test",
            sources=[{"name": "alpha", "license": "cc-by-4.0"}],
            validation={
                "suite": "s",
                "success": True,
                "evaluated": 1,
                "successful": 1,
                "failed": 0,
                "results": [],
            },
            dedup_index=TABLE,
        )

    assert release(first, str(root)).version == "1.0.0"
    result = release(second, str(root))
    assert (result.version, str(result.path)) == ("1.1.0", str(root / "releases" / "v1.1.0"))
    assert release(second, str(root)).created is False
    assert list_releases(root) == ["1.0.0", "1.1.0"]
    changes = storage.read_table(result.path / "changes.parquet")
    assert changes.to_pylist() == [{"id": "c", "change": "added", "raw_changed": None}]
    reference = tmp_path / "reference"
    release(first, reference)
    release(second, reference)
    with storage.local_folder(result.path) as local:
        made = {p.relative_to(local).as_posix(): sha256_file(p) for p in local.rglob("*") if p.is_file()}
    folder = reference / "releases" / "v1.1.0"
    assert made == {
        p.relative_to(folder).as_posix(): sha256_file(p) for p in folder.rglob("*") if p.is_file()
    }


def test_sources_record_on_the_root(root, tmp_path: Path) -> None:
    sources = [SourceConfig(name="مصدر", path=str(tmp_path), format="jsonl", license="cc-by-4.0")]
    assert recorded_sources(str(root)) is None
    record_sources(str(root), sources, given_as="--input x")
    assert recorded_sources(str(root)) == sources


def test_url_root_lock_is_a_local_file(
    s3_bucket: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    url = s3_bucket + "/root"
    assert lock_path(url).parent == tmp_path / "run" / "akhbar-locks"
    assert lock_path(url) == lock_path(url + "/") != lock_path(s3_bucket + "/other")
    with lock_data_root(url):
        with pytest.raises(DataRootBusy, match="pid"):
            lock_data_root(url)
        lock_data_root(s3_bucket + "/other").release()  # another root: another lock
    lock_data_root(url).release()
    assert storage.listdir(storage.location(s3_bucket)) == []  # nothing written to the bucket


def test_missing_bucket_named_with_how_to_create_it(s3_bucket: str) -> None:  # noqa: F811
    storage.check_root(storage.location(s3_bucket + "/root"))
    with pytest.raises(storage.StorageError, match=r"bucket 'no-such-bucket' does not exist.*aws s3 mb"):
        storage.check_root(storage.location("s3://no-such-bucket/root"))


def test_missing_s3fs_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "s3fs", None)
    with pytest.raises(storage.StorageError, match=r"s3fs.*akhbar\[s3\]"):
        storage.location("s3://bucket/root")
