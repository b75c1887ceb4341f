"""Timeliness cases of spec/plan-2022.md §2, by hand: Q1 is due 15/03/2022, on time until 23:59:59
Asia/Ho_Chi_Minh (UTC+7) that day, i.e. before 16:59:59 UTC; a refused file is not a submission; a
restore does not change when the first accepted file arrived; a time without an offset is Đức Phổ time
on the command line (--received-at and --as-of) as in the functions."""
import datetime as dt
import json

import pytest
from conftest import book, report, store_options

from pipelines.cli import main
from pipelines.outputs import metrics
from pipelines.store.load import ingest_bytes, restore

ICT = dt.timezone(dt.timedelta(hours=7))


def status(store, unit, quarter, as_of):
    df = metrics.compliance(store, 2022, as_of)
    return df[(df.unit == unit) & (df.quarter == quarter)].iloc[0]


def cli_status(store, capsys, unit, quarter, as_of: str):
    assert main(["compliance", "--year", "2022", "--as-of", as_of, "--format", "json",
                 *store_options(store)]) == 0
    rows = json.loads(capsys.readouterr().out)
    return next(r for r in rows if r["unit"] == unit and r["quarter"] == quarter)


def test_a_refused_file_leaves_the_unit_missing(store):
    bad = ingest_bytes(store, book(report(unit="VKS", values={"VKS_TON": 0, "VKS_MOI": 2, "VKS_TRUY_TO": 3})),
                       "vks.xlsx", dt.datetime(2022, 3, 10, 9))
    assert bad.status == "rejected"                                     # 3 indicted of 2: refused
    assert status(store, "VKS", 1, dt.datetime(2022, 3, 20, tzinfo=ICT)).status == "missing"
    # the corrected file arrives on 17/3: late, judged from its own arrival, not the refused one's
    good = ingest_bytes(store, book(report(unit="VKS", values={"VKS_TON": 0, "VKS_MOI": 2, "VKS_TRUY_TO": 2})),
                        "vks2.xlsx", dt.datetime(2022, 3, 17, 9))
    assert good.status == "accepted"
    assert status(store, "VKS", 1, dt.datetime(2022, 3, 20, tzinfo=ICT)).status == "late"


def test_restore_does_not_change_timeliness(store):
    first = ingest_bytes(store, book(report(unit="CA", values={"TT_BUOI": 1})), "a.xlsx", dt.datetime(2022, 3, 14, 9))
    ingest_bytes(store, book(report(unit="CA", values={"TT_BUOI": 2})), "b.xlsx", dt.datetime(2022, 3, 25, 9))
    before = status(store, "CA", 1, dt.datetime(2022, 4, 1, tzinfo=ICT))
    assert (before.status, before.received_at) == ("on_time", dt.datetime(2022, 3, 14, 9, tzinfo=ICT))
    assert restore(store, first.submission_id)["changed"]
    after = status(store, "CA", 1, dt.datetime(2022, 4, 1, tzinfo=ICT))
    assert (after.status, after.received_at, after.versions) == ("on_time", dt.datetime(2022, 3, 14, 9, tzinfo=ICT), 2)


@pytest.mark.parametrize("received, expected", [
    ("2022-03-15T23:59:59", "on_time"),          # naive: Đức Phổ time, the last second of the due date
    ("2022-03-16T00:00:00", "late"),
    ("2022-03-15T16:59:59+00:00", "on_time"),    # = 23:59:59 in Đức Phổ
    ("2022-03-15T17:00:00+00:00", "late"),
])
def test_naive_received_at_is_local_time_at_the_deadline(store, tmp_path, capsys, received, expected):
    f = tmp_path / "ca.xlsx"
    f.write_bytes(book(report(unit="CA", values={"TT_BUOI": 1})))
    assert main(["ingest", str(f), "--received-at", received, *store_options(store)]) == 0
    capsys.readouterr()
    assert cli_status(store, capsys, "CA", 1, "2022-04-01T00:00")["status"] == expected


@pytest.mark.parametrize("as_of, expected", [
    ("2022-03-15T23:59:59", "pending"),          # naive --as-of: Đức Phổ time, still the due date
    ("2022-03-16T00:00:00", "missing"),          # the first second after it (17:00 UTC on 15/3)
    ("2022-03-15T16:59:59+00:00", "pending"),
    ("2022-03-15T17:00:00+00:00", "missing"),
])
def test_naive_as_of_is_local_time_at_the_deadline(store, capsys, as_of, expected):
    assert cli_status(store, capsys, "VKS", 1, as_of)["status"] == expected


def test_naive_as_of_in_the_function_is_local_time_too(store):
    # 15/3 20:00 without an offset is Đức Phổ time, before the deadline: pending. Read as UTC it would
    # be 16/3 03:00 in Đức Phổ, after it: missing (what metrics.compliance did before issue 8).
    assert status(store, "VKS", 1, dt.datetime(2022, 3, 15, 20, 0)).status == "pending"
