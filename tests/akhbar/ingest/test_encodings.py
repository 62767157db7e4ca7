"""Encodings: detection, line ends, quarantine of undecodable bytes and mojibake, zip sources.

The sentences below were written for these tests. The corpus test reads the shared Windows-1256
archive at run time and checks every article against the corpus's own UTF-8 copy.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from akhbar.ingest import SourceConfig, read_source, read_sources, sources_for_inputs
from akhbar.ingest.decode import (
    UndecodableError,
    decode_bytes,
    decode_text,
    detect_and_decode,
    looks_like_mojibake,
    utf16_byte_order,
)
from akhbar.normalize import clean_text

HEADLINE = "افتتاح مستشفى جديد في طرابلس"
PARAGRAPHS = (
    "أعلنت وزارة الصحة صباح اليوم افتتاح مستشفى جديد في مدينة طرابلس بسعة مئتي سرير، "
    "على أن يستقبل المرضى ابتداء من الأسبوع المقبل.",
    "وقال المتحدث باسم الوزارة إن المشروع تأخر عامين بسبب نقص التمويل، وإن الحكومة "
    "خصصت ميزانية إضافية لشراء الأجهزة الطبية وتدريب الممرضين.",
    "هل يكفي ذلك لتخفيف الضغط على المستشفيات القديمة؟ يرى الأطباء أن الطريق ما زال طويلا.",
)
ARTICLE = "\n".join([HEADLINE, *PARAGRAPHS])
LINE_ENDS = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}


def _with_line_ends(text: str, line_end: str) -> str:
    return text.replace("\n", line_end)


# (label, how the article's text becomes bytes, the codec name detection must report)
ENCODINGS: list[tuple[str, Callable[[str], bytes], str]] = [
    ("utf-8", lambda t: t.encode("utf-8"), "utf-8"),
    ("utf-8 BOM", lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "utf-8-sig"),
    ("utf-16-le BOM", lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), "utf-16"),
    ("utf-16-be BOM", lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "utf-16"),
    ("utf-16-le", lambda t: t.encode("utf-16-le"), "utf-16-le"),
    ("utf-16-be", lambda t: t.encode("utf-16-be"), "utf-16-be"),
    ("utf-32-le BOM", lambda t: codecs.BOM_UTF32_LE + t.encode("utf-32-le"), "utf-32"),
    ("utf-32-be BOM", lambda t: codecs.BOM_UTF32_BE + t.encode("utf-32-be"), "utf-32"),
    ("windows-1256", lambda t: t.encode("cp1256"), "cp1256"),
    ("iso-8859-6", lambda t: t.encode("iso8859-6"), "iso8859-6"),
]
ENCODING_IDS = [label for label, _, _ in ENCODINGS]


def _text_source(folder: Path, encoding: str | None = None) -> SourceConfig:
    return SourceConfig("files", str(folder), "text", encoding=encoding)


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _only_article(source: SourceConfig) -> dict[str, Any]:
    batch = read_sources([source])
    assert batch.quarantine.num_rows == 0, batch.quarantine.to_pylist()
    (row,) = batch.articles.to_pylist()
    return row


def _only_reason(source: SourceConfig) -> str:
    batch = read_sources([source])
    assert batch.articles.num_rows == 0, batch.articles.to_pylist()
    (row,) = batch.quarantine.to_pylist()
    return row["reason"]


# --- detection ---------------------------------------------------------------------------


@pytest.mark.parametrize("line_end", LINE_ENDS.values(), ids=LINE_ENDS.keys())
@pytest.mark.parametrize(("label", "encode", "codec"), ENCODINGS, ids=ENCODING_IDS)
def test_detects_and_round_trips(
    label: str, encode: Callable[[str], bytes], codec: str, line_end: str
) -> None:
    """Every encoding is recognised, and the name reported decodes the bytes back to the text."""
    text = _with_line_ends(ARTICLE, line_end)
    data = encode(text)
    assert detect_and_decode(data) == (text, codec)
    assert data.decode(codec) == text
    assert decode_bytes(data) == text


@pytest.mark.parametrize("line_end", LINE_ENDS.values(), ids=LINE_ENDS.keys())
@pytest.mark.parametrize(("label", "encode", "codec"), ENCODINGS, ids=ENCODING_IDS)
def test_text_reader_unifies_line_ends(
    tmp_path: Path, label: str, encode: Callable[[str], bytes], codec: str, line_end: str
) -> None:
    """Through the reader: headline and body come out the same whatever the bytes were."""
    data = encode(_with_line_ends(ARTICLE, line_end))
    row = _only_article(_text_source(_write(tmp_path / "a", {"x.txt": data})))
    assert row["title"] == HEADLINE
    assert row["text"] == "\n".join(PARAGRAPHS)
    assert row["raw_sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_ascii_has_no_nul_bytes_and_is_still_found(encoding: str) -> None:
    """Arabic alone in UTF-16 has no NUL byte; its 0x06 high bytes give it away."""
    word = "والمستشفيات"
    assert b"\x00" not in word.encode(encoding)
    assert utf16_byte_order(word.encode(encoding)) == encoding
    assert detect_and_decode(word.encode(encoding)) == (word, encoding)


def test_short_single_byte_text_is_not_guessed() -> None:
    """Eleven letters that both code pages read as plain Arabic: refused, not guessed.

    (The same words in ISO-8859-6 are decided: Windows-1256 would read their waw as "è".)
    """
    data = "عنوان\nنص الخبر".encode("cp1256")
    with pytest.raises(UndecodableError, match="too little text to tell Windows-1256 from ISO-8859-6"):
        detect_and_decode(data)
    assert decode_text(data, "cp1256") == ("عنوان\nنص الخبر", "cp1256")
    assert detect_and_decode("عنوان\nنص الخبر".encode("iso8859-6")) == ("عنوان\nنص الخبر", "iso8859-6")


@pytest.mark.parametrize("codec", ["cp1256", "iso8859-6"])
@pytest.mark.parametrize("sentence", PARAGRAPHS)
def test_one_sentence_is_enough(codec: str, sentence: str) -> None:
    assert detect_and_decode(sentence.encode(codec)) == (sentence, codec)


def test_trailing_nul_padding_is_dropped() -> None:
    """C-string terminators and DOS end-of-file marks end some files: padding, not content."""
    data = ARTICLE.encode("cp1256") + b"\x00\x1a"
    assert detect_and_decode(data) == (ARTICLE, "cp1256")
    assert decode_text(ARTICLE.encode() + b"\x00", "utf-8") == (ARTICLE, "utf-8")


# --- undecodable and binary input ----------------------------------------------------------

UTF8 = ARTICLE.encode()
SPACE = UTF8.index(b" ")
UNDECODABLE: list[tuple[str, bytes, str]] = [
    (
        "utf-8 with a stray byte",
        UTF8[:SPACE] + b"\xff" + UTF8[SPACE:],
        rf"^undecodable: not valid UTF-8 \(byte 0xFF at offset {SPACE}, in otherwise UTF-8 text",
    ),
    (
        "utf-8 cut inside a letter",
        (ARTICLE + "ب").encode()[:-1],
        rf"^undecodable: not valid UTF-8 \(byte 0xD8 at offset {len(UTF8)}, in otherwise UTF-8 text",
    ),
    (
        "no code page reads it",
        bytes(range(0x80, 0x100)) * 4,
        r"^undecodable: not valid UTF-8 .*neither Windows-1256 nor ISO-8859-6 reads it as text",
    ),
    ("binary", b"\x00\x01\x02PK\x03\x04" * 20, r"^binary content"),
    (
        "control characters",
        UTF8.replace(b" ", b"\x01"),
        r"^binary content \(\d+ control characters in \d+ bytes, \d+%; the first 0x01 at offset",
    ),
    (
        "utf-16 BOM, odd length",
        codecs.BOM_UTF16_LE + "خبر".encode("utf-16-le") + b"\x06",
        r"^undecodable: utf-16 BOM but invalid",
    ),
]


@pytest.mark.parametrize(("label", "data", "reason"), UNDECODABLE, ids=[u[0] for u in UNDECODABLE])
def test_undecodable_bytes_are_quarantined_with_reason(
    tmp_path: Path, label: str, data: bytes, reason: str
) -> None:
    with pytest.raises(UndecodableError, match=reason):
        detect_and_decode(data)
    assert re.search(reason, _only_reason(_text_source(_write(tmp_path / "a", {"x.txt": data}))))


def test_declared_encoding_is_strict(tmp_path: Path) -> None:
    data = ARTICLE.encode("cp1256")
    reason = _only_reason(_text_source(_write(tmp_path / "a", {"x.txt": data}), encoding="utf-8"))
    assert reason.startswith("undecodable: not valid utf-8")


# --- mojibake ------------------------------------------------------------------------------

FRENCH = "Le président a été reçu à Alger."
MOJIBAKE: list[tuple[str, str, str]] = [
    ("utf-8 read as cp1252", UTF8.decode("cp1252", errors="ignore"), "UTF-8 Arabic read as Windows-1252"),
    ("utf-8 read as latin-1", UTF8.decode("latin-1"), "UTF-8 Arabic read as Windows-1252/Latin-1"),
    ("utf-8 read as cp1256", UTF8.decode("cp1256"), "UTF-8 Arabic read as Windows-1256"),
    ("french utf-8 read as cp1252", FRENCH.encode().decode("cp1252"), "UTF-8 read as Windows-1252"),
    ("cp1256 read as latin-1", ARTICLE.encode("cp1256").decode("latin-1"), "Windows-1256 Arabic read as"),
    (
        "iso-8859-6 read as cp1256",
        ARTICLE.encode("iso8859-6").decode("cp1256"),
        "Latin letters inside Arabic",
    ),
    ("replacement character", ARTICLE.replace("مستشفى", "مست\ufffdفى"), "U+FFFD"),
    ("letters lost as '?'", re.sub("[\u0621-\u064a]", "?", ARTICLE), "replaced by '?'"),
]


@pytest.mark.parametrize(("label", "text", "reason"), MOJIBAKE, ids=[m[0] for m in MOJIBAKE])
def test_mojibake_is_recognised(label: str, text: str, reason: str) -> None:
    found = looks_like_mojibake(text)
    assert found is not None and reason in found


@pytest.mark.parametrize(("label", "text", "reason"), MOJIBAKE, ids=[m[0] for m in MOJIBAKE])
def test_mojibake_file_is_quarantined(tmp_path: Path, label: str, text: str, reason: str) -> None:
    """Valid UTF-8 holding mojibake decodes fine, and is quarantined by the reader all the same."""
    assert reason in _only_reason(_text_source(_write(tmp_path / "a", {"x.txt": text.encode()})))


@pytest.mark.parametrize(
    "text",
    [
        ARTICLE,
        "قال الوزير لصحيفة «لوموند» الفرنسية: « C'était une décision très difficile »، ثم غادر.",
        "سجّل اللاعب هدفين… وقال المدرب: “الفوز مستحق”؛ ماذا بعد؟ ربما نتحدث عن ذلك لاحقا??",
        "Über 200 Ärzte trafen sich in Köln – ça a été une réunion réussie à Genève.",
    ],
)
def test_sound_text_is_not_mojibake(text: str) -> None:
    assert looks_like_mojibake(text) is None


# --- zip archives --------------------------------------------------------------------------


def test_zip_archive_is_a_text_source(tmp_path: Path) -> None:
    """Every .txt member, sorted, origin `archive.zip!member`, hashed on the member's bytes."""
    members = {
        "صحة/b.txt": _with_line_ends(ARTICLE, "\r\n").encode("cp1256") + b"\x00",
        "صحة/a.txt": ARTICLE.encode("utf-8"),
        "notes.md": b"not an article",
        "__MACOSX/._a.txt": b"\x00\x05\x16\x07resource fork",
        "empty.txt": b"",
    }
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    (source,) = sources_for_inputs([str(archive)])
    assert source.format is None  # each member in its own format
    batch = read_sources([source])
    rows = batch.articles.to_pylist()
    assert [r["origin"] for r in rows] == ["archive.zip!صحة/a.txt", "archive.zip!صحة/b.txt"]
    assert [r["raw_sha256"] for r in rows] == [
        hashlib.sha256(members[name]).hexdigest() for name in ("صحة/a.txt", "صحة/b.txt")
    ]
    assert {(r["title"], r["text"]) for r in rows} == {(HEADLINE, "\n".join(PARAGRAPHS))}
    # notes.md and the resource fork are not articles, and say why
    reasons = {row["origin"]: row["reason"] for row in batch.quarantine.to_pylist()}
    assert reasons.keys() == {"archive.zip!empty.txt", "archive.zip!notes.md", "archive.zip!__MACOSX/._a.txt"}
    assert reasons["archive.zip!notes.md"].startswith("unsupported format .md")
    assert reasons["archive.zip!__MACOSX/._a.txt"].startswith("macOS resource fork")


def test_broken_zip_is_quarantined(tmp_path: Path) -> None:
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    reason = _only_reason(SourceConfig("z", str(tmp_path / "broken.zip"), "text"))
    assert reason.startswith("unreadable archive")


# --- the shared corpus: Windows-1256 originals against their UTF-8 copy --------------------

CORPUS_DIR = "arabic_newspapers_2012"
ARCHIVE = "original_cp1256_files.zip"
ARABIC_LETTER = re.compile("[\u0621-\u064a]")
Record = dict[str, Any]


def _member(origin: str) -> str:
    """`archive.zip!folder/file.txt` -> `folder/file.txt`, the copy's `origin.path`."""
    return origin.split("!", 1)[1]


def _normalized(title: str, body: str) -> tuple[str, str]:
    return clean_text(title).strip(), clean_text(body)


def _expected(raw_text: str) -> tuple[str, str]:
    """What "identical after normalization" means for an article of the UTF-8 copy.

    The copy's `raw_text` is the whole file (it keeps the files' trailing NUL byte). Dropping
    that NUL and applying `clean_text` gives the clean article; its first non-blank line,
    stripped, is the headline and the lines after it are the body, as for every text source.
    Both sides then go through `_normalized`.
    """
    lines = clean_text(raw_text.removesuffix("\x00")).split("\n")
    first = next(i for i, line in enumerate(lines) if line.strip())
    return _normalized(lines[first], "\n".join(lines[first + 1 :]))


@pytest.fixture(scope="module")
def utf8_copy(corpus: Path) -> dict[str, Record]:
    """The UTF-8 JSONL by member path (its `origin.path` is the path inside the zip)."""
    with gzip.open(corpus / CORPUS_DIR / "articles_utf8.jsonl.gz", "rt", encoding="utf-8") as fh:
        return {record["origin"]["path"]: record for record in map(json.loads, fh)}


@pytest.fixture(scope="module")
def zip_source(corpus: Path) -> SourceConfig:
    return SourceConfig("arabic_newspapers_2012", str(corpus / CORPUS_DIR / ARCHIVE), "text")


def test_corpus_every_file_detected_as_windows_1256(corpus: Path, utf8_copy: dict[str, Record]) -> None:
    """All 2,910 originals: detected as Windows-1256, decoded exactly to the copy's text."""
    with zipfile.ZipFile(corpus / CORPUS_DIR / ARCHIVE) as zf:
        decoded = {info.filename: detect_and_decode(zf.read(info)) for info in zf.infolist()}
    assert len(decoded) == len(utf8_copy) == 2910
    assert Counter(codec for _, codec in decoded.values()) == {"cp1256": 2910}
    assert all(utf8_copy[path]["raw_text"] == text + "\x00" for path, (text, _) in decoded.items())


def test_corpus_zip_matches_utf8_copy(zip_source: SourceConfig, utf8_copy: dict[str, Record]) -> None:
    """Every article read from the zip equals the UTF-8 copy's article after normalization.

    The 22 Algerian politics files whose Arabic letters were replaced by "?" before the corpus
    was published (in both copies alike) are quarantined as lossy instead.
    """
    rows = list(read_source(zip_source))
    assert len(rows) == 2910
    quarantined = {row["origin"]: row["reason"] for row in rows if "reason" in row}
    articles = [row for row in rows if "reason" not in row]
    expected = {row["origin"]: _expected(utf8_copy[_member(row["origin"])]["raw_text"]) for row in articles}
    mismatched = [
        row["origin"] for row in articles if _normalized(row["title"], row["text"]) != expected[row["origin"]]
    ]
    assert mismatched == []
    lossy = sorted(
        _member(origin).rsplit("/", 1)[1] for origin, why in quarantined.items() if why.startswith("lossy")
    )
    assert lossy == sorted(f"DZP{i}.txt" for i in range(1, 23)) and len(quarantined) == 22
    for origin in quarantined:
        assert not ARABIC_LETTER.search(utf8_copy[_member(origin)]["raw_text"])


def test_corpus_release_holds_no_mojibake(zip_source: SourceConfig) -> None:
    """The raw stage's articles: no U+FFFD, no mojibake, no NUL; every file accounted for."""
    batch = read_sources([zip_source])
    assert batch.articles.num_rows + batch.quarantine.num_rows == 2910
    texts = [t for column in ("title", "text") for t in batch.articles[column].to_pylist() if t]
    assert not any("\ufffd" in t or "\x00" in t for t in texts)
    assert [t for t in texts if looks_like_mojibake(t)] == []
    reasons = Counter(reason.split(" ", 2)[0] for reason in batch.quarantine["reason"].to_pylist())
    # 22 lossy files; 3 one-paragraph files (no body)
    assert reasons == {"lossy": 22, "no": 3}
    # 9 byte-identical copies of other files are articles of their own (ids name the origin),
    # left to dedup to mark as exact duplicates
    hashes = batch.articles["raw_sha256"].to_pylist()
    assert len(hashes) - len(set(hashes)) == 9
