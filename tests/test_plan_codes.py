"""Plan codes are letters, digits and "_" only (issue 19 item 7): a unit code becomes part of a
file name in `reminders`, so "x/../../../evil" must be refused when the plan is loaded."""
from __future__ import annotations

import pytest

from pipelines.plan import PLANS_DIR, PlanError, load_plan

PLAN_FILE = PLANS_DIR / "duc_pho_2022.toml"


@pytest.mark.parametrize("bad", ["x/../../../evil", "ca", "CA Q1", "CÔNG_AN", "CA.x", ""])
def test_a_unit_code_outside_a_z_0_9_underscore_is_refused_by_name(tmp_path, bad):
    text = PLAN_FILE.read_text(encoding="utf-8").replace('code = "BP_PQ"', f'code = "{bad}"', 1)
    path = tmp_path / "bad.toml"
    path.write_text(text.replace('"BP_PQ"', f'"{bad}"'), encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(path)
    message = str(err.value)
    assert f"đơn vị {bad!r}: mã chỉ được gồm chữ in hoa không dấu, chữ số và dấu gạch dưới" in message, message


def test_the_shipped_plans_pass():
    for path in sorted(PLANS_DIR.glob("*.toml")):
        load_plan(path)
