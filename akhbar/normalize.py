"""Arabic text normalization.

`clean_text` is display-preserving and gives the stored text; `search_key` is lossy folding
for matching and deduplication, never stored as the text itself.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible format characters: zero-width, bidi embeddings/isolates, Arabic letter mark,
# BOM, soft hyphen. They carry no text and break matching.
_INVISIBLE = dict.fromkeys(
    [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x061C, 0xFEFF, 0x00AD]
)
_TATWEEL = {0x0640: None}
# Persian / Urdu letter variants found in Arabic news to their Arabic letters.
_LETTER_VARIANTS = str.maketrans({"ی": "ي", "ک": "ك", "ہ": "ه", "ە": "ه", "ھ": "ه", "ۀ": "ة", "ے": "ي"})
_CLEAN_TABLE = {**_INVISIBLE, **_TATWEEL, **_LETTER_VARIANTS}

_EXOTIC_SPACES = re.compile(r"[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000\t\f\v]+")
_SPACE_RUNS = re.compile(r" {2,}")
_PRESENTATION_FORMS = re.compile(r"[\uFB50-\uFDFF\uFE70-\uFEFF]+")


def _fold_presentation_forms(match: re.Match[str]) -> str:
    # NFKC gives a Persian yeh inside U+FDFC (rial sign); map it to the Arabic word first.
    return unicodedata.normalize("NFKC", match.group(0).replace("\ufdfc", "ريال"))


def clean_text(text: str) -> str:
    """Display-preserving cleanup; diacritics, punctuation and digits are kept.

    Line breaks are unified to "\\n"; spaces inside a line are unified and collapsed;
    leading and trailing spaces of each line are kept (layout hints for later stages).
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = _PRESENTATION_FORMS.sub(_fold_presentation_forms, text)
    text = unicodedata.normalize("NFC", text).translate(_CLEAN_TABLE)
    text = _EXOTIC_SPACES.sub(" ", text)
    return _SPACE_RUNS.sub(" ", text)


_DIACRITICS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u08D3-\u08FF]")
_SEARCH_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "،": ",",
        "؛": ";",
        "؟": "?",
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
    }
)


def search_key(text: str) -> str:
    """Lossy key: clean_text, then diacritics dropped and letter/digit/punctuation variants folded."""
    return " ".join(_DIACRITICS.sub("", clean_text(text)).translate(_SEARCH_FOLD).split())


# Lookahead: only characters that are letters count (the block also holds signs and marks).
_ARABIC_LETTER = re.compile(r"(?=[^\W\d_])[\u0620-\u064A\u066E-\u06D3\u06FA-\u06FF]")
_ANY_LETTER = re.compile(r"[^\W\d_]")


def arabic_ratio(text: str | None) -> float:
    """Share of letters that are Arabic-script letters (0.0 for text without letters)."""
    if not text:
        return 0.0
    letters = len(_ANY_LETTER.findall(text))
    return len(_ARABIC_LETTER.findall(text)) / letters if letters else 0.0
