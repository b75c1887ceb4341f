"""Who signs a document the committee sends: the authority lines and the name typed under the
signature, chosen beside its download so the file comes out ready to sign (no retyping in Word).
The choices are the plan's own ([documents.report] and [documents.reminder] sign_as); the name
starts as the one the plan gives for the authority picked and stays as typed for the session."""
from __future__ import annotations

import streamlit as st

from dashboard import i18n
from pipelines.outputs import docform


def _label(lines: list[str]) -> str:
    """The signer's title first ("Phó Trưởng ban Thường trực (TM. Ban Chỉ đạo, KT. Trưởng ban)"): on a
    phone the box cuts the end of a long choice, and the title is what tells the choices apart."""
    return f"{lines[-1]} ({', '.join(lines[:-1])})" if len(lines) > 1 else lines[0]


def inputs(plan, form, key: str, lang: str) -> tuple[list[str], str]:
    """Two inputs side by side: the authority ("TM. Ban Chỉ đạo / Trưởng ban", or the deputy's) and
    the signer's name. `form`: the plan's form of this kind of document (its default signature).
    Returns (authority lines, name) for docform.signature."""
    choices = docform.authorities(plan.documents, plan.plan.committee)
    own = docform.signature(form, plan.plan.committee)[0]
    left, right = st.columns(2)
    pick = left.selectbox(i18n.t("sign_as", lang), range(len(choices)),
                          index=[lines for lines, _ in choices].index(own),
                          format_func=lambda i: _label(choices[i][0]), key=f"{key}_sign_as")
    lines, planned = choices[pick]
    # a name field per authority: the deputy's name never stays under the head's title
    name = right.text_input(i18n.t("signer_name", lang), value=planned, key=f"{key}_signer_{pick}", max_chars=80,
                            placeholder=i18n.t("signer_placeholder", lang), help=i18n.t("signer_help", lang))
    return lines, name
