"""Synthetic Polda and national demo operations on real codes: `init --demo --region sumatera_selatan` (25,985 TPS in
the province's real desa) and `--region indonesia` (823,220 TPS in the nation's). One Polres per kabupaten/kota,
Polsek per kecamatan group, personnel by pola, the logistics plan, stakeholders, and the voting day up to the moment
the demo opens; the figures per region are in config/demo_scale.toml, `demo_scale` shrinks them for a quick build.

Built a province at a time (memory stays that of the largest province) and written in bulk (ops/demo/bulk.py).
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import Session

from ops import models as m
from ops import tasks
from ops.area import OperationArea
from ops.clock import utcnow
from ops.config import PROJECT_ROOT, Settings, load_pola
from ops.demo import scale_day as day
from ops.demo import scale_plan as sp
from ops.demo import scenario as sc
from ops.demo.bulk import BulkWriter
from ops.demo.operation import read_demo_config
from ops.deployment import Officer, PolresPart, assign_personnel, plan_polres_duties
from ops.duty import patrol_stops
from ops.phase import phase_at
from ops.position_ingest import rebuild_latest
from ops.places import polres_name
from ops.region import Area, RegionData, folder_area, kabupaten_of

SPEC_FILE = PROJECT_ROOT / "config" / "demo_scale.toml"


@dataclass(frozen=True)
class ScaleSpec:
    region: str  # the folder under data/region/
    operation_name: str
    command_name: str
    tps_total: int  # in the folder's whole area
    desa: int  # desa/kelurahan in the folder's whole area
    device_sample: int  # one tracker in this many has its whole morning written

    def area(self, area: OperationArea, region: RegionData) -> OperationArea:
        """The operation's names: the region's own for its whole area, else those of the narrower area chosen."""
        if area.code == self._top(area):
            return replace(area, operation_name=self.operation_name, command_name=self.command_name)
        top = region.areas[area.code]
        command = polres_name(top.name) if area.level == "kabupaten" else f"Polda {top.name}"
        return replace(area, operation_name=f"{self.operation_name.split(' — ')[0]} — Pilkada {top.name}",
                       command_name=command)

    def tps_for(self, area: OperationArea, region: RegionData, scale: float) -> int:
        """The region's TPS total, or its share by desa for a narrower area; times the demo scale, at least one TPS
        per kabupaten."""
        desa = len(region.of_level("desa", "kelurahan"))
        total = self.tps_total if area.code == self._top(area) else self.tps_total * desa / self.desa
        return max(len(region.of_level("kabupaten")), round(total * scale))

    def _top(self, area: OperationArea) -> str:
        return folder_area(Path(area.region_dir) if Path(area.region_dir).is_absolute()
                           else PROJECT_ROOT / area.region_dir)

    def build(self, session: Session, region: RegionData, settings: Settings, area: OperationArea,
              moment: dt.datetime) -> dict[str, int]:
        return build_scale_demo(session, region, settings, self, self.tps_for(area, region, settings.demo_scale),
                                moment)


def read_specs() -> dict[str, ScaleSpec]:
    raw = tomllib.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return {name: ScaleSpec(region=name, **values) for name, values in raw.items()}


def spec_for(area: OperationArea) -> ScaleSpec | None:
    """The synthetic operation of the area's region folder; None where the exact Ogan Ilir demo applies."""
    return read_specs().get(Path(area.region_dir).name)


def build_scale_demo(session: Session, region: RegionData, settings: Settings, spec: ScaleSpec, total: int,
                     moment: dt.datetime) -> dict[str, int]:
    """Write the whole operation and its voting day up to `moment` into an emptied operation (clear_operation)."""
    seed = settings.demo_seed
    op = read_demo_config(settings)["operation"]
    shares = (op["share_sangat_rawan"], op["share_rawan"])
    pola = load_pola(settings)
    per_desa: dict[str, dict[str, int]] = {}
    for code, n in sp.tps_per_desa(region, total, seed).items():
        per_desa.setdefault(kabupaten_of(code), {})[code] = n
    writer = BulkWriter(session)
    roster = sp.Roster(seed)
    report = {"polres": 0, "incidents": 0}
    next_leg = writer.next_id(m.LogisticsLeg)
    provinces: dict[str, list[Area]] = {}
    for kab in sorted(region.of_level("kabupaten"), key=lambda a: a.code):
        if kab.code in per_desa:
            provinces.setdefault(kab.code.split(".")[0], []).append(kab)
    for prov, kabs in provinces.items():
        plans = [sp.plan_kabupaten(region, kab, per_desa[kab.code], shares, pola, settings, seed) for kab in kabs]
        for plan in plans:
            sp.plan_people(plan, roster, seed, settings.task_plan)
        province = region.areas.get(prov)
        bko = sp.bko_people(prov, province.name if province else "", sum(len(p.tps) for p in plans), roster, seed)
        clusters = [c for p in plans for c in p.clusters]
        assign_personnel(clusters, {ps.code: [x[0] for x in p.people if x[4] == ps.code and x[5] == "PAM TPS"]
                                    for p in plans for ps in p.polsek}, [x[0] for x in bko])
        next_leg = _write_plans(writer, region, plans, bko, settings, seed, next_leg, moment)
        report["polres"] += len(plans)
        report["incidents"] += _write_day(session, writer, plans, bko, settings, spec, seed, moment)
    writer.sync_sequence(m.LogisticsLeg)
    # The fixes went in by COPY, past the ingest: every tracker's latest row and on-site facts, as the ingest keeps them.
    report["trackers"] = rebuild_latest(session, settings)
    for feed, table in (("tps-status", "tps_status_event"), ("traccar", "position_event")):
        session.add(m.FeedRun(feed=feed, started_at=moment, finished_at=moment, ok=True,
                              rows=writer.counts.get(table, 0)))
    for key, value in (("kind", "demo"), ("demo_seed", str(seed)), ("loaded_at", utcnow().isoformat()),
                       ("demo_region", spec.region), ("demo_scale", str(settings.demo_scale)),
                       # The demo source carries the story on from here, never writing the day again.
                       ("simulator_until", moment.isoformat())):
        session.merge(m.OperationMeta(key=key, value=value))
    session.flush()
    counts = writer.counts
    return {**report, "polsek": counts.get("polsek", 0), "tps": counts.get("tps", 0),
            "personnel": counts.get("personnel", 0), "logistics_legs": counts.get("logistics_leg", 0),
            "stakeholders": counts.get("stakeholder", 0), "coordination": counts.get("coordination_activity", 0),
            "status_reports": counts.get("tps_status_event", 0), "positions": counts.get("position_event", 0),
            "handovers": counts.get("logistics_event", 0)}


def _write_plans(writer: BulkWriter, region: RegionData, plans: list[sp.KabupatenPlan], bko: list[tuple],
                 settings: Settings, seed: int, next_leg: int, moment: dt.datetime) -> int:
    """The structure of one province's Polres: Polsek, TPS, people and their tasks, legs, stakeholders, meetings."""
    writer.write(m.Polsek, ("code", "name", "hq_lat", "hq_lon"),
                 ((p.code, p.name, p.hq_lat, p.hq_lon) for plan in plans for p in plan.polsek))
    writer.write(m.PolsekKecamatan, ("kecamatan_code", "polsek_code"),
                 ((k, p.code) for plan in plans for p in plan.polsek for k in p.kecamatan))
    for plan in plans:
        writer.write(m.Tps, sp.TPS_COLUMNS, sp.tps_rows(plan, f"Bag Ops {plan.name}"))
    writer.write(m.Personnel, sp.PERSON_COLUMNS, [x for plan in plans for x in plan.people] + bko)
    leg_plans: dict[str, list[tasks.LegPlan]] = {}
    for plan in plans:
        legs = list(sp.leg_rows(region, plan, next_leg, settings))
        writer.write(m.LogisticsLeg, sp.LEG_COLUMNS, legs)
        next_leg += len(legs)
        plan.legs = [(x[0], x[2], x[14], x[15], x[12]) for x in legs]  # what the voting day needs of them
        leg_plans[plan.kabupaten.code] = sp.leg_plans(plan, legs)
        writer.write(m.Stakeholder, sp.STAKEHOLDER_COLUMNS, sp.stakeholder_rows(region, plan, seed))
        writer.write(m.CoordinationActivity, sp.COORDINATION_COLUMNS, sp.coordination_rows(region, plan, settings, seed))
    writer.write(m.Assignment, ("nrp", "tps_code", "cluster_code", "tahapan", "shift", "task"),
                 _assignments(plans, bko, leg_plans, settings, moment))
    return next_leg


def _assignments(plans: list[sp.KabupatenPlan], bko: list[tuple], legs: dict[str, list[tasks.LegPlan]],
                 settings: Settings, moment: dt.datetime):
    """One row per officer and duty window, as the Personel page's planner saves them at a Polda
    (ops.deployment.plan_polres_duties): each Polres planned over its own needs with its own roster and the BKO
    guarding its TPS, the BKO the province did not need standing by as reserves. Each plan keeps its patrols of the
    shift that holds `moment`: the voting day moves them."""
    wins = tasks.windows(settings)
    now = tasks.window_at(settings, moment)
    tahapan = {w.code: phase_at(w.start, settings).tahapan for w in wins}
    guarded = {w.code for w in wins if tasks.guarded(settings, w)}
    bko_of = {x[0]: x for x in bko}
    parts, guarding = [], set()
    for plan in plans:
        here = [nrp for cl in plan.clusters for nrp in cl.assigned if nrp in bko_of]
        guarding.update(here)
        parts.append(PolresPart(plan.kabupaten.code, plan.clusters, legs[plan.kabupaten.code],
                                [p.code for p in plan.polsek], _roster(plan.people + [bko_of[n] for n in here])))
    duties = plan_polres_duties(settings, wins, guarded, parts, _roster([x for x in bko if x[0] not in guarding]))
    single = {cl.code: cl.tps_codes[0] for plan in plans for cl in plan.clusters if len(cl.tps_codes) == 1}
    polsek_of = {p.code: plan for plan in plans for p in plan.polsek}
    for d in duties:
        if d.task == "patroli" and now and d.window == now.code:
            polsek_of[d.post].patrols[d.nrp] = d.post
        yield (d.nrp, single.get(d.post or "") if d.task == tasks.PAM_TPS else None, d.post, tahapan[d.window],
               d.window, d.task)


def _roster(people: list[tuple]) -> list[Officer]:
    """PERSON_COLUMNS rows as the planner's officers (ops.planner.roster), in NRP order."""
    return [Officer(x[0], x[4], x[6], tasks.home_task(x[5]), tasks.crews_boats(x[3]))
            for x in sorted(people, key=lambda x: x[0])]


def _officers(plans: list[sp.KabupatenPlan], bko: list[tuple]) -> list[sc.Officer]:
    """The guards and patrols with a tracker, as the demo source sees them (ops.demo.source.officers): a guard at
    home at its Polsek (the BKO at their first TPS), posted at the TPS of its cluster in code order; a patrol out of
    its Polres (the kabupaten's centre) looking in on TPS of its Polsek (ops.duty.patrol_stops)."""
    person = {x[0]: x for plan in plans for x in plan.people} | {x[0]: x for x in bko}
    hq = {p.code: (p.hq_lat, p.hq_lon) for plan in plans for p in plan.polsek}
    out = []
    for plan in plans:
        where = {t.code: (t.lat, t.lon) for t in plan.tps}
        for cl in plan.clusters:
            posts = tuple(where[c] for c in cl.tps_codes)
            for nrp in cl.assigned:
                x = person[nrp]
                if x[7]:
                    out.append(sc.Officer(nrp, x[7], hq.get(x[4]) or posts[0], posts))
        of_polsek: dict[str, list[tuple[float, float]]] = {}
        for t in sorted(plan.tps, key=lambda t: t.code):
            of_polsek.setdefault(t.polsek_code, []).append((t.lat, t.lon))
        for nrp, polsek in plan.patrols.items():
            stops = patrol_stops(of_polsek.get(polsek, []))
            if person[nrp][7] and stops:
                out.append(sc.Officer(nrp, person[nrp][7], (plan.kabupaten.lat, plan.kabupaten.lon), stops))
    return out


def _write_day(session: Session, writer: BulkWriter, plans: list[sp.KabupatenPlan], bko: list[tuple],
               settings: Settings, spec: ScaleSpec, seed: int, moment: dt.datetime) -> int:
    gangguan: list[dict] = []
    tps = {t.code: t for plan in plans for t in plan.tps}
    for plan in plans:
        rows, reports = day.status_rows(seed, plan.tps, settings, moment)
        writer.write(m.TpsStatusEvent, day.STATUS_COLUMNS, rows)
        gangguan += reports
        writer.write(m.LogisticsEvent, day.LEG_EVENT_COLUMNS, day.leg_event_rows(seed, plan.legs, moment))
    writer.write(m.PositionEvent, day.POSITION_COLUMNS,
                 day.position_rows(seed, _officers(plans, bko), settings, moment, spec.device_sample))
    made = sum(day.kabupaten_incidents(session, seed, plan.kabupaten.code, plan.tps, settings, moment)
               for plan in plans)
    made += day.gangguan_incidents(session, seed, gangguan, tps, settings, moment)
    session.flush()
    return made
