"""Exact and near-duplicate articles, across the corpus and across releases.

Over 500 lines on purpose: exact keys, MinHash signatures, LSH banding, clustering and the
cumulative index all serve one decision (which article is kept) and share its rules.

    result = find_duplicates(articles, threshold=0.8, prior=previous_index)
    result.duplicate_of, result.kind     # aligned with the input rows
    result.clusters                      # one row per cluster: kept id, size, kinds, sources
    pyarrow.parquet.write_table(result.index, path)   # read back as `prior` of the next release

**Exact duplicates** have the same `search_key` of their body (`akhbar.normalize`: diacritics
stripped, letter variants, digits and Arabic punctuation folded, whitespace and line breaks
collapsed); the key is hashed with BLAKE2b to 64 bits (a collision among a million articles has
probability ~3e-8). This catches the same article under different file names or ids. Empty
bodies never match anything.

**Near duplicates**: the words of the search key (split at whitespace, punctuation and
symbols) are cut into shingles of `shingle_words` consecutive words; each text gets a MinHash signature of
`num_perm` values over its shingle set; LSH (banding, `b` bands of `r` rows chosen by
datasketch's `MinHashLSH` for the threshold) proposes candidate pairs, and a pair is kept when
its estimated Jaccard similarity (share of equal signature values) is >= `threshold`.
Clusters are the connected components (union-find) of exact and verified near pairs, so a
chain A~B~C puts A and C together even when A and C alone are below the threshold. Texts with
fewer words than a shingle have no signature and only take part in exact matching. Only one
article of each exact group enters LSH (its copies have the same signature).

**The kept article** of a cluster, which every other member's `duplicate_of` points at, is,
in this order: an article of an earlier release (see below); the earliest `published_at`
(nulls last); the longest body (characters); the smallest id. The result depends on the set
of rows, not on their order, and on no process hash seed: every hash is BLAKE2b or fixed
integer arithmetic, every random choice comes from datasketch's fixed-seed permutations.
`duplicate_kind` is "exact" when a row has the kept article's key, else "near".

**Across releases**: `result.index` holds, per article, its id, source, published_at, body
length, exact key, signature and its own `duplicate_of`/`duplicate_kind`; it is an Arrow table
(num_perm, shingle_words, seed and scheme in its schema metadata) to save as Parquet and give
back as `prior=` for the next release. Ids name an article's origin (`akhbar.ingest.records.
article_id`), so an id of `prior` that comes back with another exact key is the same article
corrected: its new text replaces its old signature (it is never a copy of its old self), and
the earlier decisions it took part in are decided again from the new text. Otherwise rows of
`prior` are earlier releases' decisions and are frozen: a kept article whose text is unchanged
stays kept (a kept id does not change between releases), a duplicate of such an article still
in the table keeps its `duplicate_of`, and a new article matching a cluster of an earlier
release points at that cluster's kept article, even when the new one was published earlier.
Every other row of the table is decided in this run: new and corrected articles, and
duplicates whose kept article left the table or was corrected. Their kept article is, in this
order: an unchanged kept article of an earlier release, a corrected one, another article of an
earlier release, a new one (then published_at, length, id as above). `duplicate_of` always
names a row of the table: an article that left still connects its cluster (a duplicate of it
and a new copy of it are one cluster) but is never its kept article, so when a kept article
leaves, the next best member of its cluster in the table becomes kept; in the index, the one
that left then points at that kept article, so if it comes back it is a copy of it.
`result.index` is cumulative (the prior rows not in this table, plus this table's rows, sorted
by id). The signature of a prior article is the stored one; of an article in the table, the
one of its current text.

**Implementation: vectorized numpy, with datasketch's permutations and LSH parameters.**
Measured on SaudiNewsNet (26,368 articles; `benchmarks/bench_dedup.py --datasketch`, one
core of a shared machine): signatures, LSH and verification of every text took 2.3 s CPU
here, against 14.8 s CPU for datasketch's `MinHash.bulk` (SHA-1 of each shingle string, the
word lists given ready-made) with `MinHashLSH` insert/query and `MinHash.jaccard`, which also
held 2.5 GB of Python shingle sets and MinHash objects where the whole benchmark peaks at
0.5 GB. Both verify ~3,000 pairs; the 12% found by one path only have a true shingle Jaccard
of 0.70-0.95 (median 0.83): estimation noise of 128 permutations at the threshold
(sd ~0.035), not a defect of either. The whole of `find_duplicates` (search keys, exact pass,
signatures, LSH, verification, clusters) takes ~4 s CPU there, ~6,500 articles/s.

Words are hashed once per batch by a polynomial hash over their UTF-8 bytes (prefix sums over
the batch's byte buffer, mod 2^64, MurmurHash3 finalizer), shingle hashes combine word hashes,
and the permutations are applied to blocks of shingle hashes with numpy broadcasting and
`minimum.reduceat`. The permutation scheme is datasketch's "affine32" (MurmurHash3 32-bit
pre-mix, a*h+b mod 2^32, a odd; the parameters are taken from `datasketch.MinHash(seed=1)`),
so a signature equals the one `datasketch.MinHash(scheme="affine32")` computes from the same
shingle hashes (tested).
Signatures take num_perm × 4 bytes per article (512 B at 128, so 512 MB for a million, prior
included); rows are read in slices of `ROW_BATCH` and text hashed in batches of about
`BATCH_BYTES`, so the working memory beyond the signatures is bounded. Limit: an LSH bucket of
g texts gives g(g-1)/2 candidate pairs (exact copies enter once, so this takes g distinct
near-identical texts, e.g. a daily template).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasketch import MinHash, MinHashLSH

from akhbar import storage
from akhbar.normalize import key_hash, search_key

# Parameters a stored signature depends on; a prior index made with others is refused.
SCHEME = "affine32"
TOKENIZER = "search_key-words-v1"
SEED = 1
INDEX_METADATA_KEY = b"akhbar.dedup"

# Rows whose search keys are held at once; search-key text per hashing batch (the byte-level
# prefix sums take 16 bytes per text byte); shingles per permutation block (× num_perm × 4 B).
BATCH_BYTES = 2_000_000
ROW_BATCH = 5_000
SHINGLE_BLOCK = 32_768
PAIR_BLOCK = 65_536

_U64 = np.uint64
# Punctuation and symbols separate words like spaces do (RE2 classes, 3x faster than [^\pL\pN\pM]).
_NOT_WORD = r"[\p{P}\p{S}]+"
_BYTE_BASE = 0x100000001B3  # odd: invertible mod 2^64
_BYTE_BASE_INV = pow(_BYTE_BASE, -1, 1 << 64)
_LENGTH_MULT = _U64(0x9E3779B97F4A7C15)
_SHINGLE_MULT = _U64(0xC2B2AE3D27D4EB4F)
_BAND_MULT = _U64(0x165667B19E3779F9)

TIMESTAMP = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class DuplicateResult:
    """Duplicates of the rows of one table.

    `duplicate_of` and `kind` are aligned with the input rows: the id of the kept article of
    the row's cluster and "exact" / "near", or null for kept and unique rows. `clusters` has one
    row per cluster with a duplicate among the input rows: `kept_id`, `size` (the kept article
    plus the input rows pointing at it), `exact`, `near` (how many of each), `kind` ("exact"
    when every copy is exact, else "near"), `kept_in_table` (always true: a kept article is a row
    of the table) and the sorted distinct `sources` of the cluster's articles.
    `index` is the cumulative signature index, the `prior` of the next release.
    """

    duplicate_of: pa.StringArray
    kind: pa.StringArray
    clusters: pa.Table
    index: pa.Table

    @property
    def exact_duplicates(self) -> int:
        return int(pc.sum(pc.equal(self.kind, "exact")).as_py() or 0)

    @property
    def near_duplicates(self) -> int:
        return int(pc.sum(pc.equal(self.kind, "near")).as_py() or 0)

    def annotate(self, table: pa.Table) -> pa.Table:
        """`table` (the one given to find_duplicates) with `duplicate_of` and `duplicate_kind`."""
        return table.append_column("duplicate_of", self.duplicate_of).append_column(
            "duplicate_kind", self.kind
        )


def find_duplicates(
    table: pa.Table,
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle_words: int = 5,
    prior: pa.Table | None = None,
) -> DuplicateResult:
    """Exact and near duplicates of `table` (columns id, body; source and published_at used
    when present) among themselves and against `prior`, the index of earlier releases."""
    if shingle_words < 1:
        raise ValueError(f"shingle_words must be >= 1, got {shingle_words}")
    current = signature_index(table, num_perm=num_perm, shingle_words=shingle_words)
    return decide_duplicates(current, threshold=threshold, prior=prior)


def decide_duplicates(
    current: pa.Table, *, threshold: float = 0.8, prior: pa.Table | None = None
) -> DuplicateResult:
    """`find_duplicates` on index rows already computed (`signature_index` of each part of a
    corpus, concatenated): the text is not needed any more, so a million articles are their
    signatures (512 bytes each), not their bodies."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    num_perm, shingle_words = _index_params(current)
    if pc.count_distinct(current["id"]).as_py() != current.num_rows:
        raise ValueError("ids must be unique")
    # The signatures leave the table for one numpy matrix (the largest thing here: 512 bytes an
    # article) and come back only in the saved index; don't hold `current` in the caller.
    signature_field = current.schema.field("signature")
    current_sigs = _signature_matrix(current, num_perm)
    current = current.drop_columns(["signature"]).combine_chunks()
    if prior is None:
        prior = empty_index(num_perm=num_perm, shingle_words=shingle_words)
    _check_index(prior, num_perm=num_perm, shingle_words=shingle_words)

    n = current.num_rows
    reseen = pc.is_in(current["id"], value_set=prior["id"]).to_numpy(zero_copy_only=False)
    prior_only = prior.filter(pc.invert(pc.is_in(prior["id"], value_set=current["id"])))
    # Rows of `table` that an earlier release already decided start from that decision.
    frozen = prior.filter(pc.is_in(prior["id"], value_set=current["id"]))
    frozen_at = pc.index_in(current["id"], value_set=frozen["id"])
    # A row whose text changed since (its exact key differs) is the same article corrected.
    corrected = reseen & ~_same_keys(current["exact_key"], pc.take(frozen["exact_key"], frozen_at))
    current = current.set_column(
        current.schema.get_field_index("duplicate_of"),
        "duplicate_of",
        pc.take(frozen["duplicate_of"], frozen_at),
    ).set_column(
        current.schema.get_field_index("duplicate_kind"),
        "duplicate_kind",
        pc.take(frozen["duplicate_kind"], frozen_at),
    )
    prior_sigs = _signature_matrix(prior_only, num_perm)
    prior_only = prior_only.drop_columns(["signature"])
    nodes = pa.concat_tables([current, prior_only])
    total = nodes.num_rows
    changed = np.concatenate([corrected, np.zeros(prior_only.num_rows, dtype=bool)])
    at = pc.index_in(nodes["duplicate_of"], value_set=nodes["id"])
    stored_target = pc.fill_null(at, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    was_duplicate = current["duplicate_of"].is_valid().to_numpy(zero_copy_only=False)
    tier, is_open = _tiers(reseen, corrected, was_duplicate, stored_target)

    keys = nodes["exact_key"]
    key_valid = keys.is_valid().to_numpy(zero_copy_only=False)
    key_values = keys.fill_null(0).to_numpy(zero_copy_only=False).astype(_U64)
    sigs = _SignatureRows(current_sigs, prior_sigs)

    edges_a: list[np.ndarray] = []
    edges_b: list[np.ndarray] = []
    # Exact groups: every member to the group's first node.
    matchable = np.flatnonzero(key_valid)
    _, first, inverse = np.unique(key_values[matchable], return_index=True, return_inverse=True)
    group_open = np.bincount(inverse, weights=is_open[matchable], minlength=len(first)) > 0
    rep_of = matchable[first][inverse]
    keep = group_open[inverse] & (rep_of != matchable)
    edges_a.append(matchable[keep])
    edges_b.append(rep_of[keep])
    # Near pairs among group representatives with a signature, at least one group having an open node.
    reps = matchable[first]
    rep_ok = sigs.has[reps]
    reps, reps_open = reps[rep_ok], group_open[rep_ok]
    if len(reps) > 1:
        bands, rows = _lsh_params(threshold, num_perm)
        i, j = _candidate_pairs(sigs, reps, bands, rows)
        wanted = reps_open[i] | reps_open[j]
        i, j = reps[i[wanted]], reps[j[wanted]]
        similar = _estimated_jaccard(sigs, i, j) >= threshold
        edges_a.append(i[similar])
        edges_b.append(j[similar])
    # Decisions of earlier releases: each earlier duplicate to its kept article, unless either
    # text changed since (the similarity of the new text decides again).
    earlier = np.flatnonzero(stored_target >= 0)
    earlier = earlier[~changed[earlier] & ~changed[stored_target[earlier]]]
    edges_a.append(earlier)
    edges_b.append(stored_target[earlier])

    component = _components(np.concatenate(edges_a), np.concatenate(edges_b), total)
    members = np.flatnonzero(component >= 0)
    comp_open = np.bincount(component[members], weights=is_open[members], minlength=total) > 0
    members = members[comp_open[component[members]]]
    kept_of = np.full(total, -1, dtype=np.int64)
    if len(members):
        ranking = pa.table(
            {
                "component": component[members],
                "tier": tier[members],
                "published_at": nodes["published_at"].take(members),
                "length": nodes["length"].take(members),
                "id": nodes["id"].take(members),
            }
        )
        order = pc.sort_indices(
            ranking,
            sort_keys=[
                ("component", "ascending", "at_end"),
                ("tier", "ascending", "at_end"),
                ("published_at", "ascending", "at_end"),
                ("length", "descending", "at_end"),
                ("id", "ascending", "at_end"),
            ],
        ).to_numpy()
        ordered = members[order]
        comps = component[ordered]
        heads = np.flatnonzero(np.r_[True, comps[1:] != comps[:-1]])
        kept_of[comps[heads]] = ordered[heads]
        kept_of[members] = kept_of[component[members]]
    if (kept_of[members] >= n).any():  # an open row outranks every row not in this table
        raise AssertionError("a kept article must be a row of the table")

    # Open rows get their cluster's kept article; the others keep their earlier decision.
    rows = np.arange(n)
    open_rows = is_open[:n]
    new_dup = open_rows & (kept_of[:n] >= 0) & (kept_of[:n] != rows)
    target = kept_of[:n][new_dup]
    exact = key_valid[rows[new_dup]] & key_valid[target] & (key_values[rows[new_dup]] == key_values[target])
    computed_dup = pc.take(nodes["id"], pa.array(np.where(new_dup, kept_of[:n], 0), mask=~new_dup))
    kinds = np.full(n, None, dtype=object)
    kinds[rows[new_dup]] = np.where(exact, "exact", "near")
    computed_kind = pa.array(kinds, type=pa.string())
    duplicate_of = pc.if_else(pa.array(open_rows), computed_dup, current["duplicate_of"])
    kind = pc.if_else(pa.array(open_rows), computed_kind, current["duplicate_kind"])
    duplicate_of = (
        duplicate_of.combine_chunks() if isinstance(duplicate_of, pa.ChunkedArray) else duplicate_of
    )
    kind = kind.combine_chunks() if isinstance(kind, pa.ChunkedArray) else kind

    current = current.set_column(
        current.schema.get_field_index("duplicate_of"), "duplicate_of", duplicate_of
    ).set_column(current.schema.get_field_index("duplicate_kind"), "duplicate_kind", kind)
    clusters = _clusters(current, nodes)
    prior_only = _repoint_departed(prior_only, nodes, kept_of[n:], key_valid, key_values, n)
    del nodes
    ids = (
        pa.concat_arrays([_array(current["id"]), _array(prior_only["id"])])
        if prior_only.num_rows
        else _array(current["id"])
    )
    order = pc.sort_indices(ids).to_numpy()
    matrix, has = sigs.take(order), sigs.has[order]  # nodes are the table's rows, then prior_only's
    index = pa.concat_tables([current, prior_only]).take(pa.array(order)).combine_chunks()
    signature = pa.FixedSizeListArray.from_arrays(pa.array(matrix.ravel()), num_perm, mask=pa.array(~has))
    index = index.add_column(
        _index_schema(num_perm, shingle_words).get_field_index("signature"), signature_field, signature
    )
    index = index.replace_schema_metadata(_index_schema(num_perm, shingle_words).metadata)
    return DuplicateResult(duplicate_of, kind, clusters, index)


# The kept article's rank within a cluster (lower first): a kept article of an earlier release
# whose text is unchanged, then one corrected since, then the other articles of earlier releases
# that must be decided again, then new articles; rows that keep an earlier decision and rows only
# in an earlier release are never chosen (the latter are not in the release).
STABLE_KEPT, CORRECTED_KEPT, EARLIER, NEW, STAYS_DUPLICATE, GONE = range(6)


def _tiers(
    reseen: np.ndarray, corrected: np.ndarray, was_duplicate: np.ndarray, stored_target: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each node's rank for the kept article and whether it is decided in this run ("open").

    The first n nodes are the table's rows (n = len(reseen)), the rest only in the prior index.
    A row of an earlier release keeps its decision when its text is unchanged and it was kept,
    or it was a duplicate of an unchanged kept article that is still in the table; every other
    row of the table is open: new, corrected, or a duplicate whose kept article left or changed.
    """
    n, total = len(reseen), len(stored_target)
    target = stored_target[:n]
    stable_kept = reseen & ~corrected & ~was_duplicate
    in_table = (target >= 0) & (target < n)
    stays = reseen & ~corrected & was_duplicate & in_table
    stays[stays] = stable_kept[target[stays]]
    tier = np.full(total, GONE, dtype=np.int8)
    tier[:n] = np.select(
        [stable_kept, stays, ~reseen, corrected & ~was_duplicate],
        [STABLE_KEPT, STAYS_DUPLICATE, NEW, CORRECTED_KEPT],
        default=EARLIER,
    )
    is_open = np.zeros(total, dtype=bool)
    is_open[:n] = ~stable_kept & ~stays
    return tier, is_open


def _repoint_departed(
    prior_only: pa.Table,
    nodes: pa.Table,
    kept_of: np.ndarray,
    key_valid: np.ndarray,
    key_values: np.ndarray,
    n: int,
) -> pa.Table:
    """Index rows of articles not in the table that are in a cluster decided in this run, made
    duplicates of its kept article (`kept_of`: node position or -1 per prior-only row): an
    article that comes back later is then a copy of the one kept while it was away."""
    moved = kept_of >= 0
    if not moved.any():
        return prior_only
    rows = np.arange(n, n + len(kept_of))[moved]
    target = kept_of[moved]
    exact = key_valid[rows] & key_valid[target] & (key_values[rows] == key_values[target])
    kinds = np.full(len(kept_of), None, dtype=object)
    kinds[moved] = np.where(exact, "exact", "near")
    mask = pa.array(moved)
    new_target = pc.take(nodes["id"], pa.array(np.where(moved, kept_of, 0), mask=~moved))
    duplicate_of = pc.if_else(mask, new_target, prior_only["duplicate_of"])
    kind = pc.if_else(mask, pa.array(kinds, pa.string()), prior_only["duplicate_kind"])
    return prior_only.set_column(
        prior_only.schema.get_field_index("duplicate_of"), "duplicate_of", duplicate_of
    ).set_column(prior_only.schema.get_field_index("duplicate_kind"), "duplicate_kind", kind)


def _same_keys(a: pa.Array | pa.ChunkedArray, b: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Element-wise equality of two exact-key columns, a null equal to a null."""
    a_valid = pc.is_valid(a).to_numpy(zero_copy_only=False)
    b_valid = pc.is_valid(b).to_numpy(zero_copy_only=False)
    equal = pc.fill_null(pc.equal(a, b), False).to_numpy(zero_copy_only=False)
    return (a_valid == b_valid) & (equal | ~a_valid)


# What signature_index reads of an article_fields table.
SIGNATURE_INPUT = ["id", "source", "published_at", "body"]


def signature_index_of_file(path: str | Path) -> pa.Table:
    """`signature_index` of a Parquet file of articles, read here: on a pool worker, only the
    path and the index travel between processes, not the bodies."""
    return signature_index(storage.read_table(path, columns=SIGNATURE_INPUT))


def signature_index(table: pa.Table, *, num_perm: int = 128, shingle_words: int = 5) -> pa.Table:
    """The index rows of `table` (no duplicate decided yet): id, source, published_at, length,
    exact_key, signature (null for texts shorter than a shingle), duplicate_of, duplicate_kind."""
    ids = table["id"]
    if ids.null_count:
        raise ValueError("id must not be null")
    if pc.count_distinct(ids).as_py() != table.num_rows:
        raise ValueError("ids must be unique")
    n = table.num_rows
    sig = np.empty((n, num_perm), dtype=np.uint32)
    has = np.empty(n, dtype=bool)
    exact: list[int | None] = []
    # Rows in slices: the search keys (Python strings) of one slice at a time are alive.
    for start in range(0, n, ROW_BATCH):
        keys = [search_key(body) for body in table["body"].slice(start, ROW_BATCH).fill_null("").to_pylist()]
        exact += [key_hash(k) if k else None for k in keys]
        stop = start + len(keys)
        sig[start:stop], has[start:stop] = compute_signatures(
            keys, num_perm=num_perm, shingle_words=shingle_words
        )
    signature = pa.FixedSizeListArray.from_arrays(pa.array(sig.ravel()), num_perm, mask=pa.array(~has))
    published = (
        pc.cast(table["published_at"], TIMESTAMP)
        if "published_at" in table.column_names
        else pa.nulls(n, TIMESTAMP)
    )
    source = table["source"] if "source" in table.column_names else pa.nulls(n, pa.string())
    columns = {
        "id": pc.cast(ids, pa.string()),
        "source": pc.cast(source, pa.string()),
        "published_at": published,
        "length": pc.cast(pc.utf8_length(table["body"].fill_null("")), pa.int64()),
        "exact_key": pa.array(exact, pa.uint64()),
        "signature": signature,
        "duplicate_of": pa.nulls(n, pa.string()),
        "duplicate_kind": pa.nulls(n, pa.string()),
    }
    schema = _index_schema(num_perm, shingle_words)
    return pa.table({k: _chunked(v) for k, v in columns.items()}, schema=schema).combine_chunks()


def empty_index(*, num_perm: int = 128, shingle_words: int = 5) -> pa.Table:
    """A prior index with no article (the first release)."""
    return _index_schema(num_perm, shingle_words).empty_table()


def compute_signatures(
    keys: list[str], *, num_perm: int = 128, shingle_words: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures (n × num_perm uint32) of search keys, and which texts have one."""
    a, b = _permutations(num_perm)
    sig = np.full((len(keys), num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    has = np.zeros(len(keys), dtype=bool)
    for start, stop in _batches(keys):
        hashes, docs = _shingle_hashes(keys[start:stop], shingle_words)
        if not len(hashes):
            continue
        docs += start
        has[docs] = True
        mixed = _fmix32(hashes)
        for lo in range(0, len(mixed), SHINGLE_BLOCK):
            # permutations × shingles: the reduction runs along contiguous memory (~9x faster)
            block = a[:, None] * mixed[None, lo : lo + SHINGLE_BLOCK] + b[:, None]
            block_docs = docs[lo : lo + SHINGLE_BLOCK]
            heads = np.flatnonzero(np.r_[True, block_docs[1:] != block_docs[:-1]])
            rows = block_docs[heads]
            sig[rows] = np.minimum(sig[rows], np.minimum.reduceat(block, heads, axis=1).T)
    return sig, has


def shingle_hashes(text: str, shingle_words: int = 5) -> np.ndarray:
    """32-bit hashes of the word shingles of `search_key(text)` (one per position, repeats kept)."""
    return _shingle_hashes([search_key(text)], shingle_words)[0]


def _shingle_hashes(keys: list[str], shingle_words: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of a batch of search keys and the batch position of each one's text."""
    text = pa.array(keys, pa.large_string())
    # trimmed: a separator at either end would leave an empty word
    text = pc.utf8_trim_whitespace(pc.replace_substring_regex(text, pattern=_NOT_WORD, replacement=" "))
    words = pc.utf8_split_whitespace(text)
    word_offsets = words.offsets.to_numpy().astype(np.int64)
    word_offsets -= word_offsets[0]
    word = _word_hashes(words.values)
    count = len(word)
    m = count - shingle_words + 1
    if m <= 0:
        return np.empty(0, np.uint32), np.empty(0, np.int64)
    combined = word[:m].copy()
    for j in range(1, shingle_words):
        combined = combined * _SHINGLE_MULT + word[j : j + m]
    doc = np.repeat(np.arange(len(keys)), np.diff(word_offsets))[:m]
    valid = np.arange(m) + shingle_words <= word_offsets[1:][doc]
    return (_fmix64(combined[valid]) >> _U64(32)).astype(np.uint32), doc[valid]


def _word_hashes(words: pa.Array) -> np.ndarray:
    """64-bit hash of every string of a large_string array, from its UTF-8 bytes: a polynomial
    hash mod 2^64 computed for all words at once by prefix sums, plus the length, mixed."""
    if len(words) == 0:
        return np.empty(0, _U64)
    _, offsets_buf, data_buf = words.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[words.offset : words.offset + len(words) + 1]
    base, end = int(offsets[0]), int(offsets[-1])
    data = np.frombuffer(data_buf, dtype=np.uint8)[base:end].astype(_U64)
    powers = _powers(_BYTE_BASE, len(data))
    prefix = np.zeros(len(data) + 1, dtype=_U64)
    np.cumsum(data * powers[: len(data)], out=prefix[1:])
    starts, ends = offsets[:-1] - base, offsets[1:] - base
    poly = (prefix[ends] - prefix[starts]) * _powers(_BYTE_BASE_INV, len(data))[starts]
    return _fmix64(poly + (ends - starts).astype(_U64) * _LENGTH_MULT)


def _powers(base: int, count: int) -> np.ndarray:
    """base**i mod 2^64 for i in 0..count (wrapping uint64 products), cached per base."""
    cached = _POWERS.get(base)
    if cached is None or len(cached) <= count:
        size = max(count + 1, BATCH_BYTES)
        cached = np.full(size, _U64(base), dtype=_U64)
        cached[0] = 1
        cached = _POWERS[base] = np.cumprod(cached)
    return cached


_POWERS: dict[int, np.ndarray] = {}


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch's "affine32" scheme pre-mixes its input."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


@lru_cache(maxsize=8)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


@lru_cache(maxsize=32)
def _lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows per band that datasketch picks for the threshold (equal FP/FN weights)."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def _batches(keys: list[str]) -> list[tuple[int, int]]:
    out, start, size = [], 0, 0
    for i, key in enumerate(keys):
        size += len(key) * 2  # UTF-8 bytes of Arabic text, roughly
        if size >= BATCH_BYTES:
            out.append((start, i + 1))
            start, size = i + 1, 0
    if start < len(keys):
        out.append((start, len(keys)))
    return out


class _SignatureRows:
    """Signatures of the nodes: the table's rows, then the prior-only rows (not copied together)."""

    def __init__(self, current: tuple[np.ndarray, np.ndarray], prior: tuple[np.ndarray, np.ndarray]) -> None:
        self.current, has_current = current
        self.prior, has_prior = prior
        self.n = len(self.current)
        self.has = np.concatenate([has_current, has_prior])

    def take(self, nodes: np.ndarray, columns: slice = slice(None)) -> np.ndarray:
        in_current = nodes < self.n
        out = np.empty((len(nodes), self.current[:, columns].shape[1]), dtype=np.uint32)
        out[in_current] = self.current[nodes[in_current], columns]
        out[~in_current] = self.prior[nodes[~in_current] - self.n, columns]
        return out


def _signature_matrix(index: pa.Table, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """The signatures as one matrix (and which rows have one), filled chunk by chunk: combining
    the column's chunks first would hold a second copy of them all (500 MB at 1M articles)."""
    column = index["signature"]
    matrix = np.empty((len(column), num_perm), np.uint32)
    has = np.empty(len(column), dtype=bool)
    at = 0
    for chunk in column.chunks:
        k = len(chunk)
        if k:
            values = chunk.values.slice(chunk.offset * num_perm, k * num_perm).fill_null(0)
            matrix[at : at + k] = values.to_numpy().reshape(k, num_perm)
            has[at : at + k] = chunk.is_valid().to_numpy(zero_copy_only=False)
        at += k
    return matrix, has


def _candidate_pairs(
    sigs: _SignatureRows, reps: np.ndarray, bands: int, rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (positions in `reps`, i < j) sharing a bucket in at least one band."""
    codes = []
    for band in range(bands):
        values = sigs.take(reps, slice(band * rows, (band + 1) * rows)).astype(_U64)
        key = np.zeros(len(reps), dtype=_U64)
        for column in values.T:
            key = key * _BAND_MULT + column
        key = _fmix64(key)
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        same = sorted_key[1:] == sorted_key[:-1]
        if not same.any():
            continue
        group = np.cumsum(np.r_[True, ~same])
        group_end = np.r_[np.flatnonzero(~same) + 1, len(key)][group - 1]
        position = np.flatnonzero(np.r_[same, False] | np.r_[False, same])
        step = 1
        while len(position):
            position = position[position + step < group_end[position]]
            i, j = order[position], order[position + step]
            codes.append(np.minimum(i, j).astype(_U64) * _U64(len(reps)) + np.maximum(i, j).astype(_U64))
            step += 1
    if not codes:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pairs = np.unique(np.concatenate(codes))
    return (pairs // _U64(len(reps))).astype(np.int64), (pairs % _U64(len(reps))).astype(np.int64)


def _estimated_jaccard(sigs: _SignatureRows, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    out = np.empty(len(i), dtype=np.float64)
    for lo in range(0, len(i), PAIR_BLOCK):
        a = sigs.take(i[lo : lo + PAIR_BLOCK])
        b = sigs.take(j[lo : lo + PAIR_BLOCK])
        out[lo : lo + PAIR_BLOCK] = np.count_nonzero(a == b, axis=1) / a.shape[1]
    return out


def _components(a: np.ndarray, b: np.ndarray, total: int) -> np.ndarray:
    """Union-find over the edges: each node's component (its smallest node), -1 if it has no edge."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving
            x = parent[x]
        return x

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    component = np.full(total, -1, dtype=np.int64)
    for x in list(parent):
        component[x] = find(x)
    return component


def _clusters(current: pa.Table, nodes: pa.Table) -> pa.Table:
    dups = current.filter(pc.is_valid(current["duplicate_of"]))
    if dups.num_rows == 0:
        return pa.table(
            {
                "kept_id": pa.array([], pa.string()),
                "size": pa.array([], pa.int64()),
                "exact": pa.array([], pa.int64()),
                "near": pa.array([], pa.int64()),
                "kind": pa.array([], pa.string()),
                "kept_in_table": pa.array([], pa.bool_()),
                "sources": pa.array([], pa.list_(pa.string())),
            }
        )
    dups = dups.append_column("is_exact", pc.cast(pc.equal(dups["duplicate_kind"], "exact"), pa.int64()))
    copies = dups.group_by("duplicate_of", use_threads=False).aggregate(
        [([], "count_all"), ("is_exact", "sum"), ("source", "list")]
    )
    kept = copies["duplicate_of"]
    kept_source = pc.take(nodes["source"], pc.index_in(kept, value_set=nodes["id"]))
    size = pc.add(copies["count_all"], 1)
    exact_count = copies["is_exact_sum"]
    near = pc.subtract(copies["count_all"], exact_count)
    sources = [
        sorted({s for s in [ks, *ss] if s is not None})
        for ks, ss in zip(kept_source.to_pylist(), copies["source_list"].to_pylist(), strict=True)
    ]
    table = pa.table(
        {
            "kept_id": kept,
            "size": pc.cast(size, pa.int64()),
            "exact": pc.cast(exact_count, pa.int64()),
            "near": pc.cast(near, pa.int64()),
            "kind": pc.if_else(pc.equal(near, 0), "exact", "near"),
            "kept_in_table": pc.is_in(kept, value_set=current["id"]),
            "sources": pa.array(sources, pa.list_(pa.string())),
        }
    )
    return table.sort_by([("size", "descending"), ("kept_id", "ascending")])


def _index_schema(num_perm: int, shingle_words: int) -> pa.Schema:
    metadata = {"scheme": SCHEME, "seed": SEED, "num_perm": num_perm, "shingle_words": shingle_words}
    metadata["tokenizer"] = TOKENIZER
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("source", pa.string()),
            pa.field("published_at", TIMESTAMP),
            pa.field("length", pa.int64()),
            pa.field("exact_key", pa.uint64()),
            pa.field("signature", pa.list_(pa.uint32(), num_perm)),
            pa.field("duplicate_of", pa.string()),
            pa.field("duplicate_kind", pa.string()),
        ],
        metadata={INDEX_METADATA_KEY: json.dumps(metadata, sort_keys=True).encode()},
    )


def _check_index(index: pa.Table, *, num_perm: int, shingle_words: int) -> None:
    expected = _index_schema(num_perm, shingle_words)
    stored = (index.schema.metadata or {}).get(INDEX_METADATA_KEY)
    if stored != expected.metadata[INDEX_METADATA_KEY]:
        raise ValueError(
            f"prior index was made with other parameters: {stored!r}, "
            f"expected {expected.metadata[INDEX_METADATA_KEY]!r}"
        )
    if not index.schema.remove_metadata().equals(expected.remove_metadata()):
        raise ValueError(f"prior index schema differs from the expected one:\n{index.schema}")
    if pc.count_distinct(index["id"]).as_py() != index.num_rows:
        raise ValueError("prior index ids must be unique")
    targets = pc.drop_null(index["duplicate_of"])
    if pc.all(pc.is_in(targets, value_set=index["id"])).as_py() is False:
        raise ValueError("prior index: a duplicate_of points at an id that is not in the index")


def _chunked(values: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _index_params(index: pa.Table) -> tuple[int, int]:
    """(num_perm, shingle_words) an index was made with, from its schema metadata."""
    stored = (index.schema.metadata or {}).get(INDEX_METADATA_KEY)
    if stored is None:
        raise ValueError("not a signature index: no dedup metadata in its schema")
    params = json.loads(stored)
    return int(params["num_perm"]), int(params["shingle_words"])
