"""The dashboard's accessors: one engine per server, query results cached with a short TTL."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from ops import coordination, events, incidents, logistics, personnel, planner, queries, setup_check
from ops import timeline as timeline_ops
from ops import weather
from ops import duty, position_ingest, reaction
from ops import readiness as readiness_ops
from ops.calendar import current_settings
from ops.clock import load_clock
from ops.config import get_settings, load_pola
from ops.db import DatabaseError, get_engine, has_schema, session_scope
from ops.freshness import feed_states as feed_states_of
from ops.headline import headline as headline_of
from ops.places import load_names
from ops.readmodel import boards
from ops.tps_detail import tps_detail as tps_detail_of
from ui import outage


@st.cache_resource
def _engine(url: str):
    return get_engine(url)


def forget() -> None:
    """After an import: every cached answer, and the settings (an imported calendar changes them), are read anew."""
    st.cache_data.clear()
    _effective_settings.clear()
    _shared_names.clear()
    from ui import maps, perhatian_items  # they read through this module: imported here, not at the top
    perhatian_items.forget()
    maps.forget()
    position_ingest.forget_posts()  # an in-app scheduler's ingest reads the imported posts at its next poll


def engine():
    return _engine(get_settings().database_url)


def settings():
    """The settings with the operation's imported calendar applied (ops.calendar): what every page computes with."""
    base = get_settings()
    return _effective_settings(base.database_url, base.model_dump_json())


@st.cache_resource(ttl=get_settings().cache_ttl_seconds, show_spinner=False)
def _effective_settings(url: str, base_json: str):
    base = get_settings()
    try:
        return current_settings(base)
    except (DatabaseError, SQLAlchemyError):
        return base  # the page says the database does not answer; until it does, the configured calendar stands


def schema_ready() -> bool:
    with outage.guard():  # every page opens here: a database that does not answer is said so, not a crash
        ready = has_schema(engine())
    outage.ended()
    return ready


def moment_key(moment: dt.datetime) -> str:
    """Cache key of a moment: to the minute, so live pages share work within a minute and replays are exact."""
    return moment.replace(second=0, microsecond=0).isoformat()


def now() -> dt.datetime:
    """The operation moment: the replay moment when one is chosen, else the operation clock."""
    replay = st.session_state.get("replay_at")
    if replay is not None:
        return replay
    with outage.guard(), session_scope(engine()) as s:
        return load_clock(s).now()


def cached(fn):
    """Cache an ops query for cache_ttl_seconds; the first argument (the session) is opened here."""
    @st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False)
    def run(url: str, name: str, *args):
        with session_scope(_engine(url)) as s:
            return fn(s, *args)
    return _keyed(fn, run)


# The roster and the TPS list change only by an import, which clears every cache on its server (forget()); another
# server sees it within BASE_TTL. At the nation counting them takes seconds: not every 20 s.
BASE_TTL = 300


def base_cached(fn):
    """cached() for the base figures, kept BASE_TTL. A cache of its own: Streamlit keys a cache by its function's
    code, so one `run` under two TTLs would keep resetting it."""
    @st.cache_data(ttl=BASE_TTL, show_spinner=False)
    def run_base(url: str, name: str, *args):
        with session_scope(_engine(url)) as s:
            return fn(s, *args)
    return _keyed(fn, run_base)


@st.cache_resource(ttl=BASE_TTL, show_spinner=False)
def _shared_names(url: str):
    with session_scope(_engine(url)) as s:
        return load_names(s)


def place_names():
    """Names of places (names change only by init or an import). A resource, not data: a page asks for them several
    times, and copying the nation's 91,019 names out of the data cache cost 0.05 s a call. Callers only read them."""
    with outage.guard():
        return _shared_names(get_settings().database_url)


def _keyed(fn, run):
    def call(*args):
        # The database URL is part of the key: a cached answer never crosses databases.
        with outage.guard():
            return run(get_settings().database_url, fn.__module__ + "." + fn.__name__, *args)
    return call


tps_summary = base_cached(queries.tps_summary)
has_tps = cached(queries.has_tps)
kecamatan_table = cached(queries.kecamatan_table)
def _tps_points(session, area: str = "") -> pd.DataFrame:
    """queries.tps_points; the whole operation's from the worker's board while the TPS are as it read them."""
    if not area:
        found = boards.read(session, "tps_points", None)
        if found is not boards.NONE:
            return found
    return queries.tps_points(session, area)


tps_points = cached(_tps_points)


@st.cache_resource(ttl=3600, show_spinner=False)
def _boundaries(url: str, level: str, area: str) -> list[dict]:
    # A resource, not data: the nation's kabupaten polygons are tens of MB, and copying them out of the cache on
    # every run cost half a second. Callers only read them.
    with session_scope(_engine(url)) as s:
        return queries.boundaries(s, level, area)


def boundaries(level: str, area: str = "") -> list[dict]:
    return _boundaries(get_settings().database_url, level, area)


@st.cache_resource(ttl=3600, show_spinner=False)
def _boundary_rings(url: str, level: str, area: str) -> dict:
    from ops.maps.areas import rings_of
    return rings_of(_boundaries(url, level, area))


def boundary_rings(level: str, area: str = "") -> dict:
    """The outlines of boundaries(level, area) as drawn (ops.maps.areas.rings_of), kept beside them."""
    return _boundary_rings(get_settings().database_url, level, area)


def _personnel_summary(session) -> dict:
    return queries.personnel_summary(session, settings())


personnel_summary = base_cached(_personnel_summary)
personnel_counts = base_cached(queries.personnel_counts)


def _feed_states(session, settings, moment) -> dict:
    return feed_states_of(session, settings, moment)


def boarded(fn, board_of):
    """`fn` (session, settings, moment, *args) that first takes the worker's board of the minute
    (ops.readmodel.boards) when `board_of(*args)` names one: the whole operation's tables, made once for every
    server."""
    def call(session, settings, moment, *args):
        name = board_of(*args)
        if name is not None:
            found = boards.read(session, name, moment)
            if found is not boards.NONE:
                return found
        return fn(session, settings, moment, *args)
    call.__module__, call.__name__ = fn.__module__, fn.__name__
    return call


def whole(name: str):
    """board_of for tables that take no arguments but the area: the board `name` for the whole operation ('')."""
    return lambda area="": None if area else name


def at_moment(fn):
    """Cache an ops function of (session, settings, moment, *args) keyed on the minute of the moment."""
    def call(session, moment_iso: str, *args):
        return fn(session, settings(), dt.datetime.fromisoformat(moment_iso), *args)
    call.__module__, call.__name__ = fn.__module__, fn.__name__
    return cached(call)


def _plain(fn):
    """The same for ops functions of (session, moment, *args) that need no settings."""
    def call(session, settings, moment, *args):
        return fn(session, moment, *args)
    call.__module__, call.__name__ = fn.__module__, fn.__name__
    return call


_feed_states_at = at_moment(_feed_states)
def _feed_states_live(session) -> dict:
    return feed_states_of(session, settings())


_feed_states_now = cached(_feed_states_live)


def feed_states() -> dict:
    """Every feed as it stood at the moment shown: a replayed moment shows the ages its data had then; live, the
    newest run counts the moment it ends (not at the next minute)."""
    replay = st.session_state.get("replay_at")
    return _feed_states_at(moment_key(replay)) if replay is not None else _feed_states_now()
def _live_table(session, settings, moment, area: str = "") -> pd.DataFrame:
    """The read model while the worker keeps it current (an area read by its indexed columns); recomputed from the
    history when no worker does."""
    from ops import readmodel

    table = readmodel.current_table(session, settings, moment, area or None)
    return table if table is not None else _within(readiness_ops.per_tps(session, settings, moment), area)


def _replayed_table(session, settings, moment, area: str = "") -> pd.DataFrame:
    """A past moment: from the read model's nearest snapshot before it and the events since."""
    from ops import readmodel

    return _within(readmodel.replay(session, settings, moment), area)


def _within(table: pd.DataFrame, area: str) -> pd.DataFrame:
    if not area:
        return table
    return table[table["code"].str.startswith(area + ".")].reset_index(drop=True)


_live = at_moment(boarded(_live_table, whole("tps_table")))
_replayed = at_moment(_replayed_table)


def _per_tps(moment_iso: str, area: str = "") -> pd.DataFrame:
    """Every TPS's readiness at the moment shown (the per_tps columns); `area`: only the TPS in that region code."""
    if st.session_state.get("replay_at") is not None:
        return _replayed(moment_iso, area)
    return _live(moment_iso, area)


def readiness(moment_iso: str, area: str = "") -> dict:
    """Per tahapan: the roll-up of the TPS shown (all, or the area's) and per kecamatan, from the cached per-TPS
    readiness of that minute."""
    return _rollups(get_settings().database_url, moment_iso, area, _per_tps(moment_iso, area))


@st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False)
def _rollups(url: str, moment_iso: str, area: str, _table) -> dict:
    return readiness_ops.overview_of(_table, settings())


def _headline(session, settings, moment, area: str = "") -> dict:
    key = moment_key(moment)
    return headline_of(session, settings, moment, tps=_per_tps(key, area), legs=leg_board(key),
                       river=river_legs(key), area=area or None)


headline = at_moment(_headline)
leg_board = at_moment(boarded(_plain(logistics.leg_board), whole("leg_board")))


def _river_legs(session, settings, moment) -> pd.DataFrame:
    return logistics.river_legs(session, settings, moment, leg_board(moment_key(moment)))


river_legs = at_moment(boarded(_river_legs, whole("river_legs")))


def _leg_board_of(session, settings, moment, area: str) -> pd.DataFrame:
    return logistics.leg_board(session, moment, area=area)


_area_leg_board = at_moment(_leg_board_of)


def leg_board_in(key: str, area: str = "") -> pd.DataFrame:
    """leg_board of `area`, read as such (a kabupaten of a province: its own legs); the whole operation's when ''."""
    return _area_leg_board(key, area) if area else leg_board(key)


def _river_legs_in(session, settings, moment, area: str) -> pd.DataFrame:
    return logistics.river_legs(session, settings, moment, leg_board_in(moment_key(moment), area))


_area_river_legs = at_moment(_river_legs_in)


def river_legs_in(key: str, area: str = "") -> pd.DataFrame:
    """The river legs judged (river_legs) of `area`, read as such; the whole operation's when ''."""
    return _area_river_legs(key, area) if area else river_legs(key)


def _river_counts(session, settings, moment, code: str) -> dict:
    from ops.headline import river_counts
    # Only the area's legs: the whole board of a province takes seconds to read.
    return river_counts(river_legs_in(moment_key(moment), code), settings, moment)


river_counts = at_moment(_river_counts)  # boats tunda / hati-hati in one area
officer_board = at_moment(boarded(personnel.officer_board, whole("officer_board")))
# (key, area): the area's officers (duty.area_members); '' the whole roster
duty_board = at_moment(boarded(duty.duty_board, whole("duty_board")))


def _task_board(session, settings, moment, area: str = "") -> pd.DataFrame:
    return duty.task_board(session, settings, moment, duty_board(moment_key(moment), area), area)


task_board = at_moment(boarded(_task_board, whole("task_board")))
# (key, area): the area's TPS, reached by any reserve (a drilled area reads those around it: ops.reaction)
reaction_table = at_moment(reaction.reaction_table)
def _incident_table(session, moment, area: str = ""):
    return incidents.incident_table(session, moment, area=area or None)


incident_table = at_moment(_plain(_incident_table))  # (key, area): the area's incidents, or the whole operation's
# (key, area): per kecamatan, per desa, the meetings
coordination_coverage = at_moment(boarded(_plain(coordination.coverage), whole("coordination")))
def _newest_events(session, moment, area: str | None = None):
    return events.newest_events(session, moment, area=area, names=place_names())


newest_events = at_moment(_plain(_newest_events))  # (key, area): the area's newest, or the whole operation's
tps_detail = at_moment(lambda session, settings, moment, code: tps_detail_of(session, settings, code, moment))
discharge_trend = at_moment(weather.discharge_trend)


def _coverage(session, settings, moment, area: str = ""):
    return weather.forecast_coverage(session, moment, area or None)


_forecast_coverage = at_moment(_coverage)


def forecast_coverage(area: str = "") -> pd.DataFrame:
    """BMKG coverage per kecamatan of `area` ('' the whole operation)."""
    return _forecast_coverage(moment_key(now()), area)
polsek_names = cached(queries.polsek_names)
desa_names = cached(queries.desa_names)


def _warnings(session, settings, moment) -> list[dict]:
    return [{"identifier": w.identifier, "event": w.event, "severity": w.severity, "urgency": w.urgency,
             "certainty": w.certainty, "effective": w.effective, "expires": w.expires, "headline": w.headline,
             "description": w.description, "area": w.area_desc, "polygons": w.polygons,
             "kecamatan_codes": w.kecamatan_codes} for w in weather.active_warnings(session, moment)]


active_warnings = at_moment(_warnings)
forecast = at_moment(boarded(weather.forecast_panel, lambda hours, area="": "forecast_72h" if hours == 72 and not area
                             else None))


def tps_readiness(moment_iso: str, area: str = "") -> pd.DataFrame:
    """Per TPS readiness joined with where the TPS is (for the map, the drill-down and the decisions); `area`: only
    the TPS of that region code (the focus a commander drilled into)."""
    return readiness_ops.with_points(tps_points(area), _per_tps(moment_iso, area))


recent_runs = cached(queries.recent_feed_runs)
kecamatan_names = cached(queries.kecamatan_names)


def _plan(session, road: float, river: float, use_bko: bool) -> dict:
    return planner.plan_tables(session, settings(), road, river, use_bko)


plan_tables = cached(_plan)


def pola() -> dict:
    return load_pola(settings())


pipeline = logistics.pipeline


def _briefings(session) -> list[dict]:
    from ops.briefing import archive
    return [{"id": b.id, "moment": b.moment, "made_at": b.made_at, "kind": b.kind, "made_by": b.made_by,
             "pdf_path": b.pdf_path, "html_path": b.html_path, "figures": b.figures} for b in archive(session)]


briefings = cached(_briefings)


def clear_briefings() -> None:
    st.cache_data.clear()  # a new archive row must show at once; the other caches refill within a minute


def _verification_list(session) -> pd.DataFrame:
    pts = queries.tps_points(session)
    extra = queries.verification_state(session)
    return pts.merge(extra, on="code", how="left")


verification_list = cached(_verification_list)


def _audit(session, actor, entity) -> pd.DataFrame:
    from ops.audit import audit_table
    return audit_table(session, 500, actor, entity)


def audit(actor: str | None, entity: str | None) -> pd.DataFrame:
    with session_scope(engine()) as s:  # never cached: the log must show a change the moment it is made
        return _audit(s, actor, entity)


def _export(session, kind: str) -> pd.DataFrame:
    from ops.importers.kinds import KINDS
    return KINDS[kind].frame(session, settings())


export_frame = cached(_export)  # a list in its import format, for the downloads


def _timeline(session, settings, moment, area: str = "") -> list:
    """The milestones at the moment, counted over the TPS and legs of `area` (the whole operation when '')."""
    key = moment_key(moment)
    return timeline_ops.timeline(session, settings, moment, tps=_per_tps(key, area), legs=leg_board_in(key, area))


timeline = at_moment(boarded(_timeline, whole("timeline")))


def _setup(session) -> list:
    return setup_check.check(session, settings())


setup_items = cached(_setup)


def _calendar(session) -> list:
    from ops.calendar import milestones
    return milestones(settings(), session)


calendar = cached(_calendar)


def map_base(area: str = ""):
    """The boundaries under the TPS map: kecamatan and desa (of `area`, when given)."""
    from ops.maps import Base
    from ops.region import within
    outlines = boundaries("kecamatan", area)
    if not outlines and area:
        # The national file draws kabupaten only: the outline of the kabupaten that holds the area.
        outlines = [b for b in boundaries("kabupaten", area.split(".")[0]) if within(area, b["code"])]
    return Base(outlines, boundaries("desa", area))


def _map_legs(session, settings, moment, area: str = "") -> pd.DataFrame:
    """The legs drawn on the map, with their river waypoints; of `area` only, read as such (a province's whole
    board takes seconds)."""
    from ops.maps.routes import on_the_water
    key = moment_key(moment)
    return on_the_water(leg_board_in(key, area), river_legs_in(key, area))


map_legs = at_moment(_map_legs)


@st.cache_data(ttl=300, show_spinner=False)
def _tile_check(template: str, lon: float, lat: float):
    from ops.maps import check
    return check(template, lon, lat)


def basemap():
    """The basemap's check (None when no `map_tiles` is set), asked again every five minutes."""
    template = get_settings().map_tiles
    if not template:
        return None
    pts = tps_points()
    lon, lat = (pts["lon"].mean(), pts["lat"].mean()) if len(pts) else (106.8, -6.2)
    return _tile_check(template, round(float(lon), 3), round(float(lat), 3))
