"""The form of an administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I), with python-docx:
A4 portrait, margins 20/20/30/15 mm, Times New Roman, page numbers centred in the top margin from
page 2; heading block as a borderless two-column table (issuing body and number | national motto
and place/date); document kind and subject; "Kính gửi"; justified body with a first-line indent;
"Nơi nhận" beside the signature block. Shared by the province report and the reminder letters;
what a document says comes from the plan file and data/templates/van_ban.toml."""
from __future__ import annotations

import datetime as dt
import tomllib
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from pipelines.text import one_line

TEXTS_FILE = Path(__file__).resolve().parents[2] / "data" / "templates" / "van_ban.toml"

FONT = "Times New Roman"
BODY_PT = 14
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
FIRST_LINE_INDENT = Cm(1.27)
TEXT_WIDTH_CM = (210 - MARGINS_MM["left"] - MARGINS_MM["right"]) / 10
LEFT_COL_CM = 6.5  # heading block and closing block: left column; the right one takes the rest
NBSP = "\u00a0"
LANGUAGE = "vi-VN"


@lru_cache(maxsize=4)
def _texts(path: str, mtime: float) -> dict:
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def texts(path: Path | None = None) -> dict:
    """The editable texts (re-read when the file changes)."""
    p = Path(path or TEXTS_FILE)
    return _texts(str(p), p.stat().st_mtime)


def vn_date(place: str, day: dt.date) -> str:
    """"Đức Phổ, ngày 05 tháng 02 năm 2022": a day below 10 and the months 1 and 2 take a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def number_line(symbol: str, number: str | None) -> str:
    """"Số: 12/BC-BCĐ", or with the number left blank to be filled in by hand."""
    return f"Số: {number}/{symbol}" if number else f"Số:{NBSP * 10}/{symbol}"


# -- page ------------------------------------------------------------------------------------------
def new_document() -> Document:
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    sec.left_margin, sec.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    sec.header_distance = Mm(10)
    for name in ("Normal", "Header", "Footer", "Table Grid"):
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        _set_font(style.font, style.element)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.1
    _language(doc)
    _page_numbers(sec)
    return doc


def _language(doc) -> None:
    """Vietnamese as the language of every run (document defaults and the styles used), so a word
    processor checks the spelling in Vietnamese, not English."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    targets = [s.element.get_or_add_rPr() for s in doc.styles if s.type == 1 or s.name == "Table Grid"]
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None and rpr_default.find(qn("w:rPr")) is not None:
            targets.append(rpr_default.find(qn("w:rPr")))
    for rpr in targets:
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        for attr in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attr), LANGUAGE)


def properties(doc, *, author: str, title: str) -> None:
    """Honest core properties: written by the committee, now (python-docx's template says
    "python-docx", 2013)."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    cp = doc.core_properties
    cp.author = cp.last_modified_by = author
    cp.title, cp.language = title, LANGUAGE
    cp.created = cp.modified = now
    cp.revision = 1
    cp.comments = cp.keywords = cp.subject = cp.category = ""


def _set_font(font, element) -> None:
    font.name = FONT
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _page_numbers(sec) -> None:
    """Page number centred in the top margin; none on the first page (a different first-page header)."""
    sec.different_first_page_header_footer = True
    p = sec.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    run.font.size = Pt(BODY_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    sec.first_page_header.paragraphs[0].text = ""


# -- paragraphs -------------------------------------------------------------------------------------
def para(container, text: str = "", *, size: float = BODY_PT, bold: bool = False, italic: bool = False,
         align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = False, after: float = 6, before: float = 0,
         keep_next: bool = False):
    p = container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_after, fmt.space_before = Pt(after), Pt(before)
    if indent:
        fmt.first_line_indent = FIRST_LINE_INDENT
    if keep_next:
        fmt.keep_with_next = True
    if text:
        run = p.add_run(text)
        run.font.size, run.bold, run.italic = Pt(size), bold, italic
    return p


def body(doc, text: str):
    """A body paragraph: 14 pt, justified, first line indented 1,27 cm."""
    return para(doc, text, indent=True)


def heading(doc, text: str):
    """A section heading (I., 1.): bold, indented like the body, kept with what follows."""
    return para(doc, text, bold=True, indent=True, keep_next=True, before=3)


def rule(container, length_cm: float, width_cm: float, *, after: float = 4):
    """A solid horizontal line of `length_cm`, centred in a column of `width_cm` (the top border of an
    empty, tiny paragraph whose indents set its length)."""
    p = container.add_paragraph()
    fmt = p.paragraph_format
    side = max((width_cm - length_cm) / 2, 0)
    fmt.left_indent = fmt.right_indent = Cm(side)
    fmt.space_before, fmt.space_after = Pt(0), Pt(after)
    fmt.line_spacing = Pt(3)
    run = p.add_run("")
    run.font.size = Pt(2)
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(k), v)
    borders.append(top)
    ppr.append(borders)
    return p


def text_width_cm(text: str, size_pt: float, bold: bool = False) -> float:
    """A rough width of one line of Times New Roman (for rule lengths): capitals ~0.68 em, others ~0.47 em."""
    em = sum(0.68 if ch.isupper() else 0.27 if ch in " .,-:;" else 0.47 for ch in text) * (1.06 if bold else 1)
    return em * size_pt / 72 * 2.54


def borderless_table(doc, widths_cm: list[float]):
    table = doc.add_table(rows=1, cols=len(widths_cm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)
    for col, cell, w in zip(table.columns, table.rows[0].cells, widths_cm):
        col.width = cell.width = Cm(w)
        cell.paragraphs[0].paragraph_format.space_after = Pt(0)
    return table


def _cell_start(cell):
    """The cell's first (empty) paragraph is reused by the first line."""
    return cell.paragraphs[0]


def _line(cell, text: str, *, size: float, bold: bool = False, italic: bool = False, first: bool = False,
          after: float = 0, align=WD_ALIGN_PARAGRAPH.CENTER):
    p = _cell_start(cell) if first else cell.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(after)
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.first_line_indent = Cm(0)
    run = p.add_run(text)
    run.font.size, run.bold, run.italic = Pt(size), bold, italic
    return p


# -- blocks -----------------------------------------------------------------------------------------
def heading_block(doc, *, parent_body: str, issuing_body: str, number: str, place_date: str,
                  subject_line: str | None = None):
    """Left: parent body (capitals), issuing body (capitals, bold) over a short rule, "Số: …";
    a letter's "V/v …" under it. Right: the national motto (bold) over a full-length rule, then
    place and date in italics."""
    right_cm = TEXT_WIDTH_CM - LEFT_COL_CM
    table = borderless_table(doc, [LEFT_COL_CM, right_cm])
    left, right = table.rows[0].cells
    first = True
    if parent_body:
        _line(left, parent_body.upper(), size=13, first=True)
        first = False
    _line(left, issuing_body.upper(), size=13, bold=True, first=first)
    name_w = text_width_cm(issuing_body.upper(), 13, bold=True)
    rule(left, max(name_w * 0.45, 1.2), LEFT_COL_CM - 0.4, after=6)
    _line(left, number, size=13, after=2)
    if subject_line:
        _line(left, subject_line, size=12)
    _line(right, MOTTO[0], size=13, bold=True, first=True)
    _line(right, MOTTO[1], size=14, bold=True)
    rule(right, text_width_cm(MOTTO[1], 14, bold=True), right_cm - 0.4, after=6)
    _line(right, place_date, size=14, italic=True)
    return table


def title(doc, kind: str, subject: str):
    """"BÁO CÁO" and the subject line, bold, centred, a short rule under them."""
    para(doc, kind.upper(), size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0, before=18)
    # the last two words on one line: a centred H1 subject ended with "2023" alone on the second line
    head, _, last = subject.rpartition(" ")
    para(doc, f"{head}{NBSP}{last}" if head else subject, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
         after=0)
    rule(doc, 3.5, TEXT_WIDTH_CM, after=6)


def to_whom(doc, recipients: list[str]):
    """"Kính gửi: …" centred (one recipient) or as a list (several)."""
    if len(recipients) == 1:
        p = para(doc, "", align=WD_ALIGN_PARAGRAPH.CENTER, after=12, before=6)
        p.add_run("Kính gửi: ").font.size = Pt(14)
        p.add_run(f"{recipients[0]}.").font.size = Pt(14)
        return p
    p = para(doc, "Kính gửi:", align=WD_ALIGN_PARAGRAPH.LEFT, after=0, before=6)
    p.paragraph_format.left_indent = Cm(4)
    for i, r in enumerate(recipients):
        q = para(doc, f"- {r}{'.' if i == len(recipients) - 1 else ';'}", align=WD_ALIGN_PARAGRAPH.LEFT, after=0)
        q.paragraph_format.left_indent = Cm(5.5)
    return p


def authorities(docs, committee: str) -> list[tuple[list[str], str]]:
    """The ways the plan signs the committee's documents ([documents.report] and [documents.reminder]):
    (authority lines, the name the plan gives for them) — the head for the committee ("TM. Ban Chỉ
    đạo", "Trưởng ban") or the deputy for the head ("KT. Trưởng ban", "Phó Trưởng ban Thường trực"),
    each once, the report's first. Who signs changes from one document to the next; the dashboard
    offers these to choose from, each with its own name."""
    out: list[tuple[list[str], str]] = []
    for form in (docs.report, docs.reminder):
        lines = signature(form, committee)[0]  # as the document writes them
        if lines not in [seen for seen, _ in out]:
            out.append((lines, form.signer))
    return out


def authority_lines(text: str) -> list[str]:
    """An authority as written on one line, its lines split at "/" ("TM. Ban Chỉ đạo / KT. Trưởng ban /
    Phó Trưởng ban Thường trực": the command line's --sign-as, the dashboard's choices)."""
    return [line for line in (one_line(part) for part in text.split("/")) if line]


def signature(form, committee: str, sign_as: list[str] | None = None, signer: str | None = None
              ) -> tuple[list[str], str]:
    """(authority lines, name) of a document: those given (the dashboard's or the command's), else the
    plan's for this kind of document. The name is typed under the signature as written (NFC, spaces
    collapsed); blank leaves the line to be written by hand."""
    lines = [one_line(line) for line in (sign_as or form.sign_as or [f"TM. {committee}"])]
    return lines, one_line(form.signer if signer is None else signer)


def closing_block(doc, *, copies: list[str], archive: str, sign_as: list[str], signer: str):
    """Left: "Nơi nhận:" (bold italic 12) and its list (11); right: the signature block (capitals,
    bold), room for the signature and seal, the name (bold) or a blank line to write it in."""
    para(doc, "", after=0)
    table = borderless_table(doc, [LEFT_COL_CM + 1.0, TEXT_WIDTH_CM - LEFT_COL_CM - 1.0])
    left, right = table.rows[0].cells
    _line(left, "Nơi nhận:", size=12, bold=True, italic=True, first=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in [*copies, archive]:
        _line(left, f"- {line}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    for i, line in enumerate(sign_as):
        _line(right, line.upper(), size=14, bold=True, first=(i == 0))
    for _ in range(4):
        _line(right, "", size=14)
    _line(right, signer or "", size=14, bold=True)
    return table


def data_table(doc, headers: list[str], rows: list[list[str]], widths_cm: list[float] | None = None,
               right: set[int] = frozenset()):
    """A bordered table (12 pt): header bold and centred and repeated at the top of every page, the
    `right` columns (numbers) right-aligned; no row is split across two pages."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _row_flags(table.rows[0], header=True)
    for cell, text in zip(table.rows[0].cells, headers):
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.keep_with_next = True
        run = p.add_run(text)
        run.bold, run.font.size = True, Pt(12)
    for row in rows:
        new = table.add_row()
        _row_flags(new)
        for i, (cell, text) in enumerate(zip(new.cells, row)):
            p = cell.paragraphs[0]
            p.paragraph_format.space_after = Pt(0)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if i in right else WD_ALIGN_PARAGRAPH.LEFT
            p.add_run("" if text is None else str(text)).font.size = Pt(12)
    if widths_cm:
        table.autofit = False
        for col, w in zip(table.columns, widths_cm):
            col.width = Cm(w)
        for row in table.rows:
            for cell, w in zip(row.cells, widths_cm):
                cell.width = Cm(w)
    doc.add_paragraph().paragraph_format.space_after = Pt(0)
    return table


def _row_flags(row, header: bool = False) -> None:
    """w:cantSplit on every row; w:tblHeader on the header row (repeated on each page)."""
    trpr = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", *(("w:tblHeader",) if header else ())):
        el = OxmlElement(tag)
        trpr.append(el)
