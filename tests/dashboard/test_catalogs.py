"""The dashboard's words live in gettext catalogs (dashboard/i18n/locale/{vi,en}/LC_MESSAGES/
dashboard.po): every message has a Vietnamese and an English text with the same fields, and every
key the code names (found by Babel's extractor, as `make catalogs` finds them) is in the catalogs."""
from __future__ import annotations

import re
import string
from pathlib import Path

from babel.messages.extract import extract_from_dir

from dashboard import i18n
from pipelines.catalog import messages

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "dashboard" / "i18n" / "locale"
KEYWORDS = {"t": None, "_t": None}          # t("key", …), filters.t("key", …), i18n.t("key", …)
# Keys whose languages may use different fields of those the code passes: "Quý {roman}" / "Q{n}".
DIFFERENT_FIELDS = {"quarter_n", "needed"}


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_every_message_has_both_languages_with_the_same_fields():
    vi = messages(str(LOCALE), "dashboard", "vi")
    en = messages(str(LOCALE), "dashboard", "en")
    assert len(vi) > 400
    assert set(vi) == set(en), f"only vi: {sorted(set(vi) - set(en))}; only en: {sorted(set(en) - set(vi))}"
    for key in vi:
        assert vi[key].strip() and en[key].strip(), key
        if key not in DIFFERENT_FIELDS:
            assert _fields(vi[key]) == _fields(en[key]), f"{key}: {vi[key]!r} / {en[key]!r}"


def test_every_key_named_in_code_is_in_the_catalog():
    known = messages(str(LOCALE), "dashboard", "vi")
    used = {msg for _, _, msg, _, _ in extract_from_dir(str(ROOT / "dashboard"), keywords=KEYWORDS,
                                                          comment_tags=(), strip_comment_tags=True)
            if isinstance(msg, str)}
    assert len(used) > 300
    missing = sorted(k for k in used if k not in known and "{" not in k)
    assert not missing, missing


def test_no_language_switch_in_page_code():
    """Text chosen with `if lang == "vi"` in code is text outside the catalogs."""
    offenders = []
    for path in (ROOT / "dashboard").rglob("*.py"):
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r'"[^"]*\s[^"]*"\s+if\s+lang\s*[!=]=\s*"(vi|en)"', line):
                offenders.append(f"{path.relative_to(ROOT)}:{no}")
    assert not offenders, offenders


def test_names_of_codes_come_from_the_catalog():
    assert i18n.user_role_name("viewer") == "Người xem" and i18n.user_role_name("admin", "en") == "Administrator"
    assert i18n.status_name("not_met") == "Chưa đạt" and i18n.status_name("not_met", "en") == "Not met"
    assert i18n.audit_action_name("sign_in") == "Đăng nhập"
    assert i18n.period_name("6 tháng", "en") == "First half" and i18n.period_name("6 tháng") == "6 tháng"
    assert i18n.status_name("something_new") == "something_new"   # an unknown code shows as itself
