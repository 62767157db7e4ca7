"""What the `akhbar` CLI reports about a build and about the releases of a data root, as data
first: `build` prints its closing lines from the same summary `--json FILE` writes, and
`releases` prints the table of the same rows `--json` gives.

The summary holds counts, versions, checks, step timings and paths only: never a token, an
endpoint's credentials or an environment variable (the Hub token never reaches the CLI's
arguments, and nothing here reads the environment)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

# The exit codes of every command, as `--help` lists them.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def akhbar_version() -> str:
    """The installed distribution's version (importlib.metadata), else the package's own."""
    try:
        return metadata.version("akhbar")
    except metadata.PackageNotFoundError:
        from akhbar import __version__

        return __version__


def version_line() -> str:
    from akhbar.schema import SCHEMA_VERSION

    return f"akhbar {akhbar_version()} (dataset schema {SCHEMA_VERSION})"


def _checks(result) -> list[dict[str, Any]]:
    from dagster import DagsterEventType

    checks = []
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            checks.append(
                {
                    "asset": evaluation.asset_key.to_user_string(),
                    "check": evaluation.check_name,
                    "passed": bool(evaluation.passed),
                    "severity": evaluation.severity.value if evaluation.severity else None,
                }
            )
    return sorted(checks, key=lambda c: (c["asset"], c["check"]))


def step_timings(instance, run_id: str) -> list[dict[str, Any]]:
    """Each step of the run with its status and seconds, in the order the steps started."""
    stats = sorted(instance.get_run_step_stats(run_id), key=lambda s: (s.start_time or 0, s.step_key))
    return [
        {
            "step": s.step_key,
            "status": s.status.value.lower() if s.status else "unknown",
            "seconds": round(s.end_time - s.start_time, 3) if s.start_time and s.end_time else None,
        }
        for s in stats
    ]


def run_summary(
    result,
    *,
    exit_code: int,
    steps: list[dict[str, Any]],
    release: dict[str, Any] | None,
    publication: dict[str, Any] | None,
    seconds: float,
) -> dict[str, Any]:
    """The run summary of `akhbar build`: what `--json FILE` writes and the closing lines print."""
    from akhbar.schema import SCHEMA_VERSION

    rows = release["rows"] if release else None
    return {
        "akhbar_version": akhbar_version(),
        "schema_version": SCHEMA_VERSION,
        "run_id": result.run_id,
        "success": bool(result.success) and exit_code == EXIT_OK,
        "exit_code": exit_code,
        "release": (
            {"version": release["version"], "created": bool(release["created"]), "path": str(release["path"])}
            if release
            else None
        ),
        "articles": (
            {
                "raw": rows["raw"],
                "unique": rows.get("unique", rows["released"]),
                "duplicates": rows.get("duplicates", 0),
                "quarantined": rows["quarantined"],
                "released": rows["released"],
            }
            if rows
            else None
        ),
        "checks": _checks(result),
        "steps": steps,
        "seconds": round(seconds, 3),
        "publication": (
            {k: publication[k] for k in ("status", "version", "reason", "message") if k in publication}
            if publication
            else None
        ),
    }


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The closing lines of a build that made or kept a release."""
    release, rows = summary["release"], summary["articles"]
    if release is None or rows is None:
        return []
    state = "new release" if release["created"] else "unchanged inputs; latest release kept"
    passed = sum(c["passed"] for c in summary["checks"])
    return [
        f"{state}: v{release['version']}",
        f"release folder: {release['path']}",
        f"articles: {rows['raw']} raw = {rows['unique']} unique + {rows['duplicates']} duplicates + "
        f"{rows['quarantined']} quarantined ({rows['released']} released)",
        f"checks: {passed} of {len(summary['checks'])} passed; {summary['seconds']:.1f}s",
    ]


def write_json(data: Any, target: str | TextIO) -> None:
    """`data` as JSON to the file named `target`, to standard output for "-", or to a stream."""
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if target == "-":
        target = sys.stdout
    if isinstance(target, str):
        Path(target).write_text(text, encoding="utf-8")
    else:
        target.write(text)
        target.flush()


def release_rows(data_root: Path) -> list[dict[str, Any]]:
    """Every release under `data_root/releases`, newest first, from its manifest: version,
    article counts, the changelog's counts of articles added, removed and changed, and the
    time its manifest was written (releases carry no wall-clock time of their own, so that
    rebuilds stay byte-identical: the date is the file's)."""
    from akhbar import storage
    from akhbar.release import list_releases, load_manifest

    rows = []
    for version in reversed(list_releases(data_root)):
        manifest = load_manifest(data_root, version)
        folder = storage.location(data_root) / "releases" / f"v{version}"
        written = storage.mtime(folder / "manifest.json")
        entry = next((c for c in manifest.get("changelog", []) if c.get("version") == version), {})
        counts = manifest.get("rows", {})
        rows.append(
            {
                "version": version,
                "date": datetime.fromtimestamp(written, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "articles": counts.get("released"),
                "raw": counts.get("raw"),
                "unique": counts.get("unique"),
                "duplicates": counts.get("duplicates"),
                "quarantined": counts.get("quarantined"),
                "added": entry.get("added"),
                "removed": entry.get("removed"),
                "changed": entry.get("changed"),
                "schema_version": manifest.get("schema_version"),
                "previous_version": manifest.get("previous_version"),
                "path": str(folder if storage.is_remote(folder) else folder.resolve()),
            }
        )
    return rows


def release_table(rows: list[dict[str, Any]]) -> str:
    """The releases as an aligned text table, newest first."""
    header = (
        "version",
        "date (UTC)",
        "articles",
        "unique",
        "duplicates",
        "quarantined",
        "+added/-removed/~changed",
    )

    def change(row: dict[str, Any]) -> str:
        if row["added"] is None:
            return "-"
        return f"+{row['added']}/-{row['removed']}/~{row['changed']}"

    table = [header] + [
        (
            f"v{r['version']}",
            r["date"].replace("T", " ").removesuffix("Z"),
            *(
                str(r[k]) if r[k] is not None else "-"
                for k in ("articles", "unique", "duplicates", "quarantined")
            ),
            change(r),
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    # the first two columns (version, date) to the left, the counts to the right
    aligned = [
        [
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ]
        for line in table
    ]
    return "\n".join("  ".join(line).rstrip() for line in aligned)
