"""Run metadata shared by the assets: a preview table in markdown."""

from __future__ import annotations

from typing import Any

import pyarrow as pa


def _cell(value: Any, width: int = 60) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= width else text[: width - 1] + "…"


def preview_markdown(table: pa.Table, columns: list[str], rows: int = 5) -> str:
    present = [c for c in columns if c in table.column_names]
    lines = ["| " + " | ".join(present) + " |", "|" + "---|" * len(present)]
    for row in table.select(present).slice(0, rows).to_pylist():
        lines.append("| " + " | ".join(_cell(row[c]) for c in present) + " |")
    return "\n".join(lines)
