"""Vietnamese (default) and English strings of the dashboard, in one place.

`t(key, lang, **kw)` is pure (no Streamlit), so chart builders can use it; pages use `ui.t`, which
reads the language chosen in the session. Names that come from the plan (units, elements, rates,
tasks) are Vietnamese in both languages: the plan file has only Vietnamese names. Numbers and dates
are formatted the Vietnamese way in both languages (pipelines.outputs.fmt).
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
    # admin: demo data
    "demo_heading": ("Dữ liệu mẫu", "Demo data"),
    "demo_remove_help": ("Năm {year} đang chứa DỮ LIỆU MẪU. Báo cáo thật của năm {year} sẽ bị từ chối cho đến khi "
                         "xóa dữ liệu mẫu. Việc xóa không ảnh hưởng tài khoản và nhật ký.",
                         "{year} holds DEMO data. Real {year} reports are refused until the demo data is removed. "
                         "Accounts and the audit log are kept."),
    "demo_remove_confirm": ("Tôi hiểu: xóa toàn bộ {n} báo cáo mẫu năm {year}", "I understand: remove all {n} demo "
                            "reports of {year}"),
    "demo_remove_button": ("Xóa dữ liệu mẫu năm {year}", "Remove the {year} demo data"),
    "demo_removed": ("Đã xóa {n} báo cáo mẫu năm {year}. Năm {year} sẵn sàng nhận số liệu thật.",
                     "Removed {n} demo reports of {year}; {year} is ready for real reports."),
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
    "level": ("Cấp", "Level"),
    "place": ("Địa bàn", "Place"),
    "place_column": ("Địa bàn", "Place"),
    "places_compliance_counts": ("Đúng hạn {on_time}, trễ hạn {late}, chưa nộp {missing}, chưa đến hạn {pending} "
                                 "— trên {units} đơn vị",
                                 "On time {on_time}, late {late}, missing {missing}, not yet due {pending} "
                                 "— of {units} units"),
    "places_compliance_title": ("Tình hình nộp báo cáo theo địa bàn ({n}) và quý, tính đến {date} — năm {year} "
                                "(ô: số đơn vị đúng hạn/tổng số; màu: tình trạng cần chú ý nhất)",
                                "Reporting by place ({n}) and quarter as of {date} — {year} "
                                "(cell: units on time/all; colour: the most pressing status)"),
    "places_attainment_title": ("Tình trạng đạt chỉ tiêu theo địa bàn và quý (tỷ lệ riêng từng quý) — năm {year}",
                                "Targets met by place and quarter (each quarter's own rate) — {year}"),
    "places_hint": ("Mỗi dòng là một địa bàn cấp dưới; chọn một địa bàn ở thanh bên để xem từng đơn vị.",
                    "Each row is a place one level down; pick a place in the sidebar to see its units."),
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
    "town_total_row": ("Cộng ({scope})", "Total ({scope})"),  # the plan's scope_name: "Toàn thị xã"
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
    "rows_truncated": ("{n} dòng — bảng hiển thị {shown} dòng đầu; tệp tải xuống có đủ {n} dòng. Chọn địa bàn, quý "
                       "hoặc chỉ tiêu để thu hẹp.",
                       "{n} rows — the table shows the first {shown}; the downloads hold all {n}. Pick a place, "
                       "quarter or element to narrow it."),
    "xlsx_too_many_rows": ("Excel chứa tối đa 1.048.575 dòng số liệu: hãy thu hẹp bộ lọc hoặc tải CSV.",
                           "Excel holds at most 1,048,575 data rows: narrow the filters or download CSV."),
    "download_csv": ("Tải CSV", "Download CSV"),
    "download_xlsx": ("Tải Excel (XLSX)", "Download Excel (XLSX)"),
    "data_empty": ("Không có số liệu nào khớp bộ lọc.", "No values match the filters."),
    "download_note": ("Tệp tải về chứa đúng các dòng đang hiển thị. CSV mã hóa UTF-8 (có BOM) để Excel hiển thị đúng tiếng Việt.",
                      "Downloads hold exactly the rows shown. CSV is UTF-8 with BOM so Excel shows Vietnamese correctly."),
    # sign-in and roles
    "signin_title": ("Đăng nhập", "Sign in"),
    "signin_name": ("Tên đăng nhập", "User name"),
    "signin_password": ("Mật khẩu", "Password"),
    "signin_button": ("Đăng nhập", "Sign in"),
    "signin_failed": ("Không đăng nhập được: sai tên đăng nhập hoặc mật khẩu, hoặc đã thử sai nhiều lần và phải chờ "
                      "ít phút. Hãy kiểm tra lại rồi thử lại sau.",
                      "Could not sign in: wrong user name or password, or too many failed attempts and a short wait "
                      "is in force. Check and try again later."),
    # the sign-in form served by dashboard/web.py (lasting sign-in)
    "signin_help_web": ("Số liệu của Ban Chỉ đạo chỉ dành cho người có tài khoản. Quên mật khẩu: liên hệ quản trị viên "
                        "(Công an thị xã). Sau nhiều lần nhập sai, phải chờ một lúc trước khi thử lại. "
                        "Phiên đăng nhập giữ 8 giờ kể từ lần dùng cuối (tối đa 7 ngày); hãy đăng xuất khi dùng máy chung.",
                        "Committee data is for account holders only. Forgot your password? Ask the administrator. "
                        "After several wrong attempts you must wait a while. A sign-in lasts 8 hours from its last "
                        "use (7 days at most); sign out on a shared computer."),
    "signin_form_expired": ("Biểu mẫu đăng nhập đã hết hạn hoặc không đến từ trang này. Hãy nhập lại.",
                            "The sign-in form expired or did not come from this site. Please try again."),
    "signin_busy": ("Máy chủ đang bận xử lý nhiều lượt đăng nhập; hãy thử lại sau ít giây.",
                    "The server is busy with many sign-ins; try again in a few seconds."),
    "signed_out_title": ("Bạn chưa đăng nhập hoặc phiên đăng nhập đã kết thúc", "You are not signed in, or your session ended"),
    "signed_out_help": ("Phiên kết thúc khi đăng xuất (ở bất kỳ thẻ nào), khi đổi mật khẩu hoặc vai trò, sau 8 giờ "
                        "không dùng hoặc sau 7 ngày.",
                        "A session ends at sign-out (in any tab), on a password or role change, after 8 idle hours "
                        "or after 7 days."),
    "signin_again": ("Đăng nhập", "Sign in"),
    "signin_help": ("Số liệu của Ban Chỉ đạo chỉ dành cho người có tài khoản. Quên mật khẩu: liên hệ quản trị viên "
                    "(Công an thị xã). Nhập sai 5 lần liên tiếp, tài khoản bị khóa 5 phút.",
                    "Committee data is for account holders only. Forgot your password? Ask the administrator "
                    "(town police). Five wrong attempts in a row lock the account for five minutes."),
    "signin_no_accounts": ("Kho dữ liệu chưa có tài khoản nào. Tạo tài khoản quản trị từ dòng lệnh: "
                           "`python -m pipelines users add TEN --role admin` (hoặc chạy `make run` trên kho trống "
                           "để tạo tài khoản dùng thử).",
                           "The store has no account yet. Create an administrator from the shell: "
                           "`python -m pipelines users add NAME --role admin` (or run `make run` on an empty store "
                           "for demo accounts)."),
    "signin_oidc_button": ("Đăng nhập bằng tài khoản cơ quan", "Sign in with your organisation account"),
    "signin_oidc_unknown": ("Tài khoản **{email}** chưa được cấp quyền xem bảng điều khiển này. Vui lòng liên hệ "
                            "quản trị viên (Công an thị xã) để được tạo tài khoản.",
                            "The account **{email}** has no access to this dashboard yet. Please ask the "
                            "administrator (town police) to create one."),
    "signed_in_as": ("Đã đăng nhập: **{name}** · {role}", "Signed in: **{name}** · {role}"),
    "signout": ("Đăng xuất", "Sign out"),
    "no_permission": ("Trang này cần vai trò {role} trở lên.", "This page needs the {role} role or higher."),
    "section_admin": ("Quản trị", "Administration"),
    "page_upload": ("Tải lên báo cáo", "Upload reports"),
    "page_admin": ("Quản trị", "Administration"),
    # upload
    "upload_title": ("Tải lên báo cáo", "Upload reports"),
    "tab_upload": ("Tải lên", "Upload"),
    "tab_templates": ("Mẫu báo cáo", "Templates"),
    "tab_versions": ("Phiên bản", "Versions"),
    "upload_files": ("Kéo thả một hoặc nhiều tệp báo cáo vào đây (.xlsx, .xlsm, .xls, .ods)",
                     "Drop one or more report workbooks here (.xlsx, .xlsm, .xls, .ods)"),
    "upload_help": ("Mỗi tệp được kiểm tra trước; chưa có gì được lưu cho đến khi bạn bấm xác nhận. Ngày giờ nhận "
                    "mặc định là lúc này — hãy sửa thành lúc nhận thư điện tử nếu nạp muộn (giờ Việt Nam).",
                    "Every file is checked first; nothing is stored until you confirm. The received time defaults "
                    "to now — set it to when the e-mail arrived if you load later (Vietnam time)."),
    "upload_checking": ("Đang kiểm tra {name}…", "Checking {name}…"),
    "upload_preview": ("Kết quả kiểm tra ({n} tệp)", "Check results ({n} files)"),
    "col_file": ("Tệp", "File"),
    "col_unit": ("Đơn vị", "Unit"),
    "col_quarter": ("Quý", "Quarter"),
    "col_status": ("Tình trạng", "Status"),
    "col_errors": ("Lỗi", "Errors"),
    "col_warnings": ("Cảnh báo", "Warnings"),
    "col_note": ("Ghi chú", "Note"),
    "col_where": ("Vị trí (trang!ô)", "Where (sheet!cell)"),
    "col_value": ("Giá trị tìm thấy", "Value found"),
    "col_problem": ("Vấn đề", "Problem"),
    "col_hint": ("Cách sửa", "What to do"),
    "col_level": ("Mức", "Level"),
    "level_error": ("Lỗi", "Error"),
    "level_warning": ("Cảnh báo", "Warning"),
    "st_valid": ("Hợp lệ", "Valid"),
    "st_warnings": ("Có cảnh báo", "Has warnings"),
    "st_rejected": ("Bị từ chối", "Refused"),
    "st_duplicate": ("Đã tải trước đó", "Already loaded"),
    "note_replaces": ("sẽ thay bản hiện hành #{id}", "will replace current version #{id}"),
    "note_new": ("bản đầu tiên của quý", "first report for the quarter"),
    "note_duplicate": ("giống hệt bản #{id} đã nạp — không nạp lại", "identical to stored #{id} — not loaded again"),
    "note_rejected": ("không nạp; gửi lại đơn vị bản có đánh dấu lỗi", "not loaded; send the marked-up copy back"),
    "note_rejected_here": ("không nạp; lỗi không do đơn vị — xem cách xử lý bên dưới",
                           "not loaded; not the unit's fault — see below what to do"),
    "received_date": ("Ngày nhận", "Received on"),
    "received_time": ("Giờ nhận", "Received at"),
    "received_future": ("Ngày giờ nhận ở tương lai — hãy kiểm tra lại.", "The received time is in the future — check it."),
    "problems_of": ("Chi tiết {n} lỗi và {m} cảnh báo", "{n} errors and {m} warnings in detail"),
    "no_problems": ("Không có lỗi hay cảnh báo nào.", "No errors or warnings."),
    "download_annotated": ("Tải bản đánh dấu lỗi để gửi lại đơn vị", "Download the marked-up copy for the unit"),
    "same_quarter_twice": ("{unit} — {quarter}/{year}: có {n} tệp trong lần tải này ({files}); tệp nạp sau cùng sẽ là "
                           "bản hiện hành.",
                           "{unit} — {quarter} {year}: {n} files in this batch ({files}); the last one loaded becomes "
                           "current."),
    "confirm_load": ("Xác nhận nạp {n} tệp hợp lệ", "Confirm: load {n} valid files"),
    "nothing_to_load": ("Không có tệp nào nạp được: xem lỗi và cách xử lý của từng tệp ở trên.",
                        "No file can be loaded: see each file's problems and what to do above."),
    "clear_files": ("Bỏ các tệp này", "Discard these files"),
    "loading": ("Đang nạp {name} ({i}/{n})…", "Loading {name} ({i}/{n})…"),
    "loading_done": ("Đã nạp xong.", "Loading done."),
    "load_summary": ("Đã nạp xong: {new} báo cáo mới, {replaced} thay phiên bản cũ, {same} trùng (không thay đổi), "
                     "{rejected} bị từ chối.",
                     "Loaded: {new} new, {replaced} replaced an older version, {same} duplicates (no change), "
                     "{rejected} refused."),
    "out_new": ("Mới", "New"),
    "out_replaced": ("Thay bản #{id}", "Replaced #{id}"),
    "out_duplicate": ("Trùng bản #{id} (không đổi)", "Same as #{id} (no change)"),
    "out_rejected": ("Bị từ chối", "Refused"),
    "col_version": ("Bản số", "Version"),
    "col_received": ("Ngày giờ nhận", "Received"),
    "close_summary": ("Đóng", "Close"),
    "permission_denied": ("Không thực hiện được: {msg}", "Not done: {msg}"),
    # templates
    "templates_help": ("Mẫu báo cáo điền sẵn mã đơn vị, năm, quý, danh sách chỉ tiêu và nhiệm vụ của từng đơn vị.",
                       "Templates come pre-filled with the unit, year, quarter, its elements and tasks."),
    "template_one": ("Mẫu của một đơn vị", "One unit's template"),
    "template_all": ("Mẫu của tất cả đơn vị", "Every unit's template"),
    "download_template": ("Tải mẫu {file}", "Download {file}"),
    "download_templates_zip": ("Tải {n} mẫu (.zip)", "Download {n} templates (.zip)"),
    # versions
    "versions_help": ("Mọi bản đã nạp đều được giữ. Bản hiện hành là bản dùng để tính số liệu trên mọi trang.",
                      "Every loaded version is kept. The current one is used on every page."),
    "versions_none": ("{unit} chưa có bản báo cáo nào cho {quarter}/{year}.", "{unit} has no report for {quarter} {year}."),
    "col_loaded": ("Ngày giờ nạp", "Loaded"),
    "col_loaded_by": ("Người nạp", "Loaded by"),
    "col_current": ("Hiện hành", "Current"),
    "compare_heading": ("So sánh hai bản", "Compare two versions"),
    "compare_a": ("Bản cũ", "Older version"),
    "compare_b": ("Bản mới", "Newer version"),
    "version_label": ("#{id} — nạp {loaded} ({file})", "#{id} — loaded {loaded} ({file})"),
    "diff_none": ("Hai bản có số liệu giống hệt nhau.", "The two versions hold the same values."),
    "diff_count": ("{n} số liệu khác nhau", "{n} values differ"),
    "col_element": ("Chỉ tiêu", "Element"),
    "restore_heading": ("Khôi phục bản cũ", "Restore an earlier version"),
    "restore_choose": ("Bản cần khôi phục", "Version to restore"),
    "restore_button": ("Khôi phục bản #{id}…", "Restore #{id}…"),
    "restore_confirm_text": ("Bản #{id} (tệp {file}, nhận lúc {received}) sẽ trở thành bản hiện hành thay cho bản "
                             "#{current}. Số liệu trên mọi trang sẽ tính theo bản này. Bản #{current} vẫn được giữ.",
                             "Version #{id} ({file}, received {received}) becomes current instead of #{current}. "
                             "Every page will use it. #{current} is kept."),
    "restore_confirm": ("Xác nhận khôi phục", "Confirm restore"),
    "cancel": ("Hủy", "Cancel"),
    "restored": ("Đã khôi phục bản #{id} cho {unit} — {quarter}/{year}.", "Restored #{id} for {unit} — {quarter} {year}."),
    "restore_only_current": ("Chỉ có bản hiện hành: không có bản cũ để khôi phục.", "Only the current version: nothing to restore."),
    # admin
    "admin_title": ("Quản trị", "Administration"),
    "users_heading": ("Tài khoản", "Accounts"),
    "col_name": ("Tên đăng nhập", "User name"),
    "col_role": ("Vai trò", "Role"),
    "col_created": ("Ngày tạo", "Created"),
    "col_locked": ("Bị khóa đến", "Locked until"),
    "add_user": ("Thêm tài khoản", "Add an account"),
    "password_repeat": ("Nhập lại mật khẩu", "Repeat the password"),
    "passwords_differ": ("Hai lần nhập mật khẩu không khớp.", "The two passwords differ."),
    "user_added": ("Đã tạo tài khoản {name} ({role}).", "Account {name} ({role}) created."),
    "reset_password": ("Đặt lại mật khẩu", "Reset a password"),
    "password_set": ("Đã đặt mật khẩu mới cho {name} (và mở khóa nếu đang bị khóa).",
                     "New password set for {name} (and unlocked)."),
    "remove_user": ("Xóa tài khoản", "Remove an account"),
    "remove_confirm": ("Tôi chắc chắn muốn xóa tài khoản này", "I am sure I want to remove this account"),
    "user_removed": ("Đã xóa tài khoản {name}.", "Account {name} removed."),
    "cannot_remove_self": ("Không thể tự xóa tài khoản đang đăng nhập.", "You cannot remove the account you are signed in with."),
    "account": ("Tài khoản", "Account"),
    "save": ("Lưu", "Save"),
    "audit_heading": ("Nhật ký hoạt động", "Audit log"),
    "audit_help": ("Ai đã làm gì, lúc nào (giờ Việt Nam): đăng nhập, tải lên, khôi phục, tải xuống, quản lý tài khoản. "
                   "Lọc theo người, loại hoạt động và ngày; mỗi trang 100 dòng, mới nhất trước.",
                   "Who did what, when (Vietnam time): sign-ins, uploads, restores, downloads, accounts. "
                   "Filter by who, what and date; 100 rows a page, newest first."),
    "audit_actions": ("Loại hoạt động", "Actions"),
    "audit_actor": ("Người thực hiện", "Who"),
    "col_time": ("Thời gian", "When"),
    "col_action": ("Hoạt động", "Action"),
    "col_detail": ("Chi tiết", "Detail"),
    # documents the committee sends (report to the province, annex, reminders, publication copies)
    "report_heading": ("Báo cáo gửi Ban Chỉ đạo 138 tỉnh — {label}", "Report to the provincial committee — {label}"),
    "report_help": ("Văn bản theo thể thức Nghị định 30/2020/NĐ-CP, số văn bản và chữ ký để trống; phụ lục Excel "
                    "cùng số liệu.", "In the form of Decree 30/2020 (number and signature left blank); Excel annex "
                    "with the same figures."),
    "report_number": ("Số văn bản (có thể để trống)", "Document number (may stay blank)"),
    "download_report": ("Tải báo cáo (.docx)", "Download the report (.docx)"),
    "download_annex": ("Tải phụ lục (.xlsx)", "Download the annex (.xlsx)"),
    "publication_copy": ("Bản công bố (ẩn số người ≤{n})", "Publication copy (hide counts of people ≤{n})"),
    "publication_help": ("Số nạn nhân, bị can từ 1 đến {n} ghi “≤{n}”, ô “x” được ẩn thêm để không suy ra được; "
                         "bản gửi tỉnh và các trang nội bộ giữ số chính xác.",
                         "Counts of victims and defendants from 1 to {n} show as “≤{n}”, cells marked “x” are "
                         "hidden too so none can be worked out; the report to the province and internal pages stay "
                         "exact."),
    "reminders_heading": ("Công văn đôn đốc", "Reminder letters"),
    "reminders_quarter": ("Quý cần đôn đốc", "Quarter to chase"),
    "reminders_count": ("{n} đơn vị trễ hạn hoặc chưa nộp {quarter} (tính đến {date}).",
                        "{n} units late or missing for {quarter} (as of {date})."),
    "reminders_none": ("Không có đơn vị trễ hạn hoặc chưa nộp {quarter} (tính đến {date}).",
                       "No unit late or missing for {quarter} (as of {date})."),
    "download_reminders": ("Tải {n} công văn đôn đốc (.zip)", "Download {n} reminder letters (.zip)"),
    # admin: roles, sessions, sign-in waits, audit filters (issue 11 §1, issue 12)
    "col_sessions": ("Phiên đang mở", "Open sessions"),
    "change_role": ("Đổi vai trò", "Change a role"),
    "role_set": ("Đã đổi vai trò của {name} thành {role}; các phiên đăng nhập của tài khoản này đã kết thúc.",
                 "{name} is now {role}; the account's sessions were ended."),
    "sessions_heading": ("Phiên đăng nhập", "Sessions"),
    "sessions_help": ("Mỗi dòng là một trình duyệt đang đăng nhập. Kết thúc một phiên buộc trình duyệt đó đăng nhập lại "
                      "ở lần bấm tiếp theo.",
                      "One row per signed-in browser. Ending a session makes that browser sign in again at its next click."),
    "sessions_none": ("Không có phiên nào đang mở.", "No open session."),
    "col_last_seen": ("Dùng lần cuối", "Last used"),
    "col_idle_expires": ("Hết hạn nếu không dùng", "Idle expiry"),
    "col_expires": ("Hết hạn", "Expires"),
    "col_client": ("Địa chỉ máy", "Address"),
    "end_session": ("Kết thúc phiên", "End the session"),
    "session_pick": ("Phiên", "Session"),
    "session_ended": ("Đã kết thúc phiên số {id} của {name}.", "Session {id} of {name} ended."),
    "waits_heading": ("Đăng nhập sai nhiều lần", "Repeated failed sign-ins"),
    "waits_help": ("Tài khoản hoặc địa chỉ máy đang phải chờ trước khi thử đăng nhập lại (sau 5 lần sai với một tài "
                   "khoản, 20 lần từ một địa chỉ; thời gian chờ tăng dần). Gỡ để cho thử lại ngay.",
                   "Accounts or addresses that must wait before trying again (after 5 failures for an account, "
                   "20 from one address; the wait grows). Lift a wait to let them try at once."),
    "waits_none": ("Không có tài khoản hay địa chỉ nào đang phải chờ.", "No account or address is waiting."),
    "col_scope": ("Loại", "Kind"),
    "scope_account": ("Tài khoản", "Account"),
    "scope_address": ("Địa chỉ máy", "Address"),
    "col_failures": ("Số lần sai", "Failures"),
    "col_wait_until": ("Chờ đến", "Wait until"),
    "lift_wait": ("Gỡ", "Lift"),
    "wait_pick": ("Tài khoản hoặc địa chỉ máy", "Account or address"),
    "wait_lifted": ("Đã gỡ thời gian chờ của {label}.", "Wait lifted for {label}."),
    "audit_since": ("Từ ngày", "From"),
    "audit_until": ("Đến ngày", "To"),
    "audit_page": ("Trang", "Page"),
    "audit_count": ("{n} dòng khớp bộ lọc · trang {page}/{pages}", "{n} matching rows · page {page}/{pages}"),
}

USER_ROLES = {
    "vi": {"viewer": "Người xem", "analyst": "Chuyên viên", "admin": "Quản trị viên"},
    "en": {"viewer": "Viewer", "analyst": "Analyst", "admin": "Administrator"},
}
AUDIT_ACTIONS = {
    "vi": {"sign_in": "Đăng nhập", "sign_in_failed": "Đăng nhập không thành công", "locked_out": "Khóa tài khoản",
           "sign_out": "Đăng xuất", "upload": "Tải lên", "restore": "Khôi phục", "export": "Tải xuống",
           "user_add": "Thêm tài khoản", "user_remove": "Xóa tài khoản", "password_change": "Đổi mật khẩu",
           "demo_remove": "Xóa dữ liệu mẫu", "role_change": "Đổi vai trò", "sessions_ended": "Kết thúc phiên",
           "wait_lifted": "Gỡ thời gian chờ"},
    "en": {"sign_in": "Sign-in", "sign_in_failed": "Failed sign-in", "locked_out": "Lock-out", "sign_out": "Sign-out",
           "upload": "Upload", "restore": "Restore", "export": "Download", "user_add": "Account added",
           "user_remove": "Account removed", "password_change": "Password changed", "demo_remove": "Demo data removed",
           "role_change": "Role changed", "sessions_ended": "Sessions ended", "wait_lifted": "Wait lifted"},
}
AUDIT_ACTIONS["vi"]["backup"], AUDIT_ACTIONS["en"]["backup"] = "Sao lưu", "Backup"  # dashboard/backup_section.py


def user_role_name(code: str, lang: str = DEFAULT_LANG) -> str:
    return USER_ROLES["en" if lang == "en" else "vi"].get(code, code)


def audit_action_name(code: str, lang: str = DEFAULT_LANG) -> str:
    return AUDIT_ACTIONS["en" if lang == "en" else "vi"].get(code, code)


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


from dashboard.i18n_yoy_quality import STRINGS as _YOY_QUALITY  # noqa: E402  (year over year, data quality)

_S.update(_YOY_QUALITY)
