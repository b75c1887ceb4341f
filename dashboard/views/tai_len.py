"""Tải lên báo cáo (analysts and admins): check the workbooks received by e-mail, confirm to load
them, download templates, see and compare versions, restore an earlier one.

Nothing is stored until the analyst confirms; every load and restore goes through
pipelines.accounts.users.ingest_as / restore_as, which check the role in the store (not only this page).
"""
import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.parts import blocks
from dashboard.state import auth, data, filters
from dashboard.parts import upload as U
from pipelines.accounts import users
from pipelines.outputs import fmt
from pipelines.store.load import RestoreError

user = auth.require_role("analyst")
c = filters.require_year()
t, store, lang = filters.t, c.store, c.lang
qname = lambda q: i18n.quarter_name(q, lang)  # noqa: E731
plan = store.plan(c.year)  # a year in the selector always has its plan
tz = plan.tz
ss = st.session_state
ss.setdefault("_upload_round", 0)
ss.setdefault("_upload_checks", {})     # sha256 -> upload.Preview: reruns never re-validate a file

STATUS_TEXT = {U.VALID: "st_valid", U.WARNINGS: "st_warnings", U.REJECTED: "st_rejected", U.DUPLICATE: "st_duplicate"}
# Text symbols (no emoji: they need a colour-emoji font) in tables; Material icons on the expanders.
STATUS_ICON = {U.VALID: "✔", U.WARNINGS: "!", U.REJECTED: "✖", U.DUPLICATE: "="}
STATUS_MATERIAL = {U.VALID: ":material/check_circle:", U.WARNINGS: ":material/warning:",
                   U.REJECTED: ":material/block:", U.DUPLICATE: ":material/content_copy:"}

blocks.page_title(t("upload_title"))
tab_up, tab_tpl, tab_ver = st.tabs([t("tab_upload"), t("tab_templates"), t("tab_versions")], key="upload_tab",
                                   on_change="rerun")


def _quarter_of(year, quarter) -> str:
    return f"{qname(quarter)}/{year}" if quarter else "—"


def _problem_table(problems) -> pd.DataFrame:
    # st.table renders markdown: cell values, sheet names and messages quoting them are escaped.
    md = blocks.md
    return pd.DataFrame({
        t("col_level"): [t("level_error") if p.level == "error" else t("level_warning") for p in problems],
        t("col_where"): [md(p.where) for p in problems],
        t("col_value"): [md(p.value or "") for p in problems],
        t("col_problem"): [md(p.message) for p in problems],
        t("col_hint"): [md(p.hint or "") for p in problems],
    })


def _show_problems(problems) -> None:
    """Every problem in full (a static table wraps long messages instead of cutting them)."""
    if not problems:
        st.caption(t("no_problems"))
        return
    st.table(_problem_table(problems).set_index(t("col_level")))


# -- upload ------------------------------------------------------------------------------------------
def _summary() -> None:
    outcomes = ss.get("_upload_summary")
    if not outcomes:
        return
    n = U.counts(outcomes)
    (st.success if not n[U.REJECTED] else st.warning)(
        t("load_summary", new=n[U.NEW], replaced=n[U.REPLACED], same=n[U.SAME], rejected=n[U.REJECTED]),
        icon=":material/task_alt:")
    label = {U.NEW: lambda o: t("out_new"), U.REPLACED: lambda o: t("out_replaced", id=o.replaced),
             U.SAME: lambda o: t("out_duplicate", id=o.submission_id), U.REJECTED: lambda o: t("out_rejected")}
    st.dataframe(pd.DataFrame({
        t("col_file"): [o.name for o in outcomes],
        t("col_unit"): [o.unit_name or o.unit or "—" for o in outcomes],
        t("col_quarter"): [_quarter_of(o.year, o.quarter) for o in outcomes],
        t("col_status"): [label[o.status](o) for o in outcomes],
        t("col_version"): [f"#{o.submission_id}" if o.submission_id else "" for o in outcomes],
        t("col_received"): [fmt.datetime(o.received_at) if o.received_at else "" for o in outcomes],
    }), hide_index=True, key="upload_summary_table")
    for i, o in enumerate(outcomes):
        if o.status == U.REJECTED:
            st.download_button(f"{t('download_annotated')}: {blocks.md(o.annotated_name)}", o.annotated,
                               file_name=o.annotated_name, icon=":material/download:", on_click="ignore",
                               key=f"annot_done_{i}",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if st.button(t("close_summary"), key="close_summary"):
        ss.pop("_upload_summary", None)
        st.rerun()


def _received_inputs(ch: U.Preview) -> dt.datetime:
    """Per-file received date and time (Vietnam time), defaulting to the moment the file was dropped."""
    dkey, tkey = f"recv_d_{ch.key[:16]}", f"recv_t_{ch.key[:16]}"
    if dkey not in ss or tkey not in ss:
        now = dt.datetime.now(tz).replace(second=0, microsecond=0, tzinfo=None)
        ss.setdefault(dkey, now.date())
        ss.setdefault(tkey, now.time())
    a, b, _ = st.columns([1, 1, 2])
    day = a.date_input(t("received_date"), key=dkey, format="DD/MM/YYYY")
    moment = b.time_input(t("received_time"), key=tkey, step=60)
    received = dt.datetime.combine(day, moment)
    if received > dt.datetime.now(tz).replace(tzinfo=None) + dt.timedelta(minutes=1):
        st.warning(t("received_future"), icon=":material/schedule:")
    return received


def upload_tab() -> None:
    _summary()
    st.caption(t("upload_help"))
    files = st.file_uploader(t("upload_files"), type=U.SUFFIXES, accept_multiple_files=True,
                             key=f"uploader_{ss['_upload_round']}", max_upload_size=20)
    if not files:
        return
    if refusal := U.too_many_files(len(files), filters.lang()):
        st.error(refusal, icon=":material/block:")
        return
    checks: dict = ss["_upload_checks"]
    checked: list[U.Preview] = []
    seen = set()
    for f in files:
        raw = f.getvalue()
        key = U.sha256(raw)
        if key in seen:  # the same bytes dropped twice in one batch: once is enough
            continue
        seen.add(key)
        if key not in checks:
            with st.spinner(t("upload_checking", name=blocks.md(f.name))):
                checks[key] = U.check(store, raw, f.name)
        checked.append(checks[key])

    st.subheader(t("upload_preview", n=len(checked)), anchor=False)

    def note(ch: U.Preview) -> str:
        if ch.status == U.DUPLICATE:
            return t("note_duplicate", id=ch.duplicate_of)
        if ch.status == U.REJECTED:
            return t("note_rejected") if ch.unit_fault else t("note_rejected_here")
        return t("note_replaces", id=ch.current_id) if ch.current_id else t("note_new")

    st.dataframe(pd.DataFrame({
        t("col_file"): [ch.name for ch in checked],
        t("col_unit"): [ch.unit_name or ch.unit or "—" for ch in checked],
        t("col_quarter"): [_quarter_of(ch.year, ch.quarter) for ch in checked],
        t("col_status"): [f"{STATUS_ICON[ch.status]} {t(STATUS_TEXT[ch.status])}" for ch in checked],
        t("col_errors"): [len(ch.errors) for ch in checked],
        t("col_warnings"): [len(ch.warnings) for ch in checked],
        t("col_note"): [note(ch) for ch in checked],
    }), hide_index=True, key="upload_preview_table")
    for unit, year, quarter, names in U.same_report_twice(checked):
        st.warning(t("same_quarter_twice", unit=plan.unit_by_code[unit].name if plan and unit in plan.unit_by_code
                     else blocks.md(unit), quarter=qname(quarter), year=year, n=len(names),
                     files=", ".join(blocks.md(n) for n in names)),
                   icon=":material/content_copy:")

    received: dict[str, dt.datetime] = {}
    for ch in checked:
        parts = [blocks.md(ch.name), blocks.md(ch.unit_name or ch.unit or ""), _quarter_of(ch.year, ch.quarter) if ch.quarter else None,
                 t(STATUS_TEXT[ch.status])]
        title = " — ".join(p for p in parts if p)
        with st.expander(title, expanded=ch.status == U.REJECTED, icon=STATUS_MATERIAL[ch.status]):
            if ch.loadable:
                received[ch.key] = _received_inputs(ch)
            elif ch.status == U.DUPLICATE:
                st.caption(note(ch))
            if ch.status != U.DUPLICATE:
                st.markdown(f"**{t('problems_of', n=len(ch.errors), m=len(ch.warnings))}**")
                _show_problems(ch.problems)
            if ch.status == U.REJECTED and ch.unit_fault:
                st.download_button(t("download_annotated"), ch.annotated, file_name=ch.annotated_name,
                                   icon=":material/download:", on_click="ignore", key=f"annot_{ch.key[:16]}",
                                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    loadable = [ch for ch in checked if ch.loadable]
    b1, b2, _ = st.columns([2, 1, 3])
    if not loadable:
        st.info(t("nothing_to_load"), icon=":material/info:")
    confirm = b1.button(t("confirm_load", n=len(loadable)), type="primary", icon=":material/cloud_upload:",
                        disabled=not loadable, key="confirm_load")
    if b2.button(t("clear_files"), icon=":material/delete:", key="clear_files"):
        _reset_batch()
        st.rerun()
    if confirm:
        bar = st.progress(0.0)

        def progress(done: int, total: int, name: str) -> None:
            bar.progress(done / max(total, 1),
                         text=t("loading", name=name, i=done + 1, n=total) if name else t("loading_done"))

        try:
            outcomes = U.load_checked(store, user, checked, received, progress)
        except users.PermissionDenied as exc:
            st.error(t("permission_denied", msg=str(exc)), icon=":material/block:")
            return
        ss["_upload_summary"] = outcomes
        _reset_batch()
        st.rerun()


def _reset_batch() -> None:
    """A fresh uploader (new key) and no previews."""
    for key in [k for k in ss.keys() if str(k).startswith(("recv_d_", "recv_t_"))]:
        del ss[key]
    ss["_upload_checks"] = {}
    ss["_upload_round"] += 1


# -- templates -----------------------------------------------------------------------------------------
def templates_tab() -> None:
    st.caption(t("templates_help"))
    quarters = [q.quarter for q in plan.quarters]
    a, b = st.columns(2)
    with a:
        st.subheader(t("template_one"), anchor=False)
        unit = st.selectbox(t("col_unit"), list(c.unit_names), format_func=lambda k: c.unit_names[k], key="tpl_unit")
        quarter = st.selectbox(t("col_quarter"), quarters, format_func=qname, key="tpl_quarter")
        name = U.template_file_name(plan, unit, quarter)
        st.download_button(t("download_template", file=name), lambda: U.build_template(plan, unit, quarter),
                           file_name=name, icon=":material/download:", on_click="ignore", key="tpl_one",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    with b:
        st.subheader(t("template_all"), anchor=False)
        zq = st.selectbox(t("col_quarter"), quarters, format_func=qname, key="tpl_zip_quarter")
        st.download_button(t("download_templates_zip", n=len(plan.units)), lambda: U.templates_zip(plan, zq),
                           file_name=U.templates_zip_name(plan, zq), icon=":material/folder_zip:", on_click="ignore",
                           key="tpl_zip", mime="application/zip")


# -- versions ---------------------------------------------------------------------------------------------
def versions_tab() -> None:
    st.caption(t("versions_help"))
    done = ss.pop("_restore_done", None)
    if done:
        st.success(done, icon=":material/restore:")
    a, b, _ = st.columns([2, 1, 1])
    unit = a.selectbox(t("col_unit"), list(c.unit_names), format_func=lambda k: c.unit_names[k], key="ver_unit",
                       index=list(c.unit_names).index(c.single_unit) if c.single_unit else 0)
    quarters = [q.quarter for q in plan.quarters]
    quarter = b.selectbox(t("col_quarter"), quarters, format_func=qname, key="ver_quarter")
    subs = data.versions(store, c.year, unit)
    subs = subs[subs["quarter"] == quarter].reset_index(drop=True)
    if subs.empty:
        blocks.empty(t("versions_none", unit=c.unit_names[unit], quarter=qname(quarter), year=c.year))
        return
    blocks.table(pd.DataFrame({
        "#": subs["id"],
        t("col_file"): subs["file_name"],
        t("col_received"): [fmt.datetime(v) for v in subs["received_at"]],
        t("col_loaded"): [fmt.datetime(v) for v in subs["loaded_at"]],
        t("col_loaded_by"): subs["loaded_by"],
        t("col_current"): ["✔" if v else "" for v in subs["is_current"]],
        t("col_warnings"): subs["warnings"],
    }), key="versions_table")
    label = {int(r.id): t("version_label", id=r.id, loaded=fmt.datetime(r.loaded_at), file=r.file_name)
             for r in subs.itertuples()}
    ids = list(label)
    current = subs[subs["is_current"]]
    current_id = int(current["id"].iloc[0]) if not current.empty else None

    if len(ids) >= 2:
        st.subheader(t("compare_heading"), anchor=False)
        x, y = st.columns(2)
        older = x.selectbox(t("compare_a"), ids, index=len(ids) - 2, format_func=label.get, key=f"cmp_a_{unit}_{quarter}")
        newer = y.selectbox(t("compare_b"), ids, index=len(ids) - 1, format_func=label.get, key=f"cmp_b_{unit}_{quarter}")
        diff = data.diff_versions(store, older, newer)
        if diff.empty:
            st.caption(t("diff_none"))
        else:
            names = dict(zip(data.elements(store, c.year)["code"], data.elements(store, c.year)["name"]))
            st.caption(t("diff_count", n=len(diff)))
            blocks.table(pd.DataFrame({
                t("col_element"): [f"{e} — {names.get(e, '')}" for e in diff["element"]],
                f"#{older}": [fmt.num(v) for v in diff["value_a"]],
                f"#{newer}": [fmt.num(v) for v in diff["value_b"]],
            }), key="diff_table")

    st.subheader(t("restore_heading"), anchor=False)
    older_ids = [i for i in ids if i != current_id]
    if not older_ids:
        st.caption(t("restore_only_current"))
        return
    pick = st.selectbox(t("restore_choose"), older_ids, index=len(older_ids) - 1, format_func=label.get,
                        key=f"restore_pick_{unit}_{quarter}")
    pending = ss.get("_restore_pending")
    if pending != pick:
        if st.button(t("restore_button", id=pick), icon=":material/restore:", key="restore_ask"):
            ss["_restore_pending"] = pick
            st.rerun()
        return
    row = subs[subs["id"] == pick].iloc[0]
    st.warning(t("restore_confirm_text", id=pick, file=blocks.md(row["file_name"]), received=fmt.datetime(row["received_at"]),
                 current=current_id if current_id else "—"), icon=":material/warning:")
    y1, y2, _ = st.columns([1, 1, 3])
    if y1.button(t("restore_confirm"), type="primary", icon=":material/check:", key="restore_yes"):
        ss.pop("_restore_pending", None)
        try:
            users.restore_as(store, user, int(pick))
        except (users.PermissionDenied, RestoreError) as exc:
            st.error(t("permission_denied", msg=str(exc)), icon=":material/block:")
            return
        ss["_restore_done"] = t("restored", id=pick, unit=c.unit_names[unit], quarter=qname(quarter), year=c.year)
        st.rerun()
    if y2.button(t("cancel"), key="restore_no"):
        ss.pop("_restore_pending", None)
        st.rerun()


# Tabs that track state: only the open tab is built.
if tab_up.open is not False:
    with tab_up:
        upload_tab()
if tab_tpl.open is not False:
    with tab_tpl:
        templates_tab()
if tab_ver.open is not False:
    with tab_ver:
        versions_tab()
