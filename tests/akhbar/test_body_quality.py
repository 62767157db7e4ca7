"""Body quality on real scrapes, measured against the sources' own title / lead / keywords
fields and an independent list of chrome patterns (tests/body_quality.py). The numbers are
printed; the thresholds are what the pipeline holds today."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from akhbar.boilerplate import resegment_flattened
from akhbar.ingest import SourceConfig
from tests.support.body_quality import jsonl_records, measure


def _report(name: str, numbers: dict, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\nbody quality {name}: {numbers}")


@pytest.mark.parametrize(
    ("month", "max_chrome_share", "max_lead_repeats"),
    [("2024-04", 0.001, 2), ("2024-09", 0.002, 8)],
)
def test_almayadeen_body_quality(
    corpus: Path, month: str, max_chrome_share: float, max_lead_repeats: int, capsys
) -> None:
    path = corpus / "almayadeen" / f"almayadeen_{month}.jsonl"
    source = SourceConfig("almayadeen", str(path), "jsonl", fields={"tags": ("keywords",)})
    quality = measure(source, jsonl_records(path), lead_field="lead")
    _report(f"almayadeen {month}", quality.as_dict(), capsys)
    assert quality.articles > 350
    assert quality.title_exact == quality.articles
    assert quality.lead_exact == quality.lead_expected
    assert quality.lead_repeated_in_body <= max_lead_repeats
    assert quality.chrome_share <= max_chrome_share, quality.examples


@pytest.mark.slow
def test_saudinewsnet_body_quality(corpus: Path, tmp_path: Path, capsys) -> None:
    path = corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"
    sample = tmp_path / "snn.jsonl.gz"
    with gzip.open(path, "rb") as src, gzip.open(sample, "wb") as out:
        for i, line in enumerate(src):
            if i % 4 == 0:  # every 4th article: all 14 outlets, a quarter of the time
                out.write(line)
    source = SourceConfig("saudinewsnet", str(sample), "jsonl")
    quality = measure(source, jsonl_records(sample, gzip.open), text_field="content")
    _report("saudinewsnet (1/4 sample)", quality.as_dict(), capsys)
    assert quality.articles > 6000
    assert quality.title_exact == quality.articles
    assert quality.chrome_share <= 0.001, quality.examples
    assert quality.byline_lines > 100
    assert quality.byline_left_in_body <= quality.byline_lines * 0.05


def test_resegmentation_recovers_paragraph_breaks(corpus: Path, capsys) -> None:
    """Al Mayadeen 2024-04 keeps its line breaks: flatten them, re-segment, compare breaks."""
    records = jsonl_records(corpus / "almayadeen" / "almayadeen_2024-04.jsonl")
    tp = fp = fn = 0
    for record in records.values():
        gold = [" ".join(line.split()) for line in (record.get("text") or "").split("\n") if line.strip()]
        if len(gold) < 2:
            continue
        flat = " ".join(gold)
        predicted = resegment_flattened(flat).split("\n")

        def breaks(parts: list[str], flat: str = flat) -> set[int]:
            found, position = set(), 0
            for part in parts[:-1]:
                position = flat.index(part, position) + len(part)
                found.add(position)
            return found

        gold_breaks = breaks(gold)
        predicted_breaks = breaks([re.sub(r"\s+", " ", p).strip() for p in predicted])
        tp += len(gold_breaks & predicted_breaks)
        fp += len(predicted_breaks - gold_breaks)
        fn += len(gold_breaks - predicted_breaks)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    _report(
        "re-segmentation",
        {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)},
        capsys,
    )
    assert f1 >= 0.85
