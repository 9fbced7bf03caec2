"""Why a booking is where it is — in a sentence of the reader's language, never a code, an id or a UTC stamp.

A booking keeps its rule, reason code and params (``domain.booking``); people read them through
:func:`describe`: the portal, the API's ``reason_text`` and every notification's ``message``. A change whose cause
is known says it — the closure (which gate, when, why, announced by whom) or the counterpart's quota (how many,
which day, why) — never a generic "earlier slots full". Times are shown in the booking gate's local time with
its UTC offset.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from cuakhau.i18n import DEFAULT_LANGUAGE
from cuakhau.i18n.times import local_time

__all__ = ["REASONS", "ROLES", "describe", "local_time"]

#: Who announced a change, by the role of the actor (never the actor's id).
ROLES: dict[str, dict[str, str]] = {
    "gate_admin": {"vi": "ban quản lý cửa khẩu", "zh": "口岸管理部门", "en": "the gate administration"},
    "counterpart": {"vi": "cửa khẩu phía bên kia", "zh": "对方口岸", "en": "the gate across the border"},
    "system": {"vi": "hệ thống", "zh": "系统", "en": "the system"},
    "exporter": {"vi": "doanh nghiệp xuất khẩu", "zh": "出口企业", "en": "the exporter"},
    "driver": {"vi": "lái xe", "zh": "司机", "en": "the driver"},
    "haulier": {"vi": "đơn vị vận tải", "zh": "承运人", "en": "the haulier"},
}


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"  # a param an old record lacks: never the placeholder's name


#: One sentence per reason code; ``{slot}`` is the booking's slot, other placeholders its params.
REASONS: dict[str, dict[str, str]] = {
    "earliest_free_slot": {
        "vi": "Khung giờ {slot}: khung giờ sớm nhất còn chỗ trong khoảng thời gian bạn chọn.",
        "zh": "时段 {slot}：您所选时间窗内最早仍有名额的时段。",
        "en": "Slot {slot}: the earliest slot with room in your window.",
    },
    "earliest_possible": {
        "vi": "Khung giờ {slot}: sớm nhất mà khoảng thời gian của bạn cho phép.",
        "zh": "时段 {slot}：您的时间窗允许的最早时段。",
        "en": "Slot {slot}: the earliest your window allows.",
    },
    "kept_place": {
        "vi": "Khung giờ {slot}: xe giữ nguyên chỗ đã đặt khi kế hoạch được lập lại.",
        "zh": "时段 {slot}：重新排程时，您的车辆保留了已预约的位置。",
        "en": "Slot {slot}: the truck kept its booked place when the day was re-planned.",
    },
    "after_more_perishable": {
        "vi": "Khung giờ {slot}: các khung giờ sớm hơn đã dành cho {ahead_heavier} xe chở hàng dễ hỏng hơn.",
        "zh": "时段 {slot}：更早的时段已让给 {ahead_heavier} 辆装载更易腐货物的车辆。",
        "en": "Slot {slot}: the earlier slots went to {ahead_heavier} trucks with more perishable goods.",
    },
    "earlier_slots_full": {
        "vi": "Khung giờ {slot}: mọi khung giờ sớm hơn trong khoảng thời gian của bạn đã kín chỗ.",
        "zh": "时段 {slot}：您时间窗内更早的时段均已约满。",
        "en": "Slot {slot}: every earlier slot of your window was full.",
    },
    "fairness_bound": {
        "vi": "Khung giờ {slot}: xe chờ đúng mức tối đa đã công bố ({max_wait} giờ).",
        "zh": "时段 {slot}：车辆等候时间恰为公布的上限（{max_wait} 小时）。",
        "en": "Slot {slot}: the truck waits exactly the published limit ({max_wait} hours).",
    },
    "past_fairness_bound": {
        "vi": "Khung giờ {slot}: không còn chỗ sớm hơn, xe phải chờ quá mức đã công bố ({max_wait} giờ).",
        "zh": "时段 {slot}：没有更早的名额，等候超过公布的上限（{max_wait} 小时）。",
        "en": "Slot {slot}: no earlier place was left, so the wait passes the published limit ({max_wait} hours).",
    },
    "no_capacity_in_window": {
        "vi": "Không khung giờ nào trong khoảng thời gian của bạn còn chỗ: xe vào danh sách chờ.",
        "zh": "您的时间窗内没有时段还有名额：已列入候补名单。",
        "en": "No slot in your window has room: the truck is on the waiting list.",
    },
    "outside_horizon": {
        "vi": "Khoảng thời gian của bạn nằm ngoài các ngày đang được lập kế hoạch: xe vào danh sách chờ.",
        "zh": "您的时间窗不在正在编排的日期内：已列入候补名单。",
        "en": "Your window lies outside the days being planned: the truck is on the waiting list.",
    },
    "promoted_from_waiting_list": {
        "vi": "Khung giờ {slot}: một chỗ vừa trống và được dành cho xe từ danh sách chờ.",
        "zh": "时段 {slot}：有名额空出，已从候补名单分配给本车。",
        "en": "Slot {slot}: a place was freed and given to the truck from the waiting list.",
    },
    "closure": {
        "vi": "{moved}: {gate_name} đóng từ {starts_at} đến {ends_at} ({closure_reason}), do {by} thông báo.",
        "zh": "{moved}：{gate_name}于 {starts_at} 至 {ends_at} 关闭（{closure_reason}），由{by}发布。",
        "en": "{moved}: {gate_name} is closed from {starts_at} to {ends_at} ({closure_reason}), announced by {by}.",
    },
    "opening_hours": {
        "vi": "{moved}: giờ mở cửa của {gate_name} đã thay đổi.",
        "zh": "{moved}：{gate_name}的开放时间已变更。",
        "en": "{moved}: the opening hours of {gate_name} changed.",
    },
    "inspection_capacity": {
        "vi": "{moved}: số chỗ kiểm tra tại {gate_name} đã giảm.",
        "zh": "{moved}：{gate_name}的查验名额已减少。",
        "en": "{moved}: the inspection places at {gate_name} were reduced.",
    },
    "counterpart_hourly_quota": {
        "vi": "{moved}: phía bên kia chỉ nhận {hourly_quota} xe mỗi giờ ngày {day}{quota_reason}, do {by} khai báo.",
        "zh": "{moved}：对方在 {day} 每小时只接收 {hourly_quota} 辆车{quota_reason}，由{by}申报。",
        "en": "{moved}: the other side accepts only {hourly_quota} trucks an hour on {day}{quota_reason}, "
        "declared by {by}.",
    },
    "counterpart_daily_quota": {
        "vi": "{moved}: phía bên kia chỉ nhận {quota} xe ngày {day}{quota_reason}, do {by} khai báo; "
        "các chỗ đó dành cho xe chở hàng khẩn cấp hơn hoặc đến trước.",
        "zh": "{moved}：对方在 {day} 只接收 {quota} 辆车{quota_reason}，由{by}申报；"
        "这些名额先给更紧急或更早预约的车辆。",
        "en": "{moved}: the other side accepts only {quota} trucks on {day}{quota_reason}, declared by {by}; "
        "those places go to more urgent or earlier trucks.",
    },
    "arrived": {"vi": "Xe đã đến cửa khẩu.", "zh": "车辆已到达口岸。", "en": "The truck arrived at the gate."},
    "cancelled": {
        "vi": "Đặt chỗ đã bị hủy bởi {by}.",
        "zh": "预约已由{by}取消。",
        "en": "The booking was cancelled by {by}.",
    },
    "no_show": {
        "vi": "Xe không đến trong khung giờ và thời gian ân hạn: tính là không đến đúng hẹn.",
        "zh": "车辆未在预约时段及宽限时间内到达，按未按时到达处理。",
        "en": "The truck did not come within its slot and the grace period: a no-show.",
    },
}

_MOVED = {"vi": "Chuyển sang khung giờ {slot}", "zh": "已改至时段 {slot}", "en": "Moved to the slot at {slot}"}
_WAITING = {
    "vi": "Chuyển vào danh sách chờ",
    "zh": "已转入候补名单",
    "en": "Moved to the waiting list",
}
_FALLBACK = {
    "vi": "Khung giờ {slot}.",
    "zh": "时段 {slot}。",
    "en": "Slot {slot}.",
}
_NO_SLOT = {"vi": "Chưa có khung giờ.", "zh": "尚无时段。", "en": "No slot yet."}


def _pick(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or texts[DEFAULT_LANGUAGE]


def describe(
    reason: str | None,
    params: Mapping[str, Any],
    *,
    slot_start: datetime | None,
    language: str,
    tz: tzinfo,
) -> str:
    """The sentence for a booking's reason, in ``language``, times in ``tz`` (the booking gate's)."""
    values = _Values()
    for key, value in params.items():
        if isinstance(value, Mapping) and DEFAULT_LANGUAGE in value:  # a name in the three languages
            values[key] = _pick(value, language)
        elif isinstance(value, str) and key in ("starts_at", "ends_at", "slot_start", "until"):
            values[key] = local_time(value, tz)
        else:
            values[key] = value
    slot = local_time(slot_start, tz) if slot_start is not None else None
    values["slot"] = slot or "—"
    values["by"] = _pick(ROLES.get(str(params.get("by", "system")), ROLES["system"]), language)
    moved = _MOVED if slot is not None else _WAITING
    values["moved"] = _pick(moved, language).format(slot=slot)
    text = params.get("quota_reason")
    values["quota_reason"] = f" ({text})" if text else ""
    template = REASONS.get(reason or "")
    if template is None:
        return _pick(_FALLBACK if slot else _NO_SLOT, language).format(slot=slot)
    return _pick(template, language).format_map(values)
