"""Streamlit's own words in Vietnamese: the texts the framework draws in English with no option to
change them (the uploader's button and size line, multiselect messages, table-toolbar and chart
tooltips, screen-reader labels, the "Page not found" dialog).

What has an option is set there first: the ⋮ menu is off (`client.toolbarMode = "minimal"` in
.streamlit/config.toml), table downloads go through the page's own audited button
(`client.disableDataExport`), labels and placeholders are passed to each widget. What is left is
translated in the browser: one small script, installed once per tab, watches the page and
replaces each of these English texts (a whole text or attribute value, matched exactly or by one
of the patterns below) with the catalog's words. It keys on the English text itself, not on
Streamlit's markup, so an upgrade that moves an element changes nothing; an upgrade that rewords
a text shows English again, which tests/e2e/test_phone_and_words_browser.py then reports.
In English (lang=en) nothing is replaced.
"""
from __future__ import annotations

import json

import streamlit as st

from dashboard import i18n


def exact(lang: str) -> dict[str, str]:
    """Whole texts Streamlit (and Plotly's chart toolbar) draws, and their words in `lang`."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return {
        # the uploader
        "Upload": t("fw_upload"), "Browse files": t("fw_upload"),
        "Drag and drop file here": t("fw_drop_file"), "Drag and drop files here": t("fw_drop_files"),
        "file upload": t("fw_file_upload"), "Remove file": t("fw_remove_file"),
        # select boxes and multiselects
        "Choose an option": t("fw_choose_option"), "Choose options": t("fw_choose_options"),
        "No results": t("fw_no_results"), "No options to select": t("fw_no_options"),
        "Select all": t("fw_select_all"), "Clear all": t("fw_clear_all"), "Clear value": t("fw_clear_value"),
        "Open": t("fw_open"), "Close": t("fw_close"), "Remove": t("fw_remove"),
        # tables and the toolbar above tables and charts
        "Show/hide columns": t("fw_columns"), "Download as CSV": t("fw_download_csv"), "Search": t("fw_search"),
        "Fullscreen": t("fw_fullscreen"), "Close fullscreen": t("fw_close_fullscreen"),
        "Show data": t("fw_show_data"), "Copy to clipboard": t("fw_copy"),
        # the frame
        "Collapse sidebar": t("fw_collapse_sidebar"), "Expand sidebar": t("fw_expand_sidebar"),
        "Sidebar": t("fw_sidebar"), "App pages": t("fw_app_pages"), "Main menu": t("fw_main_menu"),
        "Skip to main content": t("fw_skip_to_content"), "Scroll tabs left": t("fw_tabs_left"),
        "Scroll tabs right": t("fw_tabs_right"), "Link to heading": t("fw_link_heading"), "Help": t("fw_help"), "Running...": t("fw_running"),
        "Stop": t("fw_stop"), "Connecting": t("fw_connecting"), "Page not found": t("fw_page_not_found"),
        "Show password": t("fw_show_password"), "Hide password": t("fw_hide_password"),
        "Increment": t("fw_increment"), "Decrement": t("fw_decrement"),
        "Choose date": t("fw_choose_date"), "Choose date range": t("fw_choose_date"),
        "progress": t("fw_progress"), "Previous month": t("fw_previous_month"), "Next month": t("fw_next_month"),
        # Plotly's chart toolbar (tooltips)
        "Download plot as a PNG": t("fw_plot_png"), "Zoom": t("fw_zoom"), "Pan": t("fw_pan"),
        "Zoom in": t("fw_zoom_in"), "Zoom out": t("fw_zoom_out"), "Autoscale": t("fw_autoscale"),
        "Reset axes": t("fw_reset_axes"), "Box Select": t("fw_box_select"), "Lasso Select": t("fw_lasso_select"),
    }


def patterns(lang: str) -> list[tuple[str, str]]:
    """(JavaScript regular expression over a whole text, replacement): texts with a part that varies.
    The catalog's fields {a}, {b}, {c}, {d} are the pattern's groups 1 to 4."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    pairs = [
        (r"^(\d+(?:\.\d+)?)(B|KB|MB|GB) per file(?: • (.*))?$", t("fw_per_file")),
        (r"^(\d+)\.(\d+) ?(B|KB|MB|GB)$", t("fw_file_size")),
        (r"^(.+), (\d+)\.(\d+) ?(B|KB|MB|GB)$", t("fw_file_with_size")),  # a chosen file's screen-reader name
        (r"^Remove (.+)$", t("fw_remove_named")),
        (r"^Help for (.+)$", t("fw_help_for")),
        (r"^Select (\d+) matches?$", t("fw_select_matches")),
        (r"^day, (.+)$", t("fw_day_of")), (r"^month, (.+)$", t("fw_month_of")), (r"^year, (.+)$", t("fw_year_of")),
        (r"^You have requested page (\S+), but no corresponding file was found in the app's pages/ directory\. "
         r"Running the app's main page\.$", t("fw_page_not_found_text")),
        (r"^The page that you have requested does not seem to exist\. Running the app's main page\.$",
         t("fw_page_not_found_main")),
        (r"^[a-z_]+ icon$", t("fw_icon")),  # screen-reader names of Material icons ("flag icon")
    ]
    return [(rx, text.replace("{a}", "$1").replace("{b}", "$2").replace("{c}", "$3").replace("{d}", "$4"))
            for rx, text in pairs]


_SCRIPT = r"""
<script>
(() => {
  const W = window.__vnWords = %(words)s;
  W.patterns = W.patterns.map(([rx, to]) => [new RegExp(rx), to]);
  const ATTRS = ["aria-label", "title", "placeholder", "data-title", "alt"];
  const swap = (s) => {
    if (!s || !W.on) return null;
    const key = s.trim();
    if (Object.prototype.hasOwnProperty.call(W.exact, key)) return s.replace(key, W.exact[key]);
    for (const [rx, to] of W.patterns) if (rx.test(key)) return s.replace(key, key.replace(rx, to).replace(/\s*[·•]\s*$/, ""));
    return null;
  };
  const fix = (node) => {
    if (node.nodeType === 3) { const v = swap(node.nodeValue); if (v !== null && v !== node.nodeValue) node.nodeValue = v; return; }
    if (node.nodeType !== 1) return;
    for (const a of ATTRS) { const v = swap(node.getAttribute(a)); if (v !== null) node.setAttribute(a, v); }
    const walk = document.createTreeWalker(node, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (n.nodeType === 3) { const v = swap(n.nodeValue); if (v !== null && v !== n.nodeValue) n.nodeValue = v; }
      else for (const a of ATTRS) { if (n.hasAttribute(a)) { const v = swap(n.getAttribute(a)); if (v !== null) n.setAttribute(a, v); } }
    }
  };
  if (!window.__vnObserver) {
    window.__vnObserver = new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === "childList") r.addedNodes.forEach(fix);
        else if (r.type === "characterData") fix(r.target);
        else if (r.type === "attributes") fix(r.target);
      }
    });
    window.__vnObserver.observe(document.body, {subtree: true, childList: true, characterData: true,
                                                attributes: true, attributeFilter: ATTRS});
  }
  fix(document.body);
  if (W.on) document.title = document.title.replace(/^Page not found$/, W.exact["Page not found"]);
})();
</script>
"""


def install(lang: str) -> None:
    """Put the script on the page (hidden; it runs again only when the words change, e.g. the
    language). Call once per run, on every screen including the sign-in gate."""
    words = {"on": lang != "en", "exact": exact(lang) if lang != "en" else {},
             "patterns": patterns(lang) if lang != "en" else []}
    with st.container(key="vn_words"):
        st.html(_SCRIPT % {"words": json.dumps(words, ensure_ascii=False)}, unsafe_allow_javascript=True)
