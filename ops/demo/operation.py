"""The demo operation: Polsek, TPS, personnel and their assignments, the logistics plan, stakeholders and the
coordination done before voting day. Deterministic for one seed; events after the clock start come from the simulator."""
from __future__ import annotations

import datetime as dt
import random
import tomllib
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ops import calendar
from ops import models as m
from ops.clock import utcnow, wib_at
from ops.config import Settings, load_pola
from ops.deployment import TpsPoint, plan_clusters
from ops.demo import names
from ops.demo.coordination import meetings
from ops.demo.places import DemoTps, build_tps, polsek_plan
from ops.geo import route_km, travel_minutes
from ops.planner import assign_stored_clusters
from ops.ranks import AGE_RANGE
from ops.region import RegionData

BOXES_PER_TPS = 2  # Pilkada 2024: one box for the gubernur race, one for the bupati race
DEMO_TABLES = (m.Outbox, m.AlertEvent, m.Alert, m.AuditLog, m.FeedRun, m.CoordinationActivity, m.IncidentUpdate, m.Incident, m.LogisticsEvent,
               m.PositionLatest, m.PositionEvent, m.TpsStatusEvent, m.Stakeholder, m.LogisticsLeg, m.Assignment, m.Personnel, m.Tps,
               m.PolsekKecamatan, m.Polsek)


def read_demo_config(settings: Settings) -> dict:
    path = settings.path("config/demo.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def read_tps_counts(folder: Path) -> dict[str, int]:
    import csv

    with (folder / "tps_pilkada2024_per_kecamatan.csv").open(encoding="utf-8") as f:
        return {r["kode_kecamatan"]: int(r["jumlah_tps"]) for r in csv.DictReader(f)}


def clear_operation(session: Session) -> None:
    """Remove every operation row (not the region); the tables are listed children first."""
    for model in DEMO_TABLES:
        session.execute(delete(model))
    # The demo's bookmarks go with the events they describe, or a rebuilt demo would start with no history.
    session.execute(delete(m.OperationMeta).where(m.OperationMeta.key.like("simulator_%")))
    calendar.clear(session)  # the demo runs on the settings' calendar, not one an earlier operation imported
    # So do the briefings that described the operation being replaced, files and all.
    for briefing in session.scalars(select(m.Briefing)):
        for path in (briefing.pdf_path, briefing.html_path):
            Path(path).unlink(missing_ok=True)
    session.execute(delete(m.Briefing))
    session.flush()


def build_demo(session: Session, region: RegionData, settings: Settings) -> dict[str, int]:
    cfg = read_demo_config(settings)
    rng = random.Random(settings.demo_seed)
    op = cfg["operation"]
    polsek = polsek_plan(region, cfg["polsek"])
    tps = build_tps(region, read_tps_counts(settings.path(settings.region_dir)), cfg["river"], polsek,
                    (op["share_sangat_rawan"], op["share_rawan"]), op["dpt_total"], settings, rng)
    clear_operation(session)
    for p in polsek:
        session.add(m.Polsek(code=p["code"], name=p["name"], hq_lat=p["hq_lat"], hq_lon=p["hq_lon"]))
    session.flush()
    for p in polsek:
        session.add_all(m.PolsekKecamatan(kecamatan_code=k, polsek_code=p["code"]) for k in p["kecamatan"])
    pola = load_pola(settings)
    clusters = plan_clusters([TpsPoint(t.code, t.polsek_code, t.kerawanan, t.lat, t.lon, t.akses) for t in tps],
                             pola, settings.road_speed_kmh, settings.river_speed_kmh)
    cluster_of = {c: cl.code for cl in clusters for c in cl.tps_codes}
    for t in tps:
        session.add(m.Tps(code=t.code, desa_code=t.desa_code, kecamatan_code=t.kecamatan_code, number=t.number,
                          address=t.address, lat=t.lat, lon=t.lon, dpt=t.dpt, kerawanan=t.kerawanan,
                          indikator=t.indikator or [], akses=t.akses, polsek_code=t.polsek_code,
                          distance_km=t.distance_km, travel_min=t.travel_min, linmas=2, cluster_code=cluster_of[t.code],
                          verification=t.verification, verified_at=t.verified_at,
                          verified_by="Bag Ops " + settings.polres_name if t.verified_at else None))
    session.flush()
    people = _personnel(polsek, clusters, op, rng, settings, cfg["river"]["kecamatan"])
    session.add_all(people)
    legs = _logistics(region, polsek, tps, op, settings)
    session.add_all(legs)
    session.flush()
    # Every officer's shifts come from the same planner the Personel page runs: guards, escorts, posts, reserves.
    assign_stored_clusters(session, settings)
    stakeholders = _stakeholders(region, rng)
    session.add_all(stakeholders)
    activities = meetings(region, polsek, people, settings.voting_day, settings.demo_seed)
    session.add_all(activities)
    for key, value in (("kind", "demo"), ("demo_seed", str(settings.demo_seed)), ("loaded_at", utcnow().isoformat())):
        session.merge(m.OperationMeta(key=key, value=value))
    session.flush()
    return {"polsek": len(polsek), "tps": len(tps), "personnel": len(people), "clusters": len(clusters),
            "logistics_legs": len(legs), "stakeholders": len(stakeholders), "coordination": len(activities)}


def _person(nrp_seq: int, rng: random.Random, ages: random.Random, rank: str, on: dt.date, **kw) -> m.Personnel:
    # The draws the birth date once took, so that the names (and the rest of the demo) stay as they were.
    rng.randint(1972, 2003)
    rng.randint(1, 12)
    name = f"{rng.choice(names.FIRST)} {rng.choice(names.LAST)}"
    low, high = AGE_RANGE[rank]
    # The NRP starts with the year and month of birth (YYMM), and the rank fits that age.
    age = ages.randint(low, min(high, low + names.AGE_SPREAD.get(rank, high - low)))
    month = ages.randint(1, 12)
    year = on.year - age - (1 if month > on.month else 0)
    return m.Personnel(nrp=f"{year % 100:02d}{month:02d}{nrp_seq:04d}", name=name, rank=rank, **kw)


def _bintara(rng: random.Random) -> str:
    ranks = [r for r in names.RANKS if r[0] in ("AIPTU", "AIPDA", "BRIPKA", "BRIGPOL", "BRIPTU", "BRIPDA")]
    return rng.choices([r for r, _ in ranks], weights=[w for _, w in ranks])[0]


def _personnel(polsek: list[dict], clusters, op: dict, rng: random.Random, settings: Settings,
               river_kec: list[str]) -> list[m.Personnel]:
    """The Polres roster and the BKO: Posko, Kapolsek, each Polsek's guards, Sat Polairud's boat crews posted at the
    river Polsek, the Polres units (patrols, escorts, warehouse, reserve) and a Brimob platoon as BKO. Names are
    drawn from the demo's stream in the order they always were; ages from their own, so that ranks fit NRPs."""
    ages = random.Random(f"{settings.demo_seed}:usia")
    need = {p["code"]: sum(c.polri_required for c in clusters if c.polsek_code == p["code"]) for p in polsek}
    # Two Polsek are short of guards on purpose: the BKO reserve must fill their gap, as on the real day.
    short = {polsek[2]["code"]: 4, polsek[4]["code"]: 3}
    river = [p["code"] for p in polsek if set(p["kecamatan"]) & set(river_kec)] or [p["code"] for p in polsek]
    people: list[m.Personnel] = []
    seq = 1
    prefix = op.get("device_prefix", "POLRES-OI")

    def add(rank: str, unit: str, role: str, polsek_code: str | None = None, bko: bool = False, device: bool = True):
        nonlocal seq
        dev = (f"BKO-SUMSEL-{seq:04d}" if bko else f"{prefix}-{seq:04d}") if device else None
        people.append(_person(seq, rng, ages, rank, settings.voting_day, unit=unit, role=role, polsek_code=polsek_code,
                              bko=bko, device_id=dev))
        seq += 1

    add("AKBP", "Pimpinan Polres", "Kapolres", device=False)
    add("KOMPOL", "Pimpinan Polres", "Wakapolres", device=False)
    add("KOMPOL", "Bag Ops", "Kabag Ops", device=False)
    for p in polsek:
        add(rng.choice(("AKP", "IPTU")), p["name"], "Kapolsek", p["code"])
        for _ in range(need[p["code"]] - short.get(p["code"], 0)):
            add(_bintara(rng), p["name"], "PAM TPS", p["code"])
    for i in range(8):
        add(rng.choice(("IPDA", "AIPTU", "BRIPKA")), "Bag Ops", "Staf Posko", device=False)
    for i in range(16):  # boat crews, posted where the river TPS are
        add(_bintara(rng), "Sat Polairud", "Pengawalan logistik", river[i % len(river)])
    remaining = op["personnel_polres"] - len(people)
    for i in range(remaining):
        unit = names.UNITS_POLRES[i % len(names.UNITS_POLRES)]
        rank = rng.choice(("IPTU", "IPDA")) if i % 10 == 0 else _bintara(rng)
        add(rank, unit, names.UNIT_ROLE[unit], river[i % len(river)] if unit == "Sat Polairud" else None)
    bko_ranks = [r for r, n in names.BKO_RANKS for _ in range(n)]
    for i in range(op["personnel_bko"]):
        _bintara(rng)  # the draw the BKO's rank once took
        add(bko_ranks[i % len(bko_ranks)], "BKO Sat Brimob Polda Sumsel", "Cadangan BKO", bko=True)
    return people


def _logistics(region: RegionData, polsek: list[dict], tps: list[DemoTps], op: dict, settings: Settings
               ) -> list[m.LogisticsLeg]:
    """Out: gudang KPU -> PPK (H-3) -> PPS (H-2) -> TPS (H-1); back: TPS -> PPS (H evening) -> PPK (H+1)."""
    h = settings.voting_day
    wh = region.areas[op["kpu_warehouse_desa"]]
    legs: list[m.LogisticsLeg] = []
    desa_akses = {t.desa_code: t.akses for t in tps}
    tps_by_desa: dict[str, list[DemoTps]] = {}
    for t in tps:
        tps_by_desa.setdefault(t.desa_code, []).append(t)

    def leg(direction, stage, a_name, a_lat, a_lon, b_name, b_lat, b_lon, kec, mode, depart, boxes, desa=None,
            tps_code=None):
        km = round(route_km(a_lat, a_lon, b_lat, b_lon, mode), 1)
        minutes = travel_minutes(km, mode, settings.road_speed_kmh, settings.river_speed_kmh)
        legs.append(m.LogisticsLeg(direction=direction, stage=stage, from_name=a_name, to_name=b_name, from_lat=a_lat,
                                   from_lon=a_lon, to_lat=b_lat, to_lon=b_lon, kecamatan_code=kec, desa_code=desa,
                                   tps_code=tps_code, mode=mode, distance_km=km, planned_depart=depart,
                                   planned_arrive=depart + dt.timedelta(minutes=round(minutes) + 15), boxes=boxes))

    for i, kec in enumerate(sorted({t.kecamatan_code for t in tps})):
        k = region.areas[kec]
        ppk = f"PPK {k.name}"
        n_boxes = sum(BOXES_PER_TPS for t in tps if t.kecamatan_code == kec)
        leg("berangkat", "gudang-ppk", op["kpu_warehouse"], wh.lat, wh.lon, ppk, k.lat, k.lon, kec, "darat",
            wib_at(h - dt.timedelta(days=3), dt.time(7, 0)) + dt.timedelta(minutes=30 * i), n_boxes)
        for j, d in enumerate(region.desa_of(kec)):
            if d.code not in tps_by_desa:
                continue
            mode = desa_akses[d.code]
            pps = f"PPS {d.name}"
            boxes = BOXES_PER_TPS * len(tps_by_desa[d.code])
            leg("berangkat", "ppk-pps", ppk, k.lat, k.lon, pps, d.lat, d.lon, kec, mode,
                wib_at(h - dt.timedelta(days=2), dt.time(8, 0)) + dt.timedelta(minutes=20 * j), boxes, d.code)
            for t in tps_by_desa[d.code]:
                # River legs leave in the morning: boats travel by daylight.
                start = dt.time(8, 0) if mode == "sungai" else dt.time(14, 0)
                leg("berangkat", "pps-tps", pps, d.lat, d.lon, f"TPS {t.number:03d} {d.name}", t.lat, t.lon, kec, mode,
                    wib_at(h - dt.timedelta(days=1), start) + dt.timedelta(minutes=15 * (t.number - 1)),
                    BOXES_PER_TPS, d.code, t.code)
                leg("kembali", "tps-pps", f"TPS {t.number:03d} {d.name}", t.lat, t.lon, pps, d.lat, d.lon, kec, mode,
                    wib_at(h, dt.time(18, 0)) + dt.timedelta(minutes=10 * (t.number - 1)), BOXES_PER_TPS, d.code,
                    t.code)
            back = dt.time(7, 0) if mode == "sungai" else dt.time(8, 0)
            leg("kembali", "pps-ppk", pps, d.lat, d.lon, ppk, k.lat, k.lon, kec, mode,
                wib_at(h + dt.timedelta(days=1), back) + dt.timedelta(minutes=20 * j), boxes, d.code)
    return legs


def _stakeholders(region: RegionData, rng: random.Random) -> list[m.Stakeholder]:
    out = []

    def person(title: str = "") -> str:
        return f"{title} {rng.choice(names.FIRST)} {rng.choice(names.LAST)}".strip()

    def phone() -> str:
        return f"08{rng.choice(('12', '13', '21', '52', '77'))}{rng.randint(10_000_000, 99_999_999)}"

    for k in region.of_level("kecamatan"):
        for role in ("kpu_ppk", "bawaslu_panwascam", "camat"):
            out.append(m.Stakeholder(kecamatan_code=k.code, role=role, name=person(), phone=phone()))
        for d in region.desa_of(k.code):
            roles = ("pps", "kepala_desa" if d.level == "desa" else "lurah", "tokoh_agama", "tokoh_masyarakat")
            for role in roles:
                title = rng.choice(names.TOKOH_AGAMA_TITLE) if role == "tokoh_agama" else ""
                out.append(m.Stakeholder(kecamatan_code=k.code, desa_code=d.code, role=role, name=person(title),
                                         phone=phone()))
    return out
