"""Messages for inputs out of bounds: dates and periods outside what the product can use, JSON too deep or too big
(see :mod:`cuakhau.domain.timebounds` and :mod:`cuakhau.adapters.bounds`)."""

MESSAGES: dict[str, dict[str, str]] = {
    "time.out_of_range": {
        "vi": "Ngày giờ nằm ngoài khoảng cho phép: từ {earliest} đến {latest}.",
        "zh": "日期时间超出允许范围：应在 {earliest} 至 {latest} 之间。",
        "en": "The date or time is out of range: it must lie between {earliest} and {latest}.",
    },
    "time.period_too_long": {
        "vi": "Khoảng thời gian quá dài (tối đa {max_days} ngày).",
        "zh": "时间段过长（最多 {max_days} 天）。",
        "en": "The period is too long (at most {max_days} days).",
    },
    "request.too_deep": {
        "vi": "Nội dung JSON lồng nhau quá sâu (tối đa {max_depth} cấp).",
        "zh": "JSON 嵌套层级过深（最多 {max_depth} 层）。",
        "en": "The JSON body is nested too deeply (at most {max_depth} levels).",
    },
    "request.too_many_items": {
        "vi": "Nội dung JSON có quá nhiều phần tử (tối đa {max_items}).",
        "zh": "JSON 包含的元素过多（最多 {max_items} 个）。",
        "en": "The JSON body holds too many values (at most {max_items}).",
    },
}
