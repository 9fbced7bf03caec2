"""The words of the simulation's table and report in Vietnamese, Chinese and English (``cuakhau sim run --lang``).

A cargo class (``class.<value>``) is named by its profile's label (:mod:`cuakhau.domain.perishability`) as the
page catalogs translate it: the catalogs are read as data, so a new class needs no entry here.
"""

from __future__ import annotations

import functools
from importlib.resources import files

from babel.messages.pofile import read_po

from cuakhau.domain.perishability import PROFILES, Perishability

LANGS = ("vi", "zh", "en")

#: key -> (vi, zh, en)
_TEXT: dict[str, tuple[str, str, str]] = {
    # headline figures
    "time_all_mean_h": (
        "thời gian trung bình từ sẵn sàng đến qua cửa, mọi xe (giờ)",
        "全部车辆从就绪到通关的平均时间（小时）",
        "mean time ready → crossed, every truck ready (h)",
    ),
    "time_all_p95_h": (
        "thời gian từ sẵn sàng đến qua cửa, mọi xe, p95 (giờ)",
        "全部车辆从就绪到通关的时间 p95（小时）",
        "p95 time ready → crossed, every truck ready (h)",
    ),
    "wait_mean_h.total": (
        "thời gian trung bình, chỉ xe đã qua (giờ)",
        "仅已通关车辆的平均时间（小时）",
        "mean time ready → crossed, trucks crossed only (h)",
    ),
    "wait_p95_h.total": (
        "thời gian p95, chỉ xe đã qua (giờ)",
        "仅已通关车辆的时间 p95（小时）",
        "p95 time ready → crossed, trucks crossed only (h)",
    ),
    "throughput_per_day": ("số xe qua cửa mỗi ngày", "每日通关车辆", "trucks crossed a day"),
    "p_wait.crossing": ("tỷ lệ xe phải chờ làn", "需等待车道的车辆比例", "share of trucks that waited for a lane"),
    "queue_length": ("xe chờ làn (trung bình)", "等待车道的车辆（平均）", "trucks waiting for a lane (mean)"),
    "road_queue": ("xe xếp hàng trên đường (trung bình)", "道路排队车辆（平均）", "trucks queued on the road (mean)"),
    "yard_occupancy": ("xe trong bãi (trung bình)", "场内车辆（平均）", "yard occupancy (mean)"),
    "spoilage_usd_per_day": ("hư hỏng hàng (USD mỗi ngày)", "货物损耗（美元/日）", "spoilage (USD a day)"),
    "past_wait_bound_per_day": (
        "xe quá giới hạn chờ (mỗi ngày)",
        "超过等待上限的车辆（每日）",
        "trucks past the wait bound (a day)",
    ),
    "not_crossed_share": ("tỷ lệ xe chưa qua khi kết thúc", "结束时未通关比例", "share not crossed by the end"),
    "standby_share": (
        "tỷ lệ xe qua từ danh sách chờ dự phòng",
        "经候补名单通关的比例",
        "share crossed from the standby list",
    ),
    "no_show_per_day": ("xe đặt chỗ không đến (mỗi ngày)", "预约未到车辆（每日）", "booked trucks not coming (a day)"),
    # stages
    "stage.booking": ("chờ giờ đặt tại nơi xuất phát", "在出发地等待预约时段", "booking (at origin)"),
    "stage.road": ("trên đường", "道路", "road"),
    "stage.documents": ("hồ sơ", "单证", "documents"),
    "stage.customs": ("hải quan", "海关", "customs"),
    "stage.quarantine": ("kiểm dịch", "检疫", "quarantine"),
    "stage.crossing": ("chờ làn qua cửa", "等待通关车道", "crossing"),
    "stage.total": ("tổng", "合计", "total"),
    # report text
    "title": ("mô phỏng cuakhau", "cuakhau 仿真", "cuakhau simulation"),
    "comparison": ("So sánh", "比较", "Comparison"),
    "by_stage": (
        "Thời gian chờ theo khâu (trung bình / p95, giờ) và tỷ lệ xe phải chờ",
        "各环节等待时间（平均 / p95，小时）及需等待比例",
        "Waits by stage (mean / p95, hours) and share that waited",
    ),
    "by_class": (
        "Theo loại hàng: chờ làn, thời gian trong hệ thống (giờ)",
        "按货物类别：等待车道、系统内时间（小时）",
        "By cargo class: wait for a lane, time in system (hours)",
    ),
    "charts": ("Biểu đồ", "图表", "Charts"),
    "chart_stage": (
        "Thời gian chờ trung bình theo khâu (giờ, KTC 95%)",
        "各环节平均等待（小时，95% 置信区间）",
        "Mean wait by stage (hours, 95% CI)",
    ),
    "replications": (
        "{start}, {days} ngày ({warmup} ngày khởi động không tính); {n} lần lặp, khoảng tin cậy 95% (±); "
        "Δ = chênh lệch so với <b>{first}</b>, ghép cặp theo lần lặp. Chạy {seconds} giây trên {workers} tiến trình.",
        "{start}，共 {days} 天（{warmup} 天预热不计）；{n} 次重复，95% 置信区间（±）；Δ = 与 <b>{first}</b> "
        "的差值，按重复配对。{workers} 个进程运行 {seconds} 秒。",
        "{start}, {days} days ({warmup} of warm-up not measured); {n} replications, 95% confidence intervals (±); "
        "Δ = difference from <b>{first}</b>, paired by replication. Run in {seconds} s on {workers} process(es).",
    ),
    "footer": (
        "Các phương án chạy trên mã sản xuất của cuakhau: phân bổ giờ, gọi xe vào làn, phân luồng hải quan và giờ "
        "mở cửa. Thời gian \u201cmọi xe\u201d tính cả xe chưa có chỗ (thời gian chờ đến cuối kỳ).",
        "各方案运行于 cuakhau 的生产代码：时段分配、叫号、海关通道选择与口岸开放时间。\u201c全部车辆\u201d的时间"
        "包括未获时段的车辆（计至仿真结束）。",
        "Policies run on the production code: slot allocation, call-forward, customs channel selection and gate "
        "hours of cuakhau. Times over every truck ready include trucks that got no place (counted to the end).",
    ),
    "wait_h": ("chờ làn (giờ)", "等待车道（小时）", "wait for a lane (h)"),
    "system_h": ("trong hệ thống (giờ)", "系统内（小时）", "in system (h)"),
}


@functools.cache
def _catalog(lang: str) -> dict[str, str]:
    """The page catalog of ``lang`` (``adapters/web/locale``), read as data: msgid -> translation."""
    path = files("cuakhau").joinpath("adapters", "web", "locale", lang, "LC_MESSAGES", "messages.po")
    with path.open("rb") as f:
        catalog = read_po(f)
    return {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.string, str) and m.string}


def _class_label(value: str, lang: str) -> str | None:
    try:
        english = PROFILES[Perishability(value)].label
    except ValueError:
        return None
    return english if lang == "en" else _catalog(lang if lang in LANGS else "en").get(english, english)


def label(key: str, lang: str = "en") -> str:
    """The words for ``key`` in ``lang`` (vi, zh, en); an unknown key is returned as it is."""
    if key.startswith("class."):
        return _class_label(key.removeprefix("class."), lang) or key
    found = _TEXT.get(key)
    if found is None:
        return key
    return found[LANGS.index(lang) if lang in LANGS else 2]


def keys() -> list[str]:
    return list(_TEXT) + [f"class.{kind.value}" for kind in Perishability]
