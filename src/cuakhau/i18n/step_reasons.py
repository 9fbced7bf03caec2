"""The published reasons an officer picks when holding, releasing or (customs) rejecting a truck, and how a step's
reason is read.

An officer holds a truck with a reason from :data:`HOLD_REASONS`, releases it with one from
:data:`RELEASE_REASONS`, and customs rejects it with one from :data:`REJECT_REASONS` (each may add their own
words). Codes are unique across the lists (``other`` reads the same in each). The step keeps
``[code] free text``, so the reason reads as a sentence in every reader's language — never one string in three
languages. :func:`describe` also reads the older three-language reasons (``vi / zh / en``) by picking the
reader's part, and leaves any other text as the officer wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "ACTION_NAMES",
    "HOLD_REASONS",
    "REJECT_REASONS",
    "RELEASE_REASONS",
    "RESULT_REASONS",
    "compose",
    "describe",
    "label",
]

#: Why a truck is held: one sentence per code in vi, zh and en (the published list; docs/officer-pages.md).
HOLD_REASONS: Mapping[str, Mapping[str, str]] = {
    "documents": {
        "vi": "Chứng từ chưa đầy đủ hoặc chưa khớp với tờ khai",
        "zh": "单证不全或与申报不符",
        "en": "Documents incomplete or not matching the declaration",
    },
    "weight": {
        "vi": "Khối lượng cân lệch so với khai báo",
        "zh": "过磅重量与申报不符",
        "en": "Weighbridge weight differs from the declaration",
    },
    "sample": {
        "vi": "Lấy mẫu kiểm nghiệm, chờ kết quả phòng thí nghiệm",
        "zh": "已抽样送检，等待实验室结果",
        "en": "Sampled for testing, waiting for the laboratory result",
    },
    "pests": {
        "vi": "Phát hiện sinh vật gây hại, chờ xử lý",
        "zh": "发现有害生物，待处理",
        "en": "Pests found, awaiting treatment",
    },
    "certificate": {
        "vi": "Giấy chứng nhận kiểm dịch có điểm chưa khớp",
        "zh": "植物检疫证书存在不符之处",
        "en": "The phytosanitary certificate does not match",
    },
    "seal": {
        "vi": "Niêm phong hoặc container không khớp với khai báo",
        "zh": "封志或集装箱与申报不符",
        "en": "Seal or container does not match the declaration",
    },
    "vehicle": {
        "vi": "Phương tiện hoặc lái xe cần kiểm tra thêm",
        "zh": "车辆或司机需进一步核查",
        "en": "The vehicle or driver needs further checks",
    },
    "other": {"vi": "Lý do khác", "zh": "其他原因", "en": "Another reason"},
}

#: Why a held truck is released.
RELEASE_REASONS: Mapping[str, Mapping[str, str]] = {
    "documents_completed": {
        "vi": "Chứng từ đã được bổ sung",
        "zh": "单证已补齐",
        "en": "Documents completed",
    },
    "lab_passed": {
        "vi": "Kết quả kiểm nghiệm đạt yêu cầu",
        "zh": "检测结果合格",
        "en": "The laboratory result passed",
    },
    "treated": {"vi": "Đã xử lý xong", "zh": "已处理完毕", "en": "Treatment completed"},
    "checked": {"vi": "Đã kiểm tra, không có vấn đề", "zh": "已核查，无问题", "en": "Checked, nothing found"},
    "other": {"vi": "Lý do khác", "zh": "其他原因", "en": "Another reason"},
}

#: Why customs turns a truck back (its result ``reject``): a list of its own, not the hold list — a hold waits for
#: something to be put right, a rejection ends the trip at this gate.
REJECT_REASONS: Mapping[str, Mapping[str, str]] = {
    "prohibited": {
        "vi": "Hàng cấm hoặc hàng hạn chế xuất nhập khẩu không có giấy phép",
        "zh": "禁止或限制进出口的货物，无许可证",
        "en": "Prohibited or restricted goods without a licence",
    },
    "false_declaration": {
        "vi": "Khai sai tên hàng, số lượng, trị giá hoặc xuất xứ",
        "zh": "品名、数量、价格或原产地申报不实",
        "en": "False declaration of the goods, quantity, value or origin",
    },
    "origin": {
        "vi": "Không có hoặc không chấp nhận được chứng nhận xuất xứ",
        "zh": "原产地证书缺失或不予认可",
        "en": "Certificate of origin missing or not accepted",
    },
    "labelling": {
        "vi": "Nhãn hàng hóa không đúng quy định",
        "zh": "货物标签不符合规定",
        "en": "Goods labelling does not meet the rules",
    },
    "quarantine_failed": {
        "vi": "Không đạt kiểm dịch, phải tái xuất hoặc tiêu hủy",
        "zh": "检疫不合格，须退运或销毁",
        "en": "Failed quarantine: to be sent back or destroyed",
    },
    "not_admitted": {
        "vi": "Cửa khẩu phía bên kia không tiếp nhận lô hàng",
        "zh": "对方口岸不接收该批货物",
        "en": "The gate across does not admit the consignment",
    },
    "other": {"vi": "Lý do khác", "zh": "其他原因", "en": "Another reason"},
}

#: The list an officer picks from for each customs result (``hold``, ``reject``, ``release``).
RESULT_REASONS: Mapping[str, Mapping[str, Mapping[str, str]]] = {
    "release": RELEASE_REASONS,
    "hold": HOLD_REASONS,
    "reject": REJECT_REASONS,
}

#: The step or result a reason is given for, named in each language: a message's ``{action}``, never the code.
ACTION_NAMES: Mapping[str, Mapping[str, str]] = {
    "hold": {"vi": "giữ xe", "zh": "扣留", "en": "hold"},
    "release": {"vi": "cho đi tiếp", "zh": "放行", "en": "release"},
    "reject": {"vi": "từ chối", "zh": "退回", "en": "reject"},
}

_ALL: Mapping[str, Mapping[str, str]] = {**HOLD_REASONS, **RELEASE_REASONS, **REJECT_REASONS}
_CODED = re.compile(r"^\[([a-z_]{1,32})\]\s*(.*)$", re.S)
_LANGUAGES = ("vi", "zh", "en")


def label(code: str, language: str) -> str:
    """The sentence of a published reason in ``language``; the code itself when it is not published."""
    texts = _ALL.get(code)
    return texts.get(language, texts["en"]) if texts else code


def compose(code: str | None, free_text: str | None) -> str | None:
    """What the step keeps: ``[code] free text`` (either part may be missing); None when both are."""
    text = (free_text or "").strip()
    if code and code in _ALL:
        return f"[{code}] {text}".strip()
    return text or None


def describe(reason: str | None, language: str) -> str:
    """A step's reason as the reader reads it: the published sentence in their language with the officer's own
    words; an older ``vi / zh / en`` reason as its part in the reader's language; anything else as written."""
    if not reason:
        return ""
    coded = _CODED.match(reason.strip())
    if coded and coded.group(1) in _ALL:
        sentence, extra = label(coded.group(1), language), coded.group(2).strip()
        return f"{sentence}: {extra}" if extra else sentence
    parts = [p.strip() for p in reason.split(" / ")]
    if len(parts) == len(_LANGUAGES) and all(parts):
        return parts[_LANGUAGES.index(language) if language in _LANGUAGES else 0]
    return reason
