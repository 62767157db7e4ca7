"""Release rows for the report and card tests: one article row as ARTICLE_SCHEMA wants it,
quarantine rows, and random releases (with ties, blanks, nulls, odd urls, duplicates) split
into random parts. Shared by tests/test_report.py and tests/test_card_stats.py."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pyarrow as pa

from akhbar.ingest.records import QUARANTINE_SCHEMA
from akhbar.schema import ARTICLE_SCHEMA

UTC = dt.UTC


def article_row(
    row_id: str,
    source: str = "alpha",
    *,
    license: str = "cc-by-4.0",
    words: int = 10,
    published: dt.datetime | None = None,
    lead: str | None = None,
    byline: str | None = None,
    captions: list[dict[str, Any]] | None = None,
    tags: list[str] | None = None,
    quotes: list[tuple[str, str | None]] | None = None,
    entities: list[tuple[str, str]] | None = None,
    dates: int = 0,
    quantities: int = 0,
    duplicate_of: str | None = None,
) -> dict[str, Any]:
    body = " ".join(["كلمة"] * words)
    return {
        "id": row_id,
        "source": source,
        "license": license,
        "url": f"https://example.org/{row_id}",
        "published_at": published,
        "title": f"عنوان {row_id}",
        "lead": lead,
        "byline": byline,
        "body": body,
        "paragraphs": [body],
        "captions": captions or [],
        "tags": tags or [],
        "quotes": [
            {"text": text, "speaker": speaker, "verb": "قال", "paragraph": 0}
            for text, speaker in quotes or []
        ],
        "entities": [{"text": text, "label": label, "start": 0, "end": 1} for text, label in entities or []],
        "dates": [
            {
                "text": "أمس",
                "date": dt.date(2024, 1, 1),
                "calendar": "gregorian",
                "precision": "day",
                "year_inferred": False,
            }
        ]
        * dates,
        "quantities": [
            {
                "text": "5 كيلومترات",
                "value": 5.0,
                "unit": "كيلومتر",
                "approximate": False,
                "start": 0,
                "end": 1,
            }
        ]
        * quantities,
        "word_count": words,
        "char_count": len(body),
        "origin": f"{row_id}.txt",
        "raw_sha256": "0" * 64,
        "duplicate_of": duplicate_of,
        "pipeline_version": "test",
    }


def article_table(*rows: dict[str, Any]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=ARTICLE_SCHEMA)


def quarantine_table(*rows: tuple[str, str]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"source": source, "origin": f"q{i}.txt", "stage": "ingest", "reason": reason}
            for i, (source, reason) in enumerate(rows)
        ],
        schema=QUARANTINE_SCHEMA,
    )


HOSTS = (
    "https://www.Example.org/news/",
    "http://aawsat.com/home/article/",
    "https://sabq.org:443/a?x=",
    "HTTP://WWW.www.Okaz.com.sa#",
    "https://www./",
    "ftp://files.example.net/",
    "//no-scheme.example.org/",
    "https://user:pw@Host.Example.net/",
    "http://[::1]:8080/",
    "https://bad\tsite.com/",
    "https://tab.example.com/path\twith tab/",
    "https://ÙŠ.example/",
    "not a url ",
    "",
    None,
)
SOURCES = ("alpha", "beta", "عكاظ", "sabq", "okaz 2")
TAGS = ("سياسة", "اقتصاد", "غزة", " غزة ", "رياضة", "a|b", "   ", "")
SPEAKERS = ("زيد", "عمرو", "الوزير", "  ", None, "زيد ")
ENTITIES = (
    ("غزة", "LOC"),
    ("زيد", "PER"),
    ("الأمم المتحدة", "ORG"),
    ("x", None),
    ("y", ""),
    ("z", "XYZ"),
    (" ", "PER"),
)


def random_release(seed: int, n: int) -> pa.Table:
    """Rows as the fixture builds them, drawn at random: ties in every ranking, blanks, nulls,
    odd urls and labels, duplicates of rows before and after them, of rows outside the release
    and of each other, and a few repeated ids."""
    rng = random.Random(seed)
    ids = [f"{rng.getrandbits(40):010x}" for _ in range(n)]
    for _ in range(max(1, n // 100)):  # repeated ids: a dict over the rows keeps the last one
        ids[rng.randrange(n)] = ids[rng.randrange(n)]
    rows = []
    for i, row_id in enumerate(ids):
        host = rng.choice(HOSTS)
        dup = None
        if rng.random() < 0.3:
            dup = rng.choice(ids) if rng.random() < 0.8 else f"old{rng.randrange(5)}"
        row = article_row(
            row_id,
            rng.choice(SOURCES),
            words=rng.choice([0, 1, 49, 50, 120, 120, 300, 999, 5000, 7000, rng.randrange(4000)]),
            published=(
                dt.datetime(
                    rng.choice([2019, 2023, 2024]), rng.randint(1, 12), 28, rng.randint(0, 23), tzinfo=UTC
                )
                if rng.random() < 0.7
                else None
            ),
            lead=rng.choice([None, "", "   ", "مقدمة"]),
            byline=rng.choice([None, "الرياض - واس"]),
            captions=[{"text": "صورة", "credit": None}] * rng.randrange(2),
            tags=rng.sample(TAGS, rng.randrange(4)) + rng.sample(TAGS, rng.randrange(2)),
            quotes=[("نص", rng.choice(SPEAKERS)) for _ in range(rng.randrange(4))],
            entities=[rng.choice(ENTITIES) for _ in range(rng.randrange(5))],
            dates=rng.randrange(2),
            quantities=rng.randrange(2),
            duplicate_of=dup,
        )
        row["url"] = None if host is None else f"{host}{i}"
        for key in ("word_count", "captions", "tags", "quotes", "entities", "dates"):
            if rng.random() < 0.05:
                row[key] = None  # null cells, not only empty lists
        rows.append(row)
    return article_table(*rows)


def random_split(table: pa.Table, rng: random.Random) -> list[pa.Table]:
    """Parts of random sizes (empty ones included), some of several chunks."""
    parts, start = [], 0
    while start < table.num_rows:
        size = rng.choice([0, 1, 2, 7, 50, 200])
        part = table.slice(start, size)
        if size > 2 and rng.random() < 0.5:
            part = pa.concat_tables([part.slice(0, 1), part.slice(1)])
        parts.append(part)
        start += size
    return [table.slice(0, 0), *parts, table.slice(table.num_rows)]
