"""Articles of the shared corpus as `.txt` files (title, blank line, text), made at test time
in a temporary folder, and the one-word correction the corrections tests make to one of them."""

from __future__ import annotations

import json
from pathlib import Path

CORRECTION = "وأضاف"  # the word put in place of another in the corrected article


def write_corpus_articles(corpus: Path, folder: Path, n: int) -> list[str]:
    """The first `n` distinct articles of a corpus month (80 words or more) as `.txt` files in
    `folder`; their file names."""
    folder.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    seen: set[str] = set()
    with (corpus / "almayadeen" / "almayadeen_2024-04.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            title, text = (record.get("title") or "").strip(), (record.get("text") or "").strip()
            if not title or len(text.split()) < 80 or text in seen:
                continue
            seen.add(text)
            names.append(f"article_{len(names):02d}.txt")
            (folder / names[-1]).write_text(f"{title}\n\n{text}\n", encoding="utf-8")
            if len(names) == n:
                return names
    raise AssertionError(f"fewer than {n} articles in the corpus month")


def correct_one_word(path: Path) -> str:
    """Replace the tenth word of the article's text (not its title) with CORRECTION; returns the
    word taken out."""
    title, text = path.read_text(encoding="utf-8").split("\n\n", 1)
    words = text.split(" ")
    old = words[9]
    assert old != CORRECTION
    words[9] = CORRECTION
    path.write_text(f"{title}\n\n{' '.join(words)}", encoding="utf-8")
    return old
