"""The page on a narrow screen (a member opening a shared link on a phone, ~390 px): the sidebar
starts collapsed (app.py: initial_sidebar_state="auto") so the figures come first and the filters
are one tap away; cards stack one per row; charts take the width; tables scroll inside their frame.
One stylesheet, injected once per run; nothing here changes the desktop layout."""
from __future__ import annotations

import streamlit as st

from dashboard import i18n

CSS = """
<style>
/* the box of the script that puts Streamlit's own words in Vietnamese (parts/framework_words.py) */
.st-key-vn_words { display: none !important; }
/* a chart drawn twice (blocks.chart(phone_fig=…)): the phone figure ≤ 640 px, the desktop one above.
   The other one is hidden but kept drawn at the column's width, out of the flow (no gap, no height):
   turning a tablet or widening the window swaps them without a redraw, and every chart on the page
   still has a box inside the screen. */
[class*="st-key-twins_"] { position: relative; }
@media (min-width: 641px) { [class*="st-key-narrow_"] { position: absolute !important; left: 0; right: 0;
  height: 0 !important; overflow: hidden !important; visibility: hidden !important; pointer-events: none; } }
@media (max-width: 640px) { [class*="st-key-wide_"] { position: absolute !important; left: 0; right: 0;
  height: 0 !important; overflow: hidden !important; visibility: hidden !important; pointer-events: none; } }
.chart-title { font-weight: 600; font-size: 0.98rem; line-height: 1.35; margin: 0.4rem 0 0.2rem 0; }
@media (max-width: 640px) {
  /* the page itself: less padding, so 390 px hold the figures */
  [data-testid="stMainBlockContainer"], .block-container { padding: 3.2rem 0.75rem 2rem 0.75rem !important; }
  /* columns of cards and tiles: one per row, full width */
  [data-testid="stHorizontalBlock"] { flex-direction: column !important; gap: 0.6rem !important; }
  [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] { width: 100% !important; flex: 1 1 100% !important;
                                                                 min-width: 100% !important; }
  /* charts never wider than the screen */
  [data-testid="stPlotlyChart"], .js-plotly-plot, .plot-container { max-width: 100% !important; }
  /* the chart toolbar would sit on the legend: a phone has pinch-zoom */
  .modebar-container { display: none !important; }
  /* tables scroll inside their own frame, never the page sideways */
  [data-testid="stDataFrame"], [data-testid="stTable"] { max-width: 100% !important; overflow-x: auto !important; }
  h1, h2 { font-size: 1.35rem !important; }
  h3 { font-size: 1.1rem !important; }
  [data-testid="stMetricValue"] { font-size: 1.6rem !important; }
  .stMain { overflow-x: hidden; }
  /* the only way to the pages and the filters was an unlabelled "»" in a corner: say what it opens */
  [data-testid="stExpandSidebarButton"] { width: auto !important; padding: 0 0.4rem !important; }
  [data-testid="stExpandSidebarButton"]::after { content: "@MENU@"; font-size: 0.9rem; margin-left: 0.3rem;
                                                 white-space: nowrap; }
}
</style>
"""


def style(lang: str = i18n.DEFAULT_LANG) -> None:
    label = i18n.t("phone_menu_label", lang).replace("\\", "").replace('"', "")  # inside a CSS string
    st.html(CSS.replace("@MENU@", label))
