"""What the tests share besides fixtures: the repository's paths and small file helpers
(here), the test Hub server (`hub_server`), the browser driver (`browser`), synthetic release
rows (`release_rows`), corpus articles as text files (`corpus_articles`) and the body-quality
measure (`body_quality`). Test modules import from
here, never from one another."""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
SEED = REPO / "samples" / "seed_article.txt"


def head_lines(src: Path, dest: Path, n: int) -> Path:
    """First `n` lines of a (gzipped) JSONL corpus file, copied under tmp for a small run."""
    opener = gzip.open if src.suffix == ".gz" else open
    with opener(src, "rb") as fh:
        lines = list(itertools.islice(fh, n))
    writer = gzip.open if dest.suffix == ".gz" else open
    with writer(dest, "wb") as out:
        out.writelines(lines)
    return dest
