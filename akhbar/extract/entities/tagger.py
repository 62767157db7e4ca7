"""The entity tagger: both CRFs over batches of texts (`EntityTagger.find_many`), entity spans
with proclitics dropped from their first word, and `find_entities` on the shipped models."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from akhbar.extract.crf import CRFWeights, viterbi
from akhbar.extract.entities.features import (
    _BIO,
    LABELS,
    MODEL_PATH,
    STAGE2_PATH,
    WORD_COUNTS,
    Featurizer,
    gazetteer,
    read_word_counts,
)
from akhbar.extract.entities.org_phrases import ARMS, HEADS, STARTS, OrgPhrases, org_spans
from akhbar.extract.entities.tables import _TAG_BEGINS, _TAG_LABEL, _FormTable, _sentence_edges, _StackTables
from akhbar.extract.entities.tokens import _SPLIT, CONJUNCTIONS, PREPOSITIONS, Entity, normalize

# ---------------------------------------------------------------------------------------
# The tagger


class EntityTagger:
    """The two CRFs, the score vectors of the token strings seen so far, and the lexicon used
    to strip proclitics.

    Inference is `akhbar.extract.crf`: crfsuite's weights and Viterbi in numpy, over every
    sentence of a batch of documents at once (`find_many`); python-crfsuite itself only
    trains. Without a second-pass model the first pass's labels are the answer (the training
    script's cross-validation measures both).
    """

    def __init__(
        self,
        model_path: Path = MODEL_PATH,
        stage2_path: Path | None = STAGE2_PATH,
        clusters: dict[str, tuple[str, ...]] | None = None,
        org_phrases: bool = True,
    ) -> None:
        """`clusters`: the word-cluster table the models were trained with (default: the
        shipped `word_clusters.tsv`; training passes another one when it tries one).
        `org_phrases`: retag organisation phrases after the second pass (`org_phrases.py`;
        never after the first pass alone, whose labels train the second)."""
        models = [CRFWeights.read(model_path)]
        if stage2_path is not None:
            models.append(CRFWeights.read(stage2_path))
        attributes = {a for m in models for a in m.attributes}
        name_weight = _name_weights(models[0])
        counts = read_word_counts(model_path.with_name(WORD_COUNTS))
        self.featurizer = Featurizer(counts, frozenset(attributes), clusters)
        self._forms = _FormTable(self.featurizer, models)
        self._stage2 = _StackTables(models[1]) if len(models) > 1 else None
        # Gazetteer names (and first words of names) join the lexicon with a modest weight.
        gaz, name_classes = gazetteer(), {"LOC", "PERF", "PERL", "ORG"}
        names = [f for f, classes in gaz.words.items() if name_classes.intersection(classes)]
        names += [f for f, phrases in gaz.phrases.items() if any(c in name_classes for _, c in phrases)]
        # so are the head words of organisation phrases ("لوزارة" → "وزارة", "فرقة" stays)
        for form in [*names, *HEADS, *ARMS]:
            name_weight[form] = GAZETTEER_WEIGHT
        self.name_weight = name_weight
        self._org = OrgPhrases() if org_phrases and self._stage2 is not None else None

    def tag_document(self, sents: Sequence[Sequence[str]]) -> list[list[str]]:
        """BIO labels of each sentence of one document (an article, or a block of corpus)."""
        return self.tag_documents([sents])[0]

    def tag_documents(self, docs: Sequence[Sequence[Sequence[str]]]) -> list[list[list[str]]]:
        """`tag_document` of each document, all tagged in one batch."""
        sents = [list(toks) for doc in docs for toks in doc]
        sent_doc = np.asarray([d for d, doc in enumerate(docs) for _ in doc], dtype=np.int64)
        kept = np.asarray([i for i, toks in enumerate(sents) if toks], dtype=np.int64)
        out: list[list[str]] = [[] for _ in sents]
        if len(kept):
            self._forms.trim()
            rows = self._forms.rows_of([t for i in kept for t in sents[i]])
            lengths = np.asarray([len(sents[i]) for i in kept], dtype=np.int64)
            names = np.asarray(_BIO)[self._tag(rows, lengths, sent_doc[kept])].tolist()
            pos = 0
            for i, n in zip(kept.tolist(), lengths.tolist(), strict=True):
                out[i] = names[pos : pos + n]
                pos += n
        grouped: list[list[list[str]]] = []
        start = 0
        for doc in docs:
            grouped.append(out[start : start + len(doc)])
            start += len(doc)
        return grouped

    def find(self, text: str) -> list[Entity]:
        """Entities of `text`, in order (see `find_entities`)."""
        return self.find_many([text])[0]

    # Tokens tagged together: enough sentences per numpy step to pay for its overhead, few
    # enough that the batch's score arrays stay small (tens of MB).
    BATCH_TOKENS = 60_000

    def find_many(self, texts: Sequence[str]) -> list[list[Entity]]:
        """`find` of each text, tagged in batches of about BATCH_TOKENS tokens: the same entities
        as one text at a time, faster (numpy works on every sentence of a batch at once)."""
        out: list[list[Entity]] = []
        group: list[str] = []
        pieces: list[list[str]] = []
        size = 0
        for text in texts:
            split = _SPLIT.split(text)  # gap, token, gap, token, ..., gap
            n = len(split) // 2
            if group and size + n > self.BATCH_TOKENS:
                out += self._find_batch(group, pieces)
                group, pieces, size = [], [], 0
            group.append(text)
            pieces.append(split)
            size += n
        if group:
            out += self._find_batch(group, pieces)
        return out

    def _find_batch(self, texts: Sequence[str], pieces: Sequence[list[str]]) -> list[list[Entity]]:
        out: list[list[Entity]] = [[] for _ in texts]
        tokens = [t for split in pieces for t in split[1::2]]
        if not tokens:
            return out
        # character offsets of every token, from the lengths of the gaps and tokens before it
        ends = np.concatenate(
            [np.cumsum(np.fromiter(map(len, split), np.int64, len(split)))[1::2] for split in pieces]
        )
        starts = ends - np.fromiter(map(len, tokens), np.int64, len(tokens))
        token_doc = np.repeat(np.arange(len(texts)), [len(split) // 2 for split in pieces])
        self._forms.trim()
        rows = self._forms.rows_of(tokens)
        kept, lengths, sent_doc = self._forms.sentences(rows, token_doc)
        if not len(kept):
            return out
        tags = self._tag(rows[kept], lengths, sent_doc)
        for i, j, label in _tag_spans(tags, lengths):
            i, j = int(kept[i]), int(kept[j - 1]) + 1  # back to positions among all tokens
            # quotes or brackets the tagger took in at either edge are not part of the name
            while i < j and not _is_word(tokens[i]):
                i += 1
            while j > i and not _is_word(tokens[j - 1]):
                j -= 1
            if i < j:
                d = int(token_doc[i])
                start = int(starts[i]) + proclitic_length(tokens[i], self.name_weight)
                end = int(ends[j - 1])
                out[d].append(Entity(texts[d][start:end], label, start, end))
        return out

    def _tag(self, rows: np.ndarray, lengths: np.ndarray, sent_doc: np.ndarray) -> np.ndarray:
        """Canonical tag ids (indexes of `_BIO`) of the tokens of sentences of `lengths` tokens
        (none empty) given as form-table rows, flat. `sent_doc` numbers the document of each
        sentence (the second pass looks across it)."""
        forms = self._forms
        batch = forms.batch(rows, lengths)
        first = forms.models[0]
        tags = first.canonical[viterbi(batch.scores(0), lengths, first.weights.transitions)]
        if self._stage2 is None:
            return tags
        token_doc = np.repeat(sent_doc, lengths)
        found = forms.document_labels(batch.rows, token_doc, tags)
        # the second pass can matter only for sentences with a first-pass entity or a word
        # tagged elsewhere in the document (see `benchmarks/ner_training.needs_second_pass`)
        bounds = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=bounds[1:])
        needed = np.logical_or.reduceat((tags != 0) | (found != 0), bounds)
        tags = tags.copy()
        if needed.any():
            select = np.repeat(needed, lengths)
            second = forms.models[1]
            scores = batch.scores(1) + self._stage2.scores(tags, found, batch.first, batch.last)
            picked = viterbi(scores[select], lengths[needed], second.weights.transitions)
            tags[select] = second.canonical[picked]
        if self._org is not None:
            self._org_phrases(rows, lengths, tags)
        return tags

    def _org_phrases(self, rows: np.ndarray, lengths: np.ndarray, tags: np.ndarray) -> None:
        """Retag, in place, the organisation phrases `org_phrases.org_spans` finds (tried only
        from head words, a few in a hundred tokens)."""
        assert self._org is not None
        forms = self._forms.forms
        unique, inverse = np.unique(rows, return_inverse=True)
        kinds = np.asarray(self._org.kinds([forms[r] for r in unique.tolist()]), dtype=np.int64)[inverse]
        starts = np.flatnonzero(np.isin(kinds, _ORG_STARTS))
        if not len(starts):
            return
        sentence_end = np.repeat(np.cumsum(lengths), lengths)
        labels = _TAG_LABEL[tags]
        inside = (labels != 0) & ~_TAG_BEGINS[tags]
        spans = org_spans(
            kinds.tolist(), labels.tolist(), inside.tolist(), starts.tolist(), sentence_end[starts].tolist()
        )
        for a, b in spans:
            if b < sentence_end[a] and inside[b]:
                tags[b] -= 1  # an entity cut by the phrase's edge begins again after it (I- → B-)
            tags[a] = _B_ORG
            tags[a + 1 : b] = _B_ORG + 1


_B_ORG = _BIO.index("B-ORG")
_ORG_STARTS = np.asarray(sorted(STARTS), dtype=np.int64)


def _tag_spans(tags: np.ndarray, lengths: np.ndarray) -> list[tuple[int, int, str]]:
    """`bio_spans` of every sentence at once, as flat token ranges (a stray I- opens a span)."""
    label = _TAG_LABEL[tags]
    first, last = _sentence_edges(lengths)
    begins = _TAG_BEGINS[tags]
    prev = np.concatenate(([0], label[:-1]))
    nxt = np.concatenate((label[1:], [0]))
    nxt_begins = np.concatenate((begins[1:], [True]))
    opens = (label != 0) & (first | begins | (prev != label))
    closes = (label != 0) & (last | nxt_begins | (nxt != label))
    return [
        (int(i), int(j) + 1, LABELS[label[i] - 1])
        for i, j in zip(np.flatnonzero(opens), np.flatnonzero(closes), strict=True)
    ]


def _is_word(token: str) -> bool:
    return token[0].isalnum() or token[-1].isalnum()


GAZETTEER_WEIGHT = 100.0  # lexicon weight of gazetteer names: above any CRF weight


def proclitic_length(token: str, name_weight: dict[str, float]) -> int:
    """Characters to drop from the front of an entity's first token.

    `name_weight` is the lexicon: CRF weights of whole word forms as entity starts, and
    GAZETTEER_WEIGHT for gazetteer names. In order:
    - a gazetteer name is never cut ("بغداد", "كندا", "كاليفورنيا"), unless the rest is one
      too ("بواشنطن" → "واشنطن");
    - و ف ب ك ل (and و/ف + ب ل) before the article go ("والاتحاد" → "الاتحاد",
      "وبالعراق" → "العراق"), whatever the lexicon says of the whole token, which ANERcorp
      also tags with its proclitics;
    - otherwise a prefix goes when the lexicon knows the rest better than the whole token
      ("لإيران" → "إيران", "ومحمد" → "محمد", while "بغداد" stays: "غداد" is no name);
    - "لل" + X is ل + ال + X with the alef elided: unless "لX" is the name ("للبنان"), the
      entity starts at X ("للأمم المتحدة" → "أمم المتحدة"), the only substring without the
      preposition.
    ك is only a proclitic before the article: before a bare name it is almost always the
    name's own first letter ("كريم", "كامل").
    """
    form = normalize(token)
    if len(form) != len(token):
        return 0  # diacritics or tatweel inside: positions in the normal form are not the token's
    cuts = _cuts(form)
    if not cuts:
        return 0
    whole = name_weight.get(form, 0.0)
    if whole < GAZETTEER_WEIGHT:
        for cut, rest, elided in cuts:
            if not elided and rest.startswith("ال") and len(rest) >= 5:
                return cut
    best, best_weight = 0, whole
    for cut, rest, _ in cuts:
        weight = name_weight.get(rest, 0.0)
        if weight > best_weight:
            best, best_weight = cut, weight
    if best or whole > 0:
        return best
    return next((cut for cut, _, elided in cuts if elided), 0)


def _cuts(form: str) -> list[tuple[int, str, bool]]:
    """(characters dropped, lexicon form of the rest, whether an article alef was elided)
    for each proclitic prefix of `form`, shortest first."""
    out = []
    i = 0
    if form[:1] in CONJUNCTIONS:
        i = 1
        out.append((1, form[1:], False))
    ch = form[i : i + 1]
    if ch in PREPOSITIONS and (ch != "ك" or form[i + 1 : i + 3] == "ال"):
        out.append((i + 1, form[i + 1 :], False))  # "للبنان" is ل + لبنان
        if form[i : i + 2] == "لل":
            out.append((i + 2, "ال" + form[i + 2 :], True))  # "للولايات" is ل + الولايات
    return [(cut, rest, elided) for cut, rest, elided in out if len(form) - cut >= 2 and len(rest) >= 3]


def _name_weights(weights: CRFWeights) -> dict[str, float]:
    """For each whole word form, the largest weight its "w=" attribute gives the first token of
    an entity (the lexicon of `proclitic_length`), to six decimals as crfsuite's model dump
    prints them (the weights this lexicon was tuned on); forms with no positive weight are left
    out.

    Only "w=" counts: an "s=" stem attribute fires on every form it may be cut from, so "s=غداد"
    can carry the weight of "بغداد" and would make "غداد" look like a name.
    """
    begins = [i for i, label in enumerate(weights.labels) if label.startswith("B-")]
    name_weight: dict[str, float] = {}
    for attr, row in weights.attributes.items():
        if attr[:2] == b"w=":
            value = float(f"{weights.state[row, begins].max():f}")
            if value > 0.0:
                name_weight[attr[2:].decode()] = value
    return name_weight


@functools.cache
def default_tagger() -> EntityTagger:
    """The shipped model, loaded once per process."""
    return EntityTagger()


def find_entities(text: str) -> list[Entity]:
    """PER, LOC, ORG and MISC mentions of `text` (an article body), in text order.

    Every entity satisfies `text[e.start:e.end] == e.text`; mentions never overlap or cross
    a line break, and the first word's proclitics are left out (see `proclitic_length`).
    The shipped models are loaded once per process; a tagger must not be shared between
    threads (crfsuite keeps per-call state), so parallelize with processes.
    """
    if not text:
        return []
    return default_tagger().find(text)
