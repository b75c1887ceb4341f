"""Text folding for matching what people type against what the plan says.

Units retype headers: `SỐ LIỆU`, `So lieu`, `so_lieu`, NFD-decomposed text from a Mac, old tone
placement (`Hoà` for `Hòa`, `Qúy` for `Quý`). Folding removes every diacritic, so all of these meet.
Stored text is kept as typed (NFC); folding is for comparison only.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SEPARATORS = re.compile(r"[\s_\-–—.:]+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def one_line(text: object) -> str:
    """What a person typed, made fit for one line of a document: NFC, control characters (a DOS
    end-of-file mark, a tab, a bell: a Word file cannot hold some of them) as spaces, runs of spaces
    as one, no spaces at either end."""
    s = "" if text is None else nfc(str(text))
    return " ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in s).split())


def fold(text: object) -> str:
    """Lower-case, diacritic-free, single-spaced form of a label, sheet name or status."""
    if text is None:
        return ""
    return _fold(str(text))


@lru_cache(maxsize=65536)  # the same labels and names recur in every workbook
def _fold(text: str) -> str:
    s = unicodedata.normalize("NFD", text)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("đ", "d").replace("Đ", "D").lower()
    return _SEPARATORS.sub(" ", s).strip()


def norm_code(text: object) -> str:
    """A code as typed in its canonical form: ` tt_buoi `, `TT BUOI`, `TT-BUOI` and `TT_BUỔI` are
    all `TT_BUOI` (case, spaces, hyphens and stray diacritics ignored)."""
    if text is None:
        return ""
    return fold(text).replace(" ", "_").upper()


# Characters that markdown, HTML or a shell would read as syntax: never kept in a stored file name.
# Parentheses stay: mail clients name a second copy "BC_CA_2022_Q1 (1).xlsx", and without brackets
# no markdown link or image can form (every display escapes the name as well).
_NAME_SYNTAX = re.compile(r"[\[\]<>!*`|{}#~$^\\\"';:&=?%@]")


def safe_file_name(name: object, limit: int = 120) -> str:
    """A received file's name as it is stored and shown: the last path part only (either slash),
    NFC, no control or format characters, no markdown/HTML syntax, single spaces, at most `limit`
    characters with the extension kept: `![x](http://h/p.png) [Bấm](https:evil.example).xlsx` is
    stored as `p.png) Bấm (https evil.example).xlsx`; an empty result becomes `tep.bin`."""
    s = nfc(str(name or ""))
    s = re.split(r"[/\\]", s)[-1]
    s = "".join(" " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in s)
    s = _NAME_SYNTAX.sub(" ", s)
    s = re.sub(r"\s+", " ", s).strip(" .")
    stem, dot, ext = s.rpartition(".")
    if not dot or not stem or len(ext) > 8:
        stem, ext = s, ""
    stem = stem[: max(1, limit - len(ext) - 1)].rstrip(" .")
    return (f"{stem}.{ext}" if ext else stem) or "tep.bin"
