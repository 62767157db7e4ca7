"""Benchmark harness: akhbar end to end against a floor and a naive baseline, on one input.

    .venv/bin/akhbar bench [--articles N] [--json FILE] [--naive-sample K] [--input PATH]
    .venv/bin/python benchmarks/harness.py [same options]

Parts, each in its own subprocess (so each part's peak RSS is its own, read with `os.wait4`):

- **floor**: polars reads the JSONL(.gz), one vectorized regex pass over the text column
  (`str.count_matches` of an Arabic letter class), a zstd Parquet write. What any pipeline pays
  to read and write the data once.
- **naive**: a per-row Python loop, as a first script would do it: `json.loads`, CAMeL Tools
  `normalize_unicode` + `dediac_ar`, dateparser `search_dates(text, languages=["ar"])` and
  akhbar's `find_entities` per article, on one process. Run on the first K articles only; the
  per-article cost is extrapolated to the whole input (the output says so).
- **akhbar**: the real `akhbar build` (the CLI's in-process Dagster `build_release` job) on a
  sources.yaml with one jsonl source, under a temporary data root and DAGSTER_HOME, timed as a
  whole; the per-step seconds come from the run's STEP_START / STEP_SUCCESS events in the
  instance's event log.

MB/s are always of the uncompressed input JSONL bytes (the same denominator for every part).
Peak RSS is the largest single process of the part's tree (`ru_maxrss` from `wait4`, which
takes the maximum over the child and its reaped descendants); `tree MB` is the peak of the sum
over the part's live process tree, sampled from /proc every 0.2 s (the extraction pool's
workers run beside the build process).

`--articles N` first generates an N-article corpus from the input (`generate_corpus`): the
input articles cycled, each copy after the first cycle with a new id and url (`?v=<cycle>`)
and a small edit seeded by its index (two adjacent sentences swapped, one dropped or a short
sentence inserted), written streaming as JSONL.gz. Targets (reported, never tested): akhbar
at least 10x the naive baseline's articles/s, and at most 15x slower than the floor.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
REPO = HERE.parents[1]
DEFAULT_INPUT = REPO.parent / "shared" / "corpus" / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"
TEXT_FIELDS = ("content", "text", "body")  # the text field of the input, first one present
TARGET_SPEEDUP_VS_NAIVE = 10.0
TARGET_SLOWDOWN_VS_FLOOR = 15.0
DEFAULT_NAIVE_SAMPLE = 2_000

Progress = Callable[[str], None]


def _progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- corpus generation -------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?؟])(\s+)")
_INSERTS = (
    "وأضاف المصدر أن التفاصيل ستعلن لاحقا.",
    "ولم يصدر أي تعليق رسمي حتى الآن.",
    "وتابعت الصحيفة تطورات الموضوع.",
    "وذلك بحسب ما أفادت به مصادر مطلعة.",
    "ومن المتوقع أن تتضح الصورة خلال الأيام المقبلة.",
)


def edit_text(text: str, k: int) -> str:
    """A small deterministic edit of `text` seeded by `k`: two adjacent sentences swapped, one
    sentence dropped, or a short sentence inserted. Never returns `text` unchanged."""
    rng = random.Random(k)
    parts = _SENTENCE_END.split(text)  # sentence, separator, sentence, ...
    sentences = len(parts[::2])
    op = rng.randrange(3)
    if op == 0 and sentences >= 2:
        i = 2 * rng.randrange(sentences - 1)
        parts[i], parts[i + 2] = parts[i + 2], parts[i]
    elif op == 1 and sentences >= 4:
        i = 2 * rng.randrange(1, sentences - 1)  # never the first or the last sentence
        del parts[i : i + 2]
    else:
        i = 2 * rng.randrange(sentences)
        parts[i] = f"{rng.choice(_INSERTS)} {parts[i]}"
    edited = "".join(parts)
    return edited if edited != text else f"{text} {_INSERTS[k % len(_INSERTS)]}"


def _open_lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield line


def _text_field(record: dict) -> str | None:
    return next((f for f in TEXT_FIELDS if isinstance(record.get(f), str)), None)


def generate_corpus(
    source: Path, out_dir: Path, n: int, *, source_limit: int | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Write `n` articles to `out_dir/corpus_<n>.jsonl.gz`, cycling over the (first
    `source_limit`) articles of `source`. The first cycle is the articles as they are; in cycle
    c >= 1 each copy gets id `<id>-v<c>`, url `<url>?v=<c>` and `edit_text(text, k)` (k: its
    index in the output). Streams: one source record in memory at a time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"corpus_{n}.jsonl.gz"
    written = raw_bytes = 0
    cycle = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        while written < n:
            seen = 0
            for line in _open_lines(source):
                if written >= n or (source_limit is not None and seen >= source_limit):
                    break
                seen += 1
                if cycle == 0:
                    record_line = line if line.endswith("\n") else line + "\n"
                else:
                    record = json.loads(line)
                    record["id"] = f"{record.get('id') or seen}-v{cycle}"
                    if record.get("url"):
                        record["url"] = f"{record['url']}{'&' if '?' in record['url'] else '?'}v={cycle}"
                    field = _text_field(record)
                    if field:
                        record[field] = edit_text(record[field], written)
                    record_line = json.dumps(record, ensure_ascii=False) + "\n"
                out.write(record_line)
                raw_bytes += len(record_line.encode("utf-8"))
                written += 1
                if progress and written % 100_000 == 0:
                    progress(f"generated {written:,} / {n:,} articles")
            if seen == 0:
                raise ValueError(f"{source}: no articles to generate from")
            cycle += 1
    return {"path": str(path), "articles": written, "mb": raw_bytes / 1e6, "cycles": cycle}


def input_stats(path: Path) -> dict[str, Any]:
    """Articles (non-empty lines) and uncompressed bytes of a JSONL(.gz) file."""
    articles = size = 0
    for line in _open_lines(path):
        articles += 1
        size += len(line.encode("utf-8"))
    return {"articles": articles, "mb": size / 1e6}


# -- the parts (each runs in a subprocess: `harness.py _part <name> <json args>`) ------------------


def part_floor(path: str, workdir: str) -> dict[str, Any]:
    import polars as pl

    start = time.perf_counter()
    df = pl.read_ndjson(path)
    read = time.perf_counter() - start
    column = next(c for c in TEXT_FIELDS if c in df.columns)
    start = time.perf_counter()
    df = df.with_columns(pl.col(column).str.count_matches(r"[\x{0621}-\x{064A}]").alias("arabic_letters"))
    regex = time.perf_counter() - start
    start = time.perf_counter()
    out = Path(workdir) / "floor.parquet"
    df.write_parquet(out, compression="zstd")
    write = time.perf_counter() - start
    return {
        "seconds": read + regex + write,
        "steps": {"read_ndjson": read, "regex count_matches": regex, "write_parquet zstd": write},
        "articles": df.height,
        "arabic_letters": int(df["arabic_letters"].sum()),
        "parquet_mb": out.stat().st_size / 1e6,
    }


def part_naive(path: str, workdir: str, sample: int) -> dict[str, Any]:
    start = time.perf_counter()
    from camel_tools.utils.dediac import dediac_ar
    from camel_tools.utils.normalize import normalize_unicode
    from dateparser.search import search_dates

    from akhbar.extract.entities import find_entities

    setup = time.perf_counter() - start
    rows = []
    sample_bytes = 0
    start = time.perf_counter()
    for line in _open_lines(Path(path)):
        if len(rows) >= sample:
            break
        sample_bytes += len(line.encode("utf-8"))
        record = json.loads(line)
        text = dediac_ar(normalize_unicode(record.get(_text_field(record) or "", "") or ""))
        title = dediac_ar(normalize_unicode(record.get("title") or ""))
        dates = search_dates(text, languages=["ar"]) or []
        entities = find_entities(text)
        rows.append(
            {
                "id": record.get("id"),
                "title": title,
                "text": text,
                "dates": [(s, d.isoformat()) for s, d in dates],
                "entities": [(e.text, e.label, e.start, e.end) for e in entities],
            }
        )
    seconds = time.perf_counter() - start
    return {
        "sample_seconds": seconds,
        "setup_seconds": setup,
        "sample_articles": len(rows),
        "sample_mb": sample_bytes / 1e6,
        "dates_found": sum(len(r["dates"]) for r in rows),
        "entities_found": sum(len(r["entities"]) for r in rows),
    }


def _sources_yaml(path: str, workdir: Path) -> Path:
    sources = workdir / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  - name: bench\n    path: {json.dumps(str(Path(path).resolve()))}\n"
        "    format: jsonl\n    license: other\n",
        encoding="utf-8",
    )
    return sources


def part_akhbar(path: str, workdir: str, log_level: str = "INFO") -> dict[str, Any]:
    """`akhbar build` in this process (DAGSTER_HOME under workdir), then its step timings."""
    work = Path(workdir)
    home = work / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(home)
    data_root = work / "data"
    sources = _sources_yaml(path, work)

    start = time.perf_counter()
    from pipelines.cli import main as akhbar_main

    code = akhbar_main(
        ["build", "--sources", str(sources), "--out", str(data_root), "--log-level", log_level]
    )
    seconds = time.perf_counter() - start

    from dagster import DagsterEventType, DagsterInstance

    steps: dict[str, dict[str, Any]] = {}
    with DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None or not event.step_key:
                continue
            step = steps.setdefault(event.step_key, {"step": event.step_key})
            if event.event_type == DagsterEventType.STEP_START:
                step["start"] = entry.timestamp
            elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                step["end"] = entry.timestamp
                step["status"] = "success" if event.event_type == DagsterEventType.STEP_SUCCESS else "failure"
        run_status = str(run.status.value)
    stages = [
        {"step": s["step"], "seconds": s["end"] - s["start"], "status": s["status"]}
        for s in sorted(steps.values(), key=lambda s: s.get("start", 0))
        if "start" in s and "end" in s
    ]
    manifests = sorted((data_root / "releases").glob("v*/manifest.json"))
    rows = json.loads(manifests[-1].read_text())["rows"] if manifests else None
    return {
        "seconds": seconds,
        "exit_code": code,
        "run_id": run.run_id,
        "run_status": run_status,
        "stages": stages,
        "release_rows": rows,
    }


PARTS: dict[str, Callable[..., dict[str, Any]]] = {
    "floor": part_floor,
    "naive": part_naive,
    "akhbar": part_akhbar,
}


# -- subprocess runner with per-part peak RSS -------------------------------------------------


def _tree_rss_kb(pid: int) -> int:
    """Sum of VmRSS over `pid` and its descendants (via /proc/<pid>/task/*/children)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def run_part(name: str, workdir: Path, **kwargs: Any) -> dict[str, Any]:
    """Run PARTS[name](**kwargs) in a fresh interpreter; its result plus wall seconds and RSS."""
    part_dir = workdir / name
    part_dir.mkdir(parents=True, exist_ok=True)
    result_file = part_dir / "result.json"
    args = json.dumps({"workdir": str(part_dir), **kwargs})
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(HERE), "_part", name, args, str(result_file)])
    peak_tree = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak_tree[0] = max(peak_tree[0], _tree_rss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0 or not result_file.exists():
        raise RuntimeError(f"benchmark part {name!r} failed (exit code {proc.returncode})")
    result = json.loads(result_file.read_text())
    result.update(
        process_seconds=wall,
        peak_rss_mb=usage.ru_maxrss / 1024,
        peak_tree_rss_mb=peak_tree[0] / 1024,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )
    return result


# -- the whole benchmark ----------------------------------------------------------------------


def _rate(n: float, mb: float, seconds: float) -> dict[str, float]:
    return {"articles_per_s": n / seconds if seconds else 0.0, "mb_per_s": mb / seconds if seconds else 0.0}


def run_benchmark(
    input_path: Path | None = None,
    *,
    articles: int | None = None,
    naive_sample: int = DEFAULT_NAIVE_SAMPLE,
    workdir: Path | None = None,
    source_limit: int | None = None,
    progress: Progress = _progress,
    log_level: str = "INFO",
) -> dict[str, Any]:
    """Run every part on one input (generated first with `articles`) and return the results."""
    source = Path(input_path or DEFAULT_INPUT)
    if not source.is_file():
        raise FileNotFoundError(f"input {source} not found")
    own_workdir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="akhbar-bench-")) if own_workdir else Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    try:
        generated = None
        if articles:
            progress(f"generating {articles:,} articles from {source.name} into {work}")
            start = time.perf_counter()
            generated = generate_corpus(
                source, work / "corpus", articles, source_limit=source_limit, progress=progress
            )
            generated["seconds"] = time.perf_counter() - start
            path = Path(generated["path"])
            stats = {"articles": generated["articles"], "mb": generated["mb"]}
        else:
            path = source
            stats = input_stats(path)
        n, mb = stats["articles"], stats["mb"]
        progress(f"input {path.name}: {n:,} articles, {mb:.1f} MB uncompressed JSONL")

        progress("part 1/3: floor (polars read_ndjson, regex count_matches, zstd Parquet write)")
        floor = run_part("floor", work, path=str(path))
        floor.update(_rate(n, mb, floor["seconds"]))
        progress(f"floor: {floor['seconds']:.2f} s")

        sample = min(naive_sample, n)
        progress(f"part 2/3: naive per-row baseline on the first {sample:,} articles (one process)")
        naive = run_part("naive", work, path=str(path), sample=sample)
        per_article = naive["sample_seconds"] / max(naive["sample_articles"], 1)
        naive["seconds"] = per_article * n  # extrapolated to the whole input
        naive["extrapolated"] = naive["sample_articles"] < n
        naive.update(_rate(n, mb, naive["seconds"]))
        progress(f"naive: {naive['sample_seconds']:.2f} s for {naive['sample_articles']:,} articles")

        progress("part 3/3: akhbar build (in-process Dagster build_release job)")
        akhbar = run_part("akhbar", work, path=str(path), log_level=log_level)
        akhbar.update(_rate(n, mb, akhbar["seconds"]))
        for stage in akhbar["stages"]:
            stage.update(_rate(n, mb, stage["seconds"]))
        progress(f"akhbar: {akhbar['seconds']:.2f} s (exit code {akhbar['exit_code']})")

        speedup = akhbar["articles_per_s"] / naive["articles_per_s"]
        slowdown = akhbar["seconds"] / floor["seconds"]
        return {
            "input": {"path": str(path), "source": str(source), "articles": n, "mb": mb},
            "generated": generated,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "parts": {"floor": floor, "naive": naive, "akhbar": akhbar},
            "ratios": {
                "akhbar_vs_naive_speedup": speedup,
                "target_speedup": TARGET_SPEEDUP_VS_NAIVE,
                "speedup_target_met": speedup >= TARGET_SPEEDUP_VS_NAIVE,
                "akhbar_vs_floor_slowdown": slowdown,
                "target_slowdown": TARGET_SLOWDOWN_VS_FLOOR,
                "slowdown_target_met": slowdown <= TARGET_SLOWDOWN_VS_FLOOR,
            },
        }
    finally:
        if own_workdir:
            shutil.rmtree(work, ignore_errors=True)


def format_report(result: dict[str, Any]) -> str:
    inp, parts, ratios = result["input"], result["parts"], result["ratios"]
    floor, naive, akhbar = parts["floor"], parts["naive"], parts["akhbar"]
    lines = [f"input: {inp['path']}: {inp['articles']:,} articles, {inp['mb']:.1f} MB uncompressed JSONL"]
    if result.get("generated"):
        gen = result["generated"]
        lines.append(
            f"generated from {inp['source']} in {gen['seconds']:.1f} s ({gen['cycles']} cycles, "
            "copies with new ids/urls and a small edit each)"
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
        "--naive-sample",
        type=int,
        default=DEFAULT_NAIVE_SAMPLE,
        metavar="K",
        help=f"articles the naive baseline runs on, extrapolated (default {DEFAULT_NAIVE_SAMPLE})",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--workdir", metavar="DIR", help="keep the work files here (default: a temp folder)")


def run_cli(args: argparse.Namespace) -> int:
    try:
        result = run_benchmark(
            Path(args.input),
            articles=args.articles,
            naive_sample=args.naive_sample,
            workdir=Path(args.workdir) if args.workdir else None,
        )
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"akhbar bench: {exc}", file=sys.stderr)
        return 1
    print(format_report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        print(f"results written to {args.json}")
    return 0 if result["parts"]["akhbar"]["exit_code"] == 0 else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_part"]:  # a part, run by run_part in its own interpreter
        name, kwargs, result_file = argv[1], json.loads(argv[2]), argv[3]
        result = PARTS[name](**kwargs)
        Path(result_file).write_text(json.dumps(result, ensure_ascii=False, default=str))
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    return run_cli(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
