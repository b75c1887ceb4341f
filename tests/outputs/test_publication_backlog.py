"""A sensitive backlog in a publication copy (publication.publication, README "Publication-safe tables"):
a backlog ("first") element is not a sum of quarters, so its counts from 1 to the threshold are hidden
as they are, in every period and scope, and no other count is hidden for them.

The shipped plans mark only `sum` elements sensitive (NN_*, BI_CAN), so this branch ran on no test:
found by the mutation run of publication.py (`make mutate`, README "Mutation testing"), where
`1 <= int(r.value) <= threshold` → `1 < …`, `… < threshold` or `2 <= …` all survived. Here the plan
2024 is the 2023 file with TIN_TON (tips carried over, `over_time = "first"`) added to `sensitive`.

By hand (spec/plan-2022.md: a backlog over several quarters is its earliest quarter's, plus what the
flows do not explain):
  Công an     Q1: TIN_TON 10, TIN_MOI 5, TIN_PHAN_LOAI 5, TIN_DA_GQ 4 → carries 10 + 5 − 4 = 11
              Q2: TIN_TON 11, the flows 0                             (as carried: nothing unexplained)
  Biên phòng  Q1: TIN_TON 1,  TIN_MOI 0, TIN_PHAN_LOAI 0, TIN_DA_GQ 1 → carries 1 + 0 − 1 = 0
  Phổ Quang   Q2: TIN_TON 0, the flows 0
  Công an: Q1 10, Q2 11, H1 = 9M = Y = 10 → "≤10" except Q2 (11, one above the threshold: shown);
  Biên phòng Phổ Quang: Q1 1, Q2 0, H1 = 9M = Y = 1 → "≤10" except Q2 (zero stays);
  the town: Q1 10 + 1 = 11, Q2 11 + 0 = 11, H1 = 9M = Y = 11 → shown.
"""
from __future__ import annotations

import contextlib
import csv
import io

import pytest
from conftest import ROOT, store_options

from pipelines.cli import main
from pipelines.outputs.publication import publication
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template

PLAN_2023 = ROOT / "data" / "plans" / "duc_pho_2023.toml"
SENSITIVE = 'sensitive = ["NN_*", "BI_CAN"]'
PERIODS = ("Q1", "Q2", "H1", "9M", "Y")


@pytest.fixture
def backlog_store(store, tmp_path):
    text = PLAN_2023.read_text(encoding="utf-8").replace("2023", "2024").replace("2022-12-15", "2023-12-15")
    assert text.count(SENSITIVE) == 1
    path = tmp_path / "duc_pho_2024.toml"
    path.write_text(text.replace(SENSITIVE, 'sensitive = ["NN_*", "BI_CAN", "TIN_TON"]'), encoding="utf-8")
    store.install_plan(str(path))
    plan = store.plan(2024)
    assert plan.element_by_code["TIN_TON"].over_time == "first"
    flows0 = {"TIN_MOI": 0, "TIN_PHAN_LOAI": 0, "TIN_DA_GQ": 0}
    for unit, q, values in [
        ("CA", 1, {"TIN_TON": 10, "TIN_MOI": 5, "TIN_PHAN_LOAI": 5, "TIN_DA_GQ": 4}),
        ("CA", 2, {"TIN_TON": 11, **flows0}),
        ("BP_PQ", 1, {"TIN_TON": 1, "TIN_MOI": 0, "TIN_PHAN_LOAI": 0, "TIN_DA_GQ": 1}),
        ("BP_PQ", 2, {"TIN_TON": 0, **flows0}),
    ]:
        r = ingest_bytes(store, build_template(plan, unit, q, values=values), f"{unit}_{q}.xlsx", received_at=None)
        assert r.status == "accepted", [e.message for e in r.errors]
        assert not r.warnings, [w.message for w in r.warnings]   # every backlog follows from the quarter before
    return store


def test_a_sensitive_backlog_is_hidden_where_it_is_small_and_nowhere_else(backlog_store):
    pub = publication(backlog_store, 2024)
    assert pub.threshold == 10 and "TIN_TON" in pub.elements
    got = {scope: {p: pub.label("TIN_TON", scope, p) for p in PERIODS} for scope in ("CA", "BP_PQ", "ALL")}
    assert got == {
        "CA": {"Q1": "≤10", "Q2": None, "H1": "≤10", "9M": "≤10", "Y": "≤10"},      # 10 is small, 11 is not
        "BP_PQ": {"Q1": "≤10", "Q2": None, "H1": "≤10", "9M": "≤10", "Y": "≤10"},   # 1 is small, 0 stays
        "ALL": dict.fromkeys(PERIODS),                                                  # 11 everywhere
    }
    # nothing else of the year is hidden: no complementary "x" for a backlog, no flow touched
    assert set(pub.hidden.values()) == {"small"} and {k[0] for k in pub.hidden} == {"TIN_TON"}


def test_the_export_of_a_publication_copy_shows_the_labels(backlog_store, tmp_path):
    out = tmp_path / "pub.csv"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["export", "--what", "values", "--year", "2024", "--publication", "-o", str(out),
                     *store_options(backlog_store)]) == 0
    rows = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))
    got = {(r["unit"], r["quarter"]): r["value"] for r in rows if r["element"] == "TIN_TON"}
    assert got == {("CA", "1"): "≤10", ("CA", "2"): "11", ("BP_PQ", "1"): "≤10", ("BP_PQ", "2"): "0"}


def test_a_rate_with_a_hidden_backlog_is_hidden_in_the_export(backlog_store, tmp_path):
    """KPI_GIAI_QUYET = TIN_DA_GQ ÷ (TIN_TON + TIN_MOI): Công an's Q1 backlog (10) is "≤10", so its Q1
    rate is not shown; Q2's parts (0 ÷ (11 + 0)) are all shown, and so is its rate (the town's, 11 and 16,
    are shown: nothing hidden there). The tasks hold no
    counts of people: exported as they are. Mutant `what == "attainment"` → `!=` in publication_frame
    (no test exported attainment or tasks as a publication copy) survived."""
    def export(what: str, publication: bool, *more: str) -> list[dict]:
        out = tmp_path / f"{what}_{publication}.csv"
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["export", "--what", what, "--year", "2024", *(["--publication"] if publication else []),
                         *more, "-o", str(out), *store_options(backlog_store)]) == 0
        return list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    rows = {(r["unit"], r["period"]): r for r in export("attainment", True, "--unit", "CA")
            if r["indicator"] == "KPI_GIAI_QUYET"}
    assert {k: rows[("CA", "Q1")][k] for k in ("numerator", "denominator", "value", "status")} == dict.fromkeys(
        ("numerator", "denominator", "value", "status"), "x")
    assert (rows[("CA", "Q2")]["numerator"], rows[("CA", "Q2")]["denominator"]) == ("0", "11")
    assert export("tasks", True) == export("tasks", False)
