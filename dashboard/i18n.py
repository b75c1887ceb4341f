"""Vietnamese (default) and English strings of the dashboard, in one place.

`t(key, lang, **kw)` is pure (no Streamlit), so chart builders can use it; pages use `ui.t`, which
reads the language chosen in the session. Names that come from the plan (units, elements, rates,
tasks) are Vietnamese in both languages: the plan file has only Vietnamese names. Numbers and dates
are formatted the Vietnamese way in both languages (pipelines.fmt).
"""
from __future__ import annotations

LANGS = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT_LANG = "vi"

STATUS = {
    "vi": {"met": "Đạt", "not_met": "Chưa đạt", "no_cases": "Không phát sinh", "no_data": "Chưa có số liệu"},
    "en": {"met": "Met", "not_met": "Not met", "no_cases": "No cases", "no_data": "No data"},
}
COMPLIANCE = {
    "vi": {"on_time": "Đúng hạn", "late": "Trễ hạn", "missing": "Chưa nộp", "pending": "Chưa đến hạn"},
    "en": {"on_time": "On time", "late": "Late", "missing": "Missing", "pending": "Not yet due"},
}
TASK_STATUS = {
    "vi": {"done": "Hoàn thành", "in_progress": "Đang triển khai", "not_started": "Chưa triển khai",
           "not_applicable": "Không áp dụng", "not_reported": "Chưa báo cáo"},
    "en": {"done": "Done", "in_progress": "In progress", "not_started": "Not started",
           "not_applicable": "Not applicable", "not_reported": "Not reported"},
}
ROLE = {"vi": {"lead": "Chủ trì", "participant": "Phối hợp"}, "en": {"lead": "Lead", "participant": "Takes part"}}

_S: dict[str, tuple[str, str]] = {
    # app frame
    "app_title": ("Theo dõi Kế hoạch phòng, chống mua bán người", "Anti-trafficking plan monitor"),
    "app_subtitle": ("Ban Chỉ đạo 138 thị xã Đức Phổ", "Steering Committee 138 — Đức Phổ town"),
    "section_monitor": ("Theo dõi", "Monitoring"),
    "section_data": ("Dữ liệu", "Data"),
    "page_overview": ("Tổng quan", "Overview"),
    "page_indicators": ("Chỉ tiêu", "Indicators"),
    "page_units": ("Đơn vị", "Units"),
    "page_deadlines": ("Tiến độ & hạn nộp", "Deadlines"),
    "page_tasks": ("Nhiệm vụ", "Tasks"),
    "page_data": ("Dữ liệu", "Data"),
    "filters": ("Bộ lọc", "Filters"),
    "year": ("Năm", "Year"),
    "period": ("Kỳ báo cáo", "Report period"),
    "units_filter": ("Đơn vị", "Units"),
    "units_all": ("Tất cả đơn vị", "All units"),
    "language": ("Ngôn ngữ", "Language"),
    "share_hint": ("Đường dẫn trên thanh địa chỉ giữ bộ lọc: gửi nó để người khác xem đúng màn hình này.",
                   "The address bar keeps the filters: send it to share this exact view."),
    "demo_banner": ("**DỮ LIỆU MẪU (DEMO)** — số liệu năm {year} là dữ liệu mẫu để làm quen, không phải số liệu thật.",
                    "**DỮ LIỆU MẪU (DEMO)** — the {year} figures are demo data, not real reports."),
    "no_plan": ("Kho dữ liệu chưa có kế hoạch nào. Chạy `python -m pipelines init --plan TỆP.toml` rồi tải lại trang.",
                "The store holds no plan yet. Run `python -m pipelines init --plan FILE.toml`, then reload."),
    "no_data_year": ("Chưa có số liệu năm {year}: chưa đơn vị nào nộp báo cáo.",
                     "No data for {year} yet: no unit has reported."),
    "no_data_quarters": ("Chưa có số liệu {quarters}.", "No data yet for {quarters}."),
    "store_busy": ("Kho dữ liệu đang bận (đang nạp số liệu). Vui lòng thử lại sau giây lát.",
                   "The store is busy (a load is running). Please try again in a moment."),
    "retry": ("Thử lại", "Retry"),
    "scope_town": ("Toàn thị xã", "Whole town"),
    "table_view": ("Xem bảng số liệu", "Show the numbers"),
    "quarter_n": ("Quý {roman}", "Q{n}"),
    "all_quarters": ("Tất cả các quý", "All quarters"),
    "as_of_caption": ("Số liệu theo các bản báo cáo hiện hành; cập nhật lúc {time}.",
                      "Figures from the current report versions; refreshed {time}."),
    # overview
    "overview_title": ("Tổng quan — {label}", "Overview — {label}"),
    "scope": ("Phạm vi: {scope}", "Scope: {scope}"),
    "scope_multi_note": ("Các thẻ tỷ lệ tính cho toàn thị xã (mục tiêu của Kế hoạch là của toàn thị xã); "
                         "tỷ lệ riêng của các đơn vị đã chọn ở bảng bên dưới.",
                         "Rate cards are for the whole town (the plan's targets are town-wide); the selected "
                         "units' own rates are in the table below."),
    "rates_heading": ("Các tỷ lệ chỉ tiêu", "Rate indicators"),
    "target": ("Mục tiêu {target}", "Target {target}"),
    "fraction": ("{num}/{den}", "{num}/{den}"),
    "needed": ("Cần {action} để đạt {target}.", "To reach {target}: {action} (+{n})."),
    "delta_pp": ("{sign}{value} điểm % so với {prev}", "{sign}{value} pp vs {prev}"),
    "prev_no_value": ("Kỳ trước ({prev}): {status}", "Previous ({prev}): {status}"),
    "no_prev": ("Không có kỳ trước để so sánh", "No previous period to compare"),
    "quarter_rate": ("Tỷ lệ riêng {period}", "{period} alone"),
    "judged_cumulative": ("Mục tiêu năm — đánh giá theo lũy kế {period}: {num}/{den} ({value})",
                          "Yearly target — judged on {period} cumulative: {num}/{den} ({value})"),
    "reporting_heading": ("Báo cáo của các đơn vị", "Unit reports"),
    "on_time_units": ("{n}/{total} đơn vị đã báo cáo đúng hạn {quarter}",
                      "{n}/{total} units reported {quarter} on time"),
    "reporting_detail": ("Trễ hạn: {late} · Chưa nộp: {missing} · Chưa đến hạn: {pending}",
                         "Late: {late} · Missing: {missing} · Not yet due: {pending}"),
    "next_deadline": ("Hạn nộp tiếp theo: báo cáo {quarter}, ngày {date}", "Next deadline: {quarter} report, {date}"),
    "days_left": ("còn {n} ngày", "{n} days left"),
    "due_today": ("hạn là hôm nay", "due today"),
    "no_next_deadline": ("Các hạn nộp báo cáo năm {year} đã qua (hạn cuối {date}).",
                         "All {year} report deadlines have passed (last: {date})."),
    "activities_heading": ("Hoạt động chính — {label}", "Key activities — {label}"),
    "selected_units_rates": ("Tỷ lệ của các đơn vị đã chọn — {label}", "Rates of the selected units — {label}"),
    "units_reported_of": ("{n} đơn vị có số liệu", "{n} units reported"),
    # indicators
    "indicators_title": ("Chỉ tiêu — năm {year}", "Indicators — {year}"),
    "choose_indicator": ("Tỷ lệ", "Rate"),
    "trend_title": ("{name}: từng quý và lũy kế so với mục tiêu {target} — {scope}, năm {year}",
                    "{name}: quarterly and cumulative vs target {target} — {scope}, {year}"),
    "series_quarter": ("Từng quý", "Quarter alone"),
    "series_cumulative": ("Lũy kế từ đầu năm", "Cumulative from start of year"),
    "series_target": ("Mục tiêu", "Target"),
    "axis_quarter": ("Quý", "Quarter"),
    "axis_rate": ("Tỷ lệ (%)", "Rate (%)"),
    "axis_count": ("Số lượng", "Count"),
    "axis_unit": ("Đơn vị", "Unit"),
    "axis_date": ("Ngày", "Date"),
    "axis_task": ("Nhiệm vụ", "Task"),
    "axis_units_count": ("Số đơn vị", "Number of units"),
    "no_rate_value": ("{name}: chưa có giá trị nào để vẽ — {detail}.", "{name}: nothing to chart — {detail}."),
    "contrib_title": ("Đóng góp của từng đơn vị vào tỷ lệ {name} — {label} (tử số và mẫu số)",
                      "Each unit's contribution to {name} — {label} (numerator and denominator)"),
    "contrib_empty": ("Không đơn vị nào có số liệu cho {name} trong {period}.",
                      "No unit has data for {name} in {period}."),
    "numerator": ("Tử số", "Numerator"),
    "denominator": ("Mẫu số", "Denominator"),
    "rate_def": ("Tử số: {num} · Mẫu số: {den} · Đơn vị chủ trì: {owner}", "Numerator: {num} · Denominator: {den} · Owner: {owner}"),
    "town_total_row": ("Cộng toàn thị xã", "Town total"),
    # units
    "units_title": ("Đơn vị — năm {year}", "Units — {year}"),
    "tab_heatmaps": ("Tổng hợp các đơn vị", "All units"),
    "tab_unit": ("Chi tiết một đơn vị", "One unit"),
    "heat_compliance_title": ("Tình hình nộp báo cáo của {n} đơn vị theo quý — năm {year}",
                              "Reporting status of {n} units by quarter — {year}"),
    "heat_attainment_title": ("Tình trạng đạt chỉ tiêu theo đơn vị và quý (tỷ lệ riêng từng quý) — năm {year}",
                              "Attainment by unit and quarter (each quarter alone) — {year}"),
    "heat_attainment_empty": ("Chưa đơn vị nào có số liệu cho các tỷ lệ năm {year}.",
                              "No unit has data for the rates in {year} yet."),
    "choose_unit": ("Chọn đơn vị", "Choose a unit"),
    "unit_numbers": ("Số liệu của {unit} — năm {year}", "Figures of {unit} — {year}"),
    "unit_rates": ("Các tỷ lệ của {unit}", "Rates of {unit}"),
    "unit_rates_none": ("{unit} không báo cáo số liệu nào dùng để tính các tỷ lệ.",
                        "{unit} reports none of the counts the rates use."),
    "unit_tasks": ("Nhiệm vụ của {unit}", "Tasks of {unit}"),
    "unit_submissions": ("Các bản báo cáo đã nạp của {unit}", "Reports loaded for {unit}"),
    "unit_no_submissions": ("{unit} chưa nộp bản báo cáo nào năm {year}.", "{unit} has sent no report for {year}."),
    "unit_warnings": ("Cảnh báo của bản #{id} ({quarter})", "Warnings of report #{id} ({quarter})"),
    "current_mark": ("Hiện hành", "Current"),
    "kind": ("Loại đơn vị", "Kind of unit"),
    # deadlines
    "deadlines_title": ("Tiến độ & hạn nộp — năm {year}", "Deadlines — {year}"),
    "as_of": ("Tính đến ngày", "As of"),
    "timeline_title": ("Các mốc của Kế hoạch năm {year}: kỳ số liệu, hạn nộp báo cáo, Ngày 30/7 và đợt cao điểm",
                       "Milestones of the {year} plan: data periods, report deadlines, 30 July and the campaign"),
    "timeline_data_period": ("Kỳ số liệu {quarter}", "{quarter} data period"),
    "timeline_deadline": ("Hạn nộp {quarter}", "{quarter} due"),
    "today": ("Hôm nay", "Today"),
    "today_outside": ("Hôm nay ({date}) nằm ngoài năm kế hoạch {year}.", "Today ({date}) is outside the {year} plan year."),
    "compliance_title": ("Tình hình nộp báo cáo theo đơn vị và quý, tính đến {date} — năm {year}",
                         "Reporting status by unit and quarter as of {date} — {year}"),
    "compliance_summary": ("Tổng hợp theo quý", "Summary by quarter"),
    "received": ("Ngày nhận", "Received"),
    "deadline": ("Hạn nộp", "Deadline"),
    "versions": ("Số phiên bản", "Versions"),
    "status": ("Tình trạng", "Status"),
    "milestones": ("Các mốc", "Milestones"),
    "milestone": ("Mốc", "Milestone"),
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    # tasks
    "tasks_title": ("Nhiệm vụ — năm {year}", "Tasks — {year}"),
    "choose_quarter": ("Quý", "Quarter"),
    "tasks_chart_title": ("Tiến độ {n} nhiệm vụ của Kế hoạch theo số đơn vị báo cáo — {quarter} năm {year}",
                          "Progress of the plan's {n} tasks by number of units reporting — {quarter} {year}"),
    "tasks_empty": ("Chưa có đơn vị nào báo cáo tình hình nhiệm vụ {quarter}.", "No unit has reported task status for {quarter}."),
    "task_drill": ("Chi tiết theo đơn vị", "By unit"),
    "choose_task": ("Chọn nhiệm vụ", "Choose a task"),
    "task_units_title": ("{task}: tình trạng của các đơn vị tham gia theo quý", "{task}: status of the units concerned by quarter"),
    "task_lead": ("Chủ trì: {lead}", "Lead: {lead}"),
    "units_concerned": ("Số đơn vị liên quan", "Units concerned"),
    "task": ("Nhiệm vụ", "Task"),
    "role": ("Vai trò", "Role"),
    "note": ("Kết quả / ghi chú", "Result / note"),
    # data
    "data_title": ("Dữ liệu — năm {year}", "Data — {year}"),
    "quarters": ("Quý", "Quarters"),
    "kinds": ("Loại đơn vị", "Kinds of unit"),
    "elements": ("Chỉ tiêu số liệu", "Data elements"),
    "only_reported": ("Chỉ hiện ô đã báo cáo", "Only reported cells"),
    "rows_shown": ("{n} dòng", "{n} rows"),
    "download_csv": ("Tải CSV", "Download CSV"),
    "download_xlsx": ("Tải Excel (XLSX)", "Download Excel (XLSX)"),
    "data_empty": ("Không có số liệu nào khớp bộ lọc.", "No values match the filters."),
    "download_note": ("Tệp tải về chứa đúng các dòng đang hiển thị. CSV mã hóa UTF-8 (có BOM) để Excel hiển thị đúng tiếng Việt.",
                      "Downloads hold exactly the rows shown. CSV is UTF-8 with BOM so Excel shows Vietnamese correctly."),
}


def t(key: str, lang: str = DEFAULT_LANG, **kw) -> str:
    vi, en = _S[key]
    text = en if lang == "en" else vi
    return text.format(**kw) if kw else text


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def quarter_name(q: int, lang: str = DEFAULT_LANG) -> str:
    return t("quarter_n", lang, roman=ROMAN.get(int(q), str(q)), n=int(q))


def quarter_in_sentence(q: int, lang: str = DEFAULT_LANG) -> str:
    """'quý III' inside a Vietnamese sentence (lower-case word, upper-case numeral); 'Q3' in English."""
    name = quarter_name(q, lang)
    return name[0].lower() + name[1:] if lang != "en" else name


def status_name(code: str, lang: str = DEFAULT_LANG) -> str:
    return STATUS["en" if lang == "en" else "vi"].get(code, code)


def compliance_name(code: str, lang: str = DEFAULT_LANG) -> str:
    return COMPLIANCE["en" if lang == "en" else "vi"].get(code, code)


def task_status_name(code: str, lang: str = DEFAULT_LANG) -> str:
    return TASK_STATUS["en" if lang == "en" else "vi"].get(code, code)


def role_name(code: str, lang: str = DEFAULT_LANG) -> str:
    return ROLE["en" if lang == "en" else "vi"].get(code, code)


PERIOD_NAMES_EN = {"Quý I": "Q1", "Quý II": "Q2", "Quý III": "Q3", "Quý IV": "Q4", "6 tháng": "First half",
                   "9 tháng": "Nine months", "Năm": "Full year"}


def period_name(name: str, lang: str = DEFAULT_LANG) -> str:
    """The plan's period name (Vietnamese), translated when a translation is known."""
    return PERIOD_NAMES_EN.get(name, name) if lang == "en" else name


def period_label(name: str, year: int, whole_year: bool, lang: str = DEFAULT_LANG) -> str:
    """'9 tháng năm 2022', 'Quý II năm 2022', 'năm 2022' (the whole year)."""
    if lang == "en":
        return f"full year {year}" if whole_year else f"{period_name(name, lang)} {year}"
    return f"năm {year}" if whole_year else f"{name} năm {year}"
