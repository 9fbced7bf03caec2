"""Messages about gates, lanes, hours and closures."""

MESSAGES: dict[str, dict[str, str]] = {
    "gate.id": {
        "vi": "Mã cửa khẩu «{value}» không hợp lệ (dạng vn-huu-nghi hoặc cn-youyiguan).",
        "zh": "口岸编号「{value}」无效（格式如 vn-huu-nghi 或 cn-youyiguan）。",
        "en": "Gate id '{value}' is not valid (use the form vn-huu-nghi or cn-youyiguan).",
    },
    "gate.locode": {
        "vi": "Mã UN/LOCODE «{value}» không hợp lệ hoặc không thuộc quốc gia của cửa khẩu.",
        "zh": "UN/LOCODE「{value}」无效或不属于该口岸所在国家。",
        "en": "UN/LOCODE '{value}' is not valid or not in the gate's country.",
    },
    "gate.coordinates": {
        "vi": "Toạ độ {value} nằm ngoài phạm vi cho phép.",
        "zh": "坐标 {value} 超出允许范围。",
        "en": "Coordinate {value} is out of range.",
    },
    "gate.lane_code": {
        "vi": "Mã làn «{value}» không hợp lệ (1–16 ký tự).",
        "zh": "车道编号「{value}」无效（1–16 个字符）。",
        "en": "Lane code '{value}' is not valid (1–16 characters).",
    },
    "gate.lane_duplicate": {
        "vi": "Mã làn bị trùng: {value}.",
        "zh": "车道编号重复：{value}。",
        "en": "Lane codes repeat: {value}.",
    },
    "gate.weekdays": {
        "vi": "Ngày trong tuần phải từ 1 (thứ Hai) đến 7 (Chủ nhật): {value}.",
        "zh": "星期必须为 1（周一）到 7（周日）：{value}。",
        "en": "Weekdays must run from 1 (Monday) to 7 (Sunday): {value}.",
    },
    "gate.holiday_year": {
        "vi": "Chưa có lịch nghỉ lễ cho năm {year} (có: {known}).",
        "zh": "尚无 {year} 年的节假日闭关安排（已有：{known}）。",
        "en": "No holiday calendar for {year} yet (known: {known}).",
    },
    "gate.hours_required": {
        "vi": "Cần ít nhất một khung giờ mở cửa.",
        "zh": "至少需要一个开放时段。",
        "en": "Give at least one opening period.",
    },
}
