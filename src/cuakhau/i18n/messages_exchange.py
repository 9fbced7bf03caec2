"""Messages of the cross-border exchange: refusals of partner messages, hotline, configuration."""

_NOT_FOUND = {
    "exchange_key": ("khóa ký", "签名密钥", "exchange key"),
    "exchange_peer": ("đối tác trao đổi", "交换伙伴", "exchange partner"),
    "exchange_manifest": ("bản khai trước", "预申报舱单", "manifest"),
    "exchange_incident": ("sự cố đường dây nóng", "热线事件", "hotline incident"),
    "closure": ("lịch đóng cửa", "闭关安排", "closure"),
}

MESSAGES: dict[str, dict[str, str]] = {
    "exchange.refused": {
        "vi": "Bản tin của đối tác bị từ chối.",
        "zh": "伙伴消息被拒绝。",
        "en": "The partner's message was refused.",
    },
    "exchange.malformed": {
        "vi": "Bản tin không đọc được ({reason}).",
        "zh": "消息无法解析（{reason}）。",
        "en": "The message cannot be read ({reason}).",
    },
    "exchange.protocol": {
        "vi": "Giao thức không được hỗ trợ; cần {expected}.",
        "zh": "不支持的协议；应为 {expected}。",
        "en": "Unsupported protocol; expected {expected}.",
    },
    "exchange.schema": {
        "vi": "Bản tin không đúng lược đồ ({reason}).",
        "zh": "消息不符合模式（{reason}）。",
        "en": "The message does not match its schema ({reason}).",
    },
    "exchange.unapplicable": {
        "vi": "Bản tin hợp lệ nhưng không áp dụng được ở đây ({reason}).",
        "zh": "消息有效，但无法在本方执行（{reason}）。",
        "en": "The message is authentic but cannot be applied here ({reason}).",
    },
    "exchange.unsigned": {
        "vi": "Bản tin không có chữ ký.",
        "zh": "消息未签名。",
        "en": "The message is not signed.",
    },
    "exchange.bad_signature": {
        "vi": "Chữ ký không hợp lệ: bản tin đã bị sửa hoặc giả mạo.",
        "zh": "签名无效：消息被篡改或伪造。",
        "en": "The signature does not verify: the message was altered or forged.",
    },
    "exchange.unknown_key": {
        "vi": "Không biết khóa {key_id} của đối tác.",
        "zh": "未知的伙伴密钥 {key_id}。",
        "en": "Unknown partner key {key_id}.",
    },
    "exchange.key_revoked": {
        "vi": "Khóa {key_id} đã bị thu hồi.",
        "zh": "密钥 {key_id} 已被吊销。",
        "en": "Key {key_id} has been revoked.",
    },
    "exchange.unknown_sender": {
        "vi": "Không biết đối tác gửi «{sender}».",
        "zh": "未知的发送方「{sender}」。",
        "en": "Unknown sender '{sender}'.",
    },
    "exchange.not_for_us": {
        "vi": "Bản tin không gửi cho hệ thống này (người nhận {recipient}).",
        "zh": "该消息不是发给本系统的（收件方 {recipient}）。",
        "en": "The message is not addressed to this system (recipient {recipient}).",
    },
    "exchange.out_of_scope": {
        "vi": "Đối tác chỉ được thông báo về cửa khẩu của mình ({gate}).",
        "zh": "伙伴只能就其本方口岸发送消息（{gate}）。",
        "en": "A partner may speak only for its own gate ({gate}).",
    },
    "exchange.stale": {
        "vi": "Bản tin ký lúc {sent_at}, ngoài khoảng {window_s} giây cho phép.",
        "zh": "消息签名时间 {sent_at} 超出允许的 {window_s} 秒时间窗。",
        "en": "The message was signed at {sent_at}, outside the {window_s}-second window.",
    },
    "exchange.replayed": {
        "vi": "Bản tin {id} đã nhận trước đây.",
        "zh": "消息 {id} 此前已收到。",
        "en": "Message {id} was received before.",
    },
    "exchange.disabled": {
        "vi": "Chưa bật trao đổi qua biên giới (đặt CUAKHAU_EXCHANGE_ID).",
        "zh": "跨境交换未启用（请设置 CUAKHAU_EXCHANGE_ID）。",
        "en": "The cross-border exchange is not enabled (set CUAKHAU_EXCHANGE_ID).",
    },
    "exchange.no_gates": {
        "vi": "Cần ít nhất một cửa khẩu.",
        "zh": "至少需要一个口岸。",
        "en": "At least one gate is required.",
    },
    "exchange.peer_id": {
        "vi": "Mã đối tác «{value}» không dùng được.",
        "zh": "伙伴编号「{value}」不可用。",
        "en": "The partner id '{value}' cannot be used.",
    },
    "exchange.inbox_url": {
        "vi": "Địa chỉ hộp thư phải bắt đầu bằng http:// hoặc https:// (nhận được {value}).",
        "zh": "收件地址必须以 http:// 或 https:// 开头（收到 {value}）。",
        "en": "The inbox URL must start with http:// or https:// (got {value}).",
    },
    "exchange.public_key": {
        "vi": "Khóa công khai không phải khóa Ed25519 hợp lệ.",
        "zh": "公钥不是有效的 Ed25519 密钥。",
        "en": "The public key is not a valid Ed25519 key.",
    },
    "exchange.not_our_gate": {
        "vi": "Hệ thống này không đại diện cho cửa khẩu {gate}.",
        "zh": "本系统不代表口岸 {gate}。",
        "en": "This system does not speak for gate {gate}.",
    },
    "exchange.no_counterpart": {
        "vi": "Cửa khẩu {gate} không có cửa khẩu đối diện.",
        "zh": "口岸 {gate} 没有对应口岸。",
        "en": "Gate {gate} has no counterpart gate.",
    },
    "exchange.empty_declaration": {
        "vi": "Thông báo năng lực trống: cần lịch đóng cửa, hạn mức hoặc giờ mở cửa.",
        "zh": "能力声明为空：需要闭关、接收量或开放时间。",
        "en": "An empty declaration: give closures, acceptance or hours.",
    },
    "exchange.manifest_direction": {
        "vi": "Chỉ gửi bản khai trước cho chuyến xuất (chuyến này: {direction}).",
        "zh": "只有出境车次才发送预申报（本车次：{direction}）。",
        "en": "Only outgoing trips have a pre-arrival manifest (this one: {direction}).",
    },
    "exchange.trip_finished": {
        "vi": "Chuyến xe đã kết thúc ({state}).",
        "zh": "车次已结束（{state}）。",
        "en": "The trip has ended ({state}).",
    },
    "exchange.refused_across": {
        "vi": "Xe chưa được qua biên giới: cửa khẩu {gate} bên kia đã quyết định «{decision}» ({reasons}).",
        "zh": "车辆暂不能出境：对方口岸 {gate} 的决定为“{decision}”（{reasons}）。",
        "en": "The truck may not cross: the gate across, {gate}, decided '{decision}' ({reasons}).",
    },
    "exchange.manifest_exists": {
        "vi": "Bản khai trước của chuyến này đã được gửi.",
        "zh": "该车次的预申报已发送。",
        "en": "This trip's manifest was already sent.",
    },
    "exchange.manifest_closed": {
        "vi": "Bản khai đã kết thúc ({status}).",
        "zh": "该预申报已结束（{status}）。",
        "en": "The manifest is closed ({status}).",
    },
    "exchange.not_accepted": {
        "vi": "Chỉ xác nhận qua biên cho xe đã được chấp nhận (hiện tại: {status}).",
        "zh": "只有已接受的车辆才能确认通关（当前：{status}）。",
        "en": "Only an accepted truck can be confirmed across (now: {status}).",
    },
    "exchange.reason_required": {
        "vi": "Quyết định «{decision}» phải có lý do.",
        "zh": "「{decision}」决定必须说明理由。",
        "en": "A '{decision}' decision needs reasons.",
    },
    "exchange.too_many_reasons": {
        "vi": "Tối đa {max} lý do.",
        "zh": "最多 {max} 条理由。",
        "en": "At most {max} reasons.",
    },
    "exchange.own_incident": {
        "vi": "Sự cố do phía mình báo phải được phía bên kia xác nhận.",
        "zh": "本方提出的事件须由对方确认。",
        "en": "An incident we raised is acknowledged by the other side.",
    },
    "exchange.incident_closed": {
        "vi": "Sự cố đã được xác nhận ({status}).",
        "zh": "该事件已确认（{status}）。",
        "en": "The incident has already been acknowledged ({status}).",
    },
}

for _entity, (_vi, _zh, _en) in _NOT_FOUND.items():
    MESSAGES[f"{_entity}.not_found"] = {
        "vi": f"Không tìm thấy {_vi} «{{key}}».",
        "zh": f"未找到{_zh}「{{key}}」。",
        "en": f"No {_en} '{{key}}'.",
    }
