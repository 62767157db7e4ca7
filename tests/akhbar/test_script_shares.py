"""The per-article script measures the normalized suite judges: Arabic ratio and Arabic letter
share of the paragraphs."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest

from akhbar.normalize import arabic_ratio
from akhbar.quality import paragraphs_text, script_shares


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("نص عربي", 1.0),
        ("English only", 0.0),
        ("جدول 12 13", 4 / 8),  # digits count against the share, not the ratio
        ("١٢ سعر", 3 / 5),  # Arabic-Indic digits are digits too
        ("نَصٌّ، مُشَكَّل!", 1.0),  # marks and punctuation count for nothing
        ("123 456", 0.0),  # a table of numbers
        ("", math.nan),
        (None, math.nan),
        ("... -- !!", math.nan),
    ],
)
def test_script_shares(text: str | None, share: float) -> None:
    (ratio,), (got,) = script_shares(pa.array([text], pa.string()))
    assert got == pytest.approx(share, nan_ok=True)
    letters = any(c.isalpha() for c in text or "")
    assert ratio == pytest.approx(arabic_ratio(text) if letters else math.nan, nan_ok=True)


def test_script_shares_of_many_texts_match_one_by_one() -> None:
    texts = [("نص عربي " * (i % 7) + "word 12 " * (i % 3)) or None for i in range(2500)]
    ratios, shares = script_shares(pa.array(texts, pa.string()))
    for i in range(len(texts)):  # every one: empty texts cut their neighbours' counts once
        (one_ratio,), (one_share,) = script_shares(pa.array([texts[i]], pa.string()))
        assert (ratios[i], shares[i]) == pytest.approx((one_ratio, one_share), nan_ok=True)


def test_paragraphs_text_keeps_only_paragraph_blocks() -> None:
    block = pa.struct([("text", pa.string()), ("kind", pa.string())])
    blocks = pa.array(
        [
            [{"text": "فقرة أولى", "kind": "paragraph"}, {"text": "Photo: AFP", "kind": "media"}],
            [],
            None,
            [{"text": "أ", "kind": "paragraph"}, {"text": "ب", "kind": "paragraph"}],
        ],
        pa.list_(block),
    )
    assert paragraphs_text(blocks).to_pylist() == ["فقرة أولى", "", "", "أ\nب"]
    assert paragraphs_text(pa.chunked_array([blocks.slice(3)])).to_pylist() == ["أ\nب"]
