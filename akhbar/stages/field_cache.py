"""Field extraction reused across runs: an article whose normalized row and code are unchanged
is not extracted again.

The key of a row is the SHA-256 of its normalized content (every column, in a fixed encoding)
and the code version. The normalized row, not `raw_sha256`, is the key because normalization
depends on the batch (stock paragraphs are found by frequency across a source): the same raw
article can normalize differently when the corpus grows, and then it must be extracted again.
The cache holds the previous run's rows only (one Parquet file per code version under
`cache_dir`), so it stays as large as one run's output; a new code version starts empty.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from akhbar.schema import ARTICLE_SCHEMA
from akhbar.stages.extract_fields import extract_fields

KEY = "cache_key"
_CACHE_PREFIX = "article_fields-"


@dataclass(frozen=True)
class CachedExtraction:
    table: pa.Table  # rows of ARTICLE_SCHEMA, in the order of the normalized input
    reused: int  # rows taken from the cache
    extracted: int  # rows extracted in this run


def row_keys(normalized: pa.Table, code_version: str) -> list[str]:
    """One key per normalized row: its full content plus the code version."""
    keys = []
    for row in normalized.to_pylist():
        payload = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)
        keys.append(hashlib.sha256(f"{code_version}\0{payload}".encode()).hexdigest())
    return keys


def _cache_path(cache_dir: Path, code_version: str) -> Path:
    return cache_dir / f"{_CACHE_PREFIX}{code_version}.parquet"


def extract_fields_cached(
    normalized: pa.Table, *, cache_dir: str | Path, code_version: str, workers: int | None = None
) -> CachedExtraction:
    """`extract_fields(normalized)`, taking unchanged rows from the previous run's cache and
    extracting only the others; then the cache becomes this run's rows."""
    cache_dir = Path(cache_dir)
    keys = row_keys(normalized, code_version)
    path = _cache_path(cache_dir, code_version)
    cached = pq.read_table(path) if path.is_file() else None
    position = {k: i for i, k in enumerate(cached[KEY].to_pylist())} if cached is not None else {}

    missing = [i for i, k in enumerate(keys) if k not in position]
    present = [i for i, k in enumerate(keys) if k in position]
    fresh = extract_fields(normalized.take(pa.array(missing, pa.int64())), workers=workers)
    reused = (
        cached.take(pa.array([position[keys[i]] for i in present], pa.int64())).drop_columns([KEY])
        if cached is not None
        else ARTICLE_SCHEMA.empty_table()
    )
    # fresh rows then reused rows, put back in input order by their input positions
    combined = pa.concat_tables([fresh.cast(ARTICLE_SCHEMA), reused.cast(ARTICLE_SCHEMA)])
    table = combined.take(pc.sort_indices(pa.array(missing + present, pa.int64())))

    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table.append_column(KEY, pa.array(keys, pa.string())), tmp, compression="zstd")
    os.replace(tmp, path)
    for old in cache_dir.glob(f"{_CACHE_PREFIX}*.parquet"):
        if old != path:
            old.unlink()  # another code version's rows can never be reused
    return CachedExtraction(table, reused=len(present), extracted=len(missing))
