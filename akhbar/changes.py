"""What moved between two releases: the ids added, removed and changed, listed in `changes.parquet`.

A row is **changed** when its id is in both releases and its content differs. Content is every
column of the row except `pipeline_version`: a researcher holding the previous release must
fetch that row again, whether its article was corrected at its origin (new `raw_sha256`), the
pipeline now extracts it differently, or another article's arrival or removal changed its
`duplicate_of`. `pipeline_version` is left out because it names the code that made the
release, not the article: a version bump that changes no output changes no row. Whether the raw
article itself changed is kept beside (`raw_changed`), so "corrected at the source" and
"extracted anew" can be told apart.

Content is compared by a 64-bit hash of the row (polars' `hash_rows` with a fixed seed). The
hash is never stored: the previous release's rows are hashed again from its data files in the
same process, so the hash need not be stable across polars versions, and the chance that a
changed row keeps its hash is 2**-64.

`changes.parquet` has one row per id that moved (id, change in {added, removed, changed},
raw_changed), sorted by id; a first release lists every id as added. Nothing in it depends on
the clock or the order rows arrived in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from akhbar import storage
from akhbar.schema import ARTICLE_SCHEMA

CHANGES_FILE = "changes.parquet"
KINDS = ("added", "removed", "changed")
_SEED = 18  # any fixed value; the hashes are compared within one process, never stored
_CONTENT_COLUMNS = [name for name in ARTICLE_SCHEMA.names if name != "pipeline_version"]

# The content of every released row: id, the hash of its content and its raw_sha256.
CONTENT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("content", pa.uint64()),
        pa.field("raw_sha256", pa.string()),
    ]
)
CHANGES_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("change", pa.string(), nullable=False),
        # for "changed": whether the raw article differs (corrected at its origin); else null
        pa.field("raw_changed", pa.bool_()),
    ],
    metadata={
        b"description": b"Ids added, removed and changed (same id, different row content other "
        b"than pipeline_version) since the previous release; a first release lists every id as added."
    },
)


def row_contents(table: pa.Table | pa.RecordBatch) -> pa.Table:
    """CONTENT_SCHEMA rows of released articles (ARTICLE_SCHEMA rows, in any order)."""
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    table = table.select(ARTICLE_SCHEMA.names).cast(ARTICLE_SCHEMA)
    if table.num_rows == 0:
        return CONTENT_SCHEMA.empty_table()
    hashes = pl.from_arrow(table.select(_CONTENT_COLUMNS)).hash_rows(seed=_SEED).to_arrow()
    return pa.table([table["id"], hashes, table["raw_sha256"]], schema=CONTENT_SCHEMA)


def concat_contents(parts: Iterable[pa.Table]) -> pa.Table:
    return pa.concat_tables([CONTENT_SCHEMA.empty_table(), *parts]).combine_chunks()


def release_contents(release_dir: Path) -> pa.Table | None:
    """CONTENT_SCHEMA rows of a release folder's data files (read a row group at a time), or None
    when they cannot be read (a release whose files were removed or damaged)."""
    try:
        release_dir = storage.location(release_dir)  # local, or on an object store
        manifest = json.loads(storage.read_text(release_dir / "manifest.json"))
        parts = []
        for entry in manifest["files"]:
            with storage.parquet_file(release_dir / entry["path"]) as data:
                parts += [row_contents(batch) for batch in data.iter_batches(batch_size=10_000)]
        return concat_contents(parts)
    except (OSError, KeyError, ValueError, pa.ArrowException):
        return None


def diff_contents(before: pa.Table | None, after: pa.Table) -> pa.Table:
    """CHANGES_SCHEMA rows from the contents of the previous release (None: a first release)
    and of the new one, sorted by id."""
    before = before if before is not None else CONTENT_SCHEMA.empty_table()
    at = pc.index_in(after["id"], value_set=before["id"])
    kept = pc.is_valid(at)
    old = before.take(pc.drop_null(at))
    new = after.filter(kept)
    differs = pc.not_equal(new["content"], old["content"])
    changed = new.filter(differs)
    raw_changed = pc.not_equal(changed["raw_sha256"], old.filter(differs)["raw_sha256"])
    removed = before.filter(pc.invert(pc.is_in(before["id"], value_set=after["id"])))
    added = after.filter(pc.invert(kept))

    def rows(ids: pa.ChunkedArray, kind: str, raw: pa.ChunkedArray | None) -> pa.Table:
        n = len(ids)
        kinds = pa.chunked_array([pa.array([kind] * n, pa.string())])
        flags = raw if raw is not None else pa.chunked_array([pa.nulls(n, pa.bool_())])
        return pa.table([ids, kinds, flags], schema=CHANGES_SCHEMA)

    out = pa.concat_tables(
        [
            rows(added["id"], "added", None),
            rows(removed["id"], "removed", None),
            rows(changed["id"], "changed", pc.fill_null(raw_changed, True)),
        ]
    )
    return out.sort_by([("id", "ascending")]).combine_chunks()


def count_changes(changes: pa.Table) -> dict[str, int]:
    """{added, removed, changed: how many ids} of a CHANGES_SCHEMA table."""
    counts = dict.fromkeys(KINDS, 0)
    for entry in pc.value_counts(changes["change"]).to_pylist():
        counts[entry["values"]] = entry["counts"]
    return counts


def write_changes(changes: pa.Table, path: Path) -> None:
    """`changes` as one deterministic Parquet file (same rows, same bytes)."""
    pq.write_table(
        changes.cast(CHANGES_SCHEMA),
        path,
        compression="zstd",
        use_dictionary=["change"],
        write_statistics=True,
        store_schema=True,
    )
