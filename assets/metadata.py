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
