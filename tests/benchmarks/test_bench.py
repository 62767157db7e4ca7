"""The benchmark harness runs end to end on a tiny generated corpus and reports consistent numbers.

Structure and sanity only: speed targets are reported by `akhbar bench`, never tested.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from akhbar.dedup import shingle_hashes
from akhbar.pipelines.cli import _parser
from benchmarks import runs as bench_runs
from benchmarks.corpus_generator import (
    collect_vocabulary,
    edit_text,
    edit_title,
    generate_corpus,
    replace_words,
)
from benchmarks.harness import add_arguments, format_report, format_scaling, parse_sizes
from benchmarks.runs import run_benchmark, run_scaling
from tests.support import REPO

SAUDI = Path("saudinewsnet") / "saudinewsnet_dev.jsonl.gz"


def _records(folder: Path) -> list[dict]:
    records = []
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            records += [json.loads(line) for line in fh]
    return records


def _jaccard(a: str, b: str) -> float:
    """Jaccard similarity of the 5-word-shingle sets akhbar's dedup estimates with MinHash."""
    x, y = set(shingle_hashes(a).tolist()), set(shingle_hashes(b).tolist())
    return len(x & y) / len(x | y)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_sentence_edit_alone_is_small_deterministic_and_never_identity() -> None:
    text = "الجملة الأولى هنا. الجملة الثانية هناك! هل هذه الثالثة؟ والرابعة أخيرا."
    for k in range(40):
        edited = edit_text(text, k)
        assert edited != text
        assert edited == edit_text(text, k)
        assert abs(len(edited) - len(text)) < 60
    assert edit_text("جملة واحدة بلا نهاية", 3) != "جملة واحدة بلا نهاية"
    assert edit_text(" \n ", 3) == " \n "  # a blank body stays blank: never an exact duplicate


def test_word_edits_keep_punctuation_whitespace_and_word_kind(corpus: Path) -> None:
    vocab = collect_vocabulary(corpus / SAUDI, articles=200)
    assert vocab.definite and vocab.other
    assert all(w.startswith("ال") for w in vocab.definite)
    assert not any(w.startswith("ال") for w in vocab.other)
    text = " ".join(["«الوزارة» أعلنت، اليوم (الأحد)، عن خطة جديدة في 2015.\nوقال المتحدث إن"] * 20)
    replaced = replace_words(text, random.Random(7), vocab)
    assert replaced == replace_words(text, random.Random(7), vocab)
    before, after = text.split(" "), replaced.split(" ")
    assert len(after) == len(before) and replaced.count("\n") == text.count("\n")
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(before) // 14 <= len(changed) <= len(before) // 6  # one word in 8-12, a few skipped
    punctuation = "«»()،."
    for b, a in changed:
        core_b, core_a = b.strip(punctuation), a.strip(punctuation)
        assert core_b.startswith("ال") == core_a.startswith("ال")  # a word of the same kind
        assert b.split(core_b) == a.split(core_a)  # the same punctuation around it
        assert "2015" not in b and b != "في"  # numbers and short particles are never replaced
    assert edit_text(text, 7, vocab) == edit_text(text, 7, vocab) != text
    title = "خادم الحرمين يستقبل رئيس حزب القوات اللبنانية"
    assert edit_title(title, 3, vocab) != title
    assert edit_title(title, 3, vocab) == edit_title(title, 3, vocab)
    assert len(edit_title(title, 3, vocab).split()) == len(title.split())
    assert edit_title("", 3, vocab) == ""
    assert edit_title("Breaking news", 3, vocab).startswith("Breaking news ")


def test_copies_are_far_below_the_near_duplicate_threshold(corpus: Path, tmp_path: Path) -> None:
    """Copies of real articles, as generated: 5-word-shingle Jaccard to the original and to
    another copy of the same original far below dedup's 0.8 (and not a rewrite, > 0.1)."""
    per_cycle = 12
    info = generate_corpus(corpus / SAUDI, tmp_path, 3 * per_cycle, source_limit=per_cycle)
    assert info["cycles"] == 3
    records = _records(tmp_path)
    to_original, between_copies = [], []
    for i in range(per_cycle):
        original, first, second = (
            records[i]["content"],
            *(records[i + c * per_cycle]["content"] for c in (1, 2)),
        )
        if len(original.split()) < 60:  # a short text is all first or last shingles
            continue
        to_original += [_jaccard(original, first), _jaccard(original, second)]
        between_copies.append(_jaccard(first, second))
    assert len(to_original) >= 10
    assert all(0.1 < j < 0.6 for j in to_original), to_original
    assert all(j < 0.6 for j in between_copies), between_copies
    assert 0.2 < sum(to_original) / len(to_original) < 0.5


def test_generated_corpus_is_a_daily_scrape_of_edited_copies(corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "2014-12-31.jsonl.gz").write_bytes(b"")  # a day file of an earlier run: removed
    info = generate_corpus(corpus / SAUDI, tmp_path, 50, articles_per_file=15, source_limit=20)
    assert info["articles"] == 50 and info["cycles"] == 3 and info["files"] == 4
    assert info["path"] == str(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "2015-01-01.jsonl.gz",
        "2015-01-02.jsonl.gz",
        "2015-01-03.jsonl.gz",
        "2015-01-04.jsonl.gz",
    ]
    assert (info["first_file"], info["last_file"]) == (names[0], names[-1])
    with gzip.open(tmp_path / names[-1], "rt", encoding="utf-8") as fh:
        assert len(fh.readlines()) == 5
    records = _records(tmp_path)
    assert len(records) == 50
    assert len({r["id"] for r in records}) == 50
    assert len({r["url"] for r in records}) == 50
    with gzip.open(corpus / SAUDI, "rt", encoding="utf-8") as fh:
        source = [json.loads(next(fh)) for _ in range(20)]
    assert records[:20] == source  # the first cycle is the articles as they are
    originals = {r["id"]: r for r in source}
    for k, copy in enumerate(records[20:], start=20):
        base, _, cycle = copy["id"].rpartition("-v")
        original = originals[base]
        assert cycle == str(k // 20)
        assert copy["url"] == f"{original['url']}?v={cycle}"
        assert copy["title"] != original["title"]
        assert copy["content"] != original["content"]
        assert copy["author"] == original["author"] and copy["source"] == original["source"]


def test_generation_is_deterministic(corpus: Path, tmp_path: Path) -> None:
    """Same n: byte-identical files, also from another interpreter with another hash seed."""
    kwargs = {"articles_per_file": 10, "source_limit": 15}
    generate_corpus(corpus / SAUDI, tmp_path / "a", 40, **kwargs)
    generate_corpus(corpus / SAUDI, tmp_path / "b", 40, **kwargs)
    code = (
        "import sys; from pathlib import Path; from benchmarks.corpus_generator import generate_corpus; "
        f"generate_corpus(Path(sys.argv[1]), Path(sys.argv[2]), 40, **{kwargs!r})"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", code, str(corpus / SAUDI), str(tmp_path / "c")], check=True, env=env, cwd=REPO
    )
    digests = _digests(tmp_path / "a")
    assert len(digests) == 4
    assert digests == _digests(tmp_path / "b") == _digests(tmp_path / "c")
    generate_corpus(corpus / SAUDI, tmp_path / "d", 25, **kwargs)
    assert _records(tmp_path / "d") == _records(tmp_path / "a")[:25]  # a smaller n is a prefix


def test_bench_parser() -> None:
    args = _parser().parse_args(["bench", "--articles", "100", "--json", "out.json", "--naive-sample", "5"])
    assert (args.command, args.articles, args.json, args.naive_sample) == ("bench", 100, "out.json", 5)


def test_harness_parser_and_sizes() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--articles", "1000", "--articles-per-file", "200", "--scaling", "10k,1M"])
    assert (args.articles, args.articles_per_file, args.scaling) == (1000, 200, "10k,1M")
    assert parser.parse_args([]).articles_per_file == 5_000
    assert parse_sizes("100k, 26368,1M,100_000") == [26_368, 100_000, 1_000_000]
    for bad in ("abc", "0", "1x"):
        with pytest.raises(ValueError):
            parse_sizes(bad)


@pytest.mark.slow
def test_harness_end_to_end_on_a_tiny_corpus(corpus: Path, tmp_path: Path) -> None:
    messages: list[str] = []
    result = run_benchmark(
        corpus / SAUDI,
        articles=60,
        articles_per_file=25,
        naive_sample=10,
        source_limit=20,
        workdir=tmp_path / "work",
        progress=messages.append,
    )
    result = json.loads(json.dumps(result))  # what --json writes
    assert any("floor" in m for m in messages) and any("akhbar build" in m for m in messages)

    n, mb = result["input"]["articles"], result["input"]["mb"]
    assert n == 60 and mb > 0
    assert result["generated"]["articles"] == 60 and result["generated"]["files"] == 3
    folder = Path(result["input"]["path"])
    assert folder.is_dir() and len(list(folder.glob("*.jsonl.gz"))) == 3
    records = _records(folder)
    assert len({r["id"] for r in records}) == 60

    parts = result["parts"]
    assert set(parts) == {"floor", "naive", "akhbar"}
    for name, part in parts.items():
        assert part["seconds"] > 0, name
        assert part["peak_rss_mb"] > 0, name
        assert part["articles_per_s"] == pytest.approx(n / part["seconds"]), name
        assert part["mb_per_s"] == pytest.approx(mb / part["seconds"]), name

    floor = parts["floor"]
    assert floor["articles"] == 60 and floor["arabic_letters"] > 0  # every file read
    assert floor["seconds"] == pytest.approx(sum(floor["steps"].values()))

    naive = parts["naive"]
    assert naive["sample_articles"] == 10 and naive["extrapolated"] is True
    assert naive["seconds"] == pytest.approx(naive["sample_seconds"] / 10 * 60)
    assert naive["entities_found"] > 0

    akhbar = parts["akhbar"]
    assert akhbar["exit_code"] == 0 and akhbar["run_status"] == "SUCCESS"
    steps = {s["step"]: s for s in akhbar["stages"]}
    dedup = [step for step in steps if "duplicate" in step]  # its name changes with the pipeline
    assert len(dedup) == 1, sorted(steps)
    for step in ("raw_articles", "normalized_articles", "article_fields", *dedup):
        assert steps[step]["seconds"] > 0 and steps[step]["status"] == "success"
    assert "dataset_release" in steps
    assert sum(s["seconds"] for s in akhbar["stages"]) < akhbar["seconds"]
    assert akhbar["release_rows"]["raw"] == 60  # every daily file read
    assert akhbar["release_rows"]["duplicates"] <= 3  # copies are not near duplicates

    ratios = result["ratios"]
    assert ratios["akhbar_vs_naive_speedup"] == pytest.approx(naive["seconds"] / akhbar["seconds"])
    assert ratios["akhbar_vs_floor_slowdown"] == pytest.approx(akhbar["seconds"] / floor["seconds"])
    assert ratios["speedup_target_met"] == (ratios["akhbar_vs_naive_speedup"] >= ratios["target_speedup"])
    assert ratios["slowdown_target_met"] == (ratios["akhbar_vs_floor_slowdown"] <= ratios["target_slowdown"])

    table = format_report(result)
    assert "akhbar vs naive" in table and "akhbar vs floor" in table and "extrapolated" in table
    assert "3 daily files" in table


def test_scaling_runs_the_akhbar_part_at_each_size(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sizes, generated corpora and the linearity ratio; the build itself is stubbed (the
    end-to-end test runs the real one on a generated folder, each build costs ~20-40 s here)."""
    calls = []

    def fake_run_part(name: str, workdir: Path, **kwargs) -> dict:
        files = sorted(Path(kwargs["path"]).glob("*.jsonl.gz"))
        n = len(_records(Path(kwargs["path"])))
        calls.append((name, len(files), n))
        return {
            "seconds": 2.0 + 0.1 * n,
            "stages": [{"step": "raw_articles", "seconds": 0.1 * n, "status": "success"}],
            "exit_code": 0,
            "release_rows": {"raw": n},
            "peak_rss_mb": 100.0 + n,
            "peak_tree_rss_mb": 150.0 + n,
            "cpu_seconds": 3.0,
        }

    monkeypatch.setattr(bench_runs, "run_part", fake_run_part)
    result = run_scaling(
        corpus / SAUDI,
        [30, 10],
        articles_per_file=8,
        source_limit=10,
        workdir=tmp_path,
        progress=lambda m: None,
    )
    result = json.loads(json.dumps(result))
    assert calls == [("akhbar", 2, 10), ("akhbar", 4, 30)]
    runs = result["runs"]
    assert [r["articles"] for r in runs] == [10, 30] and [r["files"] for r in runs] == [2, 4]
    for run in runs:
        assert run["articles_per_s"] == pytest.approx(run["articles"] / run["seconds"])
        assert run["peak_rss_mb"] == 100 + run["articles"]
    assert result["seconds_per_article_ratio"] == pytest.approx((5.0 / 30) / (3.0 / 10))
    assert result["step_seconds_per_article_ratio"] == pytest.approx(1.0)
    table = format_scaling(result)
    assert "seconds per article at 30 / at 10: 0.56 end to end, 1.00 in the steps" in table
