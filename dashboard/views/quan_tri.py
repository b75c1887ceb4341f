"""Quản trị (admins): accounts (list, add, reset password, remove) and the audit log.

Every change goes through pipelines.accounts.users.*_as, which checks the admin role in the store.
"""
import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import auth, data, i18n, ui
from pipelines.accounts import users
from pipelines.localtime import from_utc_naive
from pipelines.outputs import fmt

admin = auth.require_role("admin")
t, lang = ui.t, ui.lang()
store = ui.ctx().store
year = ui.ctx().year
TZ = store.plan(year).tz if year else dt.timezone.utc  # the plan's time zone (UTC only with no plan)
ss = st.session_state
ROLES = list(users.ROLES)

ui.page_title(t("admin_title"))
done = ss.pop("_admin_done", None)
if done:
    st.success(done, icon=":material/check_circle:")


def _local(v) -> str:
    if v is None or pd.isna(v):
        return ""
    return fmt.datetime(from_utc_naive(pd.Timestamp(v), TZ))


def _run(action, message: str) -> None:
    try:
        action()
    except (users.UserError, users.PermissionDenied) as exc:
        st.error(str(exc), icon=":material/error:")
        return
    ss["_admin_done"] = message
    st.rerun()


# -- demo data ------------------------------------------------------------------------------------
if year and store.is_demo_year(year):
    st.subheader(t("demo_heading"), anchor=False)
    st.info(t("demo_remove_help", year=year), icon=":material/science:")
    demo_count = data.submission_count(store, year)  # a demo year holds demo reports only
    sure = st.checkbox(t("demo_remove_confirm", n=fmt.num(demo_count), year=year), key="demo_remove_sure")
    if st.button(t("demo_remove_button", year=year), disabled=not sure, type="primary", key="demo_remove"):
        _run(lambda: users.remove_demo_as(store, admin, year), t("demo_removed", n=fmt.num(demo_count), year=year))


# -- accounts -------------------------------------------------------------------------------------
st.subheader(t("users_heading"), anchor=False)
accounts = users.list_users(store)
ui.table(pd.DataFrame({
    t("col_name"): accounts["name"],
    t("col_role"): [i18n.user_role_name(r, lang) for r in accounts["role"]],
    t("col_created"): [_local(v) for v in accounts["created_at"]],
    t("col_locked"): [_local(v) for v in accounts["locked_until"]],
}), key="users_table")
names = list(accounts["name"])

a, b, c = st.columns(3)
with a.form("add_user", clear_on_submit=True):
    st.markdown(f"**{t('add_user')}**")
    new_name = st.text_input(t("col_name"), key="add_name")
    new_role = st.selectbox(t("col_role"), ROLES, format_func=lambda r: i18n.user_role_name(r, lang), key="add_role")
    pw1 = st.text_input(t("signin_password"), type="password", key="add_pw1", autocomplete="new-password")
    pw2 = st.text_input(t("password_repeat"), type="password", key="add_pw2", autocomplete="new-password")
    if st.form_submit_button(t("add_user"), icon=":material/person_add:"):
        if pw1 != pw2:
            st.error(t("passwords_differ"))
        else:
            _run(lambda: users.add_user_as(store, admin, new_name, new_role, pw1),
                 t("user_added", name=new_name.strip().lower(), role=i18n.user_role_name(new_role, lang)))

with b.form("reset_password", clear_on_submit=True):
    st.markdown(f"**{t('reset_password')}**")
    who = st.selectbox(t("account"), names, key="reset_name")
    pw1 = st.text_input(t("signin_password"), type="password", key="reset_pw1", autocomplete="new-password")
    pw2 = st.text_input(t("password_repeat"), type="password", key="reset_pw2", autocomplete="new-password")
    if st.form_submit_button(t("reset_password"), icon=":material/key:"):
        if pw1 != pw2:
            st.error(t("passwords_differ"))
        else:
            _run(lambda: users.set_password_as(store, admin, who, pw1), t("password_set", name=who))

with c.form("remove_user", clear_on_submit=True):
    st.markdown(f"**{t('remove_user')}**")
    others = [n for n in names if n != admin.name]
    gone = st.selectbox(t("account"), others, key="remove_name")
    sure = st.checkbox(t("remove_confirm"), key="remove_sure")
    if st.form_submit_button(t("remove_user"), icon=":material/person_remove:", disabled=not others):
        if not sure:
            st.error(t("remove_confirm") + " ?")
        elif gone == admin.name:
            st.error(t("cannot_remove_self"))
        else:
            _run(lambda: users.remove_user_as(store, admin, gone), t("user_removed", name=gone))

# -- audit log ------------------------------------------------------------------------------------------
st.subheader(t("audit_heading"), anchor=False)
LIMIT = 500
log = users.audit_log(store, admin, limit=LIMIT)
st.caption(t("audit_help", n=fmt.num(LIMIT)))
f1, f2 = st.columns([3, 2])
actions = sorted(set(log["action"]))
chosen = f1.multiselect(t("audit_actions"), actions, format_func=lambda a: i18n.audit_action_name(a, lang),
                        key="audit_actions", placeholder=t("audit_actions"))
actor = f2.selectbox(t("audit_actor"), [None] + sorted(set(log["actor"])), key="audit_actor",
                     format_func=lambda x: "—" if x is None else x)
if chosen:
    log = log[log["action"].isin(chosen)]
if actor:
    log = log[log["actor"] == actor]
st.dataframe(pd.DataFrame({
    t("col_time"): [_local(v) for v in log["at_utc"]],
    t("audit_actor"): log["actor"],
    t("col_action"): [i18n.audit_action_name(a, lang) for a in log["action"]],
    t("col_detail"): log["detail"].fillna(""),
}), hide_index=True, key="audit_table", height=420,
    column_config={t("col_action"): st.column_config.TextColumn(width="medium"),
                   t("col_detail"): st.column_config.TextColumn(width="large")})

# -- backup: dashboard/backup_section.py ---------------------------------------------------------------
from dashboard import backup_section  # noqa: E402

backup_section.render(store, admin)
