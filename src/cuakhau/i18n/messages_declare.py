"""Messages of a declaration: every field error at once, what a trip may claim, a consignment split over trucks."""

_ON_TRIP = {
    "vi": "xe {plate} tại cửa khẩu {gate} ({state}, khai báo lúc {declared})",
    "zh": "车辆 {plate}，{gate}口岸（{state}，申报于 {declared}）",
    "en": "truck {plate} at {gate} ({state}, declared {declared})",
}

MESSAGES: dict[str, dict[str, str]] = {
    "request.field_errors": {
        "vi": "Có {count} lỗi trong nội dung khai báo; mỗi lỗi được ghi cạnh ô tương ứng.",
        "zh": "申报内容有 {count} 处错误，每处错误已在对应栏目旁注明。",
        "en": "The declaration has {count} problems; each is shown next to its field.",
    },
    # --- a shipment crosses once ---
    "shipment.on_another_trip": {
        "vi": "Lô hàng này đã được khai báo trên một chuyến khác chưa kết thúc: " + _ON_TRIP["vi"] + ".",
        "zh": "该货物已在另一个未结束的车次中申报：" + _ON_TRIP["zh"] + "。",
        "en": "This shipment is already declared on another trip that has not ended: " + _ON_TRIP["en"] + ".",
    },
    "shipment.already_crossed": {
        "vi": "Lô hàng này đã qua cửa khẩu: " + _ON_TRIP["vi"] + ". Không thể khai báo lại.",
        "zh": "该货物已经通关出境：" + _ON_TRIP["zh"] + "。不能再次申报。",
        "en": "This shipment has already crossed: " + _ON_TRIP["en"] + ". It cannot be declared again.",
    },
    "shipment.certificate_on_another_trip": {
        "vi": "Giấy chứng nhận KDTV {certificate} đã dùng cho lô hàng trên một chuyến khác chưa kết thúc: "
        + _ON_TRIP["vi"]
        + ". Nếu lô hàng cần nhiều xe, hãy chia lô (part_of).",
        "zh": "植物检疫证书 {certificate} 已用于另一个未结束车次的货物："
        + _ON_TRIP["zh"]
        + "。如一批货物需多辆车运输，请明确分批（part_of）。",
        "en": "Phytosanitary certificate {certificate} already covers a shipment on another trip that has not ended: "
        + _ON_TRIP["en"]
        + ". If the consignment needs several trucks, split it explicitly (part_of).",
    },
    "shipment.certificate_crossed": {
        "vi": "Giấy chứng nhận KDTV {certificate} đã dùng cho lô hàng đã qua cửa khẩu: " + _ON_TRIP["vi"] + ".",
        "zh": "植物检疫证书 {certificate} 所涵盖的货物已通关出境：" + _ON_TRIP["zh"] + "。",
        "en": "Phytosanitary certificate {certificate} covers a shipment that has already crossed: "
        + _ON_TRIP["en"]
        + ".",
    },
    "trip.vehicle_busy": {
        "vi": "Xe này đang thực hiện một chuyến khác chưa kết thúc: " + _ON_TRIP["vi"] + ".",
        "zh": "该车辆正在执行另一个未结束的车次：" + _ON_TRIP["zh"] + "。",
        "en": "This truck is on another trip that has not ended: " + _ON_TRIP["en"] + ".",
    },
    "trip.driver_busy": {
        "vi": "Lái xe này đang thực hiện một chuyến khác chưa kết thúc: " + _ON_TRIP["vi"] + ".",
        "zh": "该司机正在执行另一个未结束的车次：" + _ON_TRIP["zh"] + "。",
        "en": "This driver is on another trip that has not ended: " + _ON_TRIP["en"] + ".",
    },
    "trip.driver_required": {
        "vi": "Cần cho biết lái xe.",
        "zh": "请填写司机。",
        "en": "Give the driver.",
    },
    # --- registry codes, checked when declared ---
    "shipment.unregistered_planting_area": {
        "vi": "Mã số vùng trồng {value} không có trong danh sách đã đăng ký hoặc đang bị tạm dừng.",
        "zh": "种植园登记号 {value} 不在已登记名单中或已暂停。",
        "en": "Planting-area code {value} is not in the registry or is suspended.",
    },
    "shipment.unregistered_packing_house": {
        "vi": "Mã số cơ sở đóng gói {value} không có trong danh sách đã đăng ký hoặc đang bị tạm dừng.",
        "zh": "包装厂登记号 {value} 不在已登记名单中或已暂停。",
        "en": "Packing-house code {value} is not in the registry or is suspended.",
    },
    # --- a consignment split over several trucks ---
    "shipment.split_exceeds": {
        "vi": "Các phần đã chia của lô hàng vượt quá lô hàng gốc đối với mã HS {hs}: {quantity} của lô gốc là "
        "{consignment}, tổng các phần (kể cả phần này, {this_part}) là {parts}.",
        "zh": "分批数量超过原批货物（HS {hs}）：原批{quantity}为 {consignment}，"
        "各分批合计（含本批 {this_part}）为 {parts}。",
        "en": "The parts exceed the consignment for HS {hs}: its {quantity} is {consignment}, the parts together "
        "(this one {this_part}) come to {parts}.",
    },
    "shipment.part_goods_not_in_consignment": {
        "vi": "Mã HS {hs} không có trong lô hàng gốc.",
        "zh": "原批货物中没有 HS {hs}。",
        "en": "HS {hs} is not in the consignment this part is split from.",
    },
    "shipment.part_certificate_mismatch": {
        "vi": "Phần lô hàng phải mang cùng số giấy chứng nhận KDTV với lô gốc ({consignment}), không phải {declared}.",
        "zh": "分批货物的植物检疫证书号须与原批相同（{consignment}），而不是 {declared}。",
        "en": "A part carries the consignment's phytosanitary certificate ({consignment}), not {declared}.",
    },
    "shipment.part_other_exporter": {
        "vi": "Phần lô hàng phải thuộc cùng chủ hàng với lô gốc.",
        "zh": "分批货物须与原批属于同一出口商。",
        "en": "A part belongs to the exporter of the consignment.",
    },
    "shipment.part_of_part": {
        "vi": "Chỉ chia được từ lô hàng gốc, không chia từ một phần đã chia.",
        "zh": "只能从原批货物分批，不能从分批再分批。",
        "en": "Split from the consignment itself, not from one of its parts.",
    },
    "shipment.split_into_parts": {
        "vi": "Lô hàng này đã được chia thành nhiều phần; hãy khai báo từng phần trên từng xe.",
        "zh": "该货物已分批，请按每辆车申报对应的分批货物。",
        "en": "This consignment is split into parts: declare each part on its truck.",
    },
    "shipment.split_after_trip": {
        "vi": "Lô hàng gốc đã được khai báo trên " + _ON_TRIP["vi"] + "; không thể chia nữa.",
        "zh": "原批货物已在" + _ON_TRIP["zh"] + "申报，不能再分批。",
        "en": "The consignment is already declared on " + _ON_TRIP["en"] + "; it can no longer be split.",
    },
    "quantity.net_kg": {"vi": "khối lượng tịnh (kg)", "zh": "净重（千克）", "en": "net weight (kg)"},
    "quantity.gross_kg": {"vi": "khối lượng cả bì (kg)", "zh": "毛重（千克）", "en": "gross weight (kg)"},
    "quantity.packages": {"vi": "số kiện", "zh": "件数", "en": "packages"},
    # --- a trip's state, named in a sentence ---
    "trip.state.declared": {"vi": "chưa đặt chỗ", "zh": "尚未预约", "en": "not yet booked"},
    "trip.state.booked": {"vi": "đã đặt chỗ", "zh": "已预约", "en": "booked"},
    "trip.state.dispatched": {"vi": "đang trên đường", "zh": "在途", "en": "on the road"},
    "trip.state.arrived": {"vi": "đang ở bãi chờ", "zh": "在堆场等候", "en": "waiting in the yard"},
    "trip.state.called": {"vi": "đã được gọi vào làn", "zh": "已叫号进道", "en": "called to a lane"},
    "trip.state.inspecting": {"vi": "đang kiểm tra", "zh": "查验中", "en": "being inspected"},
    "trip.state.cleared": {"vi": "đã được thông quan", "zh": "已放行", "en": "cleared"},
    "trip.state.crossed": {"vi": "đã qua cửa khẩu", "zh": "已出境", "en": "crossed"},
    "trip.state.held": {"vi": "đang bị tạm giữ", "zh": "被扣留", "en": "held"},
    "trip.state.released": {"vi": "đã được giải tỏa", "zh": "已解除扣留", "en": "released"},
    "trip.state.rejected": {"vi": "bị từ chối", "zh": "被拒绝", "en": "rejected"},
    "trip.state.returned": {"vi": "đã quay về", "zh": "已退回", "en": "returned"},
    "trip.state.cancelled": {"vi": "đã hủy", "zh": "已取消", "en": "cancelled"},
    "trip.state.no_show": {"vi": "không đến", "zh": "未到", "en": "no-show"},
}
