"""Benchmark harness: akhbar end to end against a floor and a naive baseline, on one input.

    .venv/bin/akhbar bench [--articles N] [--json FILE] [--naive-sample K] [--input PATH]
    .venv/bin/python benchmarks/harness.py [same options] [--articles-per-file M] [--scaling N1,N2,...]

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
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
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
_SPACE = re.compile(r"(\s+)")
# A replaceable word: 3+ characters of the Arabic script (letters, diacritics, tatweel,
# presentation forms; no digits), opening / closing punctuation kept around it. Replacement words
# are plain: letters U+0621-U+064A only.
_ARABIC = "\u0610-\u061a\u0620-\u065f\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc"
_WORD = re.compile(f"([\"'«(]*)([{_ARABIC}]{{3,}})([.,،؛:!?؟\"'»)]*)")
_PLAIN = re.compile(r"[\u0621-\u064a]+")
_INSERTS = (
    "وأضاف المصدر أن التفاصيل ستعلن لاحقا.",
    "ولم يصدر أي تعليق رسمي حتى الآن.",
    "وتابعت الصحيفة تطورات الموضوع.",
    "وذلك بحسب ما أفادت به مصادر مطلعة.",
    "ومن المتوقع أن تتضح الصورة خلال الأيام المقبلة.",
)
DEFAULT_ARTICLES_PER_FILE = 5_000
FIRST_DAY = date(2015, 1, 1)
VOCAB_ARTICLES = 2_000  # source articles the replacement vocabulary is collected from
VOCAB_SIZE = 3_000  # most frequent words kept per class
WORD_GAP = (8, 12)  # words from one replaced word to the next, drawn uniformly: ~1 word in 10
DAY_FILE = re.compile(r"\d{4}-\d{2}-\d{2}\.jsonl(\.gz)?")


@dataclass(frozen=True)
class Vocabulary:
    """Replacement words collected from the input corpus, in two classes so that a word is
    replaced by one of its kind: with the article ال, and without."""

    definite: tuple[str, ...]
    other: tuple[str, ...]

    def pick(self, word: str, rng: random.Random) -> str:
        pool = self.definite if word.startswith("ال") else self.other
        at = int(rng.random() * len(pool))  # not randrange: this runs ~40 times per article
        return pool[(at + 1) % len(pool)] if pool[at] == word else pool[at]


def collect_vocabulary(source: Path, *, articles: int = VOCAB_ARTICLES, size: int = VOCAB_SIZE) -> Vocabulary:
    """The `size` most frequent words of each class in the titles and texts of the first
    `articles` articles of `source` (ties by the word): deterministic for a given input."""
    counts: Counter[str] = Counter()
    for i, line in enumerate(_open_lines(source)):
        if i >= articles:
            break
        record = json.loads(line)
        field = _text_field(record)
        for text in (record.get("title"), record.get(field) if field else None):
            if isinstance(text, str):
                counts.update(
                    m.group(2)
                    for w in text.split()
                    if (m := _WORD.fullmatch(w)) and _PLAIN.fullmatch(m.group(2))
                )
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    definite = tuple(w for w in ranked if w.startswith("ال"))[:size]
    other = tuple(w for w in ranked if not w.startswith("ال"))[:size]
    if not definite and not other:
        raise ValueError(f"{source}: no Arabic words to collect a vocabulary from")
    return Vocabulary(definite or other, other or definite)


def replace_words(text: str, rng: random.Random, vocab: Vocabulary, gap: tuple[int, int] = WORD_GAP) -> str:
    """Replace every gap-th word (gap drawn uniformly in `gap` after each replacement, the
    first one within the first gap) by a vocabulary word of its class. A word that is not 3+
    Arabic characters (a number, a Latin word, a short particle) or is glued to the next one by
    a line break passes its turn to the next word. Punctuation around a replaced word and all
    whitespace are kept (words are split at single spaces, joined back with them)."""
    words = text.split(" ")
    low, span = gap[0], gap[1] - gap[0] + 1
    draw = rng.random
    i = int(draw() * min(gap[1], len(words)))  # a short text gets a replacement too
    while i < len(words):
        m = _WORD.fullmatch(words[i])
        if m is None:
            i += 1
            continue
        words[i] = f"{m.group(1)}{vocab.pick(m.group(2), rng)}{m.group(3)}"
        i += low + int(draw() * span)
    return " ".join(words)


def edit_sentences(text: str, rng: random.Random) -> str:
    """Two adjacent sentences swapped, one sentence dropped, or a short sentence inserted."""
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
    return "".join(parts)


def edit_text(text: str, k: int, vocab: Vocabulary | None = None) -> str:
    """A deterministic edit of `text` seeded by `k`: `edit_sentences`, then (with `vocab`)
    `replace_words`, which takes the 5-word-shingle Jaccard to the original to ~0.3.
    Never returns `text` unchanged, except a blank text: it stays blank (an inserted sentence
    would make the copies of an empty article exact duplicates of one another)."""
    if not text.strip():
        return text
    rng = random.Random(k)
    edited = edit_sentences(text, rng)
    if vocab is not None:
        edited = replace_words(edited, rng, vocab)
    return edited if edited != text else f"{text} {_INSERTS[k % len(_INSERTS)]}"


def edit_title(title: str, k: int, vocab: Vocabulary) -> str:
    """One replaced word per started 8 replaceable words of `title` (seeded by `k`), or a
    vocabulary word appended to a title without one; an empty title stays empty."""
    if not title.strip():
        return title
    rng = random.Random(f"title-{k}")
    parts = _SPACE.split(title)
    words = [i for i in range(0, len(parts), 2) if _WORD.fullmatch(parts[i])]
    if not words:
        return f"{title} {vocab.pick('', rng)}"
    for i in rng.sample(words, 1 + (len(words) - 1) // 8):
        m = _WORD.fullmatch(parts[i])
        parts[i] = f"{m.group(1)}{vocab.pick(m.group(2), rng)}{m.group(3)}"
    return "".join(parts)


def _open_lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield line


def input_files(path: Path) -> list[Path]:
    """The JSONL(.gz) files of an input: the file itself, or a folder's files in name order."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    return sorted(f for f in path.iterdir() if f.name.endswith((".jsonl", ".jsonl.gz")) and f.is_file())


def _input_lines(path: Path) -> Iterator[str]:
    for file in input_files(path):
        yield from _open_lines(file)


def _text_field(record: dict) -> str | None:
    return next((f for f in TEXT_FIELDS if isinstance(record.get(f), str)), None)


def generated_lines(
    source: Path, n: int, vocab: Vocabulary, *, source_limit: int | None = None
) -> Iterator[tuple[int, str]]:
    """The `n` JSON lines of the generated corpus (see `generate_corpus`), one at a time, each
    with its cycle."""
    written = cycle = 0
    while written < n:
        seen = 0
        for line in _open_lines(source):
            if written >= n or (source_limit is not None and seen >= source_limit):
                break
            seen += 1
            if cycle == 0:
                yield cycle, line if line.endswith("\n") else line + "\n"
            else:
                record = json.loads(line)
                record["id"] = f"{record.get('id') or seen}-v{cycle}"
                if record.get("url"):
                    record["url"] = f"{record['url']}{'&' if '?' in record['url'] else '?'}v={cycle}"
                if isinstance(record.get("title"), str):
                    record["title"] = edit_title(record["title"], written, vocab)
                field = _text_field(record)
                if field:
                    record[field] = edit_text(record[field], written, vocab)
                yield cycle, json.dumps(record, ensure_ascii=False) + "\n"
            written += 1
        if seen == 0:
            raise ValueError(f"{source}: no articles to generate from")
        cycle += 1


def generate_corpus(
    source: Path,
    out_dir: Path,
    n: int,
    *,
    articles_per_file: int = DEFAULT_ARTICLES_PER_FILE,
    source_limit: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write `n` articles into `out_dir` as a daily scrape: `articles_per_file` articles per
    file `YYYY-MM-DD.jsonl.gz`, one day after the other from FIRST_DAY (day files of an earlier
    run in `out_dir` are removed first). The articles cycle over the (first `source_limit`)
    articles of `source`: the first cycle is the articles as they are; in cycle c >= 1 each
    copy gets id `<id>-v<c>`, url `<url>?v=<c>`, `edit_title` and `edit_text` seeded by its
    index k in the output, with a vocabulary collected from `source` (`collect_vocabulary`).
    The same `n` gives byte-identical files. Streams: one record in memory at a time."""
    if n < 1 or articles_per_file < 1:
        raise ValueError(f"articles ({n}) and articles per file ({articles_per_file}) must be >= 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.iterdir():
        if DAY_FILE.fullmatch(stale.name):
            stale.unlink()
    vocab_articles = VOCAB_ARTICLES if source_limit is None else min(VOCAB_ARTICLES, source_limit)
    vocab = collect_vocabulary(source, articles=vocab_articles)
    written = raw_bytes = cycles = 0
    files: list[str] = []
    out = None
    try:
        for cycle, line in generated_lines(source, n, vocab, source_limit=source_limit):
            if written % articles_per_file == 0:
                if out is not None:
                    out.close()
                name = f"{FIRST_DAY + timedelta(days=written // articles_per_file):%Y-%m-%d}.jsonl.gz"
                files.append(name)
                # mtime 0 and the same file name in the header: the same n gives the same bytes
                out = gzip.GzipFile(str(out_dir / name), "wb", compresslevel=1, mtime=0)
            data = line.encode("utf-8")
            out.write(data)
            cycles = cycle + 1
            raw_bytes += len(data)
            written += 1
            if progress and written % 100_000 == 0:
                progress(f"generated {written:,} / {n:,} articles")
    finally:
        if out is not None:
            out.close()
    return {
        "path": str(out_dir),
        "articles": written,
        "mb": raw_bytes / 1e6,
        "cycles": cycles,
        "files": len(files),
        "articles_per_file": articles_per_file,
        "first_file": files[0],
        "last_file": files[-1],
        "vocabulary": {"definite": len(vocab.definite), "other": len(vocab.other)},
        "compressed_mb": sum((out_dir / f).stat().st_size for f in files) / 1e6,
    }


def input_stats(path: Path) -> dict[str, Any]:
    """Articles (non-empty lines) and uncompressed bytes of a JSONL(.gz) file or folder."""
    articles = size = 0
    for line in _input_lines(path):
        articles += 1
        size += len(line.encode("utf-8"))
    return {"articles": articles, "mb": size / 1e6}


# -- the parts (each runs in a subprocess: `harness.py _part <name> <json args>`) ------------------


def part_floor(path: str, workdir: str) -> dict[str, Any]:
    import polars as pl

    start = time.perf_counter()
    files = input_files(Path(path))
    df = pl.read_ndjson(files[0] if len(files) == 1 else [str(f) for f in files])
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
    for line in _input_lines(Path(path)):
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
    """One jsonl source: the input file, or the generated corpus's folder (akhbar reads every
    .jsonl.gz file under it, in name order)."""
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
    articles_per_file: int = DEFAULT_ARTICLES_PER_FILE,
    naive_sample: int = DEFAULT_NAIVE_SAMPLE,
    workdir: Path | None = None,
    source_limit: int | None = None,
    progress: Progress = _progress,
    log_level: str = "INFO",
) -> dict[str, Any]:
    """Run every part on one input (generated first with `articles`, as daily files of
    `articles_per_file`) and return the results."""
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
                source,
                work / "corpus",
                articles,
                articles_per_file=articles_per_file,
                source_limit=source_limit,
                progress=progress,
            )
            generated["seconds"] = time.perf_counter() - start
            path = Path(generated["path"])
            stats = {"articles": generated["articles"], "mb": generated["mb"]}
            progress(
                f"generated {generated['files']} daily files ({generated['first_file']} .. "
                f"{generated['last_file']}) in {generated['seconds']:.1f} s"
            )
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


# -- scaling: the akhbar part alone at several sizes -----------------------------------------


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


def run_scaling(
    input_path: Path | None,
    sizes: list[int],
    *,
    articles_per_file: int = DEFAULT_ARTICLES_PER_FILE,
    workdir: Path | None = None,
    source_limit: int | None = None,
    progress: Progress = _progress,
    log_level: str = "INFO",
) -> dict[str, Any]:
    """The akhbar part alone on a generated corpus of each size (smallest first): seconds,
    articles/s and peak RSS per size, and how seconds per article grow from the smallest size
    to the largest (1.0: linear). Each size's corpus and build output are deleted after its
    run unless `workdir` is given."""
    source = Path(input_path or DEFAULT_INPUT)
    if not source.is_file():
        raise FileNotFoundError(f"input {source} not found")
    sizes = sorted(set(sizes))
    if not sizes:
        raise ValueError("no sizes to run")
    own_workdir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="akhbar-scaling-")) if own_workdir else Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    runs = []
    try:
        for size in sizes:
            size_dir = work / f"n{size}"
            progress(f"scaling {size:,}: generating the corpus")
            start = time.perf_counter()
            generated = generate_corpus(
                source,
                size_dir / "corpus",
                size,
                articles_per_file=articles_per_file,
                source_limit=source_limit,
                progress=progress,
            )
            generate_seconds = time.perf_counter() - start
            progress(f"scaling {size:,}: akhbar build")
            akhbar = run_part("akhbar", size_dir, path=generated["path"], log_level=log_level)
            step_seconds = sum(s["seconds"] for s in akhbar["stages"])
            runs.append(
                {
                    "articles": generated["articles"],
                    "mb": generated["mb"],
                    "files": generated["files"],
                    "generate_seconds": generate_seconds,
                    "seconds": akhbar["seconds"],
                    "step_seconds": step_seconds,
                    **_rate(generated["articles"], generated["mb"], akhbar["seconds"]),
                    "peak_rss_mb": akhbar["peak_rss_mb"],
                    "peak_tree_rss_mb": akhbar["peak_tree_rss_mb"],
                    "cpu_seconds": akhbar["cpu_seconds"],
                    "exit_code": akhbar["exit_code"],
                    "release_rows": akhbar["release_rows"],
                    "stages": akhbar["stages"],
                }
            )
            progress(f"scaling {size:,}: {akhbar['seconds']:.1f} s, exit code {akhbar['exit_code']}")
            if own_workdir:
                shutil.rmtree(size_dir, ignore_errors=True)
    finally:
        if own_workdir:
            shutil.rmtree(work, ignore_errors=True)
    small, large = runs[0], runs[-1]
    return {
        "input": {"source": str(source), "articles_per_file": articles_per_file},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "runs": runs,
        # seconds per article at the largest size / at the smallest: 1.0 is linear, > 1 superlinear
        "seconds_per_article_ratio": (large["seconds"] / large["articles"])
        / (small["seconds"] / small["articles"]),
        "step_seconds_per_article_ratio": (large["step_seconds"] / large["articles"])
        / (small["step_seconds"] / small["articles"])
        if small["step_seconds"]
        else None,
    }


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
