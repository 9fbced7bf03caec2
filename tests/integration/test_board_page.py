"""The public wait board as a person reads it on a phone (``/waits``): one card per gate pair and way across, in
plain words and the gate's local time, a quiet gate at night saying why a truck arriving now would wait so long,
opening hours phrased as open, and no id, time-zone name, ISO stamp or code anywhere on the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from cuakhau.domain.clock import ManualClock
from cuakhau.domain.trip import Actor, ActorRole
from cuakhau.services import trips
from cuakhau.services.context import ServiceContext
from tests.fixtures.factories import World
from tests.integration.test_gate_ops import dispatched

PAIRS = 5  # the reference gates: five Vietnam–China road gate pairs


class _Text(HTMLParser):
    """What a person sees or hears: text outside scripts, and the labels read aloud."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title"):
            self._skip += 1
        self.parts.extend(v for k, v in attrs if k in ("aria-label", "title", "alt") and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def seen(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def cards(html: str) -> list[str]:
    return re.findall(r'<section class="card pair".*?</section>', html, re.S)


def card_titled(title: str, html: str) -> str:
    (card,) = [text for text in map(seen, cards(html)) if text.strip().startswith(title)]
    return card


def leaks(text: str, gate_ids: list[str]) -> list[str]:
    found = [g for g in gate_ids if g in text]
    found += re.findall(r"\b[A-Z][a-z]+/[A-Z][A-Za-z_]+\b", text)  # Asia/Ho_Chi_Minh
    found += re.findall(r"\d{4}-\d{2}-\d{2}T|[+-]\d{2}:\d{2}\b|\bUTC\b", text)  # ISO stamps, offsets
    found += re.findall(r"\b[a-z]+_[a-z_]+\b", text)  # snake_case codes (no_data, queue_drain, ...)
    return found


def walk(ctx: ServiceContext, trip_id: str, *actions: str, every: timedelta = timedelta(minutes=10)) -> None:
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    for action in actions:
        clock.advance(every)
        trips.transition_trip(
            ctx.uow(), clock=clock, trip_id=trip_id, action=action, actor=Actor("chi-ma:ops", ActorRole.SYSTEM)
        )


@pytest.mark.parametrize("language", ["vi", "zh", "en"])
def test_one_card_per_pair_and_way_in_words_with_no_ids_zones_stamps_or_codes(
    world: World, anon: TestClient, language: str
) -> None:
    html = anon.get(f"/waits?lang={language}").text
    found = cards(html)
    titles = [re.sub(r"\s+", " ", seen(re.search(r"<h2.*?</h2>", c, re.S).group(0))).strip() for c in found]  # type: ignore[union-attr]
    assert len(found) == 2 * PAIRS and len(set(titles)) == 2 * PAIRS, titles  # each pair once each way
    for card in found:  # the side trucks leave from, then the side they enter
        assert re.findall(r'data-direction="(\w+)"', card) == ["export", "import"]
        assert card.count("<svg") == 1 and card.count("<rect") <= 24  # the last 24 h, one bar an hour at most
    text = seen(html)
    assert leaks(text, [g.id for g in world.gates]) == []
    if language != "en":  # no English left over on a Vietnamese or Chinese page
        assert re.findall(r"(?i)\b(?:trucks?|waiting|today|open|closed|hours?|until|ago|Vietnam|China)\b", text) == []
    assert "vn-" not in html and "cn-" not in html and "Asia/" not in html  # not even in attributes
    assert html.count("Hữu Nghị Quan" if language == "vi" else "友谊关" if language == "zh" else "Youyiguan") >= 2


def test_opening_hours_read_as_open_and_the_morning_board_is_open(world: World, anon: TestClient) -> None:
    # 08:00 in Lạng Sơn, 09:00 in Pingxiang: both sides of every pair are open.
    vi, zh, en = (seen(anon.get(f"/waits?lang={lang}").text) for lang in ("vi", "zh", "en"))
    assert "mở cửa 07:00–19:00 hôm nay" in vi and "đóng cửa hôm nay" not in vi
    assert "今天开放 08:00–20:00" in zh  # the Chinese side on its own clock
    assert "open 07:00–19:00 today" in en and "Open now · open 07:00–19:00 today (Vietnam time)" in en
    assert "closed" not in en.lower().replace("closures", "")


def test_a_quiet_gate_at_night_says_why_a_truck_arriving_now_would_wait(
    ctx: ServiceContext, world: World, anon: TestClient
) -> None:
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    clock.advance(datetime(2026, 6, 2, 9, 10, tzinfo=UTC) - clock.now())  # 16:10 in Lạng Sơn
    trip_id = dispatched(world)  # at Chi Ma (open 07:30–17:30; Aidian 08:30–18:30 on China's clock)
    walk(ctx, trip_id, "arrive", "call", "inspect", "clear", "cross")  # crossed at 17:00, 40 min after arriving
    clock.advance(datetime(2026, 6, 2, 15, 30, tzinfo=UTC) - clock.now())  # 22:30: closed, nobody waiting
    vi = card_titled("Cửa khẩu Chi Ma → Cửa khẩu Ái Điểm", anon.get("/waits?lang=vi").text)  # out of Vietnam
    assert "Đang đóng cửa mở cửa ngày mai 07:30, sau 9 giờ · hôm nay đóng cửa cả ngày" not in vi
    assert "Đang đóng cửa mở cửa ngày mai 07:30, sau 9 giờ · mở cửa 07:30–17:30 hôm nay" in vi
    assert "Không có xe nào đang chờ; mở cửa sau 9 giờ" in vi
    assert "Khoảng 10 giờ" in vi and "ước lượng thô (chỉ đo được 1 xe)" in vi  # 9 h closed, then 40 min
    zh = card_titled("支麻口岸 → 爱店口岸", anon.get("/waits?lang=zh").text)
    assert "目前关闭 明天 07:30开放，还有 9 小时 · 今天开放 07:30–17:30" in zh
    assert "无车辆等待；9 小时后开放" in zh
    assert "约 10 小时" in zh and "粗略估计（仅测得 1 辆车）" in zh
