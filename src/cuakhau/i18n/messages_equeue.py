"""Messages of the electronic queue: bookings, idempotency, acceptance, dispatch gating, the plant registry."""

MESSAGES: dict[str, dict[str, str]] = {
    "allocation.capacity": {
        "vi": "Năng lực của {resource} phải là số nguyên không âm cho từng khung giờ.",
        "zh": "{resource} 的各时段容量必须为非负整数。",
        "en": "The capacity of {resource} must be a whole number, zero or more, for every slot.",
    },
    "allocation.unknown_resource": {
        "vi": "Không có năng lực khai báo cho {resource}.",
        "zh": "未声明 {resource} 的容量。",
        "en": "No capacity is declared for {resource}.",
    },
    "booking.window_too_narrow": {
        "vi": "Khung giờ đến phải rộng ít nhất {min_hours} giờ.",
        "zh": "到达时间窗至少需要 {min_hours} 小时。",
        "en": "The arrival window must be at least {min_hours} hours wide.",
    },
    "booking.window_too_wide": {
        "vi": "Khung giờ đến không được rộng quá {max_hours} giờ.",
        "zh": "到达时间窗不能超过 {max_hours} 小时。",
        "en": "The arrival window may be at most {max_hours} hours wide.",
    },
    "booking.window_in_past": {
        "vi": "Khung giờ đến đã qua.",
        "zh": "到达时间窗已过。",
        "en": "The arrival window is already over.",
    },
    "booking.too_far_ahead": {
        "vi": "Chỉ được đặt trước tối đa {days} ngày.",
        "zh": "最多只能提前 {days} 天预约。",
        "en": "Slots can be booked at most {days} days ahead.",
    },
    "booking.travel_minutes": {
        "vi": "Thời gian di chuyển {value} phút không hợp lệ.",
        "zh": "行驶时间 {value} 分钟无效。",
        "en": "A travel time of {value} minutes is not valid.",
    },
    "booking.exists": {
        "vi": "Chuyến xe đã có đặt chỗ ({status}); hãy đổi lịch thay vì đặt lại.",
        "zh": "该车次已有预约（{status}），请改期而不是重新预约。",
        "en": "The trip already has a booking ({status}); reschedule it instead.",
    },
    "booking.trip_not_declared": {
        "vi": "Chỉ đặt chỗ được cho chuyến xe ở trạng thái «declared» (hiện tại: «{state}»).",
        "zh": "只有处于「declared」状态的车次才能预约（当前：「{state}」）。",
        "en": "Only a declared trip can be booked (it is {state}).",
    },
    "booking.suspended": {
        "vi": "Doanh nghiệp bị tạm ngừng đặt chỗ đến {until} do {rule} lần không đến đúng hẹn.",
        "zh": "因 {rule} 次未按预约到达，企业预约资格暂停至 {until}。",
        "en": "Booking is suspended until {until} after {rule} no-shows.",
    },
    "booking.not_open": {
        "vi": "Đặt chỗ đã kết thúc ({status}).",
        "zh": "预约已结束（{status}）。",
        "en": "The booking is closed ({status}).",
    },
    "booking.illegal_move": {
        "vi": "Đặt chỗ đang ở trạng thái «{status}», không thể thực hiện «{action}». Được phép: {allowed}.",
        "zh": "预约当前状态为「{status}」，不能执行「{action}」。允许的操作：{allowed}。",
        "en": "The booking is {status}; it cannot take the step '{action}'. Allowed: {allowed}.",
    },
    "booking.too_many_changes": {
        "vi": "Đã đổi lịch tối đa {max} lần.",
        "zh": "已达到最多 {max} 次改期。",
        "en": "The booking has been changed the maximum {max} times.",
    },
    "booking.on_the_road": {
        "vi": "Xe đã lên đường ({state}); không thể đổi lịch.",
        "zh": "车辆已出发（{state}），不能改期。",
        "en": "The truck is already on its way ({state}); the booking cannot change.",
    },
    "booking.vehicle_busy": {
        "vi": "Xe này đang có một đặt chỗ khác còn hiệu lực.",
        "zh": "该车辆已有另一个有效预约。",
        "en": "This vehicle already holds another open booking.",
    },
    "booking.arrived_late": {
        "vi": "Xe đến sau khung giờ {slot_start} và thời gian ân hạn: bị tính là không đến đúng hẹn.",
        "zh": "车辆晚于预约时段 {slot_start} 及宽限时间到达，按未按时到达处理。",
        "en": "The truck arrived after its slot {slot_start} plus the grace period: it counts as a no-show.",
    },
    "idempotency.key_required": {
        "vi": "Cần tiêu đề Idempotency-Key để gửi lại an toàn.",
        "zh": "需要 Idempotency-Key 请求头以便安全重试。",
        "en": "An Idempotency-Key header is required so the request can be retried safely.",
    },
    "idempotency.mismatch": {
        "vi": "Idempotency-Key này đã được dùng cho một yêu cầu khác.",
        "zh": "该 Idempotency-Key 已用于另一个不同的请求。",
        "en": "This Idempotency-Key was used for a different request.",
    },
    "idempotency.in_flight": {
        "vi": "Một yêu cầu cùng Idempotency-Key đang được xử lý; hãy thử lại.",
        "zh": "相同 Idempotency-Key 的请求正在处理中，请重试。",
        "en": "A request with the same Idempotency-Key is being processed; try again.",
    },
    "acceptance.empty": {
        "vi": "Cần khai báo hạn mức ngày hoặc hạn mức giờ.",
        "zh": "需要申报每日或每小时的接收量。",
        "en": "Declare a daily or an hourly quota.",
    },
    "dispatch.refused": {
        "vi": "Xe chưa được xuất phát: {count} điều kiện chưa đạt (xem chi tiết).",
        "zh": "车辆暂不能发车：{count} 项条件未满足（见详情）。",
        "en": "The truck may not leave yet: {count} condition(s) not met (see details).",
    },
    "dispatch.no_slot": {
        "vi": "Chưa có khung giờ qua cửa khẩu.",
        "zh": "尚未获得通关时段。",
        "en": "The trip has no slot at the gate.",
    },
    "dispatch.too_early": {
        "vi": "Còn quá sớm: khung giờ {slot_start}, chỉ xuất phát sau {leave_after} để không phải chờ ở biên giới.",
        "zh": "出发过早：时段为 {slot_start}，请在 {leave_after} 之后出发，以免在口岸等候。",
        "en": "Too early: the slot is {slot_start}; leave after {leave_after} so as not to wait at the border.",
    },
    "dispatch.slot_missed": {
        "vi": "Đã lỡ khung giờ; hãy đổi lịch.",
        "zh": "已错过预约时段，请改期。",
        "en": "The slot has been missed; reschedule.",
    },
    "dispatch.no_phytosanitary_certificate": {
        "vi": "Thiếu số giấy chứng nhận kiểm dịch thực vật.",
        "zh": "缺少植物检疫证书编号。",
        "en": "The phytosanitary certificate number is missing.",
    },
    "dispatch.no_planting_area_code": {
        "vi": "Thiếu mã số vùng trồng.",
        "zh": "缺少种植园登记号。",
        "en": "The planting-area code is missing.",
    },
    "dispatch.no_packing_house_code": {
        "vi": "Thiếu mã số cơ sở đóng gói.",
        "zh": "缺少包装厂登记号。",
        "en": "The packing-house code is missing.",
    },
    "dispatch.unregistered_planting_area": {
        "vi": "Mã số vùng trồng {value} không có trong danh sách được phép hoặc đang bị tạm dừng.",
        "zh": "种植园登记号 {value} 不在注册名单中或已暂停。",
        "en": "Planting-area code {value} is not registered or is suspended.",
    },
    "dispatch.unregistered_packing_house": {
        "vi": "Mã số cơ sở đóng gói {value} không có trong danh sách được phép hoặc đang bị tạm dừng.",
        "zh": "包装厂登记号 {value} 不在注册名单中或已暂停。",
        "en": "Packing-house code {value} is not registered or is suspended.",
    },
    "trip.book_via_booking": {
        "vi": "Đặt chỗ bằng POST /api/v1/trips/{{id}}/booking.",
        "zh": "请通过 POST /api/v1/trips/{{id}}/booking 预约。",
        "en": "Book with POST /api/v1/trips/{{id}}/booking.",
    },
    "config.webhook_secret": {
        "vi": "Đã đặt CUAKHAU_WEBHOOK_URL nhưng thiếu CUAKHAU_WEBHOOK_SECRET để ký thông báo.",
        "zh": "已设置 CUAKHAU_WEBHOOK_URL，但缺少用于签名的 CUAKHAU_WEBHOOK_SECRET。",
        "en": "CUAKHAU_WEBHOOK_URL is set but CUAKHAU_WEBHOOK_SECRET, which signs the notifications, is not.",
    },
    "allocation.duplicate_request": {
        "vi": "Một yêu cầu xuất hiện hai lần trong cùng một kế hoạch.",
        "zh": "同一计划中某个请求出现了两次。",
        "en": "A request appears twice in one plan.",
    },
    "registry.columns": {
        "vi": "Tệp thiếu cột: {missing}.",
        "zh": "文件缺少列：{missing}。",
        "en": "The file lacks columns: {missing}.",
    },
    "registry.too_many_rows": {
        "vi": "Tệp có quá {max} dòng.",
        "zh": "文件超过 {max} 行。",
        "en": "The file has more than {max} rows.",
    },
    "registry.duplicate": {
        "vi": "Mã {code} bị lặp.",
        "zh": "代码 {code} 重复。",
        "en": "Code {code} appears twice.",
    },
    # The standby list (issue 21.11): refusals, and the sentence a moved truck reads.
    "standby.not_eligible": {
        "vi": "Chuyến xe này không thể vào danh sách chờ dự phòng: chỉ chuyến đang trong danh sách chờ hoặc đã có "
        "khung giờ muộn hơn mới được đăng ký.",
        "zh": "该车次不能加入候补名单：只有在等候名单上或已预约较晚时段的车次才可加入。",
        "en": "This trip cannot stand by: only a trip on the waiting list or booked for a later slot may.",
    },
    "standby.reach_out_of_range": {
        "vi": "Thời gian xe cần để đến cửa khẩu phải từ {min} đến {max} phút.",
        "zh": "车辆到达口岸所需时间必须在 {min} 到 {max} 分钟之间。",
        "en": "The time the truck needs to reach the gate must be between {min} and {max} minutes.",
    },
    "standby.wrong_day": {
        "vi": "Chỉ được chờ dự phòng cho ngày trước hoặc đúng ngày của khung giờ đã đặt ({day}).",
        "zh": "只能在已预约时段当天或之前候补（{day}）。",
        "en": "A trip may stand by only on or before the day of its booked slot ({day}).",
    },
    "standby.not_standing_by": {
        "vi": "Chuyến xe này không có trong danh sách chờ dự phòng.",
        "zh": "该车次不在候补名单上。",
        "en": "This trip is not on the standby list.",
    },
    "standby.freed.cancelled": {
        "vi": "Xe được chuyển vào khung giờ {slot} từ danh sách chờ dự phòng: một chỗ được giải phóng do một xe "
        "hủy đặt chỗ.",
        "zh": "车辆已从候补名单调入 {slot} 时段：另一车辆取消预约，空出一个位置。",
        "en": "Moved from the standby list into the {slot} slot: a place was freed by a cancellation.",
    },
    "standby.freed.no_show": {
        "vi": "Xe được chuyển vào khung giờ {slot} từ danh sách chờ dự phòng: một chỗ được giải phóng do một xe "
        "không đến.",
        "zh": "车辆已从候补名单调入 {slot} 时段：另一车辆未按预约到达，空出一个位置。",
        "en": "Moved from the standby list into the {slot} slot: a place was freed by a no-show.",
    },
    "standby.freed.late": {
        "vi": "Xe được chuyển vào khung giờ {slot} từ danh sách chờ dự phòng: một chỗ được giải phóng do một xe "
        "đến muộn quá {grace} phút.",
        "zh": "车辆已从候补名单调入 {slot} 时段：另一车辆迟到超过 {grace} 分钟，空出一个位置。",
        "en": "Moved from the standby list into the {slot} slot: a place was freed by a truck more than {grace} "
        "minutes late.",
    },
}
