"""Named entities (PER, LOC, ORG, MISC) with character offsets into the body.

A linear-chain CRF (python-crfsuite) trained on ANERcorp by `benchmarks/train_ner.py` tags
tokens with BIO labels; the model and its provenance live in `akhbar/resources/ner/`.

Why a CRF: ANERcorp has 125k tokens, too few for a neural tagger trained from scratch, no
pretrained Arabic encoder can be fetched or shipped here, and the stage must tag 100k+
tokens/s per core. Two CRFs run in turn: the second sees the first one's labels and the
labels given to the same word elsewhere in the article (`tables._StackTables`). Cross-validated
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
  Word clusters learnt from ~11M tokens of unlabelled news (`word_clusters.tsv`, built by
  `benchmarks/ner_clusters.py`: "c0=", "c1=", "c2=" and their neighbours' "c1-1=", "c0+2=", …)
  put an unseen name in the company of the names the corpus did see.
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

from akhbar.extract.entities.features import (
    CLUSTERS_PATH,
    GAZETTEER_DIR,
    LABELS,
    MODEL_PATH,
    STAGE2_PATH,
    WORD_COUNTS,
    Featurizer,
    Gazetteer,
    cluster_of,
    frequency_class,
    gazetteer,
    read_word_counts,
    word_clusters,
)
from akhbar.extract.entities.tagger import (
    GAZETTEER_WEIGHT,
    EntityTagger,
    default_tagger,
    find_entities,
    proclitic_length,
)
from akhbar.extract.entities.tokens import (
    CONJUNCTIONS,
    PREPOSITIONS,
    SENTENCE_END,
    Entity,
    analyses,
    bio_spans,
    normalize,
    sentences,
    split_token,
    tokenize,
    tokenize_with_breaks,
)

__all__ = [
    "CLUSTERS_PATH",
    "CONJUNCTIONS",
    "GAZETTEER_DIR",
    "GAZETTEER_WEIGHT",
    "LABELS",
    "MODEL_PATH",
    "PREPOSITIONS",
    "SENTENCE_END",
    "STAGE2_PATH",
    "WORD_COUNTS",
    "Entity",
    "EntityTagger",
    "Featurizer",
    "Gazetteer",
    "analyses",
    "bio_spans",
    "cluster_of",
    "default_tagger",
    "find_entities",
    "frequency_class",
    "gazetteer",
    "normalize",
    "proclitic_length",
    "read_word_counts",
    "sentences",
    "split_token",
    "tokenize",
    "tokenize_with_breaks",
    "word_clusters",
]
