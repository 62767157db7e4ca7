"""`akhbar` command line. Each command runs a Dagster job of `akhbar.pipelines.definitions`
in-process (the same jobs `dagster dev` shows), recording the run in the Dagster instance at
$DAGSTER_HOME (default: <data root>/.dagster; for a data root on an object store, a local folder
named after its URL: akhbar.storage.local_state)."""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any, NoReturn

from akhbar.pipelines.cli_summary import (
    EXIT_USAGE,
    release_rows,
    release_table,
    run_summary,
    step_timings,
    summary_lines,
    version_line,
    write_json,
)

EXIT_CODES = {
    "build": "0 a release was made or the latest kept (inputs unchanged); 1 a check or a step "
    "failed (the run is recorded in Dagster); 2 usage or configuration error, or the data root "
    "is busy with another build",
    "publish": "0 published; 1 a step failed; 2 usage or configuration error, or nothing to "
    "publish (no Hub repository, no release)",
    "evaluate": "0 scores printed; 2 usage error or corpus folder not found",
    "releases": "0 listed (an empty list too); 2 usage error or the data root is not a folder",
    "dev": "dagster dev's own; 2 usage error",
    "bench": "the harness's own; 2 usage error, input not found, or not a source checkout",
}


def _epilog(command: str | None = None) -> str:
    if command is not None:
        return f"exit codes: {EXIT_CODES[command]}"
    return "exit codes: 0 success; 1 a check or a step failed; 2 usage or configuration error.\n" + (
        "Each command's --help gives its own."
    )


class _Parser(argparse.ArgumentParser):
    """argparse with suggestions: a mistyped command or option gets the closest known ones
    ("did you mean --input?"), then the usage of the command at fault, exit code 2."""

    def error(self, message: str) -> NoReturn:
        if "the following arguments are required: command" in message:
            commands = ", ".join(self._commands())
            message = f"a command is required: one of {commands} (or --version, --help)"
        elif choice := re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message):
            message += _suggestion(choice[1], re.findall(r"'([^']*)'", choice[2]))
        super().error(message)

    def _commands(self) -> list[str]:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return list(action.choices)
        return []

    def unrecognized(self, extra: list[str]) -> NoReturn:
        """Exit with the unrecognized arguments, suggesting options of this parser for them."""
        options = [o for a in self._actions for o in a.option_strings if o.startswith("--")]
        hints = [_suggestion(arg.split("=", 1)[0], options) for arg in extra if arg.startswith("-")]
        self.error(f"unrecognized arguments: {' '.join(extra)}" + "".join(h for h in hints if h))


def _suggestion(word: str, known: list[str]) -> str:
    """The hint "; did you mean X?" naming the known words closest to `word` (difflib's ratio
    over the names in lower case without their dashes, at least 0.6; ties within 0.05 of the
    best named too), or "" when none is close."""

    def bare(name: str) -> str:
        return name.lstrip("-").lower()

    scores = {k: difflib.SequenceMatcher(None, bare(word), bare(k)).ratio() for k in known}
    best = max(scores.values(), default=0.0)
    if best < 0.6:
        return ""
    close = [k for k in known if scores[k] >= best - 0.05]
    return f"; did you mean {' or '.join(close)}?"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="akhbar",
        description=__doc__,
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=version_line())
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, **kwargs) -> argparse.ArgumentParser:
        return sub.add_parser(name, epilog=_epilog(name), **kwargs)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--out", metavar="DIR", default="data", help="data root; releases are DIR/releases/v<semver>/"
        )
        p.add_argument(
            "--repo",
            metavar="ORG/NAME",
            default=os.environ.get("AKHBAR_HUB_REPO"),
            help="Hub dataset repository (default: $AKHBAR_HUB_REPO); the token comes from HF_TOKEN "
            "or `hf auth login`, never from the command line",
        )
        p.add_argument("--endpoint", default=os.environ.get("HF_ENDPOINT"), help="Hub URL ($HF_ENDPOINT)")
        p.add_argument("--private", action="store_true", help="create the Hub repository as private")
        p.add_argument(
            "--log-level",
            default="INFO",
            choices=["DEBUG", "INFO", "WARNING", "ERROR"],
            help="INFO: one line per pipeline progress message (default); DEBUG: Dagster's full event log",
        )

    build = command("build", help="materialize every asset: a release, published if configured")
    inputs = build.add_mutually_exclusive_group()
    inputs.add_argument("--sources", metavar="FILE", help="a sources.yaml declaring the sources")
    inputs.add_argument(
        "--input",
        metavar="PATH",
        action="append",
        default=[],
        help="a file, folder or glob of articles: .txt, .html, JSON/JSONL(.gz), .zip, each file read "
        "in its own format; repeatable",
    )
    build.add_argument("--name", default="akhbar-arabic-news", help="dataset name for the card")
    build.add_argument(
        "--batch-rows",
        type=int,
        default=5_000,
        metavar="N",
        help="articles per part: what a stage holds in memory at a time (default 5000)",
    )
    build.add_argument(
        "--workers", type=int, default=0, metavar="N", help="processes for extraction (default: every core)"
    )
    build.add_argument(
        "--allow-shrink",
        action="store_true",
        default=os.environ.get("AKHBAR_ALLOW_SHRINK", "").strip().lower() in {"1", "true", "yes"},
        help="release even when more than 20%% of the previous release's articles would be lost "
        "(default: $AKHBAR_ALLOW_SHRINK; otherwise the check release_shrink blocks the release)",
    )
    build.add_argument(
        "--wait",
        action="store_true",
        help="when another build holds the data root, wait for it (default: exit 2, naming it)",
    )
    build.add_argument(
        "--json",
        metavar="FILE",
        help="also write the run summary as JSON (version, article counts, checks, step timings, "
        "release path) to FILE; - for standard output",
    )
    common(build)

    evaluate = command("evaluate", help="field-level precision, recall and F1 on the available gold")
    evaluate.add_argument(
        "--corpus",
        default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus"),
        help="the shared corpus folder (default: ../shared/corpus)",
    )
    evaluate.add_argument("--json", metavar="FILE", help="also write the scores as JSON")
    evaluate.add_argument(
        "--record",
        action="store_true",
        help="also record the scores as the figures the dataset card states "
        "(akhbar/resources/gold/figures.json; run it in a checkout and commit the file)",
    )

    publish = command("publish", help="publish a release (default: the latest) to the Hub")
    publish.add_argument("--version", help="release to publish, e.g. 1.2.0 (default: the latest)")
    common(publish)

    command(
        "dev",
        help="open the Dagster UI on the akhbar code location (dagster dev -w pipelines/workspace.yaml)",
        description="Runs `dagster dev` on the akhbar code location, named `akhbar` in a checkout and "
        "from an installed wheel alike; further options go to dagster dev (e.g. -p 3001).",
    )

    bench = command("bench", help="throughput and peak RSS of the build against a floor and a naive baseline")
    bench.add_argument(
        "--input",
        metavar="PATH",
        default=str(
            Path(__file__).resolve().parents[2] / "shared/corpus/saudinewsnet/saudinewsnet_dev.jsonl.gz"
        ),
        help="a JSONL(.gz) file (default: ../shared/corpus SaudiNewsNet, 26k articles)",
    )
    bench.add_argument("--articles", type=int, metavar="N", help="generate an N-article corpus from it first")
    bench.add_argument(
        "--articles-per-file",
        type=int,
        default=5_000,
        metavar="M",
        help="articles per daily file (YYYY-MM-DD.jsonl.gz) of a generated corpus (default 5000)",
    )
    bench.add_argument(
        "--scaling",
        metavar="N1,N2,...",
        help="instead of the three parts: only the akhbar build on a generated corpus of each size "
        "(e.g. 26k,100k,1M), with seconds, articles/s, peak RSS and the linearity ratio",
    )
    bench.add_argument(
        "--naive-sample",
        type=int,
        default=2000,
        metavar="K",
        help="articles the naive baseline runs on, its cost extrapolated to the input (default 2000)",
    )
    bench.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    bench.add_argument(
        "--workdir", metavar="DIR", help="keep the work files here (default: a temporary folder)"
    )
    releases = command("releases", help="list the releases of a data root, newest first")
    releases.add_argument(
        "--data-root", "--out", dest="out", metavar="DIR", default="data", help="data root (default: data)"
    )
    releases.add_argument("--json", action="store_true", help="print the list as JSON")
    return parser


def _instance(data_root: str):
    """The Dagster instance at $DAGSTER_HOME, else a persistent one at <data root>/.dagster
    (embedded SQLite), so `DAGSTER_HOME=<data root>/.dagster dagster dev` shows CLI runs; for a
    data root on an object store, SQLite cannot live there: a local folder named after its URL."""
    from dagster import DagsterInstance

    from akhbar import storage

    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    if storage.is_url(data_root):
        home = storage.local_state(data_root) / ".dagster"
    else:
        home = (Path(data_root) / ".dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_SETTINGS.read_text(encoding="utf-8"))  # the run queue and pool
    return DagsterInstance.from_config(str(home))


@contextmanager
def _collector_for_run(preload: tuple[str, ...] = ()) -> Iterator[None]:
    """Import `preload` (modules the run would import inside its steps), leave everything
    loaded out of garbage collection (`gc.freeze`) and collect less often while the run lasts,
    as the pool's workers do.

    Dagster, GX and their dependencies leave about 390,000 tracked objects that live as long as
    the process. Each full collection scanned all of them (0.2 s), and the run collects fully
    before its large steps (`release_free_memory`) besides the collector's own full passes. On
    SaudiNewsNet freezing took 1.9 s off the build (48.2 -> 46.3 s) and the workers' thresholds
    (WORKER_GC_THRESHOLDS) 1.2 s more. The thresholds are restored after the run; what was
    frozen stays frozen, since handing it back to the collector for the process's last moments
    cost a one-article build 1 s at exit (8.3 s against 7.3).
    """
    import gc
    import importlib

    from akhbar.runner.pool import WORKER_GC_THRESHOLDS

    for module in preload:
        importlib.import_module(module)

    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _run(
    args: argparse.Namespace,
    settings,
    job_name: str,
    ops_config: dict[str, Any] | None = None,
    *,
    preload: tuple[str, ...] = (),
    steps: list[dict[str, Any]] | None = None,
):
    from akhbar.assets.resources import HubSettings
    from akhbar.pipelines.definitions import make_definitions

    hub = HubSettings(repo_id=args.repo or None, endpoint=args.endpoint or None, private=args.private)
    job = make_definitions(settings, hub).resolve_job_def(job_name)
    logger = "console" if args.log_level == "DEBUG" else "akhbar_progress"  # DEBUG: Dagster's own events
    run_config: dict[str, Any] = {"loggers": {logger: {"config": {"log_level": args.log_level}}}}
    if ops_config:
        run_config["ops"] = ops_config
    with _collector_for_run(preload), _instance(settings.data_root) as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)
        if steps is not None:  # each step's status and seconds, from the run's event log
            steps.extend(step_timings(instance, result.run_id))
        return result


def build(args: argparse.Namespace) -> int:
    if args.json == "-":  # the summary alone on standard output; every other line to stderr
        stdout = sys.stdout
        with redirect_stdout(sys.stderr):
            return _build(args, stdout)
    return _build(args, args.json)


def _build(args: argparse.Namespace, summary_to) -> int:
    """`akhbar build`; the run summary goes to `summary_to` (a file name, a stream or None)."""
    from akhbar import storage
    from akhbar.assets.resources import AkhbarSettings
    from akhbar.data_root import SOURCES_FILE, DataRootBusy, lock_data_root, removed_message
    from akhbar.hub_rules import check_dataset_name, check_repo_id
    from akhbar.ingest import SourceConfigError, load_sources_file
    from akhbar.pipelines.definitions import BUILD_JOB
    from akhbar.release import remove_stale_temporaries
    from akhbar.storage import StorageError

    settings = AkhbarSettings(
        data_root=args.out,
        sources_file=args.sources,
        inputs=[str(p) for p in args.input],
        dataset_name=args.name,
        batch_rows=args.batch_rows,
        workers=args.workers,
        allow_shrink=args.allow_shrink,
    )
    if args.batch_rows < 1 or args.workers < 0:
        print("akhbar: --batch-rows must be at least 1 and --workers at least 0", file=sys.stderr)
        return 2
    checks = (("--name", args.name, check_dataset_name), ("--repo", args.repo, check_repo_id))
    for flag, value, check in checks:
        try:  # what the card and the Hub accept, checked before a run (akhbar.hub_rules)
            if value is not None:
                check(value)
        except ValueError as exc:
            print(f"akhbar: {flag}: {exc}", file=sys.stderr)
            return 2
    try:
        # every configuration mistake ends here, in one line, before a run: the file, the line
        # and the key; a field mapping that no record of a JSON file matches included; a data
        # root on an object store that cannot be reached (s3fs missing, no such bucket)
        storage.check_root(settings.root)
        if args.sources and not args.input:
            load_sources_file(args.sources, check_records=True)
        sources, given_as = settings.source_set()
    except (SourceConfigError, StorageError) as exc:
        print(f"akhbar: {exc}", file=sys.stderr)
        return 2
    recorded = "" if given_as or not storage.exists(settings.root / SOURCES_FILE) else " (recorded)"
    listed = ", ".join(f"{s.name} ({s.format or 'format by file'}: {s.path})" for s in sources)
    print(f"sources{recorded}: {listed}")
    try:  # one build at a time on a data root; the run finds this process holding the lock
        lock = lock_data_root(args.out, wait=args.wait, on_wait=lambda line: print(line, file=sys.stderr))
    except DataRootBusy as busy:
        print(f"akhbar: {busy}; wait for it to end, or pass --wait", file=sys.stderr)
        return 2
    with lock:
        removed, size = remove_stale_temporaries(args.out)
        if removed:
            print(removed_message(removed, size))
        # the gates and checks import GX inside the run; publication alone never does
        started = time.monotonic()
        steps: list[dict[str, Any]] = []
        result = _run(args, settings, BUILD_JOB, preload=("great_expectations",), steps=steps)
        seconds = time.monotonic() - started
    code = _report_failures(result)
    release = _output_for(result, "dataset_release") if not code else None
    if not code and release is None:
        print(f"akhbar: run {result.run_id} wrote no release", file=sys.stderr)
        code = 1
    summary = run_summary(
        result,
        exit_code=code,
        steps=steps,
        release=release,
        publication=_output_for(result, "hub_publication"),
        seconds=seconds,
    )
    if release is not None:  # the closing lines, from the summary --json writes
        lines = summary_lines(summary)
        print("\n".join(lines[:3]))
        _report_quarantine(storage.location(release["path"]) / "quarantine.parquet")
        print("\n".join(lines[3:]))
        code = summary["exit_code"] = _report_publication(result, required=False)
    if summary_to:
        write_json(summary, summary_to)
    return code


def _report_quarantine(path, kinds: int = 5, named: int = 3) -> None:
    """The most frequent kinds of quarantine reason of a release, with counts and origins."""
    from akhbar import storage
    from akhbar.report import reason_kind

    if not storage.exists(path):
        return
    origins: dict[str, list[str]] = {}
    for row in storage.read_table(path, columns=["source", "origin", "reason"]).to_pylist():
        origins.setdefault(reason_kind(row["reason"]), []).append(f"{row['source']} {row['origin']}")
    top = sorted(origins.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for kind, where in top[:kinds]:
        more = f", and {len(where) - named} more" if len(where) > named else ""
        print(f"  quarantined: {len(where)} × {kind} ({', '.join(where[:named])}{more})")
    if top:
        print(f"  every quarantined record and its reason: {path}")


def publish(args: argparse.Namespace) -> int:
    from akhbar.assets.resources import AkhbarSettings
    from akhbar.pipelines.definitions import PUBLISH_JOB

    settings = AkhbarSettings(data_root=args.out)
    ops = {"hub_publication": {"config": {"version": args.version}}} if args.version else None
    result = _run(args, settings, PUBLISH_JOB, ops)
    return _report_failures(result) or _report_publication(result, required=True)


def _report_publication(result, *, required: bool) -> int:
    outcome = _output_for(result, "hub_publication")
    if outcome is None:
        return 1 if required else 0
    if outcome["status"] == "skipped":
        print(f"publication skipped: {outcome['reason']}; v{outcome['version']} is ready to publish")
        return 2 if required else 0
    print(outcome["message"])
    return 0


def _report_failures(result) -> int:
    """Print what stopped the run (failing checks, failed steps); 0 when it succeeded."""
    from dagster import DagsterEventType

    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                # the check's own lines: what failed, the origins, what to do (suite_check_result)
                lines = evaluation.metadata.get("failures")
                summary = evaluation.metadata.get("summary")
                failed = (
                    lines.value
                    if lines
                    else [
                        f"{r['expectation']}({r['column'] or ''}): {r['unexpected_count']} "
                        f"unexpected, e.g. {r['examples'][:2]}"
                        for r in (summary.value["results"] if summary else [])
                        if not r["success"]
                    ]
                )
                print(f"akhbar: check {evaluation.check_name} failed; release blocked", file=sys.stderr)
                if not failed and evaluation.description:  # a check of its own, not a GX suite
                    failed = [evaluation.description]
                for line in failed:
                    print(f"  - {line}", file=sys.stderr)
    if result.success:
        return 0
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            if error.cls_name == "DagsterAssetCheckFailedError":
                continue  # reported above with the failing expectations
            while error.cause is not None:  # the user's error, not Dagster's wrapper
                error = error.cause
            message = error.message.strip()
            if error.cls_name == "Failure":  # raised by our assets: the description is the message
                message = message.split(": ", 1)[-1]
            print(f"akhbar: step {event.step_key} failed: {message}", file=sys.stderr)
    print(f"akhbar: run {result.run_id} failed", file=sys.stderr)
    return 1


def _output_for(result, asset_name: str):
    from dagster import AssetKey

    for event in result.get_asset_materialization_events():
        if event.asset_key == AssetKey(asset_name):
            return result.output_for_node(asset_name)
    return None


def evaluate(args: argparse.Namespace) -> int:
    """Not a pipeline run: it scores the extractors against gold data and prints a table."""
    import json

    from akhbar.assets.resources import SAMPLES_DIR
    from akhbar.evaluation import evaluate as run_evaluation
    from akhbar.evaluation import format_table

    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"akhbar: corpus folder {corpus} not found (--corpus)", file=sys.stderr)
        return 2
    # The folder holding samples/ (the seed article the quote labels index): the checkout, else
    # the installed assets package, which carries the sample in a wheel.
    scores = run_evaluation(corpus, SAMPLES_DIR.parent)
    print(format_table(scores))
    if args.json:
        Path(args.json).write_text(json.dumps([s.row() for s in scores], ensure_ascii=False, indent=2) + "\n")
    if args.record:
        from akhbar.field_figures import FIGURES_PATH, write_figures

        write_figures([s.row() for s in scores])
        print(f"recorded the card's figures in {FIGURES_PATH}")
    return 0


def bench(args: argparse.Namespace) -> int:
    """Not a pipeline run, and not part of the installed package: a launcher for the checkout's
    benchmarks/harness.py, run in its own interpreter (it runs `akhbar build` itself)."""

    harness = Path(__file__).resolve().parents[1] / "benchmarks" / "harness.py"
    if not harness.is_file():
        print("akhbar bench runs from a source checkout: benchmarks/ is not installed", file=sys.stderr)
        return 2
    if not Path(args.input).is_file():
        print(f"akhbar: input {args.input} not found (--input)", file=sys.stderr)
        return 2
    options = {
        "--input": args.input,
        "--articles": args.articles,
        "--articles-per-file": args.articles_per_file,
        "--scaling": args.scaling,
        "--naive-sample": args.naive_sample,
        "--json": args.json,
        "--workdir": args.workdir,
    }
    argv = [item for name, value in options.items() if value is not None for item in (name, str(value))]
    return subprocess.run([sys.executable, str(harness), *argv], check=False).returncode


WORKSPACE = Path(__file__).resolve().parent / "workspace.yaml"
INSTANCE_SETTINGS = Path(__file__).resolve().parent / "dagster.yaml"


def dev(args: argparse.Namespace) -> int:
    """`dagster dev` on the packaged workspace file; its exit code is this command's."""
    dagster = Path(sys.executable).parent / "dagster"
    command = [str(dagster) if dagster.is_file() else "dagster", "dev", "-w", str(WORKSPACE)]
    return subprocess.run([*command, *args.dagster_options], check=False).returncode


def releases(args: argparse.Namespace) -> int:
    """Not a pipeline run: the releases of a data root, from their manifests."""
    from akhbar import storage

    try:
        root = storage.location(args.out)
        storage.check_root(root)
    except storage.StorageError as exc:
        print(f"akhbar: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not storage.is_remote(root) and not root.is_dir():
        print(f"akhbar: data root {root} is not a folder (--data-root)", file=sys.stderr)
        return EXIT_USAGE
    rows = release_rows(root)
    if args.json:
        write_json(rows, "-")
    elif rows:
        print(release_table(rows))
    else:
        print(f"no releases under {root / 'releases'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "dev":  # only `akhbar dev` passes options on (to dagster dev)
        subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        subparsers.choices[args.command].unrecognized(extra)
    args.dagster_options = extra
    commands = {
        "build": build,
        "publish": publish,
        "evaluate": evaluate,
        "bench": bench,
        "dev": dev,
        "releases": releases,
    }
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
