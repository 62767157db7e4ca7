"""`akhbar` command line: runs the Dagster build_release job in-process (the same job as
`dagster dev`), recording the run in the Dagster instance at $DAGSTER_HOME
(default: <data root>/.dagster)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="akhbar", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="materialize every asset and write a release")
    inputs = build.add_mutually_exclusive_group()
    inputs.add_argument("--sources", metavar="FILE", help="a sources.yaml declaring the sources")
    inputs.add_argument(
        "--input",
        metavar="PATH",
        action="append",
        default=[],
        help="a folder of .txt articles, an .html file or folder, or a JSON/JSONL(.gz) file; repeatable",
    )
    build.add_argument(
        "--out",
        metavar="DIR",
        default="data",
        help="data root; releases go to DIR/releases/v<semver>/ (default: data)",
    )
    build.add_argument("--name", default="akhbar-arabic-news", help="dataset name for the card")
    build.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="Dagster console log level (default: INFO)",
    )
    return parser


def _instance(data_root: Path):
    """The Dagster instance at $DAGSTER_HOME, else a persistent one at <data root>/.dagster
    (embedded SQLite), so `DAGSTER_HOME=<data root>/.dagster dagster dev` shows CLI runs."""
    from dagster import DagsterInstance

    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    home = (data_root / ".dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    return DagsterInstance.from_config(str(home))


def build(args: argparse.Namespace) -> int:
    from akhbar.ingest import SourceConfigError
    from assets.resources import AkhbarSettings
    from pipelines.definitions import BUILD_JOB, make_definitions

    data_root = Path(args.out)
    settings = AkhbarSettings(
        data_root=str(data_root),
        sources_file=args.sources,
        inputs=[str(p) for p in args.input],
        dataset_name=args.name,
    )
    try:
        sources = settings.sources()
        for source in sources:
            source.files()  # fail here, before a run, on paths that do not exist
    except SourceConfigError as exc:
        print(f"akhbar: {exc}", file=sys.stderr)
        return 2
    print("sources: " + ", ".join(f"{s.name} ({s.format}: {s.path})" for s in sources))
    defs = make_definitions(settings)
    job = defs.resolve_job_def(BUILD_JOB)
    with _instance(data_root) as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": args.log_level}}}},
        )
    return report(result)


def report(result) -> int:
    """Print the release folder and counts, or what stopped the run."""
    from dagster import DagsterEventType

    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                summary = evaluation.metadata.get("summary")
                failed = [
                    f"{r['expectation']}({r['column'] or ''}): {r['unexpected_count']} "
                    f"unexpected, e.g. {r['examples'][:2]}"
                    for r in (summary.value["results"] if summary else [])
                    if not r["success"]
                ]
                print(f"akhbar: check {evaluation.check_name} failed; release blocked", file=sys.stderr)
                for line in failed:
                    print(f"  - {line}", file=sys.stderr)
    if not result.success:
        for event in result.all_events:
            if event.event_type == DagsterEventType.STEP_FAILURE:
                error = event.event_specific_data.error
                if error.cls_name == "DagsterAssetCheckFailedError":
                    continue  # reported above with the failing expectations
                while error.cause is not None:  # the user's error, not Dagster's wrapper
                    error = error.cause
                print(f"akhbar: step {event.step_key} failed: {error.message.strip()}", file=sys.stderr)
        print(f"akhbar: run {result.run_id} failed; no release written", file=sys.stderr)
        return 1
    release = _output_for(result, "dataset_release")
    if release is None:
        print(f"akhbar: run {result.run_id} wrote no release (blocked by a failing check)", file=sys.stderr)
        return 1
    rows = release["rows"]
    state = "new release" if release["created"] else "unchanged inputs; latest release kept"
    print(f"{state}: v{release['version']}")
    print(f"release folder: {release['path']}")
    print(f"articles: {rows['raw']} raw, {rows['released']} released, {rows['quarantined']} quarantined")
    return 0


def _output_for(result, asset_name: str):
    from dagster import AssetKey

    for event in result.get_asset_materialization_events():
        if event.asset_key == AssetKey(asset_name):
            return result.output_for_node(asset_name)
    return None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "build":
        return build(args)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
