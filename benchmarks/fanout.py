"""The fan-out over Celery measured: `akhbar build` against `build_release_celery` with one and
with two workers, on one input, wall time and per-step times, and the releases compared.

    .venv/bin/python benchmarks/fanout.py [--input FILE] [--articles N] [--batch-rows 5000]
        [--parts-per-step 1] [--runs build1,build,celery1,celery2] [--workdir DIR] [--json FILE]

Runs, each on a fresh data root (default input: the SaudiNewsNet file of the shared corpus):

- `build1`: `akhbar build --workers 1` (one process for the per-part work);
- `build`: `akhbar build` (every core);
- `celery1`, `celery2`: `dagster job execute -m akhbar.pipelines.cluster -j build_release_celery`
  with a Redis broker on 127.0.0.1 and one or two named `dagster-celery` workers (solo pool, the
  settings of pipelines/celery_worker.yaml), each step using one process (AKHBAR_WORKERS=1), as
  two machines of one core would.

The fan-out's overhead is celery1 against build1: the same one core for the per-part work, one
step per part through the broker instead of one step per stage. Per-step times are Dagster's
(`get_run_step_stats`), summed per op over the mapped steps. Every release must be byte-identical
(the code fingerprint masked): the script fails otherwise.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: akhbar and tests.support from the checkout

from dagster import DagsterInstance  # noqa: E402

from akhbar.release import list_releases  # noqa: E402
from tests.support.celery_cluster import celery_cluster  # noqa: E402
from tests.support.release_bytes import release_bytes  # noqa: E402

DEFAULT_INPUT = REPO.parent / "shared" / "corpus" / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"
BIN = Path(sys.executable).parent
RUNS = ("build1", "build", "celery1", "celery2")


def _input(src: Path, dest: Path, articles: int | None) -> Path:
    """The input, or its first `articles` lines, as a sources.yaml of one JSONL source."""
    if articles:
        opener = gzip.open if src.suffix == ".gz" else open
        with opener(src, "rb") as fh, gzip.open(dest / "input.jsonl.gz", "wb") as out:
            out.writelines(itertools.islice(fh, articles))
        src = dest / "input.jsonl.gz"
    config = dest / "sources.yaml"
    config.write_text(f"sources:\n  - {{name: input, path: {src}, license: other}}\n", encoding="utf-8")
    return config


def _op(step_key: str) -> str:
    """The op of a step: `article_fields.extract_parts[ab12]` -> `article_fields.extract_parts`."""
    return re.sub(r"\[[^]]*\]$", "", step_key)


def _steps(home: Path) -> dict[str, Any]:
    """Seconds per op of the run in `home` (sum, count, max over its mapped steps)."""
    with DagsterInstance.from_config(str(home)) as instance:
        (run,) = instance.get_runs(limit=1)
        stats = instance.get_run_step_stats(run.run_id)
    per_op: dict[str, dict[str, float]] = defaultdict(lambda: {"seconds": 0.0, "steps": 0, "max": 0.0})
    for s in stats:
        seconds = (s.end_time or 0) - (s.start_time or 0)
        op = per_op[_op(s.step_key)]
        op["seconds"] = round(op["seconds"] + seconds, 2)
        op["steps"] += 1
        op["max"] = round(max(op["max"], seconds), 2)
    return dict(per_op)


def _latest(root: Path) -> Path:
    return root / "releases" / f"v{list_releases(root)[-1]}"


def run_build(config: Path, out: Path, batch_rows: int, workers: int | None) -> dict[str, Any]:
    argv = [str(BIN / "akhbar"), "build", "--sources", str(config), "--out", str(out)]
    argv += ["--batch-rows", str(batch_rows), "--log-level", "ERROR", "--json", str(out) + ".json"]
    if workers:
        argv += ["--workers", str(workers)]
    start = time.perf_counter()
    subprocess.run(argv, check=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    wall = time.perf_counter() - start
    summary = json.loads(Path(str(out) + ".json").read_text())
    steps = {s["step"]: {"seconds": s["seconds"], "steps": 1} for s in summary["steps"]}
    return {"wall": round(wall, 1), "steps": steps, "release": _latest(out)}


def run_celery(
    config: Path, root: Path, batch_rows: int, parts_per_step: int, workers: int
) -> dict[str, Any]:
    env = {
        "AKHBAR_SOURCES": str(config),
        "AKHBAR_BATCH_ROWS": str(batch_rows),
        "AKHBAR_PARTS_PER_STEP": str(parts_per_step),
        "AKHBAR_WORKERS": "1",
    }
    with celery_cluster(root, env) as cluster:
        cluster.start_workers(*(f"w{i}@%h" for i in range(1, workers + 1)))
        start = time.perf_counter()
        proc = cluster.execute("build_release_celery", timeout=3600)
        wall = time.perf_counter() - start
        if proc.returncode:
            output = proc.stdout[-3000:] + proc.stderr[-3000:]
            raise SystemExit(f"celery run failed:\n{output}\n{cluster.logs()}")
        steps = _steps(cluster.home)
        data = cluster.data
    return {"wall": round(wall, 1), "steps": steps, "release": _latest(data)}


def table(report: dict[str, Any]) -> str:
    """Wall time and the seconds of the main ops per run, as a Markdown table."""
    runs = report["runs"]
    ops = sorted({op for r in runs.values() for op in r["steps"] if r["steps"][op]["seconds"] >= 0.5})
    lines = ["| | " + " | ".join(runs) + " |", "|---" * (len(runs) + 1) + "|"]
    lines.append("| wall (s) | " + " | ".join(str(r["wall"]) for r in runs.values()) + " |")
    for op in ops:
        cells = []
        for r in runs.values():
            s = r["steps"].get(op)
            cells.append(
                "" if s is None else f"{s['seconds']} ({s['steps']})" if s["steps"] > 1 else str(s["seconds"])
            )
        lines.append(f"| {op} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--articles", type=int, help="only the first N articles of the input")
    parser.add_argument("--batch-rows", type=int, default=5000)
    parser.add_argument("--parts-per-step", type=int, default=1)
    parser.add_argument("--runs", default=",".join(RUNS), help=f"of {', '.join(RUNS)}")
    parser.add_argument("--workdir", type=Path, help="default: a temporary folder, removed")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    runs = [r for r in args.runs.split(",") if r]
    if unknown := set(runs) - set(RUNS):
        parser.error(f"unknown runs {sorted(unknown)}; choose from {', '.join(RUNS)}")
    with tempfile.TemporaryDirectory(prefix="akhbar-fanout-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        config = _input(args.input, work, args.articles)
        results: dict[str, Any] = {}
        for name in runs:
            print(f"[fanout] {name} ...", file=sys.stderr, flush=True)
            if name.startswith("build"):
                workers = 1 if name == "build1" else None
                results[name] = run_build(config, work / name, args.batch_rows, workers)
            else:
                n = int(name.removeprefix("celery"))
                results[name] = run_celery(config, work / name, args.batch_rows, args.parts_per_step, n)
            print(f"[fanout] {name}: {results[name]['wall']} s", file=sys.stderr, flush=True)
        reference = release_bytes(results[runs[0]]["release"])
        same = {name: release_bytes(r["release"]) == reference for name, r in results.items()}
        report = {
            "input": str(args.input),
            "articles": args.articles,
            "batch_rows": args.batch_rows,
            "parts_per_step": args.parts_per_step,
            "byte_identical": same,
            "runs": {name: {k: v for k, v in r.items() if k != "release"} for name, r in results.items()},
        }
    text = json.dumps(report, indent=1)
    print(text)
    print(table(report), file=sys.stderr)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    if not all(same.values()):
        print(f"[fanout] releases differ: {same}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
