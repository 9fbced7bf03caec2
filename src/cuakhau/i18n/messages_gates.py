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
    "gate.holiday_unknown": {
        "vi": "Không có ngày lễ «{value}» trong lịch của quốc gia này (có: {known}).",
        "zh": "该国日历中没有节日「{value}」（可选：{known}）。",
        "en": "There is no holiday '{value}' in this country's calendar (known: {known}).",
    },
    "gate.rule_days": {
        "vi": "Số ngày {value} ngoài phạm vi cho phép (tối đa {max}).",
        "zh": "天数 {value} 超出允许范围（最多 {max}）。",
        "en": "The number of days {value} is out of range (at most {max}).",
    },
    "gateconf.syntax": {
        "vi": "Tệp {source} không phải {format} hợp lệ (dòng {line}, cột {column}): {message}",
        "zh": "文件 {source} 不是有效的 {format}（第 {line} 行第 {column} 列）：{message}",
        "en": "{source} is not valid {format} (line {line}, column {column}): {message}",
    },
    "gateconf.unreadable": {
        "vi": "Không đọc được tệp cấu hình {source} ({message}).",
        "zh": "无法读取配置文件 {source}（{message}）。",
        "en": "Cannot read the configuration file {source} ({message}).",
    },
    "gateconf.missing": {
        "vi": "{source}, dòng {line}: thiếu trường {field}.",
        "zh": "{source} 第 {line} 行：缺少字段 {field}。",
        "en": "{source}, line {line}: {field} is required.",
    },
    "gateconf.unknown_field": {
        "vi": "{source}, dòng {line}: {field} không phải là trường của cấu hình cửa khẩu.",
        "zh": "{source} 第 {line} 行：{field} 不是口岸配置的字段。",
        "en": "{source}, line {line}: {field} is not a field of a gate configuration.",
    },
    "gateconf.not_number": {
        "vi": "{source}, dòng {line}: {field} phải là một số (đang là «{value}»).",
        "zh": "{source} 第 {line} 行：{field} 必须是数字（现为「{value}」）。",
        "en": "{source}, line {line}: {field} must be a number (found '{value}').",
    },
    "gateconf.not_boolean": {
        "vi": "{source}, dòng {line}: {field} phải là true hoặc false (đang là «{value}»).",
        "zh": "{source} 第 {line} 行：{field} 必须是 true 或 false（现为「{value}」）。",
        "en": "{source}, line {line}: {field} must be true or false (found '{value}').",
    },
    "gateconf.not_text": {
        "vi": "{source}, dòng {line}: {field} phải là một chuỗi văn bản (đang là «{value}»).",
        "zh": "{source} 第 {line} 行：{field} 必须是文本（现为「{value}」）。",
        "en": "{source}, line {line}: {field} must be text (found '{value}').",
    },
    "gateconf.not_list": {
        "vi": "{source}, dòng {line}: {field} phải là một danh sách.",
        "zh": "{source} 第 {line} 行：{field} 必须是列表。",
        "en": "{source}, line {line}: {field} must be a list.",
    },
    "gateconf.not_mapping": {
        "vi": "{source}, dòng {line}: {field} phải là một nhóm trường (khóa: giá trị).",
        "zh": "{source} 第 {line} 行：{field} 必须是键值映射。",
        "en": "{source}, line {line}: {field} must be a mapping of fields (key: value).",
    },
    "gateconf.not_time": {
        "vi": "{source}, dòng {line}: {field} phải là giờ dạng HH:MM (đang là «{value}»).",
        "zh": "{source} 第 {line} 行：{field} 必须是 HH:MM 格式的时间（现为「{value}」）。",
        "en": "{source}, line {line}: {field} must be a time of day, HH:MM (found '{value}').",
    },
    "gateconf.not_datetime": {
        "vi": (
            "{source}, dòng {line}: {field} phải là thời điểm kèm múi "
            "giờ, ví dụ 2026-06-03T08:00:00+07:00 (đang là «{value}»)."
        ),
        "zh": "{source} 第 {line} 行：{field} 必须是带时区的时间，例如 2026-06-03T08:00:00+08:00（现为「{value}」）。",
        "en": (
            "{source}, line {line}: {field} must be an instant with its "
            "UTC offset, e.g. 2026-06-03T08:00:00+07:00 (found '{value}')."
        ),
    },
    "gateconf.not_one_of": {
        "vi": "{source}, dòng {line}: {field} phải là một trong {allowed} (đang là «{value}»).",
        "zh": "{source} 第 {line} 行：{field} 必须是 {allowed} 之一（现为「{value}」）。",
        "en": "{source}, line {line}: {field} must be one of {allowed} (found '{value}').",
    },
    "gateconf.out_of_range": {
        "vi": "{source}, dòng {line}: {field} = {value} nằm ngoài phạm vi ({limit}).",
        "zh": "{source} 第 {line} 行：{field} = {value} 超出范围（{limit}）。",
        "en": "{source}, line {line}: {field} = {value} is out of range ({limit}).",
    },
    "gateconf.length": {
        "vi": "{source}, dòng {line}: độ dài của {field} không hợp lệ ({limit}).",
        "zh": "{source} 第 {line} 行：{field} 的长度无效（{limit}）。",
        "en": "{source}, line {line}: the length of {field} is not allowed ({limit}).",
    },
    "gateconf.pattern": {
        "vi": "{source}, dòng {line}: {field} = «{value}» không đúng dạng ({form}).",
        "zh": "{source} 第 {line} 行：{field} =「{value}」格式不对（{form}）。",
        "en": "{source}, line {line}: {field} = '{value}' is not in the expected form ({form}).",
    },
    "gateconf.invalid": {
        "vi": "{source}, dòng {line}: {field} không hợp lệ ({message}).",
        "zh": "{source} 第 {line} 行：{field} 无效（{message}）。",
        "en": "{source}, line {line}: {field} is not valid ({message}).",
    },
    "gateconf.gate_id": {
        "vi": (
            "{source}, dòng {line}: mã cửa khẩu {field} = «{value}» phải "
            "có dạng {country}-ten-cua-khau (chữ thường, số, gạch nối)."
        ),
        "zh": "{source} 第 {line} 行：口岸编号 {field} =「{value}」必须形如 {country}-name（小写字母、数字、连字符）。",
        "en": (
            "{source}, line {line}: gate id {field} = '{value}' must "
            "look like {country}-gate-name (lower case, digits, hyphens)."
        ),
    },
    "gateconf.duplicate": {
        "vi": "{source}, dòng {line}: {field} = «{value}» bị trùng.",
        "zh": "{source} 第 {line} 行：{field} =「{value}」重复。",
        "en": "{source}, line {line}: {field} = '{value}' appears twice.",
    },
    "gateconf.timezone": {
        "vi": "{source}, dòng {line}: {field}: cửa khẩu của nước này dùng múi giờ {expected}, không phải {value}.",
        "zh": "{source} 第 {line} 行：{field}：该国口岸使用时区 {expected}，而不是 {value}。",
        "en": "{source}, line {line}: {field}: a gate of this country runs on {expected}, not {value}.",
    },
    "gateconf.locode": {
        "vi": "{source}, dòng {line}: {field} = «{value}» không phải mã UN/LOCODE của {country}.",
        "zh": "{source} 第 {line} 行：{field} =「{value}」不是 {country} 的 UN/LOCODE。",
        "en": "{source}, line {line}: {field} = '{value}' is not a UN/LOCODE of {country}.",
    },
    "gateconf.counterpart": {
        "vi": "{source}, dòng {line}: {field} = «{value}» không phải mã của một cửa khẩu khác.",
        "zh": "{source} 第 {line} 行：{field} =「{value}」不是另一个口岸的编号。",
        "en": "{source}, line {line}: {field} = '{value}' is not the id of another gate.",
    },
    "gateconf.holiday": {
        "vi": "{source}, dòng {line}: {field}: không có ngày lễ «{value}» trong lịch của nước này (có: {known}).",
        "zh": "{source} 第 {line} 行：{field}：该国日历中没有节日「{value}」（可选：{known}）。",
        "en": (
            "{source}, line {line}: {field}: there is no holiday '{value}' in this country's calendar (known: {known})."
        ),
    },
    "gateconf.end_before_start": {
        "vi": "{source}, dòng {line}: {field} = {value} phải sau thời điểm bắt đầu.",
        "zh": "{source} 第 {line} 行：{field} = {value} 必须晚于开始时间。",
        "en": "{source}, line {line}: {field} = {value} must come after the start.",
    },
    "gate.closed": {
        "vi": "{gate} đóng cửa lúc {at} ({why}) đến {until}: không gọi xe, vào làn hay qua biên "
        "khi một trong hai bên đóng cửa. Cán bộ có thể cho qua khi ghi rõ lý do.",
        "zh": "{gate}于 {at} 关闭（{why}），直至 {until}：任一方关闭时不得叫号、进入通道或过境。"
        "执勤人员可注明理由后放行。",
        "en": "{gate} is closed at {at} ({why}) until {until}: no truck is called forward, enters a "
        "lane or crosses while either side is closed. An officer may let it through by giving a reason.",
    },
    "gate.hours_required": {
        "vi": "Cần ít nhất một khung giờ mở cửa.",
        "zh": "至少需要一个开放时段。",
        "en": "Give at least one opening period.",
    },
}
