"""Sign-in for the dashboard: every page needs a signed-in account (committee data).

Three ways in, chosen by how the app is served and configured:

* **Lasting sign-in** (local accounts, served by dashboard/server.py — `make run`): the sign-in form
  is a plain HTML page served by the server (dashboard/web/signin.py), whose POST sets an HttpOnly session
  cookie. This page never signs anyone in itself: on every run it reads the cookie through
  `st.context.cookies` and asks the store (`sessions.check`) whose live session it is, with the
  role as stored now. Signing out here ends every session of the account, so another tab is signed
  out at its next click.
* **In-tab sign-in** (local accounts, the page served bare: AppTest, `streamlit run dashboard/app.py`):
  a Streamlit form checked by `users.authenticate`; the user lives in `st.session_state` and is
  re-read from the store on every rerun.
* **OpenID Connect**, when `.streamlit/secrets.toml` has an `[auth]` section: `st.login()` signs the
  person in at the provider; the e-mail it returns is mapped to an existing account (see
  `account_names_for_email`) for the role. Unknown e-mails are refused politely.

Hiding pages is only a courtesy — every change of data goes through `pipelines.accounts.users.*_as`,
which checks the role in the store again.
"""
from __future__ import annotations

import streamlit as st

import html
from urllib.parse import quote, urlencode

from pipelines.accounts import sessions, users
from pipelines.accounts.users import User
from pipelines.store import Store

from dashboard import i18n
from dashboard.state import data
from dashboard.web import config

USER_KEY = "_signed_in_user"
OIDC_SEEN_KEY = "_oidc_signed_in_as"
REFUSED_KEY = "_oidc_refused_logged"
# Session keys kept across a sign-out: the filters (they are in the URL anyway) and the language.
KEEP_ON_SIGN_OUT = ("f_lang", "f_year", "f_period", "f_units", "_filters_from_url_done", "_lang_shown")


def _t(key: str, **kw) -> str:
    return i18n.t(key, st.session_state.get("f_lang") or i18n.DEFAULT_LANG, **kw)


# -- configuration ---------------------------------------------------------------------------------
def oidc_configured() -> bool:
    """True when the secrets hold an [auth] section (then st.login is the way in)."""
    try:
        return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets
    except Exception:  # an unreadable secrets file: fall back to local accounts, never crash the gate
        return False


def _email_domains() -> list[str]:
    try:
        accounts = st.secrets.get("accounts", {}) if st.secrets.load_if_toml_exists() else {}
        return [str(d).strip().lower().lstrip("@") for d in accounts.get("email_domains", [])]
    except Exception:
        return []


def account_names_for_email(email: str, domains: list[str]) -> list[str]:
    """The account names an e-mail may sign in as, most specific first: the whole e-mail lower-cased;
    and its part before '@' when the domain is one of `[accounts] email_domains` in the secrets (so
    `chi_huy@ducpho.gov.vn` signs in as `chi_huy` only for the committee's own domain)."""
    email = (email or "").strip().lower()
    if "@" not in email:
        return []
    local, _, domain = email.rpartition("@")
    names = [email]
    if local and domain in domains:
        names.append(local)
    return names


# -- the signed-in user -------------------------------------------------------------------------------
def user() -> User | None:
    """The user signed in for this session (already checked against the store in this rerun)."""
    return st.session_state.get(USER_KEY)


def _audit(store: Store, actor: str, action: str, detail: str = "") -> None:
    users.record_event(store, actor, action, detail)


def _refresh(store: Store) -> User | None:
    """The session's user as the store has it now; signs out an account removed meanwhile."""
    current = st.session_state.get(USER_KEY)
    if current is None:
        return None
    stored = data.account(store, current.name)
    if stored is None:
        st.session_state.pop(USER_KEY, None)
        return None
    if stored != current:
        st.session_state[USER_KEY] = stored
    return stored


def gate(store: Store) -> User | None:
    """The signed-in user, or None after drawing the sign-in screen (the caller then stops)."""
    if oidc_configured():
        return _oidc_gate(store)
    if config.SERVED:
        return _cookie_gate(store)
    signed_in = _refresh(store)
    if signed_in is not None:
        return signed_in
    _password_form(store)
    return None


def _heading() -> None:
    st.title(_t("app_title"), anchor=False)
    st.caption(_t("app_subtitle"))


def _password_form(store: Store) -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        _heading()
        st.subheader(_t("signin_title"), anchor=False)
        with st.form("sign_in", enter_to_submit=True):
            name = st.text_input(_t("signin_name"), key="signin_name", autocomplete="username")
            password = st.text_input(_t("signin_password"), type="password", key="signin_password",
                                     autocomplete="current-password")
            submitted = st.form_submit_button(_t("signin_button"), type="primary", icon=":material/login:")
        if submitted:
            client = st.context.ip_address
            client = client if isinstance(client, str) else ""  # (AppTest has no client)
            found = users.authenticate(store, name, password, client) if name.strip() else None
            if found is None:  # one message for every failure: it tells nobody which names exist
                st.error(_t("signin_failed"), icon=":material/error:")
            else:
                st.session_state[USER_KEY] = found
                st.rerun()
        if data.account_count(store) == 0:
            st.info(_t("signin_no_accounts"), icon=":material/person_add:")
        else:
            st.caption(_t("signin_help"))


# -- lasting sign-in (served by dashboard/server.py) ------------------------------------------------------
def _token() -> str | None:
    return config.session_token(st.context.cookies)


def _cookie_gate(store: Store) -> User | None:
    """The account of this browser's live session, checked in the store on this run; else the
    signed-out screen with a link to the sign-in form that comes back to this address."""
    found = sessions.check(store, _token())
    if found is None:
        st.session_state.pop(USER_KEY, None)
        _signed_out_screen()
        return None
    signed_in = User(*found)
    st.session_state[USER_KEY] = signed_in
    return signed_in


def asked_page() -> str:
    """The url path of the page this run was asked for ('' for the overview): from the address on
    a first load, from the clicked menu entry afterwards."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        pm = get_script_run_ctx().pages_manager
        if pm.intended_page_name:
            return str(pm.intended_page_name).strip("/")
        wanted = pm.intended_page_script_hash
        if wanted:
            info = pm.get_pages().get(wanted) or {}
            return str(info.get("url_pathname") or "").strip("/")
    except Exception:  # no run context (AppTest edge cases): the overview
        pass
    return ""


def current_address() -> str:
    """This page's path and query (for coming back after signing in)."""
    query = urlencode(st.query_params.to_dict())
    return "/" + asked_page() + ("?" + query if query else "")


def _signed_out_screen() -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        _heading()
        st.subheader(_t("signed_out_title"), anchor=False)
        st.caption(_t("signed_out_help"))
        target = f"{config.SIGN_IN_PATH}?next={quote(config.safe_next(current_address()), safe='')}"
        # A plain link in this tab (st.link_button would open a new one).
        st.html(f'<a href="{html.escape(target)}" style="display:inline-block;padding:.5rem 1.2rem;'
                f'background:#0072B2;color:#fff;border-radius:.5rem;text-decoration:none;font-weight:600">'
                f'{html.escape(_t("signin_again"))}</a>')


def _oidc_gate(store: Store) -> User | None:
    if not st.user.is_logged_in:
        st.session_state.pop(USER_KEY, None)
        _, middle, _ = st.columns([1, 2, 1])
        with middle:
            _heading()
            st.subheader(_t("signin_title"), anchor=False)
            st.button(_t("signin_oidc_button"), type="primary", icon=":material/login:", on_click=st.login,
                      key="oidc_login")
        return None
    email = str(st.user.get("email") or "").strip().lower()
    found = None
    for name in account_names_for_email(email, _email_domains()):
        found = data.account(store, name)
        if found is not None:
            break
    if found is None:
        st.session_state.pop(USER_KEY, None)
        if st.session_state.get(REFUSED_KEY) != email:
            _audit(store, email[:64] or "?", "sign_in_failed", i18n.t("audit_oidc_not_allowed"))
            st.session_state[REFUSED_KEY] = email
        _, middle, _ = st.columns([1, 2, 1])
        with middle:
            _heading()
            st.warning(_t("signin_oidc_unknown", email=email or "?"), icon=":material/person_off:")
            st.button(_t("signout"), on_click=st.logout, key="oidc_logout")
        return None
    if st.session_state.get(OIDC_SEEN_KEY) != found.name:
        _audit(store, found.name, "sign_in", f"{found.role} (OpenID Connect: {email})")
        st.session_state[OIDC_SEEN_KEY] = found.name
    st.session_state[USER_KEY] = found
    return found


def sign_out(store: Store) -> None:
    """Forget the session (uploads in preview, forms) but keep the filters; note it in the audit log."""
    signed_in = st.session_state.get(USER_KEY)
    if signed_in is not None:
        _audit(store, signed_in.name, "sign_out")
        if config.SERVED and not oidc_configured():  # every browser of this account signs in again
            sessions.end_all(store, signed_in.name, actor=signed_in.name, reason=i18n.t("audit_sign_out_reason"))
    for key in list(st.session_state.keys()):
        if key not in KEEP_ON_SIGN_OUT:
            del st.session_state[key]
    if oidc_configured():
        st.logout()


def sidebar_user(store: Store) -> None:
    """Who is signed in, and the sign-out button (bottom of the sidebar)."""
    signed_in = user()
    if signed_in is None:
        return
    sb = st.sidebar
    sb.divider()
    sb.markdown(_t("signed_in_as", name=signed_in.name, role=role_name(signed_in.role)))
    sb.button(_t("signout"), icon=":material/logout:", key="sign_out", on_click=sign_out, args=(store,))


def role_name(role: str) -> str:
    lang = st.session_state.get("f_lang") or i18n.DEFAULT_LANG
    return i18n.user_role_name(role, lang)


def require_role(role: str) -> User:
    """For a page: the signed-in user with `role` or higher, else say so and stop the page.
    (The navigation never offers such a page; this guards a stale session or a direct call.)"""
    signed_in = user()
    if signed_in is None or not signed_in.can(role):
        st.error(_t("no_permission", role=role_name(role)), icon=":material/block:")
        st.stop()
    return signed_in


# -- exports -------------------------------------------------------------------------------------------
def audited(store: Store, what: str, build):
    """The `data` of a download button: a callable that builds the file only when it is asked for
    and notes it in the audit log first (who downloaded what), whatever fetches it. It refuses (no
    file) when the account may no longer export."""
    who = user()

    def build_and_note():
        users.record_export(store, who, what)
        return build()
    return build_and_note
