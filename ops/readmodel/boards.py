"""Boards: the whole operation's heavier tables, made by the worker once a minute and kept for every dashboard server.

The logistics board, the river legs judged, the 72-hour rain per kecamatan, the coordination coverage, every
officer's task and state this shift with the tasks' needs, every PAM TPS guard's latest fix and on-site state, the
read model's per-TPS table, the operation's milestones counted, and where every TPS is: every page that shows them
read and judged them from the history, and the first viewer of each minute waited for that on every server. The worker
now makes them at the top of its minute (ops.scheduler) and stores each with the minute it stands at and the versions
of what it was made from: the rows of the tables it reads (they only grow; an import or an operator's correction
writes an audit entry, counted too), the newest finished run of each feed behind it, and for what is made from the
read model its stamp. A server takes a board only for that very minute (where the TPS are: any minute) and while those
versions are unchanged (one indexed query); otherwise it makes the table itself, as before. A board is therefore never
older than what the server would have computed.

Every board's versions are read before any board is made (some are made on others): a row committed meanwhile makes
a board newer than its versions say, never older, and the next reader, finding other versions, makes its own.

Above BOARD_MAX_TPS no boards are made. A Polda's and the nation's pages read the roll-ups above the kabupaten and a
drilled area's own rows, which no board serves; at Sumatera Selatan (25,985 TPS) the boards took 3.6 s of the worker's
minute and wrote 28 MB (the logistics board alone 17 MB) for nothing a page read.
"""
from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ops import coordination, duty, logistics, personnel, queries
from ops import models as m
from ops.clock import as_utc, utcnow
from ops.config import Settings
from ops.weather import forecast_panel

BOARD_MAX_TPS = 15_000  # a Polres: the demo grown twenty-fold (13,340 TPS) still has them
NONE = object()  # no board to take: make the table


@dataclass(frozen=True)
class Board:
    # (session, settings, minute, boards made before it) -> the table; None when it is not to be a board this minute
    make: Callable[[Session, Settings, dt.datetime, dict], Any]
    tables: tuple[type, ...]  # the tables it reads that grow by rows (their count versions it)
    feeds: tuple[str, ...] = ()  # the feeds whose newest finished run versions it
    read_model: bool = False  # made from the read model: its stamp versions it
    timeless: bool = False  # the same at every minute (where the TPS are): taken whatever minute it was made at


def _tps_table(session: Session, settings: Settings, at: dt.datetime, made: dict) -> Any:
    """The read model's per-TPS table while the worker keeps it current (else no board: a page computes it from the
    history, as without a worker)."""
    from ops import readmodel
    return readmodel.current_table(session, settings, at)


def _timeline(session: Session, settings: Settings, at: dt.datetime, made: dict) -> Any:
    """The operation's milestones counted over the per-TPS table and the leg board just made (none without the
    per-TPS board: a page computes both from the history then)."""
    from ops import timeline
    if made.get("tps_table") is None:
        return None
    return timeline.timeline(session, settings, at, tps=made["tps_table"], legs=made["leg_board"])


LEGS = (m.LogisticsLeg, m.LogisticsEvent, m.AuditLog)
DUTY = (m.Personnel, m.Assignment, m.Tps, m.LogisticsLeg, m.AuditLog)
WEATHER = ("bmkg-forecast", "openmeteo", "bmkg-nowcast", "river")
# In the order they are made: the river legs are judged on the leg board just made.
BOARDS: dict[str, Board] = {
    "leg_board": Board(lambda s, settings, t, made: logistics.leg_board(s, t), LEGS),
    "river_legs": Board(lambda s, settings, t, made: logistics.river_legs(s, settings, t, made.get("leg_board")),
                        LEGS, WEATHER),
    "forecast_72h": Board(lambda s, settings, t, made: forecast_panel(s, settings, t, 72), (m.AuditLog,), WEATHER),
    "coordination": Board(lambda s, settings, t, made: coordination.coverage(s, t, ""),
                          (m.CoordinationActivity, m.Stakeholder, m.Region, m.Tps, m.AuditLog)),
    "tps_table": Board(_tps_table, (), read_model=True),
    "timeline": Board(_timeline, LEGS + (m.RecapProgress,), ("sirekap",), read_model=True),
    "tps_points": Board(lambda s, settings, t, made: queries.tps_points(s), (m.Tps, m.Region, m.AuditLog),
                        timeless=True),
    # Every officer's task and state this shift, and the tasks' needs: the trackers' fixes come by the traccar feed.
    "duty_board": Board(lambda s, settings, t, made: duty.duty_board(s, settings, t, ""), DUTY, ("traccar",)),
    "officer_board": Board(lambda s, settings, t, made: personnel.officer_board(s, settings, t), DUTY, ("traccar",)),
    "task_board": Board(lambda s, settings, t, made: duty.task_board(s, settings, t, made["duty_board"], ""), DUTY,
                        ("traccar",)),
}


def minute(moment: dt.datetime) -> dt.datetime:
    return as_utc(moment).replace(second=0, microsecond=0)


def versions(session: Session, name: str) -> str:
    """What board `name` is made from, as it stands now: each table's rows and each feed's newest finished run."""
    board = BOARDS[name]
    # Rows counted, and the newest id where there is one: a row deleted (a day's partition past retention) and one
    # added within the same minute must not read as no change.
    parts = [select(func.count()).select_from(t).scalar_subquery() for t in board.tables]
    parts += [select(func.max(t.id)).scalar_subquery() for t in board.tables if hasattr(t, "id")]
    parts += [select(func.max(m.FeedRun.id)).where(m.FeedRun.feed == f, m.FeedRun.finished_at.is_not(None))
              .scalar_subquery() for f in board.feeds]
    if board.read_model:
        from ops.readmodel import META
        parts.append(select(m.OperationMeta.value).where(m.OperationMeta.key == META).scalar_subquery())
    return ",".join(str(v) for v in session.execute(select(*parts)).one())


def keep(session: Session, settings: Settings, now: dt.datetime) -> list[str]:
    """Make every board at the minute of `now` and store it (replacing the one before); returns the boards made.
    None above BOARD_MAX_TPS (and those stored before are dropped)."""
    if session.scalar(select(func.count()).select_from(m.Tps)) > BOARD_MAX_TPS:
        session.execute(delete(m.ReadBoard))
        return []
    at = minute(now)
    # Every board's versions before any board is made: the river legs, the milestones and the task board are made on
    # boards made before them, whose rows must be no older than the versions they are stored with (module's note).
    seen = {name: versions(session, name) for name in BOARDS}
    made: dict[str, Any] = {}
    for name, board in BOARDS.items():
        made[name] = value = board.make(session, settings, at, made)
        if value is None:
            session.execute(delete(m.ReadBoard).where(m.ReadBoard.name == name))
            continue
        session.merge(m.ReadBoard(name=name, moment=at, versions=seen[name], payload=pickle.dumps(value, protocol=5),
                                  made_at=utcnow()))
        session.flush()
    return [name for name, value in made.items() if value is not None]


def read(session: Session, name: str, moment: dt.datetime | None) -> Any:
    """Board `name` as the worker made it for the minute of `moment` (any minute for a timeless one), when what it was
    made from is unchanged; NONE otherwise."""
    row = session.execute(select(m.ReadBoard.moment, m.ReadBoard.versions).where(m.ReadBoard.name == name)).first()
    if row is None or row.versions != versions(session, name):
        return NONE
    if not BOARDS[name].timeless and as_utc(row.moment) != minute(moment):
        return NONE
    payload = session.scalar(select(m.ReadBoard.payload).where(m.ReadBoard.name == name))
    # The worker wrote it to this database: what the pages read is theirs to trust as every other table.
    return pickle.loads(payload)
