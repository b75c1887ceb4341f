"""A clearly labelled demo year, so a new user sees a living dashboard.

Magnitudes are those of a town of ~150 000 people: a handful of tip-offs and at most a few cases a
year (so many quarters show "Không phát sinh"), a few suspected victims in some communes, hundreds of
awareness sessions and thousands of attendances. A few reports arrive late, a few never, and one is
corrected by a second version. Every workbook goes through the real pipeline (template → reader →
validator → loader), is marked `is_demo`, named DEMO_…, and the year is flagged demo in the store.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import deque
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor

from pipelines.plan import Plan
from pipelines.store import Store, marts
from pipelines.store.database import set_meta
from pipelines.store.load import IngestResult, Read, audit, ingest_bytes, personal_headings, read_file
from pipelines.workbook.template import build_template

DEMO_NOTE = "DỮ LIỆU MẪU (DEMO) — không phải số liệu thật"
FIRST_DEMO_YEAR = 2022


class DemoError(RuntimeError):
    pass


def _counts(plan: Plan, unit: str, quarter: int, rng: random.Random, backlog: dict[str, int]) -> dict[str, int]:
    kind = plan.unit_by_code[unit].kind
    story = plan.demo
    v: dict[str, int] = {}
    sessions = rng.randint(6, 14) if kind == "commune" else rng.randint(2, 8)
    v["TT_BUOI"] = sessions
    v["TT_LUOT"] = sessions * rng.randint(25, 80)
    v["TT_TAI_LIEU"] = rng.randint(0, 60)
    v["HD_30_7"] = rng.randint(1, 3) if quarter == 3 else 0
    v["PL_KIEN_NGHI"] = 1 if rng.random() < 0.05 else 0
    if kind in ("police", "department", "mass_org"):
        v["TT_TIN_BAI"] = rng.randint(0, 6)
    if kind in ("department", "mass_org"):
        v["TT_TRUONG_HOC"] = rng.randint(0, 5)
    if kind in ("police", "border", "procuracy", "court", "department"):
        v["TH_LOP"] = rng.randint(0, 2)
        v["TH_LUOT"] = v["TH_LOP"] * rng.randint(15, 45)
    if kind in ("police", "border", "procuracy", "court"):
        v["HTQT"] = 1 if rng.random() < 0.1 else 0
    if kind in ("police", "commune"):
        v["KT_CO_SO"] = rng.randint(8, 30) if kind == "police" else rng.randint(1, 6)
        v["KT_VI_PHAM"] = rng.randint(0, 2)
    if kind in ("police", "border"):
        ton = backlog.get(f"{unit}:TIN", 1 if unit == story.lead_unit else 0)
        # The police: a few tip-offs a quarter, one left unresolved in Q2 (so "6 tháng" is not met).
        moi = story.tips[(quarter - 1) % len(story.tips)] if unit == story.lead_unit else rng.choice([0, 0, 0, 1])
        gq = ton + moi - (1 if (unit == story.lead_unit and quarter == story.unresolved_quarter) else 0)
        v |= {"TIN_TON": ton, "TIN_MOI": moi, "TIN_PHAN_LOAI": moi, "TIN_DA_GQ": gq}
        backlog[f"{unit}:TIN"] = ton + moi - gq
        cases = 1 if (unit == story.lead_unit and quarter in story.case_quarters) else 0
        v |= {"AN_KHOI_TO": cases, "AN_KHAM_PHA": cases, "BI_CAN": cases * rng.randint(1, 3)}
        victims = 1 if (unit == story.lead_unit and quarter == 3) else 0
        v |= {"NN_TIEP_NHAN": victims, "NN_XAC_DINH": victims, "NN_GIAI_CUU": victims}
    if kind == "procuracy":
        ton = backlog.get("VKS", 0)
        moi = 1 if quarter in (3, 4) else 0
        done = moi if quarter == 3 else 0
        v |= {"VKS_TON": ton, "VKS_MOI": moi, "VKS_TRUY_TO": done}
        backlog["VKS"] = ton + moi - done
    if kind == "court":
        ton = backlog.get("TA", 0)
        moi = 1 if quarter == 4 else 0
        v |= {"TA_TON": ton, "TA_MOI": moi, "TA_XET_XU": moi}
        backlog["TA"] = ton
    if kind == "commune":
        got = 1 if (unit in story.victim_communes and quarter == 3) else 0
        v |= {"NN_TIEP_NHAN": got, "NN_HO_TRO": got}
    if unit == story.support_unit:
        v |= {"NN_TIEP_NHAN": 1 if quarter == 3 else 0, "NN_HO_TRO": 2 if quarter == 3 else 0}
    if unit == story.legal_aid_unit:
        v |= {"NN_TGPL": 1 if quarter == 3 else 0, "CN_RA_SOAT": rng.randint(0, 2)}
    for doubt in story.doubts:  # figures planted for the data-quality page
        if (doubt.unit, doubt.quarter) == (unit, quarter):
            v |= doubt.values
    return {k: val for k, val in v.items() if k in plan.unit_elements(unit)}


def _tasks(plan: Plan, unit: str, quarter: int, rng: random.Random) -> dict[str, str]:
    names = {s.code: s.name for s in plan.task_statuses}
    out = {}
    for task, _role in plan.unit_tasks(unit):
        r = rng.random()
        if quarter == 1:
            status = "not_started" if r < 0.35 else "in_progress"
        elif quarter in (2, 3):
            status = "not_started" if r < 0.1 else ("done" if r > 0.75 else "in_progress")
        else:
            status = "in_progress" if r < 0.25 else "done"
        out[task.code] = names[status]
    return out


def load_demo(store: Store, year: int = 2022, seed: int = 138, progress=None) -> list[IngestResult]:
    plan = store.plan(year)
    if plan is None:
        raise DemoError(f"Không có kế hoạch năm {year} trong kho; chạy `init --plan` trước.")
    if plan.demo is None:
        raise DemoError(f"Kế hoạch năm {year} không có mục [demo] (ai đóng vai nào trong dữ liệu mẫu).")
    with store.connect() as con:
        real = con.execute("SELECT count(*) FROM submission WHERE year = ? AND NOT is_demo", [year]).fetchone()[0]
        demo = con.execute("SELECT count(*) FROM submission WHERE year = ? AND is_demo", [year]).fetchone()[0]
    if real:
        raise DemoError(f"Năm {year} đã có {real} báo cáo thật; không nạp dữ liệu mẫu chồng lên.")
    if demo:
        raise DemoError(f"Năm {year} đã có dữ liệu mẫu ({demo} báo cáo).")
    with store.transaction() as con:
        set_meta(con, f"demo:{year}", f"seed={seed}")

    # The first demo year keeps the numbers it always had; a later one draws its own from the same seed.
    rng = random.Random(seed if year == FIRST_DEMO_YEAR else f"{seed}:{year}")
    units = [u.code for u in plan.units]
    # Who is late or missing, chosen once from the seed.
    late = {q: set(rng.sample(units[5:], 2)) for q in (1, 2, 3, 4)}
    missing = {int(q): set(codes) for q, codes in plan.demo.missing.items()}
    backlog = _closing_backlogs(store, year - 1)  # a later demo year goes on from the previous one
    jobs = [(q, u) for q in sorted(plan.quarter_by_number) for u in units]
    # The random draws and the backlogs go on from one quarter to the next, so each report's figures
    # are drawn here, in order. Writing its workbook (openpyxl, the slowest part) happens in another
    # process, reading it back in its sandbox in a thread, and the loads, in order (validation
    # compares a quarter with the one before), over one connection here: on two cores the three
    # overlap, where one after the other (and ~200 opens of the store) took twice as long.
    results: list[IngestResult] = []
    pending: deque[tuple[str, dt.datetime, Future]] = deque()
    expected = len(jobs) - sum(len(v) for v in missing.values()) + 1   # + the police's Q2 correction
    spawn = multiprocessing.get_context("spawn")   # no fork of a process that holds DuckDB's threads
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as writer, \
            ThreadPoolExecutor(max_workers=2) as reader, store.connect():
        headings = personal_headings(store)

        def read_when_written(built: Future, name: str) -> tuple[bytes, Read]:
            data = built.result()
            return data, read_file(store, data, name, headings)

        for quarter, unit in jobs:
            for name, workbook, received in _workbooks(plan, year, rng, quarter, unit, backlog, late, missing):
                built = writer.submit(build_template, plan, unit, quarter, **workbook)
                pending.append((name, received, reader.submit(read_when_written, built, name)))
        while pending:
            name, received, ready = pending.popleft()
            data, read = ready.result()
            results.append(ingest_bytes(store, data, name, received, loaded_by="demo", is_demo=True, read=read))
            if progress:
                progress(len(results), max(expected, len(results) + len(pending)))
    return results


def _closing_backlogs(store: Store, year: int) -> dict[str, int]:
    """The backlogs a year ends with (last quarter's backlog + inflow − outflow, by the plan's
    carry_over rules), keyed as _counts keeps them; empty when that year has no plan or no report."""
    plan = store.plan(year)
    if plan is None:
        return {}
    last = max(plan.quarter_by_number)
    with store.connect() as con:
        rows = con.execute("SELECT unit, element, value FROM v_current_value WHERE year = ? AND quarter = ?",
                           [year, last]).fetchall()
    values = {(u, e): v for u, e, v in rows}
    keys = {"TIN_TON": "{unit}:TIN", "VKS_TON": "VKS", "TA_TON": "TA"}  # how _counts names them
    out: dict[str, int] = {}
    for rule in (r for r in plan.rules if r.kind == "carry_over" and r.backlog in keys):
        for unit in plan.unit_by_code:
            parts = [values.get((unit, e)) for e in (rule.backlog, rule.inflow, rule.outflow)]
            if None not in parts:
                out[keys[rule.backlog].format(unit=unit)] = parts[0] + parts[1] - parts[2]
    return out


def remove_demo(store: Store, year: int, actor: str = "cli") -> int:
    """Delete the demo submissions of a year (rows and archived files) and its demo flag."""
    with store.transaction() as con:
        rows = con.execute("SELECT id, raw_path FROM submission WHERE year = ? AND is_demo", [year]).fetchall()
        ids = [r[0] for r in rows]
        if ids:
            marks = ", ".join("?" for _ in ids)
            for table in ("submission_value", "submission_task", "submission_warning"):
                con.execute(f"DELETE FROM {table} WHERE submission_id IN ({marks})", ids)
            con.execute(f"DELETE FROM submission WHERE id IN ({marks})", ids)
        con.execute("DELETE FROM meta WHERE key = ?", [f"demo:{year}"])
        marts.refresh(con, year)
        audit(con, actor, "demo_remove", f"{year}: {len(ids)} báo cáo mẫu")
    for _, raw in rows:  # after the commit: the archive is content-addressed, demo files are demo-only
        store.raw_path(raw).unlink(missing_ok=True)
    return len(ids)


def _workbooks(plan: Plan, year: int, rng: random.Random, quarter: int, unit: str, backlog: dict[str, int],
               late: dict[int, set[str]], missing: dict[int, set[str]]) -> list[tuple[str, dict, dt.datetime]]:
    """One unit's report for one quarter (and the police's Q2 correction): (file name, what
    build_template writes in it, received)."""
    counts = _counts(plan, unit, quarter, rng, backlog)
    if unit in missing.get(quarter, ()):
        return []
    due = plan.quarter_by_number[quarter].due
    day = due + dt.timedelta(days=rng.randint(1, 6)) if unit in late[quarter] else \
        due - dt.timedelta(days=rng.randint(0, 8))
    received = dt.datetime.combine(day, dt.time(rng.randint(7, 16), rng.choice((0, 15, 30, 45))))
    out = [(f"DEMO_{unit}_{year}_Q{quarter}.xlsx",
            dict(values=counts, tasks=_tasks(plan, unit, quarter, rng), note=DEMO_NOTE), received)]
    if unit == plan.demo.lead_unit and quarter == 2:
        # A correction: the police resend Q2 two days later with one more session held.
        counts = dict(counts, TT_BUOI=counts["TT_BUOI"] + 1, TT_LUOT=counts["TT_LUOT"] + 40)
        out.append((f"DEMO_{unit}_{year}_Q{quarter}_sua.xlsx",
                    dict(values=counts, tasks=_tasks(plan, unit, quarter, rng), note=DEMO_NOTE + " — bản sửa"),
                    received + dt.timedelta(days=2)))
    return out
