"""The upload-bytes benchmark's Xet-like chunker, and what content-defined chunking of the release
data files buys: one article inserted sends a small part of the file again with CDC, most of it
without."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from akhbar.release import write_data_files
from akhbar.schema import hf_features
from benchmarks.upload_bytes import MAX_CHUNK, MIN_CHUNK, chunk_ends, gear_hashes, upload_bytes, xet_chunks
from tests.support.release_rows import article_row, article_table

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


@pytest.mark.parametrize("size", [1, 63, 64, 65, 700])
def test_gear_hashes_match_the_rolling_hash_byte_by_byte(size: int) -> None:
    data = random.Random(size).randbytes(size)
    expected, h = [], 0
    for byte in data:
        h = ((h << 1) + int(gear_hashes(bytes([byte]))[0])) % 2**64
        expected.append(h)
    assert [int(x) for x in gear_hashes(data)] == expected


@pytest.mark.parametrize("seed", [1, 2])
def test_chunks_are_bounded_and_an_insertion_sends_only_the_chunks_around_it(seed: int) -> None:
    data = random.Random(seed).randbytes(2_000_000)
    ends = chunk_ends(data)
    sizes = [b - a for a, b in zip([0, *ends], ends, strict=False)]
    assert ends[-1] == len(data) and sum(sizes) == len(data)
    assert all(MIN_CHUNK <= s <= MAX_CHUNK for s in sizes[:-1])
    assert 10 < len(sizes) < 60  # ~64 KiB on average
    edited = data[:1_000_000] + b"inserted" + data[1_000_000:]
    stored = {digest for digest, _ in xet_chunks(data)}
    new = sum(length for digest, length in xet_chunks(edited) if digest not in stored)
    assert 0 < new <= 2 * MAX_CHUNK


def _rows(ids: list[str], seed: int) -> pa.Table:
    rng = random.Random(seed)
    rows = []
    for row_id in ids:
        words = [
            "".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 7)))
            for _ in range(rng.randint(150, 250))
        ]
        rows.append(article_row(row_id) | {"body": " ".join(words), "paragraphs": [" ".join(words)]})
    table = article_table(*rows)
    return table.sort_by("id")


def _files(table: pa.Table, folder: Path, cdc: bool) -> list[Path]:
    return [folder / f["path"] for f in write_data_files([table], table.num_rows, folder, cdc=cdc)]


def test_cdc_sends_a_fraction_of_what_fixed_pages_send_for_one_new_article(tmp_path: Path) -> None:
    ids = [f"{i:06d}" for i in range(0, 6000, 2)]
    before = _rows(ids, seed=1)
    after = pa.concat_tables([before, _rows(["003001"], seed=2)]).sort_by("id")  # one in the middle
    sent = {}
    for cdc in (True, False):
        a = _files(before, tmp_path / f"{cdc}-a", cdc)
        b = _files(after, tmp_path / f"{cdc}-b", cdc)
        assert _files(after, tmp_path / f"{cdc}-b-again", cdc)[0].read_bytes() == b[0].read_bytes()
        assert pq.read_table(b[0]).equals(after.replace_schema_metadata(pq.read_table(b[0]).schema.metadata))
        counted = upload_bytes(a, b)
        sent[cdc] = counted["new_bytes"] / counted["bytes"]
    assert sent[True] < 0.35 and sent[False] > 0.45, sent


def test_cdc_files_load_back_with_datasets_features(tmp_path: Path) -> None:
    import datasets

    table = _rows([f"{i:04d}" for i in range(50)], seed=3)
    (path,) = _files(table, tmp_path, cdc=True)
    ds = datasets.Dataset.from_parquet(str(path), cache_dir=str(tmp_path / "cache"))
    assert ds.features.to_dict() == hf_features()
    assert ds["id"] == table["id"].to_pylist() and ds["body"] == table["body"].to_pylist()
