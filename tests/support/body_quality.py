"""Body-quality measurement on shared-corpus sources against their own metadata fields.

Chrome is recognised here by an independent list of patterns observed in the corpus (not by
the pipeline's own rules), so the measurement can catch what the pipeline misses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from akhbar.ingest import SourceConfig, read_sources
from akhbar.normalize import clean_text
from akhbar.runner import extract_fields, normalize_articles

KNOWN_CHROME = re.compile(
    r"^(?:اليوم \d|\d{1,2} (?:اب|أيلول|آب|نيسان|آذار)\b)"  # related-widget time lines
    r"|تصفح المزيد|^اخترنا لك$|شبكة الميادين الإعلامية قناة فضائية|جميع الحقوق محفوظة"
    r"|pic\.twitter\.com|^Next Previous|للتواصل مع الكاتب ارسل رسالة|^\d{5,6} - (?:Stc|Mobily|Zain)$"
    r"|للتواصل أرسل sms|^\.\.\.المزيد$|^\*(?: ?\*)+$|^AHDATH\.INFO?$"
    r"|^في السابع من تشرين الأول/أكتوبر 2023 أعلنت كتائب القسام"  # a stock explainer box
)


# A first line that looks like a byline: at most 6 words around a dash, no sentence end.
BYLINE_LINE = re.compile(r"^[^.!?؟:]{2,40} [-–] [^.!?؟:]{2,40}$")


@dataclass
class BodyQuality:
    articles: int = 0
    title_exact: int = 0
    lead_exact: int = 0
    lead_expected: int = 0
    lead_repeated_in_body: int = 0
    byline_lines: int = 0  # articles whose text opens with a byline-looking line
    byline_left_in_body: int = 0
    body_lines: int = 0
    chrome_lines: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def chrome_share(self) -> float:
        return self.chrome_lines / max(self.body_lines, 1)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "articles": self.articles,
            "title_exact": self.title_exact / max(self.articles, 1),
            "lead_exact": self.lead_exact / max(self.lead_expected, 1),
            "lead_repeated_in_body": self.lead_repeated_in_body,
            "byline_lines": self.byline_lines,
            "byline_left_in_body": self.byline_left_in_body,
            "body_lines": self.body_lines,
            "chrome_share": round(self.chrome_share, 5),
        }


def _folded(text: str | None) -> str:
    return " ".join(clean_text(text or "").split())


def measure(
    source: SourceConfig,
    records: dict[str, dict],
    *,
    title_field: str = "title",
    lead_field: str | None = None,
    text_field: str = "text",
) -> BodyQuality:
    """Build fields for `source` and compare with the source's own records (keyed by origin)."""
    batch = read_sources([source])
    fields: pa.Table = extract_fields(normalize_articles(batch.articles))
    quality = BodyQuality()
    for row in fields.to_pylist():
        record = records[row["origin"]]
        quality.articles += 1
        quality.title_exact += row["title"] == _folded(record.get(title_field))
        if lead_field and record.get(lead_field):
            quality.lead_expected += 1
            lead = _folded(record[lead_field])
            body = _folded(row["body"])
            # A report whose whole text is its lead has that text as body and no lead (a lead
            # never repeats the body); anything else must carry the source's lead exactly.
            quality.lead_exact += _folded(row["lead"]) == lead or (row["lead"] is None and body == lead)
            # a report whose whole text is its lead keeps it as body; that is not a repeat
            quality.lead_repeated_in_body += bool(lead) and body != lead and body.startswith(lead[:80])
        first_line = _folded((record.get(text_field) or "").strip().split("\n")[0])
        if BYLINE_LINE.match(first_line):
            quality.byline_lines += 1
            quality.byline_left_in_body += _folded(row["body"]).startswith(first_line)
        for line in row["paragraphs"]:
            quality.body_lines += 1
            if KNOWN_CHROME.search(line):
                quality.chrome_lines += 1
                if len(quality.examples) < 10:
                    quality.examples.append(line[:120])
    return quality


def jsonl_records(path: Path, opener=open) -> dict[str, dict]:
    with opener(path, "rt", encoding="utf-8") as fh:
        return {f"{path.name}#L{i}": json.loads(line) for i, line in enumerate(fh, start=1) if line.strip()}
