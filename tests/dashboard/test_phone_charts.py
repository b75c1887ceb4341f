"""The phone figures' rules, without a browser (the browser test, tests/e2e/test_phone_and_words_browser.py,
measures what Chromium draws): short unit names that stay apart and short, labels broken evenly,
quarter headers level, one date tick per quarter, task names whole."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.parts import charts


def test_every_unit_of_the_plan_has_a_short_name_of_its_own(plan):
    names = [u.name for u in plan.units]
    shorts = charts.short_names(names)
    assert len(set(shorts)) == len(names) == 27
    assert max(map(len, shorts)) <= charts.SHORT_MAX
    assert dict(zip(names, shorts))["Đồn Biên phòng Phổ Quang"] == "BP Phổ Quang"
    assert dict(zip(names, shorts))["Phường Nguyễn Nghiêm"] == "P. Nguyễn Nghiêm"
    assert dict(zip(names, shorts))["Viện Kiểm sát nhân dân thị xã"] == "VKSND TX"
    assert charts.short_unit_name("Ban Chỉ huy Quân sự thị xã") == "Ban CHQS TX"   # a name no rule knows
    # "P." is both Phường and Phòng: two names that would shorten alike keep their full names
    assert charts.short_names(["Phường An Bình", "Phòng An Bình"]) == ["Phường An Bình", "Phòng An Bình"]


def test_labels_are_broken_into_two_even_lines():
    assert charts.two_lines("Tiếp nhận, phân loại tin báo") == "Tiếp nhận, phân<br>loại tin báo"
    assert charts.two_lines("Công an") == "Công an"


def test_phone_heatmap_names_rows_short_and_keeps_quarter_headers_level():
    cells = pd.DataFrame({"row": ["Đồn Biên phòng Phổ Quang"], "col": ["Quý I"], "status": ["on_time"],
                          "text": ["✔ 15/03"], "hover": ["Đúng hạn"]})
    fig = charts.status_heatmap(cells, ["Đồn Biên phòng Phổ Quang"], ["Quý I", "Quý II", "Quý III", "Quý IV"],
                                charts.COMPLIANCE_COLOURS, {s: s for s in charts.COMPLIANCE_COLOURS}, "t", "Quý", "",
                                row_labels=["BP Phổ Quang"], compact=True)
    assert list(fig.layout.yaxis.ticktext) == ["BP Phổ Quang"] and fig.layout.xaxis.tickangle == 0
    assert fig.data[0].y[0] == "Đồn Biên phòng Phổ Quang"      # the hover keeps the full name


def test_phone_timeline_has_a_date_per_quarter_and_names_rows_above_them():
    quarters = pd.DataFrame({"quarter": [1, 2, 3, 4],
                             "data_from": [dt.date(2021, 12, 15), dt.date(2022, 3, 15), dt.date(2022, 6, 15),
                                           dt.date(2022, 9, 15)],
                             "data_to": [dt.date(2022, 3, 14), dt.date(2022, 6, 14), dt.date(2022, 9, 14),
                                         dt.date(2022, 12, 14)],
                             "due": [dt.date(2022, 3, 15), dt.date(2022, 6, 15), dt.date(2022, 9, 15),
                                     dt.date(2022, 12, 15)]})
    events = pd.DataFrame({"name": ["Ngày toàn dân phòng, chống mua bán người"], "start_on": [dt.date(2022, 7, 30)],
                           "end_on": [dt.date(2022, 7, 30)]})
    fig = charts.timeline_compact(quarters, events, dt.date(2022, 8, 1), "t")
    assert fig.layout.xaxis.dtick == "M3" and fig.layout.yaxis.showticklabels is False
    named = [a.text for a in fig.layout.annotations if a.xref == "paper" and a.xanchor == "left"]
    assert "Ngày toàn dân phòng, chống mua bán người (30/07)" in [n.replace("<br>", " ") for n in named]


def test_phone_task_chart_draws_each_name_whole():
    name = "T2B2 — Phòng ngừa nghiệp vụ, quản lý cư trú, kiểm tra cơ sở kinh doanh có điều kiện"
    df = pd.DataFrame({"label": [name], "done": [20], "in_progress": [6], "not_started": [0],
                       "not_applicable": [0], "not_reported": [1]})
    fig = charts.task_progress_compact(df, "t")
    assert [a.text.replace("<br>", " ") for a in fig.layout.annotations] == [name]
