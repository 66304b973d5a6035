"""What Perhatian reads every minute, held in the worker's memory from one minute to the next: the read model's table
with each TPS's place and names, and the legs with their states.

At the nation reading the whole table back and joining the TPS points took some 25 s of the minute, and the leg
board (1.8 million legs, 2.7 million reports) 22 s, while a quiet minute changes a few hundred rows of either.

- The table: the refresh says which rows it rewrote (`Report.codes`, and the write it continued from); only those are
  read again.
- The legs: those with a report recorded since the last read, or whose report's moment the clock has passed since,
  have their state read again; ETA and lateness are judged anew for every leg (they move with the clock).

Anything else — the first minute, a rebuild, a minute that regathered everything, another process having moved the
read model meanwhile, a change of the reference data, the clock set back — reads it whole.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pandas as pd
from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from ops import logistics, queries
from ops import models as m
from ops.clock import as_utc
from ops.readiness import COLUMNS, with_points
from ops.readmodel import touched

# database address -> (the stamp of the read model's write it reflects, the table joined with the TPS points)
_HELD: dict[str, tuple[str, pd.DataFrame]] = {}


def table_with_points(session: Session, report) -> pd.DataFrame:
    """readmodel.table() joined with queries.tps_points(), as the refresh that made `report` left it."""
    from ops import readmodel

    key = session.get_bind().url.render_as_string(hide_password=False)
    held = _HELD.pop(key, None)  # dropped while it is read: a failure below leaves nothing half updated
    stamp = readmodel.stamp(session)
    # Only when the read model stands as that refresh left it, and the refresh continued from the rows held here.
    if held is not None and report is not None and report.codes is not None and report.stamp == stamp \
            and report.after == held[0]:
        frame = held[1]
        if report.codes:
            rewritten = frame["code"].isin(report.codes)
            points = [c for c in frame.columns if c not in OWN_COLUMNS]  # in the order with_points put them
            fresh = with_points(frame.loc[rewritten, points], readmodel.table(session, codes=report.codes))
            joined = pd.concat([frame[~rewritten], fresh], ignore_index=True)
            # A column that one of the two parts holds no value in comes back as objects: typed as a whole read would
            # type it.
            for c in [c for c in joined.columns if joined[c].dtype == object and
                      (frame[c].dtype != object or fresh[c].dtype != object)]:
                joined[c] = joined[c].infer_objects()
            frame = joined.sort_values("code", ignore_index=True)
    else:
        frame = with_points(queries.tps_points(session), readmodel.table(session))
    if stamp is not None:
        _HELD[key] = (stamp, frame)
    return frame


class Legs(NamedTuple):
    reference: int  # touched.reference_stamp when read (a leg import changes the legs themselves)
    at: dt.datetime  # the moment the states stand at
    high_water: int  # the newest report id they include
    legs: pd.DataFrame  # logistics.with_states(): the legs and their states, not yet judged


_LEGS: dict[str, Legs] = {}


def leg_board(session: Session, now: dt.datetime) -> pd.DataFrame:
    """logistics.leg_board(session, now) for the whole operation (a frame shared with the next minute: not to be
    changed)."""
    now = as_utc(now)
    key = session.get_bind().url.render_as_string(hide_password=False)
    held = _LEGS.pop(key, None)
    conn = session.connection()
    reference = touched.reference_stamp(session)
    # read before the states: a report landing meanwhile is read again next minute
    high_water = touched.newest_id(session, "logistics")
    legs = None
    if held is not None and held.reference == reference and held.at <= now:
        ev = m.LogisticsEvent
        moved = set(conn.execute(select(ev.leg_id).where(or_(
            ev.id > held.high_water, (ev.occurred_at > held.at) & (ev.occurred_at <= now))).distinct()).scalars())
        legs = held.legs
        if moved:
            fresh = logistics.leg_states(conn, now, ev.leg_id.in_(sorted(moved)) if len(moved) <= 500 else true())
            try:
                legs = _with_new_states(legs, fresh[fresh["id"].isin(moved)])
            except (TypeError, ValueError):  # a value the held column's type cannot take: read them whole
                legs = None
    if legs is None:
        legs = logistics.legs_at(session, now)
        if legs.empty:
            return legs
    _LEGS[key] = Legs(reference, now, high_water, legs)
    return logistics.judged(legs, now)


def _with_new_states(legs: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """`legs` (a copy) with the states of `fresh`'s legs put in (each has a report: none is direncanakan again)."""
    legs = legs.copy()
    rows = pd.Index(legs["id"]).get_indexer(fresh["id"])
    ok = rows >= 0  # a report for a leg added since: the reference stamp moved with it, this is only a guard
    rows, fresh = rows[ok], fresh[ok]
    states = logistics.with_states(fresh[["id"]], fresh)
    for column in logistics.STATE_COLUMNS[1:]:
        legs.iloc[rows, legs.columns.get_loc(column)] = states[column].to_numpy()
        if legs[column].dtype == object:  # held before any report typed it: typed as a whole read would type it
            legs[column] = legs[column].infer_objects()
    return legs


def forget() -> None:
    """Read everything afresh next time (tests; a database under the same address replaced)."""
    _HELD.clear()
    _LEGS.clear()


# The table's own columns; the others are queries.tps_points', which change only with the reference data (whose
# change rebuilds the read model): a rewritten row keeps its TPS's.
OWN_COLUMNS = set(COLUMNS) - {"code", "kecamatan_code", "desa_code", "polsek_code"}
