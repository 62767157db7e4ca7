"""akhbar.dedup: exact and near duplicates, the kept-article rule, order and seed independence,
releases (prior index), short and empty texts, and SaudiNewsNet's republished wire stories."""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasketch import MinHash

from akhbar.dedup import (
    DuplicateResult,
    compute_signatures,
    empty_index,
    find_duplicates,
    shingle_hashes,
    signature_index,
)
from akhbar.normalize import clean_text, search_key

# Synthetic news vocabulary; articles are random sequences of it, so two articles of different
# seeds share almost no 5-word shingle.
VOCABULARY = (
    "أعلن وزير الخارجية اليوم أن المملكة العربية السعودية ستستضيف اجتماعا لمجلس التعاون الخليجي "
    "في الرياض الأسبوع المقبل لبحث التطورات الإقليمية والاقتصادية وأكد المتحدث الرسمي باسم الوزارة "
    "أن الوفود ستناقش أسعار النفط ومشاريع الطاقة والتعليم والصحة كما أشار مدير الهيئة العامة إلى "
    "نمو الصادرات غير النفطية بنسبة كبيرة خلال العام الماضي وقال رئيس الغرفة التجارية إن القطاع "
    "الخاص شريك أساسي في التنمية المستدامة للمدن والمحافظات"
).split()
AGENCY_LINE = "الرياض واس وكالة الأنباء السعودية"


def article(seed: int, words: int = 360) -> str:
    """A synthetic article: sentences of 12 words, paragraphs of 4 sentences."""
    rng = random.Random(seed)
    sentences = [" ".join(rng.choice(VOCABULARY) for _ in range(12)) + "." for _ in range(words // 12)]
    return "\n".join(" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4))


def change_sentence(text: str, index: int = 5) -> str:
    sentences = text.replace("\n", " ").split(". ")
    sentences[index] = "جاء ذلك في بيان رسمي صدر عن المكتب الإعلامي مساء أمس بعد الاجتماع"
    return ". ".join(sentences)


def table(rows: list[dict]) -> pa.Table:
    return pa.table(
        {
            "id": pa.array([r["id"] for r in rows], pa.string()),
            "source": pa.array([r.get("source", "src") for r in rows], pa.string()),
            "published_at": pa.array([r.get("published_at") for r in rows], pa.timestamp("us", tz="UTC")),
            "title": pa.array([r.get("title", "عنوان") for r in rows], pa.string()),
            "body": pa.array([r["body"] for r in rows], pa.string()),
        }
    )


def mapping(articles: pa.Table, result: DuplicateResult) -> dict[str, tuple[str | None, str | None]]:
    return dict(
        zip(
            articles["id"].to_pylist(),
            zip(result.duplicate_of.to_pylist(), result.kind.to_pylist(), strict=True),
            strict=True,
        )
    )


def day(n: int) -> datetime:
    return datetime(2015, 7, n, 9, 0, tzinfo=UTC)


def add_diacritics(text: str) -> str:
    return text.replace("ال", "الْ").replace("ة", "ةً")


@pytest.mark.parametrize(
    "variant",
    [
        lambda t: t,
        add_diacritics,
        lambda t: t.replace("ا", "ـا"),  # tatweel
        lambda t: t.replace("اج", "أج").replace("ى", "ي"),
        lambda t: "  " + t.replace("\n", "\n\n").replace(" ", "  ") + "\n",
    ],
    ids=["identical", "diacritics", "tatweel", "alef-yeh", "whitespace"],
)
def test_exact_duplicates_under_different_ids(variant) -> None:
    body = article(1)
    copy = variant(body)
    assert search_key(copy) == search_key(body)
    articles = table(
        [
            {"id": "wire-a", "body": body, "published_at": day(1)},
            {"id": "copy-b", "body": copy, "published_at": day(2)},
            {"id": "other", "body": article(2), "published_at": day(1)},
        ]
    )
    result = find_duplicates(articles)
    assert mapping(articles, result) == {
        "wire-a": (None, None),
        "copy-b": ("wire-a", "exact"),
        "other": (None, None),
    }
    assert (result.exact_duplicates, result.near_duplicates) == (1, 0)
    assert result.clusters.to_pylist() == [
        {
            "kept_id": "wire-a",
            "size": 2,
            "exact": 1,
            "near": 0,
            "kind": "exact",
            "kept_in_table": True,
            "sources": ["src"],
        }
    ]


@pytest.mark.parametrize(
    "variant",
    [
        change_sentence,
        lambda t: t + "\n" + AGENCY_LINE,
        lambda t: AGENCY_LINE + " - " + t,
        lambda t: t.rsplit(". ", 1)[0] + ".",  # last sentence (1 of 20) dropped
    ],
    ids=["changed-sentence", "agency-line-appended", "dateline-prepended", "last-sentence-dropped"],
)
def test_near_duplicate_found_and_unrelated_article_not(variant) -> None:
    body = article(3)
    articles = table(
        [
            {"id": "original", "body": body, "source": "was", "published_at": day(3)},
            {"id": "republished", "body": variant(body), "source": "okaz", "published_at": day(4)},
            {"id": "unrelated", "body": article(4), "source": "okaz", "published_at": day(3)},
        ]
    )
    assert search_key(variant(body)) != search_key(body)
    result = find_duplicates(articles)
    assert mapping(articles, result) == {
        "original": (None, None),
        "republished": ("original", "near"),
        "unrelated": (None, None),
    }
    [cluster] = result.clusters.to_pylist()
    assert (cluster["kept_id"], cluster["size"], cluster["kind"]) == ("original", 2, "near")
    assert cluster["sources"] == ["okaz", "was"]


def test_half_shared_article_is_not_a_near_duplicate() -> None:
    first, second = article(5).split("\n"), article(6).split("\n")
    mixed = "\n".join(first[:3] + second[3:])  # 3 of 8 paragraphs shared: Jaccard ~ 0.23
    articles = table([{"id": "a", "body": article(5)}, {"id": "b", "body": mixed}])
    result = find_duplicates(articles)
    assert result.duplicate_of.null_count == 2
    # a lower threshold finds it, so the threshold is what decides
    assert find_duplicates(articles, threshold=0.2).duplicate_of.to_pylist() == [None, "a"]


@pytest.mark.parametrize(
    ("rows", "kept"),
    [
        # earliest publication wins over a longer body and a smaller id
        ([("b", day(1), 0), ("a", day(2), 0), ("c", day(3), 1)], "b"),
        # an unknown publication time comes after every known one
        ([("a", None, 1), ("b", day(9), 0)], "b"),
        # same time: the longest body
        ([("a", day(1), 0), ("b", day(1), 1), ("c", None, 2)], "b"),
        # same time and length: the smallest id
        ([("c", day(1), 0), ("b", day(1), 0), ("d", day(1), 0)], "b"),
        ([("z", None, 0), ("y", None, 0)], "y"),
    ],
)
def test_kept_article_rule(rows: list[tuple[str, datetime | None, int]], kept: str) -> None:
    body = article(7)
    # `extra` spaces make bodies longer without changing the search key
    articles = table([{"id": i, "published_at": at, "body": body + " " * extra} for i, at, extra in rows])
    result = find_duplicates(articles)
    expected = [None if i == kept else kept for i, _, _ in rows]
    assert result.duplicate_of.to_pylist() == expected
    assert set(result.kind.to_pylist()) == {None, "exact"}


def corpus_like_rows() -> list[dict]:
    wire, other, third = article(10), article(11), article(12)
    return [
        {"id": "spa-1", "source": "was", "published_at": day(5), "body": wire},
        {"id": "okaz-7", "source": "okaz", "published_at": day(6), "body": wire + "\n" + AGENCY_LINE},
        {"id": "riyadh-3", "source": "alriyadh", "published_at": day(6), "body": add_diacritics(wire)},
        {"id": "madina-2", "source": "almadina", "published_at": None, "body": change_sentence(wire)},
        {"id": "sabq-9", "source": "sabq", "published_at": day(4), "body": other},
        {"id": "sabq-10", "source": "sabq", "published_at": day(4), "body": other},
        {"id": "yaum-1", "source": "alyaum", "published_at": day(8), "body": change_sentence(other, 2)},
        {"id": "weeam-5", "source": "alweeam", "published_at": day(2), "body": third},
        {"id": "short-1", "source": "okaz", "published_at": day(1), "body": "عاجل"},
        {"id": "short-2", "source": "sabq", "published_at": day(2), "body": "عاجل"},
        {"id": "empty-1", "source": "sabq", "published_at": day(2), "body": ""},
        {"id": "empty-2", "source": "sabq", "published_at": day(2), "body": ""},
    ]


def test_results_do_not_depend_on_row_order() -> None:
    rows = corpus_like_rows()
    reference_table = table(rows)
    reference = find_duplicates(reference_table)
    expected = mapping(reference_table, reference)
    assert expected == {
        "spa-1": (None, None),
        "okaz-7": ("spa-1", "near"),
        "riyadh-3": ("spa-1", "exact"),
        "madina-2": ("spa-1", "near"),
        "sabq-9": ("sabq-10", "exact"),  # same time and length: smallest id, as a string
        "sabq-10": (None, None),
        "yaum-1": ("sabq-10", "near"),
        "weeam-5": (None, None),
        "short-1": (None, None),
        "short-2": ("short-1", "exact"),
        "empty-1": (None, None),
        "empty-2": (None, None),
    }
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        shuffled_table = table(shuffled)
        result = find_duplicates(shuffled_table)
        assert mapping(shuffled_table, result) == expected
        assert result.clusters.equals(reference.clusters)
        assert result.index.equals(reference.index)


def test_every_duplicate_points_at_a_kept_row() -> None:
    articles = table(corpus_like_rows())
    result = find_duplicates(articles)
    annotated = result.annotate(articles)
    kept = {r["id"] for r in annotated.to_pylist() if r["duplicate_of"] is None}
    targets = {r["duplicate_of"] for r in annotated.to_pylist()} - {None}
    assert targets and targets <= kept
    assert sorted(result.clusters["kept_id"].to_pylist()) == sorted(targets)
    assert (
        sum(result.clusters["size"].to_pylist())
        == len(targets) + len(articles) - result.duplicate_of.null_count
    )


def test_prior_release_precedence(tmp_path: Path) -> None:
    wire, other = article(20), article(21)
    first = table(
        [
            {"id": "late-original", "published_at": day(9), "body": wire, "source": "okaz"},
            {"id": "late-copy", "published_at": day(10), "body": wire + "\n" + AGENCY_LINE},
            {"id": "gone", "published_at": day(9), "body": other, "source": "alyaum"},
        ]
    )
    release_1 = find_duplicates(first)
    assert mapping(first, release_1)["late-copy"] == ("late-original", "near")
    pq.write_table(release_1.index, tmp_path / "index.parquet")
    prior = pq.read_table(tmp_path / "index.parquet")
    assert prior.equals(release_1.index)

    second = table(
        [
            # the earlier release's rows come back, one of them is gone
            {"id": "late-original", "published_at": day(9), "body": wire, "source": "okaz"},
            {"id": "late-copy", "published_at": day(10), "body": wire + "\n" + AGENCY_LINE},
            # published earlier than the kept article, but new in this release
            {"id": "early-copy", "published_at": day(1), "body": wire, "source": "was"},
            {"id": "early-near", "published_at": day(1), "body": change_sentence(wire)},
            # a copy of an article of the earlier release that is not in this one: the copy is
            # the only one of its cluster in the release, so it is kept
            {"id": "copy-of-gone", "published_at": day(1), "body": other, "source": "sabq"},
            {"id": "fresh", "published_at": day(1), "body": article(22)},
        ]
    )
    release_2 = find_duplicates(second, prior=prior)
    assert mapping(second, release_2) == {
        "late-original": (None, None),
        "late-copy": ("late-original", "near"),
        "early-copy": ("late-original", "exact"),
        "early-near": ("late-original", "near"),
        "copy-of-gone": (None, None),
        "fresh": (None, None),
    }
    clusters = {c["kept_id"]: c for c in release_2.clusters.to_pylist()}
    assert list(clusters) == ["late-original"]
    assert clusters["late-original"]["size"] == 4
    # the cumulative index keeps the article that left, and the decisions
    index = {r["id"]: r["duplicate_of"] for r in release_2.index.to_pylist()}
    assert index == {
        "copy-of-gone": None,
        "early-copy": "late-original",
        "early-near": "late-original",
        "fresh": None,
        "gone": "copy-of-gone",  # it left: the copy kept in its place is its kept article
        "late-copy": "late-original",
        "late-original": None,
    }
    # the next release with nothing new changes nothing
    release_3 = find_duplicates(second, prior=release_2.index)
    assert mapping(second, release_3) == mapping(second, release_2)
    assert release_3.index.equals(release_2.index)
    assert release_3.index.schema.metadata == release_1.index.schema.metadata
    # without the prior, the earliest article would have been kept
    alone = mapping(second, find_duplicates(second))
    assert alone["late-original"] == ("early-copy", "exact")


def fix_word(text: str, index: int = 3) -> str:
    """The text with one word corrected."""
    words = text.split(" ")
    words[index] = "وأضاف"
    return " ".join(words)


# Long articles (60 sentences): two one-sentence variants of one are near duplicates of each other.
WIRE, OTHER, REWRITE = article(30, 720), article(31, 720), article(32, 720)


def rows_of(spec: dict[str, tuple[str, int]]) -> pa.Table:
    return table([{"id": i, "body": body, "published_at": day(d)} for i, (body, d) in spec.items()])


def assert_targets_kept_in_release(articles: pa.Table, result: DuplicateResult) -> None:
    decided = mapping(articles, result)
    targets = {target for target, _ in decided.values() if target is not None}
    assert targets <= set(decided)
    assert all(decided[t] == (None, None) for t in targets)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param(
            {"a": (WIRE, 1), "d": (change_sentence(WIRE), 2), "b": (OTHER, 1)},
            {"a": (fix_word(WIRE), 1), "d": (change_sentence(WIRE), 2), "b": (OTHER, 1)},
            {"a": (None, None), "d": ("a", "near"), "b": (None, None)},
            id="kept-article-corrected-stays-kept",
        ),
        pytest.param(
            {"a": (WIRE, 1)},
            {"a": (fix_word(WIRE), 1)},
            {"a": (None, None)},
            id="corrected-is-no-copy-of-its-old-text",
        ),
        pytest.param(
            {"a": (WIRE, 1), "b": (OTHER, 2)},
            {"a": (OTHER, 1), "b": (OTHER, 2)},
            {"a": ("b", "exact"), "b": (None, None)},
            id="corrected-into-a-copy-of-a-kept-article",
        ),
        pytest.param(
            {"a": (WIRE, 1), "d1": (change_sentence(WIRE), 2), "d2": (change_sentence(WIRE, 7), 3)},
            {"a": (REWRITE, 1), "d1": (change_sentence(WIRE), 2), "d2": (change_sentence(WIRE, 7), 3)},
            {"a": (None, None), "d1": (None, None), "d2": ("d1", "near")},
            id="kept-article-rewritten-its-copies-decide-again",
        ),
        pytest.param(
            {"k": (WIRE, 1), "d1": (WIRE, 3), "d2": (change_sentence(WIRE), 2)},
            {"d1": (WIRE, 3), "d2": (change_sentence(WIRE), 2), "n": (WIRE, 1)},
            {"d1": ("d2", "near"), "d2": (None, None), "n": ("d2", "near")},
            id="kept-article-gone-next-earlier-member-kept",
        ),
        pytest.param(
            {"a": (WIRE, 1), "d": (change_sentence(WIRE), 2)},
            {"a": (WIRE, 1), "d": (REWRITE, 2)},
            {"a": (None, None), "d": (None, None)},
            id="copy-rewritten-is-no-copy-any-more",
        ),
    ],
)
def test_corrections_and_departures_against_the_prior(
    first: dict[str, tuple[str, int]],
    second: dict[str, tuple[str, int]],
    expected: dict[str, tuple[str | None, str | None]],
) -> None:
    """An id of an earlier release with another text is the same article corrected: its new
    text replaces the old signature, and every duplicate_of names a kept row of the table."""
    earlier = rows_of(first)
    prior = find_duplicates(earlier).index
    articles = rows_of(second)
    result = find_duplicates(articles, prior=prior)
    assert mapping(articles, result) == expected
    assert_targets_kept_in_release(articles, result)
    # the cumulative index holds each article's current text, and the next release agrees
    current = signature_index(articles)
    index = result.index.filter(pa.compute.is_in(result.index["id"], value_set=current["id"]))
    assert index["exact_key"].to_pylist() == current.sort_by("id")["exact_key"].to_pylist()
    assert mapping(articles, find_duplicates(articles, prior=result.index)) == expected


def test_a_kept_article_that_comes_back_is_a_copy_of_the_one_kept_while_it_was_away() -> None:
    both = rows_of({"k": (WIRE, 1), "d": (WIRE, 2)})
    first = find_duplicates(both)
    assert mapping(both, first) == {"k": (None, None), "d": ("k", "exact")}
    alone = rows_of({"d": (WIRE, 2)})
    second = find_duplicates(alone, prior=first.index)
    assert mapping(alone, second) == {"d": (None, None)}
    third = find_duplicates(both, prior=second.index)
    assert mapping(both, third) == {"k": ("d", "exact"), "d": (None, None)}
    assert_targets_kept_in_release(both, third)


def test_prior_made_with_other_parameters_is_refused() -> None:
    articles = table([{"id": "a", "body": article(1)}])
    with pytest.raises(ValueError, match="other parameters"):
        find_duplicates(articles, prior=empty_index(num_perm=64))
    with pytest.raises(ValueError, match="other parameters"):
        find_duplicates(articles, prior=signature_index(articles, shingle_words=3))


def test_short_texts_only_match_exactly() -> None:
    long_text = "عاجل وزير الخارجية يصل الرياض " + article(30)
    articles = table(
        [
            {"id": "a", "body": "عاجل وزير الخارجية يصل"},  # 4 words < 5: no shingle
            {"id": "b", "body": "عاجل: وزير الخارجية يصل"},  # same search words, different key
            {"id": "c", "body": "عاجل وزير الخارجية يصل"},
            {"id": "d", "body": "عاجل وزير الداخلية يصل"},
            {"id": "e", "body": long_text},
        ]
    )
    result = find_duplicates(articles, threshold=0.1)
    assert mapping(articles, result) == {
        "a": (None, None),
        "b": (None, None),
        "c": ("a", "exact"),
        "d": (None, None),
        "e": (None, None),
    }
    assert result.index["signature"].is_valid().to_pylist() == [False, False, False, False, True]


def test_empty_input() -> None:
    articles = table([])
    result = find_duplicates(articles)
    assert len(result.duplicate_of) == len(result.kind) == 0
    assert result.clusters.num_rows == 0
    assert result.index.num_rows == 0
    assert (result.exact_duplicates, result.near_duplicates) == (0, 0)
    assert result.annotate(articles).column_names[-2:] == ["duplicate_of", "duplicate_kind"]


def test_empty_and_repeated_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        find_duplicates(table([{"id": "a", "body": "x"}, {"id": "a", "body": "y"}]))


@pytest.mark.parametrize("num_perm", [16, 128])
def test_signatures_equal_datasketch_affine32(num_perm: int) -> None:
    text = article(40)
    hashes = shingle_hashes(text)
    assert hashes.dtype == np.uint32 and len(hashes) == len(search_key(text).split()) - 4
    reference = MinHash(num_perm=num_perm, seed=1, scheme="affine32", hashfunc=int)
    reference.update_batch(hashes.tolist())
    signatures, has = compute_signatures([search_key(text)], num_perm=num_perm)
    assert has.tolist() == [True]
    np.testing.assert_array_equal(signatures[0], reference.hashvalues)


@pytest.mark.parametrize("shared", [0.9, 0.6, 0.3])
def test_estimated_jaccard_tracks_true_jaccard(shared: float) -> None:
    a = article(50, 600).split()
    b = article(51, 600).split()
    cut = int(len(a) * shared)
    mixed = a[:cut] + b[cut:]
    sa = {tuple(a[i : i + 5]) for i in range(len(a) - 4)}
    sb = {tuple(mixed[i : i + 5]) for i in range(len(mixed) - 4)}
    true = len(sa & sb) / len(sa | sb)
    signatures, _ = compute_signatures([search_key(" ".join(a)), search_key(" ".join(mixed))], num_perm=256)
    estimate = float(np.mean(signatures[0] == signatures[1]))
    assert abs(estimate - true) < 0.1


@pytest.mark.slow
def test_hashes_do_not_depend_on_the_process_hash_seed() -> None:
    code = (
        "import hashlib, pyarrow as pa; from akhbar.dedup import signature_index; "
        f"t = pa.table({{'id': ['x'], 'body': [{article(60)!r}]}}); i = signature_index(t); "
        "s = i['signature'].combine_chunks().values.to_numpy(); "
        "print(i['exact_key'][0], hashlib.sha256(s).hexdigest())"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1


def test_saudinewsnet_wire_stories_are_found(corpus: Path) -> None:
    """One day of SaudiNewsNet: agency stories republished by several outlets form clusters."""
    rows = []
    with gzip.open(corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if record["id"].startswith("2015-07-27"):
                rows.append(
                    {
                        "id": f"{record['source']}/{record['id']}",
                        "source": record["source"],
                        "published_at": datetime.fromisoformat(record["date_extracted"]).replace(tzinfo=UTC),
                        "body": clean_text(record["content"]),
                    }
                )
    articles = table(rows)
    assert 300 <= articles.num_rows <= 2000
    result = find_duplicates(articles)
    annotated = result.annotate(articles).to_pylist()
    by_id = {r["id"]: r for r in annotated}
    # every duplicate points at a row of the table that is itself kept and not published later
    for row in annotated:
        if row["duplicate_of"] is not None:
            kept = by_id[row["duplicate_of"]]
            assert kept["duplicate_of"] is None
            assert kept["published_at"] <= row["published_at"]
    clusters = result.clusters.to_pylist()
    assert result.near_duplicates >= 20
    # a wire story carried by at least five outlets
    assert max(len(c["sources"]) for c in clusters) >= 5
    assert (
        sum(c["size"] for c in clusters) == len(clusters) + result.exact_duplicates + result.near_duplicates
    )
