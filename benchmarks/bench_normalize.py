"""Throughput of text normalization and chrome removal, next to CAMeL Tools, in one process.

    .venv/bin/python benchmarks/bench_normalize.py [--input PATH] [--field content]
        [--limit N] [--repeat 3] [--json PATH|-]

Times, on the articles of a shared-corpus JSONL(.gz) file (default: the 26k SaudiNewsNet
articles, field "content"):

- `clean_text` and `search_key` (akhbar.normalize);
- chrome removal, `akhbar.boilerplate.segment`, on the already cleaned text;
- the baseline: CAMeL Tools' `normalize_unicode` + `dediac_ar` chain, in the same run.

MB/s are of the input articles' UTF-8 bytes (the same for every row, so rows compare). The
"per core" figure uses the process's CPU time, which other processes on the machine do not
inflate; wall-clock MB/s are shown beside it. Each row is the best of --repeat runs.
The goal for normalization is at least 50 MB/s per core; numbers go in notes, never in
timed tests.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from camel_tools import __version__ as camel_version
from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import normalize_unicode

from akhbar.boilerplate import segment
from akhbar.normalize import clean_text, search_key

DEFAULT_INPUT = (
    Path(__file__).resolve().parents[2] / "shared" / "corpus" / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"
)
GOAL_MB_S = 50.0


def read_texts(path: Path, field: str, limit: int | None) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    texts: list[str] = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            value = json.loads(line).get(field)
            if isinstance(value, str) and value:
                texts.append(value)
                if limit is not None and len(texts) >= limit:
                    break
    return texts


def best_time(fn: Callable[[str], object], texts: list[str], repeat: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of the fastest of `repeat` passes over the texts."""
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        for text in texts:
            fn(text)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return best_cpu, best_wall


def camel_chain(text: str) -> str:
    return dediac_ar(normalize_unicode(text))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--field", default="content", help="JSON field holding the article text")
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--repeat", type=int, default=3, help="passes per row; the best one counts")
    parser.add_argument(
        "--json", dest="json_out", default=None, help="also write the results as JSON (- for stdout)"
    )
    args = parser.parse_args()

    texts = read_texts(args.input, args.field, args.limit)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    cleaned = [clean_text(t) for t in texts]  # segment's input, prepared outside its timing

    rows = []
    for name, fn, data in [
        ("clean_text", clean_text, texts),
        ("search_key", search_key, texts),
        ("chrome removal (segment)", segment, cleaned),
        ("CAMeL normalize_unicode+dediac_ar", camel_chain, texts),
    ]:
        cpu, wall = best_time(fn, data, args.repeat)
        rows.append(
            {
                "name": name,
                "cpu_seconds": round(cpu, 3),
                "mb_per_s_per_core": round(mb / cpu, 1),
                "mb_per_s_wall": round(mb / wall, 1),
                "articles_per_s": round(len(texts) / cpu),
            }
        )

    print(f"input: {args.input} [{args.field}]: {len(texts)} articles, {mb:.1f} MB (UTF-8)")
    print(
        f"python {platform.python_version()}, camel-tools {camel_version}, best of {args.repeat}, one process"
    )
    print(f"{'':<36}{'CPU s':>8}{'MB/s/core':>11}{'MB/s wall':>11}{'articles/s':>12}")
    for row in rows:
        print(
            f"{row['name']:<36}{row['cpu_seconds']:>8.2f}{row['mb_per_s_per_core']:>11.1f}"
            f"{row['mb_per_s_wall']:>11.1f}{row['articles_per_s']:>12}"
        )
    slowest = min(row["mb_per_s_per_core"] for row in rows[:2])
    verdict = "met" if slowest >= GOAL_MB_S else "NOT met"
    print(f"goal >= {GOAL_MB_S:.0f} MB/s per core for clean_text and search_key: {verdict}")

    if args.json_out:
        report = {
            "input": str(args.input),
            "field": args.field,
            "articles": len(texts),
            "megabytes": round(mb, 3),
            "repeat": args.repeat,
            "python": platform.python_version(),
            "camel_tools": camel_version,
            "goal_mb_per_s_per_core": GOAL_MB_S,
            "rows": rows,
        }
        payload = json.dumps(report, ensure_ascii=False, indent=2)
        if args.json_out == "-":
            sys.stdout.write(payload + "\n")
        else:
            Path(args.json_out).write_text(payload + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
