"""Train the entity tagger on ANERcorp, and cross-validate it.

    .venv/bin/python benchmarks/train_ner.py                 # 5-fold CV, then the shipped models
    .venv/bin/python benchmarks/train_ner.py --cv 5 --json cv.json --no-model
    .venv/bin/python benchmarks/train_ner.py --cv 5 --shuffled-cv   # also shuffled-sentence folds
    .venv/bin/python benchmarks/train_ner.py --cv 0          # only the shipped models
    .venv/bin/python benchmarks/train_ner.py --build-gazetteer
    .venv/bin/python benchmarks/train_ner.py --cv 5 --no-model --self-train 10000  # lever 4 (not shipped)

The corpus (`../shared/corpus/ner/anercorp_train.txt`, one "token TAG" per line, no sentence
breaks) is re-tokenized with the tagger's own tokenizer and cut into pseudo-sentences at
sentence-final punctuation. Two CRFs are trained (see `akhbar/extract/entities/`): the
first on token attributes, the second on the same attributes plus first-pass labels that
were predicted out of fold, so that it learns how reliable they are on unseen text.

Cross-validation folds are contiguous fifths of the corpus (by tokens, on sentence
boundaries) so that one news story never lands on both sides of a fold; each fold repeats
the whole two-pass training on the other four fifths. That is the headline number.
`--shuffled-cv` adds a second, clearly labelled scheme: k folds over sentences shuffled with a
fixed seed (`SHUFFLE_SEED`), the kind of random split most published ANERcorp numbers come
from. Sentences of one story then sit on both sides of a fold, so names seen in training
recur in the test part and the scores come out higher; each fold keeps its sentences in
corpus order, so the document blocks of the second pass still hold neighbouring sentences.
Scores are entity-level (exact span and type), for the two-pass tagger and for the first
pass alone. The final models are trained on everything and written with `provenance.json`
to `akhbar/resources/ner/`.

Training is deterministic: CRFsuite's L-BFGS has no random component, the corpus order is
fixed and features are generated in a fixed order, so the same corpus and code give
byte-identical model files (their sha256 go in the provenance), whatever `--workers` is.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import multiprocessing
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pycrfsuite

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from akhbar.extract.entities import (  # noqa: E402
    CLUSTERS_PATH,
    MODEL_PATH,
    STAGE2_PATH,
    WORD_COUNTS,
    EntityTagger,
    Featurizer,
    bio_spans,
    sentences,
    split_token,
    word_clusters,
)
from akhbar.extract.entities.tokens import tokenize_with_breaks  # noqa: E402
from benchmarks.ner_clusters import texts  # noqa: E402
from benchmarks.ner_training import (  # noqa: E402
    confident,
    count_words,
    document_labels,
    evenly_spaced,
    mention_labels,
    needs_second_pass,
    propagate_labels,
    stacked,
    write_word_counts,
)

CLDR_GAZETTEER = MODEL_PATH.with_name("gazetteer_cldr.tsv")
COUNTS_PATH = MODEL_PATH.with_name(WORD_COUNTS)
CORPUS = REPO.parent / "shared" / "corpus" / "ner" / "anercorp_train.txt"
PARAMS = {
    "c1": 0.1,
    "c2": 0.1,
    "max_iterations": 100,
    "feature.possible_transitions": True,
    "feature.minfreq": 1,
}
INNER_FOLDS = 4  # jackknife folds that give the second pass its first-pass labels
DOC_SENTENCES = 15
SHUFFLE_SEED = 20070101  # the shuffled-sentence CV scheme (--shuffled-cv); any fixed value
_TAG = re.compile(r"(O|[BI]-(?:PERS|PER|LOC|ORG|MISC))")

Sentence = tuple[list[str], list[str]]


def read_anercorp(path: Path) -> list[tuple[str, str]]:
    """(token, tag) pairs; PERS becomes PER. Lines with an empty token are skipped, and a
    tag glued to the next token of the line (once in the file) is split off."""
    pairs: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        while len(fields) >= 2:
            token, tag_field = fields[0], fields[1]
            m = _TAG.match(tag_field)
            if m is None:
                raise ValueError(f"bad tag in line {line!r}")
            pairs.append((token, m.group(1).replace("PERS", "PER")))
            fields = ([tag_field[m.end() :]] if m.end() < len(tag_field) else []) + fields[2:]
    return pairs


def retokenize(pairs: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Apply the inference tokenizer to every corpus token. Pieces of an entity token keep
    its entity, punctuation at the token's edges ("(د", "أ)") falls outside it."""
    tokens: list[str] = []
    tags: list[str] = []
    for token, tag in pairs:
        pieces = split_token(token) or [token]
        if len(pieces) == 1 or tag == "O":
            tokens += pieces
            tags += [tag] * (len(pieces) if tag == "O" else 1)
            continue
        words = [i for i, p in enumerate(pieces) if any(ch.isalnum() for ch in p)]
        lo, hi = (words[0], words[-1]) if words else (0, len(pieces) - 1)
        for i, piece in enumerate(pieces):
            if i < lo or i > hi:
                tags.append("O")
            elif i == lo:
                tags.append(tag)
            else:
                tags.append("I-" + tag[2:])
            tokens.append(piece)
    return tokens, tags


def load_sentences(path: Path) -> list[Sentence]:
    tokens, tags = retokenize(read_anercorp(path))
    return [(tokens[a:b], tags[a:b]) for a, b in sentences(tokens)]


def folds(sents: list[Sentence], k: int) -> list[tuple[int, int]]:
    """k contiguous [start, end) sentence ranges with about the same number of tokens."""
    total = sum(len(t) for t, _ in sents)
    bounds, acc, start = [], 0, 0
    for i, (toks, _) in enumerate(sents):
        acc += len(toks)
        if len(bounds) < k - 1 and acc >= total * (len(bounds) + 1) / k:
            bounds.append((start, i + 1))
            start = i + 1
    bounds.append((start, len(sents)))
    return bounds


# Word clusters for the features: None is the shipped table (`word_clusters.tsv`), {} none
# (`--no-clusters`, the models without lever 1). Set before the worker pool forks.
_CLUSTERS: list[dict[str, tuple[str, ...]] | None] = [None]


def train(sents: list[Sentence], model_path: Path, params: dict, extra: list[Sentence] | None = None) -> None:
    """The first-pass CRF on sentences; the word counts of those sentences go beside it
    (`WORD_COUNTS`), where `EntityTagger` finds them. `extra` (machine-tagged sentences,
    `--self-train`) are trained on too but not counted: `fq=` stays a statistic of the
    labelled data, as at inference."""
    counts = count_words(toks for toks, _ in sents)
    write_word_counts(model_path.with_name(WORD_COUNTS), counts)
    featurizer = Featurizer(counts, clusters=_CLUSTERS[0])
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    trainer.set_params(params)
    for toks, tags in [*sents, *(extra or [])]:
        trainer.append(featurizer.sequence(toks), tags)
    trainer.train(str(model_path))


# Self-training (`--self-train N`, lever 4 of issue 17): a fixed sample of sentences of the
# unlabelled shared news, and the sequence-probability threshold. Set before the pool forks.
_UNLABELLED: list[list[str]] = []
_SELF_THRESHOLD = [0.9]
UNLABELLED_STRIDE = 8  # every 8th eligible sentence is a candidate; N are spread over those
UNLABELLED_LENGTHS = (8, 60)


def unlabelled_sentences(n: int) -> list[list[str]]:
    """`n` sentences of the unlabelled news (`benchmarks/ner_clusters.texts`, fixed order),
    cut like the tagger cuts articles, 8–60 tokens: every `UNLABELLED_STRIDE`-th such
    sentence, then `n` evenly spaced over those, so every source contributes."""
    lo, hi = UNLABELLED_LENGTHS
    pool: list[list[str]] = []
    seen = 0
    for text in texts():
        toks = [text[a:b] for a, b in tokenize_with_breaks(text)]
        for a, b in sentences(toks):
            if lo <= b - a <= hi:
                if seen % UNLABELLED_STRIDE == 0:
                    pool.append(toks[a:b])
                seen += 1
    return [pool[i] for i in evenly_spaced(len(pool), n)]


def pseudo_labelled(sents: list[Sentence], model_path: Path, threshold: float) -> list[Sentence]:
    """The unlabelled sample tagged by the first-pass model at `model_path` (trained on
    `sents`), keeping the sentences `confident` accepts, with their predicted labels."""
    featurizer = Featurizer(count_words(toks for toks, _ in sents), clusters=_CLUSTERS[0])
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model_path))
    kept: list[Sentence] = []
    for toks in _UNLABELLED:
        tagger.set(featurizer.sequence(toks))
        tags = tagger.tag()
        if confident(tags, tagger.probability(tags), threshold):
            kept.append((toks, tags))
    tagger.close()
    return kept


def doc_blocks(n: int) -> list[tuple[int, int]]:
    """ANERcorp has no document breaks: blocks of DOC_SENTENCES sentences stand for articles."""
    return [(a, min(a + DOC_SENTENCES, n)) for a in range(0, n, DOC_SENTENCES)]


def train_stage2(sents: list[Sentence], first: list[list[str]], model_path: Path, params: dict) -> None:
    """The second-pass CRF, on first-pass labels that were predicted out of fold (jackknifed),
    so it learns how far to trust them on unseen text, not on text the first CRF memorised."""
    featurizer = Featurizer(count_words(toks for toks, _ in sents), clusters=_CLUSTERS[0])
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    trainer.set_params(params)
    for a, b in doc_blocks(len(sents)):
        keys = [featurizer.keys(toks) for toks, _ in sents[a:b]]
        doc = document_labels(keys, first[a:b])
        for (toks, gold), y, k in zip(sents[a:b], first[a:b], keys, strict=True):
            found = mention_labels(toks, k, doc)
            if needs_second_pass(y, found):  # the sentences the second pass will see
                trainer.append(stacked(featurizer.sequence(toks), y, found), gold)
    trainer.train(str(model_path))


# Sentences of the corpus, set before the worker pool forks so jobs do not pickle them.
_SENTS: list[Sentence] = []
Ranges = list[tuple[int, int]]


def _select(ranges: Ranges) -> list[Sentence]:
    return [s for a, b in ranges for s in _SENTS[a:b]]


def _stage1_job(job: tuple[Ranges, Ranges, dict, str | None]) -> list[list[str]]:
    """Train the first pass on `train`, return its labels of `test` (and keep the model)."""
    train_ranges, test_ranges, params, keep = job
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(keep) if keep else Path(tmp) / "stage1.crfsuite"
        sents = _select(train_ranges)
        train(sents, model, params)
        if keep and _UNLABELLED:  # self-training: only the model that tags the test part
            extra = pseudo_labelled(sents, model, _SELF_THRESHOLD[0])
            print(f"self-training: kept {len(extra)} of {len(_UNLABELLED)} sentences", flush=True)
            train(sents, model, params, extra)
        tagger = EntityTagger(model, None, _CLUSTERS[0])
        return [tagger.tag_document([toks])[0] for toks, _ in _select(test_ranges)]


def _stage2_job(job: tuple[Ranges, list[list[str]], Ranges, str, dict, str | None]) -> list[list[str]]:
    """Train the second pass on `train` with its jackknifed labels; tag `test` end to end."""
    train_ranges, first, test_ranges, stage1_model, params, keep = job
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(keep) if keep else Path(tmp) / "stage2.crfsuite"
        train_stage2(_select(train_ranges), first, model, params)
        if not test_ranges:
            return []
        tagger = EntityTagger(Path(stage1_model), model, _CLUSTERS[0])
        test = _select(test_ranges)
        out: list[list[str]] = []
        for a, b in doc_blocks(len(test)):
            out += tagger.tag_document([toks for toks, _ in test[a:b]])
        return out


def complement(n: int, a: int, b: int) -> Ranges:
    return [r for r in ((0, a), (b, n)) if r[0] < r[1]]


def chunk_ranges(ranges: Ranges, k: int) -> list[tuple[Ranges, Ranges]]:
    """k contiguous (train, held-out) splits of the sentences in `ranges`."""
    idx = [i for a, b in ranges for i in range(a, b)]
    out = []
    for c in range(k):
        lo, hi = len(idx) * c // k, len(idx) * (c + 1) // k
        held = set(idx[lo:hi])
        out.append((_runs([i for i in idx if i not in held]), _runs(idx[lo:hi])))
    return out


def _runs(idx: list[int]) -> Ranges:
    runs: Ranges = []
    for i in idx:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def fit(
    train_ranges_per_task: list[Ranges],
    test_ranges_per_task: list[Ranges],
    params: dict,
    workers: int,
    workdir: Path,
    inner: int,
) -> tuple[list[list[list[str]]], list[list[list[str]]]]:
    """Two-pass training for several (train, test) tasks at once, on one worker pool.

    Returns, per task, the first-pass labels and the end-to-end labels of its test part;
    the models of task t are `workdir/t/stage1.crfsuite` and `workdir/t/stage2.crfsuite`, with
    the word counts of its training part beside them (`WORD_COUNTS`).
    """
    jobs1 = []
    for t, (tr, te) in enumerate(zip(train_ranges_per_task, test_ranges_per_task, strict=True)):
        jobs1 += [(a, b, params, None) for a, b in chunk_ranges(tr, inner)]
        (workdir / str(t)).mkdir()
        jobs1.append((tr, te, params, str(workdir / str(t) / "stage1.crfsuite")))
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        res1 = pool.map(_stage1_job, jobs1, chunksize=1)
        jobs2, firsts = [], []
        for t, tr in enumerate(train_ranges_per_task):
            part = res1[t * (inner + 1) : (t + 1) * (inner + 1)]
            jack = [y for labels in part[:inner] for y in labels]
            firsts.append(part[inner])
            stage1 = str(workdir / str(t) / "stage1.crfsuite")
            stage2 = str(workdir / str(t) / "stage2.crfsuite")
            jobs2.append((tr, jack, test_ranges_per_task[t], stage1, params, stage2))
        res2 = pool.map(_stage2_job, jobs2, chunksize=1)
    return firsts, res2


def evaluate(gold: list[list[str]], pred: list[list[str]]) -> dict[str, Counter]:
    """tp / fp / fn per label of exact (span, type) matches."""
    counts = {label: Counter() for label in ("PER", "LOC", "ORG", "MISC")}
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(bio_spans(g)), set(bio_spans(p))
        for span in gs & ps:
            counts[span[2]]["tp"] += 1
        for span in ps - gs:
            counts[span[2]]["fp"] += 1
        for span in gs - ps:
            counts[span[2]]["fn"] += 1
    return counts


def prf(c: Counter) -> tuple[float, float, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def scores(gold: list[list[str]], pred: list[list[str]]) -> dict:
    total = evaluate(gold, pred)
    rows = {label: (*prf(c), c["tp"] + c["fn"]) for label, c in total.items()}
    core = sum((total[k] for k in ("PER", "LOC", "ORG")), Counter())
    rows["micro PER/LOC/ORG"] = (*prf(core), core["tp"] + core["fn"])
    every = sum(total.values(), Counter())
    rows["micro all"] = (*prf(every), every["tp"] + every["fn"])
    return rows


def shuffled_folds(n: int, k: int, seed: int) -> list[Ranges]:
    """k folds of sentence indices shuffled with `seed`, each as sorted index ranges."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [_runs(sorted(order[n * c // k : n * (c + 1) // k])) for c in range(k)]


def cross_validate(k: int, params: dict, workers: int, inner: int, seed: int | None = None) -> dict:
    """k-fold CV of the two-pass training: contiguous folds, or with `seed` shuffled ones."""
    n = len(_SENTS)
    if seed is None:
        tests = [[(a, b)] for a, b in folds(_SENTS, k)]
        trains = [complement(n, a, b) for [(a, b)] in tests]
    else:
        tests = shuffled_folds(n, k, seed)
        held = [{i for a, b in t for i in range(a, b)} for t in tests]
        trains = [_runs([i for i in range(n) if i not in h]) for h in held]
    with tempfile.TemporaryDirectory() as tmp:
        firsts, finals = fit(trains, tests, params, workers, Path(tmp), inner)
    gold = [[tags for _, tags in _select(t)] for t in tests]
    flat = lambda parts: [y for part in parts for y in part]  # noqa: E731
    fold_f1 = [round(scores(g, p)["micro PER/LOC/ORG"][2], 4) for g, p in zip(gold, finals, strict=True)]
    post_hoc = {}
    for name, fill, retype in (("retype", False, True), ("fill", True, False), ("retype+fill", True, True)):
        changed = []
        for t, pred in zip(tests, finals, strict=True):
            toks = [s for s, _ in _select(t)]
            for a, b in doc_blocks(len(toks)):
                changed += propagate_labels(toks[a:b], pred[a:b], fill=fill, retype=retype)
        post_hoc[name] = scores(flat(gold), changed)
    return {
        "post_hoc_document_rule": post_hoc,
        "two_pass": scores(flat(gold), flat(finals)),
        "first_pass_only": scores(flat(gold), flat(firsts)),
        "fold_f1_per_loc_org": fold_f1,
        "folds": tests,
    }


def print_table(rows: dict) -> None:
    print(f"{'label':<20}{'P':>8}{'R':>8}{'F1':>8}{'gold':>8}")
    for label, (p, r, f, n) in rows.items():
        print(f"{label:<20}{p:>8.4f}{r:>8.4f}{f:>8.4f}{n:>8}")


def build_cldr_gazetteer(path: Path) -> int:
    """Arabic names of countries, regions and time-zone cities from Unicode CLDR (via Babel,
    which Dagster's dependencies bring in), written once and committed: the tagger never needs
    Babel at run time. Returns the number of names."""
    from zoneinfo import available_timezones

    import babel
    from babel import Locale
    from babel.dates import get_timezone_location

    arabic = re.compile("[\u0621-\u064a]")
    names = {v for v in Locale("ar").territories.values() if "(" not in v}
    for zone in sorted(available_timezones()):
        try:
            city = get_timezone_location(zone, locale="ar", return_city=True)
        except (LookupError, ValueError):
            continue
        if arabic.search(city) and "(" not in city:
            names.add(city)
    path.write_text(
        f"# Arabic territory and city names from Unicode CLDR (Babel {babel.__version__});"
        " Unicode License v3.\n"
        "# Written by `benchmarks/train_ner.py --build-gazetteer`.\n"
        "LOC\t" + "، ".join(sorted(names)) + "\n",
        encoding="utf-8",
    )
    return len(names)


def _rounded(rows: dict) -> dict:
    return {
        label: {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "gold": n}
        for label, (p, r, f, n) in rows.items()
    }


def _cv_provenance(cv: dict, split: str) -> dict:
    return {
        "folds": len(cv["folds"]),
        "split": split,
        "scoring": "entity level, exact span and type",
        "two_pass": _rounded(cv["two_pass"]),
        "first_pass_only": _rounded(cv["first_pass_only"]),
        "fold_f1_per_loc_org": cv["fold_f1_per_loc_org"],
    }


CONTIGUOUS_SPLIT = "contiguous chunks of the corpus, by tokens, on sentence boundaries"
SHUFFLED_SPLIT = (
    f"sentences shuffled with seed {SHUFFLE_SEED} (random.Random), then cut into equal folds;"
    " NOT the headline: sentences of one story land on both sides of a fold"
)


def write_provenance(
    corpus: Path, n_tokens: int, params: dict, cv: dict | None, shuffled: dict | None = None
) -> None:
    """`provenance.json` beside the models: what they were trained on, how, and how well
    they did in cross-validation. No clock time in it, so a retraining that reproduces the
    models reproduces the file."""
    provenance = {
        "command": "python benchmarks/train_ner.py --cv 5" + (" --shuffled-cv" if shuffled else ""),
        "corpus": {
            "file": "shared/corpus/ner/anercorp_train.txt",
            "name": "ANERcorp, training portion (as laid out in shared/corpus/ner)",
            "license": "CC BY-SA 4.0",
            "sha256": sha256(corpus),
            "tokens_after_retokenization": n_tokens,
        },
        "labels": "BIO over PER (corpus PERS), LOC, ORG, MISC",
        "trainer": {
            "library": f"python-crfsuite {importlib.metadata.version('python-crfsuite')}",
            "algorithm": "lbfgs",
            **params,
        },
        "two_pass": {"inner_jackknife_folds": INNER_FOLDS, "document_block_sentences": DOC_SENTENCES},
        "models": {
            path.name: {"sha256": sha256(path), "bytes": path.stat().st_size}
            for path in (MODEL_PATH, STAGE2_PATH, COUNTS_PATH, CLUSTERS_PATH)
            if path.exists()
        },
        "gazetteers": {p.name: sha256(p) for p in sorted(MODEL_PATH.parent.glob("gazetteer_*.tsv"))},
    }
    if cv is not None:
        provenance["cross_validation"] = _cv_provenance(cv, CONTIGUOUS_SPLIT)
    if shuffled is not None:
        provenance["cross_validation_shuffled_sentences"] = _cv_provenance(shuffled, SHUFFLED_SPLIT)
    path = MODEL_PATH.with_name("provenance.json")
    path.write_text(json.dumps(provenance, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--cv", type=int, default=5, help="folds (0: no cross-validation)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write the CV tables here")
    parser.add_argument("--no-model", action="store_true", help="do not train the final model")
    parser.add_argument(
        "--shuffled-cv",
        action="store_true",
        help=f"also cross-validate on shuffled sentences (seed {SHUFFLE_SEED}); a second, non-headline table",
    )
    parser.add_argument("--param", action="append", default=[], help="override, e.g. c1=0.1")
    parser.add_argument(
        "--no-clusters", action="store_true", help="no word-cluster features (word_clusters.tsv)"
    )
    parser.add_argument("--clusters", type=Path, help="another word-cluster table (trying one)")
    parser.add_argument(
        "--self-train",
        type=int,
        default=0,
        metavar="N",
        help="self-training: tag N unlabelled news sentences with each first-pass model and"
        " retrain it on the confident ones with an entity (0: off)",
    )
    parser.add_argument(
        "--self-threshold",
        type=float,
        default=_SELF_THRESHOLD[0],
        help="sequence probability a machine-tagged sentence needs (--self-train)",
    )
    parser.add_argument("--build-gazetteer", action="store_true", help="rewrite gazetteer_cldr.tsv from CLDR")
    args = parser.parse_args()
    if args.build_gazetteer:
        print(f"{CLDR_GAZETTEER.relative_to(REPO)}: {build_cldr_gazetteer(CLDR_GAZETTEER)} names")
        return

    params = dict(PARAMS)
    for item in args.param:
        key, _, value = item.partition("=")
        params[key] = type(PARAMS[key])(value) if key in PARAMS else float(value)

    if args.no_clusters:
        _CLUSTERS[0] = {}
    elif args.clusters:
        _CLUSTERS[0] = word_clusters(args.clusters)
    t0 = time.perf_counter()
    result = None
    if args.self_train:
        _SELF_THRESHOLD[0] = args.self_threshold
        _UNLABELLED[:] = unlabelled_sentences(args.self_train)
        n_unl = sum(map(len, _UNLABELLED))
        print(
            f"self-training sample: {len(_UNLABELLED)} sentences, {n_unl} tokens,"
            f" threshold {args.self_threshold} ({time.perf_counter() - t0:.0f} s)"
        )
    _SENTS[:] = load_sentences(args.corpus)
    n_tokens = sum(len(t) for t, _ in _SENTS)
    print(f"corpus: {args.corpus.name}: {n_tokens} tokens, {len(_SENTS)} pseudo-sentences")
    if args.cv:
        result = cross_validate(args.cv, params, args.workers, INNER_FOLDS)
        print(f"{args.cv}-fold CV, contiguous chunks, exact span+type ({time.perf_counter() - t0:.0f} s)")
        print("two passes (the shipped tagger):")
        print_table(result["two_pass"])
        print("per-fold F1 (PER/LOC/ORG):", result["fold_f1_per_loc_org"])
        print("first pass only:")
        print_table(result["first_pass_only"])
        for name, rows in result["post_hoc_document_rule"].items():
            print(f"two passes + post-hoc document rule ({name}):")
            print_table(rows)
    shuffled = None
    if args.cv and args.shuffled_cv:
        t2 = time.perf_counter()
        shuffled = cross_validate(args.cv, params, args.workers, INNER_FOLDS, SHUFFLE_SEED)
        print(
            f"{args.cv}-fold CV, SHUFFLED SENTENCES (seed {SHUFFLE_SEED}; not the headline),"
            f" exact span+type ({time.perf_counter() - t2:.0f} s)"
        )
        print("two passes (the shipped tagger):")
        print_table(shuffled["two_pass"])
        print("per-fold F1 (PER/LOC/ORG):", shuffled["fold_f1_per_loc_org"])
        print("first pass only:")
        print_table(shuffled["first_pass_only"])
    if args.json and result is not None:
        args.json.write_text(json.dumps({"contiguous": result, "shuffled": shuffled}, indent=2) + "\n")
    if not args.no_model:
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            fit([[(0, len(_SENTS))]], [[]], params, args.workers, Path(tmp), INNER_FOLDS)
            MODEL_PATH.write_bytes((Path(tmp) / "0" / "stage1.crfsuite").read_bytes())
            STAGE2_PATH.write_bytes((Path(tmp) / "0" / "stage2.crfsuite").read_bytes())
            COUNTS_PATH.write_bytes((Path(tmp) / "0" / WORD_COUNTS).read_bytes())
        print(f"models trained in {time.perf_counter() - t1:.0f} s")
        for path in (MODEL_PATH, STAGE2_PATH, COUNTS_PATH):
            print(f"{path.relative_to(REPO)}: {path.stat().st_size / 1e6:.2f} MB, sha256 {sha256(path)}")
        write_provenance(args.corpus, n_tokens, params, result, shuffled)
    print(f"corpus sha256: {sha256(args.corpus)}")
    print(f"total: {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
