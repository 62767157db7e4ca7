"""`akhbar evaluate` on the shared corpus and the hand-checked labels, with floors that hold."""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from pathlib import Path

import pytest

from akhbar.evaluation import (
    QUOTE_LABELS,
    Score,
    _article_text,
    _records,
    evaluate_entities,
    evaluate_quotes,
    evaluate_title_lead,
)
from akhbar.extract.quotes import Quote
from akhbar.field_figures import read_figures
from akhbar.pipelines.cli import main
from tests.support import REPO


def test_quote_scores_on_hand_checked_labels(corpus: Path) -> None:
    rows = evaluate_quotes(QUOTE_LABELS, corpus, REPO)
    spans, speakers, held_spans, held_speakers, fresh_spans, fresh_speakers = rows
    assert spans.tp + spans.fn == 277
    assert held_spans.tp + held_spans.fn == 53
    assert fresh_spans.tp + fresh_spans.fn == 54
    assert {s.gold for s in (held_spans, held_speakers)} == {"hand-checked labels, held-out articles"}
    assert {s.gold for s in (fresh_spans, fresh_speakers)} == {"hand-checked labels, fresh held-out articles"}
    dev_spans, dev_speakers = (
        Score(s.field, "dev", s.tp - h.tp - f.tp, s.fp - h.fp - f.fp, s.fn - h.fn - f.fn)
        for s, h, f in ((spans, held_spans, fresh_spans), (speakers, held_speakers, fresh_speakers))
    )
    assert dev_spans.tp + dev_spans.fn == 170
    assert dev_spans.f1 >= 0.85
    # Dev (the rules were developed on them): 170 quotes in 55 articles (seed, Al Mayadeen,
    # ahdath_info, SaudiNewsNet): quotes F1 0.897, speaker F1 0.741 (0.870 and 0.466 before
    # speakers were bounded by entity spans and roles resolved). Left: quotes with no cue
    # (captions of embedded posts), speakers only an article's parenthesis or a misspelling
    # names, anonymous descriptions with a prepositional phrase in the gold ("مسؤول في …").
    # Issue 17 point 3 (speaker tails cut, split entity spans joined, bodies completed, "our
    # correspondent", statements issued by a body, fronted subjects after "يُشار إلى أنّ"):
    # dev speaker F1 0.725 -> 0.810; second round (from held-out errors) 0.810 -> 0.828.
    assert dev_speakers.f1 >= 0.80
    # Held-out (53 quotes in 23 articles nobody tuned on): quotes F1 0.812, speaker F1 0.312.
    # Speakers fail there as partial names (a surname, a name without its lineage, a ministry
    # without its government), a previous speaker carried past a change of subject, plural
    # roles ("the two sides") unresolved, and non-name words taken for a speaker.
    # Second round of point 3, rules written from its errors (so no longer unseen): quotes F1
    # 0.796 -> 0.898, speaker F1 0.367 -> 0.857 (dual subjects, bodies with their government,
    # relative clauses, clause subjects of participles, marks paired by direction).
    assert held_spans.f1 >= 0.85
    assert held_speakers.f1 >= 0.80
    # Fresh (54 quotes in 15 articles, labelled after held-out had been inspected; the speaker
    # rules were not looked at on them): quotes F1 0.902, speaker F1 0.373 before issue 17's
    # point 3 work, 0.490 after it (measured once, at the end); 0.554 after the second round
    # (quotes F1 0.911; measured once, at its end, never inspected per quote).
    assert fresh_spans.f1 >= 0.85
    assert fresh_speakers.f1 >= 0.50
    assert spans.f1 >= 0.85


GOLD = json.loads(QUOTE_LABELS.read_text(encoding="utf-8"))["articles"]
# Standalone Arabic prepositions: a speaker is never a prepositional phrase.
PREPOSITIONS = {"في", "من", "عن", "على", "إلى", "الى", "مع", "لدى", "عبر", "بحسب", "وفق"}
QUOTE_MARKS = "\"«»“”'"


@functools.cache
def _texts(path: Path) -> dict[str, str]:
    return {r["id"]: _article_text(r) for r in _records(path)}


def _gold_text(article: dict, corpus: Path) -> str:
    """The text the article's offsets index, read as evaluate_quotes reads it."""
    if article["id"] == "seed":
        return (REPO / article["file"]).read_text(encoding="utf-8")
    return _texts(corpus / article["file"])[article["id"]]


def test_quote_gold_is_large_and_varied_enough() -> None:
    quoted = [a for a in GOLD if a["quotes"]]
    assert sum(len(a["quotes"]) for a in GOLD) >= 150
    assert len(quoted) >= 40
    assert len({a["source"] for a in quoted} - {"seed"}) >= 3
    assert len({(a["file"], a["id"]) for a in GOLD}) == len(GOLD)
    assert sum(q["speaker"] is not None for a in GOLD for q in a["quotes"]) >= 140


def test_quote_gold_has_a_held_out_split() -> None:
    assert {a["split"] for a in GOLD} == {"dev", "held_out", "fresh"}
    seen = {(a["file"], a["id"]) for a in GOLD if a["split"] == "dev"}
    for split in ("held_out", "fresh"):
        held_out = [a for a in GOLD if a["split"] == split]
        assert len(held_out) >= 15
        assert sum(len(a["quotes"]) for a in held_out) >= 45
        assert len({a["source"] for a in held_out if a["quotes"]}) >= 3
        # The held-out articles are new ones, not articles of another split labelled again.
        assert not seen & {(a["file"], a["id"]) for a in held_out}
        seen |= {(a["file"], a["id"]) for a in held_out}


def test_held_out_articles_are_scored_apart(corpus: Path, tmp_path: Path) -> None:
    dev = next(a for a in GOLD if a["split"] == "dev" and a["quotes"])
    held = next(a for a in GOLD if a["split"] == "held_out" and a["quotes"])
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"articles": [dev, held]}))
    spans, _, held_spans, _ = evaluate_quotes(path, corpus, REPO)
    assert held_spans.tp + held_spans.fn == len(held["quotes"])
    assert spans.tp + spans.fn == len(dev["quotes"]) + len(held["quotes"])
    path.write_text(json.dumps({"articles": [dev]}))
    assert len(evaluate_quotes(path, corpus, REPO)) == 2


@pytest.mark.parametrize("article", GOLD, ids=[f"{a['source']}-{a['id']}" for a in GOLD])
def test_quote_gold_offsets_fit_the_corpus_text(article: dict, corpus: Path) -> None:
    text = _gold_text(article, corpus)
    assert hashlib.sha256(text.encode()).hexdigest() == article["text_sha256"]
    assert article["source"] in {"seed", "almayadeen", "ahdath_info", "saudinewsnet"}
    quotes = article["quotes"]
    assert [q["start"] for q in quotes] == sorted(q["start"] for q in quotes)
    for before, after in itertools.pairwise(quotes):
        assert before["end"] <= after["start"]
    for q in quotes:
        at = f"[{q['start']}, {q['end']}]"
        assert 0 <= q["start"] < q["end"] <= len(text), at
        utterance = text[q["start"] : q["end"]]
        assert utterance == utterance.strip() and len(utterance.split()) >= 4, at
        assert text[: q["start"]].rstrip()[-1] in QUOTE_MARKS, at
        assert q.get("via") in {None, "continuation", "role"}, at
        if q["speaker"] is None:
            assert "via" not in q, at
            continue
        start, end = q["speaker"]
        assert 0 <= start < end <= len(text), at
        assert not any(s < end and start < e for s, e in ((x["start"], x["end"]) for x in quotes)), at
        name = text[start:end]
        assert name == name.strip() and name.split()[0] not in PREPOSITIONS, at


def test_a_changed_text_is_refused(corpus: Path, tmp_path: Path) -> None:
    article = next(a for a in GOLD if a["source"] == "saudinewsnet")
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"articles": [dict(article, text_sha256="0" * 64)]}))
    with pytest.raises(ValueError, match="text changed"):
        evaluate_quotes(path, corpus, REPO)


def test_a_null_gold_speaker_wants_no_predicted_speaker(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (REPO / "samples" / "seed_article.txt").read_text(encoding="utf-8")
    labels = json.loads((QUOTE_LABELS).read_text(encoding="utf-8"))
    first, second = labels["articles"][0]["quotes"][:2]
    seed = dict(labels["articles"][0], quotes=[dict(first, speaker=None), dict(second, speaker=None)])
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"articles": [seed]}))
    predicted = [
        Quote(text[first["start"] : first["end"]], None, "قال", 0),
        Quote(text[second["start"] : second["end"]], "ألكسندر دارتشييف", "قال", 1),
    ]
    monkeypatch.setattr("akhbar.evaluation.find_quotes", lambda paragraphs: predicted)
    spans, speakers = evaluate_quotes(path, corpus, REPO)
    assert (spans.tp, speakers.tp, speakers.fp, speakers.fn) == (2, 1, 1, 1)


@pytest.mark.slow
def test_title_and_lead_from_text_files(corpus: Path) -> None:
    title, lead = evaluate_title_lead(corpus)
    assert title.precision == 1.0 and title.recall >= 0.97
    # Lead-only TV reports (one sentence, about 12% of 2024-09) have their text as body and no
    # lead, so that a lead never repeats the body; the metadata calls that sentence the lead.
    assert lead.precision >= 0.85 and lead.f1 >= 0.65


@pytest.mark.slow
def test_evaluate_command_prints_and_writes_scores(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scores.json"
    assert main(["evaluate", "--corpus", str(corpus), "--json", str(out)]) == 0
    table = capsys.readouterr().out
    for field in ("title", "lead", "tags", "quotes", "quote speakers", "dates", "entities", "entities PER"):
        assert f"\n{field} " in "\n" + table
    rows = json.loads(out.read_text())
    assert {row["field"] for row in rows} >= {"title", "quotes"}
    # The dataset card states these figures: they must be what this code measures.
    assert rows == read_figures(), "the card's figures are stale: run `akhbar evaluate --record`"


def test_entity_scores_belong_to_the_shipped_model() -> None:
    provenance = json.loads((REPO / "akhbar" / "resources" / "ner" / "provenance.json").read_text())
    micro = provenance["cross_validation"]["two_pass"]["micro PER/LOC/ORG"]
    (entities,) = [s for s in evaluate_entities() if s.field == "entities" and "contiguous" in s.gold]
    assert entities.precision == pytest.approx(micro["precision"], abs=1e-6)
    assert entities.recall == pytest.approx(micro["recall"], abs=1e-6)
    assert entities.tp + entities.fn == pytest.approx(micro["gold"])
