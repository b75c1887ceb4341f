"""Several plan years in one store (AppTest, hand-made reports): every page renders for 2023 with
its own plan's targets, the year picker lists both years, the overview says the same period of 2022
beside each figure, and a first year without a previous plan says so once instead of on each card."""
import datetime as dt

import pandas as pd
import pytest
from test_dashboard import PAGES, _app, _no_exception, _texts

from dashboard.parts import charts
from pipelines.store import Store
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template

REPORTS = {
    ("CA", 2022, 1): {"TIN_TON": 0, "TIN_MOI": 10, "TIN_PHAN_LOAI": 10, "TIN_DA_GQ": 9, "TT_BUOI": 4, "TT_LUOT": 200},
    ("CA", 2023, 1): {"TIN_TON": 1, "TIN_MOI": 9, "TIN_PHAN_LOAI": 9, "TIN_DA_GQ": 10, "TT_BUOI": 7, "TT_LUOT": 150},
    ("VKS", 2023, 1): {"VKS_TON": 0, "VKS_MOI": 2, "VKS_TRUY_TO": 2},
}


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    data = tmp_path_factory.mktemp("years") / "data"
    store = Store(data)
    for (unit, year, quarter), values in REPORTS.items():
        r = ingest_bytes(store, build_template(store.plan(year), unit, quarter, values=values),
                         f"{unit}_{year}_Q{quarter}.xlsx", dt.datetime(year, 3, 1, 9))
        assert r.status == "accepted", [e.message for e in r.errors]
    return data


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_for_2023(page, two_years, monkeypatch):
    at = _app(two_years, monkeypatch, role="analyst", year="2023", period="Q1").run()
    _no_exception(at)
    at.switch_page(page).run()
    _no_exception(at)
    assert not at.error
    assert at.sidebar.selectbox(key="f_year").options == ["2022", "2023"]
    assert at.sidebar.selectbox(key="f_year").value == 2023
    assert "2023" in at.header[0].value


def test_overview_beside_the_same_period_of_2022(two_years, monkeypatch):
    at = _app(two_years, monkeypatch, year="2023", period="Q1").run()
    _no_exception(at)
    text = _texts(at)
    # 10/(1 + 9) = 100 % in 2023 against 9/(0 + 10) = 90 % in 2022: +10 points; the target rose to 92 %
    assert "Cùng kỳ 2022: 90 % (9/10) · +10,0 điểm % · mục tiêu 2022: > 90 %" in text
    assert "Cùng kỳ 2022: 4 · +3" in text                     # sessions: base 4 < 10, no percentage
    assert "Không so sánh với 2022: đơn vị tính đổi từ “lượt người” sang “người”" in text
    assert "Chưa có số liệu năm 2022 trong hệ thống" not in text


def test_the_first_year_says_once_that_there_is_nothing_to_compare(two_years, monkeypatch):
    at = _app(two_years, monkeypatch, year="2022", period="Q1").run()
    _no_exception(at)
    text = _texts(at)
    assert text.count("Chưa có số liệu năm 2021 trong hệ thống") == 1 and "Cùng kỳ" not in text


def test_indicator_page_says_what_differs_between_the_plans(two_years, monkeypatch):
    at = _app(two_years, monkeypatch, year="2023", period="Q1").run()
    at.switch_page("views/chi_tieu.py").run()
    _no_exception(at)
    assert "Khác biệt giữa kế hoạch năm 2023 và năm 2022 (2)" in [e.label for e in at.expander]
    text = _texts(at)
    assert "**TT_LUOT** — Số người nghe tuyên truyền (mỗi người tính một lần): đơn vị tính đổi từ “lượt người” " \
           "sang “người”. Không so sánh giữa hai năm." in text
    assert "**Giải quyết tin báo**: mục tiêu 2022: > 90 %, > 92 % năm nay. Tỷ lệ vẫn so sánh được." in text


def test_an_older_year_at_the_same_rate_is_drawn_over_the_newer_one():
    """Two years at 100 % every quarter: the newer year's thick line, drawn last, hid the older year's
    thin dashed one completely. The newest is drawn first, under; every year stays in the legend, newest first."""
    df = pd.DataFrame([dict(year=y, x=f"Quý {q}", order=q, value=1.0, numerator=4, denominator=4, status="met")
                       for y in (2022, 2023) for q in (1, 2)])
    fig = charts.year_over_year(df, {2022: (">", 0.9), 2023: (">", 0.9)}, "Giải quyết tin báo", "Quý")
    lines = [tr for tr in fig.data if tr.name in ("2022", "2023")]
    assert [tr.name for tr in lines] == ["2023", "2022"]                       # drawing order: 2022 on top
    assert lines[0].line.width > lines[1].line.width and lines[1].line.dash == "dash"
    assert sorted(lines, key=lambda tr: tr.legendrank)[0].name == "2023"        # listed first
