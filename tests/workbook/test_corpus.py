"""A broad corpus of spreadsheets that are not (or not only) unit reports (issue 8 §1): each ends as
accepted or refused with codes from problems.CODES — never an exception, never a dead process.

- hypothesis mutations of the project's own template in .xlsx, .xls and .ods (byte flips,
  truncation, zip members swapped, dropped or replaced, cell references pushed far out);
- odd-but-valid files written by openpyxl (chart, table, pivot parts, defined names, external
  link, 1904 dates, shared formulas, .xlsm with a macro part), xlwt (formulas, dates) and odfpy;
- the template converted by LibreOffice (when `soffice` is installed).

Every file goes through the production path: the guard and reader in the sandbox's child, then the
validator in this process (as load.check_file does).
"""
import io
import random
import re
import shutil
import subprocess
import zipfile

import pytest
from conftest import ROOT, book, report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.plan import load_plan
from pipelines.problems import CODES
from pipelines.workbook import sandbox
from pipelines.workbook.template import build_template
from pipelines.workbook.validate import validate

PLAN = load_plan(ROOT / "data" / "plans" / "duc_pho_2022.toml")
PLANS = {PLAN.year: PLAN}
VALUES = {"TIN_TON": 1, "TIN_MOI": 4, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 4, "TT_BUOI": 2, "TT_LUOT": 60}
TEMPLATE = build_template(PLAN, "CA", 1, values=VALUES)
CORPUS = settings(max_examples=30, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def outcome(data: bytes, name: str) -> tuple[str, set[str]]:
    """("accepted" | "refused", the error codes), as load.check_file would decide."""
    raw, problems = sandbox.read_workbook(data, name)
    if raw is not None:
        sub, more = validate(raw, PLANS)
        problems = problems + more
    errors = {p.code for p in problems if p.level == "error"}
    assert {p.code for p in problems} <= CODES, problems
    assert all(p.message and p.where for p in problems)
    return ("refused" if errors or raw is None else "accepted"), errors


def _grids(xlsx: bytes) -> dict[str, list[list]]:
    """The template's cells, to write them again with another program's library."""
    import python_calamine
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(xlsx))
    return {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}


SEEDS = {"xlsx": TEMPLATE, "xls": book(_grids(TEMPLATE), "xls"), "ods": book(_grids(TEMPLATE), "ods")}


def test_the_seeds_themselves_are_accepted():
    for fmt, data in SEEDS.items():
        assert outcome(data, f"BC_CA_2022_Q1.{fmt}") == ("accepted", set()), fmt


# -- mutations ---------------------------------------------------------------------------------------------------
@CORPUS
@given(fmt=st.sampled_from(sorted(SEEDS)), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)),
                                                         min_size=1, max_size=20))
def test_byte_flips(fmt, flips):
    data = bytearray(SEEDS[fmt])
    for where, byte in flips:
        data[min(int(where * len(data)), len(data) - 1)] = byte
    outcome(bytes(data), f"bc.{fmt}")


@CORPUS
@given(fmt=st.sampled_from(sorted(SEEDS)), keep=st.floats(0, 1, exclude_max=True))
def test_truncation(fmt, keep):
    data = SEEDS[fmt]
    state, codes = outcome(data[:int(keep * len(data))], f"bc.{fmt}")
    if fmt != "xls":  # a cut zip loses its central directory; a cut .xls may only lose padding
        assert state == "refused"


def _rezip(data: bytes, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    members = [(i.filename, src.read(i)) for i in src.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, body in change(members):
            dst.writestr(name, body)
    return out.getvalue()


@CORPUS
@given(fmt=st.sampled_from(["xlsx", "ods"]), op=st.sampled_from(["swap", "drop", "replace", "far"]),
       a=st.integers(0, 1000), b=st.integers(0, 1000), junk=st.binary(max_size=200))
def test_zip_member_swaps(fmt, op, a, b, junk):
    def change(members):
        i, j = a % len(members), b % len(members)
        if op == "swap":
            (ni, bi), (nj, bj) = members[i], members[j]
            members[i], members[j] = (ni, bj), (nj, bi)
        elif op == "drop":
            del members[i]
        elif op == "replace":
            members[i] = (members[i][0], junk)
        else:  # a cell reference pushed far out in every sheet part
            members = [(n, re.sub(rb'r="([A-Z]+)(\d+)"', rb'r="\g<1>' + str(1000 + a * 1000).encode() + rb'"', body, count=1)
                        if n.endswith(".xml") else body) for n, body in members]
        return members
    outcome(_rezip(SEEDS[fmt], change), f"bc.{fmt}")


# -- odd but valid ---------------------------------------------------------------------------------------------------
def _openpyxl(edit, suffix: str = "xlsx", **load) -> bytes:
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(TEMPLATE), **load)
    edit(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _chart(wb):
    from openpyxl.chart import BarChart, Reference
    ws = wb["Số liệu"]
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=4, min_row=4, max_row=12))
    ws.add_chart(chart, "H2")


def _table(wb):
    from openpyxl.worksheet.table import Table
    ws = wb.create_sheet("Bảng")
    for r in [["Quý", "Số vụ"], [1, 2], [2, 3]]:
        ws.append(r)
    ws.add_table(Table(displayName="BangQuy", ref="A1:B3"))


def _names(wb):
    from openpyxl.workbook.defined_name import DefinedName
    wb.defined_names["SoLieu"] = DefinedName("SoLieu", attr_text="'Số liệu'!$D$1:$D$40")


def _epoch_1904(wb):
    import datetime as dt
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    wb.epoch = CALENDAR_MAC_1904
    wb["Thông tin"].append(["Ngày lập", dt.date(2022, 3, 14)])   # the template leaves it out: a date to read


def _external_link(wb):
    wb["Số liệu"]["J2"] = "='C:\\BaoCao\\[tong_hop.xlsx]Tổng hợp'!A1"   # no cached value: refused, by cell


def _patch(data: bytes, member: str, fn) -> bytes:
    return _rezip(data, lambda ms: [(n, fn(b) if n == member else b) for n, b in ms])


def _shared_formulas() -> bytes:
    data = _openpyxl(lambda wb: [wb.create_sheet("Tính").append([v]) for v in (1, 2, 3)])
    template = zipfile.ZipFile(io.BytesIO(TEMPLATE)).namelist()
    sheet = f"xl/worksheets/sheet{sum(n.startswith('xl/worksheets/sheet') for n in template) + 1}.xml"   # 1st added
    assert sheet in zipfile.ZipFile(io.BytesIO(data)).namelist()

    def shared(xml: bytes) -> bytes:
        xml = xml.replace(b'<c r="A1" t="n"><v>1</v></c>', b'<c r="A1"><f t="shared" ref="A1:A3" si="0">ROW()</f><v>1</v></c>')
        xml = xml.replace(b'<c r="A2" t="n"><v>2</v></c>', b'<c r="A2"><f t="shared" si="0"/><v>2</v></c>')
        return xml.replace(b'<c r="A3" t="n"><v>3</v></c>', b'<c r="A3"><f t="shared" si="0"/><v>3</v></c>')
    out = _patch(data, sheet, shared)
    assert b't="shared"' in zipfile.ZipFile(io.BytesIO(out)).read(sheet)
    return out


def _xlsm() -> bytes:
    """The template as a macro-enabled workbook with a (never run) VBA part."""
    ct = "[Content_Types].xml"

    def macro(members):
        out = [(n, b.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
                if n == ct else b) for n, b in members]
        return out + [("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(random.Random(8).randbytes(2000)))]
    return _rezip(TEMPLATE, macro)


def _pivot_parts() -> bytes:
    """Pivot cache and table parts beside the sheets (as Excel leaves them)."""
    return _rezip(TEMPLATE, lambda ms: ms + [
        ("xl/pivotCache/pivotCacheDefinition1.xml", b'<pivotCacheDefinition xmlns="http://schemas.openxmlformats.org/'
         b'spreadsheetml/2006/main" refreshOnLoad="1"><cacheSource type="worksheet"><worksheetSource ref="A1:B3" '
         b'sheet="B\xe1\xba\xa3ng"/></cacheSource></pivotCacheDefinition>'),
        ("xl/pivotTables/pivotTable1.xml", b'<pivotTableDefinition xmlns="http://schemas.openxmlformats.org/'
         b'spreadsheetml/2006/main" name="P" cacheId="1"><location ref="A1:B3" firstHeaderRow="1" firstDataRow="1" '
         b'firstDataCol="1"/></pivotTableDefinition>')])


def _xlwt_odd() -> bytes:
    import datetime as dt
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    grids = _grids(TEMPLATE)
    for name, rows in grids.items():
        ws = wb.add_sheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
    ws = wb.add_sheet("Phụ lục")
    ws.write(0, 0, dt.datetime(2022, 3, 14), xlwt.easyxf(num_format_str="DD/MM/YYYY"))
    ws.write(1, 0, xlwt.Formula("SUM(1;2)"))
    ws.write_merge(2, 3, 0, 4, "Ô gộp")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _other_agency() -> bytes:
    """Another office's form: its own sheets and layout, not a unit report."""
    return book({"Biểu 01": [["BIỂU THỐNG KÊ"], ["STT", "Nội dung", "Số lượng"], [1, "Số vụ", 3], [2, "Số người", 5]],
                 "Sheet2": [[None, None, "ghi chú"]]})


ODD = {
    "chart.xlsx": (lambda: _openpyxl(_chart), "accepted"),
    "table.xlsx": (lambda: _openpyxl(_table), "accepted"),
    "pivot.xlsx": (_pivot_parts, "accepted"),
    "names.xlsx": (lambda: _openpyxl(_names), "accepted"),
    "date1904.xlsx": (lambda: _openpyxl(_epoch_1904), "accepted"),
    "shared.xlsx": (_shared_formulas, "accepted"),
    "macro.xlsm": (_xlsm, "accepted"),
    "external.xlsx": (lambda: _openpyxl(_external_link), {"formula_without_value"}),
    "xlwt_odd.xls": (_xlwt_odd, "accepted"),
    "odfpy.ods": (lambda: book(report(extra_sheets={"Phụ lục": [["Ghi chú", None, 1.5], [None, "x"]]}), "ods"), "accepted"),
    "other_agency.xlsx": (_other_agency, {"missing_sheet"}),
    "other_agency.xls": (lambda: book({"Biểu 01": [["STT", "Nội dung"], [1, "Số vụ"]]}, "xls"), {"missing_sheet"}),
}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_but_valid_files(name):
    make, expected = ODD[name]
    state, codes = outcome(make(), name)
    if expected == "accepted":
        assert (state, codes) == ("accepted", set())
    else:
        assert state == "refused" and codes == expected


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory) -> dict[str, bytes]:
    soffice = shutil.which("soffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) is not installed")
    d = tmp_path_factory.mktemp("lo")
    (d / "BC_CA_2022_Q1.xlsx").write_bytes(TEMPLATE)
    out = {}
    for fmt in ("ods", "xls"):
        subprocess.run([soffice, f"-env:UserInstallation=file://{d}/profile", "--headless", "--convert-to", fmt,
                        "--outdir", str(d / fmt), str(d / "BC_CA_2022_Q1.xlsx")], capture_output=True, timeout=180)
        path = d / fmt / f"BC_CA_2022_Q1.{fmt}"
        if path.exists():
            out[fmt] = path.read_bytes()
    return out


@pytest.mark.office
@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_the_template_saved_by_libreoffice_is_accepted(libreoffice, fmt):
    assert fmt in libreoffice, f"LibreOffice is installed but wrote no .{fmt}"
    assert outcome(libreoffice[fmt], f"BC_CA_2022_Q1.{fmt}") == ("accepted", set())


@pytest.mark.office
@CORPUS
@given(fmt=st.sampled_from(["ods", "xls"]), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)),
                                                           min_size=1, max_size=10))
def test_libreoffice_files_mutated(libreoffice, fmt, flips):
    assert fmt in libreoffice, f"LibreOffice is installed but wrote no .{fmt}"
    data = bytearray(libreoffice[fmt])
    for where, byte in flips:
        data[min(int(where * len(data)), len(data) - 1)] = byte
    outcome(bytes(data), f"bc.{fmt}")


def test_corpus_leaves_no_child_running():
    """After deaths and refusals, at most the idle children remain, each alive and answering."""
    assert outcome(SEEDS["xlsx"], "bc.xlsx")[0] == "accepted"
    # MAX_IDLE is per kind of child (target, memory and time limits): other tests of this process
    # may have left children of other kinds
    pools = list(sandbox.POOL._idle.values())
    assert all(len(idle) <= sandbox.MAX_IDLE for idle in pools)
    assert all(w.alive for idle in pools for w in idle)

