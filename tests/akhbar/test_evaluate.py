"""`akhbar evaluate` on the shared corpus and the hand-checked labels, with floors that hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from akhbar.evaluation import QUOTE_LABELS, evaluate_entities, evaluate_quotes, evaluate_title_lead
from akhbar.extract.quotes import Quote
from akhbar.pipelines.cli import main
from tests.support import REPO


def test_quote_scores_on_hand_checked_labels(corpus: Path) -> None:
    spans, speakers = evaluate_quotes(QUOTE_LABELS, corpus, REPO)
    assert spans.tp + spans.fn == 55
    assert spans.f1 >= 0.85
    # 55 quotes in 12 articles (seed, Al Mayadeen, ahdath_info, SaudiNewsNet): speaker F1 0.778.
    # Left: roles not resolved to the person named elsewhere ("رئيس الشبكة العربية").
    assert speakers.f1 >= 0.72


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
    assert {row["field"] for row in json.loads(out.read_text())} >= {"title", "quotes"}


def test_entity_scores_belong_to_the_shipped_model() -> None:
    provenance = json.loads((REPO / "akhbar" / "resources" / "ner" / "provenance.json").read_text())
    micro = provenance["cross_validation"]["two_pass"]["micro PER/LOC/ORG"]
    (entities,) = [s for s in evaluate_entities() if s.field == "entities" and "contiguous" in s.gold]
    assert entities.precision == pytest.approx(micro["precision"], abs=1e-6)
    assert entities.recall == pytest.approx(micro["recall"], abs=1e-6)
    assert entities.tp + entities.fn == pytest.approx(micro["gold"])
