"""Entity tagging throughput on SaudiNewsNet article contents, on one core.

    .venv/bin/python benchmarks/bench_entities.py [--input PATH] [--limit N]

Times entity finding end to end (tokenization, features, both CRF passes, offsets and
proclitic stripping) over the `content` of the first N articles, two ways, each twice on a
fresh tagger (the first round starts with an empty form table, what a fresh worker sees; the
second reuses it): `find_entities` one article at a time (what the naive baseline calls),
and `EntityTagger.find_many` over batches of `--batch` articles (what the fields stage does
per chunk). Tokens
are the tagger's own tokens (words and punctuation marks). A tokenization-only pass is timed
as the baseline. Each pass is timed in wall-clock seconds and in CPU seconds of this process
(`time.process_time`); on a shared machine the CPU rate is the one to compare (the speed target
is 100k tokens per CPU-second, i.e. per core). Numbers go in notes, never in timed tests.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from akhbar.extract.entities import EntityTagger, default_tagger, find_entities, tokenize  # noqa: E402

DEFAULT_INPUT = REPO.parent / "shared" / "corpus" / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"


def read_contents(path: Path, limit: int) -> list[str]:
    texts = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if len(texts) >= limit:
                break
            content = json.loads(line).get("content") or ""
            if content:
                texts.append(content)
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--limit", type=int, default=5000, help="articles (default 5000)")
    parser.add_argument("--batch", type=int, default=1000, help="articles per find_many call (default 1000)")
    args = parser.parse_args()

    texts = read_contents(args.input, args.limit)
    mb = sum(len(t.encode()) for t in texts) / 1e6

    start = time.perf_counter()
    default_tagger()
    load = time.perf_counter() - start

    start, cpu = time.perf_counter(), time.process_time()
    n_tokens = sum(len(tokenize(t)) for t in texts)
    tok_seconds = (time.perf_counter() - start, time.process_time() - cpu)

    rounds = []
    labels: Counter[str] = Counter()
    for i in range(2):
        start, cpu = time.perf_counter(), time.process_time()
        found = [find_entities(t) for t in texts]
        rounds.append((time.perf_counter() - start, time.process_time() - cpu))
        if i == 0:
            labels.update(e.label for ents in found for e in ents)
    batched = EntityTagger()
    for _ in range(2):
        start, cpu = time.perf_counter(), time.process_time()
        in_batches = [
            e for i in range(0, len(texts), args.batch) for e in batched.find_many(texts[i : i + args.batch])
        ]
        rounds.append((time.perf_counter() - start, time.process_time() - cpu))
    if in_batches != found:
        raise SystemExit("find_many disagrees with find_entities")

    print(f"input: {args.input.name}: {len(texts)} articles, {n_tokens} tokens, {mb:.1f} MB")
    print(f"model load: {load:.2f} s")
    print(
        f"{'pass':<28}{'wall s':>8}{'tokens/s':>12}{'articles/s':>12}{'MB/s':>8}"
        f"{'CPU s':>8}{'tokens/CPU-s':>14}"
    )
    for name, (seconds, cpu_seconds) in (
        ("tokenize only (baseline)", tok_seconds),
        ("find_entities, cold cache", rounds[0]),
        ("find_entities, warm cache", rounds[1]),
        (f"find_many({args.batch}), cold", rounds[2]),
        (f"find_many({args.batch}), warm", rounds[3]),
    ):
        rates = f"{n_tokens / seconds:>12.0f}{len(texts) / seconds:>12.0f}{mb / seconds:>8.2f}"
        print(f"{name:<28}{seconds:>8.2f}{rates}{cpu_seconds:>8.2f}{n_tokens / cpu_seconds:>14.0f}")
    print("entities:", dict(labels.most_common()), f"({sum(labels.values()) / len(texts):.1f} per article)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
