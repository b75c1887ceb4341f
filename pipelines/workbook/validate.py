"""RawWorkbook + plan → a typed Submission and every problem found (plan §5, workbook.md).

Errors refuse the file; warnings are kept with the submission. Every problem names where it is
(sheet!cell), a stable code and a Vietnamese message with the value found.
"""
from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass, field
from typing import Callable

from pipelines.plan import Plan, Rule
from pipelines.problems import Problem, error, shown, warning
from pipelines.text import fold, nfc, norm_code
from pipelines.workbook.numbers import parse_count
from pipelines.workbook.read import DATA_SHEET, RawWorkbook

OPS: dict[str, Callable[[int, int], bool]] = {
    "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "=": operator.eq}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

# Given a unit, year and quarter: that unit's current accepted values of the previous quarter, or None.
PreviousLookup = Callable[[str, int, int], "dict[str, int | None] | None"]


@dataclass
class Submission:
    unit: str
    year: int
    quarter: int
    values: dict[str, int | None] = field(default_factory=dict)   # None: not reported
    cells: dict[str, str] = field(default_factory=dict)           # element → "Số liệu!D14"
    tasks: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)  # task → (status, note, cell)
    unit_name_given: str | None = None
    prepared_on: str | None = None
    template_version: str | None = None


def _int_field(cell_value: object) -> int | None:
    if isinstance(cell_value, bool):
        return None
    if isinstance(cell_value, int):
        return cell_value
    if isinstance(cell_value, float) and cell_value.is_integer():
        return int(cell_value)
    if isinstance(cell_value, str) and cell_value.strip().isdigit():
        return int(cell_value.strip())
    return None


def parse_quarter(value: object) -> int | None:
    """1..4, "I".."IV", "Quý 2", "Quý II" (any case, diacritics or not)."""
    q = _int_field(value)
    if q is None and isinstance(value, str):
        text = re.sub(r"^quy\s*", "", fold(value))
        q = _ROMAN.get(text) or _int_field(text)
    return q if q in (1, 2, 3, 4) else None


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d/%m/%Y")
    text = nfc(str(value)).strip()
    return text or None


def validate(raw: RawWorkbook, plans: dict[int, Plan],
             previous: PreviousLookup | None = None) -> tuple[Submission | None, list[Problem]]:
    problems: list[Problem] = []
    name = raw.file_name

    # -- who and when --------------------------------------------------------------------------
    def info(key: str, label: str) -> tuple[object, str] | None:
        cell = raw.info.get(key)
        if cell is None and "Thông tin" not in raw.sheet_names:
            return None  # the missing sheet is already reported
        if cell is None or cell.value is None or (isinstance(cell.value, str) and not cell.value.strip()):
            where = cell.where if cell else raw.sheet_names.get("Thông tin", name)
            problems.append(error("missing_field", where, f"Thiếu “{label}” trên trang Thông tin.",
                                  hint=f"Ghi {label} vào ô bên phải nhãn “{label}”."))
            return None
        return cell.value, cell.where

    unit = year = quarter = None
    plan: Plan | None = None
    if (got := info("unit", "Mã đơn vị")) is not None:
        code = norm_code(got[0])
        known = {c for p in plans.values() for c in p.unit_by_code}
        if code in known:
            unit = code
        else:
            problems.append(error("unknown_unit", got[1], f"Mã đơn vị “{got[0]}” không có trong kế hoạch.",
                                  got[0], hint="Dùng đúng mã đơn vị in sẵn trên mẫu (ví dụ CA, P_PHO_HOA)."))
    if (got := info("year", "Năm")) is not None:
        year = _int_field(got[0])
        if year is None:
            problems.append(error("unknown_period", got[1], f"Năm “{got[0]}” không hợp lệ.", got[0],
                                  hint="Ghi năm bằng 4 chữ số, ví dụ 2022."))
    if (got := info("quarter", "Quý")) is not None:
        quarter = parse_quarter(got[0])
        if quarter is None:
            problems.append(error("unknown_period", got[1], f"Quý “{got[0]}” không hợp lệ.", got[0],
                                  hint="Ghi quý là 1, 2, 3 hoặc 4 (hoặc I, II, III, IV)."))
    if year is not None and quarter is not None:
        plan = plans.get(year)
        if plan is None or quarter not in plan.quarter_by_number:
            where = raw.info["year"].where
            problems.append(error("unknown_period", where,
                                  f"Không có kế hoạch nào cho quý {quarter} năm {year}.", f"{year}/Q{quarter}",
                                  hint="Kiểm tra năm và quý trên trang Thông tin."))
            plan = None
    if plan is not None and unit is not None and unit not in plan.unit_by_code:
        problems.append(error("unknown_unit", raw.info["unit"].where,
                              f"Đơn vị {unit} không có trong kế hoạch năm {year}.", unit))
        unit = None

    sub = Submission(unit=unit or "", year=year or 0, quarter=quarter or 0,
                     unit_name_given=_text(raw.info["unit_name"].value) if "unit_name" in raw.info else None,
                     prepared_on=_text(raw.info["prepared_on"].value) if "prepared_on" in raw.info else None,
                     template_version=_text(raw.info["template_version"].value) if "template_version" in raw.info else None)

    # -- counts --------------------------------------------------------------------------------
    elements = plan.element_by_code if plan else {e.code: e for p in plans.values() for e in p.elements}
    expected = set(plan.unit_elements(unit)) if plan and unit else None
    seen: dict[str, tuple[int | None, str]] = {}
    unparsed: dict[str, str] = {}   # element → cell: something was written there, but not a count
    for code_cell, value_cell in raw.values:
        code = norm_code(code_cell.value)
        where = value_cell.where if value_cell else code_cell.where
        if code not in elements:
            problems.append(error("unknown_element", code_cell.where, f"Mã chỉ tiêu “{code_cell.value}” không có trong kế hoạch.",
                                  code_cell.value, hint="Giữ nguyên cột Mã chỉ tiêu của mẫu."))
            continue
        parsed = parse_count(value_cell.value if value_cell else None)
        label = f"{code} ({elements[code].name})"
        if parsed.code:
            problems.append(error(parsed.code, where, f"Số liệu {label} không hợp lệ: “{shown(value_cell.value)}” — {parsed.reason}.",
                                  value_cell.value, hint="Ghi số nguyên không âm; để trống hoặc ghi “-” nếu không báo cáo."))
            unparsed.setdefault(code, where)
            continue
        if code in seen:
            if seen[code][0] != parsed.value:
                unparsed.setdefault(code, where)
                problems.append(error("duplicate_element", code_cell.where,
                                      f"Chỉ tiêu {code} xuất hiện hai lần với số liệu khác nhau "
                                      f"({seen[code][1]}: {seen[code][0]}; {where}: {parsed.value}).", code,
                                      hint="Giữ một dòng cho mỗi mã chỉ tiêu."))
            continue
        seen[code] = (parsed.value, where)
        if expected is not None and code not in expected:
            problems.append(warning("element_not_assigned", code_cell.where,
                                    f"Chỉ tiêu {code} không thuộc nội dung báo cáo của đơn vị {unit}; số liệu vẫn được ghi nhận.",
                                    code))
    sub.values = {c: v for c, (v, _) in seen.items()}
    sub.cells = {c: w for c, (_, w) in seen.items()}

    # -- rates and rules between counts --------------------------------------------------------
    # They run on the values that did parse, so a typo in one cell does not hide an inconsistency
    # between two others; a count that did not parse (or is given twice) is left out of them.
    if plan is not None:
        data_sheet = raw.sheet_names.get(DATA_SHEET, DATA_SHEET)
        problems += incomplete_rates(plan, sub, unparsed, data_sheet)
        parsed_only = Submission(sub.unit, sub.year, sub.quarter, cells=sub.cells,
                                 values={c: v for c, v in sub.values.items() if c not in unparsed})
        prev = previous(unit, year, quarter) if (previous and unit) else None
        for rule in plan.rules:
            problems += _check_rule(rule, parsed_only, prev)

    # -- tasks ---------------------------------------------------------------------------------
    if raw.tasks is None:
        problems.append(warning("missing_task_sheet", name,
                                "Không có trang “Nhiệm vụ”: đơn vị chưa báo cáo tình trạng thực hiện nhiệm vụ."))
    else:
        tasks = plan.task_by_code if plan else {t.code: t for p in plans.values() for t in p.tasks}
        statuses = plan.status_by_folded_name if plan else {k: v for p in plans.values() for k, v in p.status_by_folded_name.items()}
        for code_cell, status_cell, note_cell in raw.tasks:
            code = norm_code(code_cell.value)
            if code not in tasks:
                problems.append(error("unknown_task", code_cell.where, f"Mã nhiệm vụ “{code_cell.value}” không có trong kế hoạch.",
                                      code_cell.value, hint="Giữ nguyên cột Mã nhiệm vụ của mẫu."))
                continue
            raw_status = status_cell.value if status_cell else None
            if raw_status is None or (isinstance(raw_status, str) and not raw_status.strip()):
                continue  # not reported
            status = statuses.get(fold(raw_status))
            if status is None:
                names = ", ".join(s.name for s in (plan.task_statuses if plan else []))
                problems.append(error("unknown_status", status_cell.where,
                                      f"Tình trạng “{raw_status}” của nhiệm vụ {code} không hợp lệ.", raw_status,
                                      hint=f"Chọn một trong: {names}." if names else None))
                continue
            note = _text(note_cell.value) if note_cell else None
            if code in sub.tasks and sub.tasks[code][0] != status.code:
                problems.append(error("duplicate_task", code_cell.where,
                                      f"Nhiệm vụ {code} xuất hiện hai lần với tình trạng khác nhau.", code))
                continue
            sub.tasks[code] = (status.code, note, status_cell.where)

    if unit is None or year is None or quarter is None or plan is None:
        return None, problems
    return sub, problems


_HOW_MANY = {2: "hai", 3: "ba", 4: "bốn", 5: "năm"}


def incomplete_rates(plan: Plan, sub: Submission, unparsed: dict[str, str], data_sheet: str) -> list[Problem]:
    """A rate whose counts are reported only in part cannot be computed for the unit, and summing the
    half that is there into the town's rate would mislead (plan §5): one error per blank count.
    Zero is a number; a count written but not readable is reported (its own error says why)."""
    out: list[Problem] = []
    for ind in plan.indicators:
        terms = list(dict.fromkeys([*ind.numerator, *ind.denominator]))
        given = [e for e in terms if sub.values.get(e) is not None or e in unparsed]
        blank = [e for e in terms if e not in given]
        if not given or not blank:
            continue
        def cell(e: str) -> str:
            return sub.cells.get(e) or unparsed.get(e) or f"{data_sheet} (không có dòng {e})"
        written = ", ".join(f"{e} = {shown(sub.values[e]) if e not in unparsed else '?'} ({cell(e)})" for e in given)
        blanks = ", ".join(f"{e} ({cell(e)})" for e in blank)
        n = _HOW_MANY.get(len(terms), str(len(terms)))
        for e in blank:
            out.append(error(
                "incomplete_rate", sub.cells.get(e, data_sheet),
                f"Tỷ lệ {ind.code} ({ind.name}) cần đủ {n} số liệu {', '.join(terms)}: đã ghi {written} "
                f"nhưng để trống {blanks}. Thiếu một phần thì không tính được tỷ lệ của đơn vị.",
                hint=f"Ghi đủ cả {n} ô hoặc để trống cả {n}; không có việc nào thì ghi 0."))
    return out


def _check_rule(rule: Rule, sub: Submission, prev: dict[str, int | None] | None) -> list[Problem]:
    v = sub.values
    if rule.kind == "compare":
        if any(v.get(e) is None for e in rule.elements):
            return []  # checked only when every count it names is reported
        left, right = sum(v[e] for e in rule.left), sum(v[e] for e in rule.right)  # type: ignore[misc]
        if OPS[rule.op](left, right):  # type: ignore[index]
            return []
        lhs = " + ".join(f"{e} = {v[e]}" for e in rule.left)
        rhs = " + ".join(f"{e} = {v[e]}" for e in rule.right)
        detail = f"{lhs} {'>' if rule.op == '<=' else '<'} {rhs}" if rule.op in ("<=", ">=") else f"{lhs}; {rhs}"
        where = sub.cells.get(rule.left[0], DATA_SHEET)
        make = error if rule.level == "error" else warning
        return [make("rule", where, f"{rule.message} ({detail}).", left,
                     hint="Kiểm tra lại các số liệu liên quan." if rule.level == "error" else None)]
    # carry_over: backlog(Q) = backlog(Q-1) + inflow(Q-1) - outflow(Q-1)
    if prev is None or v.get(rule.backlog) is None:
        return []
    parts = [prev.get(rule.backlog), prev.get(rule.inflow), prev.get(rule.outflow)]
    if any(p is None for p in parts):
        return []
    expected = parts[0] + parts[1] - parts[2]  # type: ignore[operator]
    if v[rule.backlog] == expected:
        return []
    return [warning("rule", sub.cells.get(rule.backlog, DATA_SHEET),
                    f"{rule.message}: quý {sub.quarter} ghi {v[rule.backlog]}, theo quý {sub.quarter - 1} phải là "
                    f"{parts[0]} + {parts[1]} − {parts[2]} = {expected}.", v[rule.backlog])]
