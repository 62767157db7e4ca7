"""A gazetteer of the sources' own keywords, typed by the tagger (issue 17, lever 3).

    .venv/bin/python benchmarks/ner_keywords.py     # writes akhbar/resources/ner/gazetteer_keywords.tsv

Al Mayadeen records carry editors' `keywords` (names of people, places, organisations and
topics). Each keyword is typed by the shipped tagger's majority vote over its mentions in the
unlabelled shared news (`benchmarks/ner_clusters.py`'s sources): every entity the tagger finds
whose normal forms equal the keyword's is a vote for its label. A keyword with at least
`--min-votes` votes, `--min-share` of them for one of PER, LOC, ORG, goes in the file under
the class KWPER, KWLOC or KWORG (features "g=KW…", "gmB=KW…"; the CRFs learn their weights).
Topics ("الاحتلال الإسرائيلي") are rarely tagged as a whole and drop out. Deterministic: the
inputs, the tagger and the order are fixed.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from akhbar.extract.entities import EntityTagger  # noqa: E402
from akhbar.extract.entities.features import GAZETTEER_DIR  # noqa: E402
from akhbar.extract.entities.tokens import normalize, split_token  # noqa: E402
from benchmarks.ner_clusters import CORPUS, keywords, texts  # noqa: E402

OUT = GAZETTEER_DIR / "gazetteer_keywords.tsv"
LABELS = ("PER", "LOC", "ORG")


def key(text: str) -> tuple[str, ...]:
    return tuple(normalize(t) for t in split_token(text))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--min-votes", type=int, default=3)
    parser.add_argument("--min-share", type=float, default=0.7)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    t0 = time.perf_counter()
    names: dict[tuple[str, ...], str] = {}
    for kws in keywords(args.corpus):
        for kw in kws:
            k = key(kw.strip())
            if k and k not in names and "،" not in kw:
                names[k] = kw.strip()
    print(f"{len(names)} distinct keywords")
    votes: dict[tuple[str, ...], Counter] = {}
    tagger = EntityTagger()
    batch: list[str] = []

    def run(batch: list[str]) -> None:
        for ents in tagger.find_many(batch):
            for e in ents:
                k = key(e.text)
                if k in names:
                    votes.setdefault(k, Counter())[e.label] += 1

    for text in texts(args.corpus):
        batch.append(text)
        if len(batch) == 500:
            run(batch)
            batch = []
    run(batch)
    print(f"tagged ({time.perf_counter() - t0:.0f} s); {len(votes)} keywords found as entities")
    typed: dict[str, list[str]] = {label: [] for label in LABELS}
    for k, counter in votes.items():
        label, n = max(sorted(counter.items()), key=lambda kv: kv[1])
        total = sum(counter.values())
        if label in LABELS and total >= args.min_votes and n >= args.min_share * total:
            typed[label].append(names[k])
    header = (
        "# Al Mayadeen `keywords`, typed by the entity tagger's majority vote over their mentions in\n"
        f"# the unlabelled shared news; written by `benchmarks/ner_keywords.py --min-votes {args.min_votes}"
        f" --min-share {args.min_share}` (see README.md).\n"
    )
    lines = [f"KW{label}\t" + "، ".join(sorted(typed[label])) for label in LABELS if typed[label]]
    args.out.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print({label: len(v) for label, v in typed.items()})
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"{args.out}: {args.out.stat().st_size} bytes, sha256 {digest}; {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
