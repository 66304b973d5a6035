"""Storing fixes in batches, with position_latest kept in the same transaction.

PostgreSQL: COPY straight into position_event (the day's partition); SQLite: executemany INSERT OR IGNORE. A fix is
new when its device has no fix stored at the same time — a tracker resends its last fix at every poll. A fix newer
than its device's kept newest one cannot be stored yet, and one at the same time is that very fix, so only the rest
(late fixes) are looked up in the history. Should a stored duplicate slip through all the same (fixes written another
way, another writer in between), the COPY is undone to its savepoint and the batch goes through a staging table with
ON CONFLICT DO NOTHING: a duplicate never fails the batch.

position_latest: a device's kept facts (ops.presence) are folded forward with its new fixes; they are folded afresh from
the history of the span before its newest fix when that cannot be done — a device seen for the first time, a late fix,
a post or a limit changed since (ops.presence.post_rule). Thousands of trackers report every half minute, so rows
travel as tuples and the drivers' own bulk paths carry them. On PostgreSQL the facts are folded while the server
stores the COPY, and held between polls rather than read again, unless another transaction has written position_latest
since (PositionLatestMark).
"""
from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.bulk import bulk
from ops.clock import utcnow
from ops.config import Settings, get_settings
from ops.positions import Post, device_posts, kept, utc
from ops.presence import Presence, fold, history_span

COLUMNS = ("device_id", "nrp", "fix_time", "recorded_at", "lat", "lon", "accuracy_m", "speed_kmh", "battery", "source")
LATEST = COLUMNS + ("post_rule", "stay_since", "outside_at")  # position_latest's columns, in its order
# Binary COPY: the rows leave Python without being written out as text, several times faster than the text format.
PG_TYPES = ("varchar", "varchar", "timestamptz", "timestamptz") + ("float8",) * 5 + ("varchar",)
PG_LATEST_TYPES = PG_TYPES + ("varchar", "timestamptz", "timestamptz")
DEVICE, FIX_TIME, LAT, LON = 0, 2, 4, 5  # places in a row of COLUMNS
CHUNK = 5000  # devices per history read (bound parameters stay far below either database's limit)
# A tracker's post changes seldom (a roster import, the planner), and reading the posts every poll was a fifth of the
# ingest, so they are read again only this often. Facts folded meanwhile against a post that has changed carry the old
# post's rule; every reader compares that with the post in force and takes the history instead
# (ops.positions.on_site_inputs), and the first poll after the posts are read again folds those devices afresh.
POSTS_FOR = 300.0  # seconds
# COPY straight into position_event, or always through the staging table: bench/bench_ingest.py measures both.
COPY_INTO_TABLE = True
NO_POST = Post((), None)

Row = tuple  # one fix in COLUMNS order


def store_positions(session: Session, records: list[dict], source: str, settings: Settings | None = None) -> int:
    """Append the new fixes among `records` (parse_positions' dicts) and keep position_latest; returns how many were
    new."""
    with bulk():
        return _store(session, records, source, settings)


def _store(session: Session, records: list[dict], source: str, settings: Settings | None) -> int:
    if not records:
        return 0
    settings = settings or get_settings()
    session.flush()  # what the caller added (officers, posts) is read below through the connection, past the ORM
    recorded = utcnow()
    facts = _kept_facts(session)
    known = facts.get
    seen: set[tuple[str, dt.datetime]] = set()
    rows, late = [], []
    for r in records:  # one fix per device and time, the first as sent
        dev, t = key = r["device_id"], r["fix_time"]
        if key in seen:
            continue
        seen.add(key)
        kept_fix = known(dev)
        if kept_fix is not None and t <= kept_fix.fix_time:
            if t == kept_fix.fix_time:  # the kept newest fix, resent
                continue
            into = late
        else:
            into = rows
        into.append((dev, r.get("nrp"), t, recorded, r["lat"], r["lon"], r.get("accuracy_m"), r.get("speed_kmh"),
                     r.get("battery"), source))
    if late:
        stored = _stored(session, late)
        late = [row for row in late if (row[DEVICE], row[FIX_TIME]) not in stored]
    rows += late
    recount = {row[DEVICE] for row in late}
    posts = _posts(session, settings, {row[DEVICE] for row in rows})  # read before the COPY holds the connection
    with _appending(session, rows) as appended:
        # On PostgreSQL the server stores the COPY meanwhile: the folding, Python's share, costs no time of its own.
        upserts, folded = _folded(settings, facts, rows, posts, recount)
    if appended.rows is None:  # SQLite skipped some as stored, which ones is not known: every device is recounted
        upserts, folded, recount = [], {}, {dev for dev, _ in seen}
    elif appended.rows is not rows:  # a duplicate sent the batch through the staging table: fold what was new
        recount = {row[DEVICE] for row in appended.rows if row[DEVICE] in recount}
        upserts, folded = _folded(settings, facts, appended.rows, posts, recount)
    recounted = _keep_latest(session, settings, facts, upserts, recount,
                             rows if appended.rows is None else appended.rows)
    _hold(session, facts, folded, recounted)
    return appended.count


# Per database: the transaction that last wrote position_latest through this process's ingest, and every device's
# facts as it left them (PostgreSQL only; see PositionLatestMark).
_HELD: dict[str, tuple[int, dict[str, Presence]]] = {}


def _address(session: Session) -> str:
    return session.get_bind().url.render_as_string(hide_password=False)


def _kept_facts(session: Session) -> dict[str, Presence]:
    """Every device's kept facts: on PostgreSQL as this process wrote them at its last poll, unless another transaction
    has written position_latest since; read from the table otherwise. The mark's row stays locked to the end of the
    transaction, so no other writer changes the table meanwhile."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return kept(session)
    txid = conn.exec_driver_sql("SELECT txid FROM position_latest_mark WHERE id = 1 FOR UPDATE").scalar()
    held = _HELD.pop(_address(session), None)  # taken out: a poll that fails half-way leaves nothing held
    if txid is not None and held is not None and held[0] == txid:
        return held[1]
    return kept(session)


def _hold(session: Session, facts: dict[str, Presence], folded: dict[str, Presence], recounted: list[tuple]
          ) -> None:
    """Keep `facts`, with those just written to position_latest (`folded` forward, and the rows `recounted`), for the
    next poll, marked with this transaction. Should it not commit, the mark in the table stays another and the next
    poll reads the table."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return
    facts.update(folded)
    for row in recounted:
        facts[row[DEVICE]] = Presence(row[FIX_TIME], row[LAT], row[LON], *row[len(COLUMNS):])
    txid = conn.exec_driver_sql("SELECT txid FROM position_latest_mark WHERE id = 1").scalar()
    if txid is not None:
        _HELD[_address(session)] = (txid, facts)


def _stored(session: Session, rows: list[Row]) -> set[tuple[str, dt.datetime]]:
    pe = m.PositionEvent
    devices = sorted({row[DEVICE] for row in rows})
    times = [row[FIX_TIME] for row in rows]
    found: set[tuple[str, dt.datetime]] = set()
    for start in range(0, len(devices), CHUNK):
        found.update((dev, utc(t)) for dev, t in session.execute(
            select(pe.device_id, pe.fix_time).where(pe.device_id.in_(devices[start:start + CHUNK]),
                                                    pe.fix_time >= min(times), pe.fix_time <= max(times))))
    return found


class _Appended:
    """What an append stored: its rows (None when SQLite skipped some as stored already, which ones unknown) and how
    many."""

    def __init__(self, rows: list[Row]):
        self.rows: list[Row] | None = rows
        self.count = len(rows)


@contextmanager
def _appending(session: Session, rows: list[Row]) -> Iterator[_Appended]:
    """Append `rows` to position_event. On PostgreSQL the rows are sent by COPY before the body runs and the COPY is
    finished after it, so that the server stores them while Python goes on; a duplicate undoes the COPY to its
    savepoint and sends the rows through the staging table. SQLite stores them before the body."""
    out = _Appended(rows)
    conn = session.connection()
    if not rows:
        yield out
    elif conn.dialect.name == "postgresql":
        import psycopg

        raw = conn.connection.driver_connection
        if not COPY_INTO_TABLE:
            out.rows = _through_stage(raw, rows)
            out.count = len(out.rows)
            yield out
            return
        raw.execute("SAVEPOINT position_copy")  # a duplicate undoes only the COPY
        try:
            with raw.cursor() as cur, _copying(cur, "position_event", COLUMNS, PG_TYPES, rows):
                yield out
        except psycopg.errors.UniqueViolation:
            raw.execute("ROLLBACK TO SAVEPOINT position_copy")
            out.rows = _through_stage(raw, rows)
            out.count = len(out.rows)
        else:
            raw.execute("RELEASE SAVEPOINT position_copy")
    else:
        as_text = _sqlite_times(conn)
        cur = conn.connection.driver_connection.executemany(
            f"INSERT OR IGNORE INTO position_event ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            [(r[0], r[1], as_text(r[2]), as_text(r[3])) + r[4:] for r in rows])
        out.rows, out.count = (rows if cur.rowcount == len(rows) else None), cur.rowcount
        yield out


def _through_stage(raw: Any, rows: list[Row]) -> list[Row]:
    """COPY into a temporary table, then INSERT … ON CONFLICT DO NOTHING: the rows that were new come back."""
    cols = ", ".join(COLUMNS)
    with raw.cursor() as cur:
        _stage(cur, "position_stage", "position_event", COLUMNS, PG_TYPES, rows)
        cur.execute(f"INSERT INTO position_event ({cols}) SELECT {cols} FROM position_stage "
                    f"ON CONFLICT DO NOTHING RETURNING {cols}")
        return [tuple(r) for r in cur.fetchall()]


def _stage(cur: Any, name: str, table: str, columns: tuple[str, ...], types: tuple[str, ...], rows: list[tuple]
           ) -> None:
    """A temporary table of this connection with `table`'s `columns`, holding `rows` and nothing else; made once a
    connection, emptied before each use."""
    cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} AS SELECT {', '.join(columns)} FROM {table} WITH NO DATA")
    cur.execute(f"TRUNCATE {name}")
    _copy_rows(cur, name, columns, types, rows)


def _copy_rows(cur: Any, table: str, columns: tuple[str, ...], types: tuple[str, ...], rows: list[tuple]) -> None:
    with _copying(cur, table, columns, types, rows):
        pass


@contextmanager
def _copying(cur: Any, table: str, columns: tuple[str, ...], types: tuple[str, ...], rows: list[tuple]
             ) -> Iterator[None]:
    """A binary COPY of `rows`: sent on entry, finished on leaving (the server has stored them then)."""
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(list(types))
        for row in rows:
            copy.write_row(row)
        yield


_SEEN: dict[tuple, tuple[float, dict[str, Post]]] = {}  # per database and limits: when read, and each tracker's post


def _posts(session: Session, settings: Settings, devices: set[str]) -> dict[str, Post]:
    """The post each of `devices` keeps its facts against (NO_POST: none), as read at most POSTS_FOR seconds ago."""
    key = (_address(session), settings.on_site_radius_m, settings.traccar_silent_minutes,
           settings.on_site_dwell_minutes)
    now = time.monotonic()
    seen = _SEEN.get(key)
    if seen is None or now - seen[0] > POSTS_FOR:
        for old in [k for k, (at, _) in _SEEN.items() if now - at > POSTS_FOR]:
            del _SEEN[old]
        seen = _SEEN[key] = (now, {})
    known = seen[1]
    missing = devices - known.keys()
    if missing:
        found = device_posts(session, settings, missing)
        known.update({dev: found[dev][0] if dev in found else NO_POST for dev in missing})
    return known


def forget_posts() -> None:
    """Read every post and every device's facts afresh at the next poll (the database under an address was
    replaced)."""
    _SEEN.clear()
    _HELD.clear()


def _folded(settings: Settings, facts: dict[str, Presence], new: list[Row], posts: dict[str, Post],
            recount: set[str]) -> tuple[list[tuple], dict[str, Presence]]:
    """position_latest's rows of the devices whose kept facts fold forward with their `new` fixes, and those facts
    (Python only, no database); the devices that must be folded afresh from the history are added to `recount`."""
    by_device: dict[str, list[Row]] = defaultdict(list)
    for row in new:
        by_device[row[DEVICE]].append(row)
    upserts: list[tuple] = []
    folded: dict[str, Presence] = {}
    for dev, rows in by_device.items():
        post = posts[dev]
        start = facts.get(dev)
        if dev in recount or start is None or start.rule != post.rule:
            recount.add(dev)
            continue
        if len(rows) > 1:
            rows.sort(key=lambda r: r[FIX_TIME])
        folded[dev] = p = fold(start, [(r[FIX_TIME], r[LAT], r[LON]) for r in rows], post.places, settings, post.rule)
        upserts.append(rows[-1] + (p.rule, p.stay_since, p.outside_at))
    return upserts, folded


def _keep_latest(session: Session, settings: Settings, facts: dict[str, Presence], upserts: list[tuple],
                 recount: set[str], new: list[Row]) -> list[tuple]:
    """Write `upserts`, and the rows of the `recount` devices folded afresh (`new`: the fixes just stored), to
    position_latest; returns the rows of the `recount` devices."""
    recounted: list[tuple] = []
    if recount:
        posts = _posts(session, settings, recount)
        by_device: dict[str, list[Row]] = defaultdict(list)
        for row in new:
            if row[DEVICE] in recount:
                by_device[row[DEVICE]].append(row)
        recounted = _recounted(session, settings, sorted(recount), facts, by_device, {d: [posts[d]] for d in recount})
    _upsert(session, upserts + recounted, any(row[DEVICE] not in facts for row in recounted))
    return recounted


def _recounted(session: Session, settings: Settings, devices: list[str], facts: dict[str, Presence],
               new: dict[str, list[Row]], posts: dict[str, list[Post]]) -> list[tuple]:
    """The latest rows of `devices`, their facts folded from the history of the span before each one's newest fix."""
    pe = m.PositionEvent
    span = history_span(settings)
    newest = {dev: max([r[FIX_TIME] for r in new.get(dev, [])] + ([facts[dev].fix_time] if dev in facts else []))
              for dev in devices}
    out = []
    for start in range(0, len(devices), CHUNK):
        chunk = devices[start:start + CHUNK]
        since = min(newest[d] for d in chunk) - span
        history: dict[str, list[Row]] = defaultdict(list)
        for row in session.connection().execute(select(*(getattr(pe, c) for c in COLUMNS)).where(
                pe.device_id.in_(chunk), pe.fix_time > since).order_by(pe.device_id, pe.fix_time)).fetchall():
            history[row[DEVICE]].append((row[0], row[1], utc(row[2]), utc(row[3])) + tuple(row[4:]))
        for dev in chunk:
            fixes = [r for r in history.get(dev, []) if r[FIX_TIME] > newest[dev] - span]
            if fixes:
                post = posts[dev][0] if dev in posts else NO_POST
                p = fold(None, [(r[FIX_TIME], r[LAT], r[LON]) for r in fixes], post.places, settings, post.rule)
                out.append(fixes[-1] + (p.rule, p.stay_since, p.outside_at))
    return out


def _upsert(session: Session, rows: list[tuple], first_rows: bool = True) -> None:
    """Insert or replace each device's row; an older fix never overwrites a newer one. `first_rows`: some devices may
    have no row yet (False: every one has, as its kept facts read in this transaction showed)."""
    if not rows:
        return
    conn = session.connection()
    cols = ", ".join(LATEST)
    if conn.dialect.name == "postgresql":
        # An UPDATE joined to the staged rows costs PostgreSQL less than an INSERT … ON CONFLICT row by row; the few
        # devices without a row yet are inserted after it.
        with conn.connection.driver_connection.cursor() as cur:
            _stage(cur, "position_latest_stage", "position_latest", LATEST, PG_LATEST_TYPES, rows)
            cur.execute(f"UPDATE position_latest l SET ({', '.join(LATEST[1:])}) = "
                        f"({', '.join('s.' + c for c in LATEST[1:])}) FROM position_latest_stage s "
                        f"WHERE l.device_id = s.device_id AND s.fix_time >= l.fix_time")
            if first_rows:
                cur.execute(f"INSERT INTO position_latest ({cols}) SELECT {cols} FROM position_latest_stage s WHERE "
                            f"NOT EXISTS (SELECT 1 FROM position_latest l WHERE l.device_id = s.device_id)")
        return
    updates = ", ".join(f"{c} = excluded.{c}" for c in LATEST[1:])
    upsert = f"ON CONFLICT (device_id) DO UPDATE SET {updates} WHERE excluded.fix_time >= position_latest.fix_time"
    as_text = _sqlite_times(conn)
    conn.connection.driver_connection.executemany(
        f"INSERT INTO position_latest ({cols}) VALUES ({', '.join('?' * len(LATEST))}) {upsert}",
        [(r[0], r[1], as_text(r[2]), as_text(r[3])) + r[4:11] + (as_text(r[11]), as_text(r[12])) for r in rows])


def _sqlite_times(conn) -> Callable[[dt.datetime | None], str | None]:
    """Times as the very text SQLAlchemy writes on SQLite, so that keys and ranges compare alike; each once a batch."""
    to_text = m.PositionEvent.__table__.c.fix_time.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    done: dict[dt.datetime, str] = {}

    def as_text(t: dt.datetime | None) -> str | None:
        if t is None:
            return None
        if t not in done:
            done[t] = to_text(t)
        return done[t]
    return as_text


def rebuild_latest(session: Session, settings: Settings | None = None) -> int:
    """position_latest anew from the history, for fixes written past the ingest (a demo built in bulk): each device's
    newest fix, its facts folded from the span before it. Returns the devices kept."""
    settings = settings or get_settings()
    pe = m.PositionEvent
    newest = {dev: Presence(utc(t), 0.0, 0.0) for dev, t in session.execute(
        select(pe.device_id, func.max(pe.fix_time)).group_by(pe.device_id))}
    rows = _recounted(session, settings, sorted(newest), newest, {}, device_posts(session, settings))
    session.execute(delete(m.PositionLatest))
    _upsert(session, rows)
    return len(rows)
