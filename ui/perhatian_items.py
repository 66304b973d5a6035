"""The Perhatian items a page lists: evaluated at the minute (no worker, or a replay), or as the worker stored them,
shared by the viewers of a minute; and the messages owed to phones."""
from __future__ import annotations

import streamlit as st

from ops import perhatian
from ops.config import get_settings
from ops.db import session_scope
from ui import data, outage


def _evaluate(session, settings, moment) -> list:
    key = data.moment_key(moment)
    items, _ = perhatian.evaluate(session, settings, moment, tps=data.tps_readiness(key),
                                  legs=data.leg_board(key), river=data.river_legs(key))
    return items


_evaluated = data.at_moment(_evaluate)


def evaluated(key: str) -> list:
    """The items of the minute `key` (evaluated once a minute, cached) with their state as it stands now — read
    fresh, so a Tangani shows at once; in replay, as it stood at the replayed moment."""
    items = _evaluated(key)
    replay = st.session_state.get("replay_at")
    with session_scope(data.engine()) as s:
        return sorted(perhatian.store.annotate(s, items, replay if replay is not None else data.now()),
                      key=perhatian.model.rank_key)


@st.cache_resource(ttl=get_settings().cache_ttl_seconds, max_entries=64, show_spinner=False)
def _stored_items(url: str, moment_iso: str, area: str, stamp: tuple) -> list:
    with session_scope(data._engine(url)) as s:
        return perhatian.store.open_items(s, area or None)


def stored(moment_iso: str, area: str = "") -> list:
    """The Perhatian items the worker stored (open and not finished; of `area` when given), as they stand at the
    minute `moment_iso`. A resource shared by the viewers of the minute, not data copied out of the cache on every
    call: the nation's 12,777 items took 0.14 s to copy, twice a Ringkasan. Callers only read them (frozen Items).
    Keyed also on the store's stamp, read on every call: an item taken on another server, or stored by the worker
    after this minute's first viewer, is read again at once, not when the cache expires."""
    url = get_settings().database_url
    with outage.guard():
        with session_scope(data._engine(url)) as s:
            stamp = perhatian.store.stamp(s)
        return _stored_items(url, moment_iso, area, stamp)


def forget() -> None:
    """The stored items are read anew (an import: data.forget)."""
    _stored_items.clear()


def taken() -> None:
    """A Tangani or Selesai shows at once: the stored items are read anew, with every cached answer."""
    st.cache_data.clear()
    forget()


def delivery_state() -> list[dict]:
    with session_scope(data.engine()) as s:  # not cached: a message sent must show at once
        return perhatian.store.delivery_state(s)
