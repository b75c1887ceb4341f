"""A batch with two files for one unit and quarter (issue 8 §5): `BC_CA_2022_Q1.xlsx` and the mail
client's `BC_CA_2022_Q1 (1).xlsx`. They load in file-modification order — the file saved last becomes
current, whatever the names — and the command line warns naming both, as the upload page does."""
import json
import os

from conftest import book, report, store_options

from pipelines.cli import main
from pipelines.outputs import metrics


def two_copies(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    older, newer = inbox / "BC_CA_2022_Q1.xlsx", inbox / "BC_CA_2022_Q1 (1).xlsx"
    older.write_bytes(book(report(unit="CA", values={"TT_BUOI": 3})))
    newer.write_bytes(book(report(unit="CA", values={"TT_BUOI": 7})))
    # by name, "… (1).xlsx" sorts first (space before dot); by time it was saved last
    os.utime(older, ns=(1_650_000_000_000_000_000, 1_650_000_000_000_000_000))
    os.utime(newer, ns=(1_650_000_100_000_000_000, 1_650_000_100_000_000_000))
    assert sorted([older.name, newer.name]) == [newer.name, older.name]
    return inbox


def current_tt_buoi(store):
    df = metrics.current_values(store, 2022, 1, units=["CA"], elements=["TT_BUOI"])
    return int(df["value"].iloc[0])


def test_the_file_saved_last_becomes_current_and_the_shell_names_both(store, tmp_path, capsys):
    inbox = two_copies(tmp_path)
    assert main(["ingest", str(inbox), "--received-at", "2022-03-14T09:00", *store_options(store)]) == 0
    out, err = capsys.readouterr()
    assert current_tt_buoi(store) == 7
    assert out.index("BC_CA_2022_Q1.xlsx:") < out.index("BC_CA_2022_Q1 (1).xlsx:")   # loaded in time order
    assert "CẢNH BÁO [same_report_in_batch]" in out
    assert "BC_CA_2022_Q1.xlsx, BC_CA_2022_Q1 (1).xlsx" in err and "bản hiện hành là BC_CA_2022_Q1 (1).xlsx" in err


def test_the_json_of_both_files_carries_the_warning(store, tmp_path, capsys):
    inbox = two_copies(tmp_path)
    assert main(["ingest", str(inbox), "--json", *store_options(store),
                 "--received-at", "2022-03-14T09:00"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in rows] == ["BC_CA_2022_Q1.xlsx", "BC_CA_2022_Q1 (1).xlsx"]
    for r in rows:
        same = [w for w in r["warnings"] if w["code"] == "same_report_in_batch"]
        assert len(same) == 1 and "BC_CA_2022_Q1.xlsx, BC_CA_2022_Q1 (1).xlsx" in same[0]["message"]


def test_files_given_one_by_one_load_in_time_order_too(store, tmp_path, capsys):
    inbox = two_copies(tmp_path)
    newer, older = inbox / "BC_CA_2022_Q1 (1).xlsx", inbox / "BC_CA_2022_Q1.xlsx"
    assert main(["ingest", str(newer), str(older), *store_options(store),
                 "--received-at", "2022-03-14T09:00"]) == 0
    assert current_tt_buoi(store) == 7
