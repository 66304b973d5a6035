"""The `status --json` document: one object that tools and people can rely on."""
from __future__ import annotations

from ops.area import operation_area
from ops.clock import load_clock
from ops.config import Settings
from ops.db import get_engine, has_schema, schema_revision, session_scope
from ops.freshness import feed_states
from ops import duty, queries, reaction, setup_check
from ops.readiness import readiness_summary


def build_status(settings: Settings) -> dict:
    engine = get_engine(settings.database_url)
    if not has_schema(engine):
        raise RuntimeError("The database has no schema yet: run `python -m ops init` (or `init --demo`) first.")
    with session_scope(engine) as session:
        clock = load_clock(session)
        now = clock.now()
        meta = queries.operation_meta(session)
        area = operation_area(session, settings)
        status = {
            "operation": {"name": area.operation_name, "polres": area.command_name, "area": area.as_json(),
                          "kabupaten": area.kabupaten_code, "kind": meta.get("kind", "real"),
                          "clock": now.isoformat(), "scenario_clock": clock.is_scenario,
                          "schema_revision": schema_revision(engine)},
            "tps": queries.tps_summary(session),
            "personnel": queries.personnel_summary(session, settings),
            "feeds": {k: v.as_json() for k, v in feed_states(session, settings).items()},
        }
        status["personnel"]["by_task"] = duty.by_task(session, settings, now)
        status["tps"]["reaction_minutes"] = reaction.summary(reaction.reaction_table(session, settings, now),
                                                             settings.reaction_limit_minutes)
        status["readiness"] = readiness_summary(session, settings, now)
        status["setup"] = setup_check.status_json(session, settings)
    return status
