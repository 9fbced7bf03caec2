"""Messages of gate operations: devices, yard, call-forward."""

MESSAGES: dict[str, dict[str, str]] = {
    "device.message_id": {
        "vi": "Thiếu mã bản tin của thiết bị (tối đa 128 ký tự).",
        "zh": "缺少设备消息编号（最多 128 个字符）。",
        "en": "The device message id is missing or longer than 128 characters.",
    },
    "device.device_id": {
        "vi": "Thiếu mã thiết bị (tối đa 128 ký tự).",
        "zh": "缺少设备编号（最多 128 个字符）。",
        "en": "The device id is missing or longer than 128 characters.",
    },
    "device.gate_id": {
        "vi": "Thiếu mã cửa khẩu của thiết bị.",
        "zh": "缺少设备所属口岸编号。",
        "en": "The device's gate id is missing.",
    },
    "device.confidence": {
        "vi": "Độ tin cậy phải nằm trong khoảng 0 đến 1 (nhận được {value}).",
        "zh": "置信度必须在 0 到 1 之间（收到 {value}）。",
        "en": "The confidence must be between 0 and 1 (got {value}).",
    },
    "review.closed": {
        "vi": "Mục này đã được xử lý.",
        "zh": "该复核项已处理。",
        "en": "This review item has already been closed.",
    },
    "review.not_applicable": {
        "vi": "Mục loại {kind} không thể áp dụng như một lượt đọc biển số.",
        "zh": "类型为 {kind} 的复核项不能作为车牌识别记录执行。",
        "en": "A review item of kind {kind} cannot be applied as a plate read.",
    },
    "device.topic": {
        "vi": "Chủ đề MQTT không đúng định dạng của thiết bị cửa khẩu: {topic}.",
        "zh": "MQTT 主题不符合口岸设备的格式：{topic}。",
        "en": "The MQTT topic is not a gate device topic: {topic}.",
    },
    "device.topic_segment": {
        "vi": "Mã trong chủ đề MQTT không được rỗng hoặc chứa /, + hay # (nhận được {value}).",
        "zh": "MQTT 主题中的编号不能为空，也不能含有 /、+ 或 #（收到 {value}）。",
        "en": "An id in an MQTT topic must not be empty or contain /, + or # (got {value}).",
    },
    "device.checkpoint": {
        "vi": "Điểm kiểm soát không hợp lệ: {value} (chỉ nhận {allowed}).",
        "zh": "卡口无效：{value}（只接受 {allowed}）。",
        "en": "Unknown checkpoint {value} (expected one of {allowed}).",
    },
    "device.payload_too_large": {
        "vi": "Bản tin của thiết bị quá lớn (tối đa {limit} byte).",
        "zh": "设备消息过大（最多 {limit} 字节）。",
        "en": "The device message is too large (at most {limit} bytes).",
    },
    "device.payload_json": {
        "vi": "Nội dung bản tin của thiết bị không phải là một đối tượng JSON hợp lệ (UTF-8).",
        "zh": "设备消息内容不是有效的 JSON 对象（UTF-8）。",
        "en": "The device message is not a valid JSON object (UTF-8).",
    },
    "device.missing_field": {
        "vi": "Bản tin của thiết bị thiếu trường {name}.",
        "zh": "设备消息缺少字段 {name}。",
        "en": "The device message lacks the field {name}.",
    },
    "device.unknown_field": {
        "vi": "Bản tin của thiết bị có trường không được phép: {name}.",
        "zh": "设备消息含有不允许的字段：{name}。",
        "en": "The device message has a field that is not allowed: {name}.",
    },
    "device.too_long": {
        "vi": "Giá trị của trường {name} quá dài.",
        "zh": "字段 {name} 的取值过长。",
        "en": "The value of {name} is too long.",
    },
    "device.out_of_range": {
        "vi": "Giá trị của trường {name} nằm ngoài khoảng cho phép.",
        "zh": "字段 {name} 的取值超出允许范围。",
        "en": "The value of {name} is out of range.",
    },
    "device.naive_time": {
        "vi": "Thời điểm trong trường {name} phải có múi giờ (ISO 8601, ví dụ 2026-06-02T08:00:00+07:00).",
        "zh": "字段 {name} 的时间必须带时区（ISO 8601，例如 2026-06-02T08:00:00+07:00）。",
        "en": "The time in {name} needs a UTC offset (ISO 8601, e.g. 2026-06-02T08:00:00+07:00).",
    },
    "device.invalid_value": {
        "vi": "Giá trị của trường {name} không hợp lệ hoặc sai kiểu.",
        "zh": "字段 {name} 的取值无效或类型错误。",
        "en": "The value of {name} is invalid or of the wrong type.",
    },
    "device.unprocessable": {
        "vi": "Không xử lý được bản tin của thiết bị sau {attempts} lần thử; chuyển cho cán bộ xem xét.",
        "zh": "设备消息经 {attempts} 次尝试仍无法处理，已转交人工复核。",
        "en": "The device message could not be processed after {attempts} attempts; it was sent for review.",
    },
}
