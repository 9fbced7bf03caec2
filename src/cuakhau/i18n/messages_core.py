"""Messages shared by every area: requests, lookups, conflicts, time, text, numbers, shipments and trips."""

_ENTITIES = {
    "gate": ("cửa khẩu", "口岸", "gate"),
    "enterprise": ("doanh nghiệp", "企业", "enterprise"),
    "vehicle": ("phương tiện", "车辆", "vehicle"),
    "driver": ("lái xe", "司机", "driver"),
    "shipment": ("lô hàng", "货物", "shipment"),
    "trip": ("chuyến xe", "车次", "trip"),
    "booking": ("đặt chỗ", "预约", "booking"),
    "review_item": ("mục chờ xử lý", "复核项", "review item"),
    "inspection_job": ("lượt kiểm tra", "查验任务", "inspection job"),
    "phyto_check": ("kết quả kiểm tra giấy chứng nhận KDTV", "植物检疫证书核验记录", "certificate check"),
    "lane": ("làn", "车道", "lane"),
    "yard": ("bãi chờ", "堆场", "yard"),
}

MESSAGES: dict[str, dict[str, str]] = {
    "invalid": {"vi": "Giá trị không hợp lệ.", "zh": "取值无效。", "en": "Invalid value."},
    "internal": {
        "vi": "Lỗi hệ thống. Yêu cầu chưa được thực hiện; vui lòng thử lại sau.",
        "zh": "系统内部错误，请求未被执行，请稍后重试。",
        "en": "Internal error. Nothing was changed; please try again later.",
    },
    "service.database_unavailable": {
        "vi": "Cơ sở dữ liệu tạm thời không truy cập được. Yêu cầu chưa được thực hiện; vui lòng thử lại sau ít giây.",
        "zh": "数据库暂时无法访问，请求未被执行，请几秒后重试。",
        "en": "The database is unavailable for the moment. Nothing was changed; please retry in a few seconds.",
    },
    "service.not_ready": {
        "vi": "Hệ thống chưa sẵn sàng phục vụ: {failing}.",
        "zh": "服务尚未就绪：{failing}。",
        "en": "The service is not ready: {failing}.",
    },
    "service.busy": {
        "vi": "Hệ thống đang quá tải. Yêu cầu chưa được thực hiện; vui lòng thử lại sau {retry_after} giây.",
        "zh": "系统繁忙，请求未被执行，请 {retry_after} 秒后重试。",
        "en": "The service is busy. Nothing was changed; please retry in {retry_after} seconds.",
    },
    # --- the request itself ---
    "request.timeout": {
        "vi": "Yêu cầu gửi đến quá chậm nên kết nối đã bị đóng; vui lòng gửi lại.",
        "zh": "请求发送过慢，连接已关闭，请重新发送。",
        "en": "The request arrived too slowly and the connection was closed; please send it again.",
    },
    "request.invalid": {"vi": "Yêu cầu không hợp lệ.", "zh": "请求无效。", "en": "Invalid request."},
    "request.malformed": {
        "vi": "Không đọc được yêu cầu.",
        "zh": "无法读取请求。",
        "en": "The request cannot be read.",
    },
    "request.malformed_json": {
        "vi": "Nội dung gửi lên không phải JSON hợp lệ.",
        "zh": "请求体不是有效的 JSON。",
        "en": "The request body is not valid JSON.",
    },
    "request.too_large": {
        "vi": "Nội dung gửi lên quá lớn (tối đa {max_bytes} byte).",
        "zh": "请求体过大（最多 {max_bytes} 字节）。",
        "en": "The request body is too large (at most {max_bytes} bytes).",
    },
    "request.missing_field": {
        "vi": "Thiếu trường bắt buộc.",
        "zh": "缺少必填字段。",
        "en": "A required field is missing.",
    },
    "request.unknown_field": {
        "vi": "Trường không được hỗ trợ; hãy kiểm tra chính tả tên trường.",
        "zh": "不支持的字段，请检查字段名称。",
        "en": "Unknown field; check the field name.",
    },
    "request.invalid_type": {
        "vi": "Kiểu dữ liệu không đúng ({expected}).",
        "zh": "数据类型不正确（{expected}）。",
        "en": "Wrong type of value ({expected}).",
    },
    "request.too_long": {"vi": "Giá trị quá dài.", "zh": "取值过长。", "en": "The value is too long."},
    "request.out_of_range": {
        "vi": "Giá trị nằm ngoài khoảng cho phép ({expected}).",
        "zh": "取值超出允许范围（{expected}）。",
        "en": "The value is out of range ({expected}).",
    },
    "request.not_allowed": {
        "vi": "Giá trị không thuộc danh sách cho phép ({expected}).",
        "zh": "取值不在允许的列表中（{expected}）。",
        "en": "The value is not one of those allowed ({expected}).",
    },
    "route.not_found": {"vi": "Không có đường dẫn này.", "zh": "该路径不存在。", "en": "No such path."},
    "route.method_not_allowed": {
        "vi": "Phương thức không được hỗ trợ cho đường dẫn này.",
        "zh": "该路径不支持此方法。",
        "en": "Method not allowed for this path.",
    },
    # --- conflicts ---
    "conflict": {"vi": "Xung đột dữ liệu.", "zh": "数据冲突。", "en": "Conflict."},
    "concurrent_update": {
        "vi": "Dữ liệu vừa được người khác thay đổi; vui lòng tải lại và thử lại.",
        "zh": "数据刚被他人修改，请刷新后重试。",
        "en": "Somebody else changed this just now; reload and try again.",
    },
    "trip.illegal_transition": {
        "vi": "Chuyến xe đang ở trạng thái «{state}», không thể thực hiện «{action}». Được phép: {allowed}.",
        "zh": "车次当前状态为「{state}」，不能执行「{action}」。允许的操作：{allowed}。",
        "en": "The trip is {state}; it cannot take the step '{action}'. Allowed: {allowed}.",
    },
    "enterprise.duplicate": {
        "vi": "Doanh nghiệp có mã số thuế {tax_id} đã được đăng ký.",
        "zh": "税号为 {tax_id} 的企业已登记。",
        "en": "An enterprise with tax id {tax_id} is already registered.",
    },
    "vehicle.type_required": {
        "vi": "Biển số {plate} không thuộc sê-ri thường dùng cho xe chở hàng: hãy khai loại xe theo giấy đăng ký "
        "(xe tải, ô tô đầu kéo, xe tải van, rơ moóc hoặc sơ mi rơ moóc) cùng số giấy đăng ký.",
        "zh": "车牌 {plate} 不属于货运车辆常用号段：请按行驶证/登记证书申报车辆类型（货车、牵引车、厢式货车、"
        "全挂车或半挂车）及登记证书编号。",
        "en": "Plate {plate} is not of a series goods vehicles usually carry: declare the vehicle's type as its "
        "registration states it (truck, tractor unit, van, trailer or semi-trailer) with the registration number.",
    },
    "vehicle.registration_missing": {
        "vi": "Chưa nhập số giấy chứng nhận đăng ký xe: loại xe được lấy từ giấy đăng ký.",
        "zh": "请填写机动车登记证书编号：车辆类型以登记证书为准。",
        "en": "The registration certificate number is missing: the vehicle's type is taken from its registration.",
    },
    "vehicle.registration_invalid": {
        "vi": "Số giấy đăng ký xe {value} không đúng dạng ({country}): giấy đăng ký Việt Nam có 6 đến 8 chữ số, "
        "có thể sau tối đa ba chữ cái (ví dụ 012345); giấy đăng ký Trung Quốc có 12 chữ số.",
        "zh": "登记证书编号 {value} 格式不正确（{country}）：越南登记证为 6 至 8 位数字，前面可有至多三个字母"
        "（如 012345）；中国机动车登记证书编号为 12 位数字。",
        "en": "Registration number {value} does not have the right shape ({country}): a Vietnamese certificate has "
        "6 to 8 digits, possibly after up to three letters (e.g. 012345); a Chinese one has 12 digits.",
    },
    # warnings kept with a vehicle, shown to officers (never refusals)
    "vehicle.type_from_plate": {
        "vi": "Loại xe chưa được khai theo giấy đăng ký; tạm lấy theo biển số {plate}. Cần đối chiếu giấy đăng ký.",
        "zh": "未按登记证书申报车辆类型，暂按车牌 {plate} 推定，请核对登记证书。",
        "en": "The vehicle's type was not declared from its registration; it is taken from plate {plate} for now. "
        "Check the registration certificate.",
    },
    "vehicle.series_not_goods": {
        "vi": "Biển số {plate} có sê-ri {series}, thường không phải của xe chở hàng; loại xe theo giấy đăng ký là "
        "căn cứ, cần đối chiếu.",
        "zh": "车牌 {plate} 的号段 {series} 通常不属于货运车辆；以登记证书的车辆类型为准，请核对。",
        "en": "Plate {plate} has series {series}, which is not usually a goods vehicle's; the registered type "
        "stands, but check the registration.",
    },
    "vehicle.plate_not_goods": {
        "vi": "Biển số {plate} thường không phải của xe chở hàng (xe con, xe chuyên dùng); loại xe theo giấy "
        "đăng ký là căn cứ, cần đối chiếu.",
        "zh": "车牌 {plate} 通常不属于货运车辆（小型车或专用号牌）；以登记证书的车辆类型为准，请核对。",
        "en": "Plate {plate} is not usually a goods vehicle's (a car or special-use plate); the registered type "
        "stands, but check the registration.",
    },
    "vehicle.towed_with_motor_plate": {
        "vi": "Xe được khai là rơ moóc hoặc sơ mi rơ moóc nhưng biển số {plate} là biển xe cơ giới; cần đối chiếu.",
        "zh": "车辆申报为挂车，但车牌 {plate} 是机动车号牌，请核对。",
        "en": "Declared as a trailer or semi-trailer, but {plate} is a motor vehicle's plate; check the registration.",
    },
    "vehicle.motor_with_trailer_plate": {
        "vi": "Xe được khai là xe cơ giới nhưng biển số {plate} là biển rơ moóc; cần đối chiếu.",
        "zh": "车辆申报为机动车，但车牌 {plate} 是挂车号牌，请核对。",
        "en": "Declared as a motor vehicle, but {plate} is a trailer's plate; check the registration.",
    },
    "vehicle.duplicate": {
        "vi": "Biển số {plate} đã được đăng ký.",
        "zh": "车牌 {plate} 已登记。",
        "en": "Plate {plate} is already registered.",
    },
    "vehicle.plate_on_open_trip": {
        "vi": "Xe {plate} đang có chuyến chưa kết thúc nên chưa thể đổi biển số: chuyến xe, lịch hẹn và camera "
        "ở cửa khẩu nhận xe theo biển này. Hãy đổi sau khi chuyến kết thúc hoặc được hủy.",
        "zh": "车辆 {plate} 有未结束的车次，暂不能更改车牌：车次、预约和口岸摄像头均按此车牌识别车辆。"
        "请在车次结束或取消后再更改。",
        "en": "Vehicle {plate} is on a trip that has not ended, so its plate cannot change yet: the trip, its "
        "booking and the gate's cameras know the truck by it. Change it once the trip is over or cancelled.",
    },
    "driver.duplicate": {
        "vi": "Lái xe với giấy tờ này đã được đăng ký.",
        "zh": "持此证件的司机已登记。",
        "en": "A driver with this document is already registered.",
    },
    "gate.duplicate": {"vi": "Cửa khẩu đã tồn tại.", "zh": "口岸已存在。", "en": "The gate already exists."},
    "shipment.duplicate": {
        "vi": "Lô hàng đã tồn tại.",
        "zh": "货物已存在。",
        "en": "The shipment already exists.",
    },
    "trip.duplicate": {"vi": "Chuyến xe đã tồn tại.", "zh": "车次已存在。", "en": "The trip already exists."},
    # --- generic values ---
    "time.naive": {
        "vi": "Thời gian phải có múi giờ (ví dụ 2026-11-23T08:00:00+07:00).",
        "zh": "时间必须带时区（例如 2026-11-23T08:00:00+08:00）。",
        "en": "The time must include a time zone offset (e.g. 2026-11-23T08:00:00+07:00).",
    },
    "time.invalid": {
        "vi": "Thời gian không hợp lệ: {value} (dạng ISO 8601, ví dụ 2026-11-23T08:00:00+07:00).",
        "zh": "时间格式无效：{value}（应为 ISO 8601，例如 2026-11-23T08:00:00+08:00）。",
        "en": "Not a valid time: {value} (ISO 8601, e.g. 2026-11-23T08:00:00+07:00).",
    },
    "time.end_before_start": {
        "vi": "Thời điểm kết thúc phải sau thời điểm bắt đầu.",
        "zh": "结束时间必须晚于开始时间。",
        "en": "The end must come after the start.",
    },
    "reason.required": {"vi": "Phải nêu lý do.", "zh": "必须说明理由。", "en": "A reason is required."},
    "number.not_positive": {
        "vi": "Giá trị phải lớn hơn 0 (nhận được {value}).",
        "zh": "取值必须大于 0（收到 {value}）。",
        "en": "The value must be greater than 0 (got {value}).",
    },
    "number.invalid": {
        "vi": "«{value}» không phải là số.",
        "zh": "「{value}」不是数字。",
        "en": "'{value}' is not a number.",
    },
    "text.required": {"vi": "Không được để trống.", "zh": "不能为空。", "en": "Must not be empty."},
    "text.too_long": {
        "vi": "Quá dài (tối đa {max} ký tự).",
        "zh": "过长（最多 {max} 个字符）。",
        "en": "Too long (at most {max} characters).",
    },
    "phone.invalid": {
        "vi": "Số điện thoại «{value}» không hợp lệ.",
        "zh": "电话号码「{value}」无效。",
        "en": "Phone number '{value}' is not valid.",
    },
    "country.invalid": {
        "vi": "«{value}» không phải mã quốc gia ISO 3166 hai chữ (ví dụ VN, CN).",
        "zh": "「{value}」不是 ISO 3166 两位国家代码（例如 VN、CN）。",
        "en": "'{value}' is not an ISO 3166 two-letter country code (e.g. VN, CN).",
    },
    "enum.invalid": {
        "vi": "«{value}» không hợp lệ. Giá trị cho phép: {allowed}.",
        "zh": "「{value}」无效。允许的取值：{allowed}。",
        "en": "'{value}' is not valid. Allowed: {allowed}.",
    },
    "registry_code.invalid": {
        "vi": "Mã «{value}» không hợp lệ (chỉ gồm chữ in hoa, chữ số và - . /).",
        "zh": "代码「{value}」无效（只能包含大写字母、数字和 - . /）。",
        "en": "Code '{value}' is not valid (capital letters, digits and - . / only).",
    },
    "actor.id": {
        "vi": "Thiếu mã người thực hiện.",
        "zh": "缺少操作人标识。",
        "en": "The actor id is missing.",
    },
    "actor.role_not_allowed": {
        "vi": "Vai trò «{role}» không được phép thực hiện thao tác này.",
        "zh": "角色「{role}」无权执行此操作。",
        "en": "The role '{role}' may not do this.",
    },
    "closure.in_past": {
        "vi": "Lịch đóng cửa đã kết thúc trong quá khứ.",
        "zh": "该闭关时段已经结束。",
        "en": "The closure would already be over.",
    },
    "enterprise.no_role": {
        "vi": "Doanh nghiệp cần ít nhất một vai trò.",
        "zh": "企业至少需要一个角色。",
        "en": "The enterprise needs at least one role.",
    },
    # --- shipments ---
    "weight.not_positive": {
        "vi": "Khối lượng phải lớn hơn 0 kg (nhận được {value}).",
        "zh": "重量必须大于 0 千克（收到 {value}）。",
        "en": "The weight must be greater than 0 kg (got {value}).",
    },
    "weight.gross_below_net": {
        "vi": "Khối lượng cả bì ({gross} kg) không được nhỏ hơn khối lượng tịnh ({net} kg).",
        "zh": "毛重（{gross} 千克）不能小于净重（{net} 千克）。",
        "en": "The gross weight ({gross} kg) cannot be less than the net weight ({net} kg).",
    },
    "weight.too_large": {
        "vi": "Khối lượng {value} kg vượt quá {max} kg; hãy kiểm tra đơn vị.",
        "zh": "重量 {value} 千克超过 {max} 千克，请检查单位。",
        "en": "A weight of {value} kg is over {max} kg; check the unit.",
    },
    "packages.not_positive": {
        "vi": "Số kiện phải là số nguyên lớn hơn 0.",
        "zh": "件数必须是大于 0 的整数。",
        "en": "The number of packages must be a whole number above 0.",
    },
    "value.negative": {
        "vi": "Trị giá không được âm.",
        "zh": "货值不能为负。",
        "en": "The value cannot be negative.",
    },
    "shipment.no_lines": {
        "vi": "Lô hàng cần ít nhất một dòng hàng.",
        "zh": "货物至少需要一个商品项。",
        "en": "A shipment needs at least one cargo line.",
    },
    "shipment.too_many_lines": {
        "vi": "Tối đa {max} dòng hàng.",
        "zh": "最多 {max} 个商品项。",
        "en": "At most {max} cargo lines.",
    },
    # --- trips ---
    "trip.reason_required": {
        "vi": "Thao tác «{action}» bắt buộc phải nêu lý do.",
        "zh": "执行「{action}」必须说明理由。",
        "en": "The step '{action}' must give a reason.",
    },
    "trip.container_duplicate": {
        "vi": "Số container bị lặp.",
        "zh": "集装箱号重复。",
        "en": "A container number is listed twice.",
    },
    "trip.shipment_one_of": {
        "vi": "Cần đúng một trong hai: shipment_id hoặc shipment.",
        "zh": "shipment_id 与 shipment 必须且只能提供一个。",
        "en": "Give exactly one of shipment_id or shipment.",
    },
    "trip.too_many_containers": {
        "vi": "Tối đa {max} container trên một xe.",
        "zh": "每车最多 {max} 个集装箱。",
        "en": "At most {max} containers on one truck.",
    },
    "trip.no_lane": {
        "vi": "Cửa khẩu {gate} không có làn cho chiều {direction}.",
        "zh": "口岸 {gate} 没有 {direction} 方向的车道。",
        "en": "Gate {gate} has no lane for {direction}.",
    },
    "trip.vehicle_is_trailer": {
        "vi": "{plate} là rơ moóc; hãy khai báo xe đầu kéo ở vehicle_id và rơ moóc ở trailer_id.",
        "zh": "{plate} 是挂车；请在 vehicle_id 填牵引车，在 trailer_id 填挂车。",
        "en": "{plate} is a trailer; give the tractor as vehicle_id and the trailer as trailer_id.",
    },
    "trip.not_a_trailer": {
        "vi": "{plate} không phải rơ moóc.",
        "zh": "{plate} 不是挂车。",
        "en": "{plate} is not a trailer.",
    },
    "trip.declare_via_post": {
        "vi": "Khai báo chuyến xe bằng POST /api/v1/trips.",
        "zh": "请通过 POST /api/v1/trips 申报车次。",
        "en": "Declare a trip with POST /api/v1/trips.",
    },
}

for _entity, (_vi, _zh, _en) in _ENTITIES.items():
    MESSAGES[f"{_entity}.not_found"] = {
        "vi": f"Không tìm thấy {_vi} «{{key}}».",
        "zh": f"未找到{_zh}「{{key}}」。",
        "en": f"No {_en} '{{key}}'.",
    }
