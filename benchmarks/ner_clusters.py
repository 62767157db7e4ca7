"""Word clusters for the entity tagger, learnt from the unlabelled shared news.

    .venv/bin/python benchmarks/ner_clusters.py            # writes akhbar/resources/ner/word_clusters.tsv

The texts (SaudiNewsNet `content`, Al Mayadeen `text`, Arabic newspapers 2012 `raw_text`) are
cut with the tagger's own tokenizer and normalized (`normalize`). The `--words` most frequent
forms with an Arabic or Latin letter are described by their neighbours: counts of each of the
`--contexts` most frequent forms (punctuation included) at positions -2, -1, +1 and +2, as one
sparse word x (position, context) matrix. Positive PMI (context counts smoothed with the
power 0.75), a truncated SVD to `--dims` dimensions (`scipy.sparse.linalg.svds`, fixed start
vector), rows scaled to unit length, then k-means (spherical, initialised on the most frequent
words, a fixed number of rounds) into 1024 clusters; the 1024 centroids are clustered again
into 256, and those into 64, so the three ids nest like the prefixes of a Brown-cluster path.
The table (form, id at 64, 256, 1024) holds no sentence or word sequence of the texts.
Deterministic: fixed inputs, order, start vector and initialisation (up to floating-point
summation order of the BLAS in use).
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import svds

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from akhbar.extract.entities.features import CLUSTERS_PATH  # noqa: E402
from akhbar.extract.entities.tokens import _ARABIC_LETTER, _LATIN_LETTER, _TOKEN, normalize  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
SOURCES = (
    ("saudinewsnet/saudinewsnet_dev.jsonl.gz", "content"),
    ("almayadeen/almayadeen_2023-12_pages.jsonl", "text"),
    ("almayadeen/almayadeen_2024-04.jsonl", "text"),
    ("almayadeen/almayadeen_2024-09.jsonl", "text"),
    ("arabic_newspapers_2012/articles_utf8.jsonl.gz", "raw_text"),
)
OFFSETS = (-2, -1, 1, 2)
LEVELS = (64, 256, 1024)


def records(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def texts(corpus: Path = CORPUS) -> Iterator[str]:
    """The article bodies of the unlabelled sources, in a fixed order."""
    for name, field in SOURCES:
        for record in records(corpus / name):
            text = record.get(field)
            if isinstance(text, str) and text:
                yield text


def keywords(corpus: Path = CORPUS) -> Iterator[list[str]]:
    """The `keywords` of each Al Mayadeen record (a list, or its Python repr)."""
    for name, _ in SOURCES:
        if name.startswith("almayadeen/"):
            for record in records(corpus / name):
                kw = record.get("keywords")
                if isinstance(kw, str):
                    try:
                        kw = ast.literal_eval(kw)
                    except (ValueError, SyntaxError):
                        kw = []
                if isinstance(kw, list):
                    yield [k for k in kw if isinstance(k, str)]


def forms(corpus: Path = CORPUS) -> tuple[list[str], np.ndarray]:
    """(vocabulary, the normalized token stream as ids; -1 between documents)."""
    vocab: dict[str, int] = {}
    stream: list[int] = []
    for text in texts(corpus):
        stream.extend(vocab.setdefault(normalize(t), len(vocab)) for t in _TOKEN.findall(text))
        stream.append(-1)
    return list(vocab), np.asarray(stream, dtype=np.int64)


def cooccurrence(ids: np.ndarray, n_words: int, n_contexts: int) -> sparse.csr_matrix:
    """Counts of word (rank < n_words) x (offset, context of rank < n_contexts)."""
    blocks = []
    n = len(ids)
    for slot, d in enumerate(OFFSETS):
        w = ids[max(0, -d) : n - max(0, d)]
        c = ids[max(0, d) : n - max(0, -d)]
        keep = (w >= 0) & (w < n_words) & (c >= 0) & (c < n_contexts)
        blocks.append(
            sparse.coo_matrix(
                (np.ones(int(keep.sum())), (w[keep], slot * n_contexts + c[keep])),
                shape=(n_words, len(OFFSETS) * n_contexts),
            ).tocsr()
        )
    return sum(blocks[1:], blocks[0]).tocsr()


def ppmi(counts: sparse.csr_matrix, alpha: float = 0.75) -> sparse.csr_matrix:
    total = counts.sum()
    row = np.asarray(counts.sum(axis=1)).ravel()
    col = np.asarray(counts.sum(axis=0)).ravel() ** alpha
    col /= col.sum()
    coo = counts.tocoo()
    pmi = np.log(coo.data / total) - np.log(row[coo.row] / total) - np.log(col[coo.col])
    keep = pmi > 0
    return sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=counts.shape)


def embed(matrix: sparse.csr_matrix, dims: int) -> np.ndarray:
    v0 = np.ones(min(matrix.shape)) / np.sqrt(min(matrix.shape))
    u, s, _ = svds(matrix, k=dims, v0=v0, random_state=0)
    order = np.argsort(-s)
    x = u[:, order] * np.sqrt(s[order])
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return x


def kmeans(x: np.ndarray, k: int, rounds: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Spherical k-means; the first k rows (the most frequent words) start as centroids.
    Returns each row's cluster."""
    weights = np.ones(len(x)) if weights is None else weights
    centroids = x[:k].copy()
    assign = np.zeros(len(x), dtype=np.int64)
    for _ in range(rounds):
        for a in range(0, len(x), 8192):
            assign[a : a + 8192] = np.argmax(x[a : a + 8192] @ centroids.T, axis=1)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assign, x * weights[:, None])
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        centroids = np.where(empty[:, None], centroids, sums / np.maximum(norms, 1e-12))
    return assign


def clusters(x: np.ndarray, freq: np.ndarray, rounds: int) -> np.ndarray:
    """Nested cluster ids (words x LEVELS): k-means into the finest level, then its centroids
    (weighted by word frequency) into the coarser ones."""
    fine = LEVELS[-1]
    assign = kmeans(x, fine, rounds)
    out = [assign]
    mass = freq.astype(float)
    for k in reversed(LEVELS[:-1]):
        prev = out[0]
        centroids = np.zeros((int(prev.max()) + 1, x.shape[1]))
        np.add.at(centroids, prev, x * mass[:, None])
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        csize = np.bincount(prev, weights=mass, minlength=len(centroids))
        order = np.argsort(-csize, kind="stable")  # start from the heaviest clusters
        top = kmeans(centroids[order], k, rounds, csize[order])
        parent = np.empty(len(centroids), dtype=np.int64)
        parent[order] = top
        out.insert(0, parent[prev])
    return np.stack(out, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--words", type=int, default=60_000)
    parser.add_argument("--contexts", type=int, default=3_000)
    parser.add_argument("--dims", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--out", type=Path, default=CLUSTERS_PATH)
    args = parser.parse_args()

    t0 = time.perf_counter()
    vocab, stream = forms(args.corpus)
    freq = np.bincount(stream[stream >= 0], minlength=len(vocab))
    order = np.argsort(-freq, kind="stable")  # rank -> id (ties: first occurrence)
    rank = np.empty(len(vocab), dtype=np.int64)
    rank[order] = np.arange(len(vocab))
    ranked = np.where(stream >= 0, rank[np.maximum(stream, 0)], -1)
    print(f"{int((stream >= 0).sum())} tokens, {len(vocab)} forms ({time.perf_counter() - t0:.0f} s)")
    # words to cluster: forms with a letter, among the most frequent, seen min-count times
    lettered = np.asarray(
        [bool(_ARABIC_LETTER.search(vocab[i]) or _LATIN_LETTER.search(vocab[i])) for i in order]
    )
    n_rank = int(np.searchsorted(-freq[order], -args.min_count, side="right"))
    cand = np.flatnonzero(lettered[:n_rank])[: args.words]
    n_words = int(cand[-1]) + 1
    counts = cooccurrence(ranked, n_words, args.contexts)[cand]
    print(f"co-occurrence {counts.shape}, {counts.nnz} cells ({time.perf_counter() - t0:.0f} s)")
    x = embed(ppmi(counts), args.dims)
    print(f"svd ({time.perf_counter() - t0:.0f} s)")
    ids = clusters(x, freq[order][cand], args.rounds)
    print(f"k-means ({time.perf_counter() - t0:.0f} s)")
    words = [vocab[order[i]] for i in cand]
    lines = sorted(f"{w}\t" + "\t".join(str(int(c)) for c in row) for w, row in zip(words, ids, strict=True))
    header = (
        f"# Word clusters (ids at {', '.join(map(str, LEVELS))} clusters, nested) of the {len(words)}"
        " most frequent word forms of the unlabelled shared news;\n"
        "# written by `benchmarks/ner_clusters.py"
        + "".join(
            f" --{k.replace('_', '-')} {v}"
            for k, v in vars(args).items()
            if k in ("words", "contexts", "dims", "rounds", "min_count")
        )
        + "` (see akhbar/resources/ner/README.md).\n"
    )
    args.out.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    sizes = Counter(ids[:, -1].tolist())
    print(f"{args.out}: {len(words)} words, {args.out.stat().st_size / 1e6:.2f} MB, sha256 {digest}")
    print(f"largest fine clusters: {sizes.most_common(3)}; total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
