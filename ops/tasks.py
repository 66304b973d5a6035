"""What an officer can be doing: the one list of tasks, who requires each, and the duty windows in which "at every
moment exactly one task or off duty" is counted.

Time is cut into windows of two shifts a day (pagi from duty_shift_start, malam twelve hours later) over the
operation's days. An assignment names one window, so an officer can escort boxes on H-2 pagi, rest on H-2 malam and
guard a TPS from H-1: within a window an officer has one task or none (off duty).

Who requires how many, per window:
- pam_tps: the pola pengamanan, per guard cluster, on H-1 and H (the boxes reach the TPS on H-1, leave on H evening);
- pengawalan: the logistics plan, one escort team per leg of the escorted stages, busy out and back again; a river
  leg also needs a boat crew. The teams a Polsek needs in a window are the most legs it has under way at once;
- pam_ppk: each PPK while ballot boxes are there (from the warehouse until they leave for the PPS, and from their
  return through the rekapitulasi), task_plan officers a shift;
- pam_gudang, posko: task_plan officers a shift, throughout; patroli, cadangan: task_plan officers a shift per Polsek.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from ops.clock import as_utc, wib_at


@dataclass(frozen=True)
class Task:
    label: str
    required_by: str  # pola, logistik or rencana (task_plan in config)
    fixed_post: bool  # on site = within the radius of its post; a mobile task counts a live tracker


# The one list of tasks, in the order they are filled and shown.
TASKS: dict[str, Task] = {
    "pam_tps": Task("PAM TPS", "pola", True),
    "pengawalan": Task("Pengawalan logistik", "logistik", False),
    "pam_gudang": Task("PAM gudang KPU", "rencana", True),
    "pam_ppk": Task("PAM PPK", "logistik", True),
    "patroli": Task("Patroli", "rencana", False),
    "posko": Task("Posko", "rencana", True),
    "cadangan": Task("Cadangan", "rencana", False),
}
PAM_TPS = "pam_tps"
OFF_DUTY = "lepas_dinas"
DUTIES = (*TASKS, OFF_DUTY)  # what an officer is doing at a moment: a task, or off duty
DUTY_LABEL = {**{k: t.label for k, t in TASKS.items()}, OFF_DUTY: "Lepas dinas"}
REQUIRED_BY_LABEL = {"pola": "pola pengamanan", "logistik": "rencana logistik", "rencana": "rencana tetap"}
PLANNED_TASKS = tuple(k for k, t in TASKS.items() if t.required_by == "rencana" or k == "pam_ppk")  # task_plan keys
POLSEK_TASKS = ("patroli", "cadangan")  # task_plan counts these per Polsek; the others once (per PPK for pam_ppk)
POLRES_TASKS = ("pam_gudang", "posko")  # once per Polres: no kecamatan holds them

# Roster roles (peran) that point to a task: each task's own label, and the command roles.
ROLE_TASK = {**{t.label.lower(): k for k, t in TASKS.items()},
             "kapolres": "posko", "wakapolres": "posko", "kabag ops": "posko", "staf posko": "posko",
             "kapolsek": "cadangan", "cadangan bko": "cadangan"}
BOAT_UNITS = ("sat polairud",)  # units whose members crew boats on river legs

SHIFTS = ("pagi", "malam")
SHIFT_LENGTH = dt.timedelta(hours=12)
GUARDED_DAYS = (-1, 0)  # days relative to H on which the TPS hold ballot boxes: PAM TPS on duty, nobody off duty


def home_task(role: str | None) -> str | None:
    return ROLE_TASK.get((role or "").strip().lower())


def crews_boats(unit: str | None) -> bool:
    return (unit or "").strip().lower() in BOAT_UNITS


@dataclass(frozen=True)
class Window:
    code: str  # "2024-11-27 pagi": what Assignment.shift holds
    day: dt.date
    shift: str
    start: dt.datetime
    end: dt.datetime

    def holds(self, moment: dt.datetime) -> bool:
        return self.start <= as_utc(moment) < self.end


def windows(settings) -> list[Window]:
    out = []
    day = settings.phase_start
    while day <= settings.phase_end:
        start = wib_at(day, settings.duty_shift_start)
        for i, shift in enumerate(SHIFTS):
            out.append(Window(f"{day.isoformat()} {shift}", day, shift, start + i * SHIFT_LENGTH,
                              start + (i + 1) * SHIFT_LENGTH))
        day += dt.timedelta(days=1)
    return out


def window_at(settings, moment: dt.datetime) -> Window | None:
    return next((w for w in windows(settings) if w.holds(moment)), None)


def guarded(settings, window: Window) -> bool:
    return (window.day - settings.voting_day).days in GUARDED_DAYS


def guarded_span(settings) -> tuple[dt.datetime, dt.datetime]:
    """From the first to the end of the last guarded window (H-1 pagi to H+1 pagi)."""
    ws = [w for w in windows(settings) if guarded(settings, w)]
    return ws[0].start, ws[-1].end


def h_label(settings, day: dt.date) -> str:
    d = (day - settings.voting_day).days
    return "H" if d == 0 else f"H{d:+d}"


@dataclass(frozen=True)
class Need:
    task: str
    post: str | None  # the guard cluster, the PPK's kecamatan, the Polsek; None: the Polres (gudang, Posko, BKO)
    area: str | None  # the Polsek whose officers fill it first; None: the Polres
    count: int
    boat: bool = False  # a boat crew (Sat Polairud)


@dataclass(frozen=True)
class LegPlan:
    stage: str
    mode: str  # darat, sungai
    kecamatan: str
    area: str | None  # the Polsek that escorts it; None: the Polres (warehouse to PPK)
    depart: dt.datetime
    arrive: dt.datetime
    boxes: int


def _peak(spans: Iterable[tuple[dt.datetime, dt.datetime]]) -> int:
    """Most spans open at one time."""
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans], key=lambda e: (e[0], e[1]))
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def escort_needs(legs: list[LegPlan], wins: list[Window], stages: Iterable[str], team_size: int,
                 crew_size: int) -> dict[str, list[Need]]:
    """Per window and escorting Polsek: teams for the most legs under way at once (a team goes out with the boxes
    and comes back, so it is busy twice the leg's time), and boat crews for the river legs among them. A leg
    belongs to the window it leaves in."""
    spans: dict[tuple[str, str | None], list[LegPlan]] = defaultdict(list)
    for leg in legs:
        if leg.stage not in stages:
            continue
        w = next((w for w in wins if w.holds(leg.depart)), None)
        if w is not None:
            spans[(w.code, leg.area)].append(leg)
    out: dict[str, list[Need]] = defaultdict(list)
    for (code, area), part in sorted(spans.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        busy = [(x.depart, x.arrive + (x.arrive - x.depart)) for x in part]
        river = [(x.depart, x.arrive + (x.arrive - x.depart)) for x in part if x.mode == "sungai"]
        if crew_size and river:
            out[code].append(Need("pengawalan", area, area, _peak(river) * crew_size, boat=True))
        out[code].append(Need("pengawalan", area, area, _peak(busy) * team_size))
    return out


def ppk_needs(legs: list[LegPlan], wins: list[Window], per_shift: int) -> dict[str, list[Need]]:
    """PAM PPK in every window in which a PPK holds ballot boxes: in from the warehouse and back from the PPS, out
    to the PPS."""
    flows: dict[str, list[tuple[dt.datetime, int]]] = defaultdict(list)
    area: dict[str, str | None] = {}
    for leg in legs:
        if leg.stage == "gudang-ppk":
            flows[leg.kecamatan].append((leg.arrive, leg.boxes))
        elif leg.stage == "ppk-pps":
            flows[leg.kecamatan].append((leg.depart, -leg.boxes))
            area[leg.kecamatan] = leg.area
        elif leg.stage == "pps-ppk":
            flows[leg.kecamatan].append((leg.arrive, leg.boxes))
            area[leg.kecamatan] = leg.area
    out: dict[str, list[Need]] = defaultdict(list)
    if per_shift <= 0:
        return out
    for kec, flow in sorted(flows.items()):
        flow.sort()
        for w in wins:
            level = sum(n for t, n in flow if t <= w.start)
            held = level > 0
            for t, n in flow:
                if w.start < t < w.end:
                    level += n
                    held = held or level > 0
            if held:
                out[w.code].append(Need("pam_ppk", kec, area.get(kec), per_shift))
    return out


def fixed_needs(plan: dict[str, int], polsek: list[str]) -> list[Need]:
    """The posts task_plan sets for every window: the warehouse and the Posko once, patrols and reserves per
    Polsek."""
    out = [Need(t, None, None, plan.get(t, 0)) for t in POLRES_TASKS if plan.get(t, 0) > 0]
    for t in POLSEK_TASKS:
        if plan.get(t, 0) > 0:
            out += [Need(t, p, p, plan[t]) for p in polsek]
    return out


def cluster_needs(clusters: list[tuple[str, str, int]]) -> list[Need]:
    """PAM TPS per guard cluster (code, Polsek, Polri required by the pola)."""
    return [Need(PAM_TPS, code, polsek, n) for code, polsek, n in clusters]


def needs_by_window(settings, wins: list[Window], clusters: list[tuple[str, str, int]], legs: list[LegPlan],
                    polsek: list[str]) -> dict[str, list[Need]]:
    """Every window's needs, in the order of TASKS (boat crews before teams)."""
    escorts = escort_needs(legs, wins, settings.escort_stages, settings.escort_team_size, settings.boat_crew_size)
    ppk = ppk_needs(legs, wins, settings.task_plan.get("pam_ppk", 0))
    fixed = fixed_needs(settings.task_plan, polsek)
    guards = cluster_needs(clusters)
    order = {t: i for i, t in enumerate(TASKS)}
    out = {}
    for w in wins:
        needs = (guards if guarded(settings, w) else []) + escorts.get(w.code, []) + ppk.get(w.code, []) + fixed
        out[w.code] = sorted((n for n in needs if n.count > 0), key=lambda n: (order[n.task], not n.boat))
    return out
