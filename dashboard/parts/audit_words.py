"""The audit log read by a person: the program's own actors named in words ("system" → "hệ thống")
and unit codes in details ("X_PHO_THUAN 2023 Q4") as the plan names them ("Xã Phổ Thuận, quý
IV/2023"). The stored rows keep what was written; only what is shown changes."""
from __future__ import annotations

import re

from dashboard import i18n

_REPORT = re.compile(r"\b([A-Z][A-Z0-9_]+) (\d{4}) Q([1-4])\b")


def actor_name(actor: str, lang: str = i18n.DEFAULT_LANG) -> str:
    """Accounts show as their names; the program's own actors (system, demo, cli) in words."""
    return i18n.actor_name(actor, lang)


def detail_in_words(detail: str, unit_names: dict[str, str], lang: str = i18n.DEFAULT_LANG) -> str:
    def report(m: re.Match) -> str:
        name = unit_names.get(m[1])
        if name is None:
            return m[0]
        return i18n.t("audit_unit_quarter", lang, unit=name, quarter=i18n.quarter_in_sentence(int(m[3]), lang),
                      year=m[2])
    text = _REPORT.sub(report, detail or "")
    if not unit_names:
        return text
    codes = re.compile(r"\b(" + "|".join(sorted(map(re.escape, unit_names), key=len, reverse=True)) + r")\b")
    return codes.sub(lambda m: unit_names[m[1]], text)
