from __future__ import annotations

from pathlib import Path

import pytest

from akhbar.extract.quantities import find_quantities


@pytest.mark.parametrize(
    ("text", "mention", "value", "unit", "approximate"),
    [
        ("واستمر الاجتماع نحو 6 ساعات ونصف الساعة.", "نحو 6 ساعات ونصف الساعة", 6.5, "ساعات", True),
        ("خطة لبناء منازل لنحو 230 ألف مستوطن.", "نحو 230 ألف مستوطن", 230_000.0, "مستوطن", True),
        ("بلغت الخسائر أكثر من 1.5 مليون دولار", "أكثر من 1.5 مليون دولار", 1_500_000.0, "دولار", True),
        ("ارتفع التضخم بنسبة 20% خلال العام", "20%", 20.0, "%", False),
        ("وصل ١٢٣ شخصا إلى المدينة", "١٢٣ شخصا", 123.0, "شخصا", False),
        ("بلغ الدين 2,500 مليار ريال", "2,500 مليار ريال", 2.5e12, "ريال", False),
    ],
)
def test_quantities(text: str, mention: str, value: float, unit: str, approximate: bool) -> None:
    (quantity,) = find_quantities(text)
    assert (quantity.text, quantity.value, quantity.unit, quantity.approximate) == (
        mention,
        value,
        unit,
        approximate,
    )
    assert text[quantity.start : quantity.end] == quantity.text


@pytest.mark.parametrize(
    "text",
    [
        "في 18 شباط/فبراير 2025 عقد الاجتماع",
        "كان عام 2023 صعبا",
        "عند الساعة 10:30 صباحا",
        "الصفحة 12",
        "سنة 1436 هـ",
    ],
)
def test_not_quantities(text: str) -> None:
    assert find_quantities(text) == []


def test_first_character_lookahead_finds_what_the_plain_pattern_finds(corpus: Path) -> None:
    import gzip
    import json
    import re

    from akhbar.extract import quantities

    plain = re.compile(quantities._QUANTITY_PATTERN)
    with gzip.open(corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz", "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["content"] for _, line in zip(range(300), f, strict=False)]
    approximators = quantities._APPROX.split("|")
    texts += [f"{p}{a} 5 ملايين دولار" for a in approximators for p in ("", "و", "ل", "ب", "ك")]
    texts += ["٣٫٥ في المئة", "۱۲ كيلومترا", "ارتفع 7% و2.5 مليار"]
    found = [[(m.span(), m.groupdict()) for m in quantities._QUANTITY.finditer(t)] for t in texts]
    assert found == [[(m.span(), m.groupdict()) for m in plain.finditer(t)] for t in texts]
    assert sum(map(len, found)) > 500
