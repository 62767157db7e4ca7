"""The measured accuracy of each extracted field, as the dataset card states it.

`akhbar evaluate --record` writes the evaluation's rows to `resources/gold/figures.json`; the card
reads them from there (the card is rendered where no gold corpus is at hand). A slow test
re-runs the evaluation and fails when the recorded figures are not what the code measures, so
the card never states a figure the code no longer earns.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIGURES_PATH = Path(__file__).resolve().parent / "resources" / "gold" / "figures.json"
ABOUT = (
    "Field-level precision, recall and F1 that `akhbar evaluate` measured on the gold it names; "
    "written by `akhbar evaluate --record`, stated by the dataset card."
)


def write_figures(rows: list[dict[str, Any]], path: Path = FIGURES_PATH) -> None:
    path.write_text(json.dumps({"about": ABOUT, "rows": rows}, ensure_ascii=False, indent=1) + "\n", "utf-8")


def read_figures(path: Path = FIGURES_PATH) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["rows"]


def card_figures(rows: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One row per field and gold for the card: the per-label entity rows are left to `akhbar
    evaluate`, and so is the shuffled-sentence cross-validation, which overstates what users get
    (neighbouring sentences of one article land in training and test folds alike), and so are
    the dev and test halves of the news gold (the card states the whole)."""
    rows = read_figures() if rows is None else rows
    return [
        r
        for r in rows
        if not r["field"].startswith(("entities PER", "entities LOC", "entities ORG", "entities MISC"))
        and "shuffled" not in r["gold"]
        and " half (" not in r["gold"]
    ]
