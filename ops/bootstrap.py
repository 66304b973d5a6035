"""`init`: create or upgrade the schema, load the region, and (with --demo) build the demo operation."""
from __future__ import annotations

import datetime as dt

from ops.clock import from_wib, load_clock, set_clock, wib_at
from ops.config import Settings
from ops.db import get_engine, session_scope, upgrade
from ops.region import load_region, read_region


def init_database(settings: Settings, demo: bool = False, briefings: bool = True) -> dict:
    """`briefings`: with `demo`, make the briefing of every past morning of the operation (when Chromium is there)."""
    region = read_region(settings.path(settings.region_dir), settings.kabupaten_code)  # fail before touching the db
    engine = get_engine(settings.database_url)
    upgrade(engine)
    report: dict = {}
    with session_scope(engine) as session:
        report["region"] = load_region(session, region)
        if demo:
            from ops.demo.operation import build_demo

            report.update(build_demo(session, region, settings))
            report["users"] = _demo_users(session)
        start = settings.clock_start or (settings.demo_clock_start if demo else None)
        if start:
            clock = set_clock(session, from_wib(start), settings.clock_speed)
        else:  # a plain `init` (an upgrade, a region reload) leaves the operation clock where it is
            clock = load_clock(session)
        report["clock"] = clock.now().isoformat()
    if demo:
        report.update(_catch_up(settings, clock.now(), briefings))
    return report


def briefing_moments(settings: Settings, now: dt.datetime) -> list[dt.datetime]:
    """The scheduler's briefing time on every day of the operation's TPS phase up to `now`."""
    day, out = settings.phase_start, []
    while wib_at(day, settings.briefing_time) <= now and day <= settings.phase_end:
        out.append(wib_at(day, settings.briefing_time))
        day += dt.timedelta(days=1)
    return out


def _catch_up(settings: Settings, now: dt.datetime, briefings: bool) -> dict:
    """Let the simulator write the operation's history up to the clock's moment, stopping on the way at each past
    morning's briefing time to make the briefing the scheduler would have made then, from the data as it then stood.
    Without Chromium the history is written all the same and a note says why the archive stays empty."""
    from ops.briefing import BriefingError, chart_browser, make_briefing
    from ops.feeds.simulator import catch_up

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
