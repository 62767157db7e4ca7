"""Per-stage throughput of the pure library stages on a shared-corpus file.

    .venv/bin/python benchmarks/bench_stages.py [--input PATH] [--workers 1,2]

Reports articles/s and MB/s (of raw article bytes) for ingestion, normalization and field
extraction, and the peak RSS of the process. Field extraction (per-article Python: quotes,
dates, entities) runs once per `--workers` value, so the spread over processes is measured
side by side on the same table. Numbers go in notes, never in timed tests.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from akhbar.ingest import SourceConfig, read_sources
from akhbar.runner import extract_fields, normalize_articles

DEFAULT_INPUT = (
    Path(__file__).resolve().parents[2] / "shared" / "corpus" / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", default=str(DEFAULT_INPUT))
    parser.add_argument("--workers", default="1,2", help="extraction processes to compare (default 1,2)")
    args = parser.parse_args()

    timings: list[tuple[str, float]] = []
    start = time.perf_counter()
    batch = read_sources([SourceConfig("bench", args.input, "jsonl")])
    timings.append(("ingest", time.perf_counter() - start))
    raw_mb = sum(batch.articles["size_bytes"].to_pylist()) / 1e6
    n = batch.articles.num_rows

    start = time.perf_counter()
    normalized = normalize_articles(batch.articles)
    timings.append(("normalize", time.perf_counter() - start))

    outputs = []
    for workers in (int(w) for w in args.workers.split(",")):
        start = time.perf_counter()
        outputs.append(extract_fields(normalized, workers=workers))
        timings.append((f"extract x{workers}", time.perf_counter() - start))
    assert all(o.equals(outputs[0]) for o in outputs), "extraction differs with the number of workers"

    print(f"input: {args.input}: {n} articles, {raw_mb:.1f} MB raw")
    print(f"{'stage':<16}{'seconds':>10}{'articles/s':>14}{'MB/s':>10}")
    for stage, seconds in timings:
        print(f"{stage:<16}{seconds:>10.2f}{n / seconds:>14.0f}{raw_mb / seconds:>10.1f}")
    best = min(s for name, s in timings if name.startswith("extract"))
    total = timings[0][1] + timings[1][1] + best
    print(f"{'total (best)':<16}{total:>10.2f}{n / total:>14.0f}{raw_mb / total:>10.1f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
