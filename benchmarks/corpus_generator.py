"""The generated corpus of the benchmark harness (benchmarks/harness.py `--articles N`): a
daily scrape of edited copies of a JSONL(.gz) input, byte-identical for the same N.

One `YYYY-MM-DD.jsonl.gz` per day from 2015-01-01, `articles_per_file` articles each. The input
articles are cycled; the first cycle is the articles as they are, each later copy gets a new id
and url (`?v=<cycle>`) and edits seeded by its index only: a sentence edit (two adjacent
sentences swapped, one dropped or a short sentence inserted), about one word in ten of its text
and one word per eight of its title replaced by a word of the same kind (with or without ال)
among the most frequent words of the input itself. See benchmarks/harness.py for the measured
similarities. Written streaming, one record in memory at a time.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

TEXT_FIELDS = ("content", "text", "body")  # the text field of the input, first one present

Progress = Callable[[str], None]


# -- corpus generation -------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?؟])(\s+)")
_SPACE = re.compile(r"(\s+)")
# A replaceable word: 3+ characters of the Arabic script (letters, diacritics, tatweel,
# presentation forms; no digits), opening / closing punctuation kept around it. Replacement words
# are plain: letters U+0621-U+064A only.
_ARABIC = "\u0610-\u061a\u0620-\u065f\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc"
_WORD = re.compile(f"([\"'«(]*)([{_ARABIC}]{{3,}})([.,،؛:!?؟\"'»)]*)")
_PLAIN = re.compile(r"[\u0621-\u064a]+")
_INSERTS = (
    "وأضاف المصدر أن التفاصيل ستعلن لاحقا.",
    "ولم يصدر أي تعليق رسمي حتى الآن.",
    "وتابعت الصحيفة تطورات الموضوع.",
    "وذلك بحسب ما أفادت به مصادر مطلعة.",
    "ومن المتوقع أن تتضح الصورة خلال الأيام المقبلة.",
)
DEFAULT_ARTICLES_PER_FILE = 5_000
FIRST_DAY = date(2015, 1, 1)
VOCAB_ARTICLES = 2_000  # source articles the replacement vocabulary is collected from
VOCAB_SIZE = 3_000  # most frequent words kept per class
WORD_GAP = (8, 12)  # words from one replaced word to the next, drawn uniformly: ~1 word in 10
DAY_FILE = re.compile(r"\d{4}-\d{2}-\d{2}\.jsonl(\.gz)?")


@dataclass(frozen=True)
class Vocabulary:
    """Replacement words collected from the input corpus, in two classes so that a word is
    replaced by one of its kind: with the article ال, and without."""

    definite: tuple[str, ...]
    other: tuple[str, ...]

    def pick(self, word: str, rng: random.Random) -> str:
        pool = self.definite if word.startswith("ال") else self.other
        at = int(rng.random() * len(pool))  # not randrange: this runs ~40 times per article
        return pool[(at + 1) % len(pool)] if pool[at] == word else pool[at]


def collect_vocabulary(source: Path, *, articles: int = VOCAB_ARTICLES, size: int = VOCAB_SIZE) -> Vocabulary:
    """The `size` most frequent words of each class in the titles and texts of the first
    `articles` articles of `source` (ties by the word): deterministic for a given input."""
    counts: Counter[str] = Counter()
    for i, line in enumerate(_open_lines(source)):
        if i >= articles:
            break
        record = json.loads(line)
        field = _text_field(record)
        for text in (record.get("title"), record.get(field) if field else None):
            if isinstance(text, str):
                counts.update(
                    m.group(2)
                    for w in text.split()
                    if (m := _WORD.fullmatch(w)) and _PLAIN.fullmatch(m.group(2))
                )
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    definite = tuple(w for w in ranked if w.startswith("ال"))[:size]
    other = tuple(w for w in ranked if not w.startswith("ال"))[:size]
    if not definite and not other:
        raise ValueError(f"{source}: no Arabic words to collect a vocabulary from")
    return Vocabulary(definite or other, other or definite)


def replace_words(text: str, rng: random.Random, vocab: Vocabulary, gap: tuple[int, int] = WORD_GAP) -> str:
    """Replace every gap-th word (gap drawn uniformly in `gap` after each replacement, the
    first one within the first gap) by a vocabulary word of its class. A word that is not 3+
    Arabic characters (a number, a Latin word, a short particle) or is glued to the next one by
    a line break passes its turn to the next word. Punctuation around a replaced word and all
    whitespace are kept (words are split at single spaces, joined back with them)."""
    words = text.split(" ")
    low, span = gap[0], gap[1] - gap[0] + 1
    draw = rng.random
    i = int(draw() * min(gap[1], len(words)))  # a short text gets a replacement too
    while i < len(words):
        m = _WORD.fullmatch(words[i])
        if m is None:
            i += 1
            continue
        words[i] = f"{m.group(1)}{vocab.pick(m.group(2), rng)}{m.group(3)}"
        i += low + int(draw() * span)
    return " ".join(words)


def edit_sentences(text: str, rng: random.Random) -> str:
    """Two adjacent sentences swapped, one sentence dropped, or a short sentence inserted."""
    parts = _SENTENCE_END.split(text)  # sentence, separator, sentence, ...
    sentences = len(parts[::2])
    op = rng.randrange(3)
    if op == 0 and sentences >= 2:
        i = 2 * rng.randrange(sentences - 1)
        parts[i], parts[i + 2] = parts[i + 2], parts[i]
    elif op == 1 and sentences >= 4:
        i = 2 * rng.randrange(1, sentences - 1)  # never the first or the last sentence
        del parts[i : i + 2]
    else:
        i = 2 * rng.randrange(sentences)
        parts[i] = f"{rng.choice(_INSERTS)} {parts[i]}"
    return "".join(parts)


def edit_text(text: str, k: int, vocab: Vocabulary | None = None) -> str:
    """A deterministic edit of `text` seeded by `k`: `edit_sentences`, then (with `vocab`)
    `replace_words`, which takes the 5-word-shingle Jaccard to the original to ~0.3.
    Never returns `text` unchanged, except a blank text: it stays blank (an inserted sentence
    would make the copies of an empty article exact duplicates of one another)."""
    if not text.strip():
        return text
    rng = random.Random(k)
    edited = edit_sentences(text, rng)
    if vocab is not None:
        edited = replace_words(edited, rng, vocab)
    return edited if edited != text else f"{text} {_INSERTS[k % len(_INSERTS)]}"


def edit_title(title: str, k: int, vocab: Vocabulary) -> str:
    """One replaced word per started 8 replaceable words of `title` (seeded by `k`), or a
    vocabulary word appended to a title without one; an empty title stays empty."""
    if not title.strip():
        return title
    rng = random.Random(f"title-{k}")
    parts = _SPACE.split(title)
    words = [i for i in range(0, len(parts), 2) if _WORD.fullmatch(parts[i])]
    if not words:
        return f"{title} {vocab.pick('', rng)}"
    for i in rng.sample(words, 1 + (len(words) - 1) // 8):
        m = _WORD.fullmatch(parts[i])
        parts[i] = f"{m.group(1)}{vocab.pick(m.group(2), rng)}{m.group(3)}"
    return "".join(parts)


def _open_lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield line


def input_files(path: Path) -> list[Path]:
    """The JSONL(.gz) files of an input: the file itself, or a folder's files in name order."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    return sorted(f for f in path.iterdir() if f.name.endswith((".jsonl", ".jsonl.gz")) and f.is_file())


def _input_lines(path: Path) -> Iterator[str]:
    for file in input_files(path):
        yield from _open_lines(file)


def _text_field(record: dict) -> str | None:
    return next((f for f in TEXT_FIELDS if isinstance(record.get(f), str)), None)


def generated_lines(
    source: Path, n: int, vocab: Vocabulary, *, source_limit: int | None = None
) -> Iterator[tuple[int, str]]:
    """The `n` JSON lines of the generated corpus (see `generate_corpus`), one at a time, each
    with its cycle."""
    written = cycle = 0
    while written < n:
        seen = 0
        for line in _open_lines(source):
            if written >= n or (source_limit is not None and seen >= source_limit):
                break
            seen += 1
            if cycle == 0:
                yield cycle, line if line.endswith("\n") else line + "\n"
            else:
                record = json.loads(line)
                record["id"] = f"{record.get('id') or seen}-v{cycle}"
                if record.get("url"):
                    record["url"] = f"{record['url']}{'&' if '?' in record['url'] else '?'}v={cycle}"
                if isinstance(record.get("title"), str):
                    record["title"] = edit_title(record["title"], written, vocab)
                field = _text_field(record)
                if field:
                    record[field] = edit_text(record[field], written, vocab)
                yield cycle, json.dumps(record, ensure_ascii=False) + "\n"
            written += 1
        if seen == 0:
            raise ValueError(f"{source}: no articles to generate from")
        cycle += 1


def generate_corpus(
    source: Path,
    out_dir: Path,
    n: int,
    *,
    articles_per_file: int = DEFAULT_ARTICLES_PER_FILE,
    source_limit: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write `n` articles into `out_dir` as a daily scrape: `articles_per_file` articles per
    file `YYYY-MM-DD.jsonl.gz`, one day after the other from FIRST_DAY (day files of an earlier
    run in `out_dir` are removed first). The articles cycle over the (first `source_limit`)
    articles of `source`: the first cycle is the articles as they are; in cycle c >= 1 each
    copy gets id `<id>-v<c>`, url `<url>?v=<c>`, `edit_title` and `edit_text` seeded by its
    index k in the output, with a vocabulary collected from `source` (`collect_vocabulary`).
    The same `n` gives byte-identical files. Streams: one record in memory at a time."""
    if n < 1 or articles_per_file < 1:
        raise ValueError(f"articles ({n}) and articles per file ({articles_per_file}) must be >= 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.iterdir():
        if DAY_FILE.fullmatch(stale.name):
            stale.unlink()
    vocab_articles = VOCAB_ARTICLES if source_limit is None else min(VOCAB_ARTICLES, source_limit)
    vocab = collect_vocabulary(source, articles=vocab_articles)
    written = raw_bytes = cycles = 0
    files: list[str] = []
    out = None
    try:
        for cycle, line in generated_lines(source, n, vocab, source_limit=source_limit):
            if written % articles_per_file == 0:
                if out is not None:
                    out.close()
                name = f"{FIRST_DAY + timedelta(days=written // articles_per_file):%Y-%m-%d}.jsonl.gz"
                files.append(name)
                # mtime 0 and the same file name in the header: the same n gives the same bytes
                out = gzip.GzipFile(str(out_dir / name), "wb", compresslevel=1, mtime=0)
            data = line.encode("utf-8")
            out.write(data)
            cycles = cycle + 1
            raw_bytes += len(data)
            written += 1
            if progress and written % 100_000 == 0:
                progress(f"generated {written:,} / {n:,} articles")
    finally:
        if out is not None:
            out.close()
    return {
        "path": str(out_dir),
        "articles": written,
        "mb": raw_bytes / 1e6,
        "cycles": cycles,
        "files": len(files),
        "articles_per_file": articles_per_file,
        "first_file": files[0],
        "last_file": files[-1],
        "vocabulary": {"definite": len(vocab.definite), "other": len(vocab.other)},
        "compressed_mb": sum((out_dir / f).stat().st_size for f in files) / 1e6,
    }


def input_stats(path: Path) -> dict[str, Any]:
    """Articles (non-empty lines) and uncompressed bytes of a JSONL(.gz) file or folder."""
    articles = size = 0
    for line in _input_lines(path):
        articles += 1
        size += len(line.encode("utf-8"))
    return {"articles": articles, "mb": size / 1e6}
