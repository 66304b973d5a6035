"""A synthetic fleet for the position benchmarks: N trackers, two to a guard cluster of two TPS, spread over the real
desa of the configured region, and their fixes in Traccar's /api/devices and /api/positions JSON."""
from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from sqlalchemy import create_engine, insert, select, text

from ops import models as m
from ops.db import session_scope

KNOTS = 1.852
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Tracker:
    traccar_id: int
    unique_id: str
    nrp: str
    post: tuple[float, float]  # the first TPS of its cluster


def new_pg_database(admin_url: str = PG_ADMIN_URL) -> tuple[str, callable]:
    """A fresh database on the server (dropped by the returned function)."""
    name = f"posko_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url, drop


def build_fleet(engine, devices: int, seed: int = 1) -> list[Tracker]:
    """Personnel with trackers, their TPS and PAM TPS assignments, on a database whose region is loaded."""
    rng = random.Random(seed)
    with session_scope(engine) as s:
        desa = s.execute(select(m.Region.code, m.Region.parent_code, m.Region.lat, m.Region.lon)
                         .where(m.Region.level.in_(("desa", "kelurahan"))).order_by(m.Region.code)).all()
        s.merge(m.Polsek(code="PS-BENCH", name="Polsek Bench", hq_lat=desa[0].lat, hq_lon=desa[0].lon))
        tps, people, jobs, fleet = [], [], [], []
        numbers: dict[str, int] = {}
        for i in range(devices):
            cluster = f"BENCH-{i // 2:05d}"
            if i % 2 == 0:  # two TPS per cluster, a few hundred metres apart
                d = desa[(i // 2) % len(desa)]
                base = (d.lat + rng.uniform(-0.01, 0.01), d.lon + rng.uniform(-0.01, 0.01))
                for k in range(2):
                    numbers[d.code] = numbers.get(d.code, 0) + 1
                    tps.append({"code": f"{d.code}.{numbers[d.code]:03d}", "desa_code": d.code,
                                "kecamatan_code": d.parent_code, "number": numbers[d.code],
                                "lat": base[0] + 0.003 * k, "lon": base[1], "dpt": 300, "kerawanan": "rawan",
                                "indikator": [], "akses": "darat", "polsek_code": "PS-BENCH", "linmas": 2,
                                "cluster_code": cluster, "verification": "belum", "address": ""})
            nrp, dev = f"9{i:07d}", f"BENCH-{i:05d}"
            people.append({"nrp": nrp, "name": f"Petugas {i}", "rank": "BRIPDA", "unit": "Bench",
                           "polsek_code": "PS-BENCH", "role": "PAM TPS", "bko": False, "device_id": dev})
            jobs.append({"nrp": nrp, "cluster_code": cluster, "tahapan": "pemungutan", "shift": "penuh",
                         "task": "pam_tps"})
            fleet.append(Tracker(i + 1, dev, nrp, (base[0], base[1])))
        s.execute(insert(m.Tps), tps)
        s.execute(insert(m.Personnel), people)
        s.execute(insert(m.Assignment), jobs)
    return fleet


def devices_json(fleet: list[Tracker]) -> list[dict]:
    return [{"id": t.traccar_id, "name": t.nrp, "uniqueId": t.unique_id, "status": "online", "category": "person"}
            for t in fleet]


def position_json(t: Tracker, at: dt.datetime, rng: random.Random, position_id: int) -> dict:
    """One fix near the tracker's post (one in thirty some 500 m away), as Traccar's /api/positions sends it."""
    away = 0.0045 if rng.random() < 1 / 30 else 0.0
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
    return {"id": position_id, "deviceId": t.traccar_id, "protocol": "osmand", "serverTime": stamp,
            "deviceTime": stamp, "fixTime": stamp, "outdated": False, "valid": True,
            "latitude": round(t.post[0] + away + rng.gauss(0, 0.0001), 6),
            "longitude": round(t.post[1] + rng.gauss(0, 0.0001), 6), "altitude": 12.0,
            "speed": round(abs(rng.gauss(0, 0.5)), 2), "course": 0.0, "accuracy": 8.0,
            "attributes": {"batteryLevel": rng.randint(20, 100), "motion": False}}
