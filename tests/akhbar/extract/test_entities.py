"""Named entities: the shipped CRF tagger, its offsets, proclitic stripping and provenance."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import itertools
import json
from pathlib import Path

import pycrfsuite
import pytest

from akhbar.extract.entities import (
    CLUSTERS_PATH,
    LABELS,
    MODEL_PATH,
    STAGE2_PATH,
    WORD_COUNTS,
    Entity,
    EntityTagger,
    analyses,
    bio_spans,
    cluster_of,
    default_tagger,
    find_entities,
    frequency_class,
    normalize,
    proclitic_length,
    read_word_counts,
    sentences,
    split_token,
    tokenize,
    tokenize_with_breaks,
    word_clusters,
)
from akhbar.extract.entities.tables import _FormTable
from benchmarks.ner_training import (
    count_words,
    document_labels,
    mention_labels,
    needs_second_pass,
    propagate_labels,
    stacked,
    write_word_counts,
)
from tests.support import REPO

# Sentences written for these tests (not from any corpus).
NEWS = (
    "قال الرئيس الأمريكي جو بايدن في واشنطن إن الأمم المتحدة يجب أن تتحرك بسرعة.\n"
    "وأعلنت وزارة الخارجية السعودية أن الأمير فيصل بن فرحان سيزور باريس ولندن الأسبوع المقبل."
)


def _spans(entities: list[Entity]) -> set[tuple[str, str]]:
    return {(e.text, e.label) for e in entities}


def test_finds_people_places_and_organisations() -> None:
    found = _spans(find_entities(NEWS))
    assert ("جو بايدن", "PER") in found
    assert ("واشنطن", "LOC") in found
    assert ("الأمم المتحدة", "ORG") in found
    assert ("فيصل بن فرحان", "PER") in found
    assert ("باريس", "LOC") in found


def test_offsets_point_into_the_text() -> None:
    for e in find_entities(NEWS):
        assert NEWS[e.start : e.end] == e.text
        assert e.label in LABELS
        assert e.text == e.text.strip() and e.text


def test_offsets_on_real_articles(corpus: Path) -> None:
    """Invariants over 150 SaudiNewsNet articles: exact substrings, ordered, no overlap."""
    path = corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        texts = [json.loads(line)["content"] for line in itertools.islice(fh, 150)]
    total = 0
    for text in texts:
        entities = find_entities(text)
        total += len(entities)
        last_end = -1
        for e in entities:
            assert isinstance(e.start, int) and isinstance(e.end, int)
            assert 0 <= e.start < e.end <= len(text)
            assert text[e.start : e.end] == e.text
            assert e.label in LABELS
            assert "\n" not in e.text
            assert e.start >= last_end
            last_end = e.end
    assert total > 5 * len(texts)  # news articles are full of names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وصل وفد من والولايات المتحدة", "الولايات المتحدة"),
        ("أكد مسؤولون في والولايات المتحدة وروسيا", "الولايات المتحدة"),
    ],
)
def test_conjunction_before_the_article_is_stripped(text: str, expected: str) -> None:
    texts = {e.text for e in find_entities(text)}
    assert expected in texts
    assert not any(t.startswith("وال") for t in texts)


def test_names_that_start_with_proclitic_letters_are_kept() -> None:
    text = "زار الوزير بغداد ثم لبنان وفرنسا قبل أن يتوجه إلى واشنطن وكندا."
    found = {e.text: e.label for e in find_entities(text)}
    for name in ("بغداد", "لبنان", "فرنسا", "واشنطن", "كندا"):
        assert found.get(name) == "LOC", (name, found)


@pytest.mark.parametrize(
    ("token", "cut"),
    [
        ("والولايات", 1),
        ("وبغداد", 1),
        ("لبغداد", 1),
        ("ولبنان", 1),
        ("وفرنسا", 1),
        ("بالعراق", 1),
        ("وبالعراق", 2),
        ("للولايات", 2),
        ("بغداد", 0),
        ("لبنان", 0),
        ("فرنسا", 0),
        ("واشنطن", 0),
        ("كندا", 0),
        ("بريطانيا", 0),
        ("الرياض", 0),
        ("كاليفورنيا", 0),
        ("كريم", 0),
        ("كامل", 0),
        ("بواشنطن", 1),
        ("للبنان", 1),
        ("للأمم", 2),
        ("والاتحاد", 1),
        ("كالعادة", 1),
        ("ب", 0),
        ("وب", 0),
    ],
)
def test_proclitic_length(token: str, cut: int) -> None:
    assert proclitic_length(token, default_tagger().name_weight) == cut


def test_stripped_entity_starts_after_the_proclitic() -> None:
    text = "وعاد الوفد من والولايات المتحدة إلى بغداد."
    for e in find_entities(text):
        assert text[e.start : e.end] == e.text
        if "الولايات" in e.text:
            assert e.text.startswith("الولايات") and text[e.start - 1] == "و"


@pytest.mark.parametrize("text", ["", " ", "\n\n", "...", "؟!", "123 456"])
def test_texts_without_names(text: str) -> None:
    assert find_entities(text) == []


def test_deterministic() -> None:
    first = find_entities(NEWS)
    assert find_entities(NEWS) == first
    assert EntityTagger().find(NEWS) == first


def test_tokens_and_normal_forms() -> None:
    text = "قال: «الرئيس» زار 3.5 كم، (د ب أ)."
    spans = tokenize(text)
    tokens = [text[s:e] for s, e in spans]
    assert tokens == ["قال", ":", "«", "الرئيس", "»", "زار", "3.5", "كم", "،", "(", "د", "ب", "أ", ")", "."]
    assert split_token("(د") == ["(", "د"]
    assert normalize("إلى") == normalize("الي") == "الي"
    assert normalize("أَحْمَد") == "احمد"
    assert analyses("وبالعراق")[:3] == ["وبالعراق", "بالعراق", "العراق"]
    assert "العراق" in analyses("للعراق")


def test_sentences() -> None:
    tokens = ["قال", "د", ".", "أحمد", ":", "نعم", ".", "\n", "ثم", "؟", "لا"]
    assert list(sentences(tokens)) == [(0, 7), (8, 10), (10, 11)]


def test_bio_spans() -> None:
    tags = ["B-PER", "I-PER", "O", "I-LOC", "B-ORG", "B-ORG", "I-ORG", "I-PER"]
    assert bio_spans(tags) == [(0, 2, "PER"), (3, 4, "LOC"), (4, 5, "ORG"), (5, 7, "ORG"), (7, 8, "PER")]


def test_word_counts_round_trip(tmp_path: Path) -> None:
    counts = count_words([["قال", "الرئيس", "."], ["وقال", "الرئيس", "الرئيس", "Obama"]])
    assert counts == {"قال": 1, "الرئيس": 3, "وقال": 1}
    path = tmp_path / WORD_COUNTS
    write_word_counts(path, counts)
    assert path.read_text(encoding="utf-8") == "الرئيس\t1\n"  # classes only, of forms seen twice or more
    back = read_word_counts(path)
    for form, count in counts.items():
        assert frequency_class(back.get(form, 0)) == frequency_class(count)


def test_word_clusters_nest_and_stay_small() -> None:
    """The shipped cluster table: ids at three granularities, each finer cluster inside one
    coarser cluster (k-means of the centroids), and a few MB at most."""
    table = word_clusters()
    assert len(table) > 10_000 and CLUSTERS_PATH.stat().st_size < 3_000_000
    parents: dict[tuple[int, str], set[str]] = {}
    for ids in table.values():
        assert len(ids) == 3
        parents.setdefault((2, ids[2]), set()).add(ids[1])
        parents.setdefault((1, ids[1]), set()).add(ids[0])
    assert all(len(p) == 1 for p in parents.values())
    assert len({ids[0] for ids in table.values()}) <= 64 < len({ids[2] for ids in table.values()})


@pytest.mark.parametrize(
    ("token", "want"),
    [("بغداد", ("1", "2", "3")), ("وبغداد", ("1", "2", "3")), ("والبصرة", ("4", "5", "6")), ("قطر", ())],
)
def test_cluster_of_falls_back_on_clitic_analyses(token: str, want: tuple[str, ...]) -> None:
    table = {"بغداد": ("1", "2", "3"), "البصرة": ("4", "5", "6"), "وبغداد" + "x": ("7", "8", "9")}
    assert cluster_of(analyses(normalize(token)), table) == want


def test_shuffled_folds_partition_the_sentences() -> None:
    train_ner = _train_ner()
    folds = train_ner.shuffled_folds(103, 5, train_ner.SHUFFLE_SEED)
    held = [[i for a, b in f for i in range(a, b)] for f in folds]
    assert sorted(i for h in held for i in h) == list(range(103))
    assert all(h == sorted(h) and len(h) in (20, 21) for h in held)
    assert folds == train_ner.shuffled_folds(103, 5, train_ner.SHUFFLE_SEED)


def _train_ner():
    spec = importlib.util.spec_from_file_location("train_ner", REPO / "benchmarks" / "train_ner.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_model_matches_its_provenance(corpus: Path) -> None:
    """The committed models are the ones the provenance file describes, trained on this corpus."""
    provenance = json.loads((MODEL_PATH.parent / "provenance.json").read_text(encoding="utf-8"))
    for path in (MODEL_PATH, STAGE2_PATH, MODEL_PATH.with_name(WORD_COUNTS), CLUSTERS_PATH):
        assert provenance["models"][path.name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    for path in sorted(MODEL_PATH.parent.glob("gazetteer_*.tsv")):
        assert provenance["gazetteers"][path.name] == hashlib.sha256(path.read_bytes()).hexdigest()
    train = corpus / "ner" / "anercorp_train.txt"
    assert provenance["corpus"]["sha256"] == hashlib.sha256(train.read_bytes()).hexdigest()
    assert provenance["corpus"]["license"] == "CC BY-SA 4.0"


def test_model_agrees_with_the_feature_code(corpus: Path) -> None:
    """On a slice of its own training data the shipped tagger is nearly perfect; a feature
    change without retraining (`benchmarks/train_ner.py`) would break this."""
    train_ner = _train_ner()
    sents = train_ner.load_sentences(corpus / "ner" / "anercorp_train.txt")[:300]
    for toks, _ in sents:
        assert all(split_token(t) == [t] for t in toks)  # training tokens are inference tokens
    tagger = default_tagger()
    pred: list[list[str]] = []
    for a, b in train_ner.doc_blocks(len(sents)):
        pred += tagger.tag_document([toks for toks, _ in sents[a:b]])
    rows = train_ner.scores([tags for _, tags in sents], pred)
    assert rows["micro all"][2] > 0.9, rows


def _corpus_bodies(corpus: Path, n: int) -> list[str]:
    path = corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [text for line in itertools.islice(fh, n) if (text := json.loads(line).get("content"))]


class _CrfsuiteTagger:
    """The tagger as it ran before the numpy inference: python-crfsuite's own Tagger on the
    featurizer's attribute tuples, one sentence per call (the reference `EntityTagger` must
    reproduce)."""

    def __init__(self) -> None:
        self.featurizer = EntityTagger().featurizer
        self.first, self.second = pycrfsuite.Tagger(), pycrfsuite.Tagger()
        self.first.open(str(MODEL_PATH))
        self.second.open(str(STAGE2_PATH))

    def tag_document(self, sents: list[list[str]]) -> list[list[str]]:
        items = [self.featurizer.sequence(toks) for toks in sents]
        tags = [self.first.tag(x) if x else [] for x in items]
        keys = [self.featurizer.keys(toks) for toks in sents]
        doc = document_labels(keys, tags)
        memo: dict[str, frozenset[str]] = {}
        out = []
        for toks, x, y, k in zip(sents, items, tags, keys, strict=True):
            found = mention_labels(toks, k, doc, memo)
            out.append(self.second.tag(stacked(x, y, found)) if needs_second_pass(y, found) else y)
        return out


def _documents(texts: list[str]) -> list[list[list[str]]]:
    docs = []
    for text in texts:
        tokens = [text[s:e] for s, e in tokenize_with_breaks(text)]
        docs.append([tokens[a:b] for a, b in sentences(tokens)])
    return docs


@pytest.mark.slow
def test_numpy_inference_equals_crfsuite_on_news(corpus: Path) -> None:
    """Both passes, document labels and pads: the numpy tagger gives python-crfsuite's labels
    on every sentence of 150 real articles, tagged as one batch (the CRFs alone: the
    organisation-phrase rule that follows them is off)."""
    docs = _documents(_corpus_bodies(corpus, 150))
    reference = _CrfsuiteTagger()
    want = [reference.tag_document(doc) for doc in docs]
    got = EntityTagger(org_phrases=False).tag_documents(docs)
    assert sum(tag != "O" for doc in want for tags in doc for tag in tags) > 1000
    assert got == want
    with_rule = EntityTagger().tag_documents(docs)
    changed = sum(
        a != b
        for x, y in zip(got, with_rule, strict=True)
        for s, t in zip(x, y, strict=True)
        for a, b in zip(s, t, strict=True)
    )
    assert changed > 0  # the rule does retag some organisation phrases of real news


@pytest.mark.parametrize(("batch", "batch_tokens"), [(1, 60_000), (7, 60_000), (60, 60_000), (60, 300)])
def test_batches_do_not_change_entities(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, batch: int, batch_tokens: int
) -> None:
    """find_many over batches of any size (and cut into token batches of any size inside)
    equals find one text at a time, on a fresh tagger and on one whose form table was filled
    by other texts first."""
    texts = [*_corpus_bodies(corpus, 60), "", "\n\n", "."]
    one_by_one = [find_entities(t) for t in texts]
    monkeypatch.setattr(EntityTagger, "BATCH_TOKENS", batch_tokens)
    tagger = EntityTagger()
    got = [e for i in range(0, len(texts), batch) for e in tagger.find_many(texts[i : i + batch])]
    assert got == one_by_one
    assert tagger.find_many(list(reversed(texts))) == list(reversed(one_by_one))


@pytest.mark.parametrize("spare_rows", [8, 65_536])
def test_form_table_starts_afresh_past_its_bound(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, spare_rows: int
) -> None:
    texts = _corpus_bodies(corpus, 20)
    want = EntityTagger().find_many(texts)
    monkeypatch.setattr(_FormTable, "MAX_ROWS", 500)
    monkeypatch.setattr(_FormTable, "SPARE_ROWS", spare_rows)
    tagger = EntityTagger()
    got, capacities = [], set()
    for i in range(0, len(texts), 2):
        got.append(tagger.find_many(texts[i : i + 2]))
        capacities.add(len(tagger._forms.keys))
    assert [e for part in got for e in part] == want
    distinct = {t for text in texts for s, e in tokenize_with_breaks(text) for t in [text[s:e]]}
    assert tagger._forms.size < len(distinct)  # it did start afresh between batches
    # with little room past the bound, a batch past it grows the table (rows copied over)
    assert (max(capacities) > 500 + spare_rows) == (spare_rows == 8)


def test_attribute_ids_are_the_featurizers_attributes(corpus: Path) -> None:
    """The form table finds attribute ids without writing attributes out; they are the ids of
    exactly the attributes `_form_features` writes (unknown ones as the zero row), by role."""
    tagger = EntityTagger()
    table = tagger._forms
    ids, zero = table._attr_ids, len(table._attr_ids)
    words = {
        t for text in _corpus_bodies(corpus, 30) for s, e in tokenize_with_breaks(text) for t in [text[s:e]]
    }
    words |= {"3.5", "Obama", "OBAMA", "=", "ـ", "\n", "والولايات", "للعراق", "كاليفورنيا"}
    for word in sorted(words):
        roles, keys, phrases = tagger.featurizer.text_features(word)
        got_roles, got_keys, got_phrases = table._attributes.of(word)
        assert [sorted(r) for r in got_roles] == [sorted(ids.get(a, zero) for a in role) for role in roles], (
            word
        )
        assert (got_keys, got_phrases) == (keys, phrases)


_DOC_TAGS = [["B-PER", "O"], ["B-LOC", "O"], ["O", "B-PER", "O"]]


@pytest.mark.parametrize(
    ("fill", "retype", "want"),
    [
        (False, False, _DOC_TAGS),
        (True, False, [["B-PER", "O"], ["B-LOC", "O"], ["B-PER", "B-PER", "O"]]),
        (False, True, [["B-PER", "O"], ["B-PER", "O"], ["O", "B-PER", "O"]]),
    ],
)
def test_post_hoc_document_rule(fill: bool, retype: bool, want: list[list[str]]) -> None:
    """Lever 2's rule (measured in cross-validation): a name's majority label over the
    document goes to its other mentions (retype) and to untagged repeats, proclitics allowed
    on the first word (fill)."""
    doc = [["سامر", "قال"], ["سامر", "ذهب"], ["وسامر", "سامر", "."]]
    assert propagate_labels(doc, _DOC_TAGS, fill=fill, retype=retype) == want
    assert _DOC_TAGS[1] == ["B-LOC", "O"]  # the input is not changed
