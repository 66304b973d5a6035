"""The demo's story as a pure function of time: when each TPS opens and counts, where each officer is, when each
logistics leg moves, which incidents happen (the weather is in ops.demo.weather). Deterministic per seed; any moment
can be asked for."""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from dataclasses import dataclass

from ops.clock import wib_at

POSITION_STEP = dt.timedelta(minutes=5)
PATROL_DWELL = dt.timedelta(minutes=45)


def rng_for(seed: int, *key) -> random.Random:
    h = hashlib.sha256(("|".join(map(str, (seed, *key)))).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


@dataclass(frozen=True)
class TpsInfo:
    code: str
    lat: float
    lon: float
    kerawanan: str
    akses: str
    dpt: int
    kecamatan_code: str


def tps_milestones(seed: int, t: TpsInfo, voting_day: dt.date, open_t: dt.time, close_t: dt.time
                   ) -> list[tuple[str, dt.datetime, str | None]]:
    """(status, when, note) for one TPS through voting day and the return of its boxes."""
    r = rng_for(seed, "tps", t.code)
    h = voting_day
    out = []
    siap = wib_at(h - dt.timedelta(days=1), dt.time(17, 0)) + dt.timedelta(minutes=r.uniform(0, 300))
    late = r.random() < 0.05
    if late:  # logistics or KPPS late: ready only in the morning
        siap = wib_at(h, dt.time(6, 0)) + dt.timedelta(minutes=r.uniform(0, 70))
    out.append(("siap", siap, "logistik dan KPPS lengkap"))
    opened = wib_at(h, open_t) + dt.timedelta(minutes=max(0.0, r.gauss(4, 4)))
    if late or r.random() < 0.03:
        opened = max(opened, siap) + dt.timedelta(minutes=r.uniform(25, 90))
    if rng_for(seed, "buka-siang", t.code).random() < 0.006:
        # A KPPS without its full crew or materials opens only before noon: the morning's open question.
        opened = wib_at(h, dt.time(10, 15)) + dt.timedelta(minutes=rng_for(seed, "buka-siang-jam", t.code).uniform(0, 75))
    out.append(("dibuka", opened, "terlambat dibuka" if opened > wib_at(h, open_t) + dt.timedelta(minutes=20) else None))
    out.append(("pemungutan", opened + dt.timedelta(minutes=r.uniform(3, 10)), None))
    if r.random() < 0.012 + (0.05 if t.kerawanan == "sangat_rawan" else 0):
        out.append(("gangguan", wib_at(h, dt.time(8, 30)) + dt.timedelta(minutes=r.uniform(0, 240)),
                    r.choice(("keributan kecil, dapat diredam", "pemilih tidak terdaftar memaksa masuk",
                              "listrik padam, penerangan darurat"))))
    counting = wib_at(h, close_t) + dt.timedelta(minutes=r.uniform(5, 30))
    out.append(("penghitungan", counting, None))
    done = counting + dt.timedelta(minutes=90 + t.dpt * r.uniform(0.25, 0.45))
    out.append(("selesai", done, None))
    sent = done + dt.timedelta(minutes=r.uniform(20, 60))
    out.append(("kotak_dikirim", sent, None))
    travel = 60 if t.akses == "sungai" else 20
    received = max(sent + dt.timedelta(minutes=travel * r.uniform(1.0, 1.6)),
                   wib_at(h + dt.timedelta(days=1), dt.time(7, 0)) + dt.timedelta(minutes=r.uniform(0, 240)))
    out.append(("kotak_diterima_ppk", received, None))
    return sorted(out, key=lambda x: x[1])


@dataclass(frozen=True)
class Officer:
    nrp: str
    device_id: str
    hq: tuple[float, float]
    posts: tuple[tuple[float, float], ...]  # the TPS of the officer's guard cluster


def officer_plan(seed: int, o: Officer, voting_day: dt.date) -> dict:
    r = rng_for(seed, "officer", o.nrp)
    # PAM TPS leave their Polsek before dawn so as to stand at the TPS by about 06:00; a few are late.
    depart = wib_at(voting_day, dt.time(4, 15)) + dt.timedelta(minutes=r.uniform(0, 60))
    late = r.random() < 0.05
    arrive = depart + dt.timedelta(minutes=r.uniform(20, 75) + (r.uniform(90, 180) if late else 0))
    silent_from = None
    if r.random() < 0.04:  # a tracker that dies: battery or no signal
        silent_from = wib_at(voting_day, dt.time(8, 0)) + dt.timedelta(minutes=r.uniform(0, 180))
    return {"depart": depart, "arrive": arrive, "silent_from": silent_from,
            "start": wib_at(voting_day, dt.time(4, 0)), "end": wib_at(voting_day + dt.timedelta(days=1), dt.time(2))}


def _jitter(seed: int, nrp: str, at: dt.datetime, metres: float) -> tuple[float, float]:
    r = rng_for(seed, "gps", nrp, int(at.timestamp()) // 60)
    return r.gauss(0, metres) / 111_320, r.gauss(0, metres) / 111_320


def position_at(seed: int, o: Officer, plan: dict, at: dt.datetime) -> tuple[float, float] | None:
    """Where the officer's tracker says it is at `at`, or None when it sends nothing."""
    if at < plan["start"] or at > plan["end"] or (plan["silent_from"] and at >= plan["silent_from"]):
        return None
    if at < plan["depart"]:
        lat, lon = o.hq
    elif at < plan["arrive"]:
        f = (at - plan["depart"]) / (plan["arrive"] - plan["depart"])
        lat = o.hq[0] + (o.posts[0][0] - o.hq[0]) * f
        lon = o.hq[1] + (o.posts[0][1] - o.hq[1]) * f
    else:
        # Patrol between the cluster's TPS: a dwell at each, then on to the next.
        i = int((at - plan["arrive"]) / PATROL_DWELL) % len(o.posts) if len(o.posts) > 1 else 0
        lat, lon = o.posts[i]
    dlat, dlon = _jitter(seed, o.nrp, at, 12.0)
    return round(lat + dlat, 6), round(lon + dlon, 6)


def position_times(since: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """Fix times on the 5-minute grid in (since, until]."""
    step = POSITION_STEP.total_seconds()
    first = math.floor(since.timestamp() / step) * step + step
    out, t = [], first
    while t <= until.timestamp():
        out.append(dt.datetime.fromtimestamp(t, dt.timezone.utc))
        t += step
    return out


def leg_times(seed: int, leg_id: int, depart: dt.datetime, arrive: dt.datetime, mode: str
              ) -> list[tuple[str, dt.datetime]]:
    r = rng_for(seed, "leg", leg_id)
    go = depart + dt.timedelta(minutes=r.gauss(0, 12) + (r.uniform(45, 120) if r.random() < 0.05 else 0))
    slow = r.uniform(0.9, 1.5 if mode == "sungai" else 1.25)
    there = go + (arrive - depart) * slow
    return [("berangkat", go), ("tiba", there), ("diserahkan", there + dt.timedelta(minutes=r.uniform(5, 20)))]


INCIDENTS = (
    # (day offset from H, WIB time, category, severity, kerawanan of the TPS it picks, title, updates [(minutes, state)])
    (-2, dt.time(21, 10), "perusakan APK", "rendah", "kurang_rawan", "Baliho paslon dirusak orang tak dikenal",
     ((40, "ditangani"), (900, "selesai"))),
    (-1, dt.time(20, 30), "politik uang", "sedang", "rawan", "Dugaan pembagian uang kepada warga dilaporkan",
     ((30, "ditangani"),)),
    (0, dt.time(9, 40), "keributan", "tinggi", "sangat_rawan", "Keributan antarpendukung di sekitar TPS",
     ((20, "ditangani"), (110, "selesai"))),
    (0, dt.time(10, 25), "gangguan pemungutan", "sedang", "rawan", "Pemilih tidak terdaftar memaksa mencoblos",
     ((15, "ditangani"),)),
    (0, dt.time(14, 20), "protes saksi", "sedang", "rawan", "Saksi paslon memprotes hasil penghitungan",
     ((25, "ditangani"), (150, "selesai"))),
    (0, dt.time(19, 5), "logistik", "tinggi", "sangat_rawan", "Perahu pengangkut kotak suara mogok di sungai",
     ((30, "ditangani"), (200, "selesai"))),
)
