"""Per-site chrome profiles (YAML in akhbar/resources/profiles/): lines a site prints around
every article, matched by source name or by the host of the article's URL."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

PROFILES_DIR = Path(__file__).resolve().parent / "resources" / "profiles"


@dataclass(frozen=True)
class SiteProfile:
    name: str
    sources: frozenset[str] = frozenset()
    domains: tuple[str, ...] = ()
    drop_lines: tuple[re.Pattern[str], ...] = ()  # whole lines that are chrome
    terminal: tuple[re.Pattern[str], ...] = ()  # lines after which only chrome follows
    notes: dict[str, str] = field(default_factory=dict)

    def matches(self, source: str, url: str | None) -> bool:
        if source in self.sources:
            return True
        host = (urlsplit(url).hostname or "") if url else ""
        return any(host == d or host.endswith("." + d) for d in self.domains)


def _load(path: Path) -> SiteProfile:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(doc) - {"name", "sources", "domains", "drop_lines", "terminal"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    return SiteProfile(
        name=str(doc.get("name") or path.stem),
        sources=frozenset(doc.get("sources") or ()),
        domains=tuple(doc.get("domains") or ()),
        drop_lines=tuple(re.compile(p) for p in doc.get("drop_lines") or ()),
        terminal=tuple(re.compile(p) for p in doc.get("terminal") or ()),
    )


@cache
def load_profiles(directory: Path = PROFILES_DIR) -> tuple[SiteProfile, ...]:
    return tuple(_load(p) for p in sorted(directory.glob("*.yaml")))


def profile_for(source: str, url: str | None) -> SiteProfile | None:
    return next((p for p in load_profiles() if p.matches(source, url)), None)
