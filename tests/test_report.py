"""The per-release quality report: statistics, markdown, files and deterministic plots."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import matplotlib
import pyarrow as pa
import pytest

from akhbar.ingest.records import QUARANTINE_SCHEMA
from akhbar.report import (
    PLOTS,
    QualityReport,
    _site,
    plot_data_uris,
    quality_report,
    reason_kind,
    write_report,
)
from akhbar.schema import ARTICLE_SCHEMA

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
UTC = dt.UTC


def _article(
    row_id: str,
    source: str = "alpha",
    *,
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


def _articles(*rows: dict[str, Any]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=ARTICLE_SCHEMA)


def _quarantine(*rows: tuple[str, str]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"source": source, "origin": f"q{i}.txt", "stage": "ingest", "reason": reason}
            for i, (source, reason) in enumerate(rows)
        ],
        schema=QUARANTINE_SCHEMA,
    )


NO_QUARANTINE = _quarantine()


@pytest.fixture(scope="module")
def release() -> tuple[pa.Table, pa.Table]:
    """Two sources, one duplicate cluster of three, quotes, tags, entities and dates."""
    articles = _articles(
        _article(
            "a1",
            words=40,
            published=dt.datetime(2024, 4, 3, 10, tzinfo=UTC),
            lead="مقدمة الخبر",
            byline="الرياض - واس",
            tags=["غزة", "غزة", "سياسة"],
            quotes=[("نص أول", "زيد"), ("نص ثان", "عمرو"), ("نص ثالث", None)],
            entities=[("غزة", "LOC"), ("غزة", "LOC"), ("زيد", "PER")],
            dates=1,
        ),
        _article(
            "a2",
            words=120,
            published=dt.datetime(2024, 4, 30, 23, tzinfo=UTC),
            tags=["سياسة"],
            quotes=[("نص رابع", "عمرو"), ("نص خامس", "زيد")],
            entities=[("الأمم المتحدة", "ORG")],
            quantities=2,
        ),
        _article("a3", words=120, published=dt.datetime(2024, 6, 1, tzinfo=UTC), duplicate_of="a2"),
        _article("b1", "beta", words=600, lead="   ", captions=[{"text": "صورة", "credit": None}]),
        _article("b2", "beta", words=7000, quotes=[("قول", "  ")], duplicate_of="a2"),
        _article("b3", "beta", words=300, tags=["اقتصاد"], duplicate_of="b4"),
        _article("b4", "beta", words=300, entities=[("غزة", "LOC")]),
    )
    quarantine = _quarantine(
        ("beta", "empty file"),
        ("gamma", "no title (title field missing or empty)"),
        ("gamma", "duplicate id 3036bb1e: same url or record id as gamma:x.jsonl#L3"),
        ("gamma", "duplicate id 77aa01ff: same url or record id as gamma:x.jsonl#L9"),
    )
    return articles, quarantine


@pytest.fixture(scope="module")
def report(release: tuple[pa.Table, pa.Table]) -> QualityReport:
    articles, quarantine = release
    return quality_report(
        articles,
        quarantine,
        checks=[
            {"name": "article_fields", "passed": True, "evaluated": 12, "failed": 0},
            {"name": "arabic_ratio", "passed": False, "evaluated": 7, "failed": 2, "threshold": 0.5},
        ],
        accounting={"raw": 11, "released": 7, "quarantined": 4},
    )


def test_rows_per_source(report: QualityReport) -> None:
    assert report.sources == [
        {"source": "alpha", "released": 3, "duplicates": 1, "quarantined": 0, "raw": 3},
        {"source": "beta", "released": 4, "duplicates": 2, "quarantined": 1, "raw": 5},
        {"source": "gamma", "released": 0, "duplicates": 0, "quarantined": 3, "raw": 3},
    ]
    assert report.totals == {"released": 7, "duplicates": 3, "unique": 4, "quarantined": 4, "raw": 11}


@pytest.mark.parametrize(
    ("field", "rows", "share", "alpha", "beta"),
    [
        ("url", 7, 1.0, 1.0, 1.0),
        ("published_at", 3, 0.4286, 1.0, 0.0),
        ("lead", 1, 0.1429, 0.3333, 0.0),  # a whitespace-only lead does not count
        ("byline", 1, 0.1429, 0.3333, 0.0),
        ("captions", 1, 0.1429, 0.0, 0.25),
        ("tags", 3, 0.4286, 0.6667, 0.25),
        ("quotes", 3, 0.4286, 0.6667, 0.25),
        ("quotes_with_speaker", 2, 0.2857, 0.6667, 0.0),  # a blank speaker is no speaker
        ("entities", 3, 0.4286, 0.6667, 0.25),
        ("dates", 1, 0.1429, 0.3333, 0.0),
        ("quantities", 1, 0.1429, 0.3333, 0.0),
    ],
)
def test_field_coverage(
    report: QualityReport, field: str, rows: int, share: float, alpha: float, beta: float
) -> None:
    (entry,) = [c for c in report.coverage if c["field"] == field]
    assert (entry["rows"], entry["share"], entry["by_source"]) == (
        rows,
        share,
        {"alpha": alpha, "beta": beta},
    )


def test_top_speakers_ties_broken_by_name(report: QualityReport) -> None:
    # زيد and عمرو both have 2 quotes in 2 articles: code-point order decides; blanks are dropped.
    assert report.top_speakers == [
        {"speaker": "زيد", "quotes": 2, "articles": 2},
        {"speaker": "عمرو", "quotes": 2, "articles": 2},
    ]
    assert "زيد" < "عمرو"


def test_top_tags_count_articles_once(report: QualityReport) -> None:
    assert report.top_tags == [
        {"tag": "سياسة", "articles": 2},
        {"tag": "اقتصاد", "articles": 1},
        {"tag": "غزة", "articles": 1},  # twice in a1, one article
    ]


@pytest.mark.parametrize("top", [1, 2])
def test_top_is_a_limit(release: tuple[pa.Table, pa.Table], top: int) -> None:
    result = quality_report(*release, top=top)
    assert [t["tag"] for t in result.top_tags] == ["سياسة", "اقتصاد"][:top]
    assert all(len(v) <= top for v in result.top_entities.values())


def test_top_entities_per_label(report: QualityReport) -> None:
    assert report.top_entities == {
        "LOC": [{"text": "غزة", "mentions": 3, "articles": 2}],
        "MISC": [],
        "ORG": [{"text": "الأمم المتحدة", "mentions": 1, "articles": 1}],
        "PER": [{"text": "زيد", "mentions": 1, "articles": 1}],
    }


def test_duplicate_clusters(report: QualityReport) -> None:
    d = report.duplicates
    assert d["clusters"] == 2 and d["duplicate_rows"] == 3
    assert d["sizes"] == [{"size": 2, "clusters": 1}, {"size": 3, "clusters": 1}]
    assert d["largest"] == [
        {"kept": "a2", "size": 3, "sources": ["alpha", "beta"], "sites": ["example.org"]},
        {"kept": "b4", "size": 2, "sources": ["beta"], "sites": ["example.org"]},
    ]
    assert d["cross_source_clusters"] == 1 and d["kept_not_released"] == 0


def test_duplicate_of_an_earlier_release() -> None:
    earlier = quality_report(
        _articles(_article("n1", duplicate_of="old"), _article("n2", "beta", duplicate_of="old")),
        NO_QUARANTINE,
    )
    d = earlier.duplicates
    assert d["largest"] == [
        {"kept": "old", "size": 3, "sources": ["alpha", "beta"], "sites": ["example.org"]}
    ]
    assert d["kept_not_released"] == 1
    assert "1 cluster kept by an article not in this release" in earlier.to_markdown()


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("empty file", "empty file"),
        ("no title (title field missing or empty)", "no title"),
        ("duplicate id 3036bb1e65b7: same url or record id as x", "duplicate id"),
        ("invalid JSON: Expecting value at line 1", "invalid JSON"),
        ("binary content (NUL bytes), not text", "binary content, not text"),
        ("title: mojibake: 3 U+FFFD replacement character(s)", "title"),
        ("(12)", "other"),
    ],
)
def test_reason_kind(reason: str, kind: str) -> None:
    assert reason_kind(reason) == kind


def test_quarantine_reasons(report: QualityReport) -> None:
    assert [(q["kind"], q["count"], q["by_source"]) for q in report.quarantine] == [
        ("duplicate id", 2, {"gamma": 2}),
        ("empty file", 1, {"beta": 1}),
        ("no title", 1, {"gamma": 1}),
    ]
    assert report.quarantine[0]["example"].startswith("duplicate id 3036bb1e:")  # smallest reason


def test_word_count_distribution(report: QualityReport) -> None:
    wc = report.word_count
    assert wc["all"] == {
        "rows": 7,
        "min": 40,
        "p05": 64.0,
        "p25": 120.0,
        "median": 300.0,
        "p75": 450.0,
        "p95": 5080.0,
        "max": 7000,
        "mean": 1211.4,
    }
    assert wc["by_source"]["alpha"]["median"] == 120.0
    assert wc["bins"][0] == "0-49" and wc["bins"][-1] == "5000+"
    assert wc["histogram"]["alpha"][:3] == [1, 0, 2]  # 40 | 50-99 | 120, 120
    assert wc["histogram"]["beta"][wc["bins"].index("300-399")] == 2
    assert wc["histogram"]["beta"][-1] == 1
    assert sum(map(sum, wc["histogram"].values())) == 7


def test_published_per_month(report: QualityReport) -> None:
    p = report.published
    assert p["months"] == [
        {"month": "2024-04", "articles": 2, "by_source": {"alpha": 2}},  # 23:00 UTC stays in April
        {"month": "2024-06", "articles": 1, "by_source": {"alpha": 1}},
    ]
    assert (p["dated"], p["undated"], p["first_month"], p["last_month"]) == (
        3,
        {"alpha": 0, "beta": 4},
        "2024-04",
        "2024-06",
    )


def test_checks_and_accounting(report: QualityReport) -> None:
    assert [c["name"] for c in report.checks] == ["article_fields", "arabic_ratio"]
    assert report.accounting == {
        "given": {"quarantined": 4, "raw": 11, "released": 7},
        "balanced": True,
        "matches_tables": True,
    }
    wrong = quality_report(
        _articles(_article("x")), NO_QUARANTINE, accounting={"raw": 3, "released": 2, "quarantined": 0}
    )
    assert wrong.accounting is not None
    assert (wrong.accounting["balanced"], wrong.accounting["matches_tables"]) == (False, False)


def test_markdown_shows_the_numbers(report: QualityReport) -> None:
    md = report.to_markdown()
    assert "| alpha | 3 | 1 | 0 | 120 | 100.0% |" in md
    assert "| beta | 4 | 2 | 1 | 450 | 0.0% |" in md
    assert "| gamma | 0 | 0 | 3 |  |  |" in md
    assert "| **all** | 7 | 3 | 4 | 300 | 42.9% |" in md
    assert "| quotes_with_speaker | 2 | 28.6% | 66.7% | 0.0% |" in md
    assert "| زيد | 2 | 2 |" in md
    assert "| 1 | غزة (3) | الأمم المتحدة (1) | زيد (1) |" in md
    assert "| arabic_ratio | FAIL | 7 | 2 | threshold=0.5 |" in md
    assert "| duplicate id | 2 | gamma: 2 |" in md
    assert "| a2 | 3 | alpha, beta |" in md
    assert "Checks: 1 of 2 passed (failed: arabic_ratio)." in md
    assert "![" not in md  # no images unless asked for
    linked = report.to_markdown(images={"field_coverage": "plots/field_coverage.png"})
    assert "![field coverage](plots/field_coverage.png)" in linked


def test_summary_markdown_is_short(report: QualityReport) -> None:
    summary = report.summary_markdown()
    assert summary.startswith(
        "**7** articles released from 2 sources (3 marked as duplicates in 2 clusters); "
    )
    assert "4 raw inputs quarantined. Publication dates from 2024-04 to 2024-06." in summary
    assert "| **all** | 7 | 3 | 4 | 300 | 42.9% |" in summary
    assert "###" not in summary and len(summary.splitlines()) <= 10


def test_markdown_escapes_pipes() -> None:
    result = quality_report(_articles(_article("x", tags=["أ|ب"])), NO_QUARANTINE)
    assert "| أ\\|ب | 1 |" in result.to_markdown()


def test_chunked_tables_give_the_same_report(release: tuple[pa.Table, pa.Table]) -> None:
    articles, quarantine = release
    chunked = pa.concat_tables([articles.slice(0, 3), articles.slice(3)])
    assert chunked["quotes"].num_chunks == 2
    assert quality_report(chunked, quarantine) == quality_report(articles, quarantine)


def test_write_report_files_are_valid_and_deterministic(report: QualityReport, tmp_path: Path) -> None:
    first = write_report(report, tmp_path / "one")
    with matplotlib.rc_context({"font.size": 20, "lines.linewidth": 7.0}):  # a user's matplotlibrc
        second = write_report(report, tmp_path / "two")
        assert matplotlib.rcParams["font.size"] == 20  # left as it was
    names = [p.relative_to(tmp_path / "one").as_posix() for p in first]
    assert names == sorted(["quality_report.json", "quality_report.md", *PLOTS.values()])
    assert [p.relative_to(tmp_path / "two").as_posix() for p in second] == names
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    for rel in PLOTS.values():
        data = (tmp_path / "one" / rel).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5_000
        assert b"Software" not in data and b"tIME" not in data
    text = (tmp_path / "one" / "quality_report.json").read_text(encoding="utf-8")
    assert QualityReport.from_dict(json.loads(text)) == report == QualityReport.from_json(text)
    assert text == report.to_json() and "زيد" in text  # UTF-8, not \\u escapes
    md = (tmp_path / "one" / "quality_report.md").read_text(encoding="utf-8")
    assert all(f"]({rel})" in md for rel in PLOTS.values())
    uris = plot_data_uris(tmp_path / "one")
    assert sorted(uris) == sorted(PLOTS) and all(
        u.startswith("data:image/png;base64,iVBORw0KGgo") for u in uris.values()
    )


def test_empty_release(tmp_path: Path) -> None:
    result = quality_report(_articles(), NO_QUARANTINE, checks=[], accounting=None)
    assert result.totals == {"released": 0, "duplicates": 0, "unique": 0, "quarantined": 0, "raw": 0}
    assert result.word_count["all"] == {"rows": 0} and result.published["months"] == []
    assert "No tags." in result.to_markdown() and "No duplicates." in result.to_markdown()
    paths = write_report(result, tmp_path)
    assert all(p.read_bytes().startswith(PNG_MAGIC) for p in paths if p.suffix == ".png")


def test_non_latin_source_names_get_plot_labels(tmp_path: Path) -> None:
    result = quality_report(
        _articles(_article("x", "الرياض"), _article("y", "okaz"), _article("z", "عكاظ")),
        _quarantine(("عكاظ", "empty file")),
    )
    assert result.plot_labels() == {"okaz": "okaz", "الرياض": "S2", "عكاظ": "S3"}
    assert "Plot labels: S2 = الرياض, S3 = عكاظ" in result.to_markdown()
    assert tmp_path / PLOTS["rows_per_source"] in write_report(result, tmp_path)


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("http://aawsat.com/home/article/410826/x", "aawsat.com"),
        ("https://www.sabq.org/a", "sabq.org"),
        (None, None),
        ("", None),
    ],
)
def test_cluster_web_site_of_a_url(url: str | None, site: str | None) -> None:
    """An aggregated source (SaudiNewsNet) republishes wire stories on many sites: clusters say which."""
    assert _site(url) == site
