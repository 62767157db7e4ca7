"""Exact and near duplicates on SaudiNewsNet (akhbar.dedup), one process.

    .venv/bin/python benchmarks/bench_dedup.py [--input GLOB] [--threshold 0.8] [--top 15] [--datasketch]

Reads the JSONL dumps (fields id, source, date_extracted, title, content), builds the table
find_duplicates takes (body = clean_text(content), published_at = date_extracted read as UTC)
and prints rows, exact and near duplicates, the cluster size distribution, the largest clusters
with their ids and sources (never text), wall and CPU seconds and the peak RSS.
`--datasketch` also times the library path it was measured against: datasketch's
`MinHash.bulk` (SHA-1 of each shingle string) and `MinHashLSH`, on the same shingles, and
compares its verified near pairs with the vectorized ones.
"""

from __future__ import annotations

import argparse
import collections
import glob
import gzip
import json
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from akhbar.dedup import _lsh_params, compute_signatures, find_duplicates
from akhbar.normalize import clean_text, search_key

DEFAULT_INPUT = str(Path(__file__).resolve().parents[2] / "shared" / "corpus" / "saudinewsnet" / "*.jsonl.gz")


def load(pattern: str) -> pa.Table:
    """SaudiNewsNet records as the table find_duplicates takes (built in slices of 2,000 records,
    so that Python objects do not set the peak RSS)."""
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("source", pa.string()),
            ("published_at", pa.timestamp("us", tz="UTC")),
            ("title", pa.string()),
            ("body", pa.string()),
        ]
    )
    parts, rows = [], []
    for path in sorted(glob.glob(pattern)):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                date = record.get("date_extracted")
                rows.append(
                    {
                        "id": f"{record['source']}/{record['id']}",
                        "source": record["source"],
                        "published_at": (
                            datetime.strptime(date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) if date else None
                        ),
                        "title": record.get("title") or "",
                        "body": clean_text(record.get("content") or ""),
                    }
                )
                if len(rows) == 2_000:
                    parts.append(pa.Table.from_pylist(rows, schema=schema))
                    rows = []
    parts.append(pa.Table.from_pylist(rows, schema=schema))
    return pa.concat_tables(parts).combine_chunks()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, func, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    value = func(*args, **kwargs)
    print(f"{label}: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU")
    return value


def words_of(keys: list[str]) -> list[list[str]]:
    """The words find_duplicates shingles (one pyarrow call, outside the timings)."""
    import akhbar.dedup as dedup

    text = pc.replace_substring_regex(
        pa.array(keys, pa.large_string()), pattern=dedup._NOT_WORD, replacement=" "
    )
    return pc.utf8_split_whitespace(pc.utf8_trim_whitespace(text)).to_pylist()


def shingle_sets(words: list[list[str]], shingle_words: int) -> list[set[bytes]]:
    return [
        {" ".join(w[i : i + shingle_words]).encode() for i in range(len(w) - shingle_words + 1)}
        for w in words
    ]


def datasketch_pairs(
    words: list[list[str]], shingle_words: int, threshold: float, num_perm: int
) -> set[tuple[int, int]]:
    """Verified near pairs (text positions) with datasketch's own hashing, MinHash and LSH."""
    from datasketch import MinHash, MinHashLSH

    import akhbar.dedup as dedup

    positions = [i for i, w in enumerate(words) if len(w) >= shingle_words]
    docs = shingle_sets([words[i] for i in positions], shingle_words)
    minhashes = MinHash.bulk(docs, num_perm=num_perm, seed=dedup.SEED)
    lsh = MinHashLSH(num_perm=num_perm, params=_lsh_params(threshold, num_perm))
    for slot, minhash in enumerate(minhashes):
        lsh.insert(slot, minhash)
    pairs = set()
    for slot, minhash in enumerate(minhashes):
        for other in lsh.query(minhash):
            if other > slot and minhash.jaccard(minhashes[other]) >= threshold:
                pairs.add((positions[slot], positions[other]))
    return pairs


def true_jaccard(words: list[list[str]], pairs: set[tuple[int, int]], shingle_words: int) -> str:
    values = []
    for i, j in pairs:
        a, b = shingle_sets([words[i], words[j]], shingle_words)
        values.append(len(a & b) / len(a | b))
    if not values:
        return "-"
    q = np.quantile(values, [0.0, 0.1, 0.5, 0.9, 1.0])
    return "min {:.2f} p10 {:.2f} median {:.2f} p90 {:.2f} max {:.2f}".format(*q)


def vectorized_pairs(
    keys: list[str], shingle_words: int, threshold: float, num_perm: int
) -> set[tuple[int, int]]:
    """All pairs of texts with a signature whose estimated Jaccard is >= threshold, by LSH."""
    import akhbar.dedup as dedup

    sig, has = compute_signatures(keys, num_perm=num_perm, shingle_words=shingle_words)
    table = pa.table(
        {"signature": pa.FixedSizeListArray.from_arrays(pa.array(sig.ravel()), num_perm, mask=pa.array(~has))}
    )
    rows = dedup._SignatureRows(table, table.slice(0, 0), num_perm)
    reps = np.flatnonzero(has)
    i, j = dedup._candidate_pairs(rows, reps, *_lsh_params(threshold, num_perm))
    i, j = reps[i], reps[j]
    ok = dedup._estimated_jaccard(rows, i, j) >= threshold
    return {(int(a), int(b)) for a, b in zip(i[ok], j[ok], strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", default=DEFAULT_INPUT)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--shingle-words", type=int, default=5)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--datasketch", action="store_true", help="also time the datasketch path")
    args = parser.parse_args()

    table = timed("load + clean_text", load, args.input)
    print(f"peak RSS after loading: {peak_rss_mb():.0f} MB (table {table.nbytes / 1e6:.0f} MB)")
    wall, cpu = time.perf_counter(), time.process_time()
    result = find_duplicates(
        table, threshold=args.threshold, num_perm=args.num_perm, shingle_words=args.shingle_words
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    clusters = result.clusters
    print(f"input: {args.input}")
    print(f"rows: {table.num_rows}")
    print(f"find_duplicates: {wall:.2f} s wall, {cpu:.2f} s CPU ({table.num_rows / wall:.0f} articles/s)")
    print(f"exact duplicates: {result.exact_duplicates}")
    print(f"near duplicates: {result.near_duplicates}")
    print(f"clusters: {clusters.num_rows} (exact-only {pc.sum(pc.equal(clusters['kind'], 'exact'))})")
    sizes = collections.Counter(clusters["size"].to_pylist())
    print("cluster sizes: " + ", ".join(f"{size}: {count}" for size, count in sorted(sizes.items())))
    multi_source = sum(len(s) > 1 for s in clusters["sources"].to_pylist())
    print(f"clusters spanning several sources: {multi_source}")
    print(f"top {args.top} clusters (kept id, size, exact/near, sources):")
    ids = table["id"].to_pylist()
    members = collections.defaultdict(list)
    for row_id, target in zip(ids, result.duplicate_of.to_pylist(), strict=True):
        if target is not None:
            members[target].append(f"{row_id}")
    for row in clusters.slice(0, args.top).to_pylist():
        print(
            f"  {row['kept_id']}  size {row['size']}  exact {row['exact']} near {row['near']}  "
            f"sources {','.join(row['sources'])}  copies {' '.join(sorted(members[row['kept_id']])[:6])}"
        )
    pairs = collections.Counter(
        tuple(sorted(s)) for s in clusters["sources"].to_pylist() if len(s) > 1 and len(s) <= 3
    )
    print(
        "most frequent source combinations: "
        + "; ".join(f"{'+'.join(k)}: {v}" for k, v in pairs.most_common(8))
    )

    if args.datasketch:
        keys = [search_key(body) for body in table["body"].to_pylist()]
        words = words_of(keys)
        params = (args.shingle_words, args.threshold, args.num_perm)
        ours = timed("vectorized: signatures + LSH + verification", vectorized_pairs, keys, *params)
        theirs = timed(
            "datasketch: MinHash.bulk + MinHashLSH + verification", datasketch_pairs, words, *params
        )
        both, only_ours, only_theirs = ours & theirs, ours - theirs, theirs - ours
        print(
            f"verified near pairs: vectorized {len(ours)}, datasketch {len(theirs)}, both {len(both)}, "
            f"only vectorized {len(only_ours)}, only datasketch {len(only_theirs)}"
        )
        print(f"true shingle Jaccard, pairs found by both: {true_jaccard(words, both, args.shingle_words)}")
        print(f"  only vectorized: {true_jaccard(words, only_ours, args.shingle_words)}")
        print(f"  only datasketch: {true_jaccard(words, only_theirs, args.shingle_words)}")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
