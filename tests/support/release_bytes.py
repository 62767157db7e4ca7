"""A release's files as bytes, for builds that must agree byte for byte."""

from __future__ import annotations

import json
from pathlib import Path


def release_bytes(folder: Path) -> dict[str, bytes]:
    """Every file of a release, its code fingerprint masked: the fingerprint hashes akhbar/'s
    sources, which a concurrent edit of the work tree may change between two builds."""
    fingerprint = json.loads((folder / "manifest.json").read_text())["code_fingerprint"].encode()
    return {
        p.relative_to(folder).as_posix(): p.read_bytes().replace(fingerprint, b"<code fingerprint>")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
