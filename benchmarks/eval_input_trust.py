"""Issue 15's numbers, measured through the real `akhbar build` on the shared corpus:

- tags: the 60 Al Mayadeen pages as scraped (`almayadeen_2023-12_pages.jsonl`), fed as text
  files (title, blank line, page text): tags found, how many are among the page's `keywords`
  (a superset of the tags it shows), and tag lines left as body paragraphs; first and last 30
  pages apart (the rule was developed on the first half);
- headlines: released titles equal to the source's title (after NFC and whitespace collapse
  only) for the Al Mayadeen JSONL months and the first N SaudiNewsNet records;
- quarantine (`--full`): the whole SaudiNewsNet file, quarantined articles by reason.

    .venv/bin/python benchmarks/eval_input_trust.py [--corpus ../shared/corpus] [--snn 3000] [--full]

Writes only under a temporary folder; prints one line per measure.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gzip
import io
import itertools
import json
import tempfile
import unicodedata
from pathlib import Path

import pyarrow.parquet as pq

from akhbar.normalize import clean_text
from akhbar.pipelines.cli import main

REPO = Path(__file__).resolve().parent.parent


def _build(inputs: list[Path], out: Path) -> Path:
    args = ["build", "--out", str(out), "--log-level", "ERROR"]
    for path in inputs:
        args += ["--input", str(path)]
    with contextlib.redirect_stdout(io.StringIO()):  # the build's own summary, not this report's
        code = main(args)
    if code != 0:
        raise SystemExit(f"build of {inputs} failed")
    (release,) = sorted((out / "releases").iterdir())
    return release


def _rows(release: Path) -> list[dict]:
    return pq.read_table(release / "data").to_pylist()


def _fold(text: str) -> str:
    return " ".join(clean_text(text).split())


def tags(corpus: Path, work: Path) -> None:
    records = [json.loads(line) for line in open(corpus / "almayadeen" / "almayadeen_2023-12_pages.jsonl")]
    for label, chosen in (("first 30", records[:30]), ("last 30", records[30:])):
        folder = work / f"pages-{label[:5].strip()}"
        folder.mkdir(parents=True)
        for record in chosen:
            (folder / f"{record['id']}.txt").write_text(
                f"{record['title']}\n\n{record['text']}", encoding="utf-8"
            )
        by_file = {f"{r['id']}.txt": r for r in chosen}
        found = in_keywords = left = paragraphs = 0
        for row in _rows(_build([folder], folder.with_suffix(".out"))):
            keywords = {_fold(k) for k in by_file[row["origin"]]["keywords"]}
            found += len(row["tags"])
            in_keywords += sum(t in keywords for t in row["tags"])
            paragraphs += len(row["paragraphs"])
            left += sum(_fold(p) in keywords for p in row["paragraphs"])
        print(
            f"tags, {label} pages: {found} found, {in_keywords} among the page's keywords; "
            f"tag lines left in bodies: {left} of {paragraphs} body paragraphs"
        )


def _published(title: str) -> str:
    """The source's title with only what the pipeline may change: NFC, whitespace runs."""
    return " ".join(unicodedata.normalize("NFC", title).split())


def _visible(title: str) -> str:
    """`_published` without invisible format characters (zero-width, bidi marks), which
    clean_text removes on purpose."""
    return _published("".join(c for c in title if unicodedata.category(c) != "Cf"))


def headlines(corpus: Path, work: Path, snn_records: int) -> None:
    snn = work / "saudinewsnet.jsonl"
    with gzip.open(corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz", "rt", encoding="utf-8") as fh:
        snn.write_text("".join(itertools.islice(fh, snn_records)), encoding="utf-8")
    months = sorted((corpus / "almayadeen").glob("almayadeen_2024-*.jsonl"))
    for label, files in (("Al Mayadeen 2024", months), (f"SaudiNewsNet (first {snn_records})", [snn])):
        titles = {}
        for path in files:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                titles[f"{path.name}#L{number}"] = json.loads(line).get("title") or ""
        rows = _rows(_build(files, work / f"{files[0].stem}.out"))
        equal = sum(" ".join(r["title"].split()) == _published(titles[r["origin"]]) for r in rows)
        with_tatweel = [r for r in rows if "\u0640" in titles[r["origin"]]]
        equal_tatweel = sum(
            " ".join(r["title"].split()) == _published(titles[r["origin"]]) for r in with_tatweel
        )
        visible = sum(" ".join(r["title"].split()) == _visible(titles[r["origin"]]) for r in rows)
        print(
            f"headlines, {label}: {equal} of {len(rows)} released titles equal the source's "
            f"({equal / len(rows):.1%}), {visible} ({visible / len(rows):.1%}) once invisible format "
            f"characters are left out of both; with a tatweel: {equal_tatweel} of {len(with_tatweel)}"
        )


def quarantine(corpus: Path, work: Path) -> None:
    release = _build([corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"], work / "snn-full")
    manifest = json.loads((release / "manifest.json").read_text())
    reasons = collections.Counter(
        r.split(":")[0] for r in pq.read_table(release / "quarantine.parquet")["reason"].to_pylist()
    )
    print(f"SaudiNewsNet, whole file: {manifest['rows']}")
    for reason, count in reasons.most_common():
        print(f"  quarantined {count} × {reason}")


def main_cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--snn", type=int, default=3000, help="SaudiNewsNet records for the headlines")
    parser.add_argument("--full", action="store_true", help="also build the whole SaudiNewsNet file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="akhbar-trust-") as tmp:
        work = Path(tmp)
        tags(args.corpus, work)
        headlines(args.corpus, work, args.snn)
        if args.full:
            quarantine(args.corpus, work)


if __name__ == "__main__":
    main_cli()
