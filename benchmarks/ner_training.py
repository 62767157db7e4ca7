"""What only training needs of the entity features (`benchmarks/train_ner.py`; the tests'
reference tagger): word-form counts of the training data, and the second-pass attributes as
text, per sentence. The tagger computes the same in numpy (`akhbar/extract/entities/tables.py`:
`_FormTable.document_labels`, `_StackTables`; `EntityTagger._tag` for `needs_second_pass`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from akhbar.extract.entities.features import _D_PAD, _Y, _Y_PAD, _doc_features, frequency_class
from akhbar.extract.entities.tokens import _ARABIC_LETTER, bio_spans, normalize


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
