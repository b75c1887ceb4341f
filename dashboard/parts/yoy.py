"""Year-over-year lines of the rate cards, activity tiles and the indicator page: words only (the
numbers and what is comparable come from pipelines.outputs.metrics.attainment_yoy / element_yoy)."""
from __future__ import annotations

import pandas as pd

from pipelines.outputs import fmt

from dashboard import i18n


def _missing(v) -> bool:
    return v is None or (not isinstance(v, (list, tuple)) and pd.isna(v))


def why(row, lang: str) -> str:
    """Why a figure is not compared with the previous year (row: difference, previous_year, and for
    elements previous_unit_of_measure / unit_of_measure)."""
    code = row["difference"]
    kw = {"year": int(row["previous_year"])}
    if code == "unit_of_measure":
        kw |= {"prev": row.get("previous_unit_of_measure", ""), "now": row.get("unit_of_measure", "")}
    return i18n.t(f"why_{code}", lang, **kw)


def signed(value: float, digits: int = 0) -> str:
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{fmt.num(abs(value), digits)}"


def year_label(row, lang: str) -> str:
    """The previous year as the comparison names it: '2022', or '2022 (dữ liệu mẫu)' for a demo year."""
    year = int(row["previous_year"])
    demo = row.get("previous_is_demo", False)
    return i18n.t("yoy_year_demo", lang, year=year) if not _missing(demo) and bool(demo) else str(year)


def coverage(row) -> str:
    """How the two years are set side by side (metrics.attainment_yoy / element_yoy):
    'same': the same units in both years (or nothing last year): the totals as they are;
    'compared': on the units with a whole period in both years (units_compared of units_total);
    'apart': no unit has both: both coverages, no change figure."""
    if _missing(row.get("units_compared")) or bool(row["same_units"]) or int(row["units_previous"]) == 0:
        return "same"
    return "compared" if int(row["units_compared"]) > 0 else "apart"


def _rate_text(n, d, op, target, lang: str) -> str:
    if _missing(d) or int(d) <= 0:
        return i18n.status_name("no_cases", lang).lower()
    return f"{fmt.rate(n, d, op, target)} ({fmt.num(int(n))}/{fmt.num(int(d))})"


def _pp(row, lang: str) -> str:
    if _missing(row["change_pp"]):
        return ""
    d = float(row["change_pp"])
    return " · " + i18n.t("yoy_pp", lang, sign="", value=signed(d, 1) if round(d, 1) else "±0")


def rate_line(row, year: int, lang: str) -> str:
    """'Cùng kỳ 2022: 100 % (10/10) · −10 điểm %' (the same units both years), 'Cùng kỳ 2022, so sánh
    trên 1/3 đơn vị có số liệu cả hai năm: 100 % (7/7) so với 91,7 % (11/12) · +8,3 điểm %', or both
    coverages without a change; why there is nothing to compare; '' when the previous year has no
    plan at all (the page says that once: no_previous_year)."""
    if _missing(row["previous_year"]):
        return ""
    label = year_label(row, lang)
    if not _missing(row["difference"]):
        return i18n.t("yoy_not_comparable", lang, year=label, why=why(row, lang))
    how = coverage(row)
    if how == "compared":
        text = i18n.t("yoy_compared_on", lang, year=label, n=int(row["units_compared"]),
                      total=int(row["units_total"]),
                      now=_rate_text(row["numerator_compared"], row["denominator_compared"], row["target_op"],
                                     row["target"], lang),
                      prev=_rate_text(row["previous_numerator_compared"], row["previous_denominator_compared"],
                                      row["previous_op"], row["previous_target"], lang)) + _pp(row, lang)
    else:
        if row["previous_status"] in ("met", "not_met") and not _missing(row["previous_value"]):
            value = _rate_text(row["previous_numerator"], row["previous_denominator"], row["previous_op"],
                               row["previous_target"], lang)
        else:
            value = i18n.status_name(row["previous_status"] if not _missing(row["previous_status"]) else "no_data",
                                     lang)
        if how == "apart":
            text = i18n.t("yoy_apart", lang, year=label, prev=value, n_prev=int(row["units_previous"]),
                          n_now=int(row["units_now"]), total=int(row["units_total"]))
        else:
            text = i18n.t("yoy_same_period", lang, year=label, value=value) + _pp(row, lang)
    if row["target_changed"]:
        text += " · " + i18n.t("yoy_target_changed", lang, year=int(row["previous_year"]),
                               target=fmt.target_text(row["previous_op"], row["previous_target"]))
    return text


def _change(row) -> str:
    if _missing(row["change"]):
        return ""
    text = " · " + signed(float(row["change"]))
    if not _missing(row["change_pct"]):
        text += f" ({signed(float(row['change_pct']) * 100, 1)} %)"
    return text


def count_line(row, year: int, lang: str) -> str:
    """'Cùng kỳ 2022: 594 · +140 (+23,6 %)' (the same units both years); 'Cùng kỳ 2022, so sánh trên
    1/27 đơn vị có số liệu cả hai năm: 9 so với 30 · −21 (−70 %)'; or both coverages without a change.
    No percentage on a base under 10 (change_pct is None); '' when the previous year has no plan."""
    if _missing(row["previous_year"]):
        return ""
    label = year_label(row, lang)
    if not _missing(row["difference"]):
        return i18n.t("yoy_not_comparable", lang, year=label, why=why(row, lang))
    if _missing(row["previous_value"]):
        return i18n.t("yoy_same_period", lang, year=label, value=i18n.status_name("no_data", lang).lower())
    how = coverage(row)
    if how == "compared":
        return i18n.t("yoy_compared_on", lang, year=label, n=int(row["units_compared"]),
                      total=int(row["units_total"]), now=fmt.num(int(row["value_compared"])),
                      prev=fmt.num(int(row["previous_value_compared"]))) + _change(row)
    if how == "apart":
        return i18n.t("yoy_apart", lang, year=label, prev=fmt.num(row["previous_value"]),
                      n_prev=int(row["units_previous"]), n_now=int(row["units_now"]), total=int(row["units_total"]))
    return i18n.t("yoy_same_period", lang, year=label, value=fmt.num(row["previous_value"])) + _change(row)


def no_previous_year(df: pd.DataFrame) -> bool:
    """True when the previous year has no plan in the store (nothing to compare with at all)."""
    return df.empty or df["previous_year"].isna().all()


def plan_differences(df: pd.DataFrame, lang: str) -> list[str]:
    """One line per difference between two plans (metrics.plan_changes): what changed, and whether
    the figure is still compared."""
    lines = []
    for r in df.itertuples():
        if r.kind == "element":
            why_text = why({"difference": r.difference, "previous_year": r.previous_year,
                            "previous_unit_of_measure": r.previous, "unit_of_measure": r.current}, lang)
            lines.append(f"**{r.code}** — {r.name}: {why_text}. " + i18n.t("yoy_not_compared", lang))
        elif r.difference == "target":
            lines.append(f"**{r.name}**: " + i18n.t("yoy_target_changed", lang, year=int(r.previous_year),
                                                     target=fmt.target_text(r.previous_op, float(r.previous)))
                         + f", {fmt.target_text(r.op, float(r.current))} " + i18n.t("yoy_this_year", lang) + ". "
                         + i18n.t("yoy_still_compared", lang))
        else:
            why_text = why({"difference": r.difference, "previous_year": r.previous_year}, lang)
            lines.append(f"**{r.name}**: {why_text}. " + i18n.t("yoy_not_compared", lang))
    return lines
