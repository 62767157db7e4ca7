"""Stages in parts: the k-way merge, part reuse, stock paragraphs and validation across parts,
and incremental builds that redo only the parts whose input changed."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import AssetKey, DagsterInstance

from akhbar.assets.gx_suites import _PartSuite, gate_part, validate_frame, validate_parts
from akhbar.dedup import SIGNATURE_INPUT, signature_index, signature_index_of_file
from akhbar.ingest import SourceConfig, iter_raw_batches, read_sources
from akhbar.parts import PartWriter, collect_garbage, merge_by_id
from akhbar.pipelines.cli import main
from akhbar.quality import article_fields_frame, normalized_articles_frame, raw_articles_frame
from akhbar.release import ROW_GROUP_SIZE, MarkedParts, TableRows, build_release
from akhbar.runner import extract_fields, normalize_articles
from akhbar.runner.pool import PartQueue, chunk_bounds, map_ahead, worker_pool
from akhbar.stages.extract_fields import extract_fields_chunk
from akhbar.stages.normalize_articles import remove_stock_paragraphs, segment_articles, stock_candidates_of
from akhbar.stock_paragraphs import find_stock

SENTENCE = 'وقال الوزير أحمد العلي إن "الحكومة ستعلن خطة جديدة للنقل العام خلال الأسبوع المقبل".'
STOCK = "للاشتراك في النشرة البريدية اليومية أرسل رسالة قصيرة إلى الرقم المخصص لذلك"
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


def _record(i: int) -> dict:
    body = "\n".join(f"{SENTENCE} {_words(i * 3 + j, 12)}." for j in range(3))
    return {
        "title": f"خبر رقم {i} عن النقل العام",
        "text": f"{body}\n{STOCK}",  # the same closing paragraph under every title: stock
        "url": f"https://example.org/news/{i}",
        "published": f"2024-09-0{1 + i % 9}T10:00:00Z",
    }


def _write_day(folder: Path, name: str, numbers: range) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(_record(i), ensure_ascii=False) for i in numbers]
    (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _table_parts(tmp_path: Path, sizes: list[int]) -> tuple[PartWriter, list[str]]:
    ids = [f"{random.Random(7).getrandbits(64) ^ i:016x}" for i in range(sum(sizes))]
    random.Random(3).shuffle(ids)
    writer = PartWriter(tmp_path / "parts")
    start = 0
    for n, size in enumerate(sizes):
        rows = ids[start : start + size]
        table = pa.table(
            {
                "id": pa.array(rows, pa.string()),
                "value": pa.array([int(r, 16) % 1000 for r in rows], pa.int64()),
            }
        ).sort_by("id")
        writer.write(f"part{n}", table, row_group_size=7)
        start += size
    return writer, ids


@pytest.mark.parametrize(
    ("sizes", "rows_per_table"),
    [([50, 1, 0, 120, 33], 40), ([10], 3), ([200, 200], 1000), ([0], 10)],
)
def test_merge_by_id_streams_every_row_in_id_order(
    tmp_path: Path, sizes: list[int], rows_per_table: int
) -> None:
    writer, ids = _table_parts(tmp_path, sizes)  # row groups of 7 rows
    tables = list(merge_by_id(writer.finish(), rows_per_table=rows_per_table))
    assert [r for t in tables for r in t["id"].to_pylist()] == sorted(ids)
    assert all(t.num_rows == rows_per_table for t in tables[:-1])
    merged = pa.concat_tables(tables) if tables else None
    if merged is not None:  # each row keeps its own values
        assert merged["value"].to_pylist() == [int(r, 16) % 1000 for r in sorted(ids)]


@pytest.mark.parametrize(
    ("rows", "chunk_rows", "workers"), [(5000, 1000, 2), (1043, 1000, 2), (1, 1000, 2), (7, 2, 3), (0, 10, 2)]
)
def test_chunks_cover_a_part_evenly_for_every_worker(rows: int, chunk_rows: int, workers: int) -> None:
    bounds = chunk_bounds(rows, chunk_rows, workers)
    assert [i for a, b in bounds for i in range(a, b)] == list(range(rows))  # in order, once each
    sizes = [b - a for a, b in bounds]
    assert all(0 < n <= chunk_rows for n in sizes) and (not sizes or max(sizes) - min(sizes) <= 1)
    assert len(bounds) % workers == 0 or len(bounds) == rows


def test_parts_on_the_pool_equal_parts_on_one_process(tmp_path: Path) -> None:
    """Two workers, small chunks, parts submitted ahead: the same fields table, in order, as the
    calling process alone (entity tagging batches whatever rows a chunk holds)."""
    folder = tmp_path / "in"
    _write_day(folder, "d", range(13))
    raw = read_sources([SourceConfig("s", str(folder / "*.jsonl"), "jsonl")]).articles
    normalized = normalize_articles(raw)
    parts = [normalized.slice(0, 5), normalized.slice(5, 1), normalized.slice(6)]
    alone = PartQueue(extract_fields_chunk, None)
    with worker_pool(2) as pool:
        shared = PartQueue(extract_fields_chunk, pool, chunk_rows=2)
        for part in parts:
            alone.submit(part)
            shared.submit(part)
        for part in parts:
            want, got = alone.take(), shared.take()
            assert got.num_rows == part.num_rows
            assert got.equals(want)


def _worker_state(_: int) -> tuple[bool, int, tuple[int, int, int], bool]:
    import gc
    import sys

    from akhbar.extract.entities import default_tagger

    loaded = "akhbar.stages.extract_fields" in sys.modules
    return loaded, default_tagger.cache_info().currsize, gc.get_threshold(), gc.get_freeze_count() > 0


def test_workers_start_with_the_stages_and_models_loaded() -> None:
    # The fork server skips a preload module that fails to import: this is what would show it.
    from akhbar.runner.pool import WORKER_GC_THRESHOLDS

    with worker_pool(2) as pool:
        states = list(pool.map(_worker_state, range(2)))
    assert states == [(True, 1, WORKER_GC_THRESHOLDS, True)] * 2


def test_signatures_of_part_files_on_the_pool_equal_the_tables_own(tmp_path: Path, fields: pa.Table) -> None:
    writer = PartWriter(tmp_path)
    paths = []
    for i in range(0, fields.num_rows, 4):
        writer.write(f"p{i}", fields.slice(i, 4))
        paths.append(str(writer.path(f"p{i}")))
    with worker_pool(2) as pool:
        on_pool = list(pool.map(signature_index_of_file, paths))
    for i, index in zip(range(0, fields.num_rows, 4), on_pool, strict=True):
        assert index.equals(signature_index(fields.slice(i, 4).select(SIGNATURE_INPUT)))
        assert index["signature"].null_count < index.num_rows  # bodies long enough to be signed


def _square(x: int) -> int:
    return x * x


@pytest.mark.parametrize("ahead", [1, 2, 5])
def test_map_ahead_keeps_order_and_bounds_what_is_in_flight(ahead: int) -> None:
    taken: list[int] = []

    def items():
        for i in range(12):
            taken.append(i)
            yield i

    with worker_pool(2) as pool:
        results = map_ahead(_square, items(), pool, ahead=ahead)
        assert next(results) == 0
        assert len(taken) == ahead + 1  # the one taken and `ahead` more submitted, no more
        assert [0, *results] == [i * i for i in range(12)]
    lazy = map_ahead(_square, items(), None)
    taken.clear()
    assert next(lazy) == 0 and taken == [0]


def test_merge_by_id_refuses_an_unsorted_part(tmp_path: Path) -> None:
    writer = PartWriter(tmp_path)
    writer.write("k", pa.table({"id": ["b", "a"]}))
    with pytest.raises(ValueError, match="not sorted by id"):
        list(merge_by_id(writer.finish(), rows_per_table=10))


def test_part_writer_reuses_parts_and_garbage_goes(tmp_path: Path) -> None:
    first = PartWriter(tmp_path)
    first.write("aaa", pa.table({"id": ["1"]}))
    first.write("bbb", pa.table({"id": ["2"]}))
    (tmp_path / "bbb.quarantine.parquet").write_bytes(b"")
    second = PartWriter(tmp_path)
    assert second.has("aaa") and not second.has("ccc")
    second.add_existing("aaa")
    second.write("ccc", pa.table({"id": ["3", "4"]}))
    parts = second.finish()
    assert (second.reused, second.written, parts.num_rows) == (1, 1, 3)
    assert collect_garbage(tmp_path, [p.key for p in parts.parts]) == 2  # bbb and its sidecar
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aaa.parquet", "ccc.parquet"]


def test_stock_paragraphs_found_across_parts_as_in_one_batch(tmp_path: Path) -> None:
    _write_day(tmp_path / "in", "day", range(7))
    raw = read_sources([SourceConfig("d", str(tmp_path / "in"), "jsonl")]).articles
    whole = normalize_articles(raw)
    segmented = [segment_articles(raw.slice(i, 2)) for i in range(0, raw.num_rows, 2)]
    stock = find_stock(stock_candidates_of(s) for s in segmented)
    parts = [remove_stock_paragraphs(s, stock) for s in segmented]
    assert pa.concat_tables(parts).equals(whole)
    rules = [r["rule"] for chrome in whole["chrome"].to_pylist() for r in chrome]
    assert rules.count("stock_paragraph") == 7  # removed from every article


def test_batches_never_span_two_files(tmp_path: Path) -> None:
    _write_day(tmp_path / "in", "2024-09-01", range(5))
    _write_day(tmp_path / "in", "2024-09-02", range(5, 8))
    batches = list(iter_raw_batches([SourceConfig("d", str(tmp_path / "in"), "jsonl")], batch_rows=3))
    files = [{o.split("#")[0] for o in b.articles["origin"].to_pylist()} for b in batches]
    assert files == [{"2024-09-01.jsonl"}, {"2024-09-01.jsonl"}, {"2024-09-02.jsonl"}]
    assert [b.articles.num_rows for b in batches] == [3, 2, 3]


@pytest.fixture(scope="module")
def fields() -> pa.Table:
    from tests.support import REPO

    batch = read_sources([SourceConfig("samples", str(REPO / "samples"), "text")])
    one = extract_fields(normalize_articles(batch.articles))
    copies = [
        one.set_column(0, "id", pa.array([f"{k:04x}{i}" for i in one["id"].to_pylist()])) for k in range(9)
    ]
    return pa.concat_tables(copies)


def test_validation_in_parts_matches_one_frame(fields: pa.Table) -> None:
    whole = validate_frame(article_fields_frame(fields), "article_fields")
    parts = validate_parts(
        (article_fields_frame(fields.slice(i, 4)) for i in range(0, fields.num_rows, 4)), "article_fields"
    )
    assert (parts["evaluated"], parts["successful"], parts["rows"]) == (
        whole["evaluated"],
        whole["successful"],
        whole["rows"],
    )
    assert sorted((r["name"], r["success"], r["unexpected_count"]) for r in parts["results"]) == sorted(
        (r["name"], r["success"], r["unexpected_count"]) for r in whole["results"]
    )


def test_ids_repeated_across_parts_fail_the_suite(fields: pa.Table) -> None:
    repeated = pa.concat_tables([fields.slice(0, 3), fields.slice(0, 3)])
    summary = validate_parts((article_fields_frame(repeated.slice(i, 3)) for i in (0, 3)), "article_fields")
    unique = next(r for r in summary["results"] if r["expectation"] == "expect_column_values_to_be_unique")
    assert not unique["success"] and not summary["success"]


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_release_files_do_not_depend_on_how_rows_are_parted(tmp_path: Path, fields: pa.Table) -> None:
    validation = {"suite": "article_fields", "success": True, "evaluated": 0, "successful": 0, "failed": 0}
    validation |= {"rows": fields.num_rows, "results": []}
    common = {"dataset_name": "t", "sources": [{"name": "samples"}], "validation": validation}
    quarantine = read_sources([]).quarantine
    from_table = build_release(TableRows(fields), quarantine, tmp_path / "a", **common)
    writer = PartWriter(tmp_path / "parts")
    for i in range(0, fields.num_rows, 5):
        writer.write(f"p{i}", fields.slice(i, 5).sort_by("id"), row_group_size=2)
    marks = fields.select(["id", "duplicate_of"])
    from_parts = build_release(MarkedParts(writer.finish(), marks), quarantine, tmp_path / "b", **common)
    assert _digests(from_table.path) == _digests(from_parts.path)
    assert ROW_GROUP_SIZE > fields.num_rows  # one row group here; tests/test_release covers more


@pytest.mark.slow
def test_incremental_build_redoes_only_new_parts(tmp_path: Path) -> None:
    source = tmp_path / "in"
    _write_day(source, "2024-09-01", range(6))
    args = ["--input", str(source), "--log-level", "ERROR", "--batch-rows", "4"]
    assert main(["build", *args, "--out", str(tmp_path / "incremental")]) == 0
    _write_day(source, "2024-09-02", range(6, 9))
    assert main(["build", *args, "--out", str(tmp_path / "incremental")]) == 0
    with DagsterInstance.get() as instance:
        metadata = {
            name: instance.get_latest_materialization_event(AssetKey(name)).asset_materialization.metadata
            for name in ("raw_articles", "article_fields")
        }
    # 2024-09-01 is two parts (4 + 2 articles), unchanged and not read again; 2024-09-02 is new
    assert metadata["raw_articles"]["parts"].value == 3
    assert metadata["raw_articles"]["files_not_read_again"].value == 1
    assert (
        metadata["article_fields"]["parts_reused"].value,
        metadata["article_fields"]["parts_extracted"].value,
    ) == (
        2,
        1,
    )
    assert main(["build", *args, "--out", str(tmp_path / "scratch")]) == 0
    incremental = tmp_path / "incremental" / "releases" / "v1.1.0"
    scratch = tmp_path / "scratch" / "releases" / "v1.0.0"
    data = {k: v for k, v in _digests(incremental).items() if k.startswith("data/")}
    assert data == {k: v for k, v in _digests(scratch).items() if k.startswith("data/")}
    # the earlier run's files that no part lists any more are gone: three parts and their sidecars
    folder = tmp_path / "incremental" / "parts" / "article_fields"
    assert len({path.name.split(".")[0] for path in folder.iterdir()}) == 3


def test_stored_suite_results_are_reused_and_equal(tmp_path: Path, fields: pa.Table) -> None:
    built: list[int] = []

    def frames():
        for i in range(0, fields.num_rows, 4):

            def make(i: int = i):
                built.append(i)
                return article_fields_frame(fields.slice(i, 4))

            yield tmp_path / f"part{i}.parquet", make

    first = validate_parts(frames(), "article_fields")
    made = len(built)
    second = validate_parts(frames(), "article_fields")
    assert made == -(-fields.num_rows // 4) and len(built) == made  # nothing rebuilt the second time
    assert second == first
    assert validate_parts(frames(), "article_fields", parameters={"other": 1}) == first
    assert len(built) == 2 * made  # other parameters: another suite hash, evaluated again


@pytest.mark.parametrize(("failing_rows", "english_bodies"), [(0, 0), (2, 0), (0, 1), (2, 1)])
def test_the_gate_keeps_the_part_suite_results_the_check_would_compute(
    tmp_path: Path, fields: pa.Table, failing_rows: int, english_bodies: int
) -> None:
    rows = fields.to_pylist()
    for row in rows[:failing_rows]:  # the lead equals the body: a row-level failure
        row["lead"] = row["body"]
    for row in rows[len(rows) - english_bodies :]:  # no row fails, but an expectation's `mostly` counts it
        row |= {"body": "An English body, with no Arabic at all.", "entities": [], "dates": []}
    table = pa.Table.from_pylist(rows, schema=fields.schema)
    where = tmp_path / "part.parquet"
    kept, failed, _ = gate_part(table, article_fields_frame, "article_fields", stage="fields", where=where)
    assert (kept.num_rows, failed.num_rows) == (fields.num_rows - failing_rows, failing_rows)
    pq.write_table(kept, where)
    suite = _PartSuite("article_fields", id_column="id", parameters=None)
    stored = suite.stored(where)
    assert stored is not None
    results, columns = suite.evaluate(article_fields_frame(pq.read_table(where)))
    assert stored[0] == json.loads(json.dumps(results))
    assert stored[1].equals(columns.reset_index(drop=True))
    ratio = next(r for r in stored[0] if r["name"].endswith("(body_arabic_ratio)"))
    assert (ratio["unexpected_count"], len(ratio["examples"])) == (english_bodies, english_bodies)


def test_a_builds_stored_suite_results_equal_each_parts_own(tmp_path: Path) -> None:
    source = tmp_path / "in"
    _write_day(source, "2024-09-01", range(6))
    with (source / "2024-09-01.jsonl").open("a", encoding="utf-8") as f:  # too short a title: fields' gate
        f.write(json.dumps(_record(6) | {"title": "خ"}, ensure_ascii=False) + "\n")
    args = ["--input", str(source), "--log-level", "ERROR", "--batch-rows", "4"]
    args += ["--out", str(tmp_path / "out")]
    assert main(["build", *args]) == 0
    stages = {
        "raw_articles": raw_articles_frame,
        "normalized_articles": normalized_articles_frame,
        "article_fields": article_fields_frame,
    }
    for stage, frame_of in stages.items():
        suite = _PartSuite(stage, id_column="id", parameters=None)
        part_files = [
            p for p in (tmp_path / "out" / "parts" / stage).glob("*.parquet") if p.name.count(".") == 1
        ]
        assert len(part_files) == 2, stage
        for path in part_files:
            stored = suite.stored(path)
            assert stored is not None, path
            results, columns = suite.evaluate(frame_of(pq.read_table(path)))
            assert stored[0] == json.loads(json.dumps(results)), path
            assert stored[1].equals(columns.reset_index(drop=True)), path
    quarantined = pq.read_table(tmp_path / "out" / "stages" / "fields_quarantine.parquet")["reason"]
    assert [r.split("(")[0] for r in quarantined.to_pylist()] == [
        "expectation article_fields.expect_column_value_lengths_to_be_between"
    ]


def _raw_metadata() -> dict:
    with DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(AssetKey("raw_articles"))
        quarantine = instance.get_latest_materialization_event(AssetKey("raw_quarantine"))
    return {**event.asset_materialization.metadata, "quarantined": quarantine.asset_materialization.metadata}


@pytest.mark.slow
def test_a_known_file_is_read_again_when_an_earlier_file_repeats_its_ids(tmp_path: Path) -> None:
    source = tmp_path / "in"
    _write_day(source, "2024-09-02", range(4))
    args = ["--input", str(source), "--log-level", "ERROR", "--out", str(tmp_path / "out")]
    assert main(["build", *args]) == 0
    assert main(["build", *args]) == 0
    assert _raw_metadata()["files_not_read_again"].value == 1
    # a file sorted before it now holds article 3 (same url): 2024-09-02 must give it up
    _write_day(source, "2024-09-01", range(3, 5))
    assert main(["build", *args]) == 0
    metadata = _raw_metadata()
    assert metadata["files_not_read_again"].value == 0
    assert metadata["dagster/row_count"].value == 5
    assert metadata["quarantined"]["dagster/row_count"].value == 1
    # touched, not changed: read again, and its parts are the ones already on disk
    (source / "2024-09-02.jsonl").touch()
    assert main(["build", *args]) == 0
    metadata = _raw_metadata()
    assert (metadata["files_not_read_again"].value, metadata["parts_reused"].value) == (1, 2)
