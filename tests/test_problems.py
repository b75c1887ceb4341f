"""problems.CODES is the contract of the command line (spec/commands.md): every code the code base
can emit is in it. Checked two ways: statically (every literal code passed to error()/warning() or
Problem() anywhere under pipelines/ and dashboard/) and at run time (Problem refuses others)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pipelines.problems import CODES, Problem, error, warning

ROOT = Path(__file__).resolve().parents[1]
SPEC_CODES = {  # the fixed list of shared/spec/commands.md, copied by hand
    "not_a_number", "not_whole", "negative", "unknown_unit", "unknown_element", "unknown_period",
    "duplicate_element", "rule", "personal_data", "unreadable", "encrypted", "formula_without_value",
    "hostile", "missing_sheet", "missing_field", "unknown_task", "unknown_status",
}


def _emitted_codes() -> dict[str, list[str]]:
    """code → places, for every call error("code", …), warning("code", …), Problem(level, "code", …)."""
    found: dict[str, list[str]] = {}
    for path in [*ROOT.glob("pipelines/**/*.py"), *ROOT.glob("dashboard/**/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            index = {"error": 0, "warning": 0, "Problem": 1}.get(name)
            if index is None or len(node.args) <= index:
                continue
            arg = node.args[index]
            candidates = [arg] if not isinstance(arg, ast.IfExp) else [arg.body, arg.orelse]
            for c in candidates:
                if isinstance(c, ast.Constant) and isinstance(c.value, str):
                    found.setdefault(c.value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_emitted_code_is_in_the_contract():
    emitted = _emitted_codes()
    assert len(emitted) >= 15, "the scan found too few codes: it no longer sees the calls"
    unknown = {code: places for code, places in emitted.items() if code not in CODES}
    assert not unknown, f"codes emitted but not in problems.CODES: {unknown}"


def test_the_spec_codes_are_all_kept():
    assert SPEC_CODES <= CODES


def test_an_unknown_code_cannot_be_made():
    with pytest.raises(ValueError):
        error("no_such_code", "Số liệu!D14", "…")
    with pytest.raises(ValueError):
        warning("Not_A_Number", "Số liệu!D14", "…")
    with pytest.raises(ValueError):
        Problem("fatal", "rule", "Số liệu!D14", "…")
    assert error("rule", "Số liệu!D14", "…", value=12.0).value == "12"
