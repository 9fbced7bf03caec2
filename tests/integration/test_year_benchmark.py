"""The year benchmark's generator (benchmarks/year.py) builds a database the product reads: a tiny one here (scale
0.0005 of a year, 30 days), on PostgreSQL; the benchmark itself is not part of CI."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path
from types import ModuleType

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from cuakhau.bootstrap import create_app
from cuakhau.config import Settings

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "year.py"


def _year() -> ModuleType:
    spec = importlib.util.spec_from_file_location("year_benchmark", BENCHMARK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_generator_builds_a_history_the_app_reads(postgres_url: str) -> None:
    year = _year()
    name = f"cuakhau_year_smoke_{uuid.uuid4().hex[:8]}"
    try:
        built = year.build(name, 0.0005, today=20, days=30, say=lambda _: None)
        assert built.trips == 350
        assert built.rows["trips"] == 350
        # every history trip came with its events, and about 14 device reads each
        assert built.rows["trip_events"] >= 3 * 350
        assert built.rows["device_messages"] >= 8 * 350
        engine = create_engine(built.url)
        with engine.connect() as conn:
            crossed = conn.execute(text("SELECT count(*) FROM trips WHERE state = 'crossed'")).scalar_one()
            orphans = conn.execute(
                text("SELECT count(*) FROM trip_events e LEFT JOIN trips t ON t.id = e.trip_id WHERE t.id IS NULL")
            ).scalar_one()
            old = conn.execute(
                text("SELECT id FROM trips WHERE gate_id = :g ORDER BY declared_at LIMIT 1"), {"g": year.GATE}
            ).scalar_one()
            oldest_day = conn.execute(text("SELECT now() - min(declared_at) > interval '20 days' FROM trips")).scalar()
        engine.dispose()
        assert crossed >= 0.8 * 350 and orphans == 0 and oldest_day
        headers = {"Authorization": f"Bearer {built.tokens['officer']}"}
        with TestClient(create_app(Settings(database_url=built.url))) as client:
            assert client.get(f"/gates/{year.GATE}/dashboard.json", headers=headers).status_code == 200
            timeline = client.get(f"/api/v1/trips/{old}/timeline", headers=headers)
            assert timeline.status_code == 200, timeline.text
            assert len(timeline.json()) >= 3
    finally:
        year.drop_database(name)
