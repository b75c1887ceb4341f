"""The dashboard's words, Vietnamese (default) and English, in gettext catalogs beside this file
(locale/vi/LC_MESSAGES/dashboard.po, locale/en/…): code names a message by its key, the catalogs
hold the text. `t(key, lang, **kw)` is pure (no Streamlit), so chart builders can use it; pages use
`filters.t`, which reads the language chosen in the session. Names that come from the plan (units,
elements, rates, tasks) are Vietnamese in both languages: the plan file has only Vietnamese names.
Numbers and dates are formatted the Vietnamese way in both languages (pipelines.outputs.fmt).
"""
from __future__ import annotations

from pathlib import Path

from pipelines.catalog import DEFAULT_LANG, Catalog

LANGS = {"vi": "Tiếng Việt", "en": "English"}   # each language named in its own words
CATALOG = Catalog(Path(__file__).resolve().parent / "locale", "dashboard")


def t(key: str, lang: str = DEFAULT_LANG, **kw) -> str:
    return CATALOG.text(key, "en" if lang == "en" else DEFAULT_LANG, **kw)


def _named(family: str, code: str, lang: str) -> str:
    """A code's name in a family of the catalog ("status.met" → "Đạt"); an unknown code shows as itself."""
    found = CATALOG.lookup(f"{family}.{code}", "en" if lang == "en" else DEFAULT_LANG)
    return code if found is None else found


def user_role_name(code: str, lang: str = DEFAULT_LANG) -> str:
    return _named("user_role", code, lang)


def audit_action_name(code: str, lang: str = DEFAULT_LANG) -> str:
    return _named("audit_action", code, lang)


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def quarter_name(q: int, lang: str = DEFAULT_LANG) -> str:
    return t("quarter_n", lang, roman=ROMAN.get(int(q), str(q)), n=int(q))


def quarter_in_sentence(q: int, lang: str = DEFAULT_LANG) -> str:
    """'quý III' inside a Vietnamese sentence (lower-case word, upper-case numeral); 'Q3' in English."""
    name = quarter_name(q, lang)
    return name[0].lower() + name[1:] if lang != "en" else name


def status_name(code: str, lang: str = DEFAULT_LANG) -> str:
    return _named("status", code, lang)


def compliance_name(code: str, lang: str = DEFAULT_LANG) -> str:
    return _named("compliance", code, lang)


def task_status_name(code: str, lang: str = DEFAULT_LANG) -> str:
    return _named("task_status", code, lang)


def role_name(code: str, lang: str = DEFAULT_LANG) -> str:
    return _named("task_role", code, lang)


def period_name(name: str, lang: str = DEFAULT_LANG) -> str:
    """The plan's period name (Vietnamese), translated when the catalog knows it."""
    return _named("period", name, lang) if lang == "en" else name


def period_label(name: str, year: int, whole_year: bool, lang: str = DEFAULT_LANG) -> str:
    """'9 tháng năm 2022', 'Quý II năm 2022', 'năm 2022' (the whole year)."""
    if whole_year:
        return t("period_label_whole", lang, year=year)
    return t("period_label", lang, name=period_name(name, lang), year=year)
