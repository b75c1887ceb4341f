"""The page on a narrow screen (a member opening a shared link on a phone, ~390 px): the sidebar
starts collapsed (app.py: initial_sidebar_state="auto") so the figures come first and the filters
are one tap away; cards stack one per row; charts take the width; tables scroll inside their frame.
One stylesheet, injected once per run; nothing here changes the desktop layout."""
from __future__ import annotations

import streamlit as st

CSS = """
<style>
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
}
</style>
"""


def style() -> None:
    st.html(CSS)
