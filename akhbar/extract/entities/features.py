"""Attributes of token strings for the CRFs: the gazetteers, word-frequency classes, the
first-pass attributes (`Featurizer`) and the second-pass ("stacked") label attributes. The
tagger (`tagger.py`, `tables.py`) turns them into score vectors; training
(`benchmarks/train_ner.py`, `benchmarks/ner_training.py`) writes them out as text."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from akhbar.extract.entities.tokens import _shape, analyses, normalize, split_token

LABELS = ("PER", "LOC", "ORG", "MISC")
MODEL_PATH = Path(__file__).resolve().parents[2] / "resources" / "ner" / "anercorp_crf.crfsuite"
STAGE2_PATH = MODEL_PATH.with_name("anercorp_crf_stage2.crfsuite")
# Beside each first-pass model: how often each word form occurred in its training data.
WORD_COUNTS = "word_counts.tsv"
GAZETTEER_DIR = MODEL_PATH.parent
# Word clusters learnt from unlabelled news (`benchmarks/ner_clusters.py`): form -> ids at
# three nested granularities.
CLUSTERS_PATH = MODEL_PATH.with_name("word_clusters.tsv")

# ---------------------------------------------------------------------------------------
# Gazetteers (hand-written and CLDR place names; nothing taken from the training corpus)


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Classes of single words, and of phrases keyed by their first word (all normal forms)."""

    words: dict[str, tuple[str, ...]]
    phrases: dict[str, tuple[tuple[tuple[str, ...], str], ...]]


@functools.cache
def gazetteer() -> Gazetteer:
    """The lists in `resources/ner/gazetteer_*.tsv`: a hand-written file and place names from
    Unicode CLDR. Classes: LOC, PERF (first name), PERL (family name), ORG, ORGK (head word
    of organisation names), TITLE, MISCK. They give names the 125k-token corpus never saw a
    prior of their own.
    """
    words: dict[str, set[str]] = {}
    phrases: dict[str, set[tuple[tuple[str, ...], str]]] = {}
    for path in sorted(GAZETTEER_DIR.glob("gazetteer_*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            cls, _, names = line.partition("\t")
            for name in names.split("،"):
                forms = tuple(normalize(t) for t in split_token(name.strip()))
                if len(forms) == 1:
                    words.setdefault(forms[0], set()).add(cls)
                elif forms:
                    phrases.setdefault(forms[0], set()).add((forms[1:], cls))
    return Gazetteer(
        {k: tuple(sorted(v)) for k, v in words.items()},
        {k: tuple(sorted(v, key=lambda p: (-len(p[0]), p))) for k, v in phrases.items()},
    )


@functools.cache
def word_clusters(path: Path = CLUSTERS_PATH) -> dict[str, tuple[str, ...]]:
    """Normal form -> cluster ids (coarse to fine) from `word_clusters.tsv`; empty without it."""
    if not path.exists():
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            form, *ids = line.split("\t")
            out[form] = tuple(ids)
    return out


def cluster_of(stems: Sequence[str], table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Cluster ids of a token: those of its normal form, else of its first clitic analysis
    the table knows ("وبغداد" → "بغداد"); () for none."""
    for s in stems:
        ids = table.get(s)
        if ids is not None:
            return ids
    return ()


# ---------------------------------------------------------------------------------------
# Features


_NO_PAIR: tuple[tuple[bytes, ...], tuple[bytes, ...]] = ((), ())


@dataclass(frozen=True, slots=True)
class _FormFeatures:
    """Attributes of one token string: its own and those it lends to its neighbours."""

    own: tuple[bytes, ...]
    prev1: tuple[bytes, ...]  # given to the next token, as its previous word
    next1: tuple[bytes, ...]  # given to the previous token, as its next word
    prev2: tuple[bytes, ...]
    next2: tuple[bytes, ...]
    keys: tuple[str, ...]  # its clitic analyses: what links it to other mentions of a document
    phrases: tuple[tuple[tuple[str, ...], str], ...]  # gazetteer phrases it may start


def read_word_counts(path: Path) -> dict[str, int]:
    """The file `benchmarks/ner_training.write_word_counts` writes, as
    counts that give back the same classes."""
    least = {"1": 2, "2": 5, "3": 20}
    counts = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        form, _, cls = line.partition("\t")
        if form:
            counts[form] = least[cls]
    return counts


def frequency_class(count: int) -> str:
    """Bucket of a word form's count in the training data: "0" for forms seen at most once, so
    the weight learnt for the corpus's hapaxes carries over to forms it never saw (unseen
    names, most of them)."""
    return "0" if count < 2 else "1" if count < 5 else "2" if count < 20 else "3"


def _form_features(
    token: str,
    form: str,
    stems: list[str],
    gaz: Gazetteer,
    counts: dict[str, int],
    clusters: dict[str, tuple[str, ...]],
) -> tuple[list[str], ...]:
    """Every attribute of a token string as text, by role: own, prev1, next1, prev2, next2
    (see `_FormFeatures`). Word clusters: "c0=", "c1=", "c2=" (coarse to fine) on the token,
    "c1-1=", "c1+1=" (middle granularity) and "c0-2=", "c0+2=" (coarse) on its neighbours."""
    shape = _shape(token, form)
    found = [classes for s in stems if (classes := gaz.words.get(s))]  # most words: none
    classes = sorted({c for cs in found for c in cs}) if found else []
    own = ["b", f"w={form}", f"sh={shape}"]
    own += [f"s={s}" for s in stems[1:]]
    if shape.startswith("ar"):
        core = stems[-1]
        own += [f"p2={form[:2]}", f"p3={form[:3]}", f"x2={form[-2:]}", f"x3={form[-3:]}"]
        if core != form:  # affixes of the clitic-free stem ("والمصرية" → "مصرية")
            own += [f"cx2={core[-2:]}", f"cx3={core[-3:]}", f"cp3={core[:3]}"]
    own += [f"g={c}" for c in classes]
    if shape.startswith("ar"):
        own.append(f"fq={frequency_class(counts.get(form, 0))}")
    prev1 = [f"w-1={form}", *(f"s-1={s}" for s in stems[1:]), *(f"g-1={c}" for c in classes)]
    next1 = [f"w+1={form}", *(f"s+1={s}" for s in stems[1:]), *(f"g+1={c}" for c in classes)]
    prev2, next2 = [f"w-2={form}"], [f"w+2={form}"]
    ids = cluster_of(stems, clusters) if clusters else ()
    if ids:
        own += [f"c{k}={c}" for k, c in enumerate(ids)]
        prev1.append(f"c1-1={ids[1]}")
        next1.append(f"c1+1={ids[1]}")
        prev2.append(f"c0-2={ids[0]}")
        next2.append(f"c0+2={ids[0]}")
    return own, prev1, next1, prev2, next2


class Featurizer:
    """Per-token attribute tuples for crfsuite, cached per distinct token string, plus the
    word-bigram attributes of neighbouring forms ("bg-1=", "bg+1=").

    `counts` are the word-form counts of the training data (`read_word_counts`; the training
    script passes those of the sentences it trains on). With `known` (the models' attribute
    set) every attribute no model has a weight for is dropped once, when the form is first
    seen, instead of being looked up on every use.
    """

    _BOS1 = ("w-1=<s>",)
    _BOS2 = ("w-2=<s>",)
    _EOS1 = ("w+1=</s>",)
    _EOS2 = ("w+2=</s>",)
    _MAX_CACHE = 400_000

    def __init__(
        self,
        counts: dict[str, int],
        known: frozenset[bytes] | None = None,
        clusters: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._known = None if known is None else frozenset(a.decode() for a in known)
        self._gaz = gazetteer()
        self._counts = counts
        self._clusters = word_clusters() if clusters is None else clusters
        self._cache: dict[str, _FormFeatures] = {}
        # "a|b" → (attributes of b, attributes of a), for the bigrams the model knows: almost
        # every pair of a text is one the model has no weight for, so none is formatted.
        self._bigrams: dict[str, tuple[tuple[bytes, ...], tuple[bytes, ...]]] | None = None
        if self._known is not None:
            bigrams: dict[str, tuple[tuple[bytes, ...], tuple[bytes, ...]]] = {}
            for attr in sorted(self._known):
                if attr.startswith(("bg-1=", "bg+1=")):
                    left, right = bigrams.get(attr[5:], ((), ()))
                    if attr[2] == "-":
                        left = (attr.encode(),)
                    else:
                        right = (attr.encode(),)
                    bigrams[attr[5:]] = (left, right)
            self._bigrams = bigrams
        # Stand-ins for the two positions before and after a sentence.
        self._pad_left, self._pad_right = (
            _FormFeatures(*map(self._keep, roles), (), ()) for roles in self.PAD_ROLES
        )

    def _keep(self, attrs: Iterable[str]) -> tuple[bytes, ...]:
        known = self._known
        if known is None:
            return tuple([a.encode() for a in attrs])
        return tuple([a.encode() for a in attrs if a in known])

    def text_features(
        self, token: str
    ) -> tuple[tuple[list[str], ...], tuple[str, ...], tuple[tuple[tuple[str, ...], str], ...]]:
        """The attributes of one token string as text by role (own, prev1, next1, prev2, next2;
        unfiltered), its clitic analyses and the gazetteer phrases it may start."""
        form = normalize(token)
        stems = analyses(form)
        roles = _form_features(token, form, stems, self._gaz, self._counts, self._clusters)
        keys = tuple(stems)
        found = [starts for k in keys if (starts := self._gaz.phrases.get(k))]  # most words: none
        return roles, keys, tuple(p for starts in found for p in starts) if found else ()

    def form_features(self, token: str) -> _FormFeatures:
        """The attributes of one token string (not cached)."""
        roles, keys, phrases = self.text_features(token)
        own, prev1, next1, prev2, next2 = map(self._keep, roles)
        return _FormFeatures(own, prev1, next1, prev2, next2, keys, phrases)

    PAD_ROLES = (
        ((), _BOS1, (), _BOS2, ()),  # before a sentence: lends "w-1=<s>" and "w-2=<s>"
        ((), (), _EOS1, (), _EOS2),  # after it
    )

    def bigram_attributes(self) -> dict[str, tuple[tuple[bytes, ...], tuple[bytes, ...]]]:
        """ "a|b" -> (attributes of b, attributes of a) for the word pairs the models know."""
        return dict(self._bigrams or {})

    def _features(self, token: str) -> _FormFeatures:
        feats = self._cache.get(token)
        if feats is None:
            if len(self._cache) >= self._MAX_CACHE:
                self._cache.clear()  # bounded memory on endless input; refills from the stream
            feats = self._cache[token] = self.form_features(token)
        return feats

    def keys(self, tokens: Sequence[str]) -> list[tuple[str, ...]]:
        """The clitic analyses of each token (see `benchmarks/ner_training.document_labels`);
        call after `sequence`."""
        cache = self._cache
        return [(cache.get(t) or self._features(t)).keys for t in tokens]

    def sequence(self, tokens: Sequence[str]) -> list[tuple[bytes, ...]]:
        """The attribute tuples of one sentence's tokens."""
        get = self._cache.get
        feats = [get(t) or self._features(t) for t in tokens]
        n = len(feats)
        padded = [self._pad_left, self._pad_left, *feats, self._pad_right, self._pad_right]
        items = [
            f.own + p1.prev1 + n1.next1 + p2.prev2 + n2.next2
            for p2, p1, f, n1, n2 in zip(
                padded[:n], padded[1 : n + 1], feats, padded[3 : n + 3], padded[4:], strict=True
            )
        ]
        # word bigrams: each pair of neighbours gives "bg-1=a|b" to b and "bg+1=a|b" to a
        forms = ["<s>", *(f.keys[0] for f in feats), "</s>"]
        joined = [f"{a}|{b}" for a, b in itertools.pairwise(forms)]
        if self._bigrams is None:  # training: every pair
            pairs = [((f"bg-1={j}".encode(),), (f"bg+1={j}".encode(),)) for j in joined]
        else:
            get = self._bigrams.get
            pairs = [get(j, _NO_PAIR) for j in joined]
        for i in range(n):
            prev, nxt = pairs[i][0], pairs[i + 1][1]
            if prev or nxt:
                items[i] += prev + nxt
        for i, f in enumerate(feats):
            if f.phrases:
                self._mark_phrase(items, feats, i, f.phrases)
        return items

    def _mark_phrase(
        self,
        items: list[tuple[bytes, ...]],
        feats: list[_FormFeatures],
        i: int,
        phrases: tuple[tuple[tuple[str, ...], str], ...],
    ) -> None:
        """Gazetteer phrases ("الولايات المتحدة") starting at token i: "gm" attributes on
        their tokens. Longest phrase first; the words after the first must match exactly."""
        for rest, cls in phrases:
            end = i + 1 + len(rest)
            if end <= len(feats) and all(feats[i + 1 + j].keys[0] == w for j, w in enumerate(rest)):
                items[i] += self._keep((f"gmB={cls}",))
                for t in range(i + 1, end):
                    items[t] += self._keep((f"gmI={cls}",))
                return


# Second pass ("stacking"): the first CRF's labels of a token and its neighbours, and the
# labels the first CRF gave to other mentions of the same word in the same document. A name
# is usually introduced once in a clear context ("قال الرئيس X") and then repeated bare; the
# document feature carries the clear case to the bare ones, which a sentence-level CRF
# cannot do.
_BIO = tuple(["O"] + [f"{p}-{label}" for label in LABELS for p in "BI"])
# For each label: its attribute on the token itself, on the next token (as "y-1") and on
# the previous one (as "y+1"); the pads stand for the positions outside the sentence.
_Y = {tag: ((f"y={tag}".encode(),), (f"y-1={tag}".encode(),), (f"y+1={tag}".encode(),)) for tag in _BIO}
_Y_PAD = ((), (b"y-1=<s>",), (b"y+1=</s>",))
_D_PAD: tuple[tuple[bytes, ...], ...] = ((), (), ())


@functools.cache
def _doc_features(labels: frozenset[str]) -> tuple[tuple[bytes, ...], ...]:
    """Document-label attributes of a token for itself, its next and its previous token."""
    names = sorted(labels) or ["none"]
    return tuple(tuple(f"{role}={label}".encode() for label in names) for role in ("d", "d-1", "d+1"))
