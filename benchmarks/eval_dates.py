"""Precision / recall of `akhbar.extract.dates.find_dates` against the gold that exists.

    .venv/bin/python benchmarks/eval_dates.py [--errors] [--speed]

The gold sets and their matching live in the runtime, `akhbar/evaluation_dates.py` (also what
`akhbar evaluate` scores dates with): the TIMEX3 silver set (every DATE, and the *explicit*
ones) under `../shared/corpus/timeml_silver/Corpus_test`, and the hand-labelled set
`akhbar/resources/gold/date_labels.json` (offsets and values only: 10 "dev" articles read while
the extractor was written, 10 "heldout" ones labelled afterwards). This script prints every set
with span overlap and with span + same value, and with `--errors` the misses in context.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from akhbar.evaluation_dates import (  # noqa: E402
    SILVER_REFERENCE,
    Gold,
    Score,
    is_explicit,
    labelled_docs,
    score,
    silver_docs,
    value_of,
    values_agree,
)
from akhbar.extract.dates import DateMention, find_dates  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"


def print_errors(name: str, docs: list[tuple[str, str, list[Gold], list[DateMention]]]) -> None:
    """False positives and misses in context, for development (printed, never stored)."""
    print(f"\n--- {name}: errors ---")
    for doc, text, golds, mentions in docs:
        for m in mentions:
            if not any(g.overlaps(m) and values_agree(g.value, m) for g in golds):
                near = [g.value for g in golds if g.overlaps(m)]
                print(f"{doc} FP {value_of(m)} gold={near} …{text[max(0, m.start - 30) : m.end + 20]}…")
        for g in golds:
            if not any(g.overlaps(m) for m in mentions):
                print(f"{doc} FN {g.value} …{text[max(0, g.start - 30) : g.end + 20]}…")


def print_table(scores: list[Score]) -> None:
    print(f"{'gold set':<44}{'gold':>6}{'pred':>6}{'P':>8}{'R':>8}{'F1':>8}")
    for s in scores:
        print(f"{s.name:<44}{s.gold:>6}{s.predicted:>6}{s.precision:>8.3f}{s.recall:>8.3f}{s.f1:>8.3f}")


def speed() -> None:
    """Throughput on the Al Mayadeen bodies and the first 5,000 SaudiNewsNet articles."""
    texts = [
        json.loads(line).get("text") or ""
        for line in (CORPUS / "almayadeen/almayadeen_2024-04.jsonl").open(encoding="utf-8")
    ]
    with gzip.open(CORPUS / "saudinewsnet/saudinewsnet_dev.jsonl.gz", "rt", encoding="utf-8") as fh:
        texts += [json.loads(line).get("content") or "" for _, line in zip(range(5000), fh, strict=False)]
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    start = time.perf_counter()
    found = sum(len(find_dates(t, SILVER_REFERENCE)) for t in texts)
    seconds = time.perf_counter() - start
    rate = megabytes / seconds
    print(
        f"\nspeed: {len(texts)} articles, {megabytes:.1f} MB in {seconds:.2f} s = {rate:.1f} MB/s, ", end=""
    )
    print(f"{len(texts) / seconds:.0f} articles/s, {found} dates")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--errors", action="store_true", help="print false positives and misses in context")
    parser.add_argument("--speed", action="store_true", help="also measure throughput")
    args = parser.parse_args()

    silver = list(silver_docs(CORPUS))
    explicit = [(d, t, [g for g in gs if is_explicit(t, g)], ms) for d, t, gs, ms in silver]
    dev, heldout = list(labelled_docs("dev", CORPUS)), list(labelled_docs("heldout", CORPUS))
    sets = [
        ("TIMEX3 silver, all DATE", silver),
        ("TIMEX3 silver, explicit DATE", explicit),
        ("hand-labelled dev (10 articles)", dev),
        ("hand-labelled held-out (10 articles)", heldout),
        ("hand-labelled, all (20 articles)", dev + heldout),
    ]
    for with_value in (False, True):
        print(f"\n{'span overlap + same value' if with_value else 'span overlap'}:")
        print_table([score(name, [(t, g, m) for _, t, g, m in docs], with_value) for name, docs in sets])
    if args.errors:
        print_errors("TIMEX3 silver, explicit DATE", explicit)
        print_errors("hand-labelled", dev + heldout)
    if args.speed:
        speed()


if __name__ == "__main__":
    main()
