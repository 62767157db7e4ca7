"""What only training needs of the entity features (`benchmarks/train_ner.py`; the tests'
reference tagger): word-form counts of the training data, and the second-pass attributes as
text, per sentence. The tagger computes the same in numpy (`akhbar/extract/entities/tables.py`:
`_FormTable.document_labels`, `_StackTables`; `EntityTagger._tag` for `needs_second_pass`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from akhbar.extract.entities.features import _D_PAD, _Y, _Y_PAD, _doc_features, frequency_class
from akhbar.extract.entities.tokens import _ARABIC_LETTER, analyses, bio_spans, normalize


def count_words(sents: Iterable[Sequence[str]]) -> dict[str, int]:
    """Counts of the normal forms of Arabic words (what `frequency_class` buckets)."""
    counts: dict[str, int] = {}
    for toks in sents:
        for token in toks:
            form = normalize(token)
            if _ARABIC_LETTER.search(form):
                counts[form] = counts.get(form, 0) + 1
    return counts


def confident(tags: Sequence[str], probability: float, threshold: float) -> bool:
    """Self-training (lever 4 of issue 17): keep a machine-tagged sentence as training data
    when the CRF's probability of its whole label sequence reaches `threshold` and it has at
    least one entity (all-O sentences would only teach the model to say O)."""
    return probability >= threshold and any(t != "O" for t in tags)


def evenly_spaced(n_items: int, n: int) -> list[int]:
    """`n` indexes spread evenly over `n_items` (all of them when `n >= n_items`)."""
    if n >= n_items:
        return list(range(n_items))
    return [i * n_items // n for i in range(n)]


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


def propagate_labels(
    doc: Sequence[Sequence[str]], tags: Sequence[Sequence[str]], fill: bool = True, retype: bool = True
) -> list[list[str]]:
    """Lever 2 of issue 17, post hoc: "a name tagged in one place of an article gets the same
    label elsewhere". Each tagged span's normal forms (its first word also with proclitics
    removed) get the label most of its mentions got; with `retype` the other mentions take that
    label, with `fill` untagged runs of the same words become mentions too."""
    votes: dict[tuple[str, ...], dict[str, int]] = {}
    forms = [[normalize(t) for t in toks] for toks in doc]
    for sent_forms, sent_tags in zip(forms, tags, strict=True):
        for i, j, label in bio_spans(sent_tags):
            key = tuple(sent_forms[i:j])
            votes.setdefault(key, {}).setdefault(label, 0)
            votes[key][label] += 1
    best = {
        k: max(sorted(v), key=v.__getitem__)
        for k, v in votes.items()
        if any(_ARABIC_LETTER.search(f) for f in k)
    }
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for key, label in best.items():
        by_first.setdefault(key[0], []).append((key, label))
    for starts in by_first.values():
        starts.sort(key=lambda kl: -len(kl[0]))
    out = [list(t) for t in tags]
    for sent_forms, sent_tags in zip(forms, out, strict=True):
        if retype:
            for i, j, _ in bio_spans(sent_tags):
                label = best.get(tuple(sent_forms[i:j]))
                if label:
                    sent_tags[i:j] = [f"B-{label}"] + [f"I-{label}"] * (j - i - 1)
        if not fill:
            continue
        i = 0
        while i < len(sent_forms):
            hit = None
            for first in analyses(sent_forms[i]):
                for key, label in by_first.get(first, ()):
                    j = i + len(key)
                    if j <= len(sent_forms) and list(sent_forms[i + 1 : j]) == list(key[1:]):
                        if all(t == "O" for t in sent_tags[i:j]) and (
                            j == len(sent_tags) or not sent_tags[j].startswith("I-")
                        ):
                            hit = (j, label)
                        break
                if hit:
                    break
            if hit:
                j, label = hit
                sent_tags[i:j] = [f"B-{label}"] + [f"I-{label}"] * (j - i - 1)
                i = j
            else:
                i += 1
    return out
