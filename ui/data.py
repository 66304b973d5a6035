"""The dashboard's accessors: one engine per server, query results cached with a short TTL."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from ops import queries
from ops.clock import load_clock
from ops.config import get_settings
from ops.db import get_engine, has_schema, session_scope


@st.cache_resource
def _engine(url: str):
    return get_engine(url)


def engine():
    return _engine(get_settings().database_url)


def settings():
    return get_settings()


def ttl() -> int:
    return get_settings().cache_ttl_seconds


def schema_ready() -> bool:
    return has_schema(engine())


def now() -> dt.datetime:
    """The operation moment: the replay moment when one is chosen, else the operation clock."""
    replay = st.session_state.get("replay_at")
    if replay is not None:
        return replay
    with session_scope(engine()) as s:
        return load_clock(s).now()


def cached(fn):
    """Cache an ops query for ttl seconds; the first argument (the session) is opened here."""
    @st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False)
    def run(url: str, name: str, *args):
        with session_scope(_engine(url)) as s:
            return fn(s, *args)

    def call(*args):
        # The database URL is part of the key: a cached answer never crosses databases.
        return run(get_settings().database_url, fn.__module__ + "." + fn.__name__, *args)

    return call


tps_summary = cached(queries.tps_summary)
kecamatan_table = cached(queries.kecamatan_table)
tps_points = cached(queries.tps_points)
operation_meta = cached(queries.operation_meta)


@st.cache_data(ttl=3600, show_spinner=False)
def _boundaries(url: str, level: str) -> list[dict]:
    with session_scope(_engine(url)) as s:
        return queries.boundaries(s, level)


def boundaries(level: str) -> list[dict]:
    return _boundaries(get_settings().database_url, level)


def _personnel_summary(session) -> dict:
    return queries.personnel_summary(session, get_settings())


personnel_summary = cached(_personnel_summary)


def _feed_states(session) -> dict:
    from ops.status import feed_states

    return feed_states(session, get_settings())


def _readiness(session, moment_iso: str) -> dict:
    """Per tahapan: kabupaten summary and the kecamatan roll-up, at the given moment."""
    from ops.readiness import compute, rollup

    import datetime as _dt
    result = compute(session, get_settings(), _dt.datetime.fromisoformat(moment_iso))
    out = {}
    for phase, per_tps in result.items():
        kec = rollup(session, get_settings(), per_tps, "kecamatan")
        kab = rollup(session, get_settings(), per_tps, "kabupaten").iloc[0].to_dict()
        out[phase] = {"kabupaten": kab, "kecamatan": kec}
    return out


def _recent_runs(session, limit: int):
    import pandas as pd
    from sqlalchemy import select

    from ops import models as m
    rows = session.execute(select(m.FeedRun.feed, m.FeedRun.started_at, m.FeedRun.finished_at, m.FeedRun.ok,
                                  m.FeedRun.rows, m.FeedRun.rejected, m.FeedRun.error)
                           .order_by(m.FeedRun.id.desc()).limit(limit)).mappings().all()
    return pd.DataFrame(rows)


def _kecamatan_names(session) -> dict:
    from sqlalchemy import select

    from ops import models as m
    return dict(session.execute(select(m.Region.code, m.Region.name).where(m.Region.level == "kecamatan")).all())


feed_states = cached(_feed_states)
readiness = cached(_readiness)
recent_runs = cached(_recent_runs)
kecamatan_names = cached(_kecamatan_names)
