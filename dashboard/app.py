"""Entry point: `streamlit run dashboard/app.py -- --data-dir DIR` (default: the project's data/).

The frame around every page: page config, the store, the sign-in gate, the shared filters (sidebar
+ URL), the demo banner and the page router (st.navigation). Signed out, only the sign-in form is
drawn (no page, no data). Signed in, `build_pages(lang, role)` offers only the pages the role may
see, so a viewer has no upload page in the menu and its URL leads nowhere; the data-changing calls
behind those pages check the role in the store again (pipelines.accounts.users.*_as).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import i18n  # noqa: E402
from dashboard.parts import framework_words, phone  # noqa: E402
from dashboard.state import auth, filters  # noqa: E402
from dashboard.web.config import DATA_DIR_ENV, data_dir_from_args, store_spec_from_args  # noqa: E402,F401
from pipelines.store import Store, StoreBusy  # noqa: E402

PAGES_DIR = Path(__file__).resolve().parent / "views"
FAVICON = Path(__file__).resolve().parent / "favicon.png"

# The page files live in dashboard/views/, one file per page, UI only. Not in a folder named
# "pages/": Streamlit treats a "pages/" folder beside the entry file as the old multipage mode until
# the first st.navigation call of the process, so the first visitor after a restart who opens a
# shared link such as /du-lieu would get a "Page not found" dialog.
# (file, title key, url path, icon, section key, roles allowed; None = everyone)
PAGES = [
    ("tong_quan.py", "page_overview", "tong-quan", ":material/dashboard:", "section_monitor", None),
    ("chi_tieu.py", "page_indicators", "chi-tieu", ":material/monitoring:", "section_monitor", None),
    ("don_vi.py", "page_units", "don-vi", ":material/apartment:", "section_monitor", None),
    ("tien_do.py", "page_deadlines", "tien-do", ":material/event:", "section_monitor", None),
    ("nhiem_vu.py", "page_tasks", "nhiem-vu", ":material/checklist:", "section_monitor", None),
    ("du_lieu.py", "page_data", "du-lieu", ":material/table_view:", "section_data", None),
    ("chat_luong.py", "page_quality", "chat-luong", ":material/fact_check:", "section_data", None),
    ("tai_len.py", "page_upload", "tai-len", ":material/upload_file:", "section_data", ("analyst", "admin")),
    ("quan_tri.py", "page_admin", "quan-tri", ":material/admin_panel_settings:", "section_admin", ("admin",)),
]


# The overview is the default page, served at "/". Streamlit reserves the default page's own path
# too but never serves it there, so "/tong-quan" typed in the address bar gave its English "Page
# not found" dialog, and a hidden page at that path is refused as a duplicate. The default page
# therefore reserves a path nobody types, and /tong-quan gets a stand-in that opens the overview
# (with_refusal).
DEFAULT_RESERVED_PATH = "mac-dinh"


def _url_path(url: str) -> str:
    return DEFAULT_RESERVED_PATH if url == "tong-quan" else url


@st.cache_resource(show_spinner=False)
def get_store(spec: str) -> Store:
    """One Store object per store (Store.spec). It holds no connection: each unit of work opens
    one (DuckDB) or borrows one from the pool (PostgreSQL)."""
    return Store.from_spec(spec)


def page_specs(role: str | None = None) -> list[tuple]:
    """The page table filtered for a role (pages with roles=None are for everyone)."""
    return [spec for spec in PAGES if spec[5] is None or role in spec[5]]


def build_pages(lang: str, role: str | None = None) -> dict[str, list]:
    """The pages this user may see, grouped in sections, for st.navigation."""
    sections: dict[str, list] = {}
    for file, title, url, icon, section, _roles in page_specs(role):
        page = st.Page(PAGES_DIR / file, title=i18n.t(title, lang), url_path=_url_path(url), icon=icon,
                       default=(url == "tong-quan"))
        sections.setdefault(i18n.t(section, lang), []).append(page)
    return sections


def with_refusal(sections: dict[str, list], lang: str, role: str) -> dict[str, list]:
    """When the address asks for a page this run does not serve, add a hidden stand-in at that
    address that leads to the overview (keeping the address's filters), instead of Streamlit's
    English "Page not found" dialog: a viewer following /tai-len, an old or mistyped link, and
    /tong-quan itself (the overview's own address is "/", see DEFAULT_RESERVED_PATH)."""
    asked = auth.asked_page()
    served = {p.url_path for pages in sections.values() for p in pages}
    if not asked or asked in served or not re.fullmatch(r"[A-Za-z0-9_-]{1,60}", asked):
        return sections
    overview = next(p for pages in sections.values() for p in pages if p.url_path == "")
    stand_in = st.Page(lambda: st.switch_page(overview, query_params=st.query_params.to_dict()),
                       title=i18n.t("page_overview", lang), url_path=asked, visibility="hidden")
    first = next(iter(sections))
    return {**sections, first: [*sections[first], stand_in]}


def _signed_out() -> None:
    """A stand-in page: never run (the signed-out screen is drawn before st.navigation)."""


def signed_out_pages(lang: str) -> list:
    """The same answer for every address before sign-in: one page titled as the app, and, when the
    address names a page (any slug: a real one, an admin one or one that does not exist), a hidden
    stand-in at that address with the same title, so that /du-lieu?period=9M is still the address
    after signing in in the tab. No page name or title reaches an anonymous browser, and /quan-tri
    answers like /khong-co-trang (it used to get "Quản trị" back, where an unknown one got
    "page not found")."""
    title = i18n.t("app_page_title", lang)
    pages = [st.Page(_signed_out, title=title, url_path=DEFAULT_RESERVED_PATH, default=True)]
    asked = auth.asked_page()
    # the overview's own address is "/" (DEFAULT_RESERVED_PATH): /tong-quan typed gets the stand-in too
    if re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", asked) and asked != DEFAULT_RESERVED_PATH:
        pages.append(st.Page(_signed_out, title=title, url_path=asked, visibility="hidden"))
    return pages


def main() -> None:
    # A local icon file: a ":material/…" icon would be fetched from Google's font servers, which an
    # office network without internet cannot reach.
    st.set_page_config(page_title=i18n.t("app_page_title"), page_icon=str(FAVICON), layout="wide",
                       initial_sidebar_state="auto")  # "auto": collapsed on a phone, the page comes first
    phone.style(filters.lang())
    store = get_store(store_spec_from_args())
    try:
        user = auth.gate(store)
        if user is None:
            # The sign-in screen is all a signed-out visitor gets. Only the page the address asks for
            # (and the default one) is registered, hidden and never run, so that /du-lieu?period=9M is
            # still the address after signing in in the tab; no other page name reaches the browser.
            st.navigation(signed_out_pages(filters.lang()), position="hidden")
            framework_words.install(filters.lang())
            return
        c = filters.sidebar_filters(store)
        auth.sidebar_user(store)
        with st.sidebar:  # out of the page's flow: the element is an empty, hidden box
            framework_words.install(c.lang)
        page = st.navigation(with_refusal(build_pages(c.lang, role=user.role), c.lang, user.role))
        if c.is_demo:
            st.warning(i18n.t("demo_banner", c.lang, year=c.year), icon=":material/science:")
        try:
            page.run()
        finally:   # also when the page stopped early (st.stop): the address keeps every filter
            filters.write_url(c)
    except StoreBusy:
        st.error(filters.t("store_busy"), icon=":material/hourglass_top:")
        if st.button(filters.t("retry")):
            st.rerun()


main()
