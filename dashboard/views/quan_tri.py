"""Quản trị (admins): accounts (list, add, reset password, change role, remove), open sessions
(see, end), sign-in waits (see, lift) and the audit log (filters by who, what and when; pages).

Every change goes through pipelines.accounts.users.*_as, which checks the admin role in the store.
"""
import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.parts import audit_words, blocks
from dashboard.state import auth, data, filters
from pipelines.accounts import users
from pipelines.localtime import from_utc_naive
from pipelines.outputs import fmt

admin = auth.require_role("admin")
t, lang = filters.t, filters.lang()
store = filters.ctx().store
year = filters.ctx().year
TZ = store.plan(year).tz if year else dt.timezone.utc  # the plan's time zone (UTC only with no plan)
ss = st.session_state
ROLES = list(users.ROLES)

blocks.page_title(t("admin_title"))
done = ss.pop("_admin_done", None)
if done:
    st.success(done, icon=":material/check_circle:")  # names in it passed the account-name check


def _local(v) -> str:
    if v is None or pd.isna(v):
        return ""
    return fmt.datetime(from_utc_naive(pd.Timestamp(v), TZ))


def _run(action, message: str) -> None:
    try:
        action()
    except (users.UserError, users.PermissionDenied) as exc:
        st.error(blocks.md(str(exc)), icon=":material/error:")  # it may quote what was typed
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
blocks.table(pd.DataFrame({
    t("col_name"): accounts["name"],
    t("col_role"): [i18n.user_role_name(r, lang) for r in accounts["role"]],
    t("col_created"): [_local(v) for v in accounts["created_at"]],
    t("col_locked"): [_local(v) for v in accounts["locked_until"]],
    t("col_sessions"): accounts["sessions"],
}), key="users_table")
names = list(accounts["name"])

a, b, c, d = st.columns(4)
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

with c.form("change_role", clear_on_submit=True):
    st.markdown(f"**{t('change_role')}**")
    whose = st.selectbox(t("account"), names, key="role_name")
    role = st.selectbox(t("col_role"), ROLES, format_func=lambda r: i18n.user_role_name(r, lang), key="role_new")
    if st.form_submit_button(t("change_role"), icon=":material/badge:"):
        _run(lambda: users.set_role_as(store, admin, whose, role),
             t("role_set", name=whose, role=i18n.user_role_name(role, lang)))

with d.form("remove_user", clear_on_submit=True):
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

# -- sessions ------------------------------------------------------------------------------------------
st.subheader(t("sessions_heading"), anchor=False)
st.caption(t("sessions_help"))
live = users.list_sessions_as(store, admin)
if live.empty:
    st.caption(t("sessions_none"))
else:
    blocks.table(pd.DataFrame({
        "#": live["id"],
        t("col_name"): live["user_name"],
        t("col_created"): [_local(v) for v in live["created_at"]],
        t("col_last_seen"): [_local(v) for v in live["last_seen"]],
        t("col_idle_expires"): [_local(v) for v in live["idle_expires_at"]],
        t("col_expires"): [_local(v) for v in live["expires_at"]],
        t("col_client"): live["client"].fillna(""),
    }), key="sessions_table")
    labels = {int(r.id): f"#{r.id} — {r.user_name} ({r.client or '?'}, {_local(r.last_seen)})" for r in live.itertuples()}
    s1, s2, _ = st.columns([2, 1, 2])
    pick = s1.selectbox(t("session_pick"), list(labels), format_func=labels.get, key="session_pick")
    if s2.button(t("end_session"), icon=":material/logout:", key="end_session"):
        owner = live.set_index("id").loc[pick, "user_name"]
        _run(lambda: users.end_session_as(store, admin, pick), t("session_ended", id=pick, name=owner))

# -- sign-in waits ---------------------------------------------------------------------------------------
st.subheader(t("waits_heading"), anchor=False)
st.caption(t("waits_help"))
waits = users.list_waits_as(store, admin)
if waits.empty:
    st.caption(t("waits_none"))
else:
    blocks.table(pd.DataFrame({
        t("col_scope"): [t("scope_account") if s_ == "account" else t("scope_address") for s_ in waits["scope"]],
        t("col_name"): waits["label"],
        t("col_failures"): waits["failures"],
        t("col_wait_until"): [_local(v) for v in waits["blocked_until"]],
    }), key="waits_table")
    wait_labels = {(r.scope, r.key): f"{r.label} ({t('scope_account') if r.scope == 'account' else t('scope_address')})"
                   for r in waits.itertuples()}
    w1, w2, _ = st.columns([2, 1, 2])
    which = w1.selectbox(t("wait_pick"), list(wait_labels), format_func=wait_labels.get, key="wait_pick")
    if w2.button(t("lift_wait"), icon=":material/lock_open:", key="lift_wait"):
        _run(lambda: users.lift_wait_as(store, admin, *which), t("wait_lifted", label=blocks.md(wait_labels[which])))

# -- audit log ------------------------------------------------------------------------------------------
st.subheader(t("audit_heading"), anchor=False)
PAGE = 100
st.caption(t("audit_help"))
all_actors, all_actions = users.audit_choices(store, admin)
f1, f2, f3, f4 = st.columns([4, 3, 2, 2])  # a date picker needs ~150 px for dd/mm/yyyy
filters.linked("audit_actions", "actions", "codes", options=all_actions, default=[])
filters.linked("audit_actor", "actor", options=[None] + all_actors, default=None)
filters.linked("audit_since", "since", "date")
filters.linked("audit_until", "until", "date")
chosen = f1.multiselect(t("audit_actions"), all_actions, format_func=lambda a: i18n.audit_action_name(a, lang),
                        key="audit_actions", placeholder=t("audit_actions"))
actor = f2.selectbox(t("audit_actor"), [None] + all_actors, key="audit_actor",
                     format_func=lambda x: "—" if x is None else audit_words.actor_name(x, lang))
since_day = f3.date_input(t("audit_since"), key="audit_since", format="DD/MM/YYYY")
until_day = f4.date_input(t("audit_until"), key="audit_until", format="DD/MM/YYYY")


def _utc(day, days_after: int = 0):
    """Local midnight of `day` (+ days) as naive UTC, for the filter."""
    if day is None:
        return None
    local = dt.datetime.combine(day + dt.timedelta(days=days_after), dt.time()).replace(tzinfo=TZ)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


view_filters = dict(actor=actor, actions=chosen or None, since=_utc(since_day), until=_utc(until_day, 1))
total = users.audit_count(store, admin, **view_filters)
pages = max(1, -(-total // PAGE))
page_no = st.columns([1, 3])[0].number_input(t("audit_page"), min_value=1, max_value=pages, value=1, step=1,
                                           key="audit_page")
every_unit = {}   # unit codes of every plan year, named as the latest plan names them
for plan_year in data.years(store):
    every_unit.update(zip(data.units(store, plan_year)["code"], data.units(store, plan_year)["name"]))
log = users.audit_log(store, admin, limit=PAGE, offset=(int(page_no) - 1) * PAGE, **view_filters)
st.caption(t("audit_count", n=fmt.num(total), page=int(page_no), pages=pages))
st.dataframe(pd.DataFrame({
    t("col_time"): [_local(v) for v in log["at_utc"]],
    t("audit_actor"): [audit_words.actor_name(a, lang) for a in log["actor"]],
    t("col_action"): [i18n.audit_action_name(a, lang) for a in log["action"]],
    t("col_detail"): [audit_words.detail_in_words(d, every_unit, lang) for d in log["detail"].fillna("")],
}), hide_index=True, key="audit_table", height=420,
    # the detail is what an auditor reads: the short columns sized to their content, the rest to it
    column_config={t("col_time"): st.column_config.TextColumn(width=125),
                   t("audit_actor"): st.column_config.TextColumn(width=110),
                   t("col_action"): st.column_config.TextColumn(width=140),
                   t("col_detail"): st.column_config.TextColumn(width=520)})  # 895 px in all: the page's width at 1366

# -- backup: dashboard/backup.py ---------------------------------------------------------------
from dashboard.parts import backup  # noqa: E402

backup.render(store, admin)
