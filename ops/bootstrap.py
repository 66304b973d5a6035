"""`init`: create or upgrade the schema, load the region, and (with --demo) build the demo operation."""
from __future__ import annotations

from ops.clock import from_wib, load_clock, set_clock
from ops import partitions
from ops.config import Settings
from ops.db import get_engine, session_scope, upgrade
from ops.region import load_region, read_region


def init_database(settings: Settings, demo: bool = False) -> dict:
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
        report.update(_catch_up(settings))
    # After the catch-up, so that the days it wrote move out of the default partitions (PostgreSQL only).
    made = partitions.maintain_now(settings)
    if made.made or made.dropped:
        report["partitions_made"], report["partitions_dropped"] = len(made.made), len(made.dropped)
    return report


def _catch_up(settings: Settings) -> dict:
    """Let the simulator write the operation's history up to the clock's moment."""
    from ops.feeds.simulator import catch_up

    return catch_up(settings)


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
