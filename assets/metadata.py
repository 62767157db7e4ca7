"""Run metadata shared by the assets: row counts, bytes and a preview table."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from dagster import MetadataValue


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


def table_metadata(
    table: pa.Table, preview_columns: list[str], text_column: str | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "dagster/row_count": table.num_rows,
        "arrow_bytes": MetadataValue.int(int(table.nbytes)),
        "preview": MetadataValue.md(preview_markdown(table, preview_columns)),
    }
    if text_column and table.num_rows:
        meta["text_bytes"] = MetadataValue.int(
            sum(len((t or "").encode()) for t in table[text_column].to_pylist())
        )
    return meta
