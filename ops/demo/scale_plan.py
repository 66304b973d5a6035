"""The plan of a synthetic Polda or national operation, one kabupaten/kota (one Polres) at a time: its Polsek, TPS in
its real desa, guard clusters, personnel by pola, the logistics plan, stakeholders and coordination.

Pure: rows come out as tuples for the bulk writer, nothing touches the database. Every kabupaten draws from its own
random stream (seed + its code), so a kabupaten comes out the same whatever else is built beside it.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from ops.clock import from_wib, wib_at
from ops.demo import names
from ops.demo.operation import _bintara
from ops.demo.places import ADDRESS_KIND, INDIKATOR, RIVER, DemoTps, _set_verification, point_in, spread, weighted_pick
from ops.demo.scenario import rng_for
from ops.deployment import GuardCluster, TpsPoint, plan_clusters
from ops.places import polres_name
from ops.geo import haversine_km, route_km, travel_minutes
from ops.region import DESA_LEVELS, Area, RegionData, kabupaten_of, near
from ops.tasks import LegPlan

POLSEK_SHARE = 0.65  # Ogan Ilir: 10 Polsek for 16 kecamatan; the smaller kecamatan share the nearest one's Polsek
RIVER_KECAMATAN_SHARE = 0.2  # kecamatan with desa reached only by boat
RIVER_DESA_SHARE = 0.3  # of such a kecamatan, its desa farthest from the centre
DPT_MEAN, DPT_SD, DPT_MAX = 249, 35, 300  # Pemilu 2024: 204.8 million voters at 823,220 TPS, at most 300 a TPS
BKO_SHARE = 0.03  # Brimob reinforcements of the Polda per TPS (Ogan Ilir: 20 for 667)
BOXES_PER_TPS = 2
TPS_NEAR_KM = 0.6  # a TPS of a desa without a boundary stands within this of the desa's point

PERSON_COLUMNS = ("nrp", "name", "rank", "unit", "polsek_code", "role", "bko", "device_id", "polres_code")
TPS_COLUMNS = ("code", "desa_code", "kecamatan_code", "number", "address", "lat", "lon", "dpt", "kerawanan",
               "indikator", "akses", "polsek_code", "distance_km", "travel_min", "linmas", "cluster_code",
               "verification", "verified_at", "verified_by")
LEG_COLUMNS = ("id", "direction", "stage", "from_name", "to_name", "from_lat", "from_lon", "to_lat", "to_lon",
               "kecamatan_code", "desa_code", "tps_code", "mode", "distance_km", "planned_depart", "planned_arrive",
               "boxes")
STAKEHOLDER_COLUMNS = ("kecamatan_code", "desa_code", "role", "name", "phone")
COORDINATION_COLUMNS = ("occurred_at", "recorded_at", "kecamatan_code", "desa_code", "roles_met", "topic", "led_by",
                        "source")


@dataclass(frozen=True)
class PolsekPlan:
    code: str
    name: str
    hq_lat: float
    hq_lon: float
    kecamatan: tuple[str, ...]


@dataclass
class KabupatenPlan:
    """One Polres: what the bulk writer stores and what the voting day is made from."""
    kabupaten: Area
    polsek: list[PolsekPlan]
    tps: list[DemoTps]
    clusters: list[GuardCluster]
    people: list[tuple] = field(default_factory=list)  # PERSON_COLUMNS
    short: dict[str, int] = field(default_factory=dict)  # Polsek short of guards on purpose: the BKO fills them
    legs: list[tuple] = field(default_factory=list)  # (id, stage, depart, arrive, mode), once written
    patrols: dict[str, str] = field(default_factory=dict)  # NRP -> Polsek patrolled when the demo opens, once planned

    @property
    def name(self) -> str:
        return polres_name(self.kabupaten.name)


def tps_per_desa(region: RegionData, total: int, seed: int) -> dict[str, int]:
    """Split the TPS total over the desa in proportion (a kelurahan counts double, every desa a little apart), first
    over the kabupaten so that each has at least one, then over its desa: each desa gets one when there are enough."""
    weight = {d.code: (2.0 if d.level == "kelurahan" else 1.0) * (0.6 + rng_for(seed, "desa", d.code).random())
              for d in region.of_level(*DESA_LEVELS)}
    by_kab: dict[str, dict[str, float]] = {}
    for code, w in weight.items():
        by_kab.setdefault(kabupaten_of(code), {})[code] = w
    per_kab = spread(total, {k: sum(v.values()) for k, v in by_kab.items()}, minimum=1)
    out: dict[str, int] = {}
    for kab, desa in by_kab.items():
        n = per_kab[kab]
        out.update(spread(n, desa, minimum=1 if n >= len(desa) else 0))
    return {code: n for code, n in out.items() if n}


def plan_polsek(region: RegionData, tps_of_kec: dict[str, int]) -> list[PolsekPlan]:
    """The larger kecamatan each have a Polsek named after them ('Polsek Kayuagung'); a smaller one shares the
    nearest one's. The HQ stands in the main kecamatan's first kelurahan, else at its centre."""
    kecs = sorted(tps_of_kec, key=lambda k: (-tps_of_kec[k], k))
    mains = kecs[:max(1, math.ceil(len(kecs) * POLSEK_SHARE))]
    groups = {k: [k] for k in mains}
    for k in kecs[len(mains):]:
        a = region.areas[k]
        home = min(mains, key=lambda x: (haversine_km(a.lat, a.lon, region.areas[x].lat, region.areas[x].lon), x))
        groups[home].append(k)
    out = []
    for main in sorted(groups):
        kelurahan = [d for d in region.desa_of(main) if d.level == "kelurahan"]
        hq = kelurahan[0] if kelurahan else region.areas[main]
        out.append(PolsekPlan(f"PS-{main}", f"Polsek {region.areas[main].name}", hq.lat, hq.lon,
                              tuple(sorted(groups[main]))))
    return out


def plan_kabupaten(region: RegionData, kab: Area, per_desa: dict[str, int], shares: tuple[float, float],
                   pola: dict, settings, seed: int) -> KabupatenPlan:
    rng = rng_for(seed, "kabupaten", kab.code)
    desa = [region.areas[c] for c in sorted(per_desa)]  # per_desa: this kabupaten's desa
    tps_of_kec: dict[str, int] = {}
    for d in desa:
        tps_of_kec[d.parent_code] = tps_of_kec.get(d.parent_code, 0) + per_desa[d.code]
    polsek = plan_polsek(region, tps_of_kec)
    polsek_of = {k: p for p in polsek for k in p.kecamatan}
    river = _river_desa(region, sorted(tps_of_kec), rng)
    tps: list[DemoTps] = []
    for d in desa:
        for n in range(1, per_desa[d.code] + 1):
            code = f"{d.code}.{n:03d}"
            if d.code in region.geometries:
                lat, lon = point_in(region, d.code, rng)
            else:
                lat, lon = (round(x, 6) for x in near((d.lat, d.lon), code, TPS_NEAR_KM))
            kind = "Balai Desa" if n == 1 and d.level == "desa" else rng.choice(ADDRESS_KIND)
            if d.level == "kelurahan" and kind == "Balai Desa":
                kind = "Kantor Kelurahan"
            tps.append(DemoTps(code=code, desa_code=d.code, kecamatan_code=d.parent_code, number=n,
                               address=f"{kind} {d.name}, Dusun {rng.randint(1, 5)}"[:200], lat=lat, lon=lon,
                               akses="sungai" if d.code in river else "darat"))
    _classify(tps, shares, rng)
    for t in tps:
        p = polsek_of[t.kecamatan_code]
        t.polsek_code = p.code
        t.distance_km = round(route_km(p.hq_lat, p.hq_lon, t.lat, t.lon, t.akses), 1)
        t.travel_min = round(travel_minutes(t.distance_km, t.akses, settings.road_speed_kmh, settings.river_speed_kmh))
        t.dpt = int(min(DPT_MAX, max(60, rng.gauss(DPT_MEAN, DPT_SD))))
    _set_verification(tps, rng)
    clusters = plan_clusters([TpsPoint(t.code, t.polsek_code, t.kerawanan, t.lat, t.lon, t.akses) for t in tps],
                             pola, settings.road_speed_kmh, settings.river_speed_kmh)
    return KabupatenPlan(kab, polsek, tps, clusters)


def _river_desa(region: RegionData, kecamatan: list[str], rng: random.Random) -> set[str]:
    out: set[str] = set()
    for kec in kecamatan:
        if rng.random() >= RIVER_KECAMATAN_SHARE:
            continue
        centre, desa = region.areas[kec], region.desa_of(kec)
        far = sorted(desa, key=lambda a: (-((a.lat - centre.lat) ** 2 + (a.lon - centre.lon) ** 2), a.code))
        out.update(a.code for a in far[:max(1, round(len(desa) * RIVER_DESA_SHARE))])
    return out


def _classify(tps: list[DemoTps], shares: tuple[float, float], rng: random.Random) -> None:
    """Kerawanan in the Ogan Ilir shares (river TPS four times as likely), with the indicators behind each class."""
    n_sangat, n_rawan = round(len(tps) * shares[0]), round(len(tps) * shares[1])
    picked = weighted_pick(list(range(len(tps))), [4.0 if t.akses == "sungai" else 1.0 for t in tps],
                           n_sangat + n_rawan, rng)
    for i in picked[:n_sangat]:
        tps[i].kerawanan = "sangat_rawan"
    for i in picked[n_sangat:]:
        tps[i].kerawanan = "rawan"
    for t in tps:
        ind = []
        if t.kerawanan in INDIKATOR:
            ind = rng.sample(INDIKATOR[t.kerawanan], 3 if t.kerawanan == "sangat_rawan" else rng.randint(1, 2))
        if t.akses == "sungai" and t.kerawanan != "kurang_rawan":
            ind = [RIVER] + ind[:-1] if ind else [RIVER]
        t.indikator = ind


class Roster:
    """NRPs (8 digits: birth year, month, a number) and tracker ids, unique over the whole operation."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.nrps: set[str] = set()
        self.devices = 0

    def nrp(self) -> str:
        while True:
            nrp = f"{self.rng.randint(1972, 2003) % 100:02d}{self.rng.randint(1, 12):02d}{self.rng.randint(0, 9999):04d}"
            if nrp not in self.nrps:
                self.nrps.add(nrp)
                return nrp

    def device(self, prefix: str) -> str:
        self.devices += 1
        return f"{prefix}-{self.devices:06d}"


def plan_people(plan: KabupatenPlan, roster: Roster, seed: int, task_plan: dict[str, int]) -> None:
    """The Polres roster: its leaders and Posko staff, a Kapolsek and the guards the pola asks for per Polsek (two
    Polsek short on purpose, as in Ogan Ilir, for the BKO to fill), logistics escorts, patrols, the warehouse guard and
    the reserves (`task_plan`: the settings' officers a shift)."""
    rng = rng_for(seed, "personel", plan.kabupaten.code)
    polres = plan.name
    prefix = "POLRES-" + plan.kabupaten.code.replace(".", "")

    def add(rank: str, unit: str, role: str, polsek_code: str | None = None, device: bool = True) -> None:
        plan.people.append((roster.nrp(), f"{rng.choice(names.FIRST)} {rng.choice(names.LAST)}", rank, unit[:80],
                            polsek_code, role, False, roster.device(prefix) if device else None,
                            None if polsek_code else plan.kabupaten.code))

    add("AKBP", polres, "Kapolres", device=False)
    add("KOMPOL", polres, "Wakapolres", device=False)
    add("KOMPOL", f"Bag Ops {polres}", "Kabag Ops / Kepala Posko", device=False)
    need = {p.code: sum(c.polri_required for c in plan.clusters if c.polsek_code == p.code) for p in plan.polsek}
    if len(plan.polsek) >= 3:
        for p in rng.sample(plan.polsek, 2):
            plan.short[p.code] = min(rng.randint(2, 4), need[p.code] // 3)
    for p in plan.polsek:
        add(rng.choice(("AKP", "IPTU")), p.name, "Kapolsek", p.code)
        for _ in range(need[p.code] - plan.short.get(p.code, 0)):
            add(_bintara(rng), p.name, "PAM TPS", p.code)
    for _ in range(4):
        add(rng.choice(("IPDA", "AIPTU", "BRIPKA")), f"Bag Ops {polres}", "Staf Posko", device=False)
    for _ in range(math.ceil(len(plan.tps) / 40)):
        add(_bintara(rng), f"Sat Polairud {polres}", "Pengawalan logistik")
    # Patrols for each Polsek in both shifts of a day, as task_plan asks (ops.planner fills them), or one for every
    # 25 TPS where that is more; then the warehouse and each Polsek's reserve in both shifts.
    for _ in range(max(math.ceil(len(plan.tps) / 25), 2 * len(plan.polsek) * task_plan.get("patroli", 0))):
        add(_bintara(rng), f"Sat Samapta {polres}", "Patroli")
    # No trackers: the demo's voting day moves the guards only, and a silent tracker would read as a fault.
    for _ in range(2 * task_plan.get("pam_gudang", 0)):
        add(_bintara(rng), f"Sie Propam {polres}", "PAM gudang KPU", device=False)
    for _ in range(len(plan.polsek) * task_plan.get("cadangan", 0)):
        add(_bintara(rng), f"Sat Reskrim {polres}", "Cadangan", device=False)


def bko_people(province_code: str, province_name: str, n_tps: int, roster: Roster, seed: int) -> list[tuple]:
    """The Polda's Brimob reinforcements: no Polsek of their own, sent where the gap hurts most."""
    rng = rng_for(seed, "bko", province_code)
    return [(roster.nrp(), f"{rng.choice(names.FIRST)} {rng.choice(names.LAST)}", _bintara(rng),
             f"BKO Sat Brimob Polda {province_name}".strip()[:80], None, "PAM TPS (BKO)", True,
             roster.device("BKO-" + province_code), None)
            for _ in range(math.ceil(n_tps * BKO_SHARE))]


def leg_plans(plan: KabupatenPlan, legs: list[tuple]) -> list[LegPlan]:
    """`legs` (LEG_COLUMNS rows) as the escort planner sees them (ops.planner.leg_plans): the warehouse legs are the
    Polres's, the others the Polsek's that covers the kecamatan."""
    polsek_of = {k: p.code for p in plan.polsek for k in p.kecamatan}
    return [LegPlan(x[2], x[12], x[9], None if x[2] == "gudang-ppk" else polsek_of.get(x[9]), x[14], x[15], x[16])
            for x in legs]


def tps_rows(plan: KabupatenPlan, verifier: str):
    cluster_of = {c: cl.code for cl in plan.clusters for c in cl.tps_codes}
    for t in plan.tps:
        yield (t.code, t.desa_code, t.kecamatan_code, t.number, t.address, t.lat, t.lon, t.dpt, t.kerawanan,
               t.indikator or [], t.akses, t.polsek_code, t.distance_km, t.travel_min, 2, cluster_of[t.code],
               t.verification, t.verified_at, verifier if t.verified_at else None)


def leg_rows(region: RegionData, plan: KabupatenPlan, first_id: int, settings):
    """The ballot-box legs as in the Ogan Ilir demo: gudang KPU -> PPK (H-3) -> PPS (H-2) -> TPS (H-1); back
    TPS -> PPS (H evening) -> PPK (H+1). Ids are given here: the voting day's hand-overs are keyed on them."""
    h = settings.voting_day
    kab = plan.kabupaten
    warehouse = f"Gudang Logistik KPU {kab.name}"
    next_id = first_id
    by_desa: dict[str, list[DemoTps]] = {}
    for t in plan.tps:
        by_desa.setdefault(t.desa_code, []).append(t)

    def leg(direction, stage, a, b, kec, mode, depart, boxes, desa=None, tps_code=None):
        nonlocal next_id
        km = round(route_km(a[1], a[2], b[1], b[2], mode), 1)
        minutes = travel_minutes(km, mode, settings.road_speed_kmh, settings.river_speed_kmh)
        row = (next_id, direction, stage, a[0][:160], b[0][:160], a[1], a[2], b[1], b[2], kec, desa, tps_code, mode,
               km, depart, depart + dt.timedelta(minutes=round(minutes) + 15), boxes)
        next_id += 1
        return row

    kecs = sorted({t.kecamatan_code for t in plan.tps})
    for i, kec in enumerate(kecs):
        k = region.areas[kec]
        ppk = (f"PPK {k.name}", k.lat, k.lon)
        desa = [d for d in region.desa_of(kec) if d.code in by_desa]
        n_boxes = BOXES_PER_TPS * sum(len(by_desa[d.code]) for d in desa)
        yield leg("berangkat", "gudang-ppk", (warehouse, kab.lat, kab.lon), ppk, kec, "darat",
                  wib_at(h - dt.timedelta(days=3), dt.time(7, 0)) + dt.timedelta(minutes=30 * i), n_boxes)
        for j, d in enumerate(desa):
            tps = by_desa[d.code]
            mode = tps[0].akses
            pps = (f"PPS {d.name}", d.lat, d.lon)
            boxes = BOXES_PER_TPS * len(tps)
            yield leg("berangkat", "ppk-pps", ppk, pps, kec, mode,
                      wib_at(h - dt.timedelta(days=2), dt.time(8, 0)) + dt.timedelta(minutes=20 * j), boxes, d.code)
            for t in tps:
                at_tps = (f"TPS {t.number:03d} {d.name}", t.lat, t.lon)
                start = dt.time(8, 0) if mode == "sungai" else dt.time(14, 0)  # boats travel by daylight
                yield leg("berangkat", "pps-tps", pps, at_tps, kec, mode,
                          wib_at(h - dt.timedelta(days=1), start) + dt.timedelta(minutes=15 * (t.number - 1)),
                          BOXES_PER_TPS, d.code, t.code)
                yield leg("kembali", "tps-pps", at_tps, pps, kec, mode,
                          wib_at(h, dt.time(18, 0)) + dt.timedelta(minutes=10 * (t.number - 1)), BOXES_PER_TPS,
                          d.code, t.code)
            back = dt.time(7, 0) if mode == "sungai" else dt.time(8, 0)
            yield leg("kembali", "pps-ppk", pps, ppk, kec, mode,
                      wib_at(h + dt.timedelta(days=1), back) + dt.timedelta(minutes=20 * j), boxes, d.code)


def stakeholder_rows(region: RegionData, plan: KabupatenPlan, seed: int):
    rng = rng_for(seed, "pemangku", plan.kabupaten.code)
    desa_with_tps = {t.desa_code for t in plan.tps}

    def person(title: str = "") -> str:
        return f"{title} {rng.choice(names.FIRST)} {rng.choice(names.LAST)}".strip()

    def phone() -> str:
        return f"08{rng.choice(('12', '13', '21', '52', '77'))}{rng.randint(10_000_000, 99_999_999)}"

    for kec in sorted({t.kecamatan_code for t in plan.tps}):
        for role in ("kpu_ppk", "bawaslu_panwascam", "camat"):
            yield (kec, None, role, person(), phone())
        for d in region.desa_of(kec):
            if d.code not in desa_with_tps:
                continue
            for role in ("pps", "kepala_desa" if d.level == "desa" else "lurah", "tokoh_agama", "tokoh_masyarakat"):
                title = rng.choice(names.TOKOH_AGAMA_TITLE) if role == "tokoh_agama" else ""
                yield (kec, d.code, role, person(title), phone())


def coordination_rows(region: RegionData, plan: KabupatenPlan, settings, seed: int):
    """Before voting day every kecamatan met, and most desa visited by their Bhabinkamtibmas (a few not yet)."""
    rng = rng_for(seed, "koordinasi", plan.kabupaten.code)
    start = from_wib(dt.datetime(2024, 11, 1, 9, 0))
    span = (wib_at(settings.voting_day - dt.timedelta(days=1), dt.time(16, 0)) - start).total_seconds()
    polsek_of = {k: p.name for p in plan.polsek for k in p.kecamatan}
    desa_with_tps = {t.desa_code for t in plan.tps}
    for kec in sorted(polsek_of):
        at = start + dt.timedelta(seconds=rng.random() * span * 0.6)
        yield (at, at, kec, None, ["kpu_ppk", "bawaslu_panwascam", "camat"],
               "Rapat koordinasi pengamanan TPS dan distribusi logistik", f"Kapolsek ({polsek_of[kec]})", "demo")
        for d in region.desa_of(kec):
            if d.code not in desa_with_tps or rng.random() < 0.12:
                continue
            at = start + dt.timedelta(seconds=rng.random() * span)
            roles = ["kepala_desa" if d.level == "desa" else "lurah", "pps"]
            roles += [r for r in ("tokoh_agama", "tokoh_masyarakat") if rng.random() < 0.75]
            yield (at, at, kec, d.code, roles, "Sambang desa: cooling system Pilkada damai", "Bhabinkamtibmas",
                   "demo")
