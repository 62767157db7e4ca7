"""The batched tagger's tables: each distinct token string's state-score vectors under both
CRFs (`_FormTable`, one row per string, and its size limits `MAX_ROWS`/`SPARE_ROWS`), a batch's
neighbour layout (`_Batch`), and the second pass's score vectors of stacked labels
(`_StackTables`).

Over 500 lines: `_FormTable` and `_AttributeIds` are one unit (the ids `_FormTable` sums are the
ones `_AttributeIds` finds), kept in one file with the small helpers only they use."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from akhbar.extract.crf import CRFWeights
from akhbar.extract.entities.features import (
    _BIO,
    _Y,
    _Y_PAD,
    LABELS,
    Featurizer,
    _doc_features,
    cluster_of,
    frequency_class,
)
from akhbar.extract.entities.tokens import _ABBREVIATIONS, SENTENCE_END, _shape, analyses, normalize

# Canonical tag ids are indexes of _BIO: 0 is O, then B- and I- of each label in LABELS order.
_TAG_LABEL = np.array([0] + [k + 1 for k in range(len(LABELS)) for _ in "BI"])  # 0: none
_TAG_BEGINS = np.array([False] + [p == "B" for _ in LABELS for p in "BI"])
_LABEL_SETS = 1 << len(LABELS)  # document labels of a token as a bit mask (bit k: LABELS[k])


def _sentence_edges(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the tokens of sentences of `lengths` tokens, flat: which open and which close one."""
    ends = np.cumsum(lengths)
    first = np.zeros(int(ends[-1]) if len(ends) else 0, dtype=bool)
    last = first.copy()
    first[ends - lengths] = True
    last[ends - 1] = True
    return first, last


@dataclass(frozen=True)
class _Model:
    weights: CRFWeights
    canonical: np.ndarray  # the model's label id -> canonical tag id


@dataclass
class _Batch:
    """Row ids of a batch's tokens in the form table, laid out as the sentences with two pad
    rows on each side, and what is added to their state scores beyond their own rows."""

    table: _FormTable
    padded: np.ndarray  # form-table rows: [left pad, left pad, tokens..., right pad, right pad] per sentence
    at: np.ndarray  # each token's position in `padded`
    rows: np.ndarray  # each token's row (padded[at])
    first: np.ndarray  # token opens its sentence
    last: np.ndarray  # token closes its sentence
    extras: list[tuple[np.ndarray, list[np.ndarray]]]  # (token indexes, per-model score rows)

    def scores(self, model: int) -> np.ndarray:
        """State scores of every token under one model (tokens x that model's labels)."""
        roles = self.table.roles[model]
        padded, at = self.padded, self.at
        out = roles[0][self.rows]
        out += roles[1][padded[at - 1]]
        out += roles[2][padded[at + 1]]
        out += roles[3][padded[at - 2]]
        out += roles[4][padded[at + 2]]
        for tokens, rows in self.extras:
            np.add.at(out, tokens, rows[model])
        return out


class _AttributeIds:
    """The ids of the attributes `_form_features` gives a token string, by role, found without
    writing the attributes out: each attribute family ("w=", "s-1=", …) is a dict from value to
    id. An attribute no model knows is the id `len(ids)` (a row of zeros), so every role keeps
    its place and none is empty. The crfsuite differential test and a direct comparison with
    `_form_features` keep the two in step."""

    def __init__(self, ids: dict[str, int], featurizer: Featurizer) -> None:
        family: dict[str, dict[str, int]] = {}
        for attr, i in ids.items():
            prefix, sep, value = attr.partition("=")
            if sep:
                family.setdefault(prefix, {})[value] = i
        self.zero = zero = len(ids)
        self._b = ids.get("b", zero)

        def get(prefix: str) -> Callable[[str, int], int]:
            return family.get(prefix, {}).get

        self._w, self._w1, self._wn1, self._w2, self._wn2 = map(get, ("w", "w-1", "w+1", "w-2", "w+2"))
        self._s, self._s1, self._sn1 = map(get, ("s", "s-1", "s+1"))
        self._g, self._g1, self._gn1 = map(get, ("g", "g-1", "g+1"))
        self._sh, self._fq = get("sh"), get("fq")
        self._p2, self._p3, self._x2, self._x3 = map(get, ("p2", "p3", "x2", "x3"))
        self._cx2, self._cx3, self._cp3 = map(get, ("cx2", "cx3", "cp3"))
        self._c = [get(f"c{k}") for k in range(3)]
        self._c1p, self._c1n, self._c0p, self._c0n = map(get, ("c1-1", "c1+1", "c0-2", "c0+2"))
        self._gaz = featurizer._gaz
        self._counts = featurizer._counts
        self._clusters = featurizer._clusters

    def of(
        self, token: str
    ) -> tuple[list[list[int]], tuple[str, ...], tuple[tuple[tuple[str, ...], str], ...]]:
        """(attribute ids by role: own, prev1, next1, prev2, next2; clitic analyses; gazetteer
        phrases) of a token string: `Featurizer.text_features` in ids."""
        z = self.zero
        form = normalize(token)
        stems = analyses(form)
        shape = _shape(token, form)
        gaz = self._gaz
        found = [classes for s in stems if (classes := gaz.words.get(s))]
        classes = sorted({c for cs in found for c in cs}) if found else []
        rest = stems[1:]
        own = [self._b, self._w(form, z), self._sh(shape, z)]
        if rest:
            own += [self._s(s, z) for s in rest]
        arabic = shape.startswith("ar")
        if arabic:
            own += [
                self._p2(form[:2], z),
                self._p3(form[:3], z),
                self._x2(form[-2:], z),
                self._x3(form[-3:], z),
            ]
            core = stems[-1]
            if core != form:
                own += [self._cx2(core[-2:], z), self._cx3(core[-3:], z), self._cp3(core[:3], z)]
        prev1 = [self._w1(form, z)]
        next1 = [self._wn1(form, z)]
        if rest:
            prev1 += [self._s1(s, z) for s in rest]
            next1 += [self._sn1(s, z) for s in rest]
        if classes:
            own += [self._g(c, z) for c in classes]
            prev1 += [self._g1(c, z) for c in classes]
            next1 += [self._gn1(c, z) for c in classes]
        if arabic:
            own.append(self._fq(frequency_class(self._counts.get(form, 0)), z))
        prev2, next2 = [self._w2(form, z)], [self._wn2(form, z)]
        ids = cluster_of(stems, self._clusters) if self._clusters else ()
        if ids:
            own += [get(c, z) for get, c in zip(self._c, ids, strict=False)]
            prev1.append(self._c1p(ids[1], z))
            next1.append(self._c1n(ids[1], z))
            prev2.append(self._c0p(ids[0], z))
            next2.append(self._c0n(ids[0], z))
        keys = tuple(stems)
        starts = [p for k in keys if (p := gaz.phrases.get(k))]
        phrases = tuple(p for ps in starts for p in ps) if starts else ()
        return [own, prev1, next1, prev2, next2], keys, phrases


class _FormTable:
    """What tagging needs of each distinct token string, one row each: its state-score vectors
    in each role (its own attributes; those it lends its previous and next word, at distance
    one and two) under each CRF, the ids of its clitic analyses, its id in the bigram
    vocabulary and its gazetteer phrases. Rows 0 and 1 are the pads before and after a
    sentence. Rows are added as new strings come; past MAX_ROWS the table starts afresh
    between batches, which bounds memory on endless input."""

    MAX_ROWS = 400_000
    SPARE_ROWS = 65_536
    _KEYS = 8  # clitic analyses of a form: at most 1 + 1 + 2 bases, each with and without ال

    def __init__(self, featurizer: Featurizer, weights: Sequence[CRFWeights]) -> None:
        self._featurizer = featurizer
        self.models = [
            _Model(w, np.asarray([_BIO.index(label) for label in w.labels], dtype=np.int64)) for w in weights
        ]
        # Known word pairs: "bg-1=a|b" given to b and "bg+1=a|b" to a, keyed a_id * V + b_id.
        pairs = featurizer.bigram_attributes()
        vocab: dict[str, int] = {}
        codes: dict[tuple[int, int], list[tuple[tuple[bytes, ...], tuple[bytes, ...]]]] = {}
        for joined, attrs in sorted(pairs.items()):
            for cut in range(1, len(joined) - 1):
                if joined[cut] == "|":  # a lone "|" is a form too: every split with two forms
                    a, b = joined[:cut], joined[cut + 1 :]
                    ids = (vocab.setdefault(a, len(vocab)), vocab.setdefault(b, len(vocab)))
                    codes.setdefault(ids, []).append(attrs)
        self._vocab = vocab
        ordered = sorted(codes)
        self._pair_codes = np.asarray([a * len(vocab) + b for a, b in ordered], dtype=np.int64)
        self._pair_left = [
            w.score_rows([tuple(x for attrs in codes[p] for x in attrs[0]) for p in ordered]) for w in weights
        ]
        self._pair_right = [
            w.score_rows([tuple(x for attrs in codes[p] for x in attrs[1]) for p in ordered]) for w in weights
        ]
        # every attribute either model knows -> one id, and each model's weights on those ids
        union: dict[str, int] = {}
        for w in weights:
            for attr in w.attributes:
                union.setdefault(attr.decode(), len(union))
        self._attr_ids = union
        self._attributes = _AttributeIds(union, featurizer)
        self._state = []
        for w in weights:
            state = np.zeros((len(union) + 1, len(w.labels)))  # the last row: attributes it lacks
            rows = [union[a.decode()] for a in w.attributes]
            state[rows] = w.state[list(w.attributes.values())]
            self._state.append(state)
        self._reset()

    def _reset(self) -> None:
        self.index: dict[str, int] = {}
        self._key_ids: dict[str, int] = {}
        self.forms: list[str] = ["<s>", "</s>"]
        self.phrases: list[tuple[tuple[tuple[str, ...], str], ...]] = [(), ()]
        # Room for MAX_ROWS and a batch past it from the start: np.zeros takes its pages from the
        # OS only as rows are written, where growing by doubling copied every row several times.
        capacity = self.MAX_ROWS + self.SPARE_ROWS
        self.size = 2
        self.roles = [[np.zeros((capacity, len(m.weights.labels))) for _ in range(5)] for m in self.models]
        self.keys = np.full((capacity, self._KEYS), -1, dtype=np.int64)
        self.bigram_id = np.full(capacity, -1, dtype=np.int64)
        self.has_phrase = np.zeros(capacity, dtype=bool)
        self._fill(0, [])

    def trim(self) -> None:
        if self.size > self.MAX_ROWS:
            self._reset()

    def _grow(self, size: int) -> None:
        capacity = len(self.keys)
        if size <= capacity:
            return
        while capacity < size:
            capacity *= 2

        def grown(a: np.ndarray, fill: float | int | bool) -> np.ndarray:
            out = np.full((capacity, *a.shape[1:]), fill, dtype=a.dtype)
            out[: len(a)] = a
            return out

        self.roles = [[grown(r, 0.0) for r in roles] for roles in self.roles]
        self.keys = grown(self.keys, -1)
        self.bigram_id = grown(self.bigram_id, -1)
        self.has_phrase = grown(self.has_phrase, False)

    def _fill(self, start: int, tokens: Sequence[str]) -> None:
        """Rows start.. for new token strings (the two pads when `tokens` is empty)."""
        zero = len(self._attr_ids)
        if tokens:
            described = [self._attributes.of(t) for t in tokens]
        else:
            get = self._attr_ids.get
            described = [
                ([[*(get(a, zero) for a in attrs), zero] for attrs in roles], (), ())
                for roles in self._featurizer.PAD_ROLES
            ]
        # Each role's attribute ids (an unknown attribute is the zero row, the last one; no role
        # is empty), summed for every role of every new row by one reduceat.
        flat: list[int] = []
        bounds: list[int] = []
        for roles, _, _ in described:
            for attrs in roles:
                bounds.append(len(flat))
                flat.extend(attrs)
        stop = start + len(described)
        flat_ids = np.asarray(flat, dtype=np.int64)
        starts = np.asarray(bounds, dtype=np.int64)
        for state, roles in zip(self._state, self.roles, strict=True):
            summed = np.add.reduceat(state[flat_ids], starts, axis=0).reshape(len(described), 5, -1)
            for r in range(5):
                roles[r][start:stop] = summed[:, r]
        key_ids = self._key_ids
        forms = [keys[0] for _, keys, _ in described] if tokens else ["<s>", "</s>"]
        for row, ((_, keys, phrases), form) in enumerate(zip(described, forms, strict=True), start):
            kid = [key_ids.setdefault(k, len(key_ids)) for k in keys]
            self.keys[row, : len(kid)] = kid
            self.bigram_id[row] = self._vocab.get(form, -1)
            self.has_phrase[row] = bool(phrases)
        self.forms[start:stop] = forms
        self.phrases[start:stop] = [phrases for _, _, phrases in described]

    def rows_of(self, tokens: Sequence[str]) -> np.ndarray:
        """Row of each token string, adding the new ones (in order of first occurrence). Only
        the distinct strings are looked at in Python; the per-token loops run in C."""
        index = self.index
        new = [t for t in dict.fromkeys(tokens) if t not in index]
        if new:
            self._grow(self.size + len(new))
            self._fill(self.size, new)
            index.update(zip(new, range(self.size, self.size + len(new)), strict=True))
            self.size += len(new)
        return np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def sentences(self, rows: np.ndarray, token_doc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`sentences` of every document at once, from the tokens' rows: (positions of the
        tokens that are in a sentence, sentence lengths, each sentence's document). Line breaks
        end a sentence and belong to none; ".", "!", "?" and "؟" end one and belong to it, but a
        "." after an abbreviation letter does not end one."""
        index = self.index

        def among(tokens: Iterable[str]) -> np.ndarray:
            return np.isin(rows, [index[t] for t in tokens if t in index])

        first = np.ones(len(rows), dtype=bool)
        first[1:] = token_doc[1:] != token_doc[:-1]
        is_break = among(["\n"])
        after_abbreviation = np.zeros(len(rows), dtype=bool)
        after_abbreviation[1:] = among(_ABBREVIATIONS)[:-1]
        ends = among(SENTENCE_END) & ~(among(["."]) & after_abbreviation & ~first)
        opens = first.copy()
        opens[1:] |= (ends | is_break)[:-1]
        sentence = np.cumsum(opens) - 1
        kept = np.flatnonzero(~is_break)
        _, lengths = np.unique(sentence[kept], return_counts=True)
        return kept, lengths, token_doc[kept][np.cumsum(lengths) - lengths]

    def batch(self, rows: np.ndarray, lengths: np.ndarray) -> _Batch:
        """Neighbours of a batch's tokens (form-table rows of sentences of `lengths` tokens, flat)."""
        sentence = np.repeat(np.arange(len(lengths)), lengths)
        at = np.arange(len(rows)) + 4 * sentence + 2
        padded = np.zeros(len(rows) + 4 * len(lengths), dtype=np.int64)
        ends = np.cumsum(lengths) + 4 * np.arange(len(lengths)) + 2  # first right pad of each sentence
        padded[ends] = 1
        padded[ends + 1] = 1
        padded[at] = rows
        first, last = _sentence_edges(lengths)
        extras = self._bigrams(padded, at) + self._phrase_marks(padded, at, rows)
        return _Batch(self, padded, at, rows, first, last, extras)

    def _bigrams(self, padded: np.ndarray, at: np.ndarray) -> list[tuple[np.ndarray, list[np.ndarray]]]:
        """Known word pairs: each pair of neighbours gives "bg-1=a|b" to b and "bg+1=a|b" to a."""
        if not len(self._pair_codes):
            return []
        vocab = self.bigram_id
        here = vocab[padded[at]]
        out = []
        before, after = vocab[padded[at - 1]], vocab[padded[at + 1]]
        for a, b, table in ((before, here, self._pair_left), (here, after, self._pair_right)):
            code = np.where((a >= 0) & (b >= 0), a * len(self._vocab) + b, -1)
            pos = np.searchsorted(self._pair_codes, code).clip(max=len(self._pair_codes) - 1)
            hit = np.flatnonzero(self._pair_codes[pos] == code)
            if len(hit):
                out.append((hit, [t[pos[hit]] for t in table]))
        return out

    def _phrase_marks(
        self, padded: np.ndarray, at: np.ndarray, rows: np.ndarray
    ) -> list[tuple[np.ndarray, list[np.ndarray]]]:
        """Gazetteer phrases ("الولايات المتحدة") starting at a token: "gmB=" on it and "gmI=" on
        the rest. Longest phrase first; the words after the first must match exactly (pads,
        "<s>" and "</s>", match no word, so a phrase never crosses a sentence end)."""
        hits = np.flatnonzero(self.has_phrase[rows])
        if not len(hits):
            return []
        tokens: list[int] = []
        marks: list[int] = []  # attribute ids of "gmB=<class>" / "gmI=<class>"
        forms, phrases, mark_ids = self.forms, self.phrases, self._phrase_mark_ids
        following = padded.tolist()  # plain ints: indexing numpy one element at a time is slow
        for i, p, row in zip(hits.tolist(), at[hits].tolist(), rows[hits].tolist(), strict=True):
            for rest, cls in phrases[row]:
                if [forms[r] for r in following[p + 1 : p + 1 + len(rest)]] == list(rest):
                    begin, inside = mark_ids(cls)
                    tokens.extend(range(i, i + 1 + len(rest)))
                    marks.append(begin)
                    marks.extend([inside] * len(rest))
                    break
        if not tokens:
            return []
        ids = np.asarray(marks, dtype=np.int64)
        return [(np.asarray(tokens, dtype=np.int64), [state[ids] for state in self._state])]

    def _phrase_mark_ids(self, cls: str) -> tuple[int, int]:
        """Attribute ids of "gmB=<class>" and "gmI=<class>" (the zero row if no model knows one)."""
        zero = len(self._attr_ids)
        return self._attr_ids.get(f"gmB={cls}", zero), self._attr_ids.get(f"gmI={cls}", zero)

    def document_labels(self, rows: np.ndarray, token_doc: np.ndarray, tags: np.ndarray) -> np.ndarray:
        """For each token, the labels (bit mask) the first pass gave to any mention of any of its
        clitic analyses in the same document (`document_labels` + `mention_labels` of
        `benchmarks/ner_training.py`, batched)."""
        tagged = np.flatnonzero(tags != 0)
        found = np.zeros(len(rows), dtype=np.int64)
        if not len(tagged):
            return found
        n_keys = max(len(self._key_ids), 1)
        keys = self.keys[rows[tagged]]
        bits = np.broadcast_to((1 << (_TAG_LABEL[tags[tagged]] - 1))[:, None], keys.shape)
        codes = (token_doc[tagged][:, None] * n_keys + keys)[keys >= 0]
        bits = bits[keys >= 0]
        order = np.argsort(codes, kind="stable")
        codes, bits = codes[order], bits[order]
        unique, starts = np.unique(codes, return_index=True)
        merged = np.bitwise_or.reduceat(bits, starts)
        query_keys = self.keys[rows]
        query = token_doc[:, None] * n_keys + query_keys
        pos = np.searchsorted(unique, query).clip(max=len(unique) - 1)
        hit = (query_keys >= 0) & (unique[pos] == query)
        return np.bitwise_or.reduce(np.where(hit, merged[pos], 0), axis=1)


class _StackTables:
    """Second-pass score vectors of the stacked attributes (see `stacked` in
    `benchmarks/ner_training.py`): the first pass's tag of a token and of its neighbours, and
    the document labels of each (a bit mask; no label is "d=none", and a pad has no document
    attribute)."""

    def __init__(self, weights: CRFWeights) -> None:
        pad = len(_BIO)
        self.tag = weights.score_rows([_Y[t][0] for t in _BIO])
        self.prev_tag = weights.score_rows([*(_Y[t][1] for t in _BIO), _Y_PAD[1]])  # row `pad`: <s>
        self.next_tag = weights.score_rows([*(_Y[t][2] for t in _BIO), _Y_PAD[2]])
        sets = [frozenset(label for k, label in enumerate(LABELS) if m >> k & 1) for m in range(_LABEL_SETS)]
        self.doc = weights.score_rows([_doc_features(s)[0] for s in sets])
        self.prev_doc = weights.score_rows([*(_doc_features(s)[1] for s in sets), ()])  # last row: pad
        self.next_doc = weights.score_rows([*(_doc_features(s)[2] for s in sets), ()])
        self._pad = pad

    def scores(self, tags: np.ndarray, found: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        prev_tag = np.where(first, self._pad, np.roll(tags, 1))
        next_tag = np.where(last, self._pad, np.roll(tags, -1))
        prev_doc = np.where(first, _LABEL_SETS, np.roll(found, 1))
        next_doc = np.where(last, _LABEL_SETS, np.roll(found, -1))
        return (
            self.tag[tags]
            + self.doc[found]
            + self.prev_tag[prev_tag]
            + self.prev_doc[prev_doc]
            + self.next_tag[next_tag]
            + self.next_doc[next_doc]
        )
