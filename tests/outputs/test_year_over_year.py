"""Two plan years side by side, with hand-made reports: the same period of the previous year beside
this one (percentage points for rates; absolute change for counts, a percentage only on a base of
10 or more), and figures compared only where both plans give them the same meaning
(data/plans/duc_pho_2023.toml raises one target and counts TT_LUOT in people, not attendances)."""
import datetime as dt

import pandas as pd
import pytest

from pipelines.outputs import metrics
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template


def load(store, unit, year, quarter, values):
    data = build_template(store.plan(year), unit, quarter, values=values)
    r = ingest_bytes(store, data, f"{unit}_{year}_Q{quarter}.xlsx", dt.datetime(year, 3, 1, 9))
    assert r.status == "accepted", [e.message for e in r.errors]


@pytest.fixture
def two_years(store):
    # 2022 Q1: 9 of 0 + 10 tip-offs resolved (90 %: not above 90 %); 2023 Q1: 10 of 1 + 9 (100 %).
    load(store, "CA", 2022, 1, {"TIN_TON": 0, "TIN_MOI": 10, "TIN_PHAN_LOAI": 10, "TIN_DA_GQ": 9,
                                "TT_BUOI": 4, "TT_LUOT": 200, "TT_TAI_LIEU": 20})
    load(store, "CA", 2023, 1, {"TIN_TON": 1, "TIN_MOI": 9, "TIN_PHAN_LOAI": 9, "TIN_DA_GQ": 10,
                                "TT_BUOI": 7, "TT_LUOT": 150, "TT_TAI_LIEU": 25})
    return store


def test_the_plans_differ_where_the_2023_file_says(store):
    assert metrics.years(store) == [2022, 2023]
    changes = store.query_df("SELECT element, difference, previous_unit_of_measure FROM v_element_change "
                             "WHERE year = 2023 AND difference IS NOT NULL")
    assert changes.to_dict("records") == [{"element": "TT_LUOT", "difference": "unit_of_measure",
                                           "previous_unit_of_measure": "lượt người"}]
    rates = store.query_df("SELECT indicator, difference, target_changed, previous_target FROM v_indicator_change "
                           "WHERE year = 2023 ORDER BY indicator").set_index("indicator")
    assert rates["difference"].isna().all()  # the same counts make every rate
    assert list(rates.index[rates["target_changed"]]) == ["KPI_GIAI_QUYET"]
    assert rates.loc["KPI_GIAI_QUYET", "previous_target"] == 0.90


def test_rate_cards_compare_in_percentage_points(two_years):
    df = metrics.attainment_yoy(two_years, 2023, "Q1").set_index("indicator")
    r = df.loc["KPI_GIAI_QUYET"]
    assert (r.numerator, r.denominator, r.status, r.target) == (10, 10, "met", 0.92)
    assert (r.previous_year, r.previous_numerator, r.previous_denominator, r.previous_status) == (2022, 9, 10, "not_met")
    assert r.change_pp == pytest.approx(10.0)      # 100 % − 90 % = +10 points, not "+11 %"
    assert r.target_changed and (r.previous_op, r.previous_target) == (">", 0.90)
    k = df.loc["KPI_KHAM_PHA"]                     # no case in either year: nothing to subtract
    assert k.status == "no_data" and pd.isna(k.change_pp)


def test_activity_counts_compare_absolutely_and_in_percent_only_on_ten_or_more(two_years):
    df = metrics.element_yoy(two_years, 2023, "Q1").set_index("element")
    assert (df.loc["TT_BUOI", "value"], df.loc["TT_BUOI", "previous_value"], df.loc["TT_BUOI", "change"]) == (7, 4, 3)
    assert pd.isna(df.loc["TT_BUOI", "change_pct"])   # base 4 < 10: no percentage
    assert df.loc["TT_TAI_LIEU", "change"] == 5 and df.loc["TT_TAI_LIEU", "change_pct"] == pytest.approx(0.25)
    # attendances (2022) and people (2023) are not the same count: not compared, and why
    luot = df.loc["TT_LUOT"]
    assert luot.value == 150 and luot.difference == "unit_of_measure" and luot.previous_unit_of_measure == "lượt người"
    assert pd.isna(luot.previous_value)
    # the same for one unit
    ca = metrics.element_yoy(two_years, 2023, "Q1", scope="CA").set_index("element")
    assert ca.loc["TT_BUOI", "change"] == 3 and ca.loc["TT_LUOT", "difference"] == "unit_of_measure"


def test_count_change_rule():
    assert metrics.count_change(12, 9) == (3, None)          # base 9: no percentage
    assert metrics.count_change(11, 10) == (1, pytest.approx(0.1))
    assert metrics.count_change(0, 10) == (-10, pytest.approx(-1.0))
    assert metrics.count_change(5, None) == (None, None)


def test_the_first_year_has_nothing_to_compare(two_years):
    df = metrics.attainment_yoy(two_years, 2022, "Q1")
    assert df["previous_year"].isna().all() and df["change_pp"].isna().all()
    assert metrics.element_yoy(two_years, 2022, "Q1")["previous_year"].isna().all()


def test_indicator_years_for_the_chart(two_years):
    df = metrics.indicator_years(two_years, 2023, "KPI_GIAI_QUYET")
    assert sorted(set(df["year"])) == [2022, 2023]
    q1 = df[df["period"] == "Q1"].set_index("year")
    assert (q1.loc[2022, "value"], q1.loc[2023, "value"]) == (0.9, 1.0)
    assert (q1.loc[2022, "target"], q1.loc[2023, "target"]) == (0.90, 0.92)  # each year with its own target
    assert set(df[df["is_cumulative"]]["period"]) == {"Q1", "H1", "9M", "Y"}


def test_a_rate_is_compared_over_the_units_asked_for_it(two_years):
    # spec/plan-2022.md §2: the tip-off and case rates are asked of the police and the two border posts
    # (3 units), prosecution of the procuracy alone, trials of the court alone; only the police reported,
    # tip-offs in both years' Q1 and no case count (blank cells), so one unit is compared, for tip-offs
    df = metrics.attainment_yoy(two_years, 2023, "Q1").set_index("indicator")
    got = {i: (r.units_total, r.units_now, r.units_previous, r.units_compared) for i, r in df.iterrows()}
    assert got == {"KPI_TIEP_NHAN": (3, 1, 1, 1), "KPI_GIAI_QUYET": (3, 1, 1, 1), "KPI_KHAM_PHA": (3, 0, 0, 0),
                   "KPI_TRUY_TO": (1, 0, 0, 0), "KPI_XET_XU": (1, 0, 0, 0)}
    assert (df.loc["KPI_GIAI_QUYET", "numerator_compared"], df.loc["KPI_GIAI_QUYET", "denominator_compared"]) == (10, 10)
    # a commune is asked none of them; the procuracy only its own
    assert set(metrics.attainment_yoy(two_years, 2023, "Q1", unit="X_PHO_AN")["units_total"]) == {0}
    vks = metrics.attainment_yoy(two_years, 2023, "Q1", unit="VKS").set_index("indicator")["units_total"]
    assert vks.to_dict() == {"KPI_TIEP_NHAN": 0, "KPI_GIAI_QUYET": 0, "KPI_KHAM_PHA": 0, "KPI_TRUY_TO": 1,
                             "KPI_XET_XU": 0}
