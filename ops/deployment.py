"""Pola pengamanan: guard clusters of TPS by travel time, required vs assigned personnel; and every officer's task
shift by shift (ops.tasks says what each shift needs).

A pola Polri-TPS-Linmas such as 2-8-16 means one guard cluster of up to 8 TPS is guarded by 2 Polri and 16 Linmas.
Clusters never mix kerawanan classes or Polsek, and are grown from the farthest TPS inwards so that the remote ones
are not left in scraps at the end.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from ops.geo import route_km, travel_minutes
from ops.tasks import PAM_TPS, LegPlan, Need, Window, needs_by_window

SEVERITY_ORDER = {"sangat_rawan": 0, "rawan": 1, "kurang_rawan": 2}


@dataclass(frozen=True)
class TpsPoint:
    code: str
    polsek_code: str
    kerawanan: str
    lat: float
    lon: float
    akses: str = "darat"


@dataclass
class GuardCluster:
    code: str
    polsek_code: str
    kerawanan: str
    tps_codes: list[str]
    polri_required: int
    linmas_required: int
    lat: float
    lon: float
    span_minutes: float  # longest travel time from the cluster's first TPS to another of its TPS
    assigned: list[str] = field(default_factory=list)

    @property
    def gap(self) -> int:
        return self.polri_required - len(self.assigned)


def minutes_between(a: TpsPoint, b: TpsPoint, road_kmh: float, river_kmh: float) -> float:
    mode = "sungai" if "sungai" in (a.akses, b.akses) else "darat"
    return travel_minutes(route_km(a.lat, a.lon, b.lat, b.lon, mode), mode, road_kmh, river_kmh)


def plan_clusters(tps: list[TpsPoint], pola: dict[str, tuple[int, int, int]], road_kmh: float,
                  river_kmh: float) -> list[GuardCluster]:
    groups: dict[tuple[str, str], list[TpsPoint]] = defaultdict(list)
    for t in tps:
        groups[(t.polsek_code, t.kerawanan)].append(t)
    clusters: list[GuardCluster] = []
    for (polsek, kelas), members in sorted(groups.items(), key=lambda kv: (kv[0][0], SEVERITY_ORDER[kv[0][1]])):
        polri, per_cluster, linmas = pola[kelas]
        clat = sum(t.lat for t in members) / len(members)
        clon = sum(t.lon for t in members) / len(members)
        left = sorted(members, key=lambda t: t.code)
        n = 0
        while left:
            seed = max(left, key=lambda t: (t.lat - clat) ** 2 + (t.lon - clon) ** 2)
            left.remove(seed)
            near = sorted(left, key=lambda t: (minutes_between(seed, t, road_kmh, river_kmh), t.code))
            chosen = [seed] + near[: per_cluster - 1]
            for t in chosen[1:]:
                left.remove(t)
            n += 1
            span = max((minutes_between(seed, t, road_kmh, river_kmh) for t in chosen[1:]), default=0.0)
            clusters.append(GuardCluster(
                code=f"{polsek}-{kelas[:2].upper()}{n:02d}", polsek_code=polsek, kerawanan=kelas,
                tps_codes=sorted(t.code for t in chosen), polri_required=polri,
                linmas_required=math.ceil(linmas * len(chosen) / per_cluster),
                lat=sum(t.lat for t in chosen) / len(chosen), lon=sum(t.lon for t in chosen) / len(chosen),
                span_minutes=round(span, 1)))
    return clusters


def assign_personnel(clusters: list[GuardCluster], roster: dict[str, list[str]], reserve: list[str]) -> list[str]:
    """Fill clusters from their Polsek's roster, the most vulnerable first, then from the reserve (BKO).

    roster maps Polsek code to NRPs available for TPS duty. Returns the NRPs left unassigned (surplus)."""
    pools = {k: list(v) for k, v in roster.items()}
    spare = list(reserve)
    for c in sorted(clusters, key=lambda c: (SEVERITY_ORDER[c.kerawanan], -c.span_minutes, c.code)):
        pool = pools.setdefault(c.polsek_code, [])
        while c.gap > 0 and pool:
            c.assigned.append(pool.pop(0))
    # The reserve goes where the gap hurts most: sangat rawan first.
    for c in sorted(clusters, key=lambda c: (SEVERITY_ORDER[c.kerawanan], c.code)):
        while c.gap > 0 and spare:
            c.assigned.append(spare.pop(0))
    return [n for pool in pools.values() for n in pool] + spare


def required_polri(counts: dict[str, int], pola: dict[str, tuple[int, int, int]]) -> int:
    """Polri needed for a number of TPS per class, cluster by cluster (a partial cluster still needs its guards)."""
    return sum(pola[k][0] * math.ceil(n / pola[k][1]) for k, n in counts.items() if n)


# ---------------- every officer, every shift ----------------

@dataclass(frozen=True)
class Officer:
    nrp: str
    polsek: str | None  # None: a Polres unit or BKO
    bko: bool
    home: str | None  # the task the roster role points to (ops.tasks.home_task)
    boat: bool = False  # crews a boat (Sat Polairud)


@dataclass(frozen=True)
class Duty:
    window: str  # ops.tasks.Window.code
    nrp: str
    task: str
    post: str | None  # the guard cluster, the PPK's kecamatan, the Polsek; None: the Polres


def _area_rank(o: Officer, area: str | None) -> int | None:
    """How well an officer fits a post's area: its own Polsek first, then the Polres units, then BKO; a Polres post
    may, last of all, take a Polsek officer. None: not from another Polsek."""
    if area is None:
        return 0 if o.polsek is None and not o.bko else 1 if o.bko else 2
    if o.polsek == area:
        return 0
    if o.polsek is None:
        return 2 if o.bko else 1
    return None


def plan_duties(wins: list[Window], needs: dict[str, list[Need]], roster: list[Officer], guards: dict[str, list[str]],
                guarded: set[str]) -> list[Duty]:
    """One task or none per officer per window. PAM TPS guards stay with their cluster through the guarded windows;
    the other needs are filled first by officers whose role is that task, then by anyone free from the post's
    area, those who rested in the window before first. In the guarded windows nobody is off duty: Posko staff stay
    at the Posko and every other free officer stands by as a reserve (cadangan); BKO are a reserve throughout."""
    duties: list[Duty] = []
    worked: set[str] = set()
    for w in wins:
        taken: dict[str, Duty] = {}
        wanted = needs.get(w.code, [])
        if w.code in guarded:
            for n in wanted:
                if n.task == PAM_TPS:
                    for nrp in guards.get(n.post, []):
                        taken[nrp] = Duty(w.code, nrp, PAM_TPS, n.post)
        open_needs = [[n, n.count] for n in wanted if n.task != PAM_TPS]
        needed = {n.task for n in wanted}
        for home_only in (True, False):
            for slot in open_needs:
                n, left = slot
                if left <= 0:
                    continue
                ranked = []
                for o in roster:
                    if o.nrp in taken or (n.boat and not o.boat) or (home_only and o.home != n.task):
                        continue
                    # A boat goes where the river legs are: its crew may come from any Polsek's post.
                    area = (0 if o.polsek == n.area else 1) if n.boat else _area_rank(o, n.area)
                    if area is not None:
                        ranked.append(((area, not home_only and o.home in needed, o.nrp in worked, o.nrp), o))
                for _, o in sorted(ranked, key=lambda r: r[0])[:left]:
                    taken[o.nrp] = Duty(w.code, o.nrp, n.task, n.post)
                slot[1] = left - min(left, len(ranked))
        for o in roster:
            if o.nrp in taken:
                continue
            if w.code in guarded and o.home == "posko":
                taken[o.nrp] = Duty(w.code, o.nrp, "posko", None)
            elif w.code in guarded or o.bko:
                taken[o.nrp] = Duty(w.code, o.nrp, "cadangan", o.polsek)
        duties += sorted(taken.values(), key=lambda d: d.nrp)
        worked = set(taken)
    return duties


# ---------------- a Polda: every Polres over its own needs ----------------

@dataclass
class PolresPart:
    """One Polres of an operation that spans several: its kabupaten/kota, guard clusters (officers assigned), legs,
    Polsek (in code order) and roster (its own officers and the BKO guarding its TPS)."""
    kabupaten: str
    clusters: list[GuardCluster]
    legs: list[LegPlan]
    polsek: list[str]
    roster: list[Officer]


def part_needs(settings, wins: list[Window], part: PolresPart) -> dict[str, list[Need]]:
    """Every shift's needs of one Polres (ops.tasks.needs_by_window): its own Posko and warehouse among them."""
    return needs_by_window(settings, wins, [(c.code, c.polsek_code, c.polri_required) for c in part.clusters],
                           part.legs, part.polsek)


def polres_needs(settings, wins: list[Window], parts: list[PolresPart]) -> dict[str, list[Need]]:
    """Every shift's needs of several Polres together (each with its own Posko and warehouse)."""
    out: dict[str, list[Need]] = defaultdict(list)
    for part in parts:
        for code, wanted in part_needs(settings, wins, part).items():
            out[code] += wanted
    return dict(out)


def plan_polres_duties(settings, wins: list[Window], guarded: set[str], parts: list[PolresPart],
                       spare: list[Officer]) -> list[Duty]:
    """Every officer's shifts at an operation of several Polres: each Polres planned over its own needs (plan_duties).
    What a Polres operation posts at no post (the Polres) is posted at the kabupaten — its Posko, its warehouse, the
    escorts of its warehouse legs — but for its reserves of no Polsek, who wait at its first Polsek (where it has
    none, at the kabupaten). The `spare` officers (BKO no Polres needed) stand by as reserves throughout, spread over
    the Polres in turn. One plan over the whole province would weigh every need against every officer of it."""
    duties: list[Duty] = []
    for part in parts:
        waits = part.polsek[0] if part.polsek else part.kabupaten
        duties += [Duty(d.window, d.nrp, d.task, d.post if d.post is not None
                        else waits if d.task == "cadangan" else part.kabupaten)
                   for d in plan_duties(wins, part_needs(settings, wins, part), part.roster,
                                        {c.code: c.assigned for c in part.clusters}, guarded)]
    if parts:
        waits = {o.nrp: parts[k % len(parts)] for k, o in enumerate(spare)}
        duties += [Duty(d.window, d.nrp, d.task, waits[d.nrp].polsek[0] if waits[d.nrp].polsek
                        else waits[d.nrp].kabupaten) for d in plan_duties(wins, {}, spare, {}, guarded)]
    return duties
