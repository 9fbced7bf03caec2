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
}
