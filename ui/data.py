"""The dashboard's accessors: one engine per server, query results cached with a short TTL."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from ops import queries
from ops.clock import load_clock
from ops.config import get_settings
from ops.db import get_engine, has_schema, session_scope
from ops.readiness import overview as readiness_overview
from ops.status import feed_states as feed_states_of


@st.cache_resource
def _engine(url: str):
    return get_engine(url)


def engine():
    return _engine(get_settings().database_url)


def settings():
    return get_settings()


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
    return feed_states_of(session, get_settings())


def _readiness(session, moment_iso: str) -> dict:
    return readiness_overview(session, get_settings(), dt.datetime.fromisoformat(moment_iso))


feed_states = cached(_feed_states)
readiness = cached(_readiness)
recent_runs = cached(queries.recent_feed_runs)
kecamatan_names = cached(queries.kecamatan_names)
