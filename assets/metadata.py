"""Run metadata shared by the assets: a preview table in markdown, its cells escaped
(akhbar.escape.md_text: no HTML, `|` and line breaks kept inside the cell)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from akhbar.escape import md_text


def _cell(value: Any, width: int = 60) -> str:
    text = "" if value is None else " ".join(str(value).split())
    # cut before escaping, so an escape (`&lt;`, `\|`) is never cut in half
    return md_text(text if len(text) <= width else text[: width - 1] + "…")


def preview_markdown(table: pa.Table, columns: list[str], rows: int = 5) -> str:
    present = [c for c in columns if c in table.column_names]
    lines = ["| " + " | ".join(md_text(c) for c in present) + " |", "|" + "---|" * len(present)]
    for row in table.select(present).slice(0, rows).to_pylist():
        lines.append("| " + " | ".join(_cell(row[c]) for c in present) + " |")
    return "\n".join(lines)


# Who answers for the assets (the Dagster UI's owner filter; team names are free text).
OWNERS = ["team:akhbar"]
# The concurrency pool of every asset that writes the data root: an instance configured with
# `concurrency: pools: {granularity: run, default_limit: 1}` (docs/architecture.md) queues a
# second run that would write it until the first one ends. The data root's lock
# (akhbar.data_root) stays the guard for runs the queue does not see (`akhbar build`, an
# instance without that setting): such a run fails at once, naming the holder, or waits.
DATA_ROOT_POOL = "akhbar_data_root"


def stage_tags(stage: str, role: str) -> dict[str, str]:
    """Tags of an asset: its pipeline stage and what it holds (`articles`, `quarantine`,
    `index`, `release`, `publication`)."""
    return {"akhbar/stage": stage, "akhbar/role": role}
