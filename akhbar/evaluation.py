"""Field-level evaluation on the gold that exists: `akhbar evaluate`.

- title and lead against Al Mayadeen metadata, with the articles fed as plain-text files
  (headline line + text) so both are extracted, not copied; tags with the keyword mapping;
- quotes and speakers against hand-checked labels (akhbar/resources/gold/quote_labels.json:
  article ids and character offsets, no text);
- dates against the TIMEX3 silver set and hand-labelled dates (akhbar/evaluation_dates.py);
- entities by the 5-fold cross-validation on ANERcorp recorded with the shipped model, and
  on hand-labelled current news (akhbar/resources/gold/entity_labels.json: ids and offsets).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from akhbar import evaluation_dates
from akhbar.boilerplate import segment
from akhbar.extract.quotes import find_quotes, same_person
from akhbar.extract.structure import extract_structure
from akhbar.ingest import SourceConfig, read_sources
from akhbar.ingest.text_files import split_headline
from akhbar.normalize import clean_text, search_key
from akhbar.runner import extract_fields, normalize_articles

QUOTE_LABELS = evaluation_dates.GOLD_DIR / "quote_labels.json"
ENTITY_LABELS = evaluation_dates.GOLD_DIR / "entity_labels.json"
ENTITY_NEWS_GOLD = "Al Mayadeen 2024, 30 hand-labelled articles"
# The fixed split of the entity news gold: the articles at even positions (0, 2, ...) of
# entity_labels.json's list, which is the selection order its "about" gives (month, then i),
# are the dev half tagger changes are tuned on; those at odd positions the test half, measured
# once per change.
ENTITY_NEWS_HALVES = {"dev": 0, "test": 1}


@dataclass
class Score:
    field: str
    gold: str
    tp: float = 0
    fp: float = 0
    fn: float = 0
    # When one prediction may cover several gold items (or the reverse), the true positives
    # counted from the gold side differ from those counted from the prediction side.
    tp_gold: float | None = None

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        found = self.tp if self.tp_gold is None else self.tp_gold
        return found / (found + self.fn) if found + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self) -> dict[str, object]:
        return {
            "field": self.field,
            "gold": self.gold,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "n": int(self.tp + self.fn),
        }


def _records(path: Path) -> list[dict]:
    with (gzip.open if path.suffix == ".gz" else open)(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _by_id(corpus: Path, file: str, read: dict[str, dict[str, dict]]) -> dict[str, dict]:
    """The records of a corpus file that gold labels name, by id; each file read once (`read`)."""
    if file not in read:
        read[file] = {r["id"]: r for r in _records(corpus / file)}
    return read[file]


def _tokens(text: str | None) -> list[str]:
    return search_key(text or "").split()


def evaluate_title_lead(corpus: Path) -> list[Score]:
    """Al Mayadeen articles as text files (headline, blank line, text): title exact match per
    article; lead by token overlap with the metadata lead (2024-09 texts open with it)."""
    title = Score("title", "Al Mayadeen metadata (exact)")
    lead = Score("lead", "Al Mayadeen 2024-09 metadata (tokens)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        expected: dict[str, dict] = {}
        for month in ("2024-04", "2024-09"):
            for record in _records(corpus / "almayadeen" / f"almayadeen_{month}.jsonl"):
                if not record.get("text") or not record.get("title"):
                    continue
                name = f"{month}-{record['id']}.txt"
                (folder / name).write_text(f"{record['title']}\n\n{record['text']}", encoding="utf-8")
                expected[name] = record | {"month": month}
        fields = extract_fields(
            normalize_articles(read_sources([SourceConfig("am", str(folder), "text")]).articles)
        )
    for row in fields.to_pylist():
        record = expected.pop(row["origin"])
        same = row["title"] == " ".join(clean_text(record["title"]).split())
        title.tp += same
        title.fp += not same
        title.fn += not same
        if record["month"] == "2024-09" and record.get("lead"):
            gold, got = _tokens(record["lead"]), _tokens(row["lead"])
            overlap = sum(min(gold.count(t), got.count(t)) for t in set(gold))
            lead.tp += overlap
            lead.fp += len(got) - overlap
            lead.fn += len(gold) - overlap
    title.fn += len(expected)  # articles that did not come out at all
    return [title, lead]


def evaluate_tags(corpus: Path) -> Score:
    tags = Score("tags", "Al Mayadeen keywords (keywords mapped)")
    path = corpus / "almayadeen" / "almayadeen_2024-04.jsonl"
    source = SourceConfig("am", str(path), "jsonl", fields={"tags": ("keywords",)})
    fields = extract_fields(normalize_articles(read_sources([source]).articles))
    records = {f"{path.name}#L{i}": r for i, r in enumerate(_records(path), start=1)}
    for row in fields.to_pylist():
        gold = {" ".join(clean_text(k).split()) for k in records[row["origin"]].get("keywords") or []}
        got = set(row["tags"])
        tags.tp += len(gold & got)
        tags.fp += len(got - gold)
        tags.fn += len(gold - got)
    return tags


def _article_paragraphs(text: str, is_seed: bool) -> list[str]:
    if is_seed:
        title, body = split_headline(text)
        return extract_structure(title, segment(clean_text(body)).blocks).paragraphs
    return [line for line in text.split("\n") if line.strip()]


def _article_text(record: dict) -> str:
    """The text the labels' offsets index: Al Mayadeen "text", SaudiNewsNet "content", ahdath_info
    "paragraphs" joined with newlines (which `_article_paragraphs` splits on again)."""
    if "paragraphs" in record:
        return "\n".join(record["paragraphs"])
    return record["content"] if "content" in record else record["text"]


def evaluate_quotes(labels_path: Path, corpus: Path, repo: Path) -> list[Score]:
    """Quote spans (a prediction counts when it covers half of a gold quote) and speakers
    (the predicted speaker is the same person as the gold one, misspellings allowed; a gold
    speaker of null, an utterance with no identifiable speaker, wants no predicted speaker).
    An article whose text no longer has its recorded `text_sha256` is refused (ValueError).
    Each split besides "dev" ("held_out", "fresh") that some articles have adds two rows scoring
    those articles alone, held_out first.
    Seed articles (id "seed") are read from `repo / file`: the folder holding `samples/` (the
    checkout, or the installed `assets` package, which carries the sample in a wheel)."""
    labels = json.loads(labels_path.read_text(encoding="utf-8"))["articles"]
    spans, speakers = Score("quotes", "hand-checked labels"), Score("quote speakers", "hand-checked labels")
    # Splits labelled apart from the rules' development are also scored alone: "held_out", and
    # "fresh" (labelled after held_out had been inspected, so still unseen by the rule work).
    apart = {
        split: [Score(field, f"hand-checked labels, {name}") for field in ("quotes", "quote speakers")]
        for split, name in (("held_out", "held-out articles"), ("fresh", "fresh held-out articles"))
    }
    seen: list[str] = []
    files: dict[str, dict[str, dict]] = {}
    for article in labels:
        if article["id"] == "seed":
            text = (repo / article["file"]).read_text(encoding="utf-8")
        else:
            text = _article_text(_by_id(corpus, article["file"], files)[article["id"]])
        if "text_sha256" in article and hashlib.sha256(text.encode()).hexdigest() != article["text_sha256"]:
            raise ValueError(f"{article['file']} {article['id']}: text changed since it was labelled")
        before = [(x.tp, x.fp, x.fn) for x in (spans, speakers)]
        predicted = []
        cursor = 0
        for quote in find_quotes(_article_paragraphs(text, article["id"] == "seed")):
            start = text.find(quote.text, cursor)
            if start < 0:
                start = text.find(quote.text)
            if start >= 0:
                predicted.append((start, start + len(quote.text), quote.speaker))
                cursor = start + 1  # a quote said twice in the article is found at each place
        matched: set[int] = set()
        for gold in article["quotes"]:
            hit = next(
                (
                    i
                    for i, (s, e, _) in enumerate(predicted)
                    if i not in matched
                    and min(e, gold["end"]) - max(s, gold["start"]) >= (gold["end"] - gold["start"]) / 2
                ),
                None,
            )
            if hit is None:
                spans.fn += 1
                speakers.fn += 1
                continue
            matched.add(hit)
            spans.tp += 1
            speaker, gold_speaker = predicted[hit][2], gold["speaker"]
            if gold_speaker is None:
                right = speaker is None
            else:
                name = text[gold_speaker[0] : gold_speaker[1]].replace('"', "")
                right = bool(speaker) and same_person(speaker, name)
            if right:
                speakers.tp += 1
            else:
                speakers.fp += 1
                speakers.fn += 1
        spans.fp += len(predicted) - len(matched)
        speakers.fp += len(predicted) - len(matched)
        if article.get("split") in apart:
            seen.append(article["split"])
            rows = apart[article["split"]]
            for held, total, (tp, fp, fn) in zip(rows, (spans, speakers), before, strict=True):
                held.tp += total.tp - tp
                held.fp += total.fp - fp
                held.fn += total.fn - fn
    return [spans, speakers, *(row for split, rows in apart.items() if split in seen for row in rows)]


def evaluate_dates(corpus: Path) -> list[Score]:
    """Dates against the TIMEX3 silver set and the hand-labelled set of `corpus`
    (akhbar/evaluation_dates.py defines the matching)."""
    scores = []
    silver = [(t, g, m) for _, t, g, m in evaluation_dates.silver_docs(corpus)]
    explicit = [(t, [x for x in g if evaluation_dates.is_explicit(t, x)], m) for t, g, m in silver]
    labelled = [
        (t, g, m)
        for split in ("dev", "heldout")
        for _, t, g, m in evaluation_dates.labelled_docs(split, corpus)
    ]
    for name, docs in (("dates (explicit)", explicit), ("dates", labelled)):
        gold = (
            "TIMEX3 silver, explicit DATE (span+value)" if docs is explicit else "hand-labelled (span+value)"
        )
        r = evaluation_dates.score(name, docs, with_value=True)
        scores.append(
            Score(name, gold, tp=r.right, fp=r.predicted - r.right, fn=r.gold - r.found, tp_gold=r.found)
        )
    return scores


def evaluate_entities() -> list[Score]:
    """Entities by the cross-validation that `benchmarks/train_ner.py --cv 5` recorded in the
    shipped model's provenance (retraining takes minutes, so it is not redone here). Refuses
    numbers that belong to another model file: provenance sha256 must match the shipped model."""
    from akhbar.extract.entities import MODEL_PATH

    provenance = json.loads(MODEL_PATH.with_name("provenance.json").read_text(encoding="utf-8"))
    for name, model in provenance["models"].items():
        actual = hashlib.sha256(MODEL_PATH.with_name(name).read_bytes()).hexdigest()
        if actual != model["sha256"]:
            raise ValueError(f"{name} does not match provenance.json (retrain with benchmarks/train_ner.py)")
    scores = []
    for key, scheme in (
        ("cross_validation", "contiguous"),
        ("cross_validation_shuffled_sentences", "shuffled sentence"),
    ):
        cv = provenance.get(key)
        if not cv:
            continue
        for label in ("PER", "LOC", "ORG", "MISC", "micro PER/LOC/ORG"):
            row = cv["two_pass"][label]
            tp = row["recall"] * row["gold"]
            fp = tp / row["precision"] - tp if row["precision"] else 0.0
            field = "entities" if label.startswith("micro") else f"entities {label}"
            gold = f"ANERcorp {cv['folds']}-fold CV, {scheme} folds" + (
                ", PER/LOC/ORG micro" if label.startswith("micro") else ""
            )
            scores.append(Score(field, gold, tp=tp, fp=fp, fn=row["gold"] - tp))
    return scores


def entity_scores(
    gold: list[set[tuple[int, int, str]]], predicted: list[set[tuple[int, int, str]]], name: str
) -> list[Score]:
    """Exact-span micro P/R/F1 per label (PER, LOC, ORG) and over the three: a prediction is
    right when its start, end and label all equal a gold mention's. Predicted MISC is ignored
    (the gold has none)."""
    labels = ("PER", "LOC", "ORG")
    scores = {label: Score(f"entities {label}", name) for label in labels}
    for want, got in zip(gold, predicted, strict=True):
        got = {e for e in got if e[2] in labels}
        for label, score in scores.items():
            w, g = {e for e in want if e[2] == label}, {e for e in got if e[2] == label}
            score.tp += len(w & g)
            score.fp += len(g - w)
            score.fn += len(w - g)
    micro = Score("entities", f"{name}, PER/LOC/ORG micro")
    for score in scores.values():
        micro.tp, micro.fp, micro.fn = micro.tp + score.tp, micro.fp + score.fp, micro.fn + score.fn
    return [*scores.values(), micro]


def evaluate_entities_news(
    corpus: Path, labels_path: Path = ENTITY_LABELS, half: str | None = None
) -> list[Score]:
    """The shipped tagger on hand-labelled Al Mayadeen articles: the record's "text" (which the
    labels index) tagged as the fields stage tags a body (`EntityTagger.find_many`). Refuses a
    corpus whose text is not the labelled one (text_sha256). `half`: "dev" or "test" scores
    only that half of the articles (`ENTITY_NEWS_HALVES`), None all of them."""
    from akhbar.extract.entities import default_tagger

    labels = json.loads(labels_path.read_text(encoding="utf-8"))["articles"]
    name = ENTITY_NEWS_GOLD
    if half is not None:
        labels = labels[ENTITY_NEWS_HALVES[half] :: 2]
        name += f", {half} half ({'even' if ENTITY_NEWS_HALVES[half] == 0 else 'odd'} positions)"
    files: dict[str, dict[str, dict]] = {}
    texts = []
    for article in labels:
        record = _by_id(corpus, article["file"], files).get(article["id"])
        if record is None:
            raise ValueError(f"{article['file']} has no record {article['id']}: not the labelled corpus")
        text = record["text"]
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != article["text_sha256"]:
            raise ValueError(
                f"{article['file']} record {article['id']}: text differs from the one labelled in "
                f"{labels_path.name} (text_sha256 mismatch); the entity offsets would not apply"
            )
        texts.append(text)
    found = default_tagger().find_many(texts)
    gold = [{(e["start"], e["end"], e["label"]) for e in a["entities"]} for a in labels]
    predicted = [{(e.start, e.end, e.label) for e in entities} for entities in found]
    return entity_scores(gold, predicted, name)


def evaluate(corpus: Path, repo: Path, extra: list[Callable[[], list[Score]]] | None = None) -> list[Score]:
    """Every score; `repo` is the folder holding `samples/` (see `evaluate_quotes`)."""
    scores = [*evaluate_title_lead(corpus), evaluate_tags(corpus)]
    scores += evaluate_quotes(QUOTE_LABELS, corpus, repo)
    scores += evaluate_dates(corpus)
    scores += evaluate_entities()
    scores += evaluate_entities_news(corpus)
    scores += evaluate_entities_news(corpus, half="dev")
    scores += evaluate_entities_news(corpus, half="test")
    for more in extra or []:
        scores += more()
    return scores


def format_table(scores: list[Score]) -> str:
    lines = [f"{'field':<18}{'precision':>10}{'recall':>9}{'f1':>8}{'n':>7}  gold"]
    for s in scores:
        r = s.row()
        numbers = f"{r['precision']:>10.3f}{r['recall']:>9.3f}{r['f1']:>8.3f}{r['n']:>7}"
        lines.append(f"{r['field']:<18}{numbers}  {r['gold']}")
    return "\n".join(lines)
