"""Bytes to text: explicit encodings, BOMs, and a clear reason when decoding is impossible."""

from __future__ import annotations

import codecs


class UndecodableError(ValueError):
    """Raw bytes that cannot be decoded; the message is the quarantine reason."""


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_bytes(data: bytes, encoding: str | None = None) -> str:
    """Decode with the declared encoding, else by BOM, else as strict UTF-8.

    Never substitutes U+FFFD: bytes that do not decode raise `UndecodableError`.
    """
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise UndecodableError(f"undecodable: not valid {encoding} ({exc})") from exc
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise UndecodableError(f"undecodable: {codec} BOM but invalid bytes ({exc})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UndecodableError(
            f"undecodable: not valid UTF-8 (byte 0x{data[exc.start]:02X} at offset {exc.start}); "
            "declare the encoding of this source in sources.yaml"
        ) from exc
