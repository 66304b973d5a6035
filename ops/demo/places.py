"""Demo Polsek and TPS: real desa, real TPS counts per kecamatan, plausible placement, kerawanan and DPT."""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from shapely.geometry import Point

from ops.clock import from_wib
from ops.geo import haversine_km, route_km, travel_minutes
from ops.region import Area, RegionData

ADDRESS_KIND = ("Balai Desa", "Halaman Masjid", "SD Negeri", "Rumah Warga", "Gedung Serbaguna", "Halaman Madrasah",
                "Pos Kamling")
INDIKATOR = {
    "sangat_rawan": ("riwayat konflik antarpendukung", "dekat kediaman paslon", "riwayat PSU pada pemilu sebelumnya",
                     "indikasi politik uang", "intimidasi terhadap penyelenggara"),
    "rawan": ("rawan banjir", "indikasi politik uang", "netralitas ASN/kades dipersoalkan", "sinyal seluler lemah",
              "DPT di atas 550 pemilih", "jarak jauh dari Polsek"),
}
RIVER = "akses hanya jalur sungai"


@dataclass
class DemoTps:
    code: str
    desa_code: str
    kecamatan_code: str
    number: int
    address: str
    lat: float
    lon: float
    akses: str
    polsek_code: str = ""
    dpt: int = 0
    kerawanan: str = "kurang_rawan"
    indikator: list[str] | None = None
    distance_km: float = 0.0
    travel_min: float = 0.0
    verification: str = "belum"
    verified_at: dt.datetime | None = None


def polsek_plan(region: RegionData, polsek_cfg: dict[str, list[str]]) -> list[dict]:
    plan = []
    for name, kecs in polsek_cfg.items():
        main = kecs[0]
        kelurahan = [a for a in region.desa_of(main) if a.level == "kelurahan"]
        hq = kelurahan[0] if kelurahan else region.areas[main]
        code = "PS-" + name.removeprefix("Polsek ").upper().replace(" ", "-")
        plan.append({"code": code, "name": name, "hq_lat": hq.lat, "hq_lon": hq.lon, "kecamatan": list(kecs)})
    return plan


def point_in(region: RegionData, code: str, rng: random.Random) -> tuple[float, float]:
    """A point inside the desa polygon, drawn around its centre where settlements usually are."""
    geom = region.geometries[code]
    prepared = region._shapes[code]
    minx, miny, maxx, maxy = geom.bounds
    centre = geom.representative_point() if not geom.contains(geom.centroid) else geom.centroid
    sx, sy = (maxx - minx) / 5, (maxy - miny) / 5
    for _ in range(400):
        x, y = rng.gauss(centre.x, sx), rng.gauss(centre.y, sy)
        if prepared.contains(Point(x, y)):
            return round(y, 6), round(x, 6)
    return round(centre.y, 6), round(centre.x, 6)


def spread(total: int, weights: dict[str, float], minimum: int = 1) -> dict[str, int]:
    """Split an integer total over keys by weight (largest remainder), each key getting at least `minimum`."""
    keys = sorted(weights)
    base = {k: minimum for k in keys}
    rest = total - minimum * len(keys)
    wsum = sum(weights.values())
    raw = {k: rest * weights[k] / wsum for k in keys}
    for k in keys:
        base[k] += int(raw[k])
    short = total - sum(base.values())
    for k in sorted(keys, key=lambda k: -(raw[k] - int(raw[k])))[:short]:
        base[k] += 1
    return base


def weighted_pick(items: list, weights: list[float], n: int, rng: random.Random) -> list:
    """n items without replacement, chance proportional to weight (Efraimidis–Spirakis keys)."""
    keyed = sorted(zip(items, weights), key=lambda iw: -(rng.random() ** (1.0 / iw[1])))
    return [i for i, _ in keyed[:n]]


def kecamatan_seat(region: RegionData, kec: str) -> Area:
    """The kecamatan's town: its kelurahan nearest the centre, else the desa named after the kecamatan, else the desa
    nearest the centre."""
    centre = region.areas[kec]
    desa = region.desa_of(kec)

    def nearest(areas: list[Area]) -> Area:
        return min(areas, key=lambda a: haversine_km(a.lat, a.lon, centre.lat, centre.lon))
    kelurahan = [a for a in desa if a.level == "kelurahan"]
    named = [a for a in desa if a.name.lower().startswith(centre.name.lower())]
    return nearest(kelurahan or named or desa)


def km_to_line(lat: float, lon: float, line: list[tuple[float, float]]) -> float:
    """Distance (km) from a point to a polyline of (lat, lon), on a local flat projection (fine over a kabupaten)."""
    kx, ky = 111.32 * math.cos(math.radians(lat)), 110.57
    best = math.inf
    for (alat, alon), (blat, blon) in zip(line, line[1:]):
        ax, ay, bx, by = (alon - lon) * kx, (alat - lat) * ky, (blon - lon) * kx, (blat - lat) * ky
        dx, dy = bx - ax, by - ay
        t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def river_desa(region: RegionData, river: dict) -> set[str]:
    """Desa reached only by boat: in a lowland kecamatan, farther than `seat_km` from its town and `road_km` from the
    main road. A kelurahan is a town and always on the road network."""
    road = [tuple(p) for p in river["road"]]
    out = set()
    for kec in river["kecamatan"]:
        seat = kecamatan_seat(region, kec)
        out.update(a.code for a in region.desa_of(kec)
                   if a.level == "desa" and haversine_km(a.lat, a.lon, seat.lat, seat.lon) > river["seat_km"]
                   and km_to_line(a.lat, a.lon, road) > river["road_km"])
    return out


def build_tps(region: RegionData, tps_per_kec: dict[str, int], river: dict, polsek: list[dict],
              shares: tuple[float, float], dpt_total: int, settings, rng: random.Random) -> list[DemoTps]:
    kec_polsek = {k: p for p in polsek for k in p["kecamatan"]}
    by_boat = river_desa(region, river)

    out: list[DemoTps] = []
    for kec, count in sorted(tps_per_kec.items()):
        desa = region.desa_of(kec)
        # Kelurahan and larger desa hold more voters, hence more TPS; every desa has at least one.
        weights = {a.code: (2.0 if a.level == "kelurahan" else 1.0) * (0.6 + rng.random()) for a in desa}
        per_desa = spread(count, weights)
        for a in desa:
            for n in range(1, per_desa[a.code] + 1):
                lat, lon = point_in(region, a.code, rng)
                kind = "Balai Desa" if n == 1 and a.level == "desa" else rng.choice(ADDRESS_KIND)
                if a.level == "kelurahan" and kind == "Balai Desa":
                    kind = "Kantor Kelurahan"
                out.append(DemoTps(code=f"{a.code}.{n:03d}", desa_code=a.code, kecamatan_code=kec, number=n,
                                   address=f"{kind} {a.name}, Dusun {rng.randint(1, 5)}", lat=lat, lon=lon,
                                   akses="sungai" if a.code in by_boat else "darat"))
    n_total = len(out)
    n_sangat, n_rawan = round(n_total * shares[0]), round(n_total * shares[1])
    weights = [4.0 if t.akses == "sungai" else 1.0 for t in out]
    picked = weighted_pick(list(range(n_total)), weights, n_sangat + n_rawan, rng)
    for i in picked[:n_sangat]:
        out[i].kerawanan = "sangat_rawan"
    for i in picked[n_sangat:]:
        out[i].kerawanan = "rawan"

    for t in out:
        p = kec_polsek[t.kecamatan_code]
        t.polsek_code = p["code"]
        t.distance_km = round(route_km(p["hq_lat"], p["hq_lon"], t.lat, t.lon, t.akses), 1)
        t.travel_min = round(travel_minutes(t.distance_km, t.akses, settings.road_speed_kmh, settings.river_speed_kmh))
        ind = []
        if t.kerawanan in INDIKATOR:
            ind = rng.sample(INDIKATOR[t.kerawanan], 3 if t.kerawanan == "sangat_rawan" else rng.randint(1, 2))
        if t.akses == "sungai" and t.kerawanan != "kurang_rawan":
            ind = [RIVER] + ind[:-1] if ind else [RIVER]
        t.indikator = ind
    _set_dpt(out, dpt_total, rng)
    _set_verification(out, rng)
    return out


def _set_dpt(tps: list[DemoTps], total: int, rng: random.Random) -> None:
    raw = [min(600, max(180, rng.gauss(470, 70))) for _ in tps]
    scale = total / sum(raw)
    for t, r in zip(tps, raw):
        t.dpt = min(600, int(r * scale))
    i = 0
    while sum(t.dpt for t in tps) < total:  # hand out the rounding remainder, never above 600 voters a TPS
        if tps[i % len(tps)].dpt < 600:
            tps[i % len(tps)].dpt += 1
        i += 1


def _set_verification(tps: list[DemoTps], rng: random.Random) -> None:
    """Most TPS were checked after the 18 Oct data-update meeting; a few still need a visit."""
    first = from_wib(dt.datetime(2024, 10, 18, 9, 0))
    for t in tps:
        r = rng.random()
        if r < 0.955:
            t.verification = "terverifikasi"
            t.verified_at = first + dt.timedelta(days=rng.randint(0, 32), hours=rng.randint(0, 8),
                                                 minutes=rng.randint(0, 59))
        elif r < 0.98:
            t.verification = "perlu_cek"
            t.verified_at = first + dt.timedelta(days=rng.randint(20, 36))
