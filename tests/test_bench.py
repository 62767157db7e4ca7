"""The benchmark harness runs end to end on a tiny generated corpus and reports consistent numbers.

Structure and sanity only: speed targets are reported by `akhbar bench`, never tested.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from benchmarks.harness import edit_text, format_report, generate_corpus, run_benchmark
from pipelines.cli import _parser

SAUDI = Path("saudinewsnet") / "saudinewsnet_dev.jsonl.gz"


def _records(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_edit_text_is_small_deterministic_and_never_identity() -> None:
    text = "الجملة الأولى هنا. الجملة الثانية هناك! هل هذه الثالثة؟ والرابعة أخيرا."
    for k in range(40):
        edited = edit_text(text, k)
        assert edited != text
        assert edited == edit_text(text, k)
        assert abs(len(edited) - len(text)) < 60
    assert edit_text("جملة واحدة بلا نهاية", 3) != "جملة واحدة بلا نهاية"


def test_generated_copies_have_new_ids_and_edited_text(corpus: Path, tmp_path: Path) -> None:
    info = generate_corpus(corpus / SAUDI, tmp_path, 50, source_limit=20)
    assert info["articles"] == 50 and info["cycles"] == 3
    records = _records(Path(info["path"]))
    assert len(records) == 50
    assert len({r["id"] for r in records}) == 50
    assert len({r["url"] for r in records}) == 50
    originals = {r["id"]: r for r in records[:20]}
    for k, copy in enumerate(records[20:], start=20):
        base, _, cycle = copy["id"].rpartition("-v")
        original = originals[base]
        assert cycle == str(k // 20)
        assert copy["url"] == f"{original['url']}?v={cycle}"
        assert copy["title"] == original["title"]
        assert copy["content"] != original["content"]


def test_bench_parser() -> None:
    args = _parser().parse_args(["bench", "--articles", "100", "--json", "out.json", "--naive-sample", "5"])
    assert (args.command, args.articles, args.json, args.naive_sample) == ("bench", 100, "out.json", 5)


def test_harness_end_to_end_on_a_tiny_corpus(corpus: Path, tmp_path: Path) -> None:
    messages: list[str] = []
    result = run_benchmark(
        corpus / SAUDI,
        articles=60,
        naive_sample=10,
        source_limit=20,
        workdir=tmp_path / "work",
        progress=messages.append,
    )
    result = json.loads(json.dumps(result))  # what --json writes
    assert any("floor" in m for m in messages) and any("akhbar build" in m for m in messages)

    n, mb = result["input"]["articles"], result["input"]["mb"]
    assert n == 60 and mb > 0
    assert result["generated"]["articles"] == 60
    records = _records(Path(result["input"]["path"]))
    assert len({r["id"] for r in records}) == 60

    parts = result["parts"]
    assert set(parts) == {"floor", "naive", "akhbar"}
    for name, part in parts.items():
        assert part["seconds"] > 0, name
        assert part["peak_rss_mb"] > 0, name
        assert part["articles_per_s"] == pytest.approx(n / part["seconds"]), name
        assert part["mb_per_s"] == pytest.approx(mb / part["seconds"]), name

    floor = parts["floor"]
    assert floor["articles"] == 60 and floor["arabic_letters"] > 0
    assert floor["seconds"] == pytest.approx(sum(floor["steps"].values()))

    naive = parts["naive"]
    assert naive["sample_articles"] == 10 and naive["extrapolated"] is True
    assert naive["seconds"] == pytest.approx(naive["sample_seconds"] / 10 * 60)
    assert naive["entities_found"] > 0

    akhbar = parts["akhbar"]
    assert akhbar["exit_code"] == 0 and akhbar["run_status"] == "SUCCESS"
    steps = {s["step"]: s for s in akhbar["stages"]}
    for step in ("raw_articles", "normalized_articles", "article_fields", "deduplicated_articles"):
        assert steps[step]["seconds"] > 0 and steps[step]["status"] == "success"
    assert "dataset_release" in steps
    assert sum(s["seconds"] for s in akhbar["stages"]) < akhbar["seconds"]
    assert akhbar["release_rows"]["raw"] == 60

    ratios = result["ratios"]
    assert ratios["akhbar_vs_naive_speedup"] == pytest.approx(naive["seconds"] / akhbar["seconds"])
    assert ratios["akhbar_vs_floor_slowdown"] == pytest.approx(akhbar["seconds"] / floor["seconds"])
    assert ratios["speedup_target_met"] == (ratios["akhbar_vs_naive_speedup"] >= ratios["target_speedup"])
    assert ratios["slowdown_target_met"] == (ratios["akhbar_vs_floor_slowdown"] <= ratios["target_slowdown"])

    table = format_report(result)
    assert "akhbar vs naive" in table and "akhbar vs floor" in table and "extrapolated" in table
