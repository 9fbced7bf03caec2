"""Messages of the customs risk channel: channel names, the reasons behind a channel, officers' results."""

MESSAGES: dict[str, dict[str, str]] = {
    # channel names, for screens and reports
    "channel.green": {"vi": "Luồng xanh", "zh": "绿色通道", "en": "Green channel"},
    "channel.yellow": {"vi": "Luồng vàng", "zh": "黄色通道", "en": "Yellow channel"},
    "channel.red": {"vi": "Luồng đỏ", "zh": "红色通道", "en": "Red channel"},
    # reasons kept with each channel decision
    "risk.commodity": {
        "vi": "Rủi ro mặt hàng: mã HS {hs} thuộc nhóm {prefix}, điểm {score}.",
        "zh": "商品风险：商品编码 {hs} 属于 {prefix}，评分 {score}。",
        "en": "Commodity risk: HS {hs} falls under {prefix}, score {score}.",
    },
    "risk.commodity_default": {
        "vi": "Rủi ro mặt hàng: mã HS {hs} không có trong bảng, áp dụng điểm mặc định {score}.",
        "zh": "商品风险：商品编码 {hs} 未列入风险表，采用默认评分 {score}。",
        "en": "Commodity risk: HS {hs} is not listed, default score {score}.",
    },
    "risk.history": {
        "vi": "Lịch sử tuân thủ: {declarations} tờ khai, {holds} lần tạm dừng, {rejections} lần từ chối, "
        "{findings} lần phát hiện vi phạm; điểm {score}.",
        "zh": "守法记录：{declarations} 份报关单，暂扣 {holds} 次，不予放行 {rejections} 次，"
        "查验发现问题 {findings} 次；评分 {score}。",
        "en": "Compliance history: {declarations} declarations, {holds} holds, {rejections} rejections, "
        "{findings} inspection findings; score {score}.",
    },
    "risk.new_enterprise": {
        "vi": "Doanh nghiệp mới hoặc ít lịch sử ({declarations} tờ khai): điểm {score}.",
        "zh": "新企业或记录较少（{declarations} 份报关单）：评分 {score}。",
        "en": "New enterprise or short record ({declarations} declarations): score {score}.",
    },
    "risk.perishability": {
        "vi": "Tính chất hàng hóa ({perishability}): điểm {score}.",
        "zh": "货物易腐类别（{perishability}）：评分 {score}。",
        "en": "Perishability ({perishability}): score {score}.",
    },
    "risk.score": {
        "vi": "Tổng điểm rủi ro {score}; ngưỡng luồng đỏ {red_threshold}, luồng vàng {yellow_threshold}.",
        "zh": "综合风险评分 {score}；红色通道阈值 {red_threshold}，黄色通道阈值 {yellow_threshold}。",
        "en": "Risk score {score}; red threshold {red_threshold}, yellow threshold {yellow_threshold}.",
    },
    "risk.random_sample.red": {
        "vi": "Được chọn ngẫu nhiên vào luồng đỏ (tỷ lệ {rate}, số rút {draw}).",
        "zh": "随机抽中红色通道（比例 {rate}，抽样值 {draw}）。",
        "en": "Selected at random for the red channel (rate {rate}, draw {draw}).",
    },
    "risk.random_sample.yellow": {
        "vi": "Được chọn ngẫu nhiên vào luồng vàng (tỷ lệ {rate}, số rút {draw}).",
        "zh": "随机抽中黄色通道（比例 {rate}，抽样值 {draw}）。",
        "en": "Selected at random for the yellow channel (rate {rate}, draw {draw}).",
    },
    "risk.rule.watch_list": {
        "vi": "Mã HS {hs} thuộc danh sách theo dõi ({prefix}): luồng đỏ.",
        "zh": "商品编码 {hs} 属于重点监控清单（{prefix}）：红色通道。",
        "en": "HS {hs} is on the watch list ({prefix}): red channel.",
    },
    "risk.rule.recent_rejection": {
        "vi": "Doanh nghiệp bị từ chối thông quan ngày {last_rejection}, trong vòng {days} ngày: ít nhất luồng vàng.",
        "zh": "企业于 {last_rejection} 被不予放行，在 {days} 天之内：至少黄色通道。",
        "en": "The enterprise had a rejection on {last_rejection}, within {days} days: at least yellow channel.",
    },
    # errors
    "customs.already_decided": {
        "vi": "Tờ khai {declaration_id} đã có quyết định của hải quan ({result}); không ghi nhận quyết định thứ hai.",
        "zh": "报关单 {declaration_id} 已有海关决定（{result}），不再记录第二个决定。",
        "en": "Declaration {declaration_id} already has customs' decision ({result}); a second one is not recorded.",
    },
    "customs.already_held": {
        "vi": "Tờ khai {declaration_id} đang bị tạm dừng.",
        "zh": "报关单 {declaration_id} 已处于暂扣状态。",
        "en": "Declaration {declaration_id} is already on hold.",
    },
    "customs.reason_required": {
        "vi": "Phải nêu lý do khi ghi kết quả {result}.",
        "zh": "记录结果 {result} 时必须说明理由。",
        "en": "A reason is required to record {result}.",
    },
    "customs.officer_required": {
        "vi": "Thiếu mã công chức hải quan (tối đa 128 ký tự).",
        "zh": "缺少海关关员编号（最多 128 个字符）。",
        "en": "The customs officer id is missing or longer than 128 characters.",
    },
    "customs.result_before_decision": {
        "vi": "Thời điểm ghi kết quả {at} sớm hơn bước trước ({decided_at}).",
        "zh": "结果时间 {at} 早于上一步（{decided_at}）。",
        "en": "The result time {at} is before the previous step ({decided_at}).",
    },
    "customs.wrong_declaration": {
        "vi": "Kết quả của tờ khai {declaration_id} không thuộc tờ khai {expected}.",
        "zh": "报关单 {declaration_id} 的结果不属于报关单 {expected}。",
        "en": "A result for declaration {declaration_id} does not belong to declaration {expected}.",
    },
    "customs.declaration_id": {
        "vi": "Thiếu số tờ khai (tối đa 128 ký tự).",
        "zh": "缺少报关单编号（最多 128 个字符）。",
        "en": "The declaration id is missing or longer than 128 characters.",
    },
    "customs.rates_invalid": {
        "vi": "Tỷ lệ luồng phải từ 0 đến 1 và tổng không quá 1 (đỏ {red}, vàng {yellow}).",
        "zh": "通道比例须在 0 到 1 之间且合计不超过 1（红 {red}，黄 {yellow}）。",
        "en": "Channel rates must lie between 0 and 1 and add up to at most 1 (red {red}, yellow {yellow}).",
    },
    "customs.random_above_target": {
        "vi": "Tỷ lệ chọn ngẫu nhiên (đỏ {random_red}, vàng {random_yellow}) vượt tỷ lệ mục tiêu "
        "(đỏ {red}, vàng {yellow}).",
        "zh": "随机抽样比例（红 {random_red}，黄 {random_yellow}）超过目标比例（红 {red}，黄 {yellow}）。",
        "en": "Random sampling rates (red {random_red}, yellow {random_yellow}) exceed the targets "
        "(red {red}, yellow {yellow}).",
    },
    "customs.hs_prefix_invalid": {
        "vi": "Tiền tố mã HS phải gồm 2, 4 hoặc 6 chữ số (nhận được {value}).",
        "zh": "商品编码前缀须为 2、4 或 6 位数字（收到 {value}）。",
        "en": "An HS prefix must have 2, 4 or 6 digits (got {value}).",
    },
    "customs.profile_invalid": {
        "vi": "Giá trị {name} của hồ sơ phân luồng không hợp lệ ({value}).",
        "zh": "分流参数 {name} 无效（{value}）。",
        "en": "The selectivity profile value {name} is invalid ({value}).",
    },
    "customs.history_invalid": {
        "vi": "Số liệu lịch sử {name} phải là số nguyên không âm (nhận được {value}).",
        "zh": "记录数 {name} 须为非负整数（收到 {value}）。",
        "en": "History count {name} must be a non-negative integer (got {value}).",
    },
    "customs.capacity_invalid": {
        "vi": "Năng lực kiểm tra {name} không hợp lệ ({value}).",
        "zh": "查验能力 {name} 无效（{value}）。",
        "en": "Inspection capacity {name} is invalid ({value}).",
    },
    "customs.no_decision": {
        "vi": "Tờ khai chưa được phân luồng (xe chưa vào bãi; trạng thái {state}).",
        "zh": "报关单尚未分流（车辆未进入堆场；当前状态 {state}）。",
        "en": "The declaration has no channel yet (the truck has not reached the yard; state {state}).",
    },
    "customs.trip_not_at_gate": {
        "vi": "Không thể ghi kết quả {result} khi chuyến xe ở trạng thái {state}.",
        "zh": "车次状态为 {state} 时不能记录 {result} 结果。",
        "en": "A {result} result cannot be recorded while the trip is {state}.",
    },
}
