"""A rate shown next to its verdict never contradicts it (issue 8 §3): for every fraction with a
denominator up to 500 and each operator and target of the plan, the figure shown, read back as a
number and compared with the target, gives the verdict of the exact fraction — and is the exact
percentage correctly rounded to the decimals shown."""
from fractions import Fraction

import pytest

from conftest import store_options
from pipelines.outputs import fmt


def shown_number(text: str) -> Fraction:
    """'1.234,56 %' → 1234.56 (what a reader sees)."""
    return Fraction(text.removesuffix(" %").replace(".", "").replace(",", "."))


def holds(op: str, a: Fraction, b: Fraction) -> bool:
    return {">": a > b, ">=": a >= b, "=": a == b}[op]


@pytest.mark.parametrize("op, target", [(">=", "1.00"), (">", "0.90"), (">=", "0.95"), (">=", "0.90")])
def test_the_figure_shown_agrees_with_the_verdict_for_every_fraction_up_to_500(plan, op, target):
    assert (op, Fraction(target)) in {(i.op, Fraction(str(i.target))) for i in plan.indicators}
    t = Fraction(target) * 100
    for d in range(1, 501):
        for n in range(0, d + 1):
            exact = Fraction(100 * n, d)
            text = fmt.rate(n, d, op, float(target))
            figure = shown_number(text)
            assert holds(op, figure, t) == holds(op, exact, t), (n, d, text)
            decimals = len(text.removesuffix(" %").partition(",")[2])
            assert abs(figure - exact) <= Fraction(1, 2 * 10 ** decimals), (n, d, text)


def test_every_operator_and_target_of_the_plan_is_covered_above(plan):
    assert {(i.op, Fraction(str(i.target))) for i in plan.indicators} == {
        (">=", Fraction(1)), (">", Fraction(9, 10)), (">=", Fraction(95, 100)), (">=", Fraction(9, 10))}


@pytest.mark.parametrize("n, d, op, target, text", [
    (181, 201, ">", 0.90, "90,05 %"),    # the first case: 90,049…% is above 90 %
    (189, 199, ">=", 0.95, "94,97 %"),   # the second case: 94,97…% is below 95 %
    (9, 10, ">", 0.90, "90 %"),          # exactly the target: not above it, and shown as it is
    (19, 20, ">=", 0.95, "95 %"),
    (499, 500, ">=", 1.00, "99,8 %"),     # not "100 %" next to "Chưa đạt"
    (37, 40, ">", 0.90, "92,5 %"),        # one decimal at least, as every percentage on the dashboard
    (1, 3, ">", 0.90, "33,3 %"),
    (9001, 10000, ">", 0.90, "90,01 %"),
    (1799, 1999, ">=", 0.90, "89,99 %"),  # 89,9949…: one decimal would read 90 next to "Chưa đạt"
    (0, 0, ">", 0.90, "—"),               # no cases: no figure
    (None, 4, ">", 0.90, "—"),
])
def test_worked_examples(n, d, op, target, text):
    assert fmt.rate(n, d, op, target) == text


def test_the_xlsx_export_shows_a_rate_with_the_decimals_its_verdict_needs(tmp_path):
    import io

    import pandas as pd
    from openpyxl import load_workbook

    from pipelines.outputs.export import to_xlsx_bytes
    df = pd.DataFrame({"indicator": ["KPI_GIAI_QUYET", "KPI_TRUY_TO", "KPI_KHAM_PHA"], "numerator": [181, 189, 37],
                       "denominator": [201, 199, 40], "value": [181 / 201, 189 / 199, 37 / 40],
                       "target_op": [">", ">=", ">"], "target": [0.9, 0.95, 0.9], "status": ["met", "not_met", "met"]})
    ws = load_workbook(io.BytesIO(to_xlsx_bytes(df))).active
    # Excel shows 90,05 % (not 90,0 %), 94,97 % (not 95,0 %), 92,5 %
    assert [ws.cell(row=r, column=4).number_format for r in (2, 3, 4)] == ["0.00%", "0.00%", "0.0%"]


def test_the_command_line_table_shows_the_decimals_its_verdict_needs(store, capsys):
    from conftest import book, report

    from pipelines.cli import main
    from pipelines.store.load import ingest_bytes
    r = ingest_bytes(store, book(report(unit="CA", values={"TIN_TON": 0, "TIN_MOI": 201, "TIN_PHAN_LOAI": 201,
                                                           "TIN_DA_GQ": 181})), "ca.xlsx")
    assert r.status == "accepted"
    assert main(["attainment", "--period", "Q1", *store_options(store)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("KPI_GIAI_QUYET"))
    assert "181/201" in line and "90,05 %" in line and "Đạt" in line and "Chưa đạt" not in line


def test_a_yearly_targets_quarter_without_data_of_its_own_says_so(store, capsys):
    import json

    from conftest import book, report

    from pipelines.cli import main
    from pipelines.store.load import ingest_bytes
    # VKS: Q1 2 of 2 indicted; Q2 a report with no case count at all. H1 = 2/2 = 100 % ≥ 95 %: met.
    assert ingest_bytes(store, book(report(unit="VKS", quarter=1, values={"VKS_TON": 0, "VKS_MOI": 2, "VKS_TRUY_TO": 2})),
                        "q1.xlsx").status == "accepted"
    assert ingest_bytes(store, book(report(unit="VKS", quarter=2, values={"TT_BUOI": 1})), "q2.xlsx").status == "accepted"
    assert main(["attainment", "--period", "Q2", *store_options(store)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("KPI_TRUY_TO"))
    assert "Chưa có số liệu (lũy kế H1: Đạt)" in line
    assert main(["attainment", "--period", "Q2", "--format", "json", *store_options(store)]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out) if r["indicator"] == "KPI_TRUY_TO")
    assert (row["period_status"], row["status"], row["judged_period"]) == ("no_data", "met", "H1")


def test_keep_figures_glues_only_inside_figures():
    nb = "\u00a0"
    assert fmt.keep_figures("Cùng kỳ 2022: 90 % (9/10) · −13,3 điểm % · mục tiêu 2022: > 90 %") == \
        f"Cùng kỳ 2022: 90{nb}% (9/10) · −13,3{nb}điểm{nb}% · mục tiêu 2022: >{nb}90{nb}%"
    assert fmt.keep_figures("tăng +5 (+25,0 %) so với ≥ 95 %") == f"tăng +5 (+25,0{nb}%) so với ≥{nb}95{nb}%"
    assert fmt.keep_figures("Quý II năm 2022: 3 đơn vị") == "Quý II năm 2022: 3 đơn vị"   # words break as before
    assert fmt.keep_figures("+8,3 pp vs Q2") == f"+8,3{nb}pp vs Q2"
