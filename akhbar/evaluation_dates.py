"""Date gold and its matching for `akhbar evaluate` (and benchmarks/eval_dates.py, which
imports it from here): `akhbar.extract.dates.find_dates` against the gold that exists.

1. TIMEX3 silver (`<corpus>/timeml_silver/Corpus_test`, 48 documents): `type="DATE"`
   annotations made by a rule-based tagger, not by people, so they are *silver*: the tagger
   misses dates, tags durations as dates ("العام 1913" is a DURATION) and resolves year-less dates
   against its own run date (its "اليوم" is 2015-12-24 throughout), sometimes into the future
   ("29 مايو" → 2016-05-29). The extractor is run with that same reference date. Two gold sets:
   every DATE, and the *explicit* ones (a calendar value YYYY[-MM[-DD]] whose text holds a month
   name or a four-digit number: what this extractor is for; "اليوم", "الشهر الماضي", "القرن
   العشرين", "الخميس" are not).
2. The hand-labelled set `akhbar/resources/gold/date_labels.json` (offsets and values only; the
   text is read from the corpus): 10 "dev" articles read while the extractor was written, 10
   "heldout" ones labelled afterwards.

A prediction is right when its span overlaps a gold span ("span"), and for "span+value" also
when both sides are full dates they are the same day (and at coarser precisions the same
month / year). Recall counts the gold mentions overlapped by a right prediction. A year-less
mention kept with a null `date` (no publication date to resolve it against; both gold sets
give one, so it happens only when the year cannot be resolved) is scored on what it states: a
Gregorian one agrees when its month (and day) are the gold value's, a Hijri one, whose month
cannot be set against a Gregorian value without its year, on the span alone. A null date is
not a wrong value; `unresolved` counts these predictions.
"""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from akhbar.extract.dates import DateMention, find_dates

GOLD_DIR = Path(__file__).resolve().parent / "resources" / "gold"
DATE_LABELS = GOLD_DIR / "date_labels.json"
TIMEML_FOLDER = Path("timeml_silver") / "Corpus_test"  # inside the corpus folder
SILVER_REFERENCE = date(2015, 12, 24)  # the tagger's own "today" in every document
_CALENDAR_VALUE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
# Deictic and relative words: a DATE whose text holds one (and no year) is not an explicit date.
# Written independently of the extractor's lexicons, so the subset does not favour them.
_RELATIVE = re.compile(
    r"(?<!\w)(?:ال)?(?:يوم|امس|أمس|غدا|غد|شهر|أسبوع|اسبوع|عام|سنة|قرن|عقد|ان|آن)(?!\w)"
    r"|(?<!\w)(?:قبل|بعد|هذا|هذه|الماضي|الماضية|المقبل|القادم|التالي)(?!\w)"
    r"|(?<!\w)(?:ال)?(?:أحد|احد|اثنين|إثنين|ثلاثاء|أربعاء|اربعاء|خميس|جمعة|سبت)(?!\w)"
)


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    value: str  # TIMEX3 value: "2015-04-12", "2015-04", "2015", "PAST_REF", "19", …

    def overlaps(self, m: DateMention) -> bool:
        return self.start < m.end and m.start < self.end


@dataclass
class Score:
    name: str
    gold: int = 0
    predicted: int = 0
    right: int = 0  # predictions that match a gold mention
    found: int = 0  # gold mentions matched by a prediction
    unresolved: int = 0  # predictions with a null date: year-less, and not resolvable

    @property
    def precision(self) -> float:
        return self.right / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def value_of(m: DateMention) -> str | None:
    """The mention's value at its precision, in TIMEX3 form; None when its year is unknown."""
    if m.date is None:
        return None
    return m.date.isoformat()[: {"day": 10, "month": 7, "year": 4}[m.precision]]


def values_agree(gold_value: str, m: DateMention) -> bool:
    """Same date where both are calendar values, compared at the coarser of the two precisions.
    A mention without a year (null `date`) agrees on what it states: a Gregorian month and day
    equal to the gold value's (where the gold has them); a Hijri one on its span alone."""
    if not _CALENDAR_VALUE.match(gold_value):
        return True
    ours = value_of(m)
    if ours is None:
        if m.calendar == "hijri":
            return True
        stated = [m.month, m.day][: {"year": 0, "month": 1, "day": 2}[m.precision]]
        gold = [int(part) for part in gold_value.split("-")[1:]]
        return all(a == b for a, b in zip(stated, gold, strict=False))
    n = min(len(ours), len(gold_value))
    return ours[:n] == gold_value[:n]


def read_timeml(path: Path) -> tuple[str, list[Gold]]:
    """The document's plain text and its TIMEX3 DATE spans (offsets into that text)."""
    root = ET.parse(path).getroot()
    parts, golds, offset = [root.text or ""], [], len(root.text or "")
    for element in root:
        inner = "".join(element.itertext())
        if element.tag == "TIMEX3" and element.get("type") == "DATE":
            golds.append(Gold(offset, offset + len(inner), element.get("value", "")))
        parts += [inner, element.tail or ""]
        offset += len(inner) + len(element.tail or "")
    return "".join(parts), golds


def is_explicit(text: str, gold: Gold) -> bool:
    """A calendar date written out (the extractor's scope): a year in digits, or a month or day
    named without a relative word ("11 سبتمبر", "سبتمبر الماضي"; not "اليوم", "الشهر الماضي")."""
    mention = text[gold.start : gold.end]
    if not _CALENDAR_VALUE.match(gold.value):
        return False
    if re.search(r"\d{4}", mention):
        return True
    named = re.sub(r"(?:من )?(?:ال)?(?:عام|سنة) (?=ال)", "", mention)  # "31 مارس من العام الماضي"
    named = re.sub(r"(?<!\w)(?:ال)?(?:ماضي|مقبل|قادم|جاري|حالي)(?!\w)", "", named)  # "سبتمبر الماضي"
    named = re.sub(r"(?<!\w)شهر (?=\w)", "", named)  # "اوائل شهر مارس"
    return len(gold.value) > 4 and not _RELATIVE.search(named)


def score(name: str, docs: list[tuple[str, list[Gold], list[DateMention]]], with_value: bool) -> Score:
    s = Score(name)
    for _, golds, mentions in docs:
        s.gold += len(golds)
        s.predicted += len(mentions)
        s.unresolved += sum(m.date is None for m in mentions)
        s.right += sum(
            any(g.overlaps(m) and (not with_value or values_agree(g.value, m)) for g in golds)
            for m in mentions
        )
        s.found += sum(
            any(g.overlaps(m) and (not with_value or values_agree(g.value, m)) for m in mentions)
            for g in golds
        )
    return s


def silver_docs(corpus: Path) -> Iterator[tuple[str, str, list[Gold], list[DateMention]]]:
    """The TIMEX3 documents of `corpus`: (name, text, gold, predicted)."""
    folder = corpus / TIMEML_FOLDER
    paths = sorted(folder.glob("*.tml"), key=lambda p: int(re.sub(r"\D", "", p.stem)))
    if not paths:
        raise FileNotFoundError(f"no TIMEX3 documents (*.tml) in {folder}")
    for path in paths:
        text, golds = read_timeml(path)
        yield path.stem, text, golds, find_dates(text, SILVER_REFERENCE)


def record_text(article: dict, corpus: Path) -> tuple[str, datetime]:
    """The labelled record's text field and publication time, read from the corpus."""
    path = corpus / article["source"]
    with (
        gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8") as fh
    ):
        for i, line in enumerate(fh):
            if "line" in article and i < article["line"]:
                continue
            record = json.loads(line)
            if record["id"] == article["id"]:
                return record[article["field"]], datetime.fromisoformat(article["published"])
    raise KeyError(article["id"])


def labelled_docs(
    split: str, corpus: Path, labels: Path = DATE_LABELS
) -> Iterator[tuple[str, str, list[Gold], list[DateMention]]]:
    """The hand-labelled articles of one split ("dev", "heldout"): (id, text, gold, predicted)."""
    for article in json.loads(labels.read_text(encoding="utf-8"))["articles"]:
        if article["split"] != split:
            continue
        text, published = record_text(article, corpus)
        width = {"day": 10, "month": 7, "year": 4}
        golds = [Gold(d["start"], d["end"], d["date"][: width[d["precision"]]]) for d in article["dates"]]
        yield article["id"], text, golds, find_dates(text, published)
