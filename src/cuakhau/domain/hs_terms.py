"""Finding an HS code by the words traders use — in Vietnamese, Chinese or English — and naming it in each.

The nomenclature's own texts are English. ``cuakhau/data/hs_names.csv`` gives every chapter, the headings of the
chapters that cross these gates and the subheadings of chapter 08 (and a few others) in Vietnamese and Chinese
(the project's own translations, see ``data/NOTICE.md``); a glossary (:data:`TERMS`) maps the names traders use
("vải thiều", "火龙果", "dragon fruit") to the codes they fall under. Every hit is a real nomenclature entry: the
names and the glossary only point, they never invent a code.

Search folds case and diacritics (``sầu riêng`` ~ ``sau rieng``, ``vải`` ~ ``vai``), forgives typos in Latin
words (``durain`` ~ ``durian``, with rapidfuzz), cuts Chinese into overlapping pairs of characters, and ranks by
how much of the query a text covers, words weighted by rarity (``tươi``/fresh counts for little). The index is
built once per nomenclature, at the first search, not at import.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files

from rapidfuzz import fuzz, process

from cuakhau.domain.hs import HsEntry, HsNomenclature

LANGUAGES = ("vi", "zh", "en")

_F = "081090"  # fresh fruit n.e.c.: lychee, longan, dragon fruit, jackfruit, rambutan… (national lines split it)

#: trade name (vi, zh or en, as written) -> HS codes (6-digit subheadings, or headings expanded to their subheadings)
TERMS: dict[str, tuple[str, ...]] = {
    # fruit — trái cây / 水果
    "thanh long": (_F,),
    "火龙果": (_F,),
    "dragon fruit": (_F,),
    "pitaya": (_F,),
    "sầu riêng": ("081060",),
    "榴莲": ("081060",),
    "vải": (_F,),
    "vải thiều": (_F,),
    "荔枝": (_F,),
    "lychee": (_F,),
    "litchi": (_F,),
    "nhãn": (_F,),
    "nhãn lồng": (_F,),
    "龙眼": (_F,),
    "桂圆": (_F,),
    "longan": (_F,),
    "mít": (_F,),
    "菠萝蜜": (_F,),
    "jackfruit": (_F,),
    "chôm chôm": (_F,),
    "红毛丹": (_F,),
    "rambutan": (_F,),
    "khế": (_F,),
    "杨桃": (_F,),
    "na": (_F,),
    "mãng cầu": (_F,),
    "番荔枝": (_F,),
    "chanh leo": (_F,),
    "chanh dây": (_F,),
    "百香果": (_F,),
    "passion fruit": (_F,),
    "long nhãn": ("081340",),
    "vải sấy": ("081340",),
    "龙眼干": ("081340",),
    "荔枝干": ("081340",),
    "chuối": ("080390",),
    "香蕉": ("080390",),
    "xoài": ("080450",),
    "芒果": ("080450",),
    "măng cụt": ("080450",),
    "山竹": ("080450",),
    "ổi": ("080450",),
    "番石榴": ("080450",),
    "dứa": ("080430",),
    "菠萝": ("080430",),
    "dưa hấu": ("080711",),
    "西瓜": ("080711",),
    "dưa lưới": ("080719",),
    "đu đủ": ("080720",),
    "木瓜": ("080720",),
    "bưởi": ("080540",),
    "柚子": ("080540",),
    "cam": ("080510",),
    "橙": ("080510",),
    "quýt": ("080521",),
    "柑橘": ("080521",),
    "nho": ("080610",),
    "葡萄": ("080610",),
    "táo": ("080810",),
    "苹果": ("080810",),
    "chanh": ("080550",),
    "柠檬": ("080550",),
    "dừa": ("080119",),
    "椰子": ("080119",),
    # vegetables, roots, cereals, starch
    "ớt": ("070960",),
    "辣椒": ("070960",),
    "khoai tây": ("0701",),
    "土豆": ("0701",),
    "sắn": ("071410",),
    "sắn lát": ("071410",),
    "khoai mì": ("071410",),
    "木薯": ("071410",),
    "cassava": ("071410",),
    "khoai lang": ("071420",),
    "红薯": ("071420",),
    "tinh bột sắn": ("110814",),
    "木薯淀粉": ("110814",),
    "gạo": ("1006",),
    "大米": ("1006",),
    "ngô": ("1005",),
    "玉米": ("1005",),
    "hạt điều": ("080131", "080132"),
    "腰果": ("080131", "080132"),
    "cà phê": ("0901",),
    "咖啡": ("0901",),
    "chè": ("0902",),
    "trà": ("0902",),
    "茶": ("0902",),
    "hồ tiêu": ("090411", "090412"),
    "胡椒": ("090411", "090412"),
    # live animals, fish and seafood
    "lợn": ("0103",),
    "生猪": ("0103",),
    "bò": ("0102",),
    "trâu": ("0102",),
    "活牛": ("0102",),
    "gà": ("0105",),
    "vịt": ("0105",),
    "cá": ("0302", "0303", "0304"),
    "鱼": ("0302", "0303", "0304"),
    "tôm": ("0306",),
    "cua": ("0306",),
    "虾": ("0306",),
    "蟹": ("0306",),
    "mực": ("0307",),
    "鱿鱼": ("0307",),
    # rubber and wood
    "cao su": ("4001",),
    "橡胶": ("4001",),
    "mủ cao su": ("400110",),
    "gỗ": ("4407",),
    "木材": ("4407",),
    "gỗ xẻ": ("4407",),
    "锯材": ("4407",),
    "gỗ tròn": ("4403",),
    "原木": ("4403",),
    "gỗ dán": ("4412",),
    "ván ép": ("4412",),
    "胶合板": ("4412",),
    "pallet": ("4415",),
    "托盘": ("4415",),
    "dăm gỗ": ("4401",),
    "木片": ("4401",),
    "viên nén gỗ": ("440131",),
    "than củi": ("4402",),
    "木炭": ("4402",),
    # goods coming the other way
    "phân bón": ("3105",),
    "化肥": ("3105",),
    "复合肥": ("310520",),
    "máy móc": ("8479",),
    "机械": ("8479",),
    "vải dệt": ("5407",),
    "涤纶": ("5407",),
    "điện thoại": ("851713",),
    "手机": ("851713",),
    "mạch tích hợp": ("8542",),
    "集成电路": ("8542",),
    "pin mặt trời": ("854143",),
    "光伏组件": ("854143",),
    "dây cáp điện": ("8544",),
    "电线": ("8544",),
    "ắc quy": ("8507",),
    "蓄电池": ("8507",),
}

#: words that say nothing about the goods (folded), dropped from a query that has other words
STOPWORDS = frozenset(
    [
        "and",
        "or",
        "of",
        "the",
        "in",
        "not",
        "other",
        "than",
        "with",
        "whether",
        "for",
        "a",
        "an",
        "to",
        "by",
        "its",
        "including",
        "excluding",
        "nec",
        "n",
        "e",
        "c",
        "cac",
        "loai",
        "khac",
        "va",
        "hoac",
        "nhung",
        "nhu",
        "voi",
        "cho",
        "trong",
        "duoc",
        "mot",
    ]
)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
_MAX_EXPANSIONS = 8


def fold(text: str) -> str:
    """Lower case without diacritics: ``Sầu Riêng`` -> ``sau rieng``, ``Đào`` -> ``dao``; Chinese unchanged."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("đ", "d")
    return unicodedata.normalize("NFC", stripped)


def _exact_words(text: str) -> list[str]:
    return _TOKEN_RE.findall(unicodedata.normalize("NFC", unicodedata.normalize("NFKC", text).casefold()))


def _stem(word: str) -> str:
    """English plurals to the singular, roughly (Vietnamese words never end in -s): durians, berries, mangoes."""
    if len(word) < 5 or not word.endswith("s") or word.endswith("ss"):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("oes"):
        return word[:-2]
    return word[:-1]


def _tokens(text: str, *, query: bool = False) -> list[str]:
    """Folded Latin words; Chinese runs as overlapping pairs (a text also gets its single characters)."""
    out: list[str] = []
    for run in _TOKEN_RE.findall(fold(text)):
        if not _IS_CJK.match(run):
            out.append(_stem(run))
            continue
        pairs = [run[i : i + 2] for i in range(len(run) - 1)]
        out.extend(pairs if query and pairs else [*pairs, *run])
    return out


@functools.cache
def hs_names() -> dict[str, tuple[str, str]]:
    """code -> (Vietnamese, Chinese) text of the packaged translations (``data/hs_names.csv``)."""
    text = files("cuakhau.data").joinpath("hs_names.csv").read_text(encoding="utf-8")
    return {row["code"]: (row["vi"], row["zh"]) for row in csv.DictReader(io.StringIO(text))}


@dataclass(frozen=True, slots=True)
class HsText:
    """An entry's text in one language: its own (``exact``) or, lacking that, its heading's or chapter's
    (``source`` is the code the text belongs to)."""

    text: str
    source: str
    exact: bool


def describe(entry: HsEntry, language: str) -> HsText:
    """The entry in ``language`` (vi, zh or en): its own text, else that of the nearest translated level above."""
    if language not in ("vi", "zh"):
        return HsText(entry.description, entry.code, True)
    names = hs_names()
    column = 0 if language == "vi" else 1
    for code in (entry.code, entry.code[:4], entry.code[:2]):
        if code in names:
            return HsText(names[code][column], code, code == entry.code)
    return HsText(entry.description, entry.code, True)  # unreachable with the packaged file: every chapter is named


@dataclass(frozen=True, slots=True)
class HsHit:
    entry: HsEntry
    term: str | None  # the trade name that pointed to it (None: found by code or by the texts)
    score: float = 1.0

    def describe(self, language: str) -> HsText:
        return describe(self.entry, language)


@dataclass(frozen=True, slots=True)
class _Doc:
    code: str  # the entry (chapter, heading or subheading) the text names
    term: str | None  # set for a glossary name
    tokens: frozenset[str]
    words: frozenset[str]  # as written (case folded, diacritics kept)


class _Index:
    """Texts and glossary names with an inverted index over folded tokens; built once per nomenclature."""

    def __init__(self, nomenclature: HsNomenclature, entries: Iterable[HsEntry]) -> None:
        self.nomenclature = nomenclature
        entries = list(entries)
        names = hs_names()
        # chapter/heading -> its declarable subheadings; "untranslated": those without a vi/zh text of their own
        self.under: dict[str, list[str]] = defaultdict(list)
        self.untranslated: dict[str, list[str]] = defaultdict(list)
        docs: list[_Doc] = []

        def add(code: str, text: str, term: str | None = None) -> None:
            docs.append(_Doc(code, term, frozenset(_tokens(text)), frozenset(_exact_words(text))))

        for entry in entries:
            if entry.declarable:
                for level in (entry.code[:2], entry.code[:4]):
                    self.under[level].append(entry.code)
                    if entry.code not in names:
                        self.untranslated[level].append(entry.code)
                add(entry.code, entry.description)
        for code, (vi, zh) in names.items():
            if nomenclature.get(code) is not None:
                add(code, vi)
                add(code, zh)
        for term, codes in TERMS.items():
            for code in codes:
                add(code, term, term)
        self.docs = docs
        postings: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(docs):
            for token in doc.tokens:
                postings[token].append(i)
        self.postings = dict(postings)
        self.idf = {t: math.log(1 + len(docs) / len(p)) for t, p in postings.items()}
        self.max_idf = math.log(1 + len(docs))
        self.latin = sorted(t for t in postings if not _IS_CJK.match(t))

    def expand(self, token: str, *, last: bool = False) -> dict[str, float]:
        """Index tokens a query token may stand for, with how sure: exact 1, a typo ≤ 0.9 and, for the last word
        (still being typed), a word it begins 0.7."""
        found: dict[str, float] = {}
        if token in self.postings:
            found[token] = 1.0
        if _IS_CJK.match(token) or len(token) < 3:
            return found
        if last:
            start = bisect.bisect_left(self.latin, token)
            for candidate in self.latin[start : start + _MAX_EXPANSIONS]:
                if candidate.startswith(token) and candidate != token:
                    found.setdefault(candidate, 0.7)
        if len(token) >= 4:
            cutoff = 80 if len(token) >= 5 else 75
            for candidate, score, _ in process.extract(
                token, self.latin, scorer=fuzz.ratio, score_cutoff=cutoff, limit=_MAX_EXPANSIONS
            ):
                found.setdefault(candidate, 0.9 * score / 100)
        return found

    def weight(self, token: str, expansions: dict[str, float]) -> float:
        """How much a query word counts: the square of its rarity, so that the rare word that names the goods
        outweighs the common ones around it ("xoài cát chu": xoài). A word not found counts fully, against every
        text; one found only begun or misspelled, as the mean of the words it may stand for."""
        if token in self.idf:
            rarity = self.idf[token]
        elif expansions:
            rarity = sum(self.idf[t] for t in expansions) / len(expansions)
        else:
            rarity = self.max_idf
        return rarity * rarity

    def search(self, text: str, limit: int) -> list[HsHit]:
        tokens = list(dict.fromkeys(_tokens(text, query=True)))
        meaningful = [t for t in tokens if t not in STOPWORDS]
        tokens = meaningful or tokens
        if not tokens:
            return []
        written = set(_exact_words(text))
        phrase = f" {' '.join(_TOKEN_RE.findall(fold(text)))} "
        weights: list[float] = []
        per_doc: dict[int, list[float]] = defaultdict(lambda: [0.0] * len(tokens))
        matched: dict[int, set[str]] = defaultdict(set)
        for q, token in enumerate(tokens):
            expansions = self.expand(token, last=q == len(tokens) - 1)
            weights.append(self.weight(token, expansions))
            for candidate, sure in expansions.items():
                for i in self.postings[candidate]:
                    best = per_doc[i]
                    best[q] = max(best[q], sure)
                    matched[i].add(candidate)
        total = sum(weights)
        best_by_code: dict[str, tuple[float, str | None]] = {}
        for i, sims in per_doc.items():
            doc = self.docs[i]
            covered = sum(w * s for w, s in zip(weights, sims, strict=True)) / total
            # diacritics as written count a little ("vải" is nearer to "vải" than to "vai"), so does a text
            # that says little else ("vải" rather than "vải sấy"), and a trade name
            exact = len(written & doc.words) / max(len(written), 1)
            precise = len(matched[i]) / max(len(doc.tokens), 1)
            # a trade name typed in its order ("nhan long", not "long nhan") is surer still
            in_order = doc.term is not None and f" {' '.join(_TOKEN_RE.findall(fold(doc.term)))} " in phrase
            bonus = (0.05 if doc.term else 0.0) + (0.03 if in_order else 0.0)
            score = covered * (0.82 + 0.05 * exact + 0.05 * precise + bonus)
            if len(doc.code) == 6:
                codes = [doc.code]
            else:  # a glossary name means all of a heading; a heading's text stands for subheadings without one
                codes = (self.under if doc.term else self.untranslated).get(doc.code, [])
            factor = 1.0 if len(doc.code) == 6 else (0.97 if doc.term else 0.9 if len(doc.code) == 4 else 0.8)
            for code in codes:
                value = score * factor
                if value > best_by_code.get(code, (0.0, None))[0]:
                    best_by_code[code] = (value, doc.term)
        if not best_by_code:
            return []
        top = max(v for v, _ in best_by_code.values())
        ranked = sorted(
            ((v, code, term) for code, (v, term) in best_by_code.items() if v >= max(0.3, 0.6 * top)),
            key=lambda item: (-item[0], item[1]),
        )
        hits = []
        for value, code, term in ranked[:limit]:
            entry = self.nomenclature.get(code)
            if entry is not None and entry.declarable:
                hits.append(HsHit(entry, term, round(value, 4)))
        return hits


@functools.cache
def _index(nomenclature: HsNomenclature) -> _Index:
    return _Index(nomenclature, nomenclature.entries())


def find_goods(nomenclature: HsNomenclature, text: str, limit: int = 20) -> list[HsHit]:
    """Declarable subheadings for a code prefix, or for words in Vietnamese, Chinese or English (trade names
    or the texts of the nomenclature), best first."""
    query = " ".join(unicodedata.normalize("NFC", text).split())[:100]
    if not query or limit <= 0:
        return []
    digits = re.sub(r"[\s.]+", "", query)
    if re.fullmatch(r"[0-9]+", digits):
        return [HsHit(entry, None) for entry in nomenclature.search(digits, limit=limit)]
    return _index(nomenclature).search(query, limit)


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
