"""UN/LOCODE — the UN's codes for trade locations — read from the shipped files, defects and all.

Most Vietnamese road gates have no code (Hữu Nghị, Tân Thanh, Chi Ma, Kim Thành), and some entries carry
impossible coordinates (``VNTTH`` "Tan Thanh" is a different place in the south, at "1448N 10786E": 86
minutes). A coordinate that cannot be right is dropped and the reason kept, never silently used.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

_COORD_RE = re.compile(r"^(\d{2})(\d{2})([NS])\s+(\d{3})(\d{2})([EW])$")


def parse_coordinates(text: str) -> tuple[float, float]:
    """``"2157N 10642E"`` → ``(21.95, 106.7)``; ValueError naming the defect otherwise."""
    m = _COORD_RE.match(text.strip())
    if not m:
        raise ValueError(f"coordinate {text!r} is not of the form DDMMN DDDMME")
    lat_d, lat_m, ns, lon_d, lon_m, ew = m.groups()
    if int(lat_m) > 59 or int(lon_m) > 59:
        raise ValueError(f"coordinate {text!r} has minutes over 59")
    lat = int(lat_d) + int(lat_m) / 60
    lon = int(lon_d) + int(lon_m) / 60
    if lat > 90 or lon > 180:
        raise ValueError(f"coordinate {text!r} is out of range")
    return (round(-lat if ns == "S" else lat, 4), round(-lon if ew == "W" else lon, 4))


@dataclass(frozen=True, slots=True)
class LocodeEntry:
    code: str
    country: str
    location: str
    name: str
    name_ascii: str
    subdivision: str
    functions: str
    status: str
    coordinates: tuple[float, float] | None
    coordinate_defect: str | None
    remarks: str

    @property
    def is_road_point(self) -> bool:
        """Function position 3 is '3': a road terminal or crossing."""
        return len(self.functions) > 2 and self.functions[2] == "3"


class LocodeRegistry:
    def __init__(self, entries: list[LocodeEntry]) -> None:
        self._by_code = {e.code: e for e in entries}

    @classmethod
    def load_default(cls) -> LocodeRegistry:
        """Viet Nam and China from the shipped files, read once per process."""
        return _load_default()

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> LocodeEntry | None:
        return self._by_code.get(code.strip().upper())

    def defects(self) -> list[LocodeEntry]:
        return [e for e in self._by_code.values() if e.coordinate_defect]


def read_locode_csv(text: str) -> list[LocodeEntry]:
    """Rows of the standard 12-column file; the country's own header row (no location) is skipped."""
    entries: list[LocodeEntry] = []
    for row in csv.reader(io.StringIO(text)):
        if len(row) < 12 or not row[2].strip():
            continue
        _change, country, location, name, name_ascii, sub, functions, status, _date, _iata, coord, remarks = row[:12]
        coordinates: tuple[float, float] | None = None
        defect: str | None = None
        if coord.strip():
            try:
                coordinates = parse_coordinates(coord)
            except ValueError as exc:
                defect = str(exc)
        entries.append(
            LocodeEntry(
                code=f"{country}{location}",
                country=country,
                location=location,
                name=name,
                name_ascii=name_ascii,
                subdivision=sub,
                functions=functions,
                status=status,
                coordinates=coordinates,
                coordinate_defect=defect,
                remarks=remarks,
            )
        )
    return entries


@cache
def _load_default() -> LocodeRegistry:
    folder = files("cuakhau.data") / "locode"
    entries: list[LocodeEntry] = []
    for name in ("VN.csv", "CN.csv"):
        entries.extend(read_locode_csv((folder / name).read_text(encoding="utf-8")))
    return LocodeRegistry(entries)
