"""Reading positions: each device's newest fix and its on-site facts from position_latest (one row per device), and
from the history only what a moment the table cannot answer for needs — a replayed moment before a device's newest
fix, a device moved to another post since its facts were kept, a device whose fixes came in another way.

The ingest reads the same things once a poll for thousands of trackers, so they are read as plain rows."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import NamedTuple

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import UTC, as_utc
from ops.config import Settings
from ops.db import one_of
from ops.presence import Fix, Place, Presence, history_span, post_rule
from ops.tasks import PAM_TPS

POST_TASK = PAM_TPS  # the assignment that gives a tracker a post to be on site at
# Above this many devices a history read takes the whole span and sorts it out here, rather than looking each up.
LOOKUP_LIMIT = 500


class Post(NamedTuple):
    places: tuple[Place, ...]  # the TPS of the guard cluster (or the one TPS)
    rule: str | None  # presence.post_rule() of the places under the settings in force


def device_posts(session: Session, settings: Settings, devices: set[str] | None = None) -> dict[str, list[Post]]:
    """Per tracker (all, or those given): each post it guards (its PAM TPS assignments, in order); the first is the
    one the ingest keeps its facts against."""
    conn = session.connection()  # plain rows (no ORM loading): the ingest asks this every poll
    assigned = select(m.Personnel.device_id, m.Assignment.cluster_code, m.Assignment.tps_code, m.Assignment.id).join(
        m.Assignment, m.Assignment.nrp == m.Personnel.nrp).where(m.Assignment.task == POST_TASK,
                                                                 m.Personnel.device_id.is_not(None))
    if devices is None:
        rows = conn.execute(assigned.order_by(m.Assignment.id)).fetchall()
    else:
        rows = sorted((r for cond in one_of(session, m.Personnel.device_id, devices)
                       for r in conn.execute(assigned.where(cond)).fetchall()), key=lambda r: r[3])
    places: dict[str, list[Place]] = defaultdict(list)
    # fetchall(): the driver builds every row at once, rather than one call a row
    where = select(m.Tps.code, m.Tps.cluster_code, m.Tps.lat, m.Tps.lon)
    if devices is None:
        tps = conn.execute(where).fetchall()
    else:
        keys = {cluster or code for _, cluster, code, _ in rows}
        # by its cluster or by its own code: a TPS found both ways counts once
        tps = list({r[0]: r for column in (m.Tps.cluster_code, m.Tps.code) for cond in one_of(session, column, keys)
                    for r in conn.execute(where.where(cond)).fetchall()}.values())
    for code, cluster, lat, lon in tps:
        places[cluster or code].append((lat, lon))
    posts = {key: Post(tuple(p), post_rule(p, settings)) for key, p in places.items()}
    out: dict[str, list[Post]] = defaultdict(list)
    for dev, cluster, tps_code, _ in rows:
        out[dev].append(posts.get(cluster or tps_code) or Post((), None))
    return out


def kept(session: Session, devices: set[str] | None = None) -> dict[str, Presence]:
    """The facts position_latest keeps, per device (all, or those given)."""
    pl = m.PositionLatest
    q = select(pl.device_id, pl.fix_time, pl.lat, pl.lon, pl.post_rule, pl.stay_since, pl.outside_at)
    conn = session.connection()
    if devices is None:
        rows = conn.exec_driver_sql(
            "SELECT device_id, fix_time, lat, lon, post_rule, stay_since, outside_at FROM position_latest").fetchall()
    else:
        rows = [r for part in one_of(session, pl.device_id, devices) for r in conn.execute(q.where(part)).fetchall()]
    if conn.dialect.name == "postgresql":  # timestamptz arrive aware: the rows are the facts as they are
        return {r[0]: Presence._make(r[1:]) for r in rows}
    return {dev: Presence(utc(t), lat, lon, rule, utc(stay), utc(out)) for dev, t, lat, lon, rule, stay, out in rows}


def utc(value: dt.datetime | str | None) -> dt.datetime | None:
    """A time as the driver gives it (SQLite: text in UTC; PostgreSQL: aware) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def history(session: Session, devices: list[str] | None, since: dt.datetime, until: dt.datetime
            ) -> dict[str, list[Fix]]:
    """Per device: its fixes in (since, until], oldest first (every device's when `devices` is None)."""
    stmt = select(m.PositionEvent.device_id, m.PositionEvent.fix_time, m.PositionEvent.lat, m.PositionEvent.lon).where(
        m.PositionEvent.fix_time > since, m.PositionEvent.fix_time <= until)
    wanted = None
    if devices is not None and (len(devices) <= LOOKUP_LIMIT or session.get_bind().dialect.name == "postgresql"):
        # PostgreSQL probes (device, time) per device, one array parameter for any number of them: the nation's
        # 17,000 trackers that never reported took 6 s as a read of everyone's span, about 0.2 s this way.
        conds = one_of(session, m.PositionEvent.device_id, devices)
    else:
        conds, wanted = [None], set(devices) if devices is not None else None
    out: dict[str, list[Fix]] = defaultdict(list)
    for dev, t, lat, lon in (r for cond in conds for r in session.execute(stmt if cond is None else stmt.where(cond))):
        if wanted is None or dev in wanted:
            out[dev].append((as_utc(t), lat, lon))
    for fixes in out.values():
        fixes.sort()
    return dict(out)


def on_site_inputs(session: Session, settings: Settings, now: dt.datetime,
                   devices: set[str] | None = None) -> dict[str, Presence | list[Fix]]:
    """Per device (all, or those given: a kabupaten's guards), what the on-site check needs at `now`: its kept facts
    where they describe that moment (its newest fix is not after `now`, and they were judged against every post it
    guards now), else its fixes of the span before `now` (ops.presence.history_span). A device with neither has
    never reported."""
    now = as_utc(now)
    posts = device_posts(session, settings, devices)
    facts = kept(session, devices)
    out: dict[str, Presence | list[Fix]] = {}
    # Trackers with a post but no kept facts: fixes that came in another way than the ingest (a copied history).
    fold_again = [dev for dev in posts if dev not in facts]
    for dev, p in facts.items():
        if p.fix_time <= now and all(post.rule == p.rule for post in posts.get(dev, [])):
            out[dev] = p
        else:
            fold_again.append(dev)
    if fold_again:
        everyone = len(fold_again) > len(facts) / 2  # a replayed moment: the span of everyone is one range read
        found = history(session, None if everyone else fold_again, now - history_span(settings), now)
        out.update({dev: found.get(dev, []) for dev in fold_again})
    return out


def newest_fixes(session: Session, now: dt.datetime, hours: float, devices: set[str] | None = None) -> dict[str, Fix]:
    """Per device (all, or those given): its newest fix at or before `now` within the last `hours`."""
    now = as_utc(now)
    since = now - dt.timedelta(hours=hours)
    out: dict[str, Fix] = {}
    look_back: list[str] = []
    facts = kept(session, devices)
    for dev, p in facts.items():
        if p.fix_time > now:
            look_back.append(dev)
        elif p.fix_time > since:
            out[dev] = (p.fix_time, p.lat, p.lon)
    # As in on_site_inputs: trackers on the roster without kept facts are looked up in the history.
    roster = devices if devices is not None else \
        session.scalars(select(m.Personnel.device_id).where(m.Personnel.device_id.is_not(None)))
    look_back += [d for d in roster if d not in facts]
    # PostgreSQL takes them all in one statement (one array parameter), SQLite LOOKUP_LIMIT at a time.
    step = (len(look_back) or 1) if session.get_bind().dialect.name == "postgresql" else LOOKUP_LIMIT
    for start in range(0, len(look_back), step):
        out.update(_newest_in_history(session, look_back[start:start + step], since, now))
    return out


def _newest_in_history(session: Session, devices: list[str], since: dt.datetime, now: dt.datetime) -> dict[str, Fix]:
    """The newest fix in (since, now] of each device: per device one probe of uq_position_event_fix (max over an
    index range), not a read of its whole day."""
    pe = m.PositionEvent
    # one condition each: the caller gives SQLite at most LOOKUP_LIMIT devices, one IN list
    (latest,) = one_of(session, m.PositionLatest.device_id, devices)
    (roster,) = one_of(session, m.Personnel.device_id, devices)
    named = union(select(m.PositionLatest.device_id).where(latest),
                  select(m.Personnel.device_id).where(roster)).subquery()
    newest = select(func.max(pe.fix_time)).where(pe.device_id == named.c.device_id, pe.fix_time > since,
                                                 pe.fix_time <= now).scalar_subquery()
    found = select(named.c.device_id, newest.label("t")).subquery()
    rows = session.execute(select(pe.device_id, pe.fix_time, pe.lat, pe.lon).join(
        found, (found.c.device_id == pe.device_id) & (found.c.t == pe.fix_time)))
    return {dev: (as_utc(t), lat, lon) for dev, t, lat, lon in rows}
