"""A copied address opens the same view: every page's own filters (not only the sidebar's) are in
the address, and a new session opened from it shows the same rows. AppTest on the demo store; the
browser side is tests/e2e (a copied link in a new browser context)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.state import auth
from pipelines.accounts import users
from pipelines.store import Store

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"


@pytest.fixture(scope="module")
def data_dir(demo_store_template, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("links") / "data"
    shutil.copytree(demo_store_template, target)
    users.add_user(Store(target), "test_admin", "admin", "mat-khau-thu-nghiem")
    return target


def _app(data_dir: Path, monkeypatch, **query) -> AppTest:
    monkeypatch.setenv("DUCPHO138_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.session_state[auth.USER_KEY] = users.get_user(Store(data_dir), "test_admin")
    for k, v in query.items():
        at.query_params[k] = v
    return at


def _address(at: AppTest) -> dict[str, str]:
    return {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def _rows_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if "dòng" in c.value)


def test_data_page_filters_travel_in_the_address(data_dir, monkeypatch):
    at = _app(data_dir, monkeypatch, year="2022", period="Y").run()
    at.switch_page("views/du_lieu.py").run()
    everything = _rows_caption(at)
    at.multiselect(key="data_quarters").set_value([3]).run()
    kind = "border"                                    # the two border guard posts (BP_PQ, BP_SH)
    at.multiselect(key="data_kinds").set_value([kind]).run()
    at.toggle(key="data_only_reported").set_value(True).run()
    filtered = _rows_caption(at)
    table = at.dataframe[0].value
    assert filtered != everything and len(table) > 0
    address = _address(at)
    assert address["q"] == "3" and address["kinds"] == kind and address["reported"] == "1"

    colleague = _app(data_dir, monkeypatch, **address).run()    # the link, opened in a new session
    colleague.switch_page("views/du_lieu.py").run()
    assert not colleague.exception, [e.value for e in colleague.exception]
    assert colleague.session_state["data_quarters"] == [3]
    assert colleague.session_state["data_kinds"] == [kind]
    assert _rows_caption(colleague) == filtered
    assert colleague.dataframe[0].value.equals(table)


def test_task_and_unit_pickers_and_as_of_travel_too(data_dir, monkeypatch):
    at = _app(data_dir, monkeypatch, year="2022", period="Y").run()
    at.switch_page("views/nhiem_vu.py").run()
    code = "T2A1"                                      # a task other than the first (T1A), the default
    at.selectbox(key="task_drill").set_value(code).run()
    assert _address(at)["task"] == code
    colleague = _app(data_dir, monkeypatch, **_address(at)).run()
    colleague.switch_page("views/nhiem_vu.py").run()
    assert colleague.session_state["task_drill"] == code

    at.switch_page("views/tien_do.py").run()
    import datetime as dt
    at.date_input(key="as_of").set_value(dt.date(2022, 9, 20)).run()
    assert _address(at)["as_of"] == "2022-09-20"
    colleague = _app(data_dir, monkeypatch, **_address(at)).run()
    colleague.switch_page("views/tien_do.py").run()
    assert colleague.session_state["as_of"] == dt.date(2022, 9, 20)


def test_nonsense_in_the_address_is_ignored(data_dir, monkeypatch):
    at = _app(data_dir, monkeypatch, year="2022", period="Y", q="9,x", kinds="NOPE", reported="yes").run()
    at.switch_page("views/du_lieu.py").run()
    assert not at.exception
    assert at.session_state["data_quarters"] == [] and at.session_state["data_kinds"] == []
    assert at.session_state["data_only_reported"] is False
