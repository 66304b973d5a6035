"""`init`: create or upgrade the schema, load the region, and (with --demo) build the demo operation."""
from __future__ import annotations

import datetime as dt

from ops import partitions
from ops.area import OperationArea, configured_area, record_area, recorded_area
from ops.clock import from_wib, load_clock, set_clock, wib_at
from ops.config import Settings
from ops.db import get_engine, has_schema, session_scope, upgrade
from ops.region import load_region, read_region


def init_database(settings: Settings, demo: bool = False, region: str | None = None,
                  briefings: bool = True) -> dict:
    """Create or upgrade the schema and load the area's region; with demo, build its demo operation. `region` names a
    folder of data/region/ (init --region); without it, a plain init keeps the area the database already has.
    `briefings`: with the Polres demo, make the briefing of every past morning (when Chromium is there)."""
    engine = get_engine(settings.database_url)
    area = _area_to_load(settings, engine, demo, region)
    data = read_region(settings.path(area.region_dir), area.code)  # fail before touching the db
    upgrade(engine)
    report: dict = {}
    start = settings.clock_start or (settings.demo_clock_start if demo else None)
    with session_scope(engine) as session:
        scale = _scale_demo(area) if demo else None
        if demo:
            from ops.demo.operation import clear_operation

            clear_operation(session)  # first: the old operation may point at areas the new region drops
        report["region"] = load_region(session, data, prune=demo or not _points_at_region(session))
        if data.skipped:
            report["region_skipped"] = len(data.skipped)
        if scale is not None:
            area = scale.area(area, data)
            report.update(scale.build(session, data, settings, area, from_wib(start)))
        elif demo:
            from ops.demo.operation import build_demo

            report.update(build_demo(session, data, _for_area(settings, area)))
        record_area(session, area)
        if demo:
            report["users"] = _demo_users(session)
        if start:
            clock = set_clock(session, from_wib(start), settings.clock_speed)
        else:  # a plain `init` (an upgrade, a region reload) leaves the operation clock where it is
            clock = load_clock(session)
        report["clock"] = clock.now().isoformat()
    if demo and scale is None:
        report.update(_catch_up(_for_area(settings, area), clock.now(), briefings))
    # After the catch-up, so that the days it wrote move out of the default partitions (PostgreSQL only).
    made = partitions.maintain_now(settings)
    if made.made or made.dropped:
        report["partitions_made"], report["partitions_dropped"] = len(made.made), len(made.dropped)
    if demo:  # a bulk load: the planner's statistics of every table, not only the partitioned ones
        with session_scope(engine) as session:
            partitions.analyze(session)
    return report


def _area_to_load(settings: Settings, engine, demo: bool, region: str | None) -> OperationArea:
    if region is None and not demo and settings.area_code is None and has_schema(engine):
        with session_scope(engine) as session:
            kept = recorded_area(session)
        if kept is not None:
            return kept
    return configured_area(settings, region)


def _scale_demo(area: OperationArea):
    """The synthetic operation for a Polda or national region folder; None for the exact Ogan Ilir demo."""
    from ops.demo import scale

    return scale.spec_for(area)


def _for_area(settings: Settings, area: OperationArea) -> Settings:
    """The settings as the Polres demo reads them: its region folder and kabupaten."""
    return settings.model_copy(update={"region_dir": area.region_dir,
                                       "kabupaten_code": area.kabupaten_code or settings.kabupaten_code})


def _points_at_region(session) -> bool:
    """Whether any operation row points at region codes: then areas outside the new region stay (a plain init)."""
    from sqlalchemy import select

    from ops import models as m

    return any(session.scalar(select(model).limit(1)) is not None for model in
               (m.Tps, m.PolsekKecamatan, m.LogisticsLeg, m.Stakeholder, m.Incident, m.CoordinationActivity))


def briefing_moments(settings: Settings, now: dt.datetime) -> list[dt.datetime]:
    """The scheduler's briefing time on every day of the operation's TPS phase up to `now`."""
    day, out = settings.phase_start, []
    while wib_at(day, settings.briefing_time) <= now and day <= settings.phase_end:
        out.append(wib_at(day, settings.briefing_time))
        day += dt.timedelta(days=1)
    return out


def _catch_up(settings: Settings, now: dt.datetime, briefings: bool) -> dict:
    """Let the demo's feeds write the operation's history up to the clock's moment, stopping on the way at each past
    morning's briefing time to make the briefing the scheduler would have made then, from the data as it then stood.
    Without Chromium the history is written all the same and a note says why the archive stays empty."""
    from ops.briefing import BriefingError, chart_browser, make_briefing
    from ops.demo.runs import catch_up

    records, made, notes = 0, 0, []
    if briefings:
        try:
            with chart_browser(settings):
                for moment in briefing_moments(settings, now):
                    records += catch_up(settings, until=moment)["simulated_records"]
                    make_briefing(settings, moment=moment, kind="terjadwal", made_by="penjadwal")
                    made += 1
        except BriefingError as e:
            notes.append(f"Laporan harian hari-hari sebelumnya tidak dibuat: {e} Penjadwal (`python -m ops worker`) "
                         "membuat laporan baru setiap pagi.")
    records += catch_up(settings)["simulated_records"]
    return {"simulated_records": records, "briefings": made, "notes": notes}


# Demo accounts only (documented in the README); a real operation adds its users with `python -m ops user`.
# Nothing else creates accounts with the published password; ops.auth marks them so every page can warn while it lasts.
DEMO_USERS = (("admin", "Admin Posko (demo)", "admin"), ("komandan", "Wakapolres (demo)", "commander"),
              ("operator", "Operator Posko (demo)", "operator"), ("pemantau", "Layar Posko (demo)", "viewer"))


def _demo_users(session) -> int:
    from ops import auth

    made = 0
    for username, name, role in DEMO_USERS:
        if session.get(auth.m.AppUser, username) is None:
            auth.create_user(session, "init-demo", username, name, role, auth.DEMO_PASSWORD.format(username=username))
            made += 1
    return made
