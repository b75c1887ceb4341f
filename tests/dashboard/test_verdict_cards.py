"""The dashboard shows 181/201 as "90,05 %" next to Đạt and 189/199 as "94,97 %" next to Chưa đạt:
the overview's cards and the hover text of the rate charts (README "What we guarantee").
Figures by hand: see tests/outputs/test_verdict_digits.py (Công an Q1 181 of 0 + 201 tip-offs
resolved, > 90 %; Viện Kiểm sát Q1 189 of 0 + 199 cases indicted, ≥ 95 %).

How this was seen to fail: with `fmt.rate_digits` returning 1 always, both tests failed ("90 %",
"95 %").
"""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from conftest import book, report
from test_dashboard import _app, _cards, _no_exception

from dashboard.parts import charts
from pipelines.store import Store
from pipelines.store.load import ingest_bytes


@pytest.fixture(scope="module")
def fine_template(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("fine") / "data")
    for unit, values in (("CA", {"TIN_TON": 0, "TIN_MOI": 201, "TIN_PHAN_LOAI": 201, "TIN_DA_GQ": 181}),
                         ("VKS", {"VKS_TON": 0, "VKS_MOI": 199, "VKS_TRUY_TO": 189})):
        assert ingest_bytes(store, book(report(unit=unit, values=values)), f"{unit}.xlsx").status == "accepted"
    return store.data_dir


@pytest.fixture
def fine(fine_template, tmp_path):
    shutil.copytree(fine_template, tmp_path / "data")
    return tmp_path / "data"


def test_overview_cards(fine, monkeypatch):
    at = _app(fine, monkeypatch, year="2022", period="Q1").run()
    _no_exception(at)
    cards = _cards(at)
    assert cards["Giải quyết tin báo"] == "90,05 %"
    assert cards["Giải quyết, truy tố"] == "94,97 %"
    assert "100 %" in cards.values()   # 201/201 classified


def test_rate_chart_hover_text():
    quarterly = pd.DataFrame({"quarter": [1], "numerator": [181], "denominator": [201], "value": [181 / 201],
                              "status": ["met"]})
    fig = charts.rate_trend(quarterly, quarterly, 0.9, ">", "Giải quyết tin báo")
    spec = json.loads(fig.to_json())
    hover = [cd for trace in spec["data"] for cd in (trace.get("customdata") or [])]
    assert ["Đạt", "90,05 %"] in hover
    assert ["181/201", "90,05 %", "Đạt"] in hover
    quarterly = pd.DataFrame({"quarter": [1], "numerator": [189], "denominator": [199], "value": [189 / 199],
                              "status": ["not_met"]})
    spec = json.loads(charts.rate_trend(quarterly, quarterly, 0.95, ">=", "Truy tố").to_json())
    hover = [cd for trace in spec["data"] for cd in (trace.get("customdata") or [])]
    assert ["Chưa đạt", "94,97 %"] in hover
