"""Finding an HS code by the words traders use — in Vietnamese, Chinese or English.

The nomenclature's descriptions are English only. Traders at the Vietnam–China line name goods in Vietnamese or
Chinese ("thanh long", "火龙果"), so a short glossary of the goods that cross these gates maps their names to the
HS 2022 subheadings (or headings) they fall under; English words are searched in the descriptions themselves.
Every hit is a real nomenclature entry: the glossary only points, it never invents a code.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from cuakhau.domain.hs import HsEntry, HsNomenclature

#: name (vi or zh, as written) -> HS codes (6-digit subheadings, or 4-digit headings expanded to their subheadings)
TERMS: dict[str, tuple[str, ...]] = {
    # fruit — trái cây / 水果
    "thanh long": ("081090",),
    "火龙果": ("081090",),
    "sầu riêng": ("081060",),
    "榴莲": ("081060",),
    "vải": ("081090",),
    "vải thiều": ("081090",),
    "荔枝": ("081090",),
    "nhãn": ("081090",),
    "龙眼": ("081090",),
    "mít": ("081090",),
    "菠萝蜜": ("081090",),
    "chanh leo": ("081090",),
    "chanh dây": ("081090",),
    "百香果": ("081090",),
    "chuối": ("080390",),
    "香蕉": ("080390",),
    "xoài": ("080450",),
    "芒果": ("080450",),
    "măng cụt": ("080450",),
    "山竹": ("080450",),
    "dưa hấu": ("080711",),
    "西瓜": ("080711",),
    "táo": ("080810",),
    "苹果": ("080810",),
    "chanh": ("080550",),
    "柠檬": ("080550",),
    "dừa": ("080119",),
    "椰子": ("080119",),
    # other farm and forest goods
    "sắn": ("071410",),
    "sắn lát": ("071410",),
    "木薯": ("071410",),
    "khoai lang": ("071420",),
    "红薯": ("071420",),
    "gạo": ("1006",),
    "大米": ("1006",),
    "hạt điều": ("080131", "080132"),
    "腰果": ("080131", "080132"),
    "cà phê": ("0901",),
    "咖啡": ("0901",),
    "chè": ("0902",),
    "trà": ("0902",),
    "茶": ("0902",),
    "hồ tiêu": ("090411", "090412"),
    "胡椒": ("090411", "090412"),
    "cao su": ("4001",),
    "橡胶": ("4001",),
    "gỗ": ("4407",),
    "木材": ("4407",),
    # fish and seafood
    "cá": ("0302", "0303", "0304"),
    "鱼": ("0302", "0303", "0304"),
    "tôm": ("0306",),
    "虾": ("0306",),
    # goods coming the other way
    "phân bón": ("3105",),
    "化肥": ("3105",),
    "复合肥": ("310520",),
    "máy móc": ("8479",),
    "机械": ("8479",),
    "vải dệt": ("5407",),
    "涤纶": ("5407",),
}


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _names(term: str, query: str) -> bool:
    """Chinese is written without spaces: a substring. Vietnamese and English: whole words ("cá" is not "các")."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in term):
        return term in query
    words, wanted = query.split(), term.split()
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1))


@dataclass(frozen=True, slots=True)
class HsHit:
    entry: HsEntry
    term: str | None  # the vi/zh name that pointed to it (None: found by code or English words)


def find_goods(nomenclature: HsNomenclature, text: str, limit: int = 20) -> list[HsHit]:
    """Declarable subheadings for a code prefix, a vi/zh name of the goods, or English words of the description."""
    query = _norm(text)[:100]
    if not query or limit <= 0:
        return []
    hits: list[HsHit] = []
    seen: set[str] = set()

    def add(entry: HsEntry, term: str | None) -> None:
        if entry.code not in seen and len(hits) < limit:
            seen.add(entry.code)
            hits.append(HsHit(entry, term))

    # Longest names first, so "vải thiều" is named before "vải".
    for term in sorted(TERMS, key=len, reverse=True):
        if _names(_norm(term), query):
            for code in TERMS[term]:
                for entry in nomenclature.search(code, limit=limit):
                    add(entry, term)
    for entry in nomenclature.search(text, limit=limit):
        add(entry, None)
    return hits


def _is_chinese(term: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in term)


def local_names(code: str, language: str, limit: int = 3) -> list[str]:
    """The glossary's names (vi or zh) of the goods under an HS code, at most ``limit``; none in English (the
    nomenclature's own description is English)."""
    if language not in ("vi", "zh"):
        return []
    subheading = code.replace(".", "")[:6]
    names = [
        term
        for term, codes in TERMS.items()
        if _is_chinese(term) == (language == "zh") and any(subheading.startswith(c) for c in codes)
    ]
    return names[:limit]
