"""The runs of the benchmark harness (benchmarks/harness.py): the three parts (floor, naive,
akhbar), each in its own interpreter with its peak RSS, the whole benchmark on one input and
the scaling runs of the akhbar part alone. Run as a script only by `run_part`:
`runs.py _part <name> <json args> <result file>`.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))  # run as a script (`_part`): benchmarks.* from the checkout

from benchmarks.corpus_generator import (  # noqa: E402
    DEFAULT_ARTICLES_PER_FILE,
    TEXT_FIELDS,
    Progress,
    _input_lines,
    _text_field,
    generate_corpus,
    input_files,
    input_stats,
)

DEFAULT_INPUT = REPO.parent / "shared" / "corpus" / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"
TARGET_SPEEDUP_VS_NAIVE = 10.0
TARGET_SLOWDOWN_VS_FLOOR = 15.0
DEFAULT_NAIVE_SAMPLE = 2_000


def _progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- the parts (each runs in a subprocess: `runs.py _part <name> <json args> <result file>`) ---------


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
    from akhbar.pipelines.cli import main as akhbar_main

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


# -- scaling: the akhbar part alone at several sizes -----------------------------------------


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


def part_main(argv: list[str]) -> int:
    """`runs.py _part <name> <json kwargs> <result file>`: one part, its result as JSON."""
    if argv[:1] != ["_part"] or len(argv) != 4:
        print("usage: runs.py _part <name> <json kwargs> <result file> (run by run_part)", file=sys.stderr)
        return 2
    name, kwargs, result_file = argv[1], json.loads(argv[2]), argv[3]
    result = PARTS[name](**kwargs)
    Path(result_file).write_text(json.dumps(result, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(part_main(sys.argv[1:]))
