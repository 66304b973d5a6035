"""Perhatian — command by exception: what needs the commander now, evaluated from the operation at any moment, kept
and escalated by the worker, delivered to phones. The dashboard, the wall, the briefing and `ops alerts` all read it
through `current()`."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ops.bulk import bulk
from ops.calendar import effective_settings
from ops.clock import as_utc, load_clock
from ops.config import Settings
from ops.db import get_engine, session_scope
from ops.perhatian import rules, store, wording
from ops.perhatian.model import Item, rank_key
from ops.perhatian.situation import Situation, gather

__all__ = ["Item", "Situation", "current", "evaluate", "sync_now", "as_json"]


def evaluate(session: Session, settings: Settings, moment: dt.datetime, **tables) -> tuple[list[Item], Situation]:
    sit = gather(session, settings, moment, **tables)
    return rules.evaluate(sit), sit


def current(session: Session, settings: Settings, moment: dt.datetime, **tables) -> tuple[list[Item], Situation]:
    """The items at `moment` with their state as it stood then, most urgent first."""
    items, sit = evaluate(session, settings, moment, **tables)
    return sorted(store.annotate(session, items, moment), key=rank_key), sit


@bulk()  # the whole operation's TPS, legs and reserves at once: ops.bulk
def sync_now(settings: Settings, moment: dt.datetime | None = None, fence=None,
             use_readmodel: bool = False, refreshed=None) -> store.SyncReport:
    """The worker's minute: evaluate at the operation clock and keep the stored items, events and outbox in line.
    `fence(session)` (the scheduler's lease check) runs just before the commit. With `use_readmodel` (the worker and
    `ops readmodel`, right after bringing it current) the TPS are read from the read model instead of recomputed from
    the history (at a province, a tenth of a second instead of tens), and the table and the legs are held from one
    minute to the next (ops.readmodel.held): `refreshed`, the report of that refresh, names the rows it rewrote."""
    from ops import readmodel
    from ops.readmodel import held

    engine = get_engine(settings.database_url)
    with session_scope(engine) as session:
        settings = effective_settings(settings, session)  # the operation's imported calendar, if any
        moment = as_utc(moment) if moment else load_clock(session).now()
        if use_readmodel and readmodel.is_current(session, settings, moment):
            tables = {"tps": held.table_with_points(session, refreshed), "legs": held.leg_board(session, moment)}
        else:
            tables = {}
        items, _ = evaluate(session, settings, moment, **tables)
        report = store.sync(session, settings, items, moment)
        if fence is not None:
            fence(session)
        return report


def as_json(items: list[Item], moment: dt.datetime, names=None) -> list[dict]:
    """The `ops alerts --json` shape: kind, severity, place, since, facts, action, state (and the title in words)."""
    from ops.audit import _plain

    return [{"kind": i.kind, "severity": i.severity, "place": i.place.as_json(),
             "since": i.since.isoformat() if i.since else None, "facts": _plain(i.facts),
             "title": wording.title(i), "action": wording.action(i, names), "state": i.state,
             "taken_by": i.taken_by, "escalations": i.escalations, "age": wording.age(i, moment)} for i in items]
