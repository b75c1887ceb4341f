"""The plan as data: load a plan TOML file into typed, validated objects.

A plan file (data/plans/*.toml) holds every rule of one year's plan. Loading checks it whole and
reports every inconsistency at once (a unit of unknown kind, a rate naming an unknown element...),
so a mistake in next year's file is caught by `pipelines init`, not by a wrong chart.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pipelines.text import fold

PLANS_DIR = Path(__file__).resolve().parent.parent / "data" / "plans"

ALL = "all"
SCOPE_ALL = "ALL"   # the scope of every unit of the plan (the whole town for Đức Phổ)
UNIT_LEVEL = "unit"  # the level of reporting units, below the plan's `levels`
_CODE_RE = re.compile(r"[A-Z0-9_]{1,40}")


class PlanError(ValueError):
    """A plan file that cannot be used; the message lists every problem found."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanHeader(_Model):
    code: str
    year: int
    name: str
    issuer: str = ""
    province: str = ""
    place: str = ""                       # where reports are signed ("Đức Phổ, ngày …")
    committee: str = ""                   # the steering committee the reports go to
    scope_name: str = ""                  # the whole area, as pages and exports name it ("Toàn thị xã")
    collector: str = ""                   # the standing body that receives units' reports
    timezone: str = "Asia/Ho_Chi_Minh"
    template_version: str = "1"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        ZoneInfo(v)  # raises for an unknown zone
        return v


# Person-level headings of plan §7 (spec list), for plans that give none of their own.
DEFAULT_PERSONAL_HEADINGS = ("Họ tên", "Họ và tên", "Ngày sinh", "Năm sinh", "CCCD", "CMND", "Số định danh",
                             "Số điện thoại", "Địa chỉ", "Quê quán")


class Confidentiality(_Model):
    personal_headings: list[str] = Field(default=list(DEFAULT_PERSONAL_HEADINGS), min_length=1)


class Kind(_Model):
    name: str
    elements: list[str]


class Level(_Model):
    """A level of the hierarchy above the reporting units, e.g. country, province, district."""
    code: str
    name: str


class Area(_Model):
    """A place that reports nothing itself but adds up the units (and areas) under it."""
    code: str
    name: str
    level: str
    parent: str | None = None


class Unit(_Model):
    code: str
    name: str
    kind: str
    parent: str | None = None
    elements: list[str] | None = None  # overrides the kind's list
    addressee: str = ""                # who letters to the unit are addressed to ("UBND xã Phổ Châu"); blank: its name


class Element(_Model):
    code: str
    section: str
    name: str
    unit_of_measure: str = ""
    over_time: Literal["sum", "first"]
    key: bool = False  # a key activity: on the overview and in the province report


class Indicator(_Model):
    code: str
    name: str
    short_name: str
    numerator: list[str] = Field(min_length=1)
    denominator: list[str] = Field(min_length=1)
    op: Literal[">", ">=", "="]
    target: float = Field(gt=0, le=1)
    owner: str
    judged_on: Literal["period", "cumulative"] = "period"
    action: str = "thêm {n}"


class Rule(_Model):
    code: str
    kind: Literal["compare", "carry_over"]
    level: Literal["error", "warning"]
    message: str
    left: list[str] = []
    op: Literal["<=", ">=", "<", ">", "="] | None = None
    right: list[str] = []
    backlog: str | None = None
    inflow: str | None = None
    outflow: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> "Rule":
        if self.kind == "compare" and not (self.left and self.right and self.op):
            raise ValueError(f"rule {self.code}: compare needs left, op and right")
        if self.kind == "carry_over" and not (self.backlog and self.inflow and self.outflow):
            raise ValueError(f"rule {self.code}: carry_over needs backlog, inflow and outflow")
        return self

    @property
    def elements(self) -> list[str]:
        if self.kind == "compare":
            return [*self.left, *self.right]
        return [self.backlog, self.inflow, self.outflow]  # type: ignore[list-item]


class Range(_Model):
    """A plausible range of one unit's count for one quarter (data-quality check): values outside
    [min, max] are flagged for a closer look, not refused. `kinds` / `units` narrow it (default: all)."""
    element: str
    min: int = Field(default=0, ge=0)
    max: int = Field(ge=0)
    kinds: list[str] | None = None
    units: list[str] | None = None

    def applies_to(self, unit: "Unit") -> bool:
        return (self.kinds is None or unit.kind in self.kinds) and (self.units is None or unit.code in self.units)


class Task(_Model):
    code: str
    section: str
    name: str
    lead: list[str] | Literal["all"]
    participants: list[str] | Literal["all"]


class TaskStatus(_Model):
    code: str
    name: str


class Quarter(_Model):
    quarter: int = Field(ge=1, le=4)
    data_from: dt.date
    data_to: dt.date
    due: dt.date


class Period(_Model):
    code: str
    name: str
    quarters: list[int] = Field(min_length=1)


class Event(_Model):
    code: str
    name: str
    start: dt.date
    end: dt.date
    task: str | None = None


class DemoDoubt(_Model):
    """A figure the demo plants for the data-quality page: `values` replace the generated counts of
    `unit` in `quarter` (a typo, a backlog that does not carry over)."""
    unit: str
    quarter: int
    values: dict[str, int]


class DemoStory(_Model):
    """Who plays which part in the labelled demo year (pipelines/demo.py), so the story's unit codes
    live in the plan file: the unit with the tip-offs, cases and victims; the communes that receive a
    returning victim; the units that support victims and give legal aid; who never reports."""
    lead_unit: str
    victim_communes: list[str] = []
    support_unit: str | None = None
    legal_aid_unit: str | None = None
    missing: dict[str, list[str]] = {}   # quarter ("3") → units that send nothing
    tips: list[int] = Field(default=[2, 3, 2, 1], min_length=1)  # tip-offs the lead unit receives, per quarter
    unresolved_quarter: int = 2          # the quarter one tip-off is left unresolved
    case_quarters: list[int] = [2, 3]    # quarters with a case
    doubts: list[DemoDoubt] = []         # figures to doubt, planted for the data-quality page


class Signature(_Model):
    """Who signs a document: authority lines ("TM. Ban Chỉ đạo", "Trưởng ban") and the name (blank:
    written by hand when signing)."""
    sign_as: list[str] = []
    signer: str = ""


class DocumentForm(Signature):
    """One kind of document the committee sends (Nghị định 30/2020/NĐ-CP, Phụ lục I)."""
    symbol: str = ""                 # "BC-BCĐ" → "Số: …/BC-BCĐ"
    recipient: str = ""              # "Kính gửi: …" (a reminder letter names the unit instead)
    copies: list[str] = []           # "Nơi nhận:" lines, without the leading "- "
    archive: str = "Lưu: VT."


class Documents(_Model):
    """The heading block and the recipients/signers of the committee's documents. The sentences
    themselves live in an editable text file (data/templates/van_ban.toml)."""
    parent_body: str = ""            # cơ quan chủ quản, above the issuing body
    issuing_body: str = ""           # cơ quan ban hành; blank: the plan's committee
    send_to: str = ""                # where units send their reports (reminder letters)
    send_address: str = ""           # postal address named in reminder letters
    send_phone: str = ""             # telephone of the standing body, named in reminder letters
    send_email: str = ""             # e-mail the units send their reports to
    report: DocumentForm = DocumentForm()
    reminder: DocumentForm = DocumentForm()


class Publication(_Model):
    """Publication-safe tables: counts of people from 1 to `threshold` are shown as "≤threshold",
    for the elements matching `sensitive` (fnmatch patterns of element codes)."""
    threshold: int = Field(default=10, ge=1)
    sensitive: list[str] = ["NN_*", "BI_CAN"]


class Plan(_Model):
    plan: PlanHeader
    confidentiality: Confidentiality = Confidentiality()
    documents: Documents = Documents()
    publication: Publication = Publication()
    kinds: dict[str, Kind]
    levels: list[Level] = []          # top-down (country, province, district); units are the level below
    areas: list[Area] = []
    units: list[Unit]
    elements: list[Element]
    indicators: list[Indicator]
    rules: list[Rule]
    tasks: list[Task]
    task_statuses: list[TaskStatus]
    quarters: list[Quarter]
    periods: list[Period]
    events: list[Event] = []
    demo: DemoStory | None = None
    ranges: list[Range] = []

    # -- cross-references, all checked at once ---------------------------------------------------
    @model_validator(mode="after")
    def _references(self) -> "Plan":
        problems: list[str] = []
        unit_codes = [u.code for u in self.units]
        element_codes = [e.code for e in self.elements]
        for label, codes in (("đơn vị", unit_codes), ("chỉ tiêu", element_codes),
                             ("tỷ lệ", [i.code for i in self.indicators]),
                             ("nhiệm vụ", [t.code for t in self.tasks]),
                             ("kỳ báo cáo", [p.code for p in self.periods]),
                             ("quý", [q.quarter for q in self.quarters])):
            seen = set()
            for c in codes:
                if c in seen:
                    problems.append(f"{label} {c} được khai báo hai lần")
                seen.add(c)
        # Codes become file names (DonDoc_<UNIT>_…docx), sheet cells and URL parameters: letters,
        # digits and "_" only, so a plan cannot name a unit "x/../../evil".
        for label, codes in (("kế hoạch", [self.plan.code]), ("đơn vị", unit_codes),
                             ("địa bàn", [a.code for a in self.areas]), ("chỉ tiêu", element_codes),
                             ("tỷ lệ", [i.code for i in self.indicators]), ("quy tắc", [r.code for r in self.rules]),
                             ("nhiệm vụ", [t.code for t in self.tasks]),
                             ("kỳ báo cáo", [p.code for p in self.periods]), ("sự kiện", [e.code for e in self.events])):
            problems += [f"{label} {c!r}: mã chỉ được gồm chữ in hoa không dấu, chữ số và dấu gạch dưới (A–Z, 0–9, _)"
                         for c in codes if not _CODE_RE.fullmatch(c)]
        known_units, known_elements = set(unit_codes), set(element_codes)
        problems += self._hierarchy_problems(known_units)
        area_level = {a.code: a.level for a in self.areas}
        for name, kind in self.kinds.items():
            problems += [f"loại đơn vị {name}: không có chỉ tiêu {e}" for e in kind.elements if e not in known_elements]
        for u in self.units:
            if u.kind not in self.kinds:
                problems.append(f"đơn vị {u.code}: không có loại đơn vị {u.kind}")
            if u.parent and u.parent not in known_units and u.parent not in area_level:
                problems.append(f"đơn vị {u.code}: không có đơn vị/địa bàn cấp trên {u.parent}")
            problems += [f"đơn vị {u.code}: không có chỉ tiêu {e}" for e in (u.elements or []) if e not in known_elements]
        if self.demo:
            story = [self.demo.lead_unit, *self.demo.victim_communes, self.demo.support_unit,
                     self.demo.legal_aid_unit, *(c for codes in self.demo.missing.values() for c in codes),
                     *(d.unit for d in self.demo.doubts)]
            problems += [f"dữ liệu mẫu [demo]: không có đơn vị {c}" for c in story if c and c not in known_units]
            problems += [f"dữ liệu mẫu [demo]: không có chỉ tiêu {e}" for d in self.demo.doubts for e in d.values
                         if e not in known_elements]
        for i in self.indicators:
            problems += [f"tỷ lệ {i.code}: không có chỉ tiêu {e}"
                         for e in (*i.numerator, *i.denominator) if e not in known_elements]
            if i.owner not in known_units:
                problems.append(f"tỷ lệ {i.code}: không có đơn vị chủ trì {i.owner}")
        for r in self.rules:
            problems += [f"quy tắc {r.code}: không có chỉ tiêu {e}" for e in r.elements if e not in known_elements]
        for rg in self.ranges:
            if rg.element not in known_elements:
                problems.append(f"khoảng giá trị {rg.element}: không có chỉ tiêu này")
            problems += [f"khoảng giá trị {rg.element}: không có loại đơn vị {k}" for k in (rg.kinds or []) if k not in self.kinds]
            problems += [f"khoảng giá trị {rg.element}: không có đơn vị {u}" for u in (rg.units or []) if u not in known_units]
            if rg.min > rg.max:
                problems.append(f"khoảng giá trị {rg.element}: min {rg.min} lớn hơn max {rg.max}")
        for t in self.tasks:
            for field in (t.lead, t.participants):
                if field != ALL:
                    problems += [f"nhiệm vụ {t.code}: không có đơn vị {c}" for c in field if c not in known_units]
        quarters = {q.quarter for q in self.quarters}
        for p in self.periods:
            problems += [f"kỳ báo cáo {p.code}: không có quý {q}" for q in p.quarters if q not in quarters]
        for e in self.events:
            if e.task and e.task not in {t.code for t in self.tasks}:
                problems.append(f"sự kiện {e.code}: không có nhiệm vụ {e.task}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _hierarchy_problems(self, unit_codes: set[str]) -> list[str]:
        """Levels and areas: known levels, each area's parent one level up or more, no code twice."""
        problems: list[str] = []
        depth = {lv.code: i for i, lv in enumerate(self.levels)}
        if len(depth) != len(self.levels):
            problems.append("một cấp được khai báo hai lần")
        areas = {a.code: a for a in self.areas}
        if len(areas) != len(self.areas):
            problems.append("một địa bàn được khai báo hai lần")
        for a in self.areas:
            if a.code in unit_codes or a.code == SCOPE_ALL:
                problems.append(f"địa bàn {a.code}: mã đã dùng (cho một đơn vị, hoặc ALL)")
            if a.level not in depth:
                problems.append(f"địa bàn {a.code}: không có cấp {a.level}")
            elif a.parent is not None:
                parent = areas.get(a.parent)
                if parent is None:
                    problems.append(f"địa bàn {a.code}: không có địa bàn cấp trên {a.parent}")
                elif depth.get(parent.level, len(depth)) >= depth[a.level]:
                    problems.append(f"địa bàn {a.code}: địa bàn cấp trên {a.parent} không ở cấp cao hơn")
        return problems

    # -- lookups used across the pipeline --------------------------------------------------------
    @property
    def year(self) -> int:
        return self.plan.year

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.plan.timezone)

    @cached_property
    def unit_by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    @cached_property
    def element_by_code(self) -> dict[str, Element]:
        return {e.code: e for e in self.elements}

    @cached_property
    def task_by_code(self) -> dict[str, Task]:
        return {t.code: t for t in self.tasks}

    @cached_property
    def quarter_by_number(self) -> dict[int, Quarter]:
        return {q.quarter: q for q in self.quarters}

    @cached_property
    def status_by_folded_name(self) -> dict[str, TaskStatus]:
        """Statuses matched ignoring case and diacritics; the code is accepted too."""
        out: dict[str, TaskStatus] = {}
        for s in self.task_statuses:
            out[fold(s.name)] = s
            out[fold(s.code)] = s
        return out

    def scope_tree(self) -> list[tuple[str, str, str, str]]:
        """(ancestor, descendant, descendant's level, descendant's kind: 'area' | 'unit') for every
        place of the hierarchy and every place above it or equal to it, 'ALL' above everything.
        Units roll up through their parent chain (an area, or a unit that reports for others)."""
        parent = {a.code: a.parent for a in self.areas} | {u.code: u.parent for u in self.units}
        rows = []
        for code, level, kind in [(a.code, a.level, "area") for a in self.areas] + \
                                 [(u.code, UNIT_LEVEL, "unit") for u in self.units]:
            node, seen = code, set()
            while node is not None and node not in seen:
                seen.add(node)
                rows.append((node, code, level, kind))
                node = parent.get(node)
            rows.append((SCOPE_ALL, code, level, kind))
        return rows

    def unit_elements(self, unit_code: str) -> list[str]:
        """The elements a unit reports, in the plan's element order."""
        unit = self.unit_by_code[unit_code]
        wanted = set(unit.elements if unit.elements is not None else self.kinds[unit.kind].elements)
        return [e.code for e in self.elements if e.code in wanted]

    def task_role(self, task: Task, unit_code: str) -> str | None:
        """'lead', 'participant' or None when the unit has no part in the task."""
        if task.lead == ALL or unit_code in task.lead:
            return "lead"
        if task.participants == ALL or unit_code in task.participants:
            return "participant"
        return None

    def unit_tasks(self, unit_code: str) -> list[tuple[Task, str]]:
        return [(t, role) for t in self.tasks if (role := self.task_role(t, unit_code))]

    def due_end_utc(self, quarter: int) -> dt.datetime:
        """The first instant after the deadline (start of the day after `due`, plan time zone), in UTC."""
        due = self.quarter_by_number[quarter].due
        end_local = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(0, 0), tzinfo=self.tz)
        return end_local.astimezone(dt.timezone.utc)

    def deadline_local(self, quarter: int) -> dt.datetime:
        """The last second a report is on time: 23:59:59 of the due date, plan time zone."""
        due = self.quarter_by_number[quarter].due
        return dt.datetime.combine(due, dt.time(23, 59, 59), tzinfo=self.tz)


def load_plan(path: Path | str) -> Plan:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"Không tìm thấy tệp kế hoạch: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        where = re.search(r"line (\d+), column (\d+)", str(exc))
        at = f" (dòng {where[1]}, cột {where[2]})" if where else ""
        raise PlanError(f"Tệp kế hoạch {path.name} không đúng định dạng TOML{at}.") from None
    try:
        return Plan.model_validate(raw)
    except ValidationError as exc:
        details = "; ".join(_vietnamese(e) for e in exc.errors())
        raise PlanError(f"Tệp kế hoạch {path.name} không hợp lệ: {details}") from None


def _vietnamese(error: dict) -> str:
    """One pydantic error of a plan file, for the people who edit it: where, then what, in Vietnamese
    (our own cross-reference checks are already Vietnamese; pydantic's wording is not)."""
    where = ".".join(map(str, error["loc"])) or "kế hoạch"
    kind = error["type"]
    if kind == "value_error":
        what = str(error.get("ctx", {}).get("error", error["msg"]))
    elif kind == "missing":
        what = "thiếu mục bắt buộc"
    elif kind == "extra_forbidden":
        what = "mục này không có trong mẫu tệp kế hoạch"
    else:
        what = f"giá trị không hợp lệ: {error.get('input')!r}"
    return f"{where}: {what}"


def default_plan_files() -> list[Path]:
    return sorted(PLANS_DIR.glob("*.toml"))
