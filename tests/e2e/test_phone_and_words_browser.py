"""In a real Chromium against the real server, signed in as an administrator (every page), at a
desktop's 1366×768 and a phone's 390×844:

- no English text of Streamlit's (or of Plotly's chart toolbar) is on any page: neither in what
  the page shows nor in tooltips, placeholders and screen-reader labels; the multiselect's empty
  list and the table toolbar's tooltips are opened to be read too; /tong-quan typed in the
  address opens the overview without the "Page not found" dialog;
- on every chart, no two of the drawn words (tick labels, labels in cells and on bars, notes)
  overlap and none is cut by the chart's edge or the screen's; on Đơn vị at 390 px the quarter
  headers Quý I…IV are all drawn.

The boxes are those the browser draws (getBoundingClientRect of each SVG <text>), so a layout that
piles dates up or pushes a label off the screen fails here whatever the figure's code says.
"""
from __future__ import annotations

import re
import shutil

import pytest
from browser_kit import MARKS, add_accounts, chromium, idle, serve, sign_in  # noqa: F401

pytestmark = MARKS

SIZES = {"1366": {"width": 1366, "height": 768}, "390": {"width": 390, "height": 844}}
# every page an administrator sees: (address, heading)
PAGES = {"": "Tổng quan", "chi-tieu": "Chỉ tiêu", "don-vi": "Đơn vị", "tien-do": "Tiến độ & hạn nộp",
         "nhiem-vu": "Nhiệm vụ", "du-lieu": "Dữ liệu", "chat-luong": "Chất lượng số liệu",
         "tai-len": "Tải lên báo cáo", "quan-tri": "Quản trị"}
# the charts each page draws at least (the demo year has data in every quarter)
CHARTS = {"chi-tieu": 2, "don-vi": 2, "tien-do": 2, "nhiem-vu": 1}

# Texts Streamlit 1.67 and Plotly draw in English (read from their bundles: uploader, ⋮ menu,
# select boxes, table toolbar, dialogs, screen-reader labels, chart toolbar). Matched as whole
# words, case-sensitively ("upload" the icon's ligature name is not "Upload" the button).
STREAMLIT_ENGLISH = [
    "Upload", "Browse files", "Drag and drop", "per file", "Remove file",
    "Choose an option", "Choose options", "No results", "No options to select", "Select all", "matches",
    "Clear all", "Clear value", "Show/hide columns", "Download as CSV", "Search", "Fullscreen",
    "Close fullscreen", "Show data", "Copy to clipboard",
    "Print", "Record a screencast", "Record screen", "Made with Streamlit", "Settings", "About", "Clear cache",
    "Rerun", "Deploy", "Report a bug", "Get help", "Developer options",
    "Page not found", "You have requested page", "Running the app's main page",
    "Skip to main content", "Scroll tabs", "Collapse sidebar", "Expand sidebar", "Sidebar", "Main menu", "App pages", "Link to heading", "Help for",
    "Help", "Show password", "Hide password", "Increment", "Decrement", "Choose date", "Previous month",
    "Next month", "Running...", "Connecting", "Open", "Close", "Remove", "Stop", "progress", "icon",
    "Download plot as a PNG", "Autoscale", "Reset axes", "Zoom in", "Zoom out", "Zoom", "Pan", "Box Select",
    "Lasso Select",
]
ENGLISH = re.compile(r"(?<![\w/])(" + "|".join(re.escape(w) for w in STREAMLIT_ENGLISH) + r")(?![\w/])"
                     r"|\b\d+\.\d+ ?(?:KB|MB|GB)\b|\b(?:day|month|year), ")

# What a user reads or hears: the text nodes shown (not the ligature names of icons, which draw a
# picture), every tooltip, placeholder and screen-reader label, and the tab's title.
READ_WORDS = """() => {
  const out = [document.title];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    // icons are drawn from a font by the ligature of their English name ("science"): a picture, not a word
    if (!el || !n.nodeValue.trim() || el.closest('script, style, [aria-hidden="true"], [role="img"][translate="no"]')) continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;  // not shown
    out.push(n.nodeValue.trim());
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [data-title], [alt]'))
    for (const a of ['aria-label', 'title', 'placeholder', 'data-title', 'alt']) {
      const v = el.getAttribute(a); if (v) out.push(v);
    }
  return out;
}"""

# Every chart shown on the page (the hidden phone/desktop twin skipped): the box of each word drawn in
# its SVG, the chart's box, and the screen's width.
READ_CHARTS = """() => {
  const charts = [];
  for (const plot of document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')) {
    if (!plot.getClientRects().length || getComputedStyle(plot).visibility === 'hidden') continue;
    const r = plot.getBoundingClientRect();
    if (r.width < 1) continue;
    const words = [];
    for (const el of plot.querySelectorAll('.xtick text, .ytick text, .annotation-text, .textpoint text, .bartext, .legendtext, .g-xtitle text, .g-ytitle text')) {
      const b = el.getBoundingClientRect();
      if (b.width < 1 || !el.textContent.trim()) continue;
      words.push({text: el.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom,
                  kind: el.closest('.xtick') ? 'x' : el.closest('.ytick') ? 'y' : 'other'});
    }
    const area = plot.querySelector('.nsewdrag');   // the plotting area (where bars and cells are)
    const a = area ? area.getBoundingClientRect() : r;
    charts.push({box: {left: r.left, right: r.right, top: r.top, bottom: r.bottom}, words,
                 area: {left: a.left, right: a.right}});
  }
  return {charts, screen: window.innerWidth};
}"""


def english_in(words: list[str]) -> list[str]:
    return sorted({f"{m.group(0)!r} in {w[:80]!r}" for w in words for m in ENGLISH.finditer(w)})


def overlaps(words: list[dict]) -> list[str]:
    """Pairs of drawn words whose boxes cross by more than 1 px both ways."""
    found = []
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            w = min(a["right"], b["right"]) - max(a["left"], b["left"])
            h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if w > 1 and h > 1:
                found.append(f"{a['text']!r} × {b['text']!r}")
    return found


def clipped(chart: dict, screen: int) -> list[str]:
    """Words drawn beyond the chart's left or right edge, or off the screen."""
    box = chart["box"]
    return [w["text"] for w in chart["words"]
            if w["left"] < max(box["left"], 0) - 1 or w["right"] > min(box["right"], screen) + 1]


@pytest.fixture(scope="module")
def app_url(demo_store_template, tmp_path_factory):
    data = tmp_path_factory.mktemp("words") / "data"
    shutil.copytree(demo_store_template, data)
    add_accounts(data)
    with serve(data, tmp_path_factory.mktemp("words-log") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def screens(chromium, app_url):
    """One signed-in tab per size, kept for the module (signing in once each)."""
    tabs = {}
    for size, viewport in SIZES.items():
        phone = viewport["width"] < 500
        context = chromium.new_context(viewport=viewport, locale="vi-VN", is_mobile=phone, has_touch=phone)
        page = context.new_page()
        page.set_default_timeout(60000)
        page.goto(f"{app_url}/")
        sign_in(page, "quan_tri")
        tabs[size] = page
    yield tabs
    for page in tabs.values():
        page.context.close()


def visit(page, url: str, heading: str, charts: int = 0) -> None:
    """Open a page and wait until it and its charts (at least `charts` of them) are drawn."""
    page.goto(url)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=60000)
    idle(page)
    page.wait_for_function("""(n) => { const shown = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
        .filter(c => getComputedStyle(c).visibility !== 'hidden'); return shown.length >= n && shown.every(c => c.querySelector('.main-svg')) }""",
                           arg=charts, timeout=30000)
    page.wait_for_timeout(700)  # Plotly's second layout pass (automargin) after the first draw


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("path", list(PAGES))
def test_every_word_vietnamese_and_chart_labels_apart(screens, app_url, size, path):
    page = screens[size]
    visit(page, f"{app_url}/{path}", PAGES[path], CHARTS.get(path, 0))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stMainMenu"]').count() == 0, "the ⋮ menu (English only) is off"
    assert not english_in(page.evaluate(READ_WORDS)), english_in(page.evaluate(READ_WORDS))
    drawn = page.evaluate(READ_CHARTS)
    for chart in drawn["charts"]:
        assert not overlaps(chart["words"]), overlaps(chart["words"])[:8]
        assert not clipped(chart, drawn["screen"]), clipped(chart, drawn["screen"])
    if size == "390":
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, "no sideways scrolling"
        for chart in drawn["charts"]:  # the data get most of the width, not the names beside them
            share = (chart["area"]["right"] - chart["area"]["left"]) / (chart["box"]["right"] - chart["box"]["left"])
            assert share >= 0.6, (share, [w["text"] for w in chart["words"] if w["kind"] == "y"][:5])


def test_unit_heatmaps_show_every_quarter_on_a_phone(screens, app_url):
    page = screens["390"]
    visit(page, f"{app_url}/don-vi?period=Y", "Đơn vị", charts=2)
    drawn = page.evaluate(READ_CHARTS)
    heatmaps = [c for c in drawn["charts"] if any(w["kind"] == "y" for w in c["words"])]
    assert len(heatmaps) == 2, "the reporting matrix and the attainment matrix"
    for chart in heatmaps:
        headers = [w for w in chart["words"] if w["kind"] == "x"]
        assert [w["text"] for w in headers] == ["Quý I", "Quý II", "Quý III", "Quý IV"]
        for w in headers:
            assert 0 <= w["left"] and w["right"] <= 390
        # the cells get most of the width: unit names take at most 40 % of the screen
        names = [w for w in chart["words"] if w["kind"] == "y"]
        assert max(w["right"] for w in names) - min(w["left"] for w in names) < 0.4 * 390


def test_the_way_to_pages_and_filters_is_labelled_on_a_phone(screens, app_url):
    """On a phone the sidebar starts closed; its only way in was an unlabelled "»" in a corner."""
    for size, label in (("390", '"Trang, bộ lọc"'), ("1366", "none")):
        page = screens[size]
        visit(page, f"{app_url}/?period=Y", "Tổng quan", 0)
        if size == "1366":  # the sidebar open: the desktop's button (when collapsed) keeps its icon only
            assert page.locator('[data-testid="stSidebar"]').is_visible()
        button = page.locator('[data-testid="stExpandSidebarButton"]')
        if size == "390":
            assert button.is_visible()
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        content = page.evaluate("""() => { const b = document.querySelector('[data-testid="stExpandSidebarButton"]');
            return b ? getComputedStyle(b, '::after').content : 'none' }""")
        assert content == label, (size, content)


def test_task_names_whole_on_a_phone(screens, app_url):
    page = screens["390"]
    visit(page, f"{app_url}/nhiem-vu?period=Y", "Nhiệm vụ", charts=1)
    words = page.evaluate(READ_CHARTS)["charts"][0]["words"]
    names = [w["text"] for w in words if w["kind"] != "x" and " — " in w["text"]]
    assert len(names) == 18 and not [n for n in names if "…" in n]
    assert "T2B2 — Phòng ngừa nghiệp vụ, quản lý cư trú, kiểm tra cơ sở kinh doanh có điều kiện" in \
        [re.sub(r"\s+", " ", n) for n in page.locator(".annotation-text, .ytick text").evaluate_all(
            "els => els.filter(e => e.getClientRects().length).map(e => [...e.querySelectorAll('tspan.line')]"
            ".map(t => t.textContent).join(' ') || e.textContent)")]


def test_lists_and_table_toolbar_speak_vietnamese(screens, app_url):
    page = screens["1366"]
    visit(page, f"{app_url}/du-lieu", "Dữ liệu")
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Chỉ tiêu số liệu").first
    box.locator("input").click()
    box.locator("input").fill("zzqx")             # nothing matches: the list says so
    page.get_by_text("Không có kết quả").first.wait_for(timeout=15000)
    assert not english_in(page.evaluate(READ_WORDS)), english_in(page.evaluate(READ_WORDS))
    box.locator("input").fill("tin báo")          # several match: the list offers to pick them all
    page.get_by_text(re.compile(r"^Chọn \d+ mục khớp$")).first.wait_for(timeout=15000)
    assert not english_in(page.evaluate(READ_WORDS)), english_in(page.evaluate(READ_WORDS))
    page.keyboard.press("Escape")
    # the list closed (Escape empties the search but leaves the list open: a click beside it closes it)
    # and the page still — its options, then the table moving under a rerun, lay over the toolbar's
    # button for a minute in a CI run
    page.get_by_text(re.compile(r"^[\d.]+ dòng$")).first.click()   # the caption counting the rows
    page.locator('[role="listbox"]').first.wait_for(state="hidden", timeout=15000)
    idle(page)
    # the toolbar above a table: its buttons' tooltips
    table = page.locator('[data-testid="stDataFrame"]').first
    table.hover()
    button = page.locator('[data-testid="stElementToolbar"] button').first
    button.wait_for(timeout=15000)
    # its tooltip says its aria-label (read below with every label); the pointer is moved there without
    # Playwright's check that nothing lies over it: the grid's scroller sometimes did, for a minute
    button.hover(force=True)
    page.wait_for_timeout(800)
    words = page.evaluate(READ_WORDS)
    assert not english_in(words), english_in(words)
    assert any(w in ("Tìm kiếm", "Toàn màn hình", "Ẩn/hiện cột") for w in words)


def test_uploader_speaks_vietnamese_with_a_file_chosen(screens, app_url):
    """The uploader's button, size line, and the chosen file's size ("12.0KB" in Streamlit)."""
    page = screens["390"]
    visit(page, f"{app_url}/tai-len", "Tải lên báo cáo")
    page.get_by_text("Chọn tệp").first.wait_for(timeout=15000)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": "khong_phai_bao_cao.xlsx", "mimeType": "application/octet-stream", "buffer": b"x" * 1536})
    # the uploader's own line for the file (the preview table below also names it, in a grid cell
    # the browser keeps hidden: `.first` alone could pick that one and wait for it in vain)
    page.locator('text="khong_phai_bao_cao.xlsx" >> visible=true').first.wait_for(timeout=30000)
    idle(page)
    words = page.evaluate(READ_WORDS)
    assert not english_in(words), english_in(words)
    assert "1,5 KB" in words


def test_overview_typed_as_tong_quan_opens_without_page_not_found(screens, app_url):
    page = screens["390"]
    visit(page, f"{app_url}/tong-quan?period=9M", "Tổng quan — 9 tháng")
    page.wait_for_timeout(1500)
    assert page.locator('[role="dialog"]').count() == 0, page.locator('[role="dialog"]').all_inner_texts()
    assert "period=9M" in page.url
    assert not english_in(page.evaluate(READ_WORDS))
