"""Bytes to text: declared encodings, or detection among the encodings Arabic news comes in.

Detection order, cheapest and most certain first, so UTF-8 (nearly every input) costs one
strict decode plus two scans:

1. a BOM (UTF-8, UTF-32 LE/BE, UTF-16 LE/BE);
2. UTF-16 without BOM, recognised by its high bytes (0x00 for ASCII, 0x06 for Arabic);
3. strict UTF-8;
4. the single-byte Arabic code pages Windows-1256 and ISO-8859-6, chosen by the likelihood of
   each reading under a character model of Arabic news text (`_single_byte`).

Nothing is ever decoded with U+FFFD: input that no encoding reads with confidence raises
`UndecodableError`, whose message is the quarantine reason. Trailing NUL / SUB padding (C
string terminators, DOS end-of-file marks) is dropped.

Binary content is judged by content, never by one byte (`binary_reason`): the signature of a
known binary format at the start (PDF, ZIP and the Office/OpenDocument files built on it,
OLE2 Office, PNG, JPEG, GIF, gzip, ELF, ...), or control characters (C0 other than tab,
line feed, vertical tab, form feed and carriage return; DEL) making up at least 5% of the
text, counted over at least 64 characters, or the whole of it. A few stray controls inside
real text (a SUB or NUL left by a conversion) are kept by the reader and removed by
`clean_text` in the normalize stage, which counts them.

`looks_like_mojibake` catches text that decoded cleanly but is wrong: UTF-8 read through a
single-byte code page, Arabic code pages read as Latin-1, U+FFFD, and letters replaced by "?"
upstream.
"""

from __future__ import annotations

import codecs
import math
import re


class UndecodableError(ValueError):
    """Raw bytes that cannot be decoded; the message is the quarantine reason."""


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts with UTF-16 LE's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_DECLARE = "declare the encoding of this source in sources.yaml"

_PADDING = "\x00\x1a"  # NUL terminators and the DOS end-of-file mark, trailing only

# --- UTF-16 without BOM ----------------------------------------------------------------

# High bytes of the UTF-16 code units of Arabic news text: ASCII and Latin-1 (0x00), Arabic
# (0x06), general punctuation (0x20), Arabic presentation forms (0xFB, 0xFE).
_UTF16_HIGH = (0x00, 0x06, 0x20, 0xFB, 0xFE)
_UTF16_SAMPLE = 4096
_UTF16_MIN_SHARE = 0.9


def _high_byte_share(high: bytes) -> float:
    return sum(high.count(b) for b in _UTF16_HIGH) / len(high)


def utf16_byte_order(data: bytes) -> str | None:
    """Byte order ("utf-16-le" or "utf-16-be") of BOM-less data with UTF-16's pattern, else None.

    In UTF-16 text nearly every code unit's high byte is one of `_UTF16_HIGH`, while the low
    bytes vary; which half of the pairs is that regular gives the byte order.
    """
    sample = data[:_UTF16_SAMPLE]
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 4:
        return None
    even, odd = _high_byte_share(sample[0::2]), _high_byte_share(sample[1::2])
    if odd >= _UTF16_MIN_SHARE and odd > even:
        return "utf-16-le"
    if even >= _UTF16_MIN_SHARE and even > odd:
        return "utf-16-be"
    return None


# --- single-byte Arabic code pages -----------------------------------------------------

SINGLE_BYTE_CODEPAGES = ("cp1256", "iso8859-6")

# Character frequencies of Arabic news text, per mille of Arabic letters (measured on 3,000
# SaudiNewsNet articles, not on the corpus the detector is evaluated on).
_ARABIC_PER_MILLE = {
    "ء": 3.3, "آ": 1.0, "أ": 20.2, "ؤ": 1.2, "إ": 8.3, "ئ": 4.1, "ا": 151.3, "ب": 34.3,
    "ة": 31.7, "ت": 46.1, "ث": 5.5, "ج": 13.9, "ح": 17.8, "خ": 8.4, "د": 30.8, "ذ": 6.2,
    "ر": 45.7, "ز": 6.4, "س": 23.4, "ش": 9.9, "ص": 9.1, "ض": 6.8, "ط": 9.5, "ظ": 2.4,
    "ع": 34.4, "غ": 3.6, "ـ": 0.5, "ف": 26.4, "ق": 21.5, "ك": 18.5, "ل": 115.5, "م": 64.8,
    "ن": 50.6, "ه": 24.4, "و": 54.1, "ى": 8.4, "ي": 75.8, "ً": 2.0, "ٌ": 0.05, "ٍ": 0.1,
    "َ": 0.5, "ُ": 0.4, "ِ": 0.2, "ّ": 0.9, "ْ": 0.1,
    "،": 10.3, "«": 1.9, "»": 1.9, "\xa0": 0.7, "؟": 0.3, "؛": 0.3, "”": 0.24, "“": 0.19,
    "–": 0.09, "…": 0.01, "•": 0.03, "\u200f": 0.02, "\u200e": 0.02,
}  # fmt: skip
_RARE_PER_MILLE = 0.01  # any other printable character (Latin-1 letters, signs, Persian letters)


def _char_log_p(char: str) -> float:
    if len(char) != 1 or "\x80" <= char <= "\x9f":
        return -math.inf  # undefined in the code page, or a C1 control: not text
    return math.log(_ARABIC_PER_MILLE.get(char, _RARE_PER_MILLE) / 1000)


def _byte_log_p(codec: str) -> tuple[float, ...]:
    """Log-probability of the character each high byte (0x80-0xFF) means in `codec`."""
    return tuple(_char_log_p(bytes([b]).decode(codec, errors="ignore")) for b in range(0x80, 0x100))


_BYTE_LOG_P = {codec: _byte_log_p(codec) for codec in SINGLE_BYTE_CODEPAGES}
_MIN_MARGIN_NATS = 10.0  # the chosen reading is e^10 (~22,000) times likelier than the other

_ARABIC_LETTER = "\u0621-\u064a"
_LATIN_LETTER = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"
_LATIN_ANY = re.compile(f"[{_LATIN_LETTER}]")
# Latin letters between two Arabic letters: the two scripts never share a word in real text.
_MIXED_SCRIPT = re.compile(f"[{_ARABIC_LETTER}][{_LATIN_LETTER}]+(?=[{_ARABIC_LETTER}])")
_MAX_MIXED = 2


def _all_bytes_but(keep: bytes) -> bytes:
    """The `delete` argument of `bytes.translate` that leaves only the bytes in `keep`."""
    return bytes(b for b in range(256) if b not in keep)


def _bytes_meaning(codec: str, chars: re.Pattern[str]) -> bytes:
    """The bytes whose character in `codec` matches `chars`."""
    return bytes(b for b in range(256) if chars.fullmatch(bytes([b]).decode(codec, errors="ignore") or "x"))


# Per code page: the bytes that read as C1 controls (not text), and as Latin-1 letters. Found
# with `bytes.translate` (GB/s) so that the regular expressions run only when they can match.
_C1_BYTES = {c: _all_bytes_but(_bytes_meaning(c, re.compile("[\x80-\x9f]"))) for c in SINGLE_BYTE_CODEPAGES}
_LATIN_BYTES = {c: _all_bytes_but(_bytes_meaning(c, _LATIN_ANY)) for c in SINGLE_BYTE_CODEPAGES}
# C0 controls other than \t \n \v \f \r, and DEL: binary files are full of them; text holds
# at most a few strays.
_CONTROL_BYTES = _all_bytes_but(bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F]))
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def _reading(data: bytes, codec: str) -> str | None:
    """`data` read in the code page `codec`, or None when that reading is not text."""
    if data.translate(None, _C1_BYTES[codec]):
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None  # a byte the code page leaves undefined
    if data.translate(None, _LATIN_BYTES[codec]) and len(_MIXED_SCRIPT.findall(text)) > _MAX_MIXED:
        return None
    return text


def _log_likelihood(data: bytes, codec: str) -> float:
    """Log-likelihood of the high bytes of `data` read in `codec` (ASCII reads alike in both)."""
    table = _BYTE_LOG_P[codec]
    return sum(n * table[b - 0x80] for b in range(0x80, 0x100) if (n := data.count(b)))


def _first_invalid_utf8(data: bytes) -> tuple[int, str]:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start, f"byte 0x{data[exc.start]:02X} at offset {exc.start}"
    return -1, "no invalid byte"


def _corrupt_utf8_reason(data: bytes) -> str | None:
    """A reason when `data` is UTF-8 with a few bad bytes, not text in another encoding.

    Single-byte Arabic text forms valid UTF-8 multi-byte sequences only by accident, so when
    nine in ten non-ASCII sequences around the first invalid byte are valid UTF-8, a code page
    reading would be mojibake.
    """
    offset, where = _first_invalid_utf8(data)
    text = data[max(0, offset - 1024) : offset + 1024].decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    if good < 9 * bad:
        return None
    return f"undecodable: not valid UTF-8 ({where}, in otherwise UTF-8 text: truncated or corrupted)"


def _same_without_letters(readings: dict[str, str]) -> bool:
    """Both code pages read the same text, with no letter outside ASCII: nothing to choose.

    With Arabic letters, identical readings (only hamza to dad, where the two agree) are still
    too little evidence that the text is Arabic at all, so that case goes to the scorer.
    """
    texts = set(readings.values())
    return len(texts) == 1 and not any(ch.isalpha() for ch in set(texts.pop()) if ch > "\x7f")


def _single_byte(data: bytes) -> tuple[str, str]:
    """Windows-1256 or ISO-8859-6, whichever reading is likelier as Arabic text, if decisively.

    ISO-8859-6 leaves 0xA1-0xAB, 0xAE-0xBA, 0xDB-0xDF and 0xF3-0xFF undefined and puts C1
    controls at 0x80-0x9F, so real Windows-1256 text (feh, qaf, kaf at 0xDD-0xDF, curly
    quotes at 0x93/0x94) almost never reads as ISO-8859-6. Conversely Windows-1256 puts
    French letters (à ç è é ê ë î ï ô ù û ü) where ISO-8859-6 has heh, waw, alef maksura and
    yeh, so ISO-8859-6 text read as Windows-1256 mixes Latin letters into Arabic words. When
    both readings are clean, the log-likelihood of each under Arabic letter frequencies
    decides, and only with a margin of `_MIN_MARGIN_NATS`: short inputs stay undecided.
    """
    readings = {codec: text for codec in SINGLE_BYTE_CODEPAGES if (text := _reading(data, codec)) is not None}
    not_utf8 = f"undecodable: not valid UTF-8 ({_first_invalid_utf8(data)[1]})"
    if not readings:
        raise UndecodableError(
            f"{not_utf8}, and neither Windows-1256 nor ISO-8859-6 reads it as text "
            f"(Latin letters inside Arabic words, or control characters); {_DECLARE}"
        )
    if len(readings) == 1 or _same_without_letters(readings):
        codec = next(iter(readings))
        return readings[codec], codec
    scores = {codec: _log_likelihood(data, codec) for codec in readings}
    (best, best_score), (_, other_score) = sorted(scores.items(), key=lambda kv: -kv[1])
    margin = best_score - other_score
    if margin < _MIN_MARGIN_NATS:
        raise UndecodableError(
            f"{not_utf8}, and too little text to tell Windows-1256 from ISO-8859-6 "
            f"(log-likelihood margin {margin:.1f} < {_MIN_MARGIN_NATS:.0f}); {_DECLARE}"
        )
    return readings[best], best


# --- binary content --------------------------------------------------------------------

# Signatures ("magic numbers") of binary formats, at the start of the data. Each holds a byte
# no text holds (a control, or bytes invalid in UTF-8 and meaningless in the code pages) or
# is long and specific enough ("%PDF-", "GIF89a") never to open a news article.
_SIGNATURES: tuple[tuple[str, bytes], ...] = (
    ("PDF document", rb"%PDF-"),
    ("ZIP archive (also DOCX, XLSX, ODT, EPUB)", rb"PK(?:\x03\x04|\x05\x06|\x07\x08)"),
    ("OLE2 file (DOC, XLS, PPT, MSG)", rb"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    ("PNG image", rb"\x89PNG\r\n\x1a\n"),
    ("JPEG image", rb"\xff\xd8\xff"),
    ("GIF image", rb"GIF8[79]a"),
    ("TIFF image", rb"II\*\x00|MM\x00\*"),
    ("BMP image", rb"BM[\s\S]{4}\x00\x00\x00\x00"),
    ("icon", rb"\x00\x00[\x01\x02]\x00"),
    ("RIFF media (WAV, AVI, WebP)", rb"RIFF[\s\S]{4}(?:WAVE|AVI |WEBP)"),
    ("MP4/QuickTime media", rb"[\s\S]{4}ftyp"),
    ("Matroska/WebM media", rb"\x1a\x45\xdf\xa3"),
    ("Ogg media", rb"OggS\x00"),
    ("MP3 audio", rb"ID3[\x02-\x04]\x00"),
    ("gzip archive", rb"\x1f\x8b"),
    ("bzip2 archive", rb"BZh[1-9]1AY&SY"),
    ("xz archive", rb"\xfd7zXZ\x00"),
    ("zstd archive", rb"\x28\xb5\x2f\xfd"),
    ("7-Zip archive", rb"7z\xbc\xaf\x27\x1c"),
    ("RAR archive", rb"Rar!\x1a\x07"),
    ("ELF executable", rb"\x7fELF"),
    ("Windows/DOS executable", rb"MZ[\s\S]{3}\x00"),
    (
        "Mach-O or Java class file",
        rb"\xca\xfe\xba\xbe|[\xce\xcf]\xfa\xed\xfe|\xfe\xed\xfa[\xce\xcf]",
    ),
    ("WebAssembly module", rb"\x00asm"),
    ("SQLite database", rb"SQLite format 3\x00"),
    ("font file", rb"\x00\x01\x00\x00\x00|wOF[F2]\x00"),
)
_SIGNATURE = re.compile(b"|".join(b"(%s)" % pattern for _, pattern in _SIGNATURES))

# Control characters making up this share of the text mean binary data: random or compressed
# bytes hold about 11%, executables far more; real text with stray controls (a SUB for each
# lost line break in a few SaudiNewsNet articles) stays near 1%.
MAX_CONTROL_SHARE = 0.05
# The share is taken over at least this many characters: a stray control in a one-line text
# is not 5% of it.
_CONTROL_SHARE_MIN_LENGTH = 64
# `bytes.translate` deletion of everything but the printable bytes: what is left of data made of
# controls and whitespace only is empty.
_NON_PRINTABLE_BYTES = _all_bytes_but(bytes(b for b in range(0x21, 0x100) if b != 0x7F))


def signature_reason(data: bytes) -> str | None:
    """The quarantine reason when `data` starts with the signature of a binary format."""
    found = _SIGNATURE.match(data)
    if found is None:
        return None
    name = _SIGNATURES[found.lastindex - 1][0]
    return f"binary content ({name} signature), not text"


def _controls_reason(controls: int, length: str, share: float, only_controls: bool, first: str) -> str | None:
    """The quarantine reason when `controls` control characters (`share` of the text, measured
    over at least `_CONTROL_SHARE_MIN_LENGTH`) mean binary data, else None."""
    if only_controls:
        return f"binary content (only control characters and spaces, {first}), not text"
    if share < MAX_CONTROL_SHARE:
        return None
    return f"binary content ({controls} control characters in {length}, {share:.0%}; {first}), not text"


def _share(controls: int, length: int) -> float:
    return controls / max(length, _CONTROL_SHARE_MIN_LENGTH)


def binary_reason(data: bytes) -> str | None:
    """Why `data` (in an ASCII-compatible encoding: UTF-8, a code page) is binary, or None.

    A known signature, or control bytes above `MAX_CONTROL_SHARE`; counted on the bytes, at
    memory speed (UTF-8 multi-byte sequences hold no byte below 0x80).
    """
    reason = signature_reason(data)
    if reason:
        return reason
    controls = data.translate(None, _CONTROL_BYTES)
    if not controls:
        return None
    first = f"the first 0x{controls[0]:02X} at offset {data.index(controls[:1])}"
    only = not data.translate(None, _NON_PRINTABLE_BYTES)
    return _controls_reason(
        len(controls), f"{len(data)} bytes", _share(len(controls), len(data)), only, first
    )


# --- decoding --------------------------------------------------------------------------


def _check_text(text: str, encoding: str) -> str:
    """Drop trailing padding; refuse text that is binary data read as `encoding`."""
    text = text.rstrip(_PADDING)
    controls = _CONTROL.findall(text)
    if controls:
        found = _CONTROL.search(text)
        assert found is not None
        first = f"the first U+{ord(found.group()):04X} at character {found.start()}, read as {encoding}"
        only = not _CONTROL.sub("", text).strip()
        share = _share(len(controls), len(text))
        reason = _controls_reason(len(controls), f"{len(text)} characters", share, only, first)
        if reason:
            raise UndecodableError(reason)
    return text


def detect_and_decode(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding; returns (text, the Python codec name that was used).

    `data.decode(name)` gives the text back, apart from trailing NUL/SUB padding: "utf-8-sig",
    "utf-16" and "utf-32" mean with a BOM (dropped from the text); "utf-16-le"/"utf-16-be"
    without; "utf-8", "cp1256" (Windows-1256), "iso8859-6".
    """
    reason = signature_reason(data)
    if reason:
        raise UndecodableError(reason)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(codec), codec), codec
            except UnicodeDecodeError as exc:
                raise UndecodableError(f"undecodable: {codec} BOM but invalid bytes ({exc})") from exc
    head = data[:_UTF16_SAMPLE]
    if b"\x00" in head.rstrip(b"\x00") or b"\x06" in head:  # never in UTF-8 or code-page text
        order = utf16_byte_order(data)
        if order:
            try:
                return _check_text(data.decode(order), order), order
            except UnicodeDecodeError as exc:
                raise UndecodableError(
                    f"undecodable: UTF-16 byte pattern ({order}) but invalid ({exc})"
                ) from exc
    data = data.rstrip(_PADDING.encode())
    reason = binary_reason(data)
    if reason:
        raise UndecodableError(reason)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        corrupt = _corrupt_utf8_reason(data)
        if corrupt:
            raise UndecodableError(corrupt) from None
        text, codec = _single_byte(data)
    else:
        codec = "utf-8"
    return text, codec


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used): the declared encoding, strictly, else `detect_and_decode`."""
    if not encoding:
        return detect_and_decode(data)
    reason = signature_reason(data)
    if reason:
        raise UndecodableError(reason)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UndecodableError(f"undecodable: not valid {encoding} ({exc})") from exc
    return _check_text(text, encoding), encoding


def decode_bytes(data: bytes, encoding: str | None = None) -> str:
    """Decode with the declared encoding, else by detection (see `detect_and_decode`).

    Never substitutes U+FFFD: bytes that do not decode raise `UndecodableError`.
    """
    return decode_text(data, encoding)[0]


# --- mojibake --------------------------------------------------------------------------

# What UTF-8 continuation bytes (0x80-0xBF) become when read as Windows-1252 or Latin-1.
_CONT_1252 = "".join(sorted(set(bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")) - {"\xa0"}))
_CONT_C1 = "\x80-\x9f"
# UTF-8 Arabic (lead bytes 0xD8-0xDB) read as Windows-1252/Latin-1: "Ø§Ù„" for "ال".
_UTF8_ARABIC_AS_LATIN = re.compile(f"[ØÙÚÛ][{re.escape(_CONT_1252)}{_CONT_C1}]")
# Other UTF-8 read as Windows-1252/Latin-1: "Ã©" for "é", "â€™" for "’", "Â " for NBSP.
_UTF8_AS_LATIN = re.compile(f"[ÂÃâ][{re.escape(_CONT_1252)}{_CONT_C1}\xa0]")
# UTF-8 Arabic read as Windows-1256: lead bytes 0xD8-0xDB become ط ظ ع غ, continuation bytes
# signs like § „ … † ¨ © ± (Arabic punctuation and spaces excluded: they follow letters).
_CONT_1256 = "".join(
    sorted(set(bytes(range(0x80, 0xC0)).decode("cp1256")) - set("،؛؟«»…“”‘’–—•\xa0\u200c\u200d\u200e\u200f"))
)
_UTF8_ARABIC_AS_1256 = re.compile(f"[طظعغ][{re.escape(_CONT_1256)}]")
# Windows-1256 Arabic read as Latin-1/Windows-1252: "ÇáÎÈÑ" for "الخبر"; no language writes
# four Latin-1 letters in a row.
_CP1256_AS_LATIN = re.compile(f"[{_LATIN_LETTER}]{{4,}}")
_NON_LETTERS = re.compile(r"[\W\d_]+")

_MIN_HITS = 3


def _replaced_by_question_marks(text: str) -> str | None:
    """Letters turned into "?" by an upstream conversion through a code page without them.

    Flagged when the "?" outnumber the letters left: stray "?" for lost invisible characters
    around words (a few percent of some corpus files) stay below that; an article whose
    letters were converted away is far above it.
    """
    marks = text.count("?")
    if marks < 10:
        return None
    letters = len(_NON_LETTERS.sub("", text))
    if marks < letters:
        return None
    return (
        f"lossy text: {marks} characters replaced by '?' upstream, {letters} letters left "
        "(the text went through a code page without its script)"
    )


def looks_like_mojibake(text: str) -> str | None:
    """The reason `text` is mojibake or lossily decoded upstream, or None when it looks sound.

    Each pattern needs `_MIN_HITS` occurrences: a lone odd pair can be real typography, three
    are a misreading.
    """
    replaced = text.count("\ufffd")
    if replaced:
        return f"mojibake: {replaced} U+FFFD replacement character(s) (decoded lossily upstream)"
    checks = [(_UTF8_ARABIC_AS_1256, "UTF-8 Arabic read as Windows-1256")]
    if _LATIN_ANY.search(text):  # every other pattern starts with or holds a Latin-1 letter
        checks += [
            (_UTF8_ARABIC_AS_LATIN, "UTF-8 Arabic read as Windows-1252/Latin-1"),
            (_UTF8_AS_LATIN, "UTF-8 read as Windows-1252/Latin-1"),
            (_CP1256_AS_LATIN, "Windows-1256 Arabic read as Windows-1252/Latin-1"),
            (_MIXED_SCRIPT, "Latin letters inside Arabic words (ISO-8859-6 read as Windows-1256?)"),
        ]
    for pattern, what in checks:
        hits = pattern.findall(text)
        if len(hits) >= _MIN_HITS:
            examples = ", ".join(repr(h) for h in dict.fromkeys(hits[:20]))
            return f"mojibake: {what} ({len(hits)} times, e.g. {examples[:80]})"
    return _replaced_by_question_marks(text)


# --- file names ------------------------------------------------------------------------


def decode_file_name(raw: bytes) -> str:
    """A file name's bytes as text, for origins and messages: UTF-8, else the Arabic code page
    that reads it as text (Windows-1256 first: old Windows archives name files in it; a name is
    too short for the scorer), else with each undecodable byte written as \\xNN. Never U+FFFD,
    never the lone surrogates Python uses for such names (Parquet cannot store them)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for codec in SINGLE_BYTE_CODEPAGES:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if not any("\x80" <= ch <= "\x9f" or ch < " " for ch in text):
            return text
    return raw.decode("ascii", errors="backslashreplace")
