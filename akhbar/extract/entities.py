"""Named entities (PER, LOC, ORG, MISC) with character offsets into the body.

A linear-chain CRF (python-crfsuite) trained on ANERcorp by `benchmarks/train_ner.py` tags
tokens with BIO labels; the model and its provenance live in `akhbar/resources/ner/`.

Why a CRF: ANERcorp has 125k tokens, too few for a neural tagger trained from scratch, no
pretrained Arabic encoder can be fetched or shipped here, and the stage must tag 100k+
tokens/s per core. Two CRFs run in turn: the second sees the first one's labels and the
labels given to the same word elsewhere in the article (see `stacked`). Cross-validated
scores are in `resources/ner/provenance.json` (and the training script's output).

- Tokens are what ANERcorp calls tokens: runs of letters/digits (with their diacritics) and
  single punctuation characters; the training script re-tokenizes the corpus with the same
  function, so features never see a token shape at inference that training did not.
- Arabic attaches proclitics (و ف ب ل ك and the article) to the next word, so "وبغداد",
  "لبغداد" and "بغداد" are three forms of one name. Every token gets features for each of
  its possible clitic analyses ("s=" stems), which lets evidence flow between the forms.
- Most names in news are names the corpus never saw. A word's frequency class in the
  training data ("fq=", `word_counts.tsv` beside the model) lets the CRF learn from the
  corpus's hapaxes how an unseen word behaves; word bigrams ("bg-1=", "bg+1=") and
  hand-written cue lists (titles, verbs of saying, place and organisation head words,
  nationality adjectives: `gazetteer_hand.tsv`) describe the contexts names come in.
- Inference does not call crfsuite (which trains the models). A token string's attributes
  are summed into state-score vectors once, when it is first seen (`_FormTable`: its own,
  and those it lends to its neighbours, per model); a batch of texts then costs a few numpy
  gathers per token and one Viterbi over all its sentences at once (`akhbar.extract.crf`,
  crfsuite's weights and recursion, tested equal to python-crfsuite's labels). Tagging
  texts in batches (`EntityTagger.find_many`, as the fields stage does per chunk) is about
  3x faster than one at a time.

Entity `text` drops proclitics from its first token ("والولايات المتحدة" → "الولايات
المتحدة", "لبغداد" → "بغداد") but only when the remainder is a name the model knows better
than the whole token, so names that begin with those letters ("بغداد", "لبنان",
"واشنطن") are kept whole. `body[start:end] == text` always holds.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from akhbar.extract.crf import CRFWeights, viterbi

LABELS = ("PER", "LOC", "ORG", "MISC")
MODEL_PATH = Path(__file__).resolve().parent.parent / "resources" / "ner" / "anercorp_crf.crfsuite"
STAGE2_PATH = MODEL_PATH.with_name("anercorp_crf_stage2.crfsuite")
# Beside each first-pass model: how often each word form occurred in its training data.
WORD_COUNTS = "word_counts.tsv"
GAZETTEER_DIR = MODEL_PATH.parent

# A number with inner separators stays one token ("3.5", "1,200"), so its "." never ends a
# sentence; then runs of word characters with Arabic diacritics; then any other single
# non-space character (punctuation, symbols), as ANERcorp separates them.
_MARKS = "\u064b-\u065f\u0670"
_TOKEN = re.compile(rf"\d+(?:[.,٫٬]\d+)+|[\w{_MARKS}]+|[^\w\s{_MARKS}]")
SENTENCE_END = frozenset({".", "!", "?", "؟"})
_ABBREVIATIONS = frozenset({"د", "أ", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
# At inference a line break is a token of its own that ends a sentence and is dropped.
_TOKEN_OR_BREAK = re.compile(rf"\n|{_TOKEN.pattern}")
# split() with it gives the gaps between tokens and the tokens themselves, alternately
_SPLIT = re.compile(f"({_TOKEN_OR_BREAK.pattern})")

_STRIP_MARKS = re.compile(f"[{_MARKS}\u0640]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي"})
_DIGIT = re.compile(r"\d")
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN_LETTER = re.compile("[A-Za-z]")

CONJUNCTIONS = "وف"
PREPOSITIONS = "بلك"


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity mention: `text == body[start:end]`, label in PER, LOC, ORG, MISC."""

    text: str
    label: str
    start: int
    end: int


# ---------------------------------------------------------------------------------------
# Tokens and their normal forms


def tokenize(text: str) -> list[tuple[int, int]]:
    """Character spans of the tokens of `text`, in order."""
    return [m.span() for m in _TOKEN.finditer(text)]


def tokenize_with_breaks(text: str) -> list[tuple[int, int]]:
    """Character spans of the tokens of `text` and of its line breaks (which end sentences)."""
    return [m.span() for m in _TOKEN_OR_BREAK.finditer(text)]


def split_token(token: str) -> list[str]:
    """The inference tokenization of one string (used to re-tokenize the training corpus)."""
    return _TOKEN.findall(token)


def normalize(token: str) -> str:
    """The form features are keyed by: no diacritics or tatweel, one alef, ى as ي, digits as 0.

    ANERcorp writes "إلي" and "علي" for "إلى" and "على" and is loose with hamza on alef, as
    is web news: folding both sides makes the corpus's forms match the articles' forms.
    """
    form = _STRIP_MARKS.sub("", token).translate(_FOLD).lower()
    return _DIGIT.sub("0", form) if form[:1].isdigit() or form[-1:].isdigit() else form


def analyses(form: str) -> list[str]:
    """The normal form and every form left by removing a possible proclitic sequence.

    (و|ف)? then (ب|ل|ك)? then the article: "وبالعراق" gives وبالعراق, بالعراق, بالعراق →
    العراق, عراق. "لل" is ل + ال with the alef elided: "للعراق" gives العراق too. A remainder
    must keep three letters, so short words are not cut to nothing.
    """
    out = [form]
    bases = [form]
    if form[:1] in CONJUNCTIONS and len(form) >= 4:
        bases.append(form[1:])
    for base in list(bases):
        if base[:1] in PREPOSITIONS and len(base) >= 4:
            if base.startswith("لل") and len(base) >= 5:
                bases.append("ال" + base[2:])
            else:
                bases.append(base[1:])
    for base in bases:
        if base not in out:
            out.append(base)
        if base.startswith("ال") and len(base) >= 5 and base[2:] not in out:
            out.append(base[2:])
    return out


def _shape(token: str, form: str) -> str:
    if _ARABIC_LETTER.search(form):
        kind = "ar"
    elif _LATIN_LETTER.search(form):
        kind = "lat" + ("C" if token[:1].isupper() else "")
    elif form[:1] == "0":
        kind = "num"
    else:
        return "p" + form
    n = len(form)
    size = "1" if n == 1 else "2" if n == 2 else "3" if n == 3 else "5" if n <= 5 else "8" if n <= 8 else "9"
    return kind + size


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


def count_words(sents: Iterable[Sequence[str]]) -> dict[str, int]:
    """Counts of the normal forms of Arabic words (what `frequency_class` buckets)."""
    counts: dict[str, int] = {}
    for toks in sents:
        for token in toks:
            form = normalize(token)
            if _ARABIC_LETTER.search(form):
                counts[form] = counts.get(form, 0) + 1
    return counts


def write_word_counts(path: Path, counts: dict[str, int]) -> None:
    """The frequency classes (not the counts) of the forms seen at least twice, sorted."""
    lines = sorted(f"{form}\t{frequency_class(c)}" for form, c in counts.items() if c >= 2)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_word_counts(path: Path) -> dict[str, int]:
    """`write_word_counts`'s file, as counts that give back the same classes."""
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
    token: str, form: str, stems: list[str], gaz: Gazetteer, counts: dict[str, int]
) -> tuple[list[str], ...]:
    """Every attribute of a token string as text, by role: own, prev1, next1, prev2, next2
    (see `_FormFeatures`)."""
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
    return own, prev1, next1, [f"w-2={form}"], [f"w+2={form}"]


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

    def __init__(self, counts: dict[str, int], known: frozenset[bytes] | None = None) -> None:
        self._known = None if known is None else frozenset(a.decode() for a in known)
        self._gaz = gazetteer()
        self._counts = counts
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
        roles = _form_features(token, form, stems, self._gaz, self._counts)
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
        """The clitic analyses of each token (see `document_labels`); call after `sequence`."""
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


def document_labels(
    keys: Sequence[Sequence[tuple[str, ...]]], tags: Sequence[Sequence[str]]
) -> dict[str, frozenset[str]]:
    """Analysis form → labels of the first-pass entities it occurs in, over a document."""
    found: dict[str, set[str]] = {}
    for sent_keys, sent_tags in zip(keys, tags, strict=True):
        for i, j, label in bio_spans(sent_tags):
            for t in range(i, j):
                for key in sent_keys[t]:
                    found.setdefault(key, set()).add(label)
    return {k: frozenset(v) for k, v in found.items()}


def mention_labels(
    tokens: Sequence[str],
    keys: Sequence[tuple[str, ...]],
    doc: dict[str, frozenset[str]],
    memo: dict[str, frozenset[str]] | None = None,
) -> list[frozenset[str]]:
    """For each token, the document labels of any of its analyses (empty for most tokens).
    `memo` (one per document, keyed by token string) saves the lookups of repeated words."""
    memo = {} if memo is None else memo
    empty: frozenset[str] = frozenset()
    found = []
    for token, token_keys in zip(tokens, keys, strict=True):
        labels = memo.get(token)
        if labels is None:
            labels = empty
            for key in token_keys:
                got = doc.get(key)
                if got is not None:
                    labels = labels | got
            memo[token] = labels
        found.append(labels)
    return found


def stacked(
    items: Sequence[tuple[bytes, ...]], tags: Sequence[str], found: Sequence[frozenset[str]]
) -> list[tuple[bytes, ...]]:
    """Second-pass attribute tuples: first-pass ones plus first-pass labels and the document
    labels of the token and its neighbours (`found`, from `mention_labels`)."""
    ys = [_Y_PAD, *(_Y[t] for t in tags), _Y_PAD]
    ds = [_D_PAD, *(_doc_features(f) for f in found), _D_PAD]
    return [
        x + y[0] + d[0] + yp[1] + dp[1] + yn[2] + dn[2]
        for x, yp, y, yn, dp, d, dn in zip(
            items, ys[:-2], ys[1:-1], ys[2:], ds[:-2], ds[1:-1], ds[2:], strict=True
        )
    ]


def needs_second_pass(tags: list[str], found: Sequence[frozenset[str]]) -> bool:
    """Whether the second pass can matter for a sentence: it has a first-pass entity or a
    word the first pass tagged elsewhere in the document. About a quarter of the tokens of
    news articles are in sentences that have neither; their first-pass labels (all O) stand.
    The training script's cross-validation runs `tag_document`, so it measures this rule."""
    return any(found) or tags.count("O") != len(tags)


# ---------------------------------------------------------------------------------------
# Sentences and BIO spans


def sentences(tokens: Sequence[str]) -> Iterator[tuple[int, int]]:
    """[start, end) token ranges of pseudo-sentences: they end after sentence-final
    punctuation and at line-break tokens, which belong to no sentence. The "." of "د." (doctor),
    "أ." (professor) or a Latin initial is no sentence end: cutting there would part a title
    from its name. ("م." and "ق.م." often do end a sentence, after a year.)"""
    start = 0
    for i, tok in enumerate(tokens):
        if tok in SENTENCE_END:
            if tok == "." and i > start and tokens[i - 1] in _ABBREVIATIONS:
                continue
            yield start, i + 1
            start = i + 1
        elif tok == "\n":
            if start < i:
                yield start, i
            start = i + 1
    if start < len(tokens):
        yield start, len(tokens)


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(first, last + 1, label) token spans of a BIO sequence; a stray I- opens a span."""
    spans: list[tuple[int, int, str]] = []
    start, label = -1, ""
    for i, tag in enumerate(tags):
        if tag == "O" or tag.startswith("B-") or tag[2:] != label:
            if start >= 0:
                spans.append((start, i, label))
            start, label = (i, tag[2:]) if tag != "O" else (-1, "")
    if start >= 0:
        spans.append((start, len(tags), label))
    return spans


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

    def __init__(self, model_path: Path = MODEL_PATH, stage2_path: Path | None = STAGE2_PATH) -> None:
        models = [CRFWeights.read(model_path)]
        if stage2_path is not None:
            models.append(CRFWeights.read(stage2_path))
        attributes = {a for m in models for a in m.attributes}
        name_weight = _name_weights(models[0])
        counts = read_word_counts(model_path.with_name(WORD_COUNTS))
        self.featurizer = Featurizer(counts, frozenset(attributes))
        self._forms = _FormTable(self.featurizer, models)
        self._stage2 = _StackTables(models[1]) if len(models) > 1 else None
        # Gazetteer names (and first words of names) join the lexicon with a modest weight.
        gaz, name_classes = gazetteer(), {"LOC", "PERF", "PERL", "ORG"}
        names = [f for f, classes in gaz.words.items() if name_classes.intersection(classes)]
        names += [f for f, phrases in gaz.phrases.items() if any(c in name_classes for _, c in phrases)]
        for form in names:
            name_weight[form] = GAZETTEER_WEIGHT
        self.name_weight = name_weight

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
        # tagged elsewhere in the document (see `needs_second_pass`)
        bounds = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=bounds[1:])
        needed = np.logical_or.reduceat((tags != 0) | (found != 0), bounds)
        if not needed.any():
            return tags
        select = np.repeat(needed, lengths)
        second = forms.models[1]
        scores = batch.scores(1) + self._stage2.scores(tags, found, batch.first, batch.last)
        picked = viterbi(scores[select], lengths[needed], second.weights.transitions)
        tags = tags.copy()
        tags[select] = second.canonical[picked]
        return tags


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
        self._gaz = featurizer._gaz
        self._counts = featurizer._counts

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
        keys = tuple(stems)
        starts = [p for k in keys if (p := gaz.phrases.get(k))]
        phrases = tuple(p for ps in starts for p in ps) if starts else ()
        return [own, prev1, next1, [self._w2(form, z)], [self._wn2(form, z)]], keys, phrases


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
        clitic analyses in the same document (`document_labels` + `mention_labels`, batched)."""
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
    """Second-pass score vectors of the stacked attributes (see `stacked`): the first pass's
    tag of a token and of its neighbours, and the document labels of each (a bit mask; no
    label is "d=none", and a pad has no document attribute)."""

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
