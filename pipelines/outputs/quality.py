"""Data quality: which figures to doubt before they are reported upward.

Checks over the current versions of one year (the same for the command line and the dashboard):
- completeness (view v_completeness): per unit and quarter, whether the unit reported, how many
  cells of its template it left blank, which elements the template asks for it left out;
- backlog consistency: the plan's `carry_over` rules (backlog = previous backlog + inflow − outflow),
  each quarter against the unit's previous quarter, Q1 against the previous year's last quarter when
  that year's plan has the same rule; both numbers are shown;
- outliers: the plan's [[ranges]] (min–max per unit and quarter) where given; and against the unit's
  own history, a modified z-score (Iglewicz & Hoaglin: 0.6745 · (x − median) / MAD, flagged when
  |z| > 3.5) where the unit has at least 8 quarters of the element meaning the same thing (years
  whose plans define it alike, see v_element_change). With fewer quarters the check says so instead
  of guessing;
- follow-up marks ("cần xác minh", table follow_up_mark, view v_follow_up): an analyst marks a value
  with a comment; the mark stays open while that value is current; a correction that changes the
  number clears it, and so can an analyst. Marking and clearing are audited.
"""
from __future__ import annotations

import statistics

import pandas as pd

from pipelines.accounts import users
from pipelines.localtime import utcnow
from pipelines.outputs import metrics
from pipelines.store import Store
from pipelines.store.load import audit

MIN_HISTORY = 8          # quarters of a unit's own history before judging a value against it
SHORT_LISTED = 6         # figures named when some of a unit's figures have too little history
Z_THRESHOLD = 3.5        # |modified z| above this is an outlier (Iglewicz & Hoaglin)
Z_FACTOR = 0.6745        # makes the MAD comparable with a standard deviation for normal data

CHECK_NAMES = {
    "not_reported": "Chưa nộp báo cáo",
    "blank": "Ô để trống",
    "missing_element": "Thiếu chỉ tiêu trong tệp",
    "backlog_mismatch": "Số tồn không khớp quý trước",
    "out_of_range": "Ngoài khoảng của kế hoạch",
    "outlier": "Bất thường so với lịch sử",
    "short_history": "Chưa đủ lịch sử để so sánh",
    "follow_up": "Cần xác minh",
}
FINDING_COLUMNS = ["check", "unit", "year", "quarter", "element", "value", "expected", "detail", "follow_up"]
MARK_STATUS_NAMES = {"open": "Đang chờ xác minh", "corrected": "Đã sửa (bản mới)", "cleared": "Đã xác minh"}


class QualityError(ValueError):
    """A mark that cannot be made or cleared (unknown value, empty comment...)."""


# -- completeness --------------------------------------------------------------------------------
def completeness(store: Store, year: int, quarter: int | None = None) -> pd.DataFrame:
    """Per unit and quarter: reported, elements_expected, elements_with_value, elements_blank,
    elements_missing (list of codes), with the unit's name."""
    where, params = ["c.year = ?"], [year]
    if quarter:
        where.append("c.quarter = ?")
        params.append(quarter)
    df = store.query_df(
        f"""SELECT c.unit, u.name AS unit_name, c.year, c.quarter, c.reported, c.submission_id,
                   c.elements_expected, c.elements_with_value, c.elements_blank, c.elements_missing
            FROM v_completeness c JOIN dim_unit u ON u.year = c.year AND u.code = c.unit
            WHERE {' AND '.join(where)} ORDER BY c.quarter, u.sort""", params)
    df["elements_missing"] = [list(v) if v is not None else [] for v in df["elements_missing"]]
    return df


def blanks(store: Store, year: int, quarter: int | None = None) -> pd.DataFrame:
    """The blank cells (NULL values) of current versions: unit, quarter, element."""
    df = metrics.current_values(store, year, quarter)
    return df[df["value"].isna()][["unit", "year", "quarter", "element"]].reset_index(drop=True)


# -- backlog consistency -------------------------------------------------------------------------
def _values(store: Store, years: list[int]) -> dict[tuple[int, int, str, str], int | None]:
    marks = ", ".join("?" for _ in years)
    rows = store.query_df(f"SELECT year, quarter, unit, element, value FROM v_current_value WHERE year IN ({marks})",
                          years)
    return {(int(y), int(q), u, e): (None if pd.isna(v) else int(v))
            for y, q, u, e, v in rows.itertuples(index=False)}


def backlog_checks(store: Store, year: int, quarter: int | None = None) -> pd.DataFrame:
    """Every backlog that can be checked (both quarters reported): unit, quarter, element (the
    backlog), rule, reported, previous (year, quarter), previous_backlog, inflow, outflow, expected,
    matches. The identity comes from the plan's carry_over rules, not from code."""
    plan = store.plan(year)
    previous_plan = store.plan(year - 1)
    values = _values(store, [year, year - 1] if previous_plan else [year])
    quarters = sorted(plan.quarter_by_number)
    rows = []
    for rule in (r for r in plan.rules if r.kind == "carry_over"):
        for q in quarters:
            if quarter and q != quarter:
                continue
            if q != quarters[0]:
                py, pq = year, quarters[quarters.index(q) - 1]
            elif previous_plan is not None and any(
                    r.kind == "carry_over" and (r.backlog, r.inflow, r.outflow) == (rule.backlog, rule.inflow, rule.outflow)
                    for r in previous_plan.rules):
                py, pq = year - 1, max(previous_plan.quarter_by_number)
            else:
                continue
            for unit in plan.unit_by_code:
                reported = values.get((year, q, unit, rule.backlog))
                parts = [values.get((py, pq, unit, e)) for e in (rule.backlog, rule.inflow, rule.outflow)]
                if reported is None or None in parts:
                    continue
                expected = parts[0] + parts[1] - parts[2]
                rows.append({"unit": unit, "year": year, "quarter": q, "element": rule.backlog, "rule": rule.code,
                             "reported": reported, "previous_year": py, "previous_quarter": pq,
                             "previous_backlog": parts[0], "inflow": parts[1], "outflow": parts[2],
                             "inflow_element": rule.inflow, "outflow_element": rule.outflow,
                             "expected": expected, "matches": reported == expected})
    columns = ["unit", "year", "quarter", "element", "rule", "reported", "previous_year", "previous_quarter",
               "previous_backlog", "inflow", "outflow", "inflow_element", "outflow_element", "expected", "matches"]
    return pd.DataFrame(rows, columns=columns)


# -- outliers ------------------------------------------------------------------------------------
def modified_z(value: float, history: list[float]) -> float | None:
    """Modified z-score of `value` within `history` (which includes it): 0.6745 · (x − median) / MAD.
    None when the MAD is 0 (most quarters carry the same count, as with rare events: a single case
    is then not "unusual" in any measurable sense)."""
    med = statistics.median(history)
    mad = statistics.median(abs(x - med) for x in history)
    return Z_FACTOR * (value - med) / mad if mad > 0 else None


def _comparable_years(store: Store, year: int) -> dict[str, list[int]]:
    """Per element of `year`'s plan: the years (this one first, then back) in which it means the same
    thing for a unit (same unit of measure and rule over time; the set of units may differ)."""
    chain = store.query_df("SELECT year, element, difference FROM mart_element_change WHERE year <= ?", [year])
    ok = {(int(y), e) for y, e, d in chain.itertuples(index=False) if pd.isna(d) or d == "units_differ"}
    out = {}
    for e in store.plan(year).element_by_code:
        years = [year]
        while (years[-1], e) in ok:
            years.append(years[-1] - 1)
        out[e] = years
    return out


def outlier_checks(store: Store, year: int, quarter: int | None = None) -> pd.DataFrame:
    """Every reported value of `year` (or one quarter) judged against the plan's range, where given,
    and the unit's own history: unit, quarter, element, value, range_min, range_max, out_of_range,
    history_quarters, median, z, history ('short': fewer than MIN_HISTORY quarters, not judged;
    'flat': MAD 0, not judged; 'ok'), outlier (None when not judged)."""
    plan = store.plan(year)
    years_of = _comparable_years(store, year)
    all_years = sorted({y for ys in years_of.values() for y in ys})
    values = _values(store, all_years)
    history: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    for (y, q, u, e), v in values.items():
        if v is not None and e in years_of and y in years_of[e]:
            history.setdefault((u, e), []).append((y, q, v))
    ranges = {}
    for rg in plan.ranges:
        for unit in plan.units:
            if rg.applies_to(unit):
                ranges[(unit.code, rg.element)] = rg
    rows = []
    for (y, q, u, e), v in sorted(values.items()):
        if y != year or v is None or (quarter and q != quarter) or u not in plan.unit_by_code:
            continue
        rg = ranges.get((u, e))
        past = [x for _, _, x in history.get((u, e), [])]
        enough = len(past) >= MIN_HISTORY
        z = modified_z(v, past) if enough else None
        judged = "short" if not enough else ("flat" if z is None else "ok")
        rows.append({"unit": u, "year": y, "quarter": q, "element": e, "value": v,
                     "range_min": rg.min if rg else None, "range_max": rg.max if rg else None,
                     "out_of_range": bool(rg and not rg.min <= v <= rg.max),
                     "history_quarters": len(past), "median": statistics.median(past) if past else None, "z": z,
                     "history": judged, "outlier": abs(z) > Z_THRESHOLD if judged == "ok" else None})
    columns = ["unit", "year", "quarter", "element", "value", "range_min", "range_max", "out_of_range",
               "history_quarters", "median", "z", "history", "outlier"]
    return pd.DataFrame(rows, columns=columns)


# -- follow-up marks -----------------------------------------------------------------------------
def marks(store: Store, year: int | None = None, quarter: int | None = None,
          states: tuple[str, ...] = ("open",)) -> pd.DataFrame:
    """Follow-up marks in the given states ('open', 'corrected', 'cleared'), newest first, with the
    marked and current values and times in the plan's time zone left to the caller (UTC here)."""
    where, params = [f"f.status IN ({', '.join('?' for _ in states)})"], list(states)
    if year:
        where.append("f.year = ?")
        params.append(year)
    if quarter:
        where.append("f.quarter = ?")
        params.append(quarter)
    return store.query_df(
        f"""SELECT f.id, f.year, f.quarter, f.unit, u.name AS unit_name, f.element, e.name AS element_name,
                   f.value, f.current_value, f.check_code, f.comment, f.marked_by, f.marked_at, f.status,
                   f.cleared_by, f.cleared_at, f.clear_note
            FROM v_follow_up f
            LEFT JOIN dim_unit u ON u.year = f.year AND u.code = f.unit
            LEFT JOIN dim_element e ON e.year = f.year AND e.code = f.element
            WHERE {' AND '.join(where)} ORDER BY f.id DESC""", params)


def mark(store: Store, user: users.User | None, year: int, quarter: int, unit: str, element: str,
         comment: str, check: str = "manual") -> int:
    """Mark the current value of (unit, year, quarter, element) "cần xác minh" (analysts and up)."""
    actor = users.require(users.get_user(store, user.name) if user else None, "analyst")
    comment = (comment or "").strip()
    if not comment:
        raise QualityError("Cần ghi nhận xét: điều gì cần xác minh với đơn vị.")
    with store.transaction() as con:
        row = con.execute("SELECT value FROM v_current_value WHERE year = ? AND quarter = ? AND unit = ? "
                          "AND element = ?", [year, quarter, unit, element]).fetchone()
        if row is None:
            raise QualityError(f"Không có số liệu {element} của {unit} quý {quarter}/{year} để đánh dấu.")
        mark_id = con.execute(
            "INSERT INTO follow_up_mark (year, quarter, unit, element, value, check_code, comment, marked_by, "
            "marked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [year, quarter, unit, element, row[0], check, comment, actor.name, utcnow()]).fetchone()[0]
        audit(con, actor.name, "follow_up_mark",
              f"#{mark_id} {unit} {year} Q{quarter} {element} = {row[0] if row[0] is not None else 'trống'}: {comment}")
    return int(mark_id)


def clear(store: Store, user: users.User | None, mark_id: int, note: str = "") -> None:
    """Clear an open mark after verifying the value with the unit (analysts and up)."""
    actor = users.require(users.get_user(store, user.name) if user else None, "analyst")
    with store.transaction() as con:
        row = con.execute("SELECT unit, year, quarter, element, status FROM v_follow_up WHERE id = ?",
                          [mark_id]).fetchone()
        if row is None:
            raise QualityError(f"Không có dấu cần xác minh số {mark_id}.")
        if row[4] != "open":
            raise QualityError(f"Dấu số {mark_id} đã được giải quyết ({MARK_STATUS_NAMES[row[4]].lower()}).")
        con.execute("UPDATE follow_up_mark SET cleared_by = ?, cleared_at = ?, clear_note = ? WHERE id = ?",
                    [actor.name, utcnow(), (note or "").strip() or None, mark_id])
        audit(con, actor.name, "follow_up_clear",
              f"#{mark_id} {row[0]} {row[1]} Q{row[2]} {row[3]}" + (f": {note.strip()}" if note and note.strip() else ""))


# -- all findings --------------------------------------------------------------------------------
def _num(v) -> str:
    from pipelines.outputs import fmt
    return fmt.num(v)


def findings(store: Store, year: int, quarter: int | None = None) -> pd.DataFrame:
    """Every figure to doubt, one row each (FINDING_COLUMNS): check, unit, year, quarter, element,
    value, expected (the backlog the previous quarter implies; the median of the history), detail
    (Vietnamese), follow_up (the comment of an open mark on that value)."""
    plan = store.plan(year)
    element_names = {e.code: e.name for e in plan.elements} if plan else {}
    names = lambda code: element_names.get(code, code)  # noqa: E731  (the plan's words, not its codes)
    rows: list[dict] = []
    comp = completeness(store, year, quarter)
    late = metrics.compliance(store, year)
    missing = {(r.unit, r.quarter) for r in late.itertuples() if r.status == "missing"}
    for r in comp.itertuples():
        if not r.reported and (r.unit, r.quarter) in missing:
            rows.append(_f("not_reported", r.unit, year, r.quarter, detail="Đã quá hạn, chưa có báo cáo."))
        for e in r.elements_missing:
            rows.append(_f("missing_element", r.unit, year, r.quarter, e,
                           detail=f"Mẫu của đơn vị có {e} nhưng tệp đã nạp không có dòng này."))
    for b in blanks(store, year, quarter).itertuples():
        rows.append(_f("blank", b.unit, year, b.quarter, b.element, detail="Để trống (không báo cáo)."))
    for b in backlog_checks(store, year, quarter).itertuples():
        if b.matches:
            continue
        rows.append(_f("backlog_mismatch", b.unit, year, b.quarter, b.element, b.reported, b.expected,
                       f"Quý {b.quarter}/{year} ghi {_num(b.reported)}; theo quý {b.previous_quarter}/{b.previous_year}: "
                       f"{_num(b.previous_backlog)} + {_num(b.inflow)} ({names(b.inflow_element)}) − {_num(b.outflow)} "
                       f"({names(b.outflow_element)}) = {_num(b.expected)}."))
    out = outlier_checks(store, year, quarter)
    for o in out.itertuples():
        if o.out_of_range:
            rows.append(_f("out_of_range", o.unit, year, o.quarter, o.element, o.value, None,
                           f"{_num(o.value)} nằm ngoài khoảng {_num(o.range_min)}–{_num(o.range_max)} của kế hoạch."))
        if o.outlier is True:
            rows.append(_f("outlier", o.unit, year, o.quarter, o.element, o.value, o.median,
                           f"Báo cáo {_num(o.value)}, {unusual_in_words(o.value, o.median)} "
                           f"(trung vị {_median(o.median)} của {o.history_quarters} quý; "
                           f"điểm z hiệu chỉnh {_z(o.z)}, ngưỡng {_z(Z_THRESHOLD)})."))
    short = out[out["history"] == "short"]
    judged_units = set(out.loc[out["history"] != "short", "unit"])
    for unit, group in short.groupby("unit", sort=False):
        least = group.groupby("element")["history_quarters"].max().sort_values()
        if unit not in judged_units and least.nunique() == 1 and len(least) > SHORT_LISTED:
            # a first year: every figure of the unit has the same few quarters; naming six of them
            # and "…" said less than the count does
            detail = (f"Mới có {least.iloc[0]} quý số liệu ở mọi chỉ tiêu đã báo cáo; cần {MIN_HISTORY} quý cùng nghĩa để so "
                      f"với lịch sử của đơn vị.")
        else:
            listed = ", ".join(f"{names(e)} ({n} quý)" for e, n in least.head(SHORT_LISTED).items())
            more = len(least) - SHORT_LISTED
            detail = (f"Chưa đủ {MIN_HISTORY} quý số liệu cùng nghĩa để so với lịch sử của đơn vị: {listed}"
                      + (f" và {more} chỉ tiêu khác." if more > 0 else "."))
        rows.append(_f("short_history", unit, year, None, None, detail=detail))
    open_marks = marks(store, year, quarter)
    for m in open_marks.itertuples():
        rows.append(_f("follow_up", m.unit, year, m.quarter, m.element, m.value, None,
                       f"{m.comment} — {m.marked_by}"))
    df = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    by_value = {(m.unit, m.quarter, m.element): m.comment for m in open_marks.itertuples()}
    df["follow_up"] = [by_value.get((u, q, e)) if c != "follow_up" else None
                       for c, u, q, e in zip(df["check"], df["unit"], df["quarter"], df["element"])]
    order = {u.code: i for i, u in enumerate(plan.units)}
    df["_o"] = [order.get(u, 999) for u in df["unit"]]
    df = df.sort_values(["quarter", "_o", "check"], na_position="first", kind="stable").drop(columns="_o")
    for col in ("year", "quarter", "value"):
        df[col] = df[col].astype("Int64")
    df["expected"] = [None if e is None or pd.isna(e) else (int(e) if float(e).is_integer() else float(e))
                      for e in df["expected"]]
    return df.reset_index(drop=True)


def _f(check, unit, year, quarter, element=None, value=None, expected=None, detail="") -> dict:
    return {"check": check, "unit": unit, "year": year, "quarter": quarter, "element": element,
            "value": value, "expected": expected, "detail": detail, "follow_up": None}


def _median(m: float) -> str:
    return _z(m) if m % 1 else _num(m)


def unusual_in_words(value: float, median: float) -> str:
    """How far a value is from what the unit usually reports, as a reader says it: "gấp 5,5 lần
    mức thường thấy của đơn vị", "chỉ bằng 20 % mức thường thấy …", "… thường báo 0"."""
    from pipelines.outputs import fmt
    if median == 0:
        return "trong khi đơn vị thường báo 0"
    ratio = value / median
    if ratio >= 1:
        return f"gấp {fmt.num(ratio, 1)}\u00a0lần mức thường thấy của đơn vị"
    return f"chỉ bằng {fmt.num(ratio * 100, 0)}\u00a0% mức thường thấy của đơn vị"


def _z(z: float) -> str:
    from pipelines.outputs import fmt
    return fmt.num(z, 1)


def summary(store: Store, year: int, quarter: int | None = None, found: pd.DataFrame | None = None) -> pd.DataFrame:
    """How many findings of each check (check, name, count), in CHECK_NAMES order: what a viewer sees."""
    found = findings(store, year, quarter) if found is None else found
    counts = found["check"].value_counts()
    return pd.DataFrame({"check": list(CHECK_NAMES), "name": list(CHECK_NAMES.values()),
                         "count": [int(counts.get(c, 0)) for c in CHECK_NAMES]})
