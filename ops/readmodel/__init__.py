"""The read model: every TPS's facts and readiness, and the roll-ups per area, kept current by the worker so that pages
read them with plain indexed queries instead of recomputing the event history.

- `refresh()` (the worker, every minute): the TPS that new events touched (`ops.readmodel.touched`) are regathered
  from the history and rescored; when the clock crosses a mark that changes what is due, or an hour (the forecast
  windows move), everything is. Roll-ups are recomputed for the kecamatan touched and summed upwards.
- `table()` / `rollups()`: what pages read (one area's TPS; one level's areas under a parent).
- `snapshot()` (the worker, every few hours) and `replay()`: a past moment starts from the nearest snapshot before it
  and regathers only what events touched since; the result equals a full recompute (tested).

Facts and scores come from `ops.readiness` (`gather_facts`, `judge`): one computation, used three ways."""
from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from itertools import islice
from typing import Iterable, Iterator

import pandas as pd
from sqlalchemy import Text, cast, delete, func, insert, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.bulk import bulk
from ops.audit import _plain
from ops.clock import as_utc, load_clock, utcnow
from ops.config import Settings
from ops.db import one_of
from ops.readiness import (COLUMNS, apply_environment, environment, gather_facts, judge, refresh_personnel, row_of,
                           table_of)
from ops.readiness.model import PHASES, TpsFacts
from ops.readmodel import state, touched
from ops.readmodel.rollup import recompute_rollups

META = "readmodel"
SNAPSHOTS = "readmodel.snapshots"
WRITE_BATCH = 2000


@dataclass
class Report:
    mode: str  # dibangun (rebuilt), semua (all regathered), sebagian (the touched ones)
    tps: int
    seconds: float
    # Every write of the read model leaves a new stamp in its meta (ops.readmodel.held compares them).
    stamp: str | None = None
    after: str | None = None  # sebagian: the stamp it continued from
    codes: frozenset[str] | None = None  # sebagian: the TPS whose rows it rewrote (None: every row)

    def __str__(self) -> str:
        return f"{self.mode}: {self.tps} TPS dalam {self.seconds:.1f} dtk"


def _meta(session: Session, key: str = META) -> dict | None:
    row = session.get(m.OperationMeta, key)
    return json.loads(row.value) if row else None


def _set_meta(session: Session, value: dict, key: str = META) -> None:
    session.merge(m.OperationMeta(key=key, value=json.dumps(value)))


def stamp(session: Session) -> str | None:
    """The stamp of the read model's last write (None: never built, or built before stamps)."""
    return (_meta(session) or {}).get("stamp")


def refreshed_at(session: Session) -> dt.datetime | None:
    """The operation moment the read model was last brought up to (None: never built)."""
    meta = _meta(session)
    return dt.datetime.fromisoformat(meta["at"]) if meta else None


def _rows(facts: dict[str, TpsFacts], settings: Settings, now: dt.datetime) -> Iterator[dict]:
    """The rows of these facts judged at `now`, one at a time: the nation's 823,220 rows, each with its facts as JSON
    text, held at once were gigabytes."""
    judged = judge(facts, settings, now)
    plain: dict[int, dict] = {}  # TPS judged alike share a tahapan's detail: made JSON-ready once
    for code, f in facts.items():
        scores, detail = judged[code]
        for part in detail.values():
            if id(part) not in plain:
                plain[id(part)] = _plain(part)
        yield {"code": code, "kabupaten_code": code[:5], "kecamatan_code": f.kecamatan_code,
               "desa_code": f.desa_code, "facts": state.to_json(f),
               **{f"skor_{p}": scores[p] for p in PHASES},
               "detail": {p: plain[id(part)] for p, part in detail.items()},
               "gathered_at": now, "scored_at": now}


def _write(session: Session, rows: Iterable[dict], replace_all: bool) -> None:
    """Store the rows a batch at a time (replacing every row, or those of the same TPS), in the caller's
    transaction."""
    if replace_all:
        session.execute(delete(m.TpsState))
    rows = iter(rows)
    while batch := list(islice(rows, WRITE_BATCH)):
        if not replace_all:
            session.execute(delete(m.TpsState).where(m.TpsState.code.in_([r["code"] for r in batch])))
        session.execute(insert(m.TpsState), batch)


@bulk()  # hundreds of thousands of facts at a province or the nation: ops.bulk
def rebuild(session: Session, settings: Settings, now: dt.datetime) -> Report:
    """Everything from the history (first build, a rebuilt demo, a clock set back)."""
    return _all(session, settings, as_utc(now), "dibangun")


def _all(session: Session, settings: Settings, now: dt.datetime, mode: str) -> Report:
    started = utcnow()
    reference = touched.reference_stamp(session)  # before gathering: a change landing meanwhile is seen next time
    facts = gather_facts(session, settings, now)
    _write(session, _rows(facts, settings, now), replace_all=True)
    recompute_rollups(session, None, now, settings.readiness_ready_threshold)
    wide_until = now + touched.wide_after_rebuild(settings, load_clock(session).speed)
    stamp = uuid.uuid4().hex
    _set_meta(session, {"at": now.isoformat(), "machine_at": started.isoformat(), "ids": touched.high_water(session),
                        "reference": reference, "on_site": _on_site_limits(settings),
                        "wide_until": wide_until.isoformat(), "stamp": stamp})
    return Report(mode, len(facts), (utcnow() - started).total_seconds(), stamp)


@bulk()  # hundreds of thousands of facts at a province or the nation: ops.bulk
def refresh(session: Session, settings: Settings, now: dt.datetime) -> Report:
    """Bring the read model from its last moment up to `now`, regathering only what changed."""
    now = as_utc(now)
    meta = _meta(session)
    if meta is None:
        return rebuild(session, settings, now)
    last = dt.datetime.fromisoformat(meta["at"])
    total = session.scalar(select(func.count()).select_from(m.Tps))
    if now < last or session.scalar(select(func.count()).select_from(m.TpsState)) != total or \
            meta.get("reference") != touched.reference_stamp(session) or \
            meta.get("on_site") != _on_site_limits(settings):
        # The clock went back, TPS were added, the reference data changed since (an import, a saved plan, a TPS's
        # class set by the operator) or the on-site limits did: every TPS is gathered anew.
        return rebuild(session, settings, now)
    started = utcnow()
    span = touched.Span(last, now, dict(meta["ids"]), dt.datetime.fromisoformat(meta["machine_at"]))
    ids = touched.high_water(session)  # read before the touched sets: what lands meanwhile waits for the next round
    events = touched.by_events(session, settings, span)
    # A guard's fixes change only the personnel facts: those TPS are refolded from their stored facts, not regathered
    # (during voting hours every guard moves every minute: at a province that is every TPS, each minute).
    wide_until = meta.get("wide_until")
    precise = wide_until is not None and now > dt.datetime.fromisoformat(wide_until)
    guards = (touched.guarded_precisely if precise else touched.guarded)(session, settings, span) - events
    if touched.crossed(settings, last, now):
        # What is due changed, or the forecast windows moved: every TPS keeps its event facts, takes the area facts
        # of now and is rescored; the touched ones are regathered whole.
        facts = _stored(session, None, total)
        apply_environment(facts, environment(session, settings, now))
        refresh_personnel(session, settings, {c: facts[c] for c in guards if c in facts}, now)
        facts.update(_gather(session, settings, now, events, total))
        _write(session, _rows(facts, settings, now), replace_all=True)
        recompute_rollups(session, None, now, settings.readiness_ready_threshold)
        mode, n, codes = "semua", len(facts), None
    else:
        events |= touched.environment_touched(session, span)
        guards -= events
        changed: dict[str, TpsFacts] = {}
        if guards:
            stored = _stored(session, guards, total)
            before = {c: _on_guard(f) for c, f in stored.items()}
            refresh_personnel(session, settings, stored, now)
            changed = {c: f for c, f in stored.items() if _on_guard(f) != before[c]}
        changed.update(_gather(session, settings, now, events, total))
        if changed:
            _write(session, _rows(changed, settings, now), replace_all=False)
            recompute_rollups(session, {f.kecamatan_code for f in changed.values()}, now,
                              settings.readiness_ready_threshold)
        mode, n, codes = "sebagian", len(changed), frozenset(changed)
    stamp = uuid.uuid4().hex
    _set_meta(session, {**meta, "at": now.isoformat(), "machine_at": started.isoformat(), "ids": ids, "stamp": stamp})
    return Report(mode, n, (utcnow() - started).total_seconds(), stamp, meta.get("stamp"), codes)


def _on_site_limits(settings: Settings) -> list:
    """The settings ops.presence judges by (a change refolds every tracker's history: see touched.guarded_precisely)."""
    return [settings.on_site_radius_m, settings.traccar_silent_minutes, settings.on_site_dwell_minutes]


def _on_guard(f: TpsFacts) -> tuple:
    return (f.personnel_required, f.personnel_assigned, f.personnel_planned, f.personnel_on_site, f.silent_devices)


def _stored(session: Session, codes: set[str] | None, total: int) -> dict[str, TpsFacts]:
    """The stored facts of these TPS (None: all); by code while they are few, else all read and picked."""
    q = select(m.TpsState.code, state.as_text(m.TpsState.facts))
    if codes is not None and len(codes) < total // 4:
        ordered = sorted(codes)
        return {c: state.from_text(f) for i in range(0, len(ordered), WRITE_BATCH)
                for c, f in session.execute(q.where(m.TpsState.code.in_(ordered[i:i + WRITE_BATCH])))}
    return {c: state.from_text(f) for c, f in session.execute(q) if codes is None or c in codes}


def _gather(session: Session, settings: Settings, now: dt.datetime, codes: set[str], total: int) -> dict[str, TpsFacts]:
    """gather_facts for these TPS: by code while they are few; past half of all, one pass over everything (cheaper
    than a query per chunk of codes)."""
    if len(codes) > total // 2:
        return {c: f for c, f in gather_facts(session, settings, now).items() if c in codes}
    return gather_facts(session, settings, now, codes)


@bulk()  # hundreds of thousands of facts at a province or the nation: ops.bulk
def table(session: Session, area: str | None = None, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """The per-TPS table (the columns of readiness.per_tps) as the worker last computed it; `area` limits it to a
    province ("16"), kabupaten ("16.10"), kecamatan ("16.10.05") or desa by its indexed column, `codes` to those
    TPS."""
    q = select(state.as_text(m.TpsState.facts), m.TpsState.skor_sebelum, m.TpsState.skor_pemungutan, m.TpsState.skor_sesudah,
               cast(m.TpsState.detail, Text))  # decoded by state.detail_reader
    if area:
        column = {0: m.TpsState.kabupaten_code, 1: m.TpsState.kabupaten_code, 2: m.TpsState.kecamatan_code,
                  3: m.TpsState.desa_code}[area.count(".")]
        q = q.where(column.startswith(area + ".", autoescape=True) if "." not in area else column == area)
    detail = state.detail_reader()
    wheres = [None] if codes is None else one_of(session, m.TpsState.code, set(codes))
    rows = [row_of(state.from_text(f), {"sebelum": a, "pemungutan": b, "sesudah": c}, detail(d))
            for where in wheres for f, a, b, c, d in session.execute(
                (q if where is None else q.where(where)).order_by(m.TpsState.code))]
    if codes is not None:
        rows.sort(key=lambda r: r["code"])  # SQLite reads the codes in several lists
    return pd.DataFrame(rows, columns=COLUMNS)


def current_table(session: Session, settings: Settings, moment: dt.datetime,
                  area: str | None = None) -> pd.DataFrame | None:
    """table() when the read model stands within `readmodel_fresh_minutes` of `moment` (a worker keeps it current),
    else None: the caller computes from the history."""
    return table(session, area) if is_current(session, settings, moment) else None


def is_current(session: Session, settings: Settings, moment: dt.datetime) -> bool:
    """Whether the read model stands within `readmodel_fresh_minutes` of `moment` (a worker keeps it current)."""
    at = refreshed_at(session)
    return at is not None and abs((as_utc(moment) - at).total_seconds()) <= settings.readmodel_fresh_minutes * 60


ROLLUP_COLUMNS = ["kode", "level", "tps", "dinilai", "siap", "masalah", "angka"]


def _rollup_row(r: m.AreaRollup) -> dict:
    return {"kode": r.code, "level": r.level, "tps": r.tps, "dinilai": r.dinilai, "siap": r.siap,
            "masalah": sorted(r.masalah.items(), key=lambda kv: -kv[1]), "angka": dict(r.angka or {})}


def rollups(session: Session, parent: str | None, tahapan: str) -> pd.DataFrame:
    """One level's areas under `parent` (None: the top), for one tahapan: kode, level, tps, dinilai, siap, masalah
    (kind, TPS) worst first, angka (the headline's counts)."""
    q = select(m.AreaRollup).where(m.AreaRollup.tahapan == tahapan)
    q = q.where(m.AreaRollup.parent_code.is_(None) if parent is None else m.AreaRollup.parent_code == parent)
    return pd.DataFrame([_rollup_row(r) for r in session.scalars(q.order_by(m.AreaRollup.code))],
                        columns=ROLLUP_COLUMNS)


def rollup(session: Session, code: str, tahapan: str) -> dict | None:
    """One area's roll-up for one tahapan ('' the nation), or None when the read model has none."""
    r = session.get(m.AreaRollup, (code, tahapan))
    return _rollup_row(r) if r is not None else None


def area_headline(session: Session, settings: Settings, now: dt.datetime, code: str) -> dict | None:
    """headline.headline()'s figures for an area from its roll-up (a province, the nation): the TPS counts as the
    worker summed them, incidents and BMKG warnings in the area read now. Boats are judged per kabupaten (None here).
    None when the read model has no roll-up for the area yet."""
    from ops.headline import TPS_COUNTS
    from ops.incidents import incident_table
    from ops.phase import phase_at
    from ops.region import within
    from ops.weather import active_warnings

    now = as_utc(now)
    phase = phase_at(now, settings).tahapan
    r = rollup(session, code, phase)
    if r is None:
        return None
    inc = incident_table(session, now, area=code)
    open_ = inc["state"] != "selesai" if len(inc) else pd.Series(dtype=bool)
    warnings = [w for w in active_warnings(session, now, ahead_hours=0)
                if any(within(k, code) for k in (w.kecamatan_codes or []))]
    return {"tps": r["tps"], "tahapan": phase, "tps_dinilai": r["dinilai"], "tps_siap": r["siap"],
            **{k: r["angka"].get(k, 0) for k in TPS_COUNTS},
            "logistik_terlambat": r["angka"].get("logistik_terlambat", 0),
            "kejadian_terbuka": int(open_.sum()) if len(inc) else 0,
            "kejadian_tinggi": int((open_ & (inc["severity"] == "tinggi")).sum()) if len(inc) else 0,
            "peringatan_aktif": len(warnings), "sungai_tunda": None, "sungai_hati_hati": None}


# ---------------- snapshots and replay ----------------

def snapshot(session: Session, now: dt.datetime) -> int:
    """Keep tps_state's facts as they stand (the worker calls this every few hours)."""
    now = as_utc(now)
    rows = [{"taken_at": now, "code": c, "facts": f} for c, f in session.execute(select(m.TpsState.code,
                                                                                       m.TpsState.facts))]
    for i in range(0, len(rows), WRITE_BATCH):
        session.execute(insert(m.TpsSnapshot), rows[i:i + WRITE_BATCH])
    taken = _meta(session, SNAPSHOTS) or []
    taken.append({"at": now.isoformat(), "machine_at": utcnow().isoformat()})
    _set_meta(session, taken, SNAPSHOTS)
    return len(rows)


@bulk()  # hundreds of thousands of facts at a province or the nation: ops.bulk
def replay(session: Session, settings: Settings, moment: dt.datetime) -> pd.DataFrame:
    """The per-TPS table at a past moment: from the nearest snapshot before it, regathering what events touched since
    with the area facts of the moment; a full recompute when there is no snapshot."""
    moment = as_utc(moment)
    taken = [s for s in (_meta(session, SNAPSHOTS) or []) if dt.datetime.fromisoformat(s["at"]) <= moment]
    if not taken:
        facts = gather_facts(session, settings, moment)
        return table_of(facts, settings, moment, order=True)
    base = max(taken, key=lambda s: s["at"])
    at = dt.datetime.fromisoformat(base["at"])
    span = touched.Span(at, moment, {}, dt.datetime.fromisoformat(base["machine_at"]))
    codes = touched.touched_tps(session, settings, span)
    if len(codes) > session.scalar(select(func.count()).select_from(m.Tps)) // 2:
        # Most TPS changed since the snapshot (a voting morning): gathering them all in one pass is cheaper than
        # loading the snapshot and regathering by code.
        return table_of(gather_facts(session, settings, moment), settings, moment, order=True)
    facts = {c: state.from_text(f) for c, f in session.execute(
        select(m.TpsSnapshot.code, state.as_text(m.TpsSnapshot.facts)).where(m.TpsSnapshot.taken_at == at))}
    # Area facts (weather, warnings, rivers, recap) are taken as they stood at the moment for every TPS; the TPS
    # that events touched since the snapshot are regathered whole.
    apply_environment(facts, environment(session, settings, moment))
    facts.update(gather_facts(session, settings, moment, codes))
    missing = set(session.scalars(select(m.Tps.code))) - set(facts)
    if missing:  # TPS imported after the snapshot
        facts.update(gather_facts(session, settings, moment, missing))
    return table_of(facts, settings, moment, order=True)


def keep_current(session: Session, settings: Settings, now: dt.datetime) -> Report:
    """The worker's minute: refresh, and every `readmodel_snapshot_hours` of operation time keep a snapshot (the ones
    older than the operation's span are dropped)."""
    now = as_utc(now)
    report = refresh(session, settings, now)
    taken = _meta(session, SNAPSHOTS) or []
    last = max((dt.datetime.fromisoformat(t["at"]) for t in taken), default=None)
    if last is None or now - last >= dt.timedelta(hours=settings.readmodel_snapshot_hours) or now < last:
        if last is not None and now < last:  # the clock went back (a rebuilt demo): old snapshots describe another past
            drop_snapshots_before(session, dt.datetime.max.replace(tzinfo=dt.timezone.utc))
        snapshot(session, now)
    return report


def drop_snapshots_before(session: Session, before: dt.datetime) -> None:
    session.execute(delete(m.TpsSnapshot).where(m.TpsSnapshot.taken_at < as_utc(before)))
    kept = [s for s in (_meta(session, SNAPSHOTS) or []) if dt.datetime.fromisoformat(s["at"]) >= as_utc(before)]
    _set_meta(session, kept, SNAPSHOTS)


__all__ = ["Report", "rebuild", "refresh", "refreshed_at", "table", "current_table", "is_current", "rollups", "rollup", "area_headline", "snapshot",
           "replay"]
