"""A year's plan over time: what changes between two versions, and the rule that a changed plan is
installed over a year that holds data only when asked to (`init --plan FILE --replace`).

Every installed version is kept (`plan_version`: text and hash) and each submission records the
version it was validated with (`submission.plan_sha`), so a re-judged history can always be traced
to the plan that judged it. `make run` (init without --replace) never installs a changed plan over a
year with data: it says what would change and keeps the plan in force.
"""
from __future__ import annotations

from decimal import Decimal

from pipelines.plan import Plan


def _target(op: str, target: float) -> str:
    """('>', 0.9) → '> 90 %' (the store does not import outputs: a plain formatting is enough here)."""
    pct = format(Decimal(str(target)) * 100, "f").rstrip("0").rstrip(".").replace(".", ",")
    return f"{ {'>=': '≥'}.get(op, op) } {pct} %"


def _date(d) -> str:
    return d.strftime("%d/%m/%Y")


class PlanChangeRefused(RuntimeError):
    """A changed plan for a year that holds data, without --replace. `changes` says what it would change."""

    def __init__(self, year: int, changes: list[str], submissions: int):
        self.year, self.changes, self.submissions = year, changes, submissions
        super().__init__(
            f"Kế hoạch năm {year} đã có {submissions} bản báo cáo được chấm theo kế hoạch đang dùng; tệp mới "
            f"thay đổi: " + "; ".join(changes or ["(chỉ khác phần chữ)"]) +
            f". Muốn chấm lại toàn bộ theo kế hoạch mới, chạy lại với --replace (việc này được ghi nhật ký).")


def _codes(label: str, old: set[str], new: set[str]) -> list[str]:
    out = []
    if new - old:
        out.append(f"thêm {label} {', '.join(sorted(new - old))}")
    if old - new:
        out.append(f"bỏ {label} {', '.join(sorted(old - new))}")
    return out


def changes(old: Plan, new: Plan) -> list[str]:
    """What installing `new` over `old` changes that the figures depend on: targets, rules, units,
    elements, deadlines (one Vietnamese line each; empty when only wording differs)."""
    out: list[str] = []
    old_i, new_i = {i.code: i for i in old.indicators}, {i.code: i for i in new.indicators}
    out += _codes("tỷ lệ", set(old_i), set(new_i))
    for code in sorted(set(old_i) & set(new_i)):
        a, b = old_i[code], new_i[code]
        if (a.op, a.target) != (b.op, b.target):
            out.append(f"mục tiêu {code}: {_target(a.op, a.target)} → {_target(b.op, b.target)}")
        if (a.numerator, a.denominator) != (b.numerator, b.denominator):
            out.append(f"cách tính {code}: {'+'.join(a.numerator)} ÷ {'+'.join(a.denominator)} → "
                       f"{'+'.join(b.numerator)} ÷ {'+'.join(b.denominator)}")
        if a.judged_on != b.judged_on:
            out.append(f"kỳ đánh giá {code}: {a.judged_on} → {b.judged_on}")
    old_r, new_r = {r.code: r for r in old.rules}, {r.code: r for r in new.rules}
    out += _codes("quy tắc", set(old_r), set(new_r))
    for code in sorted(set(old_r) & set(new_r)):
        a, b = old_r[code].model_dump(exclude={"message"}), new_r[code].model_dump(exclude={"message"})
        if a != b:
            what = [k for k in a if a[k] != b[k]]
            out.append(f"quy tắc {code}: đổi {', '.join(what)}"
                       + (f" ({a['level']} → {b['level']})" if "level" in what else ""))
    out += _codes("đơn vị", {u.code for u in old.units}, {u.code for u in new.units})
    out += _codes("chỉ tiêu", {e.code for e in old.elements}, {e.code for e in new.elements})
    for code in sorted({e.code for e in old.elements} & {e.code for e in new.elements}):
        if old.element_by_code[code].over_time != new.element_by_code[code].over_time:
            out.append(f"cách cộng dồn {code}: {old.element_by_code[code].over_time} → "
                       f"{new.element_by_code[code].over_time}")
    for u in new.units:
        if u.code in old.unit_by_code and old.unit_elements(u.code) != new.unit_elements(u.code):
            out.append(f"chỉ tiêu của đơn vị {u.code}")
    old_q, new_q = old.quarter_by_number, new.quarter_by_number
    for q in sorted(set(old_q) | set(new_q)):
        a, b = old_q.get(q), new_q.get(q)
        if a is None or b is None:
            out.append(f"{'thêm' if a is None else 'bỏ'} quý {q}")
        elif a.due != b.due:
            out.append(f"hạn nộp quý {q}: {_date(a.due)} → {_date(b.due)}")
        elif (a.data_from, a.data_to) != (b.data_from, b.data_to):
            out.append(f"kỳ số liệu quý {q}: {_date(a.data_from)}–{_date(a.data_to)} → "
                       f"{_date(b.data_from)}–{_date(b.data_to)}")
    if old.plan.timezone != new.plan.timezone:
        out.append(f"múi giờ: {old.plan.timezone} → {new.plan.timezone}")
    return out
