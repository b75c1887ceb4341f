"""Publication-safe tables: small counts of people shown as "≤10", and no hidden count can be worked
out from what is published. The check is independent of the code that decides: it reads the
published files (export CSV, annex XLSX of every period) and, for every hidden cell, solves what a
reader can infer — by exhaustive search over the hidden base cells on small tables, and by linear
programming over integers (scipy.optimize.milp, min and max, "x" as 0 or above 10) on both."""
from __future__ import annotations

import contextlib
import csv
import io
import itertools
from pathlib import Path

import numpy as np
import pytest
from docx import Document
from openpyxl import load_workbook

from conftest import store_options
from pipelines.cli import main
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template

PERIODS = {"Q1": [1], "Q2": [2], "Q3": [3], "Q4": [4], "H1": [1, 2], "9M": [1, 2, 3], "Y": [1, 2, 3, 4]}
SENSITIVE = ["NN_TIEP_NHAN", "NN_XAC_DINH", "NN_GIAI_CUU", "NN_HO_TRO", "NN_TGPL", "BI_CAN"]
SMALL = "≤10"


def quiet(*args) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return main([str(a) for a in args])


def published(store, tmp: Path, element_names: dict[str, str]) -> tuple[dict, dict]:
    """Everything a publication copy of the year shows for the sensitive elements:
    {(element, scope, period): int | "≤10" | "x" | None} from `export --what values --publication`
    (each unit's quarters) and the annex of every period (units' and the town's totals).
    Also the exact values, from the plain export, to know the base cells."""
    assert quiet("export", "--what", "values", "--year", 2022, "--publication", "-o", tmp / "pub.csv",
                 *store_options(store)) == 0
    assert quiet("export", "--what", "values", "--year", 2022, "-o", tmp / "all.csv", *store_options(store)) == 0
    shown: dict = {}
    exact: dict = {}
    for name, target in (("pub.csv", shown), ("all.csv", exact)):
        for r in csv.DictReader(io.StringIO((tmp / name).read_text(encoding="utf-8-sig"))):
            if r["element"] in SENSITIVE and r["value"] != "":
                v = r["value"]
                target[(r["element"], r["unit"], f"Q{r['quarter']}")] = int(v) if v.lstrip("-").isdigit() else v
    units = {u.name: u.code for u in store.plan(2022).units} | {"Toàn thị xã": "ALL"}
    for period in PERIODS:
        out = tmp / f"annex_{period}.xlsx"
        assert quiet("report", "--year", 2022, "--period", period, "--publication", "-o", out,
                     *store_options(store)) == 0
        wb = load_workbook(out)
        for ws in wb.worksheets[1:-2]:
            header = [c.value for c in ws[4]]
            for row in ws.iter_rows(min_row=5, values_only=True):
                for code in SENSITIVE:
                    title = element_names[code]
                    if title in header and row[header.index(title)] is not None:
                        key = (code, units[row[0]], period)
                        v = row[header.index(title)]
                        assert shown.get(key, v) == v, key  # the same cell is the same in every table
                        shown[key] = v
    return shown, exact


def names(store) -> dict[str, str]:
    return {e.code: f"{e.name} ({e.unit_of_measure})" for e in store.plan(2022).elements}


def problem(shown: dict, exact: dict, element: str):
    """Base cells (unit, quarter) of one element, and the published cells as sums of them."""
    base = sorted({(k[1], int(k[2][1])) for k in exact if k[0] == element})
    idx = {b: i for i, b in enumerate(base)}
    cells = {}
    for (e, scope, period), v in shown.items():
        if e != element:
            continue
        terms = [idx[(u, q)] for (u, q) in base if (scope in ("ALL", u)) and q in PERIODS[period]]
        cells[(scope, period)] = (terms, v)
    return base, cells


def allowed(v, threshold=10, top=60):
    if isinstance(v, int):
        return [v]
    return list(range(1, threshold + 1)) if v == SMALL else [0, *range(threshold + 1, top + 1)]


def exhaustive(shown: dict, exact: dict, element: str) -> dict:
    """For every hidden cell of `element`, the set of values it takes over every assignment of the
    base cells consistent with all published cells."""
    base, cells = problem(shown, exact, element)
    single = {terms[0]: v for (scope, period), (terms, v) in cells.items() if len(terms) == 1 and scope != "ALL"}
    choices = [allowed(single.get(i, "x")) for i in range(len(base))]
    assert np.prod([len(c) for c in choices]) < 5_000_000, "table too large for exhaustive search"
    seen: dict = {k: set() for k, (_, v) in cells.items() if not isinstance(v, int)}
    for combo in itertools.product(*choices):
        ok = True
        for (terms, v) in cells.values():
            s = sum(combo[t] for t in terms)
            if (isinstance(v, int) and s != v) or (v == SMALL and not 1 <= s <= 10) or (v == "x" and 1 <= s <= 10):
                ok = False
                break
        if ok:
            for k in seen:
                seen[k].add(sum(combo[t] for t in cells[k][0]))
    return seen


def ip_ranges(shown: dict, exact: dict, element: str, threshold: int = 10, top: int = 10**6) -> dict:
    """min and max of each hidden cell over INTEGER base cells, as a reader can reason: shown counts
    exactly, "≤10" within 1..10, "x" either 0 or above 10 (one 0/1 variable per "x" cell). As tight
    as what the code itself solves; a relaxed linear program is looser and can call a pinned cell
    free. Returns {cell: (lo, hi, true value)}."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    base, cells = problem(shown, exact, element)
    values = [exact[(element, u, f"Q{q}")] for u, q in base]
    xs = [k for k, (_, v) in cells.items() if v == "x"]
    n, k = len(base), len(xs)
    rows, lo, hi = [], [], []
    for key, (terms, v) in cells.items():
        row = np.zeros(n + k)
        row[terms] = 1
        if isinstance(v, int):
            rows.append(row); lo.append(v); hi.append(v)
        elif v == SMALL:
            rows.append(row); lo.append(1); hi.append(threshold)
        else:                                   # sum <= top·z and sum >= (threshold+1)·z
            j = xs.index(key)
            r1, r2 = row.copy(), row.copy()
            r1[n + j] = -top
            r2[n + j] = -(threshold + 1)
            rows.append(r1); lo.append(-np.inf); hi.append(0)
            rows.append(r2); lo.append(0); hi.append(np.inf)
    cons = [LinearConstraint(np.array(rows), lo, hi)]
    bounds = Bounds(np.zeros(n + k), np.concatenate([np.full(n, top), np.ones(k)]))
    out = {}
    for key, (terms, v) in cells.items():
        if isinstance(v, int):
            continue
        c = np.zeros(n + k)
        c[terms] = 1
        res_lo = milp(c, constraints=cons, bounds=bounds, integrality=np.ones(n + k))
        res_hi = milp(-c, constraints=cons, bounds=bounds, integrality=np.ones(n + k))
        assert res_lo.status == 0 and res_hi.status == 0, (key, res_lo.message, res_hi.message)
        out[key] = (round(res_lo.fun), round(-res_hi.fun), sum(values[t] for t in terms))
    return out


# -- a small store where complementary suppression is needed ---------------------------------------
@pytest.fixture
def small_store(store):
    """NN_TIEP_NHAN in Q1: Công an 12, Phòng LĐTBXH 3 (small), Phường Phổ Hòa 15; Q2: Công an 14,
    LĐTBXH 0, Phổ Hòa 2 (small). Town Q1 = 30, Q2 = 16. Shown as they are, Q1's town total minus 12 and
    15 would give LĐTBXH's 3 away."""
    plan = store.plan(2022)
    data = {("CA", 1): 12, ("LDTBXH", 1): 3, ("P_PHO_HOA", 1): 15,
            ("CA", 2): 14, ("LDTBXH", 2): 0, ("P_PHO_HOA", 2): 2}
    for (unit, q), v in data.items():
        values = {"NN_TIEP_NHAN": v}
        if unit == "CA":
            values |= {"NN_XAC_DINH": 0, "TIN_TON": 0, "TIN_MOI": 0, "TIN_PHAN_LOAI": 0, "TIN_DA_GQ": 0}
        res = ingest_bytes(store, build_template(plan, unit, q, values=values), f"{unit}_{q}.xlsx",
                           received_at=None)
        assert res.status == "accepted", res
    return store


def test_small_counts_are_labelled_and_totals_cannot_give_them_away(small_store, tmp_path):
    shown, exact = published(small_store, tmp_path, names(small_store))
    # primary: every count from 1 to 10 is "≤10"; larger ones may be shown or hidden, never changed
    for key, v in exact.items():
        if key[0] == "NN_TIEP_NHAN" and 1 <= v <= 10:
            assert shown[key] == SMALL, key
    assert shown[("NN_TIEP_NHAN", "LDTBXH", "Q1")] == SMALL and shown[("NN_TIEP_NHAN", "P_PHO_HOA", "Q2")] == SMALL
    assert shown[("NN_TIEP_NHAN", "LDTBXH", "Q2")] == 0  # zero may stay
    for key, v in shown.items():
        if isinstance(v, int):
            assert v == exact.get(key, v)
    hidden_other = [k for k, v in shown.items() if v == "x"]
    assert hidden_other, "complementary suppression must hide something besides the small counts"
    # no hidden cell is pinned: every one can take at least two values consistent with all tables
    seen = exhaustive(shown, exact, "NN_TIEP_NHAN")
    assert seen and all(len(vals) >= 2 for vals in seen.values()), seen
    # and the true value is among them (the check models the tables right)
    ranges = ip_ranges(shown, exact, "NN_TIEP_NHAN")
    assert ranges.keys() == seen.keys()
    for (scope, period), (lo, hi, true) in ranges.items():
        assert hi - lo >= 1 and lo <= true <= hi, (scope, period, lo, true, hi)
        assert true in seen[(scope, period)]


def test_rates_with_a_hidden_part_are_not_shown(small_store, tmp_path):
    from pipelines.outputs.publication import Publication, attainment_frame
    import pandas as pd
    pub = Publication(2022, 10, ["NN_TIEP_NHAN"], {("NN_TIEP_NHAN", "ALL", "Q1"): "small"},
                      {"KPI_X": ["NN_XAC_DINH", "NN_TIEP_NHAN"], "KPI_Y": ["TIN_DA_GQ", "TIN_MOI"]}, {1: "Q1"})
    df = pd.DataFrame([{"indicator": "KPI_X", "unit": "ALL", "period": "Q1", "numerator": 2, "denominator": 3,
                        "value": 2 / 3, "needed": 1, "status": "not_met", "period_status": "not_met"},
                       {"indicator": "KPI_Y", "unit": "ALL", "period": "Q1", "numerator": 9, "denominator": 10,
                        "value": 0.9, "needed": 1, "status": "not_met", "period_status": "not_met"}])
    out = attainment_frame(pub, df)
    assert list(out.iloc[0][["numerator", "denominator", "value", "status"]]) == ["x", "x", "x", "x"]
    assert list(out.iloc[1][["numerator", "denominator", "status"]]) == [9, 10, "not_met"]


# -- the demo year ------------------------------------------------------------------------------------
def test_demo_year_publication_copy(demo_store, tmp_path):
    shown, exact = published(demo_store, tmp_path, names(demo_store))
    assert any(v == SMALL for v in shown.values())
    for key, v in shown.items():
        assert not (isinstance(v, int) and 1 <= v <= 10), key  # no small count shown
    # Every hidden cell can take at least two integer values given everything published, and its true
    # value is one of them (the model of the tables is right). On the demo year the small counts are
    # many and protect each other: with the complementary step of publication.suppress skipped this
    # still passes, and the small store above is the test that turns red (nothing hidden as "x").
    checked = 0
    for element in SENSITIVE:
        for cell, (lo, hi, true) in ip_ranges(shown, exact, element).items():
            assert hi - lo >= 1, (element, cell, lo, hi)
            assert lo <= true <= hi, (element, cell, lo, true, hi)
            checked += 1
    assert checked >= 10, checked
    # the report: a publication copy says "≤10"; the report to the province stays exact.
    # By hand (demo.py): in 9 months one suspected victim received by the police (Q3) and one each by
    # Phòng LĐTBXH, Phường Phổ Thạnh and Xã Phổ Châu: 4 in all.
    assert quiet("report", "--year", 2022, "--period", "9M", "--publication", "-o", tmp_path / "pub.docx",
                 *store_options(demo_store)) == 0
    assert quiet("report", "--year", 2022, "--period", "9M", "-o", tmp_path / "exact.docx",
                 *store_options(demo_store)) == 0
    pub_text = "\n".join(p.text for p in Document(tmp_path / "pub.docx").paragraphs)
    exact_text = "\n".join(p.text for p in Document(tmp_path / "exact.docx").paragraphs)
    assert "Tiếp nhận ≤10 người nghi là nạn nhân" in pub_text and "≤10 bị can" in pub_text
    assert "Tiếp nhận 4 người nghi là nạn nhân" in exact_text and "≤10" not in exact_text
    assert "Bản công bố" in pub_text


def test_threshold_comes_from_the_plan(store):
    assert store.plan(2022).publication.threshold == 10
    from pipelines.outputs.publication import sensitive_elements
    assert sorted(sensitive_elements(store.plan(2022))) == sorted(SENSITIVE)
