"""Messages of inspection bays, the laboratory and certificate acceptance."""

MESSAGES: dict[str, dict[str, str]] = {
    "inspection.hours_invalid": {
        "vi": "Giờ làm việc không hợp lệ: cần giờ mở < giờ đóng, các ngày 0–6 (0 = thứ Hai) và múi giờ IANA.",
        "zh": "工作时间无效：开始时间须早于结束时间，星期取 0–6（0 = 星期一），时区须为 IANA 名称。",
        "en": "Invalid working hours: opens before closes, weekdays 0–6 (0 = Monday) and an IANA time zone.",
    },
    "inspection.capacity_invalid": {
        "vi": "Sức chứa phải là số nguyên từ 0 đến {max}.",
        "zh": "容量须为 0 至 {max} 之间的整数。",
        "en": "Capacity must be a whole number from 0 to {max}.",
    },
    "inspection.service_time_invalid": {
        "vi": "Thời gian xử lý phải từ 1 phút đến 14 ngày.",
        "zh": "处理时间须在 1 分钟至 14 天之间。",
        "en": "Service time must be between 1 minute and 14 days.",
    },
    "inspection.reason_required": {
        "vi": "Cần ghi rõ lý do.",
        "zh": "必须说明原因。",
        "en": "A reason is required.",
    },
    "inspection.reason_too_long": {
        "vi": "Lý do quá dài (tối đa {max} ký tự).",
        "zh": "原因过长（最多 {max} 个字符）。",
        "en": "The reason is too long (at most {max} characters).",
    },
    "inspection.outcome_invalid": {
        "vi": "Kết quả không hợp lệ ở đây; được phép: {allowed}.",
        "zh": "此处结果无效；允许：{allowed}。",
        "en": "This outcome is not allowed here; allowed: {allowed}.",
    },
    "inspection.not_queued": {
        "vi": "Lượt kiểm tra không còn chờ (trạng thái: {state}).",
        "zh": "该查验任务已不在排队（状态：{state}）。",
        "en": "The inspection job is no longer queued (state: {state}).",
    },
    "inspection.not_in_progress": {
        "vi": "Lượt kiểm tra chưa bắt đầu hoặc đã xong (trạng thái: {state}).",
        "zh": "该查验任务尚未开始或已结束（状态：{state}）。",
        "en": "The inspection job has not started or is already finished (state: {state}).",
    },
    "inspection.not_open": {
        "vi": "Lượt kiểm tra đã kết thúc (trạng thái: {state}).",
        "zh": "该查验任务已结束（状态：{state}）。",
        "en": "The inspection job is already closed (state: {state}).",
    },
    "inspection.lab_by_sample": {
        "vi": "Phòng thí nghiệm nhận mẫu từ kết quả kiểm dịch 'sample', không nhận xe trực tiếp.",
        "zh": "实验室只接收检疫查验结果为“sample”时送来的样品，不直接接收车辆。",
        "en": "The laboratory takes samples from a quarantine inspection's 'sample' outcome, not trucks directly.",
    },
    "inspection.lab_by_result": {
        "vi": "Mẫu phòng thí nghiệm được ghi kết quả qua API kết quả xét nghiệm.",
        "zh": "实验室样品须通过检测结果接口登记结果。",
        "en": "A laboratory sample's result is recorded through the laboratory result endpoint.",
    },
    "inspection.not_a_sample": {
        "vi": "Đây không phải mẫu phòng thí nghiệm.",
        "zh": "这不是实验室样品。",
        "en": "This is not a laboratory sample.",
    },
    "inspection.trip_not_at_lane": {
        "vi": "Chỉ đưa xe vào khu kiểm tra khi xe đã được gọi vào làn hoặc được giải phóng (hiện: {state}).",
        "zh": "车辆须已叫号进道或已放行方可送查验区（当前：{state}）。",
        "en": "A truck goes to a bay only once called to a lane or released (now: {state}).",
    },
    "inspection.already_open": {
        "vi": "Xe đã có một lượt {kind} đang mở.",
        "zh": "该车已有一个未结束的{kind}任务。",
        "en": "The truck already has an open {kind} job.",
    },
    "inspection.pending": {
        "vi": "Chưa thể thông quan: lượt {kind} ({agency}) {job} chưa xong.",
        "zh": "尚不能通关：{agency} 的{kind}任务 {job} 未完成。",
        "en": "Cannot clear yet: {agency}'s {kind} job {job} is still open.",
    },
    "phyto.check_blocking": {
        "vi": "Chưa thể thông quan: giấy chứng nhận KDTV (kiểm tra {check}) có sai lệch chặn"
        " chưa được kiểm dịch chấp nhận.",
        "zh": "尚不能通关：植物检疫证书（核验 {check}）存在未经检疫机构接受的阻断性差异。",
        "en": "Cannot clear yet: the phytosanitary certificate (check {check}) has blocking findings"
        " quarantine has not accepted.",
    },
    "phyto.nothing_to_accept": {
        "vi": "Giấy chứng nhận không có sai lệch chặn nào cần chấp nhận.",
        "zh": "该证书没有需要接受的阻断性差异。",
        "en": "The certificate has no blocking findings to accept.",
    },
    "phyto.already_accepted": {
        "vi": "Giấy chứng nhận này đã được chấp nhận.",
        "zh": "该证书已被接受。",
        "en": "This certificate was already accepted.",
    },
}
