"""Run a feed once: record the run, fetch, parse, store in one transaction; on failure the last good data stays."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import requests
from sqlalchemy import func, select

from ops import models as m
from ops.calendar import effective_settings
from ops.clock import as_utc, load_clock
from ops.feeds.coverage import DesaInfo
from ops.config import Settings
from ops.db import get_engine, session_scope
from ops.feeds.base import NOT_MODIFIED, FeedContext, FeedError, Parsed
from ops.feeds.registry import get_feed
from ops.freshness import run_state
from ops.lease import LeaseLost


class FeedFailed(Exception):
    pass


@dataclass
class Reference:
    """What feeds need to know of the operation, read once per run."""
    tps_codes: set[str]
    devices: dict[str, str]  # tracker uniqueId -> NRP
    desa_with_tps: list[str]
    kecamatan: dict[str, tuple[float, float]]  # code -> centroid (lat, lon)
    river_points: dict[str, tuple[float, float]]  # kecamatan code -> point on its river route
    kabupaten_boundary: dict | None
    kecamatan_boundaries: dict[str, dict] = field(default_factory=dict)
    desa_info: list = field(default_factory=list)  # coverage.DesaInfo of every desa with a TPS
    forecast_fetched: dict = field(default_factory=dict)  # desa -> when its BMKG forecast was last fetched


def load_reference(session, settings: Settings) -> Reference:
    tps = session.execute(select(m.Tps.code, m.Tps.desa_code, m.Tps.kecamatan_code, m.Tps.akses, m.Tps.lat,
                                 m.Tps.lon, m.Tps.kerawanan)).all()
    devices = dict(session.execute(select(m.Personnel.device_id, m.Personnel.nrp)
                                   .where(m.Personnel.device_id.is_not(None))).all())
    regions = session.scalars(select(m.Region).where(m.Region.level.in_(("kabupaten", "kecamatan")))).all()
    river: dict[str, list[tuple[float, float]]] = {}
    desa: dict[str, list] = {}
    for _, code, kec, akses, lat, lon, kelas in tps:
        if akses == "sungai":
            river.setdefault(kec, []).append((lat, lon))
        d = desa.setdefault(code, [kec, 0, False])
        d[1] += 1
        d[2] = d[2] or akses == "sungai" or kelas == "sangat_rawan"
    fetched = {code: as_utc(at) for code, at in session.execute(
        select(m.WeatherForecast.area_code, func.max(m.WeatherForecast.fetched_at))
        .where(m.WeatherForecast.source == "bmkg").group_by(m.WeatherForecast.area_code))}
    return Reference(
        tps_codes={t[0] for t in tps}, devices=devices, desa_with_tps=sorted({t[1] for t in tps}),
        kecamatan={r.code: (r.lat, r.lon) for r in regions if r.level == "kecamatan"},
        river_points={k: (round(sum(p[0] for p in v) / len(v), 4), round(sum(p[1] for p in v) / len(v), 4))
                      for k, v in sorted(river.items())},
        kabupaten_boundary=next((r.boundary for r in regions if r.level == "kabupaten"), None),
        kecamatan_boundaries={r.code: r.boundary for r in regions if r.level == "kecamatan" and r.boundary},
        desa_info=[DesaInfo(code, kec, n, prio) for code, (kec, n, prio) in sorted(desa.items())],
        forecast_fetched=fetched)


@dataclass
class RunResult:
    feed: str
    rows: int
    rejected: int
    notes: list[str]  # the rejected rows and why
    failed: int = 0  # requests that brought nothing (see Parsed.failed_count)
    problems: list[str] = field(default_factory=list)  # Parsed.problems: cut-off, failed requests, rejected rows

    @property
    def state(self) -> str:
        return run_state(True, self.rejected, self.failed)


# What a feed fetches instead of its URL: (feed name, context) -> the payload its fetch() would have returned. The demo
# (ops.demo.source) is one; parse, store, the run record and the fence stay the feed's own.
Source = Callable[[str, FeedContext], object]


def run_feed(name: str, settings: Settings, http: requests.Session | None = None,
             fence: Callable[[object], None] | None = None, source: Source | None = None,
             now: dt.datetime | None = None) -> RunResult:
    """`fence(session)` runs inside the store transaction just before it commits; when it raises (the scheduler lost its
    lease meanwhile), nothing of the run is stored and the run is recorded as failed.

    `source` replaces the feed's fetch(); `now` (UTC) is the moment of the run instead of the operation clock's (the
    demo writing its history of past days).

    A run that brought something is recorded ok, with its rejected rows, failed requests and first problems (the
    state is then partial); a run that brought nothing usable is recorded failed and stores nothing."""
    feed = get_feed(name)
    engine = get_engine(settings.database_url)
    with session_scope(engine) as s:
        # Runs are timed on the operation clock (real time in a real operation): freshness, replay and the demo's
        # scenario clock then speak of the same moments. One moment for the run and what it fetches: the demo source
        # takes the span since a feed's last good run.
        clock = _Fixed(now) if now is not None else load_clock(s)
        moment = clock.now()
        run = m.FeedRun(feed=name, started_at=moment, ok=False)
        s.add(run)
        s.flush()
        run_id = run.id
        settings = effective_settings(settings, s)  # the operation's imported calendar, if any
        ctx = FeedContext(settings, http or requests.Session(), moment, load_reference(s, settings))
    parsed: Parsed | None = None
    try:
        payload = source(name, ctx) if source is not None else feed.fetch(ctx)
        parsed = Parsed([]) if payload is NOT_MODIFIED else feed.parse(payload, ctx)
        if parsed.nothing_usable:
            raise FeedError(f"tidak ada data yang bisa dipakai — {summary(parsed.problems)}")
        with session_scope(engine) as s:
            rows = 0 if payload is NOT_MODIFIED else feed.store(s, parsed, ctx)
            if fence is not None:
                try:
                    fence(s)
                except LeaseLost as e:  # recorded in the fence's own words: why this run stored nothing
                    raise FeedError(str(e)) from e
            run = s.get(m.FeedRun, run_id)
            run.finished_at, run.ok, run.rows = clock.now(), True, rows
            run.rejected, run.failed, run.error = len(parsed.rejects), parsed.failed_count, summary(parsed.problems)
        return RunResult(name, rows, len(parsed.rejects), parsed.rejects, parsed.failed_count, parsed.problems)
    except FeedError as e:
        _fail(engine, run_id, str(e), parsed, clock)
        raise FeedFailed(str(e)) from e
    except Exception as e:  # a bug or a surprise in the payload must still be recorded, never leave a half run
        _fail(engine, run_id, f"{type(e).__name__}: {e}", parsed, clock)
        raise FeedFailed(f"{type(e).__name__}: {e}") from e


class _Fixed:
    """A clock standing at one moment."""
    def __init__(self, moment: dt.datetime):
        self.moment = as_utc(moment)

    def now(self) -> dt.datetime:
        return self.moment


def summary(items: list[str], most: int = 20) -> str | None:
    """A run's problems for its error column: the first `most` of them and how many more."""
    if not items:
        return None
    more = f"; … dan {len(items) - most} lagi" if len(items) > most else ""
    return "; ".join(items[:most]) + more


def _fail(engine, run_id: int, message: str, parsed: Parsed | None, clock) -> None:
    with session_scope(engine) as s:
        run = s.get(m.FeedRun, run_id)
        run.finished_at, run.ok, run.error = clock.now(), False, message[:2000]
        if parsed is not None:
            run.rejected, run.failed = len(parsed.rejects), parsed.failed_count
