"""Benchmark harness: akhbar end to end against a floor and a naive baseline, on one input.

    .venv/bin/python benchmarks/harness.py [--articles N] [--json FILE] [--naive-sample K] [--input PATH]
        [--articles-per-file M] [--scaling N1,N2,...]
    .venv/bin/akhbar bench [same options]   # a launcher of this script, from a source checkout only

This file is the command line and the report; the corpus generator is
benchmarks/corpus_generator.py, the parts and runs benchmarks/runs.py. Nothing the package
installs (akhbar/, assets/, pipelines/) imports any of them.

Parts, each in its own subprocess (so each part's peak RSS is its own, read with `os.wait4`):

- **floor**: polars reads the JSONL(.gz) file(s), one vectorized regex pass over the text column
  (`str.count_matches` of an Arabic letter class), a zstd Parquet write. What any pipeline pays
  to read and write the data once.
- **naive**: a per-row Python loop, as a first script would do it: `json.loads`, CAMeL Tools
  `normalize_unicode` + `dediac_ar`, dateparser `search_dates(text, languages=["ar"])` and
  akhbar's `find_entities` per article, on one process. Run on the first K articles only; the
  per-article cost is extrapolated to the whole input (the output says so).
- **akhbar**: the real `akhbar build` (the CLI's in-process Dagster `build_release` job) on a
  sources.yaml with one jsonl source (the file, or the generated corpus's folder), under a
  temporary data root and DAGSTER_HOME, timed as a whole; the per-step seconds come from the
  run's STEP_START / STEP_SUCCESS events in the instance's event log.

MB/s are always of the uncompressed input JSONL bytes (the same denominator for every part).
Peak RSS is the largest single process of the part's tree (`ru_maxrss` from `wait4`, which
takes the maximum over the child and its reaped descendants); `tree MB` is the peak of the sum
over the part's live process tree, sampled from /proc every 0.2 s (the extraction pool's
workers run beside the build process).

`--articles N` first generates an N-article corpus from the input (`generate_corpus`), laid
out as a daily scrape: one `YYYY-MM-DD.jsonl.gz` per day from 2015-01-01, `--articles-per-file`
articles each (default 5,000); every part reads all of them. The input articles are cycled; the
first cycle is the articles as they are, each later copy gets a new id and url (`?v=<cycle>`)
and edits seeded by its index only (the same N gives byte-identical files): a sentence edit
(two adjacent sentences swapped, one dropped or a short sentence inserted), about one word in
ten of its text and one word per eight of its title replaced by a word of the same kind (with
or without ال) among the most frequent words of the input itself. A copy's 5-word-shingle
Jaccard to its original is ~0.3 (0.13-0.39 on a sample of SaudiNewsNet) and ~0.14 to another
copy of the same original, well under the dedup threshold 0.8, so copies count as distinct
articles and a large corpus is not mostly near duplicates (100k generated: 2.0% duplicates by
`akhbar.dedup.find_duplicates`, all but 2 of them among the 26k originals themselves).
Written streaming, one record in memory at a time (1M articles: 3.4 GB of JSON, 1.3 GB gzip,
~3-4.5 min on 2 cores). Without `--articles`, the input file is read as it is.

`--scaling 26k,100k,1M` runs the akhbar part alone on a generated corpus of each size and
reports seconds, articles/s and peak RSS per size and the ratio of seconds per article between
the largest and the smallest size (1.0: linear).

Targets (reported, never tested): akhbar at least 10x the naive baseline's articles/s, and at
most 15x slower than the floor.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: benchmarks.* from the checkout

from benchmarks.corpus_generator import DEFAULT_ARTICLES_PER_FILE, FIRST_DAY  # noqa: E402
from benchmarks.runs import (  # noqa: E402
    DEFAULT_INPUT,
    DEFAULT_NAIVE_SAMPLE,
    _rate,
    run_benchmark,
    run_scaling,
)


def format_report(result: dict[str, Any]) -> str:
    inp, parts, ratios = result["input"], result["parts"], result["ratios"]
    floor, naive, akhbar = parts["floor"], parts["naive"], parts["akhbar"]
    lines = [f"input: {inp['path']}: {inp['articles']:,} articles, {inp['mb']:.1f} MB uncompressed JSONL"]
    if result.get("generated"):
        gen = result["generated"]
        lines.append(
            f"generated from {inp['source']} in {gen['seconds']:.1f} s ({gen['cycles']} cycles, "
            "copies with new ids/urls, sentence and word edits); "
            f"{gen['files']} daily files of {gen['articles_per_file']:,} articles "
            f"({gen['first_file']} .. {gen['last_file']}, {gen['compressed_mb']:.1f} MB gzip)"
        )
    header = f"{'part':<46}{'seconds':>10}{'articles/s':>12}{'MB/s':>9}{'CPU s':>9}"
    header += f"{'peak RSS MB':>13}{'tree MB':>9}"
    lines += [header, "-" * len(header)]

    def row(name: str, seconds: float, rate: dict, part: dict | None = None) -> None:
        extra = (
            f"{part['cpu_seconds']:>9.1f}{part['peak_rss_mb']:>13.0f}{part['peak_tree_rss_mb']:>9.0f}"
            if part
            else ""
        )
        lines.append(
            f"{name:<46}{seconds:>10.2f}{rate['articles_per_s']:>12.0f}{rate['mb_per_s']:>9.2f}{extra}".rstrip()
        )

    n, mb = inp["articles"], inp["mb"]
    row("floor (polars)", floor["seconds"], floor, floor)
    for step, seconds in floor["steps"].items():
        row(f"  {step}", seconds, _rate(n, mb, seconds))
    label = "naive (extrapolated)" if naive["extrapolated"] else "naive"
    row(label, naive["seconds"], naive)
    sample_rate = _rate(naive["sample_articles"], naive["sample_mb"], naive["sample_seconds"])
    row(f"  measured on {naive['sample_articles']:,} articles", naive["sample_seconds"], sample_rate, naive)
    row("akhbar build (end to end)", akhbar["seconds"], akhbar, akhbar)
    for stage in akhbar["stages"]:
        row(f"  {stage['step']}", stage["seconds"], stage)
    step_sum = sum(s["seconds"] for s in akhbar["stages"])
    row(
        "  (outside steps: imports, run setup)",
        akhbar["seconds"] - step_sum,
        _rate(n, mb, akhbar["seconds"] - step_sum),
    )
    if naive["extrapolated"]:
        lines.append(
            f"naive: measured on the first {naive['sample_articles']:,} articles "
            f"({naive['sample_seconds']:.2f} s), per-article cost extrapolated to {n:,}"
        )
    if akhbar.get("release_rows"):
        rows = akhbar["release_rows"]
        lines.append(
            "akhbar release: "
            + ", ".join(f"{k} {v:,}" for k, v in rows.items() if isinstance(v, int))
            + f"; exit code {akhbar['exit_code']}"
        )
    lines.append(
        f"akhbar vs naive: {ratios['akhbar_vs_naive_speedup']:.1f}x faster "
        f"(target >= {ratios['target_speedup']:.0f}x: {'met' if ratios['speedup_target_met'] else 'NOT met'})"
    )
    met = "met" if ratios["slowdown_target_met"] else "NOT met"
    lines.append(
        f"akhbar vs floor: {ratios['akhbar_vs_floor_slowdown']:.1f}x slower "
        f"(target <= {ratios['target_slowdown']:.0f}x: {met})"
    )
    lines.append(
        f"machine: {result['machine']['cpus']} CPUs, Python {result['machine']['python']}; "
        "naive runs on one process, akhbar's extraction on every core"
    )
    return "\n".join(lines)


def parse_sizes(text: str) -> list[int]:
    """'26368,100k,1M' -> [26368, 100000, 1000000] (k = 1,000, M = 1,000,000)."""
    sizes = []
    for item in text.replace("_", "").split(","):
        item = item.strip()
        mult = {"k": 1_000, "m": 1_000_000}.get(item[-1:].lower(), 1)
        try:
            size = int(item[:-1] if mult > 1 else item) * mult
        except ValueError:
            raise ValueError(f"--scaling: {item!r} is not a size like 50000, 100k or 1M") from None
        if size < 1:
            raise ValueError(f"--scaling: sizes must be >= 1, got {item!r}")
        sizes.append(size)
    return sorted(set(sizes))


def format_scaling(result: dict[str, Any]) -> str:
    header = f"{'articles':>10}{'MB':>9}{'seconds':>10}{'in steps':>10}{'articles/s':>12}"
    header += f"{'CPU s':>9}{'peak RSS MB':>13}{'tree MB':>9}{'exit':>6}"
    lines = [f"akhbar build scaling on corpora generated from {result['input']['source']}", header]
    lines.append("-" * len(header))
    for run in result["runs"]:
        lines.append(
            f"{run['articles']:>10,}{run['mb']:>9.1f}{run['seconds']:>10.1f}{run['step_seconds']:>10.1f}"
            f"{run['articles_per_s']:>12.0f}{run['cpu_seconds']:>9.1f}{run['peak_rss_mb']:>13.0f}"
            f"{run['peak_tree_rss_mb']:>9.0f}{run['exit_code']:>6}"
        )
    small, large = result["runs"][0], result["runs"][-1]
    if len(result["runs"]) > 1:
        steps = result["step_seconds_per_article_ratio"]
        lines.append(
            f"seconds per article at {large['articles']:,} / at {small['articles']:,}: "
            f"{result['seconds_per_article_ratio']:.2f} end to end"
            + (f", {steps:.2f} in the steps" if steps is not None else "")
            + " (1.0: linear; the fixed start-up cost makes small sizes look slower)"
        )
    lines.append(f"machine: {result['machine']['cpus']} CPUs, Python {result['machine']['python']}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input",
        metavar="PATH",
        default=str(DEFAULT_INPUT),
        help="a JSONL(.gz) file (default: SaudiNewsNet)",
    )
    parser.add_argument(
        "--articles", type=int, metavar="N", help="generate an N-article corpus from the input first"
    )
    parser.add_argument(
        "--articles-per-file",
        type=int,
        default=DEFAULT_ARTICLES_PER_FILE,
        metavar="M",
        help="articles per daily file of a generated corpus "
        f"(YYYY-MM-DD.jsonl.gz from {FIRST_DAY}; default {DEFAULT_ARTICLES_PER_FILE:,})",
    )
    parser.add_argument(
        "--scaling",
        metavar="N1,N2,...",
        help="instead of the three parts: only the akhbar build on a generated corpus of each "
        "size (e.g. 26k,100k,1M), with seconds, articles/s, peak RSS and the linearity ratio",
    )
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=DEFAULT_NAIVE_SAMPLE,
        metavar="K",
        help=f"articles the naive baseline runs on, extrapolated (default {DEFAULT_NAIVE_SAMPLE})",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--workdir", metavar="DIR", help="keep the work files here (default: a temp folder)")


def run_cli(args: argparse.Namespace) -> int:
    # `akhbar bench` (pipelines/cli.py) declares its own options: the newer ones may be absent.
    per_file = getattr(args, "articles_per_file", None) or DEFAULT_ARTICLES_PER_FILE
    scaling = getattr(args, "scaling", None)
    workdir = Path(args.workdir) if args.workdir else None
    try:
        if scaling:
            result = run_scaling(
                Path(args.input), parse_sizes(scaling), articles_per_file=per_file, workdir=workdir
            )
            report, ok = format_scaling(result), all(r["exit_code"] == 0 for r in result["runs"])
        else:
            result = run_benchmark(
                Path(args.input),
                articles=args.articles,
                articles_per_file=per_file,
                naive_sample=args.naive_sample,
                workdir=workdir,
            )
            report, ok = format_report(result), result["parts"]["akhbar"]["exit_code"] == 0
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"akhbar bench: {exc}", file=sys.stderr)
        return 1
    print(report)
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        print(f"results written to {args.json}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    return run_cli(parser.parse_args(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
