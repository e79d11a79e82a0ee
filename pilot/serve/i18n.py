"""The dashboard's words in Vietnamese and English, and which one a browser gets.

The language is the ``lang`` cookie (set by the switch on every page), else the first
of :data:`reports.i18n.LANGUAGES` the browser's ``Accept-Language`` prefers, else
Vietnamese.

>>> choose_language("en-GB,en;q=0.9,vi;q=0.5", None)
'en'
>>> choose_language("fr;q=1, vi;q=0.8, en;q=0.7", None)
'vi'
>>> choose_language("en", "vi")
'vi'
>>> words("en")["state_running"], words("vi")["state_running"]
('running', 'đang chạy')
>>> from monitoring.alarms import RULE_NAMES
>>> [rule for rule in RULE_NAMES if "rule_" + rule not in words("vi")]
[]
"""

from __future__ import annotations

from reports.i18n import LANGUAGES

__all__ = ["choose_language", "words"]

# key: (English, Vietnamese)
_WORDS: dict[str, tuple[str, str]] = {
    "title": ("Pilot lines", "Dây chuyền thí điểm"),
    "overview": ("Overview", "Tổng quan"),
    "alarms": ("Alarms", "Cảnh báo"),
    "reports": ("Reports", "Báo cáo"),
    "logout": ("Log out", "Đăng xuất"),
    "language": ("Tiếng Việt", "English"),
    "state_off": ("off", "tắt"),
    "state_heating": ("heating", "đang gia nhiệt"),
    "state_running": ("running", "đang chạy"),
    "state_idle": ("idle", "chờ"),
    "sensor": ("Sensor", "Cảm biến"),
    "value": ("Value", "Giá trị"),
    "setpoint": ("Set", "Đặt"),
    "age": ("Age", "Tuổi dữ liệu"),
    "no_data": ("no data", "chưa có dữ liệu"),
    "stale": ("stale", "cũ"),
    "window": ("process window", "cửa sổ gia công"),
    "dioxin_band": ("dioxin formation 200–450 °C", "vùng hình thành dioxin 200–450 °C"),
    "st_degrading": ("DEGRADING", "PHÂN HỦY"),
    "st_in_window": ("in window", "trong cửa sổ"),
    "st_above": ("above window", "trên cửa sổ"),
    "st_below": ("below window", "dưới cửa sổ"),
    "st_at_setpoint": ("at setpoint", "đúng điểm đặt"),
    "st_off_setpoint": ("off setpoint", "lệch điểm đặt"),
    "day": ("Day", "Ngày"),
    "processed": ("processed", "đã xử lý"),
    "energy": ("energy", "điện năng"),
    "newest": ("newest reading", "số đo mới nhất"),
    "charts": ("Charts", "Biểu đồ"),
    "temperatures": ("Temperatures [°C]", "Nhiệt độ [°C]"),
    "throughput": ("Throughput [kg/h]", "Năng suất [kg/h]"),
    "range": ("Range", "Khoảng thời gian"),
    "show": ("Show", "Xem"),
    "live": ("live", "trực tiếp"),
    "last_hours": ("last hours", "giờ gần nhất"),
    "from": ("from", "từ"),
    "to": ("to", "đến"),
    "active_alarms": ("Active alarms", "Cảnh báo đang bật"),
    "recent_alarms": ("Recent alarm events", "Sự kiện cảnh báo gần đây"),
    "none_active": ("none active", "không có cảnh báo"),
    "no_alarm_log": (
        "no alarm log yet (is the collector running?)",
        "chưa có nhật ký cảnh báo (bộ thu có đang chạy?)",
    ),
    "time": ("Time", "Thời gian"),
    "event": ("Event", "Sự kiện"),
    "rule": ("Rule", "Quy tắc"),
    "message": ("Message", "Nội dung"),
    "rule_overheat": ("overheat", "quá nhiệt"),
    "rule_underheat": ("underheat", "thiếu nhiệt"),
    "rule_throughput_low": ("throughput low", "năng suất thấp"),
    "rule_silent": ("sensor silent", "cảm biến im lặng"),
    "rule_stuck": ("sensor stuck", "cảm biến bị kẹt"),
    "rule_dioxin_window": ("dioxin formation window", "vùng hình thành dioxin"),
    "raised": ("raised", "bật"),
    "cleared": ("cleared", "tắt"),
    "report_files": ("Reports made", "Báo cáo đã lập"),
    "make_household": ("Household pages of a month", "Trang hộ gia đình theo tháng"),
    "make_evaluation": ("Evaluator report (before/after)", "Báo cáo đánh giá (trước/sau)"),
    "make": ("Make", "Lập"),
    "month": ("Month", "Tháng"),
    "job_running": ("being made", "đang lập"),
    "job_done": ("done", "xong"),
    "job_failed": ("failed", "lỗi"),
    "busy": ("a report is being made already; wait for it", "đang lập một báo cáo; vui lòng chờ"),
    "no_reports": ("no report yet", "chưa có báo cáo"),
    "login": ("Log in", "Đăng nhập"),
    "password": ("Password", "Mật khẩu"),
    "wrong_password": ("wrong password", "sai mật khẩu"),
    "connection_lost": ("connection lost; reconnecting", "mất kết nối; đang kết nối lại"),
    "not_found": ("not found", "không tìm thấy"),
}


def words(lang: str) -> dict[str, str]:
    """Every word of the dashboard in ``lang`` (``vi`` or ``en``)."""
    index = 1 if lang == "vi" else 0
    return {key: pair[index] for key, pair in _WORDS.items()}


def choose_language(accept_language: str | None, cookie: str | None) -> str:
    """The page language: the cookie's, else the browser's preferred one we have."""
    if cookie in LANGUAGES:
        return str(cookie)
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for _, _, primary in sorted(ranked):
        if primary in LANGUAGES:
            return primary
    return "vi"
