"""The demo's parties: Vietnamese exporters and hauliers, Chinese importers, their trucks and drivers, and the
planting areas and packing houses of the plant registry, with plausible names, plates and document numbers."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from cuakhau.domain.errors import Conflict
from cuakhau.domain.values import make_cn_uscc, make_vn_tax_code
from cuakhau.services import registry
from cuakhau.services.context import ServiceContext

VN_EXPORTERS = [
    ("Công ty TNHH Xuất nhập khẩu Nông sản Tiền Giang", "63", "Mỹ Tho, Tiền Giang"),
    ("Công ty Cổ phần Thanh Long Hoàng Hậu Bình Thuận", "60", "Hàm Thuận Bắc, Bình Thuận"),
    ("Công ty TNHH Sầu Riêng Đắk Lắk Xanh", "66", "Buôn Ma Thuột, Đắk Lắk"),
    ("Hợp tác xã Vải thiều Lục Ngạn", "24", "Lục Ngạn, Bắc Giang"),
    ("Công ty TNHH Trái cây Miền Tây Việt", "71", "Chợ Lách, Bến Tre"),
]
VN_HAULIERS = [
    ("Công ty TNHH Vận tải Đồng Đăng Lạng Sơn", "12", "Đồng Đăng, Lạng Sơn"),
    ("Công ty Cổ phần Logistics Kim Thành Lào Cai", "24", "Lào Cai"),
    ("Công ty TNHH Vận tải Móng Cái Quảng Ninh", "14", "Móng Cái, Quảng Ninh"),
]
CN_IMPORTERS = [
    ("广西凭祥友谊果蔬进出口贸易有限公司", "451481", "广西壮族自治区凭祥市"),
    ("东兴市边贸鲜果供应链有限公司", "450681", "广西壮族自治区东兴市"),
    ("河口瑶族自治县滇越商贸有限公司", "532532", "云南省河口县"),
]
CN_PLATE_PREFIX = {
    "cn-youyiguan": "桂F",
    "cn-pozhai": "桂F",
    "cn-aidian": "桂F",
    "cn-hekou": "云G",
    "cn-dongxing": "桂P",
}
VN_PLATE_PROVINCES = ["12", "14", "24", "29", "51", "60", "61", "63", "66", "71", "86"]
VN_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
VN_MIDDLE = ["Văn", "Đức", "Minh", "Quốc", "Thị", "Hữu"]
VN_GIVEN = ["Hùng", "Dũng", "Tuấn", "Thắng", "Lan", "Hải", "Phúc", "Sơn", "Quang", "Long"]
CN_SURNAMES = ["黄", "李", "陆", "韦", "农", "梁", "覃", "王"]
CN_GIVEN = ["伟", "强", "志明", "海涛", "建国", "春生", "光明", "国庆"]


@dataclass
class Party:
    id: str
    country: str


def registry_csv(orchards: list[str], packers: list[str]) -> str:
    """The demo's registry file, in the format a board imports (``cuakhau registry import``)."""
    lines = ["kind,code,holder,province,crops,status"]
    lines += [f"planting_area,{c},Hợp tác xã {c[3:5]},Việt Nam,trái cây,active" for c in orchards]
    lines += [f"packing_house,{c},Cơ sở đóng gói {c[-3:]},Việt Nam,trái cây,active" for c in packers]
    lines.append("planting_area,VN-TGOR-9999,Vùng trồng bị tạm dừng,Tiền Giang,sầu riêng,suspended")
    return "\n".join(lines) + "\n"


def registry_code(rng: random.Random, areas: list[str], top: int) -> str:
    """A code shaped like the GACC registry's (e.g. VN-BTOR-0102: Bình Thuận orchard 102)."""
    return f"VN-{rng.choice(areas)}-{rng.randrange(1, top):04d}"


def enterprise(
    ctx: ServiceContext,
    rng: random.Random,
    name: str,
    area: str,
    address: str,
    country: str,
    roles: list[str],
) -> Party:
    if country == "VN":
        tax_id = make_vn_tax_code(f"{rng.randrange(1, 99):02d}{rng.randrange(10**7):07d}")
    else:
        tax_id = make_cn_uscc(f"91{area}{rng.randrange(10**9):09d}")
    ent = registry.register_enterprise(
        ctx.uow(), clock=ctx.clock, name=name, country=country, tax_id=tax_id, roles=roles, address=address
    )
    return Party(ent.id, country)


def _first_free(draw: Callable[[], str]) -> str:
    """Call ``draw`` until it registers something not already taken (random plates and ids can collide)."""
    while True:
        try:
            return draw()
        except Conflict:
            continue


#: Series of the demo's Vietnamese trucks: mostly C, and, as in the big cities where C ran out, some later ones
#: (a warning officers see on those trucks, never a refusal).
VN_TRUCK_SERIES = ["C"] * 6 + ["H", "K"]


def _vn_truck_once(ctx: ServiceContext, rng: random.Random, owner_id: str) -> str:
    province, number, tail = rng.choice(VN_PLATE_PROVINCES), rng.randrange(100, 999), rng.randrange(100)
    return registry.register_vehicle(
        ctx.uow(),
        clock=ctx.clock,
        plate=f"{province}{VN_TRUCK_SERIES[(number + tail) % len(VN_TRUCK_SERIES)]}-{number}.{tail:02d}",
        owner_id=owner_id,
        refrigerated=rng.random() < 0.4,
        vehicle_type="tractor_unit" if number % 3 == 0 else "truck",
        registration_number=f"{number:03d}{tail:02d}{province[-1]}",
    ).id


def vn_truck(ctx: ServiceContext, rng: random.Random, owner_id: str) -> str:
    return _first_free(lambda: _vn_truck_once(ctx, rng, owner_id))


def cn_truck(ctx: ServiceContext, rng: random.Random, prefix: str, owner_id: str) -> str:
    def once() -> str:
        number = rng.randrange(10000, 99999)
        return registry.register_vehicle(
            ctx.uow(),
            clock=ctx.clock,
            plate=f"{prefix}{number}",
            owner_id=owner_id,
            vehicle_type="truck",
            registration_number=f"4500012{number:05d}",
        ).id

    return _first_free(once)


def _driver(ctx: ServiceContext, name: str, kind: str, number: Callable[[], str], country: str, phone: str) -> str:
    return _first_free(
        lambda: (
            registry.register_driver(
                ctx.uow(),
                clock=ctx.clock,
                full_name=name,
                document_kind=kind,
                document_number=number(),
                nationality=country,
                phone=phone,
            ).id
        )
    )


def vn_driver(ctx: ServiceContext, rng: random.Random) -> str:
    def cccd() -> str:
        province = rng.choice(["020", "022", "001", "082", "060", "066"])  # Lạng Sơn, Quảng Ninh, Hà Nội, …
        return f"{province}{rng.choice('0123')}{rng.randrange(70, 100):02d}{rng.randrange(10**6):06d}"

    name = f"{rng.choice(VN_SURNAMES)} {rng.choice(VN_MIDDLE)} {rng.choice(VN_GIVEN)}"
    return _driver(ctx, name, "vn_citizen_id", cccd, "VN", f"+84 9{rng.randrange(10**8):08d}")


def cn_driver(ctx: ServiceContext, rng: random.Random) -> str:
    from stdnum.cn import ric

    def resident_id() -> str:
        born = f"{rng.randrange(1965, 2000)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
        body = f"450100{born}{rng.randrange(1000):03d}"  # 450100: Nanning, Guangxi (valid for these years)
        return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit

    name = f"{rng.choice(CN_SURNAMES)}{rng.choice(CN_GIVEN)}"
    return _driver(ctx, name, "cn_resident_id", resident_id, "CN", f"+86 13{rng.randrange(10**9):09d}")
