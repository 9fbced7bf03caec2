"""Exchange latency: how long a change on one side takes to take effect on the other, both sides on 127.0.0.1.

    python benchmarks/exchange_latency.py [--rounds 30] [--dir /tmp/cuakhau-exchange-bench]

Starts Hữu Nghị (VN) and Youyiguan (CN) as two uvicorn servers in this process (each its own SQLite file,
the sender running as in ``cuakhau serve``, default poll 0.5 s but woken as soon as a message is written),
then per round, timed from the HTTP request that makes the change to the moment the other side's API shows it:

* **manifest**: VN submits a pre-arrival manifest -> CN lists it;
* **decision**: CN accepts -> VN's manifest shows ``accepted`` (and the exporter's notification is written);
* **closure -> re-plan**: CN declares a one-hour closure over the slot of a booked truck -> VN's booking has moved.

Prints median, p95 and max of each. Traffic only on 127.0.0.1; bounded by ``--rounds``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path

from cuakhau.bootstrap import bootstrap
from cuakhau.demo.exchange import CN, VN, _Server, call, introduce, prepare_side, seed_trips, wait_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cuakhau-exchange-bench"))
    parser.add_argument("--vn-port", type=int, default=18110)
    parser.add_argument("--cn-port", type=int, default=18120)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    for p in args.dir.glob("*.db*"):
        p.unlink()
    vn = prepare_side(VN, f"sqlite:///{(args.dir / 'vn.db').resolve()}", args.vn_port)
    cn = prepare_side(CN, f"sqlite:///{(args.dir / 'cn.db').resolve()}", args.cn_port)
    introduce(vn, cn)
    introduce(cn, vn)
    platform = bootstrap(vn.settings())
    try:
        now = platform.context.clock.now()
        with platform.context.uow(read_only=True) as uow:
            gate = uow.gates.get(VN)
        assert gate is not None
        opening = gate.next_opening(now + timedelta(hours=1)) or now
        earliest = opening.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        trips = seed_trips(platform.context, args.rounds, earliest=earliest, hours=10)
    finally:
        platform.close()
    servers = [_Server(vn.settings()), _Server(cn.settings())]
    for s in servers:
        s.start()
    timings: dict[str, list[float]] = {"manifest": [], "decision": [], "closure -> re-plan": []}
    try:
        for side in (vn, cn):
            wait_for(lambda side=side: _up(side.base), 60, "server")  # type: ignore[misc]
        for trip_id in trips:
            start = time.monotonic()
            call("POST", f"{vn.base}/api/v1/exchange/manifests", {"trip_id": trip_id}, token=vn.token)
            wait_for(lambda t=trip_id: _status(cn.base, t, cn.token) is not None, 30, "manifest")  # type: ignore[misc]
            timings["manifest"].append(time.monotonic() - start)
            start = time.monotonic()
            call(
                "POST",
                f"{cn.base}/api/v1/exchange/manifests/{trip_id}/decision",
                {"decision": "accepted"},
                token=cn.token,
            )
            wait_for(lambda t=trip_id: _status(vn.base, t, vn.token) == "accepted", 30, "decision")  # type: ignore[misc]
            timings["decision"].append(time.monotonic() - start)
            slot = call("GET", f"{vn.base}/api/v1/trips/{trip_id}/booking", token=vn.token)["slot_start"]
            if slot is None:
                continue
            start = time.monotonic()
            call(
                "POST",
                f"{cn.base}/api/v1/exchange/capacity",
                {
                    "gate_id": CN,
                    "closures": [
                        {
                            "starts_at": slot,
                            "ends_at": (datetime.fromisoformat(slot) + timedelta(hours=1)).isoformat(),
                            "reason": "benchmark",
                        }
                    ],
                },
                token=cn.token,
            )
            wait_for(
                lambda t=trip_id, s=slot: (
                    call("GET", f"{vn.base}/api/v1/trips/{t}/booking", token=vn.token)["slot_start"] != s
                ),  # type: ignore[misc]
                30,
                "re-plan",
            )
            timings["closure -> re-plan"].append(time.monotonic() - start)
    finally:
        for s in servers:
            s.stop()
    print(f"{args.rounds} rounds, two servers on 127.0.0.1, SQLite each side")
    print(f"{'step':<22}{'n':>4}{'median s':>10}{'p95 s':>8}{'max s':>8}")
    for name, values in timings.items():
        values.sort()
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))] if values else float("nan")
        median = statistics.median(values) if values else float("nan")
        print(f"{name:<22}{len(values):>4}{median:>10.3f}{p95:>8.3f}{max(values, default=float('nan')):>8.3f}")


def _up(base: str) -> bool:
    try:
        return bool(call("GET", f"{base}/healthz")["status"] == "ok")
    except OSError:
        return False


def _status(base: str, trip_id: str, token: str) -> str | None:
    try:
        return str(call("GET", f"{base}/api/v1/exchange/manifests/{trip_id}", token=token)["status"])
    except OSError:
        return None


if __name__ == "__main__":
    main()
