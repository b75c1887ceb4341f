"""Problems found in a workbook: values, not exceptions, until the edge (CLI exit code, UI message).

Codes are a contract (spec/commands.md) and never renamed; messages are for people, in Vietnamese.
"""
from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"

# The fixed codes of spec/commands.md, plus those this project added (marked *).
CODES = {
    "not_a_number", "not_whole", "negative", "unknown_unit", "unknown_element", "unknown_period",
    "duplicate_element", "rule", "personal_data", "unreadable", "encrypted", "formula_without_value",
    "hostile", "missing_sheet", "missing_field", "unknown_task", "unknown_status", "incomplete_rate",
    "too_large",           # * file over the upload size bound
    "out_of_range",        # * a count beyond any plausible value (numbers.MAX_COUNT)
    "demo_year",           # * a real file for a year that holds the demo data
    "received_in_future",  # * a received-at later than now
    "internal_error",      # * an unexpected failure while loading one file of a batch
    "element_not_assigned",  # * warning: the unit's kind does not report this element
    "missing_task_sheet",  # * warning: no `Nhiệm vụ` sheet
    "empty_report",        # * warning: no count reported at all
    "duplicate_task",      # * the same task twice with different statuses
    "same_report_in_batch",  # * warning: two files of one batch for the same unit and quarter
}


@dataclass(frozen=True)
class Problem:
    level: str          # "error" or "warning"
    code: str           # stable machine code
    where: str          # "Số liệu!D14", a sheet name, or the file name
    message: str        # for people, Vietnamese
    value: str | None = None   # the value found, as text, when there is one
    hint: str | None = None    # what to do about it

    def __post_init__(self):
        # CODES is the contract: a code outside it is a programming error, caught by any test that
        # reaches it (and statically by tests/test_problems.py), never shown to a user as a new code.
        if self.code not in CODES:
            raise ValueError(f"problem code {self.code!r} is not in problems.CODES")
        if self.level not in (ERROR, WARNING):
            raise ValueError(f"problem level {self.level!r}")

    def as_json(self) -> dict:
        d = {"where": self.where, "code": self.code, "message": self.message}
        if self.value is not None:
            d["value"] = self.value
        if self.hint:
            d["hint"] = self.hint
        return d


def shown(value: object) -> str | None:
    """A cell value as the user typed it: 12.0 from a spreadsheet's number cell is "12", and 2.5 is
    "2,5" (a Vietnamese spreadsheet shows and takes a decimal comma); text stays as it was typed."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return str(value)


def error(code: str, where: str, message: str, value: object = None, hint: str | None = None) -> Problem:
    return Problem(ERROR, code, where, message, shown(value), hint)


def warning(code: str, where: str, message: str, value: object = None, hint: str | None = None) -> Problem:
    return Problem(WARNING, code, where, message, shown(value), hint)


def errors_of(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.level == ERROR]


def warnings_of(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.level == WARNING]

