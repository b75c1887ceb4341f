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


def rate_line(row, year: int, lang: str) -> str:
    """'Cùng kỳ 2022: 100 % (10/10) · −10 điểm %', or why there is nothing to compare; '' when the
    previous year has no plan at all (the page says that once: no_previous_year)."""
    if _missing(row["previous_year"]):
        return ""
    prev_year = int(row["previous_year"])
    if not _missing(row["difference"]):
        return i18n.t("yoy_not_comparable", lang, year=prev_year, why=why(row, lang))
    if row["previous_status"] in ("met", "not_met") and not _missing(row["previous_value"]):
        value = f"{fmt.rate(row['previous_numerator'], row['previous_denominator'], row['previous_op'], row['previous_target'])}" \
                f" ({fmt.num(row['previous_numerator'])}/" \
                f"{fmt.num(row['previous_denominator'])})"
    else:
        value = i18n.status_name(row["previous_status"] if not _missing(row["previous_status"]) else "no_data", lang)
    text = i18n.t("yoy_same_period", lang, year=prev_year, value=value)
    if not _missing(row["change_pp"]):
        d = float(row["change_pp"])
        text += " · " + i18n.t("yoy_pp", lang, sign="", value=signed(d, 1) if round(d, 1) else "±0")
    if row["target_changed"]:
        text += " · " + i18n.t("yoy_target_changed", lang, year=prev_year,
                               target=fmt.target(row["previous_op"], row["previous_target"]))
    return text


def count_line(row, year: int, lang: str) -> str:
    """'Cùng kỳ 2022: 594 · +140 (+23,6 %)'; no percentage on a base under 10 (change_pct is None);
    '' when the previous year has no plan."""
    if _missing(row["previous_year"]):
        return ""
    prev_year = int(row["previous_year"])
    if not _missing(row["difference"]):
        return i18n.t("yoy_not_comparable", lang, year=prev_year, why=why(row, lang))
    if _missing(row["previous_value"]):
        return i18n.t("yoy_same_period", lang, year=prev_year, value=i18n.status_name("no_data", lang).lower())
    text = i18n.t("yoy_same_period", lang, year=prev_year, value=fmt.num(row["previous_value"]))
    if not _missing(row["change"]):
        text += " · " + signed(float(row["change"]))
        if not _missing(row["change_pct"]):
            text += f" ({signed(float(row['change_pct']) * 100, 1)} %)"
    return text


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
                                                     target=fmt.target(r.previous_op, float(r.previous)))
                         + f", {fmt.target(r.op, float(r.current))} " + i18n.t("yoy_this_year", lang) + ". "
                         + i18n.t("yoy_still_compared", lang))
        else:
            why_text = why({"difference": r.difference, "previous_year": r.previous_year}, lang)
            lines.append(f"**{r.name}**: {why_text}. " + i18n.t("yoy_not_compared", lang))
    return lines
