"""Linear-chain CRF inference in numpy, on the weights of a crfsuite model file.

python-crfsuite tags one sentence per call and looks up every attribute string of every token
on every call. Here a token's attributes are summed into a score vector once per distinct
token string (the caller caches them), and Viterbi runs over a whole batch of sentences at
once, one numpy step per token position. The result is crfsuite's own Viterbi: the same
weights (read as stored, as doubles), the same recursion, the same tie-breaking (the lowest
label id wins); only the order in which a token's weights are added differs, which can
decide a tie between two paths whose scores differ by rounding alone.

The weights come from the model file itself (crfsuite's "lCRF"/"FOMC" format, written by
`pycrfsuite.Trainer`), since `Tagger.dump` prints them rounded to six decimals.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pycrfsuite

_HEADER = struct.Struct("<4sI4sIIIIIIIII")
_FEATURE = struct.Struct("<IIId")
_STATE, _TRANSITION = 0, 1


@dataclass(frozen=True)
class CRFWeights:
    """A crfsuite model's labels (in its label-id order), attribute ids, state weights
    (attributes x labels) and transition weights (from label x to label)."""

    labels: tuple[str, ...]
    attributes: dict[bytes, int]
    state: np.ndarray
    transitions: np.ndarray

    @classmethod
    def read(cls, path: Path) -> CRFWeights:
        data = Path(path).read_bytes()
        magic, _size, kind, _version, _n_features, n_labels, n_attrs, off_features, *_ = _HEADER.unpack_from(
            data, 0
        )
        if magic != b"lCRF" or kind != b"FOMC":
            raise ValueError(f"{path}: not a crfsuite CRF1d model (magic {magic!r}, type {kind!r})")
        chunk, _chunk_size, count = struct.unpack_from("<4sII", data, off_features)
        if chunk != b"FEAT":
            raise ValueError(f"{path}: no feature chunk at offset {off_features} ({chunk!r})")
        raw = np.frombuffer(
            data,
            dtype=np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")]),
            count=count,
            offset=off_features + 12,
        )
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        labels = tuple(tagger.labels())  # in label-id order, as the model stores them
        if len(labels) != n_labels:
            raise ValueError(f"{path}: {len(labels)} labels named, {n_labels} in the header")
        attributes = _attribute_ids(tagger, n_attrs)
        state = np.zeros((n_attrs, n_labels))
        transitions = np.zeros((n_labels, n_labels))
        is_state = raw["type"] == _STATE
        # each (attribute, label) and (label, label) pair is one feature: plain assignment
        state[raw["src"][is_state], raw["dst"][is_state]] = raw["weight"][is_state]
        is_trans = raw["type"] == _TRANSITION
        transitions[raw["src"][is_trans], raw["dst"][is_trans]] = raw["weight"][is_trans]
        return cls(labels, attributes, state, transitions)

    def score_rows(self, rows: Sequence[Sequence[bytes]]) -> np.ndarray:
        """Summed state weights of each row's attributes (len(rows) x labels); attributes the
        model does not know add nothing, repeated ones count each time (as in crfsuite)."""
        ids = self.attributes
        flat: list[int] = []
        owner: list[int] = []
        for r, attrs in enumerate(rows):
            for a in attrs:
                i = ids.get(a)
                if i is not None:
                    flat.append(i)
                    owner.append(r)
        out = np.zeros((len(rows), len(self.labels)))
        if flat:
            np.add.at(out, np.asarray(owner), self.state[np.asarray(flat)])
        return out


def _attribute_ids(tagger: pycrfsuite.Tagger, count: int) -> dict[bytes, int]:
    """Attribute string -> id, from the model's dump (its ATTRIBUTES section lists `id: name`)."""
    fd, name = tempfile.mkstemp(suffix=".txt")
    try:
        os.close(fd)
        tagger.dump(name)
        ids: dict[bytes, int] = {}
        with open(name, encoding="utf-8") as fh:
            inside = False
            for line in fh:
                line = line.strip(" \n")
                if line == "ATTRIBUTES = {":
                    inside = True
                elif inside and line == "}":
                    break
                elif inside:
                    number, _, attr = line.partition(": ")
                    ids[attr.encode()] = int(number)
    finally:
        os.unlink(name)
    if len(ids) != count:
        raise ValueError(f"model dump lists {len(ids)} attributes, the header {count}")
    return ids


def viterbi(scores: np.ndarray, lengths: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """Best label ids of a batch of sentences.

    `scores` holds every token's state scores, sentence after sentence (sum(lengths) x L);
    the result is the label id of each token, in the same order. Sentences are processed
    together, longest first, one position at a time. Ties go to the lowest label id, as in
    crfsuite's `crf1dc_viterbi` (strict `<` when scanning previous labels in id order, and
    when picking the last label).
    """
    n_labels = transitions.shape[0]
    total = int(lengths.sum())
    out = np.empty(total, dtype=np.int64)
    if total == 0:
        return out
    if lengths.min() < 1:
        raise ValueError("every sentence needs at least one token")
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    order = np.argsort(-lengths, kind="stable")  # longest first: the active ones are a prefix
    lengths_sorted = lengths[order]
    starts_sorted = starts[order]
    longest = int(lengths_sorted[0])
    # active[t]: how many sentences have a token at position t
    active = np.searchsorted(-lengths_sorted, -np.arange(longest), side="left")
    # Time-major order: the tokens at position t of the active sentences are one contiguous
    # run, offsets[t]:offsets[t + 1], so each step slices instead of gathering.
    offsets = np.zeros(longest + 1, dtype=np.int64)
    np.cumsum(active, out=offsets[1:])
    n = len(order)
    time_major = starts_sorted[np.arange(total) - np.repeat(offsets[:-1], active)] + np.repeat(
        np.arange(longest), active
    )
    scores_tm = scores[time_major]
    # cand[s, j, i] = delta[s, i] + trans[i, j]: the previous label i on the last axis, where
    # numpy's argmax is fastest (a third faster than reducing over the middle axis)
    to_from = np.ascontiguousarray(transitions.T)
    cand_buffer = np.empty((n, n_labels, n_labels), dtype=np.result_type(scores, transitions))
    flat = np.arange(n * n_labels) * n_labels  # where each (sentence, label) row of cand starts
    back = np.empty((total, n_labels), dtype=np.int8)  # best previous label, time-major
    delta = scores_tm[:n].copy()
    for t in range(1, longest):
        k, lo = int(active[t]), int(offsets[t])
        cand = np.add(delta[:k, None, :], to_from[None, :, :], out=cand_buffer[:k])
        best = cand.argmax(axis=2)  # first maximum on ties
        back[lo : lo + k] = best
        kept = cand.ravel()[flat[: k * n_labels] + best.ravel()].reshape(k, n_labels)
        np.add(kept, scores_tm[lo : lo + k], out=delta[:k])  # the argmax's own value
    # backtrack: each sentence starts from its best label at its own last position
    labels_tm = np.empty(total, dtype=np.int64)
    label = np.empty(n, dtype=np.int64)
    back_flat = back.reshape(-1)
    for t in range(longest - 1, -1, -1):
        k, lo = int(active[t]), int(offsets[t])
        ending = lengths_sorted[:k] == t + 1
        if ending.any():
            label[:k][ending] = delta[:k][ending].argmax(axis=1)
        labels_tm[lo : lo + k] = label[:k]
        if t:
            label[:k] = back_flat[flat[:k] + lo * n_labels + label[:k]]
    out[time_major] = labels_tm
    return out
