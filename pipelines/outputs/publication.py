"""Publication-safe counts: small counts of people hidden so that no one can be identified.

The rule (README, "Publication-safe tables"), for each sensitive element of the plan ([publication]
in the plan file: `NN_*` victims and `BI_CAN` defendants by default) and one year:

* Every count the dashboard, the exports and the report can publish is a sum of the base cells
  x(unit, quarter): the value of a unit, an area of the plan's hierarchy or the town for each report
  period of the plan (Q1..Q4, H1, 9M, Y). All these published counts are decided together, so that no table of the year can be
  combined with another to undo the hiding.
* Primary suppression: a count from 1 to the threshold (default 10) is shown as "≤10" (zero stays).
* Complementary suppression: a hidden count must not be pinned by the counts still shown. For each
  hidden count the smallest and largest values it can take are solved exactly (integer linear
  programming: shown counts as equations, "≤10" counts within 1..10, "x" counts 0 or above the
  threshold — what a reader can infer); while one is pinned, one more count sharing its base cells
  is hidden as "x" (the smallest one above the threshold first). Hiding only ever widens the range.
* A rate is not shown when any count of its numerator or denominator is hidden.

The committee's internal views and the report to the province stay exact; this applies only when a
publication copy is asked for (`--publication`, the dashboard's "bản công bố" downloads).
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.outputs import metrics
from pipelines.plan import Plan
from pipelines.store import Store

TOWN = metrics.TOWN
HIDDEN = "x"
BIG = 10**6  # an upper bound no count of people in a district reaches


def sensitive_elements(plan: Plan) -> list[str]:
    pats = plan.publication.sensitive
    return [e.code for e in plan.elements if any(fnmatch.fnmatchcase(e.code, p) for p in pats)]


def small_label(threshold: int) -> str:
    return f"≤{threshold}"


@dataclass
class Cell:
    key: tuple[str, str, str]          # (element, scope, period)
    terms: tuple[int, ...]             # indices of the base cells it sums
    value: int


@dataclass
class Grid:
    """The published counts of one element and the base cells they sum."""
    element: str
    base: list[tuple[str, int]]        # (unit, quarter) of each base variable
    values: np.ndarray                 # their values
    cells: list[Cell] = field(default_factory=list)


def grid(plan: Plan, element: str, values: pd.DataFrame, members: dict[str, list[str]] | None = None) -> Grid:
    """`values`: unit, quarter, value (reported base cells of this element; blank = not reported).
    `members`: each scope that figures are shown for (the town 'ALL', the plan's areas, each unit) →
    its reporting units; default: each unit alone and the town."""
    rep = values.dropna(subset=["value"])
    base = [(str(r.unit), int(r.quarter)) for r in rep.itertuples()]
    g = Grid(element, base, np.array([int(v) for v in rep["value"]], dtype=np.int64))
    index = {b: i for i, b in enumerate(base)}
    units = list(dict.fromkeys(u for u, _ in base))
    if members is None:
        members = {u.code: [u.code] for u in plan.units} | {TOWN: [u.code for u in plan.units]}
    for p in plan.periods:
        for scope, its_units in members.items():
            terms = tuple(sorted(index[(u, q)] for u in its_units if u in units for q in p.quarters
                                 if (u, q) in index))
            if terms:
                g.cells.append(Cell((element, scope, p.code), terms, int(g.values[list(terms)].sum())))
    return g


def scope_members(store: Store, year: int) -> dict[str, list[str]]:
    """Every scope of the hierarchy → the reporting units it sums (a unit → itself)."""
    sc = metrics.scopes(store, year)
    units = list(sc.loc[sc["level"] == "unit", "code"])
    members: dict[str, list[str]] = {code: [] for code in sc["code"]}
    for r in sc[sc["level"] == "unit"].itertuples():
        members[r.code].append(r.code)
        ancestors = [] if r.ancestors is None or r.ancestors is pd.NA else list(r.ancestors)
        for a in ancestors:
            members.setdefault(a, []).append(r.code)
    members[TOWN] = units
    return {k: v for k, v in members.items() if v}


def value_range(g: Grid, shown: list[Cell], small: list[Cell], other: list[Cell], target: Cell,
                threshold: int) -> tuple[float, float]:
    """The smallest and largest integer value `target` can take given what is published: `shown`
    counts exactly, `small` counts in 1..threshold, `other` hidden counts 0 or above the threshold."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n, k = len(g.base), len(other)

    def row(cell: Cell, z: int | None = None, zcoef: float = 0.0) -> np.ndarray:
        r = np.zeros(n + k)
        r[list(cell.terms)] = 1
        if z is not None:
            r[n + z] = zcoef
        return r

    rows, lo, hi = [], [], []
    for c in shown:
        rows.append(row(c)); lo.append(c.value); hi.append(c.value)
    for c in small:
        rows.append(row(c)); lo.append(1); hi.append(threshold)
    for j, c in enumerate(other):          # 0 when z = 0; threshold+1 .. BIG when z = 1
        rows.append(row(c, j, -BIG)); lo.append(-np.inf); hi.append(0)
        rows.append(row(c, j, -(threshold + 1))); lo.append(0); hi.append(np.inf)
    cons = [LinearConstraint(np.array(rows), lo, hi)] if rows else []
    bounds = Bounds(np.zeros(n + k), np.concatenate([np.full(n, BIG), np.ones(k)]))
    obj = row(target)
    out = []
    for sign in (1, -1):
        res = milp(sign * obj, constraints=cons, bounds=bounds, integrality=np.ones(n + k))
        if res.status != 0:
            raise RuntimeError(f"publication: no solution for {target.key} ({res.message})")
        out.append(sign * res.fun)
    return out[0], out[1]


def suppress(g: Grid, threshold: int) -> dict[tuple[str, str, str], str]:
    """The hidden published counts of one element: key → "small" (1..threshold) or "other"."""
    hidden = {c.key: "small" for c in g.cells if 1 <= c.value <= threshold}
    by_key = {c.key: c for c in g.cells}
    todo = [c for c in g.cells if c.key in hidden]
    while todo:
        target = todo[0]
        shown = [c for c in g.cells if c.key not in hidden]
        small = [c for c in g.cells if hidden.get(c.key) == "small"]
        other = [c for c in g.cells if hidden.get(c.key) == "other"]
        lo, hi = value_range(g, shown, small, other, target, threshold)
        if hi - lo >= 1 - 1e-9:
            todo.pop(0)
            continue
        # Pinned: hide one more shown count that shares a base cell with it: the smallest count above
        # the threshold first (the least information lost), zeros last, then the narrowest.
        mine = set(target.terms)
        candidates = [c for c in shown if mine & set(c.terms)]
        if not candidates:
            raise RuntimeError(f"publication: cannot protect {target.key}")
        pick = min(candidates, key=lambda c: (c.value == 0, c.value, len(c.terms), c.key))
        hidden[pick.key] = "other"
        todo.append(by_key[pick.key])
    return hidden


@dataclass
class Publication:
    """Which counts of one year a publication copy hides, and how to show them."""
    year: int
    threshold: int
    elements: list[str]
    hidden: dict[tuple[str, str, str], str]
    indicator_terms: dict[str, list[str]]
    quarter_period: dict[int, str]     # quarter → the code of the period of that quarter alone

    def is_hidden(self, element: str, scope: str, period: str) -> bool:
        return (element, scope, period) in self.hidden

    def label(self, element: str, scope: str, period: str) -> str | None:
        """"≤10", "x", or None when the count is shown as it is."""
        kind = self.hidden.get((element, scope, period))
        if kind is None:
            return None
        return small_label(self.threshold) if kind == "small" else HIDDEN

    def rate_hidden(self, indicator: str, scope: str, period: str) -> bool:
        return any(self.is_hidden(e, scope, period) for e in self.indicator_terms.get(indicator, []))


def publication(store: Store, year: int) -> Publication:
    """Decide the year's hidden counts (cached until the store changes)."""
    key = (store.key, store.data_version(), year)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    plan = store.plan(year)
    threshold = plan.publication.threshold
    elements = [e for e in sensitive_elements(plan) if plan.element_by_code[e].over_time == "sum"]
    hidden: dict[tuple[str, str, str], str] = {}
    if elements:
        values = metrics.current_values(store, year, elements=elements)
        members = scope_members(store, year)
        for e in elements:
            g = grid(plan, e, values[values["element"] == e][["unit", "quarter", "value"]], members)
            hidden |= suppress(g, threshold)
    # A backlog ("first") element is not a sum of quarters: its small counts are hidden as they are.
    firsts = [e for e in sensitive_elements(plan) if e not in elements]
    if firsts:
        vals = metrics.scope_values(store, year, elements=firsts)
        for r in vals.itertuples():
            if not pd.isna(r.value) and 1 <= int(r.value) <= threshold:
                hidden[(r.element, r.scope, r.period)] = "small"
    terms = {i.code: [*i.numerator, *i.denominator] for i in plan.indicators}
    single = {p.quarters[0]: p.code for p in plan.periods if len(p.quarters) == 1}
    pub = Publication(year, threshold, sensitive_elements(plan), hidden, terms, single)
    _CACHE.clear()
    _CACHE[key] = pub
    return pub


_CACHE: dict[tuple, Publication] = {}


def values_frame(pub: Publication, df: pd.DataFrame) -> pd.DataFrame:
    """An `export --what values` frame (unit, quarter, element, value) made safe for publication:
    hidden values become their label ("≤10", "x")."""
    out = df.copy()
    labels = [pub.label(e, u, pub.quarter_period[int(q)])  # by columns: iterrows is ~20× slower
              for e, u, q in zip(out["element"], out["unit"], out["quarter"])]
    out["value"] = [v if label is None else label for v, label in zip(out["value"].astype(object), labels)]
    return out


def attainment_frame(pub: Publication, df: pd.DataFrame) -> pd.DataFrame:
    """Attainment rows with the rate, its parts and its verdict blanked where a part is hidden."""
    out = df.copy()
    for col in ("numerator", "denominator", "value", "needed"):
        if col in out:
            out[col] = out[col].astype(object)
    for i, r in out.iterrows():
        if pub.rate_hidden(r["indicator"], r["unit"], r["period"]):
            for col in ("numerator", "denominator", "value", "needed", "status", "period_status"):
                if col in out:
                    out.at[i, col] = HIDDEN
    return out


def publication_frame(store: Store, year: int, what: str, df: pd.DataFrame) -> pd.DataFrame:
    """An export frame (`export --what …`, machine or Vietnamese column names kept) made safe for
    publication: values and attainment rows are masked; timeliness and tasks hold no counts of people."""
    pub = publication(store, year)
    if what == "values":
        return values_frame(pub, df)
    if what == "attainment":
        return attainment_frame(pub, df)
    return df
