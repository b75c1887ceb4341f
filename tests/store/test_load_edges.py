"""The loader's edges that tests/store/test_load.py and test_batch.py leave open, each seen to fail with
one mutant of pipelines/store/load.py (`python tests/mutate_py.py pipelines/store/load.py
tests/store/test_load_edges.py --lines N`; the README, "Mutation testing"): what a duplicate reports,
the plans' own personal-data headings, the clock skew allowed for a received-at in the future, an
archive the load did not write, which files of a folder are workbooks, and which files of a batch are
"the same report twice"."""
import datetime as dt
import hashlib

import pytest
from conftest import book, report

from pipelines.store import load as loader
from pipelines.store.load import IngestResult, expand_paths, ingest_bytes, same_report_twice, warn_same_report_twice
from pipelines.workbook.read import PERSONAL_HEADINGS
from pipelines.workbook.template import build_template


def test_a_duplicate_reports_the_first_file_in_the_plan_time(store, plan):
    """workbook.md: the same bytes again are a duplicate. The result names the report the bytes
    already are — CA, 2022, quarter 1, received 09:00 on 14 March 2022 in Đức Phổ (+07:00) — and the
    submission it duplicates. Seen failing with `row[1]`…`row[4]` shifted by one in `_duplicate`
    (unit 2022, year 1 …), and with `store.plan(row[3])` (no plan for "year" 1: the time in UTC)."""
    data = build_template(plan, "CA", 1, values={"TT_BUOI": 3})
    first = ingest_bytes(store, data, "ca.xlsx", dt.datetime(2022, 3, 14, 9))
    again = ingest_bytes(store, data, "ca-copy.xlsx", dt.datetime(2022, 5, 1, 9))
    assert again.status == "duplicate"
    assert (again.submission_id, again.duplicate_of) == (first.submission_id, first.submission_id)
    j = again.as_json()
    assert (j["file"], j["unit"], j["year"], j["quarter"]) == ("ca-copy.xlsx", "CA", 2022, 1)
    assert j["received_at"] == "2022-03-14T09:00:00+07:00"  # the first file's, not this attempt's


def test_the_plans_own_personal_headings_are_checked(store):
    """The 2022 plan's [confidentiality] list adds "Tên nạn nhân" (a victim's name) to the ten default
    headings: a sheet headed so is refused and nothing is archived. Seen failing with
    `personal_headings`'s `or PERSONAL_HEADINGS` → `and` (the default list only)."""
    assert not any("nạn nhân" in h for h in PERSONAL_HEADINGS)
    sheets = report(extra_sheets={"DS": [["Tên nạn nhân", "Số lượng"], ["Nguyễn Thị B", 1]]})
    r = ingest_bytes(store, book(sheets), "ds.xlsx")
    assert r.status == "rejected" and [(e.code, e.where) for e in r.errors] == [("personal_data", "DS!A1")]
    assert not any(p.is_file() for p in store.raw_dir.rglob("*"))


def test_a_read_checked_against_other_headings_is_read_again(store):
    """A workbook read earlier (the upload page reads while the user looks) against other
    personal-data headings than the plans' now — a plan installed in between may add one — is read
    again before it is loaded. Seen failing with `read is None or read.headings != …` → `and`, and
    with `!=` → `==` (the old read kept: the file accepted)."""
    data = book(report(extra_sheets={"DS": [["Tên nạn nhân", "Số lượng"], ["Nguyễn Thị B", 1]]}))
    early = loader.read_file(store, data, "ds.xlsx", headings=PERSONAL_HEADINGS)
    assert [p.code for p in early.problems] == []  # the default list does not know the heading
    r = ingest_bytes(store, data, "ds.xlsx", read=early)
    assert r.status == "rejected" and [e.code for e in r.errors] == ["personal_data"]


NOW_UTC = dt.datetime(2022, 3, 14, 2, 0)  # 09:00 in Đức Phổ


@pytest.mark.parametrize("local, status", [
    (dt.datetime(2022, 3, 14, 9, 5), "accepted"),      # 5 minutes ahead of the server's clock
    (dt.datetime(2022, 3, 14, 9, 10), "accepted"),     # exactly the 10 minutes allowed
    (dt.datetime(2022, 3, 14, 9, 10, 1), "rejected"),  # one second more
])
def test_a_received_at_up_to_ten_minutes_ahead_is_a_clock_difference(store, plan, monkeypatch, local, status):
    """A received-at later than now is refused ("received_in_future"), but a clerk's clock a few
    minutes fast is not the future: up to 10 minutes (CLOCK_SKEW) is allowed. The server's clock is
    fixed at 02:00 UTC = 09:00 +07:00. Seen failing with 10 → 11 minutes, `>` → `>=` and
    `utcnow() + CLOCK_SKEW` → `-`."""
    monkeypatch.setattr(loader, "utcnow", lambda: NOW_UTC)
    r = ingest_bytes(store, build_template(plan, "CA", 1, values={"TT_BUOI": 1}), "ca.xlsx", local)
    assert r.status == status
    assert [e.code for e in r.errors] == ([] if status == "accepted" else ["received_in_future"])


def test_a_failed_load_leaves_an_archive_it_did_not_write(store, plan, monkeypatch):
    """The archive is content-addressed and never overwritten: when the file is already there (another
    loader of the same bytes wrote it and has not committed yet), a load that then fails removes only
    what it wrote itself — nothing. Seen failing with `_archive`'s `return False` → `True` for an
    existing file (the other loader's archive deleted)."""
    data = build_template(plan, "CA", 1, values={"TT_BUOI": 3})
    sha = hashlib.sha256(data).hexdigest()
    archived = store.raw_dir / sha[:2] / f"{sha}.xlsx"
    archived.parent.mkdir(parents=True, exist_ok=True)
    archived.write_bytes(data)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(loader, "audit", boom)  # the last statement of the transaction
    with pytest.raises(RuntimeError):
        ingest_bytes(store, data, "ca.xlsx")
    assert archived.read_bytes() == data


def test_a_failed_load_whose_archive_is_already_gone_reports_its_own_error(store, plan, monkeypatch):
    """Two loaders of the same bytes may both find no archive and both write it (the same content,
    each renamed into place); when both fail, the first removes the archive and the second finds
    nothing to remove. The second must still report why it failed ("disk full"), not a
    FileNotFoundError from its cleanup, and leave no file. Seen failing with `archive.unlink(
    missing_ok=True)` → `False`."""
    data = build_template(plan, "CA", 1, values={"TT_BUOI": 3})
    sha = hashlib.sha256(data).hexdigest()
    archived = store.raw_dir / sha[:2] / f"{sha}.xlsx"

    def boom(*args, **kwargs):
        archived.unlink()  # the other loader, failing first, removed the archive
        raise RuntimeError("disk full")
    monkeypatch.setattr(loader, "audit", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_bytes(store, data, "ca.xlsx")
    assert not archived.exists()
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM submission").fetchone() == (0,)


def test_a_folder_gives_its_workbooks_only(tmp_path):
    """`ingest DIR` loads the workbooks of the folder and its subfolders (.xlsx, .xlsm, .xls, .ods, any
    case), not a note beside them, not Excel's lock file `~$…` nor a hidden `.…` file. Seen failing
    with either `and` of the filter → `or`."""
    inbox = tmp_path / "in"
    (inbox / "sub").mkdir(parents=True)
    for name in ("BC_CA.xlsx", "BC_VKS.XLS", "sub/BC_TAND.ods", "sub/BC_TP.xlsm",
                 "notes.txt", "~$BC_CA.xlsx", ".BC_CA.xlsx", "sub/readme"):
        (inbox / name).write_bytes(b"x")
    (inbox / "old.xlsx").mkdir()  # a folder named like a workbook
    found = {p.relative_to(inbox).as_posix() for p in expand_paths([inbox])}
    assert found == {"BC_CA.xlsx", "BC_VKS.XLS", "sub/BC_TAND.ods", "sub/BC_TP.xlsm"}


def test_the_same_report_twice_needs_the_unit_year_and_quarter_known():
    """Two files are the same report only when both name the same unit, year and quarter: a file
    whose unit, year or quarter was not read is no one's report; one file per report is no group.
    Seen failing with either `and` of `unit and year and quarter` → `or`, and `len(names) > 1` → `>=`."""
    items = [("a.xlsx", "CA", 2022, 1), ("b.xlsx", "VKS", 2022, 1), ("c.xlsx", "CA", 2022, 2),
             ("d.xlsx", None, None, None), ("e.xlsx", None, None, None),
             ("f.xlsx", "TAND", None, None), ("g.xlsx", "TAND", None, None),
             ("h.xlsx", None, 2022, 1), ("i.xlsx", None, 2022, 1)]
    assert same_report_twice(items) == []
    assert same_report_twice([*items, ("j.xlsx", "CA", 2022, 1)]) == [("CA", 2022, 1, ["a.xlsx", "j.xlsx"])]


def test_only_the_accepted_copies_of_one_report_are_warned():
    """A batch: CA's Q1 twice (both accepted), a third copy of CA's Q1 refused, VKS's Q1 accepted.
    The warning goes to the two accepted copies only: the refused copy became no version, VKS's file
    is another report. Seen failing with either `and` → `or` in the loop that adds the warning."""
    def result(name, status, unit):
        return IngestResult(file=name, status=status, unit=unit, year=2022, quarter=1)
    results = [result("BC_CA.xlsx", "accepted", "CA"), result("BC_CA (1).xlsx", "accepted", "CA"),
               result("BC_CA (2).xlsx", "rejected", "CA"), result("BC_VKS.xlsx", "accepted", "VKS")]
    groups = warn_same_report_twice(results)
    assert groups == [("CA", 2022, 1, ["BC_CA.xlsx", "BC_CA (1).xlsx"])]
    assert [[w.code for w in r.warnings] for r in results] == [
        ["same_report_in_batch"], ["same_report_in_batch"], [], []]
    assert "bản hiện hành là tệp nạp sau cùng, BC_CA (1).xlsx" in results[0].warnings[0].message
