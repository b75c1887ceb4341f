"""Gettext catalogs (`.po`, read with Babel) for the text people read: the dashboard's and the
command line's. Messages are looked up by key ("signin_title"), Vietnamese first, English second;
a key missing from the English catalog falls back to the Vietnamese text, a key missing from both
is a programming error (tests/test_catalogs.py checks that every key used in code has both).

The `.po` files are read directly (no compiled `.mo` to keep in step): they are small, and a
translator's edit shows at the next start. `make catalogs` extracts the keys used in code with
Babel into a `.pot` template and updates both catalogs from it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"


@lru_cache(maxsize=None)
def messages(locale_dir: str, domain: str, lang: str) -> dict[str, str]:
    """{key: text} of one catalog; entries with an empty translation are left out."""
    path = Path(locale_dir) / lang / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=domain)
    return {m.id: m.string for m in catalog if m.id and isinstance(m.id, str) and m.string}


class Catalog:
    """One domain's catalogs: `text(key, lang, **fields)` formats with str.format when fields are given."""

    def __init__(self, locale_dir: Path, domain: str):
        self.locale_dir, self.domain = str(locale_dir), domain

    def lookup(self, key: str, lang: str = DEFAULT_LANG) -> str | None:
        if lang != DEFAULT_LANG:
            found = messages(self.locale_dir, self.domain, lang).get(key)
            if found is not None:
                return found
        return messages(self.locale_dir, self.domain, DEFAULT_LANG).get(key)

    def text(self, key: str, lang: str = DEFAULT_LANG, **fields) -> str:
        found = self.lookup(key, lang)
        if found is None:
            raise KeyError(f"no message {key!r} in the {self.domain} catalog")
        return found.format(**fields) if fields else found

    def keys(self, lang: str = DEFAULT_LANG) -> set[str]:
        return set(messages(self.locale_dir, self.domain, lang))
