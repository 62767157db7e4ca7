"""The per-release quality report: statistics, markdown, files and deterministic plots.

The report of a release given part by part must be the report of the whole table, and the
whole-table reports of random releases must be the ones recorded (`RECORDED`: sha256 of their
JSON, as the whole-table code before the streaming accumulator computed them)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from pathlib import Path

import matplotlib
import pyarrow as pa
import pytest

from akhbar.card import card_stats
from akhbar.report import (
    PLOTS,
    QualityReport,
    ReportAccumulator,
    plot_data_uris,
    quality_report,
    reason_kind,
    write_report,
)
from akhbar.report.accumulate import _site
from tests.support.release_rows import (
    HOSTS,
    UTC,
    article_row,
    article_table,
    quarantine_table,
    random_release,
    random_split,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


NO_QUARANTINE = quarantine_table()


@pytest.fixture(scope="module")
def release() -> tuple[pa.Table, pa.Table]:
    """Two sources, one duplicate cluster of three, quotes, tags, entities and dates."""
    articles = article_table(
        article_row(
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
        article_row(
            "a2",
            words=120,
            published=dt.datetime(2024, 4, 30, 23, tzinfo=UTC),
            tags=["سياسة"],
            quotes=[("نص رابع", "عمرو"), ("نص خامس", "زيد")],
            entities=[("الأمم المتحدة", "ORG")],
            quantities=2,
        ),
        article_row("a3", words=120, published=dt.datetime(2024, 6, 1, tzinfo=UTC), duplicate_of="a2"),
        article_row("b1", "beta", words=600, lead="   ", captions=[{"text": "صورة", "credit": None}]),
        article_row("b2", "beta", words=7000, quotes=[("قول", "  ")], duplicate_of="a2"),
        article_row("b3", "beta", words=300, tags=["اقتصاد"], duplicate_of="b4"),
        article_row("b4", "beta", words=300, entities=[("غزة", "LOC")]),
    )
    quarantine = quarantine_table(
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
        article_table(article_row("n1", duplicate_of="old"), article_row("n2", "beta", duplicate_of="old")),
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
        article_table(article_row("x")), NO_QUARANTINE, accounting={"raw": 3, "released": 2, "quarantined": 0}
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
    assert "Checks run before this release was written: 1 of 2 passed (failed: arabic_ratio)." in md
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
    result = quality_report(article_table(article_row("x", tags=["أ|ب"])), NO_QUARANTINE)
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
    result = quality_report(article_table(), NO_QUARANTINE, checks=[], accounting=None)
    assert result.totals == {"released": 0, "duplicates": 0, "unique": 0, "quarantined": 0, "raw": 0}
    assert result.word_count["all"] == {"rows": 0} and result.published["months"] == []
    assert "No tags." in result.to_markdown() and "No duplicates." in result.to_markdown()
    paths = write_report(result, tmp_path)
    assert all(p.read_bytes().startswith(PNG_MAGIC) for p in paths if p.suffix == ".png")


def test_non_latin_source_names_get_plot_labels(tmp_path: Path) -> None:
    result = quality_report(
        article_table(article_row("x", "الرياض"), article_row("y", "okaz"), article_row("z", "عكاظ")),
        quarantine_table(("عكاظ", "empty file")),
    )
    assert result.plot_labels() == {"okaz": "okaz", "الرياض": "S2", "عكاظ": "S3"}
    assert "Plot labels: S2 = الرياض, S3 = عكاظ" in result.to_markdown()
    assert tmp_path / PLOTS["rows_per_source"] in write_report(result, tmp_path)


@pytest.mark.parametrize("name", [r"x$\frac$", "a $b$ c", "$", "a|b <script>"])
def test_source_names_never_reach_mathtext_or_html(name: str, tmp_path: Path) -> None:
    """A `$` in a plot label would start matplotlib's mathtext (`$\\frac$` stopped the release):
    such a name gets an S-label; the Markdown shows it escaped."""
    result = quality_report(article_table(article_row("x", name), article_row("y", "okaz")), NO_QUARANTINE)
    assert (result.plot_labels()[name] == name) == ("$" not in name)
    assert len(write_report(result, tmp_path)) == 2 + len(PLOTS)
    markdown = (tmp_path / "quality_report.md").read_text(encoding="utf-8")
    assert "<script" not in markdown
    assert ("a\\|b &lt;script&gt;" in markdown) == ("|" in name)


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


RANDOM_QUARANTINE = quarantine_table(("beta", "empty file"), ("gamma", "duplicate id 3036bb1e: same url"))
# sha256 of `to_json()` of the whole-table report of each random release below, recorded from
# the whole-table code the accumulator replaced (a change of the report's layout or of
# `random_release` changes them: record them again only after reading the new reports).
RECORDED = {
    0: "968fb2854e713446267d9017306e8f55a8ba6076f67f2db76439202f4594a05a",
    1: "937b41eed5078f7a0275227be8bdb3f27ef4917d1345f2adc841114e3b5c26bc",
    2: "4dc7083c05639b2153b180fd6690ef2e1c29a36a1977289c6d651a6a8664968b",
    3: "b546c2671312d8790289c0585a7d1fcada550463a63d90785ed45cef32cbfcd5",
    4: "b22a783eac56bb8a8b01a14f164fc897d44e00a847b7a680b96597f3bcd0a2e6",
    5: "6028ed7a610548b365e286a1a17c0530c5294f88401b31ee122e9ff01ab2b6a1",
    "large": "c61473bb13d3f8ee0cde17a3f7fea5f80be2b2cc8346d876be27d11d5bb92867",  # random_release(7, 300)
}


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("seed", range(6))
def test_any_split_gives_the_whole_table_report(seed: int) -> None:
    rng = random.Random(seed)
    table = random_release(seed, rng.choice([1, 30, 600]))
    options = {
        "checks": [{"name": "article_fields", "passed": True, "evaluated": 3, "failed": 0}],
        "accounting": {"raw": table.num_rows + 2, "released": table.num_rows, "quarantined": 2},
        "top": rng.choice([0, 3, 15, 1000]),  # 1000: every duplicate cluster, with its sources and sites
    }
    expected = quality_report(table, RANDOM_QUARANTINE, **options).to_json()
    assert _sha256(expected) == RECORDED[seed]
    for _ in range(4):
        parts = random_split(table, rng)
        assert quality_report(iter(parts), RANDOM_QUARANTINE, **options).to_json() == expected
    batches = (b for part in random_split(table, rng) for b in part.to_batches())
    assert quality_report(batches, RANDOM_QUARANTINE, **options).to_json() == expected


def test_every_split_of_the_fixture(release: tuple[pa.Table, pa.Table], report: QualityReport) -> None:
    articles, quarantine = release
    options = {"checks": report.checks, "accounting": report.accounting["given"]}
    expected = quality_report(articles, quarantine, **options)  # its numbers: the tests above
    assert expected == report
    for i in range(articles.num_rows + 1):
        for j in range(i, articles.num_rows + 1):
            parts = [articles.slice(0, i), articles.slice(i, j - i), articles.slice(j)]
            assert quality_report(parts, quarantine, **options).to_json() == expected.to_json(), (i, j)


def test_the_comparison_can_tell_a_wrong_report(release: tuple[pa.Table, pa.Table]) -> None:
    """The comparison is not vacuous: one row fewer, or one url changed, gives another report."""
    articles, quarantine = release
    expected = quality_report(articles, quarantine).to_json()
    assert quality_report([articles.slice(0, 3), articles.slice(4)], quarantine).to_json() != expected
    urls = articles["url"].to_pylist()
    urls[1] = "https://other.example/a2"  # a2 keeps the largest cluster: one more web site
    moved = articles.set_column(articles.schema.get_field_index("url"), "url", pa.array(urls, pa.string()))
    assert quality_report(moved, quarantine).to_json() != expected


def test_large_table_is_reduced_in_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    table = random_release(7, 300)
    monkeypatch.setattr("akhbar.report.accumulate.PART_ROWS", 64)
    assert _sha256(quality_report(table, NO_QUARANTINE).to_json()) == RECORDED["large"]


def test_web_sites_as_urlsplit_gives_them() -> None:
    urls = [f"{h}{i}" if h is not None else None for i, h in enumerate(HOSTS)]
    urls += ["https://WWW.A.b/", "http://x.org", "http://x.org:", "https://x.org?q", "Https://x-y.org#f"]
    acc = ReportAccumulator()
    codes = acc._sites(pa.array(urls, pa.string()))
    names = sorted(acc._site_codes, key=acc._site_codes.__getitem__)
    assert [names[c] if c >= 0 else None for c in codes.tolist()] == [_site(u) for u in urls]


def test_accumulator_counts_and_card_stats(release: tuple[pa.Table, pa.Table]) -> None:
    articles, quarantine = release
    acc = ReportAccumulator()
    for part in (articles.slice(0, 2), articles.slice(2, 0), articles.slice(2)):
        acc.add(part)
    assert (acc.rows, acc.duplicates, acc.source_counts()) == (7, 3, {"alpha": 3, "beta": 4})
    assert acc.card_stats() == card_stats(articles)
    first = acc.finish(quarantine, top=2)
    assert first == acc.finish(quarantine, top=2) == quality_report(articles, quarantine, top=2)


def test_accumulator_keeps_no_text() -> None:
    """What the accumulator holds grows with the rows' ids and a few ints, not with their text."""
    rows = [
        article_row(f"{i:032x}", "alpha", words=2000, tags=["سياسة"], quotes=[("نص", "زيد")])
        for i in range(2000)
    ]
    before = pa.total_allocated_bytes()
    table = article_table(*rows)
    size = pa.total_allocated_bytes() - before
    acc = ReportAccumulator()
    for start in range(0, table.num_rows, 500):
        acc.add(table.slice(start, 500))
    del table
    kept = pa.total_allocated_bytes() - before
    assert size > 40_000_000 and kept < 200_000, (size, kept)
