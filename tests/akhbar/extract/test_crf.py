"""`akhbar.extract.crf`: crfsuite's weights read from the model file, and Viterbi in numpy,
against python-crfsuite itself on models trained here."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pycrfsuite
import pytest

from akhbar.extract.crf import CRFWeights, viterbi
from akhbar.extract.entities import MODEL_PATH, STAGE2_PATH

LABELS = ("A", "B", "C", "O")


def _train(path: Path, seed: int, *, sentences: int = 60) -> list[list[tuple[str, ...]]]:
    """A small model on random sentences (attributes "w=<word>", "p=<previous word>"), and
    held-out sentences to tag."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(30)]

    def sentence() -> tuple[list[tuple[str, ...]], list[str]]:
        toks = [rng.choice(words) for _ in range(rng.randint(1, 12))]
        items = [(f"w={t}", f"p={toks[i - 1] if i else '<s>'}") for i, t in enumerate(toks)]
        # labels depend on the word and on its neighbour, so transitions matter
        tags = [LABELS[(int(t[1:]) + (i % 2)) % len(LABELS)] for i, t in enumerate(toks)]
        return items, tags

    trainer = pycrfsuite.Trainer(verbose=False)
    for _ in range(sentences):
        items, tags = sentence()
        trainer.append(items, tags)
    trainer.set_params({"c1": 0.1, "c2": 0.01, "max_iterations": 40})
    trainer.train(str(path))
    return [sentence()[0] for _ in range(200)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_viterbi_equals_crfsuite(tmp_path: Path, seed: int) -> None:
    model = tmp_path / "m.crfsuite"
    held_out = _train(model, seed)
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    want = [tagger.tag([list(item) for item in items]) for items in held_out]

    weights = CRFWeights.read(model)
    lengths = np.asarray([len(items) for items in held_out])
    scores = weights.score_rows([tuple(a.encode() for a in item) for items in held_out for item in items])
    labels = np.asarray(weights.labels)[viterbi(scores, lengths, weights.transitions)].tolist()
    got, pos = [], 0
    for n in lengths:
        got.append(labels[pos : pos + n])
        pos += n
    assert len({t for tags in want for t in tags}) > 1  # the model does tell labels apart
    assert got == want


def test_weights_are_the_models_own(tmp_path: Path) -> None:
    """The binary weights agree with crfsuite's dump (which prints them to six decimals)."""
    for path in (MODEL_PATH, STAGE2_PATH):
        weights = CRFWeights.read(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        info = tagger.info()
        assert tuple(tagger.labels()) == weights.labels
        for (src, dst), w in list(info.transitions.items())[:50]:
            i, j = weights.labels.index(src), weights.labels.index(dst)
            assert weights.transitions[i, j] == pytest.approx(w, abs=1e-6)
        checked = 0
        for (attr, label), w in info.state_features.items():
            row = weights.attributes[attr.encode()]
            assert weights.state[row, weights.labels.index(label)] == pytest.approx(w, abs=1e-6)
            checked += 1
            if checked == 2000:
                break
        assert checked == 2000


def test_ties_go_to_the_lowest_label() -> None:
    """Equal scores everywhere: crfsuite keeps the first label id at each step."""
    scores = np.zeros((5, 3))
    out = viterbi(scores, np.asarray([2, 3]), np.zeros((3, 3)))
    assert out.tolist() == [0, 0, 0, 0, 0]


def test_rejects_empty_sentences_and_other_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one token"):
        viterbi(np.zeros((1, 2)), np.asarray([1, 0]), np.zeros((2, 2)))
    other = tmp_path / "x.crfsuite"
    other.write_bytes(b"not a model" * 10)
    with pytest.raises(ValueError, match="not a crfsuite"):
        CRFWeights.read(other)
