"""Plotly figure builders: pure functions from DataFrames (and already-translated labels) to Figures.

One status palette for every page, chosen from the Okabe–Ito colour-blind-safe set; a status is never
told by colour alone: cells and bars also carry a symbol and/or words, and legends name each colour.
Numbers use Vietnamese separators (1.234,5) and rates are drawn in percent.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import plotly.graph_objects as go

from pipelines.outputs import fmt

from dashboard import i18n

# -- the one palette -----------------------------------------------------------------------------
BLUE, SKY, ORANGE, YELLOW, VERMILLION, GREY, LIGHT = "#0072B2", "#56B4E9", "#E69F00", "#F0E442", "#D55E00", \
    "#9E9E9E", "#E6E6E6"
STATUS_COLOURS = {"met": BLUE, "not_met": VERMILLION, "no_cases": GREY, "no_data": LIGHT}
STATUS_SYMBOLS = {"met": "✔", "not_met": "✖", "no_cases": "○", "no_data": "?"}
COMPLIANCE_COLOURS = {"on_time": BLUE, "late": YELLOW, "missing": VERMILLION, "pending": LIGHT}
COMPLIANCE_SYMBOLS = {"on_time": "✔", "late": "!", "missing": "✖", "pending": "…"}
TASK_COLOURS = {"done": BLUE, "in_progress": SKY, "not_started": ORANGE, "not_applicable": GREY,
                "not_reported": LIGHT}
TASK_ORDER = ["done", "in_progress", "not_started", "not_applicable", "not_reported"]
DARK_TEXT_ON = {YELLOW, LIGHT, SKY, ORANGE}
NUMERATOR_COLOUR, DENOMINATOR_COLOUR = BLUE, "#B0B0B0"
TARGET_COLOUR, CUMULATIVE_COLOUR, TODAY_COLOUR = "#000000", "#CC79A7", VERMILLION


def text_colour(background: str) -> str:
    return "#111111" if background in DARK_TEXT_ON else "#FFFFFF"


def _layout(fig: go.Figure, title: str, x_title: str | None = None, y_title: str | None = None,
            height: int | None = None) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        separators=",.",  # Vietnamese: decimal comma, thousands dot
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        plot_bgcolor="#FFFFFF",
        hoverlabel={"bgcolor": "#FFFFFF"},
    )
    if height:
        fig.update_layout(height=height)
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    fig.update_xaxes(showline=True, linecolor="#888888", gridcolor="#EEEEEE")
    fig.update_yaxes(showline=True, linecolor="#888888", gridcolor="#EEEEEE")
    return fig


def _wrap(text: str, width: int = 95) -> str:
    """Plotly titles do not wrap: break long Vietnamese titles on spaces."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(lines)


wrap = _wrap  # for pages that label charts (task names on two lines)


# -- phone ---------------------------------------------------------------------------------------
# Figures for a screen ≤ 640 px wide are built apart (`compact=True`) and shown instead of the
# desktop ones by CSS (parts/phone.py, blocks.chart): Plotly cannot change its labels with the
# width, and at 390 px full unit names leave the cells 15 px. Each compact figure gives the words
# the whole width (row names above the bars, short unit names) and keeps ticks few.
PHONE_FONT = 11

# The usual Vietnamese abbreviations of administrative names. The plan has no short unit names
# and its names are Vietnamese in both languages, so this is a rule on the plan's words, applied
# in order; the full name stays in the hover text and the table under the chart.
_SHORT = [
    (r"^Đồn Biên phòng ", "BP "), (r"^Phường ", "P. "), (r"^Xã ", "X. "), (r"^Thị trấn ", "TT. "),
    (r"Viện Kiểm sát nhân dân", "VKSND"), (r"Tòa án nhân dân", "TAND"), (r"Ủy ban MTTQ Việt Nam", "MTTQ"),
    (r"Ủy ban Mặt trận Tổ quốc Việt Nam", "MTTQ"), (r"Hội Liên hiệp Phụ nữ", "Hội LHPN"),
    (r"Lao động\s*[–-]\s*Thương binh và Xã hội", "LĐ-TB&XH"), (r"Giáo dục và Đào tạo", "GD&ĐT"),
    (r"Văn hóa và Thông tin", "VH&TT"), (r"Văn hóa, Thể thao và Du lịch", "VH-TT&DL"),
    (r"Tài nguyên và Môi trường", "TN&MT"), (r"^Phòng ", "P. "), (r"^Thị đoàn Thanh niên$", "Thị đoàn"),
    (r" thị xã$", " TX"), (r" thành phố$", " TP"), (r" huyện$", " H."),
]
SHORT_MAX = 16


def short_unit_name(name: str) -> str:
    """'Đồn Biên phòng Phổ Quang' → 'BP Phổ Quang', 'Phường Nguyễn Nghiêm' → 'P. Nguyễn Nghiêm';
    a name still long after the usual abbreviations keeps its first word and the initials of the
    others, abbreviations kept whole ('Ban Chỉ huy Quân sự thị xã' → 'Ban CHQS TX')."""
    short = name
    for pattern, repl in _SHORT:
        short = re.sub(pattern, repl, short)
    if len(short) > SHORT_MAX + 2:
        first, *rest = short.split()
        initials = "".join(w[0].upper() for w in rest if w[0].isalnum() and not w.isupper())
        short = " ".join([first, initials, *(w for w in rest if w.isupper())])
    return short


def two_lines(text: str, longer_than: int = 12) -> str:
    """A label of more than `longer_than` characters broken at the space that makes its two lines
    most even ('Tiếp nhận, phân loại tin báo' → 'Tiếp nhận, phân<br>loại tin báo'): on a phone the
    widest line sets how much of the width the labels take from the cells."""
    words = text.split()
    if len(text) <= longer_than or len(words) < 2:
        return text
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    first, second = min(splits, key=lambda pair: max(len(pair[0]), len(pair[1])))
    return f"{first}<br>{second}"


def short_names(names: list[str]) -> list[str]:
    """Short names for a list, kept apart: two names that would shorten alike keep their full names."""
    shorts = [short_unit_name(n) for n in names]
    return [s if shorts.count(s) == 1 else n for s, n in zip(shorts, names)]


# -- rates ---------------------------------------------------------------------------------------
def rate_trend(quarterly: pd.DataFrame, cumulative: pd.DataFrame, target: float, op: str, title: str,
               lang: str = "vi") -> go.Figure:
    """Each quarter's own rate (bars, coloured by status) and the cumulative rate to the end of that
    quarter (line), against the target (dashed line). Frames: quarter, numerator, denominator, value,
    status. Quarters without a value are labelled with their status instead of a bar."""
    x = [i18n.quarter_name(q, lang) for q in quarterly["quarter"]]
    q_vals = [None if pd.isna(v) else float(v) * 100 for v in quarterly["value"]]
    q_text = [f"{STATUS_SYMBOLS[s]} {int(n)}/{int(d)}" if s in ("met", "not_met") else
              f"{STATUS_SYMBOLS[s]} {i18n.status_name(s, lang)}"
              for s, n, d in zip(quarterly["status"], quarterly["numerator"].fillna(0), quarterly["denominator"].fillna(0))]
    fig = go.Figure()
    fig.add_bar(
        x=x, y=[v if v is not None else 0 for v in q_vals], name=i18n.t("series_quarter", lang),
        marker_color=[STATUS_COLOURS[s] for s in quarterly["status"]],
        text=q_text, textposition="outside", cliponaxis=False,
        customdata=[[i18n.status_name(s, lang), fmt.rate(n, d, op, target)]
                    for s, n, d in zip(quarterly["status"], quarterly["numerator"], quarterly["denominator"])],
        hovertemplate="%{x}: %{customdata[1]} — %{customdata[0]}<extra></extra>",
    )
    c_x = [i18n.quarter_name(q, lang) for q in cumulative["quarter"]]
    c_vals = [None if pd.isna(v) else float(v) * 100 for v in cumulative["value"]]
    fig.add_scatter(
        x=c_x, y=c_vals, name=i18n.t("series_cumulative", lang), mode="lines+markers",
        line={"color": CUMULATIVE_COLOUR, "width": 3}, marker={"size": 10, "symbol": "diamond"},
        connectgaps=False,
        customdata=[[f"{int(n)}/{int(d)}" if not pd.isna(d) else "—", fmt.rate(n, d, op, target),
                     i18n.status_name(s, lang)]
                    for n, d, s in zip(cumulative["numerator"].fillna(0), cumulative["denominator"],
                                       cumulative["status"])],
        hovertemplate="%{x} " + i18n.t("hover_cumulative", lang) + ": %{customdata[1]} = %{customdata[0]} — %{customdata[2]}<extra></extra>",
    )
    target_label = f"{i18n.t('series_target', lang)} {fmt.target_text(op, target)}"
    fig.add_scatter(x=x, y=[target * 100] * len(x), name=target_label, mode="lines",
                    line={"color": TARGET_COLOUR, "dash": "dash", "width": 2}, hoverinfo="skip")
    _layout(fig, _wrap(title, 90), i18n.t("axis_quarter", lang), i18n.t("axis_rate", lang), height=420)
    fig.update_yaxes(range=[0, 118], tickvals=[0, 20, 40, 60, 80, 100], ticktext=[f"{v} %" for v in (0, 20, 40, 60, 80, 100)])
    fig.update_layout(margin={"t": 90}, bargap=0.45)
    return fig


def contributions(df: pd.DataFrame, title: str, lang: str = "vi", rows_are_places: bool = False,
                  compact: bool = False) -> go.Figure:
    """Each unit's (or place's) numerator and denominator (counts, not a mean of percentages).
    Frame: unit_name, numerator, denominator, value, status. `compact`: for a phone, short unit
    names (the full one in the hover) and no axis titles, so the bars get the width."""
    df = df.iloc[::-1]  # plan order top to bottom
    if compact:
        df = df.assign(unit_name=short_names(list(df["unit_name"])))
    fig = go.Figure()
    fig.add_bar(y=df["unit_name"], x=df["numerator"], orientation="h", name=i18n.t("numerator", lang),
                marker_color=NUMERATOR_COLOUR, text=[fmt.num(v) for v in df["numerator"]], textposition="outside",
                cliponaxis=False)
    fig.add_bar(y=df["unit_name"], x=df["denominator"], orientation="h", name=i18n.t("denominator", lang),
                marker_color=DENOMINATOR_COLOUR, marker_pattern_shape="/",
                text=[fmt.num(v) for v in df["denominator"]], textposition="outside", cliponaxis=False)
    rows_title = i18n.t("place_column", lang) if rows_are_places else i18n.t("axis_unit", lang)
    _layout(fig, _wrap(title, 90), i18n.t("axis_count", lang), rows_title, height=max(240, 90 + 55 * len(df)))
    fig.update_layout(barmode="group", margin={"t": 90})
    top = max([0, *df["numerator"].fillna(0), *df["denominator"].fillna(0)])
    fig.update_xaxes(rangemode="tozero", tickformat=",d", dtick=1 if top <= 10 else None)
    if compact:
        fig.update_yaxes(title_text=None, tickfont={"size": PHONE_FONT})
        # at most ~6 whole-number ticks across 390 px (Plotly's own choice could be 0,5 steps)
        fig.update_xaxes(dtick=max(1, -(-int(top) // 5)) if top <= 50 else None, tickfont={"size": PHONE_FONT})
        fig.update_layout(margin={"l": 4, "r": 24}, legend={"font": {"size": PHONE_FONT}})
    return fig


# -- heatmaps ------------------------------------------------------------------------------------
MAX_ANNOTATED_CELLS = 150  # beyond this (a town has ~110), plotly's per-annotation cost shows on every rerun


def status_heatmap(cells: pd.DataFrame, rows: list[str], cols: list[str], palette: dict[str, str],
                   names: dict[str, str], title: str, x_title: str, y_title: str,
                   row_labels: list[str] | None = None, compact: bool = False) -> go.Figure:
    """A discrete heatmap. `cells`: row, col, status, text (shown in the cell), hover.
    Every status of `palette` gets a legend entry (name + colour), so colour is never the only cue.
    `row_labels`: the words shown for each row (e.g. short names on a phone; the hover keeps `rows`).
    `compact`: for a phone, the cells get the width: small margins, level column headers."""
    order = list(palette)
    index = {s: i for i, s in enumerate(order)}
    found = {(r, c): (index[s], tx, hv) for r, c, s, tx, hv in
             zip(cells["row"], cells["col"], cells["status"], cells["text"], cells["hover"])}
    empty = (None, "", "")
    z = [[found.get((r, c), empty)[0] for c in cols] for r in rows]
    text = [[found.get((r, c), empty)[1] for c in cols] for r in rows]
    hover = [[found.get((r, c), empty)[2] for c in cols] for r in rows]
    n = len(order)
    scale = []
    for i, s in enumerate(order):
        scale += [[i / n, palette[s]], [(i + 1) / n, palette[s]]]
    many = len(rows) * len(cols) > MAX_ANNOTATED_CELLS
    fig = go.Figure(go.Heatmap(
        z=z, x=cols, y=rows, zmin=-0.5, zmax=n - 0.5, colorscale=scale, showscale=False, xgap=2, ygap=2,
        customdata=hover, hovertemplate="%{y} — %{x}<br>%{customdata}<extra></extra>",
        # a big grid: the labels drawn by the heatmap itself (plotly picks a contrasting colour)
        **({"text": text, "texttemplate": "%{text}", "textfont": {"size": 11}} if many else {}),
    ))
    if not many:  # cell labels as annotations, each in the readable colour for its background
        notes = []
        for yi, r in enumerate(rows):
            for xi, c in enumerate(cols):
                if z[yi][xi] is None or not text[yi][xi]:
                    continue
                bg = palette[order[z[yi][xi]]]
                notes.append({"x": c, "y": r, "text": text[yi][xi], "showarrow": False,
                              "font": {"color": text_colour(bg), "size": 10 if compact else 11}})
        fig.update_layout(annotations=notes)  # one call: adding them one by one is slow
    for s in order:
        fig.add_scatter(x=[None], y=[None], mode="markers", name=names[s],
                        marker={"size": 14, "symbol": "square", "color": palette[s],
                                "line": {"color": "#666666", "width": 1}})
    lines = max([1, *(str(label).count("<br>") + 1 for label in (row_labels or []))])
    row_px = (26 if lines == 1 else 8 + 14 * lines) if compact else 30
    _layout(fig, _wrap(title, 40 if compact else 90), x_title, y_title,
            height=max(260, (150 if compact else 110) + row_px * len(rows)))
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    if row_labels is not None:
        fig.update_yaxes(tickmode="array", tickvals=rows, ticktext=row_labels)
    fig.update_xaxes(side="top", showgrid=False, type="category", title_standoff=4)
    # x axis on top (under the title), legend below the grid: they never overlap
    fig.update_layout(margin={"t": 95, "b": 40}, plot_bgcolor="#FFFFFF",
                      legend={"orientation": "h", "y": -0.01, "yanchor": "top", "x": 0, "xanchor": "left"})
    if compact:  # every quarter header level and whole (Plotly would turn them sideways, then drop some);
        # no axis title over them: "Quý I…IV" say it, and at 390 px the title sat on "Quý II"
        fig.update_xaxes(tickangle=0, tickfont={"size": PHONE_FONT}, automargin=True, title_text=None)
        fig.update_yaxes(tickfont={"size": PHONE_FONT}, automargin=True, ticklabelstandoff=2)
        fig.update_layout(margin={"l": 4, "r": 4, "t": 85, "b": 30}, legend={"font": {"size": PHONE_FONT}})
    return fig


# -- timeline ------------------------------------------------------------------------------------
def _span_and_today(fig: go.Figure, quarters: pd.DataFrame, events: pd.DataFrame, today: dt.date, lang: str,
                    after: int, font_size: int | None = None) -> tuple[dt.date, dt.date]:
    """The timeline's span (a week before the first date, `after` days past the last) and, when
    today falls in it, today's dotted line and label."""
    start = min(quarters["data_from"].min(), events["start_on"].min() if len(events) else quarters["data_from"].min())
    end = max(quarters["due"].max(), events["end_on"].max() if len(events) else quarters["due"].max())
    start, end = start - dt.timedelta(days=7), end + dt.timedelta(days=after)
    if start <= today <= end:
        fig.add_shape(type="line", x0=today, x1=today, y0=0, y1=1, yref="paper",
                      line={"color": TODAY_COLOUR, "width": 2, "dash": "dot"})
        font = {"color": TODAY_COLOUR} | ({"size": font_size} if font_size else {})
        fig.add_annotation(x=today, y=1, yref="paper", text=f"{i18n.t('today', lang)} {fmt.date(today)}",
                           showarrow=False, yanchor="bottom", font=font)
    return start, end


def timeline(quarters: pd.DataFrame, events: pd.DataFrame, today: dt.date, title: str,
             lang: str = "vi") -> go.Figure:
    """The plan's year: quarterly data periods, the report deadlines, dated events (single days as
    markers, ranges as bars) and today. quarters: quarter, data_from, data_to, due;
    events: name, start_on, end_on."""
    row_periods = i18n.t("timeline_row_periods", lang)
    row_due = i18n.t("timeline_row_due", lang)
    fig = go.Figure()
    for i, q in enumerate(quarters.itertuples()):
        name = i18n.quarter_name(q.quarter, lang)
        colour = [SKY, "#A7D3F0"][i % 2]
        fig.add_scatter(x=[q.data_from, q.data_to], y=[row_periods, row_periods], mode="lines",
                        line={"color": colour, "width": 22}, showlegend=False,
                        hovertemplate=f"{i18n.t('timeline_data_period', lang, quarter=name)}: "
                                      f"{fmt.date(q.data_from)} – {fmt.date(q.data_to)}<extra></extra>")
        mid = q.data_from + (q.data_to - q.data_from) / 2
        fig.add_annotation(x=mid, y=row_periods, text=name, showarrow=False, font={"color": "#111111", "size": 12})
    fig.add_scatter(
        x=list(quarters["due"]), y=[row_due] * len(quarters), mode="markers+text", name=row_due,
        marker={"symbol": "diamond", "size": 16, "color": BLUE}, showlegend=False,
        text=[f"{fmt.date(d)[:5]}" for d in quarters["due"]], textposition="top center",
        hovertext=[f"{i18n.t('timeline_deadline', lang, quarter=i18n.quarter_name(q, lang))}: {fmt.date(d)}"
                   for q, d in zip(quarters["quarter"], quarters["due"])], hoverinfo="text")
    for e in events.itertuples():
        label = _wrap(e.name, 40)
        if e.start_on == e.end_on:
            fig.add_scatter(x=[e.start_on], y=[label], mode="markers+text", marker={"symbol": "star", "size": 18,
                                                                                 "color": ORANGE},
                            text=[fmt.date(e.start_on)[:5]], textposition="top center", showlegend=False,
                            hovertext=[f"{e.name}: {fmt.date(e.start_on)}"], hoverinfo="text")
        else:
            fig.add_scatter(x=[e.start_on, e.end_on], y=[label, label], mode="lines", line={"color": ORANGE, "width": 22},
                            showlegend=False, hovertemplate=f"{e.name}: {fmt.date(e.start_on)} – {fmt.date(e.end_on)}"
                                                            "<extra></extra>")
            fig.add_annotation(x=e.start_on + (e.end_on - e.start_on) / 2, y=label, showarrow=False,
                               text=f"{fmt.date(e.start_on)[:5]} – {fmt.date(e.end_on)[:5]}",
                               font={"color": "#111111", "size": 12})
    start, end = _span_and_today(fig, quarters, events, today, lang, after=10)
    _layout(fig, _wrap(title, 90), i18n.t("axis_date", lang), "", height=360)
    fig.update_xaxes(range=[start, end], tickformat="%d/%m", dtick="M1")
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(margin={"t": 80})
    return fig


def timeline_compact(quarters: pd.DataFrame, events: pd.DataFrame, today: dt.date, title: str,
                     lang: str = "vi") -> go.Figure:
    """The timeline for a phone: the same rows, each named above its line across the whole width
    (not in a left column that would take half the screen), event dates in the row's name instead
    of beside the marks, deadline dates under the diamonds, and a date tick per quarter."""
    fig = go.Figure()
    rows = [i18n.t("timeline_row_periods", lang), i18n.t("timeline_row_due", lang)]
    for e in events.itertuples():
        when = fmt.date(e.start_on)[:5] if e.start_on == e.end_on else \
            f"{fmt.date(e.start_on)[:5]} – {fmt.date(e.end_on)[:5]}"
        rows.append(f"{e.name} ({when})")
    for i, q in enumerate(quarters.itertuples()):
        name = i18n.quarter_name(q.quarter, lang)
        fig.add_scatter(x=[q.data_from, q.data_to], y=[0, 0], mode="lines", showlegend=False,
                        line={"color": [SKY, "#A7D3F0"][i % 2], "width": 18},
                        hovertemplate=f"{i18n.t('timeline_data_period', lang, quarter=name)}: "
                                      f"{fmt.date(q.data_from)} – {fmt.date(q.data_to)}<extra></extra>")
        fig.add_annotation(x=q.data_from + (q.data_to - q.data_from) / 2, y=0, text=name, showarrow=False,
                           font={"color": "#111111", "size": PHONE_FONT - 1})
    fig.add_scatter(
        x=list(quarters["due"]), y=[1] * len(quarters), mode="markers+text", showlegend=False,
        marker={"symbol": "diamond", "size": 13, "color": BLUE},
        text=[fmt.date(d)[:5] for d in quarters["due"]], textposition="bottom center",
        textfont={"size": PHONE_FONT - 1}, cliponaxis=False,
        hovertext=[f"{i18n.t('timeline_deadline', lang, quarter=i18n.quarter_name(q, lang))}: {fmt.date(d)}"
                   for q, d in zip(quarters["quarter"], quarters["due"])], hoverinfo="text")
    for row, e in enumerate(events.itertuples(), start=2):
        if e.start_on == e.end_on:
            fig.add_scatter(x=[e.start_on], y=[row], mode="markers", showlegend=False,
                            marker={"symbol": "star", "size": 15, "color": ORANGE},
                            hovertext=[f"{e.name}: {fmt.date(e.start_on)}"], hoverinfo="text")
        else:
            fig.add_scatter(x=[e.start_on, e.end_on], y=[row, row], mode="lines", showlegend=False,
                            line={"color": ORANGE, "width": 18},
                            hovertemplate=f"{e.name}: {fmt.date(e.start_on)} – {fmt.date(e.end_on)}<extra></extra>")
    for row, name in enumerate(rows):  # each row's name above it, from the left edge of the plot
        fig.add_annotation(x=0, xref="paper", xanchor="left", y=row, yshift=14, yanchor="bottom", align="left",
                           text=_wrap(name, 48), showarrow=False, font={"size": PHONE_FONT, "color": "#333333"})
    # room after the last deadline for its date under the diamond
    start, end = _span_and_today(fig, quarters, events, today, lang, after=20, font_size=PHONE_FONT)
    lines = sum(_wrap(r, 48).count("<br>") + 1 for r in rows)
    _layout(fig, _wrap(title, 40), i18n.t("axis_date", lang), "", height=110 + 56 * len(rows) + 15 * lines)
    # a tick on the first day of each quarter: five dates across 390 px, never piled up
    first_tick = dt.date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    fig.update_xaxes(range=[start, end], tickformat="%d/%m", dtick="M3", tick0=first_tick, tickangle=0,
                     tickfont={"size": PHONE_FONT}, fixedrange=True)
    # no left column for the y axis (the rows are named above their lines): automargin off, or
    # Streamlit's theme keeps ~50 px for tick labels that are not drawn
    fig.update_yaxes(range=[len(rows) - 0.45, -0.5], showticklabels=False, showgrid=False, zeroline=False,
                     showline=False, fixedrange=True, automargin=False, title_text=None)
    fig.update_layout(margin={"l": 8, "r": 8, "t": 70, "b": 10})
    return fig


# -- tasks ---------------------------------------------------------------------------------------
def task_progress(df: pd.DataFrame, title: str, lang: str = "vi") -> go.Figure:
    """Stacked bars: per task, how many of the units concerned report each status.
    Frame: label, done, in_progress, not_started, not_applicable, not_reported."""
    df = df.iloc[::-1]
    fig = go.Figure()
    for s in TASK_ORDER:
        colour = TASK_COLOURS[s]
        fig.add_bar(y=df["label"], x=df[s], orientation="h", name=i18n.task_status_name(s, lang),
                    marker_color=colour, marker_line={"color": "#666666", "width": 0.5},
                    text=[str(int(v)) if v else "" for v in df[s]], textposition="inside", insidetextanchor="middle",
                    textangle=0,  # plotly turns text in narrow segments sideways: a "3" then reads like "ω"
                    textfont={"color": text_colour(colour)},
                    hovertemplate="%{y}<br>" + i18n.task_status_name(s, lang) + ": %{x}<extra></extra>")
    row_px = 38 if any("<br>" in str(label) for label in df["label"]) else 28  # names on two lines need room
    _layout(fig, _wrap(title, 90), i18n.t("axis_units_count", lang), "", height=max(300, 120 + row_px * len(df)))
    fig.update_layout(barmode="stack", margin={"t": 100}, legend={"traceorder": "normal"})
    fig.update_xaxes(tickformat=",d")
    return fig


def task_progress_compact(df: pd.DataFrame, title: str, lang: str = "vi") -> go.Figure:
    """The task chart for a phone: each task's whole name (wrapped) above its bar, the bar across
    the width. Frame: label (the whole name), done, in_progress, not_started, not_applicable,
    not_reported. The y axis counts pixels (range = the plot's height) so that names of two or
    three lines each get the room they need."""
    names = [_wrap(str(label), 54) for label in df["label"]]
    line_px, bar_px, gap_px = 15, 18, 12
    tops, y = [], 0
    for name in names:
        tops.append(y)
        y += line_px * (name.count("<br>") + 1) + 4 + bar_px + gap_px
    total = y
    centres = [top + line_px * (name.count("<br>") + 1) + 4 + bar_px / 2 for top, name in zip(tops, names)]
    fig = go.Figure()
    for s in TASK_ORDER:
        colour = TASK_COLOURS[s]
        fig.add_bar(y=centres, x=df[s], orientation="h", width=bar_px, name=i18n.task_status_name(s, lang),
                    marker_color=colour, marker_line={"color": "#666666", "width": 0.5},
                    text=[str(int(v)) if v else "" for v in df[s]], textposition="inside", insidetextanchor="middle",
                    textangle=0, textfont={"color": text_colour(colour), "size": PHONE_FONT - 1},
                    customdata=[str(label) for label in df["label"]],
                    hovertemplate="%{customdata}<br>" + i18n.task_status_name(s, lang) + ": %{x}<extra></extra>")
    for top, name in zip(tops, names):
        fig.add_annotation(x=0, xref="paper", xanchor="left", y=top, yanchor="top", align="left", text=name,
                           showarrow=False, font={"size": PHONE_FONT, "color": "#222222"})
    margin = {"l": 8, "r": 8, "t": 110, "b": 40}
    _layout(fig, _wrap(title, 40), i18n.t("axis_units_count", lang), "", height=total + margin["t"] + margin["b"])
    fig.update_layout(barmode="stack", margin=margin, legend={"traceorder": "normal", "font": {"size": PHONE_FONT}})
    fig.update_yaxes(range=[total, 0], showticklabels=False, showgrid=False, zeroline=False, fixedrange=True,
                     automargin=False, title_text=None)  # no left column kept for tick labels not drawn
    fig.update_xaxes(tickformat=",d", fixedrange=True, tickfont={"size": PHONE_FONT})
    return fig


# -- year over year ------------------------------------------------------------------------------
YEAR_COLOURS = [BLUE, ORANGE, SKY, "#009E73", "#CC79A7"]  # newest year first; Okabe–Ito
YEAR_DASHES = ["solid", "dash", "dot", "dashdot", "longdash"]


def year_over_year(df: pd.DataFrame, targets: dict[int, tuple[str, float]], title: str, x_title: str,
                   lang: str = "vi") -> go.Figure:
    """One line per year (newest first in the legend, up to five), a period per point on the x-axis
    (quarters or cumulative periods, in plan order), and the target as a line (one per year where the
    targets differ). Frame: year, x (label), value, numerator, denominator, status. Years are told
    apart by colour, dash and marker, and named in the legend."""
    fig = go.Figure()
    years = sorted(df["year"].unique(), reverse=True)
    x_order = list(dict.fromkeys(df.sort_values("order")["x"]))
    symbols = ["circle", "square", "diamond", "triangle-up", "x"]
    # the newest drawn first, under the others; listed first. Drawn on top, its thick line hid an older
    # year's thin dashed one wherever the two years had the same rate (a year at 100 % both times)
    for i, year in enumerate(years):
        rows = df[df["year"] == year].set_index("x").reindex(x_order)
        values = [None if pd.isna(v) else float(v) * 100 for v in rows["value"]]
        if year in targets:  # the figure with the decimals that year's verdict needs
            shown = [fmt.rate(n, d, *targets[year]) for n, d in zip(rows["numerator"], rows["denominator"])]
        else:
            shown = [fmt.pct(v) for v in rows["value"]]
        fig.add_scatter(
            x=x_order, y=values, name=str(year), legendrank=i + 1, mode="lines+markers+text" if i == 0 else "lines+markers",
            line={"color": YEAR_COLOURS[i % 5], "width": 3.5 if i == 0 else 2, "dash": YEAR_DASHES[i % 5]},
            marker={"size": 10 if i == 0 else 8, "symbol": symbols[i % 5]}, connectgaps=False,
            text=[r if not pd.isna(v) else "" for r, v in zip(shown, rows["value"])] if i == 0 else None,
            textposition="top center", cliponaxis=False,
            customdata=[[f"{int(n)}/{int(d)}" if not pd.isna(d) else "—",
                         i18n.status_name(s if isinstance(s, str) else "no_data", lang), r]
                        for n, d, s, r in zip(rows["numerator"].fillna(0), rows["denominator"], rows["status"],
                                              shown)],
            hovertemplate=f"{year} — %{{x}}: %{{customdata[2]}} = %{{customdata[0]}} — %{{customdata[1]}}<extra></extra>")
    distinct = sorted(set(targets.values()))
    current = targets.get(max(targets)) if targets else None
    for op, target in distinct:
        label_years = [y for y, t in sorted(targets.items(), reverse=True) if t == (op, target)]
        label = f"{i18n.t('series_target', lang)} {fmt.target_text(op, target)}" if len(distinct) == 1 else \
            i18n.t("yoy_target_line", lang, year=", ".join(map(str, label_years)), target=fmt.target_text(op, target))
        fig.add_scatter(x=x_order, y=[target * 100] * len(x_order), name=label, mode="lines",
                        line={"color": TARGET_COLOUR if (op, target) == current else GREY, "dash": "dash", "width": 2},
                        hoverinfo="skip")
    _layout(fig, _wrap(title, 60), x_title, i18n.t("axis_rate", lang), height=420)
    fig.update_yaxes(range=[0, 118], tickvals=[0, 20, 40, 60, 80, 100],
                     ticktext=[f"{v} %" for v in (0, 20, 40, 60, 80, 100)])
    fig.update_xaxes(type="category")
    fig.update_layout(margin={"t": 100})
    return fig
