"""Every file under an input is read in its own format or quarantined with its reason.

One hostile folder holds every kind of input issue 15 names at once: text articles, JSONL, an
HTML page, a file without extension, a zip, files of unsupported formats, a dangling link, link
loops, a hidden folder, a Windows-1256 file name, an article with a stray control byte, a
tatweel that is spelling, an English article, a table of numbers, an image named `.txt`, an
empty file. It goes through the real `akhbar build`; each entry must be accounted for by name.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from akhbar.ingest import read_sources, sources_for_inputs
from akhbar.ingest.sources import SourceConfig
from akhbar.pipelines.cli import main
from tests.support import SEED

PARAGRAPH = (
    "أعلنت هيئة الأرصاد الجوية اليوم عن موجة حر شديدة تضرب المنطقة خلال الأيام المقبلة، "
    "ودعت المواطنين إلى تجنب الخروج في ساعات الظهيرة وشرب كميات كافية من الماء."
)
CP1256_NAME = os.fsdecode("خبر قديم.txt".encode("cp1256"))  # a name from an old Windows archive


def _seed_variant(tag: str) -> str:
    """The seed article under another headline: other bytes, same body (a near duplicate)."""
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    return f"{title} {tag}\n{body}"


def _article(tag: str) -> str:
    return f"خبر عن الطقس {tag}\n\n" + "\n".join(f"{PARAGRAPH} ({tag} {i})" for i in range(3))


def _mixed_folder(root: Path, corpus: Path) -> Path:
    folder = root / "mixed"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(SEED, folder / "seed.txt")
    (folder / "sub" / "variant.txt").write_text(_seed_variant("(نسخة)"), encoding="utf-8")
    records = [
        {"title": f"خبر رقم {i}", "text": PARAGRAPH + f" ({i})", "url": f"https://x.test/{i}"}
        for i in range(3)
    ]
    (folder / "dump.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    shutil.copy(
        corpus / "html_pages" / "newspaper4k_cnn_arabic" / "arabic_article.html", folder / "page.html"
    )
    (folder / "NOTES").write_text(_article("بلا امتداد"), encoding="utf-8")
    with zipfile.ZipFile(folder / "bundle.zip", "w") as archive:
        archive.writestr("inner/zipped.txt", _article("مضغوط"))
        archive.writestr("inner/more.jsonl", json.dumps({"title": "خبر في أرشيف", "text": PARAGRAPH}) + "\n")
        archive.writestr("table.csv", "a,b\n1,2\n")
    (folder / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "report.docx").write_bytes(b"PK\x03\x04" + bytes(60))
    (folder / "dangling.txt").symlink_to("missing.txt")
    (folder / "self").symlink_to("self")  # a link that leads to itself
    (folder / "sub" / "up").symlink_to("..")  # a folder loop
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / CP1256_NAME).write_bytes(_article("قديم").encode("cp1256"))
    (folder / "stray.txt").write_text(_article("مع\x1aرمز"), encoding="utf-8")  # one SUB byte
    (folder / "tatweel.txt").write_text(
        f"{TATWEEL_TITLE}\n\n" + "\n".join(f"{PARAGRAPH} (م {i})" for i in range(3)), encoding="utf-8"
    )
    (folder / "english.txt").write_text(
        "Weather warning\n\n" + "The weather service warned of a severe heat wave this week. " * 6,
        encoding="utf-8",
    )
    (folder / "numbers.txt").write_text(
        "جدول\n\n" + "\n\n".join(" ".join(str(i * j) for j in range(1, 12)) for i in range(1, 9)),
        encoding="utf-8",
    )
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (folder / "empty.txt").write_bytes(b"")
    return folder


TATWEEL_TITLE = "مقابلة لـ«الوطن» مع رئيس بلدية الـ12"


# origin -> what the build must make of it: "released", or a part of the quarantine reason
EXPECTED = {
    "seed.txt": "released",
    "sub/variant.txt": "released",
    "dump.jsonl#L1": "released",
    "dump.jsonl#L2": "released",
    "dump.jsonl#L3": "released",
    "page.html": "released",
    "NOTES": "released",
    "bundle.zip!inner/zipped.txt": "released",
    "bundle.zip!inner/more.jsonl#L1": "released",
    "خبر قديم.txt": "released",
    "bundle.zip!table.csv": "unsupported format .csv",
    "table.csv": "unsupported format .csv",
    "report.docx": "unsupported format .docx",
    "dangling.txt": "dangling link: missing.txt does not exist",
    "self": "link loop",
    "sub/up": "link to a folder already read (..)",
    ".git": "hidden folder",
    "stray.txt": "released",
    "tatweel.txt": "released",
    "english.txt": "not Arabic: 0% Arabic letters",
    "numbers.txt": "not Arabic",
    "photo.txt": "binary content (PNG",
    "empty.txt": "empty",
}


@pytest.fixture(scope="module")
def mixed_build(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> dict:
    root = tmp_path_factory.mktemp("mixed")
    folder = _mixed_folder(root, corpus)
    out = root / "out"
    code = main(["build", "--input", str(folder), "--out", str(out), "--log-level", "ERROR"])
    (release,) = sorted((out / "releases").iterdir())
    return {
        "code": code,
        "manifest": json.loads((release / "manifest.json").read_text()),
        "rows": pq.read_table(release / "data").to_pylist(),
        "quarantine": pq.read_table(release / "quarantine.parquet").to_pylist(),
    }


@pytest.mark.slow
def test_the_build_succeeds_and_balances(mixed_build: dict) -> None:
    assert mixed_build["code"] == 0
    rows = mixed_build["manifest"]["rows"]
    assert rows["raw"] == len(EXPECTED)
    assert rows["raw"] == rows["unique"] + rows["duplicates"] + rows["quarantined"]
    assert mixed_build["manifest"]["accounting"]["balanced"] is True


@pytest.mark.slow
def test_every_entry_is_accounted_for_by_name(mixed_build: dict) -> None:
    released = {r["origin"] for r in mixed_build["rows"]}
    quarantined = {q["origin"] for q in mixed_build["quarantine"]}
    assert released | quarantined == EXPECTED.keys()
    assert released == {origin for origin, what in EXPECTED.items() if what == "released"}


@pytest.mark.slow
@pytest.mark.parametrize("origin", [o for o, what in EXPECTED.items() if what != "released"])
def test_entries_not_read_say_why(mixed_build: dict, origin: str) -> None:
    reasons = {q["origin"]: q["reason"] for q in mixed_build["quarantine"]}
    assert EXPECTED[origin] in reasons[origin]


@pytest.mark.slow
def test_each_format_reaches_the_dataset(mixed_build: dict, corpus: Path) -> None:
    expected = json.loads(
        (corpus / "html_pages" / "newspaper4k_cnn_arabic" / "expected_metadata.json").read_text(
            encoding="utf-8"
        )
    )
    by_origin = {r["origin"]: r for r in mixed_build["rows"]}
    assert by_origin["dump.jsonl#L2"]["url"] == "https://x.test/1"
    assert by_origin["page.html"]["title"] == expected["title"] and by_origin["page.html"]["body"]
    assert by_origin["NOTES"]["title"] == "خبر عن الطقس بلا امتداد"
    assert by_origin["خبر قديم.txt"]["title"] == "خبر عن الطقس قديم"  # decoded, name and text
    kept, copy = sorted(
        [by_origin["seed.txt"], by_origin["sub/variant.txt"]], key=lambda r: r["duplicate_of"] is not None
    )
    assert kept["duplicate_of"] is None and copy["duplicate_of"] == kept["id"]


@pytest.mark.slow
def test_text_is_stored_as_published(mixed_build: dict) -> None:
    by_origin = {r["origin"]: r for r in mixed_build["rows"]}
    assert by_origin["tatweel.txt"]["title"] == TATWEEL_TITLE  # tatweel as spelling is kept
    stray = by_origin["stray.txt"]  # one stray control byte costs the article nothing but the byte
    assert "\x1a" not in stray["title"] + stray["body"] and "معرمز" in stray["title"]


def _inputs_within(seconds: float, source: SourceConfig) -> list:
    found: list = []
    worker = threading.Thread(target=lambda: found.extend(source.inputs()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"listing {source.path} did not end"
    return found


@pytest.mark.parametrize("pattern", ["**/*.txt", "**", "*/*", "sub/**"])
def test_a_glob_over_link_loops_ends(tmp_path: Path, pattern: str) -> None:
    folder = tmp_path / "in"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "b" / "x.txt").write_text(_article("أ"), encoding="utf-8")
    (folder / "a" / "b" / "back").symlink_to("../..")
    (folder / "a" / "again").symlink_to("b")
    (folder / "sub").symlink_to("a")
    (source,) = sources_for_inputs([str(folder / pattern)])
    entries = _inputs_within(30, source)
    readable = [e.origin for e in entries if e.problem is None]
    assert len(readable) == len(set(readable)) >= 1
    assert all(o.endswith("x.txt") for o in readable)


def test_a_declared_format_reads_other_extensions(tmp_path: Path) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "day1.dat").write_text(json.dumps({"title": "عنوان", "text": PARAGRAPH}) + "\n")
    (folder / "day2.jsonl").write_text(json.dumps({"title": "عنوان آخر", "text": PARAGRAPH}) + "\n")
    (folder / "page.html").write_text("<html><body><p>قصير</p></body></html>", encoding="utf-8")
    batch = read_sources([SourceConfig("d", str(folder), "jsonl")])
    assert sorted(batch.articles["origin"].to_pylist()) == ["day1.dat#L1", "day2.jsonl#L1"]
    # a name that plainly says another format is read in that format, not as JSONL
    (reason,) = batch.quarantine["reason"].to_pylist()
    assert reason == "HTML page without extractable article text"
