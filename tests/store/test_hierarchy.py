"""Units in a hierarchy: rates, timeliness and activity totals roll up by level with the same rules
(sum then divide; backlogs take each unit's earliest quarter before units are added up).

The plan is the 2022 plan with a hand-made hierarchy around it: country VN → provinces P1, P2 →
districts D1 (the 27 units of Đức Phổ), D2 (one police unit D2_CA) and D3 (one police unit D3_CA,
province P2). Three police units report tip-offs (TIN_TON backlog, TIN_MOI new, TIN_DA_GQ
resolved; KPI_GIAI_QUYET = TIN_DA_GQ ÷ (TIN_TON + TIN_MOI), target > 90 %):

            Q1: TON MOI GQ   received      Q2: TON MOI GQ   received
    CA  D1       2   8  9    14/03 on time      1  10 10    10/06 on time
    D2_CA D2     0  10  9    20/03 late         1   4  5    10/06 on time
    D3_CA D3     5   5 10    14/03 on time      (none: missing at 01/07)
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from conftest import store_options
from pipelines.outputs import metrics
from pipelines.plan import PLANS_DIR, PlanError, load_plan
from pipelines.store import Store
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template

HIERARCHY = '''
[[levels]]
code = "country"
name = "Cả nước"
[[levels]]
code = "province"
name = "Tỉnh"
[[levels]]
code = "district"
name = "Huyện, thị xã"

[[areas]]
code = "VN"
name = "Cả nước"
level = "country"
[[areas]]
code = "P1"
name = "Tỉnh Một"
level = "province"
parent = "VN"
[[areas]]
code = "P2"
name = "Tỉnh Hai"
level = "province"
parent = "VN"
[[areas]]
code = "D1"
name = "Thị xã Đức Phổ"
level = "district"
parent = "P1"
[[areas]]
code = "D2"
name = "Huyện Hai"
level = "district"
parent = "P1"
[[areas]]
code = "D3"
name = "Huyện Ba"
level = "district"
parent = "P2"

'''

EXTRA_UNITS = '''
[[units]]
code = "D2_CA"
name = "Công an huyện Hai"
kind = "police"
parent = "D2"
[[units]]
code = "D3_CA"
name = "Công an huyện Ba"
kind = "police"
parent = "D3"

'''


def hierarchy_plan_text() -> str:
    text = (PLANS_DIR / "duc_pho_2022.toml").read_text(encoding="utf-8")
    head, units_and_rest = text.split("[[units]]", 1)
    units, rest = ("[[units]]" + units_and_rest).split("[[elements]]", 1)
    units = "\n".join(line + ('\nparent = "D1"' if line.startswith("kind = ") else "")
                      for line in units.splitlines())
    return head + HIERARCHY + units + "\n" + EXTRA_UNITS + "[[elements]]" + rest


REPORTS = [  # unit, quarter, values, received (local time)
    ("CA", 1, {"TIN_TON": 2, "TIN_MOI": 8, "TIN_PHAN_LOAI": 8, "TIN_DA_GQ": 9}, "2022-03-14T09:00"),
    ("CA", 2, {"TIN_TON": 1, "TIN_MOI": 10, "TIN_PHAN_LOAI": 10, "TIN_DA_GQ": 10}, "2022-06-10T09:00"),
    ("D2_CA", 1, {"TIN_TON": 0, "TIN_MOI": 10, "TIN_PHAN_LOAI": 10, "TIN_DA_GQ": 9}, "2022-03-20T09:00"),
    ("D2_CA", 2, {"TIN_TON": 1, "TIN_MOI": 4, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 5}, "2022-06-10T09:00"),
    ("D3_CA", 1, {"TIN_TON": 5, "TIN_MOI": 5, "TIN_PHAN_LOAI": 5, "TIN_DA_GQ": 10}, "2022-03-14T09:00"),
]
AS_OF = dt.datetime(2022, 7, 1)  # naive = plan time


@pytest.fixture(scope="module")
def hstore(tmp_path_factory) -> Store:
    tmp = tmp_path_factory.mktemp("hierarchy")
    path = tmp / "hierarchy_2022.toml"
    path.write_text(hierarchy_plan_text(), encoding="utf-8")
    store = Store(tmp / "data")
    plan = store.install_plan(path)
    for unit, q, values, received in REPORTS:
        result = ingest_bytes(store, build_template(plan, unit, q, values=values), f"{unit}_Q{q}.xlsx",
                              dt.datetime.fromisoformat(received))
        assert result.status == "accepted", result.errors
    return store


def _rate(df, scope: str, indicator: str = "KPI_GIAI_QUYET") -> tuple:
    r = df[(df["unit"] == scope) & (df["indicator"] == indicator)].iloc[0]
    return int(r["numerator"]), int(r["denominator"]), r["status"]


def test_rates_roll_up_by_level_with_first_backlog_then_sum(hstore):
    h1 = metrics.attainment(hstore, 2022, "H1", level="district")
    assert list(dict.fromkeys(h1["unit"])) == ["D1", "D2", "D3"]
    assert _rate(h1, "D1") == (19, 20, "met")      # 9+10 / (TON of Q1: 2) + 8+10
    assert _rate(h1, "D2") == (14, 14, "met")      # 9+5 / 0 + 10+4
    assert _rate(h1, "D3") == (10, 10, "met")
    provinces = metrics.attainment(hstore, 2022, "H1", level="province")
    assert _rate(provinces, "P1") == (33, 34, "met")   # not 36: each unit's backlog counted once
    assert _rate(provinces, "P2") == (10, 10, "met")
    country = metrics.attainment(hstore, 2022, "H1", unit="VN")
    assert _rate(country, "VN") == (43, 44, "met")
    assert _rate(metrics.attainment(hstore, 2022, "H1"), "ALL") == (43, 44, "met")
    q2 = metrics.attainment(hstore, 2022, "Q2", level="province")
    assert _rate(q2, "P1") == (15, 16, "met")          # 10+5 / (1+10) + (1+4): 93,75 %
    assert q2[(q2["unit"] == "P2") & (q2["indicator"] == "KPI_GIAI_QUYET")]["status"].tolist() == ["no_data"]
    # districts of one province only, and the units under a district
    assert set(metrics.attainment(hstore, 2022, "H1", level="district", within="P1")["unit"]) == {"D1", "D2"}
    assert set(metrics.attainment(hstore, 2022, "H1", by_unit=True, within="D2")["unit"]) == {"D2_CA"}


def test_activity_totals_roll_up(hstore):
    p1 = metrics.element_totals(hstore, 2022, "H1", scope="P1").set_index("element")
    assert p1.loc["TIN_TON", "value"] == 2 and p1.loc["TIN_TON", "units_reported"] == 2   # 2 (CA Q1) + 0 (D2_CA Q1)
    assert p1.loc["TIN_MOI", "value"] == 32                                              # 8+10 + 10+4
    by_district = metrics.level_values(hstore, 2022, level="district", quarter=2, element="TIN_MOI")
    assert dict(zip(by_district["scope"], by_district["value"])) == {"D1": 10, "D2": 4}  # D3 reported no Q2


def test_timeliness_rolls_up_as_counts_then_rate(hstore):
    r = metrics.compliance_rollup(hstore, 2022, AS_OF, level="province")
    q1 = r[r["quarter"] == 1].set_index("scope")
    # P1: the 27 units of D1 and D2_CA; on time CA; late D2_CA; the other 26 never reported
    assert q1.loc["P1", ["units", "on_time", "late", "missing", "pending"]].tolist() == [28, 1, 1, 26, 0]
    assert q1.loc["P1", "on_time_rate"] == pytest.approx(1 / 28)
    assert q1.loc["P2", ["units", "on_time", "missing"]].tolist() == [1, 1, 0]
    q2 = r[r["quarter"] == 2].set_index("scope")
    assert q2.loc["P2", ["units", "on_time", "missing"]].tolist() == [1, 0, 1]
    q3 = r[r["quarter"] == 3].set_index("scope")
    assert q3.loc["P1", "pending"] == 28                       # due 15/09, judged at 01/07
    whole = metrics.compliance_rollup(hstore, 2022, AS_OF)
    assert whole[whole["quarter"] == 1][["scope", "units", "on_time", "late"]].values.tolist() == [["ALL", 29, 2, 1]]
    d2 = metrics.compliance(hstore, 2022, AS_OF, within="D2")
    assert set(d2["unit"]) == {"D2_CA"}


def cli(store: Store, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines", *args, *store_options(store)],
                          capture_output=True, text=True, timeout=120)


def test_cli_scope_and_by_level(hstore, tmp_path):
    out = cli(hstore, "attainment", "--period", "H1", "--by-level", "province", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = [r for r in json.loads(out.stdout) if r["indicator"] == "KPI_GIAI_QUYET"]
    assert [(r["unit"], r["numerator"], r["denominator"], r["status"]) for r in rows] == \
        [("P1", 33, 34, "met"), ("P2", 10, 10, "met")]
    out = cli(hstore, "attainment", "--period", "Q2", "--scope", "D2", "--format", "json")
    row = next(r for r in json.loads(out.stdout) if r["indicator"] == "KPI_GIAI_QUYET")
    assert (row["unit"], row["numerator"], row["denominator"], row["value"]) == ("D2", 5, 5, 1.0)
    out = cli(hstore, "compliance", "--by-level", "district", "--scope", "P1", "--as-of", "2022-07-01T00:00",
              "--format", "json")
    assert out.returncode == 0, out.stderr
    q1 = {r["scope"]: (r["units"], r["on_time"], r["late"]) for r in json.loads(out.stdout) if r["quarter"] == 1}
    assert q1 == {"D1": (27, 1, 0), "D2": (1, 0, 1)}
    target = tmp_path / "by_district.csv"
    out = cli(hstore, "export", "--what", "values", "--by-level", "district", "--quarter", "1", "-o", str(target))
    assert out.returncode == 0, out.stderr
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "scope,level,year,quarter,element,value,units_reported"
    assert "D3,district,2022,1,TIN_TON,5,1" in text
    # wrong usage: exit 2, Vietnamese, no traceback
    for args in (["attainment", "--scope", "NOWHERE"], ["attainment", "--by-level", "galaxy"],
                 ["attainment", "--unit", "CA", "--scope", "D1"]):
        out = cli(hstore, *args)
        assert out.returncode == 2 and "Traceback" not in out.stderr and out.stderr.startswith("Lỗi"), out.stderr


def test_plan_hierarchy_mistakes_are_listed(tmp_path):
    text = hierarchy_plan_text().replace('parent = "P2"', 'parent = "D1"').replace('level = "country"', 'level = "galaxy"')
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(path)
    assert "không có cấp galaxy" in str(err.value) and "địa bàn cấp trên D1 không ở cấp cao hơn" in str(err.value)


def test_dashboard_level_and_place_pickers_follow_the_hierarchy(hstore, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from dashboard.state import auth
    from pipelines.accounts import users
    monkeypatch.setenv("DUCPHO138_DATA_DIR", str(hstore.data_dir))
    at = AppTest.from_file(str(PLANS_DIR.parent.parent / "dashboard" / "app.py"), default_timeout=120)
    at.session_state[auth.USER_KEY] = users.get_user(hstore, "h_viewer") or \
        users.add_user(hstore, "h_viewer", "viewer", "a-long-passphrase-138")
    at.query_params["year"] = "2022"
    at.query_params["period"] = "H1"
    at.query_params["scope"] = "P1"          # a shared link to province P1
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    level, place = at.selectbox(key="f_level"), at.selectbox(key="f_scope")
    assert level.value == "province" and place.value == "P1"
    assert level.options == ["Tỉnh", "Huyện, thị xã"] or level.options == ["Cả nước", "Tỉnh", "Huyện, thị xã"]
    card = next(m for m in at.metric if m.label.startswith("Tỷ lệ giải quyết") or "giải quyết" in m.label.lower())
    assert card.value == "97,1 %"                       # P1: 33/34
    assert "Tỉnh Một" in "\n".join(c.value for c in at.caption)
    # drill down: the district level lists only P1's districts
    at.selectbox(key="f_level").set_value("district").run()
    assert at.selectbox(key="f_scope").options[1:] == ["Thị xã Đức Phổ", "Huyện Hai"]
    at.selectbox(key="f_scope").set_value("D2").run()
    assert not at.exception, [e.value for e in at.exception]
    card = next(m for m in at.metric if "giải quyết" in m.label.lower())
    assert card.value == "100 %"                        # D2: 14/14
    assert at.query_params["scope"] == ["D2"] or at.query_params["scope"] == "D2"


def _page(hstore, monkeypatch, page: str, scope: str | None = None):
    from streamlit.testing.v1 import AppTest

    from dashboard.state import auth
    from pipelines.accounts import users
    monkeypatch.setenv("DUCPHO138_DATA_DIR", str(hstore.data_dir))
    at = AppTest.from_file(str(PLANS_DIR.parent.parent / "dashboard" / "app.py"), default_timeout=120)
    at.session_state[auth.USER_KEY] = users.get_user(hstore, "h_viewer") or \
        users.add_user(hstore, "h_viewer", "viewer", "a-long-passphrase-138")
    at.query_params["year"] = "2022"
    if scope:
        at.query_params["scope"] = scope
    at.run()
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at, n):
    """The n-th table of the page, indexed by its first column (AppTest keeps no dataframe keys)."""
    df = at.dataframe[n].value
    return df.set_index(df.columns[0])


def test_unit_pages_show_one_row_per_place_one_level_down(hstore, monkeypatch):
    """A country's committee sees its provinces, a province its districts, a district its units —
    never 12 000 rows. Judged today (all four quarters are past due): Q1 of P1 had 28 units, CA on
    time, D2_CA late, 26 never reported; P1's Q1 tip-off rate is (9 + 9) / (2 + 8 + 0 + 10) = 90 %,
    not "> 90 %"; Q2's (10 + 5) / (1 + 10 + 1 + 4) = 15/16 is."""
    at = _page(hstore, monkeypatch, "don_vi")
    reporting = _table(at, 0)
    assert list(reporting.index) == ["Tỉnh Một", "Tỉnh Hai"]
    assert reporting.loc["Tỉnh Một", "Quý I"] == "Đúng hạn 1, trễ hạn 1, chưa nộp 26, chưa đến hạn 0 — trên 28 đơn vị"
    assert reporting.loc["Tỉnh Hai", "Quý II"] == "Đúng hạn 0, trễ hạn 0, chưa nộp 1, chưa đến hạn 0 — trên 1 đơn vị"
    rates = _table(at, 1)
    row = "Tỉnh Một — Giải quyết tin báo"
    assert rates.loc[row, "Quý I"] == "Chưa đạt (18/20)" and rates.loc[row, "Quý II"] == "Đạt (15/16)"

    at = _page(hstore, monkeypatch, "don_vi", scope="P1")
    assert list(_table(at, 0).index) == ["Thị xã Đức Phổ", "Huyện Hai"]
    assert _table(at, 1).loc["Huyện Hai — Giải quyết tin báo", "Quý I"] == "Chưa đạt (9/10)"

    at = _page(hstore, monkeypatch, "don_vi", scope="D1")  # a district: its 27 units, one row each
    assert len(_table(at, 0)) == 27


def test_deadline_and_data_pages_count_a_whole_country(hstore, monkeypatch):
    at = _page(hstore, monkeypatch, "tien_do")
    summary = _table(at, 2)  # the timeline's table, the matrix's, then the summary
    # 29 units in Q1: CA and D3_CA on time, D2_CA late, 26 missing
    assert summary.loc["Quý I"].iloc[1:].tolist() == [2, 1, 26, 0]
    with hstore.connect() as con:
        stored = con.execute("SELECT count(*) FROM submission_value v JOIN submission s ON s.id = v.submission_id "
                             "WHERE s.is_current").fetchone()[0]
    at = _page(hstore, monkeypatch, "du_lieu")
    assert f"{stored} dòng" in [c.value for c in at.caption]
    # the page shows a screenful (limit) and counts the rest; the first rows are the table's first rows
    full = metrics.current_values(hstore, 2022, within="P1")
    assert metrics.current_value_count(hstore, 2022, within="P1") == len(full) < stored
    first = metrics.current_values(hstore, 2022, within="P1", limit=7)
    assert first[["unit", "quarter", "element"]].values.tolist() == full.head(7)[["unit", "quarter", "element"]].values.tolist()
    assert metrics.current_value_count(hstore, 2022, quarters=[2], reported_only=True) == \
        int(full.pipe(lambda d: d[(d["quarter"] == 2) & d["value"].notna()]).shape[0]) + \
        int(metrics.current_values(hstore, 2022, within="P2", quarters=[2], reported_only=True).shape[0])


def test_place_rows_only_when_the_places_hold_every_unit():
    """Rows per place only when the places one level down hold every unit under the place picked,
    all at one level; otherwise the units themselves are the rows (none may fall out of the sums)."""
    from dashboard.state.data import Hierarchy

    def h(parents: dict[str, str], levels: dict[str, str]) -> Hierarchy:
        ancestors = {}
        for code in parents:
            up, chain = parents[code], set()
            while up != "ALL":
                chain.add(up)
                up = parents[up]
            ancestors[code] = frozenset(chain | {"ALL"})
        areas = tuple(c for c in parents if levels[c] != "unit")
        units = frozenset(c for c in parents if levels[c] == "unit")
        return Hierarchy(names={c: c for c in parents}, levels=levels, level_names={}, parents=parents,
                         ancestors=ancestors, areas=areas, area_levels=(),
                         units_under={a: frozenset(u for u in units if a in ancestors[u]) for a in areas},
                         all_units=units)

    tree = {"VN": "ALL", "P1": "VN", "P2": "VN", "D1": "P1", "D2": "P1", "U1": "D1", "U2": "D2", "U3": "P2"}
    levels = {"VN": "country", "P1": "province", "P2": "province", "D1": "district", "D2": "district",
              "U1": "unit", "U2": "unit", "U3": "unit"}
    assert h(tree, levels).places_below("ALL") == ["P1", "P2"]        # the lone country is skipped
    assert h(tree, levels).places_below("P1") == ["D1", "D2"]
    assert h(tree, levels).places_below("D1") == []                   # units below: unit rows
    assert h(tree, levels).places_below("P2") == []
    # a police unit attached to the province itself: no district row would hold it
    assert h({**tree, "U4": "P1"}, {**levels, "U4": "unit"}).places_below("P1") == []
    # a unit attached to the country: provinces do not hold every unit
    assert h({**tree, "U5": "VN"}, {**levels, "U5": "unit"}).places_below("ALL") == []
    # areas of two levels under one place: a district straight under the country
    assert h({**tree, "D3": "VN", "U6": "D3"}, {**levels, "D3": "district", "U6": "unit"}).places_below("ALL") == []
    # one town under 'ALL' holding only units (Đức Phổ with a district level): its units are the rows
    assert h({"DP": "ALL", "CA": "DP", "VKS": "DP"}, {"DP": "district", "CA": "unit", "VKS": "unit"}
             ).places_below("ALL") == []


def test_contributions_at_country_scope_are_the_provinces(hstore, monkeypatch):
    """Chỉ tiêu at the whole country: what each province adds to the first rate (tip-offs
    classified, TIN_PHAN_LOAI ÷ TIN_MOI) over the year — P1 (8 + 10 + 10 + 4) / the same = 32/32,
    P2 5/5 — rows named as places, and the total row named after the plan's whole area."""
    at = _page(hstore, monkeypatch, "chi_tieu")
    tables = [df.value for df in at.dataframe if df.value.columns[0] == "Địa bàn"]
    assert tables, "no contributions table with places as rows"
    first = tables[0].set_index("Địa bàn")
    assert list(first.index) == ["Tỉnh Một", "Tỉnh Hai", "Cộng (Toàn thị xã)"]
    assert first[["Tử số", "Mẫu số"]].values.tolist() == [["32", "32"], ["5", "5"], ["37", "37"]]
