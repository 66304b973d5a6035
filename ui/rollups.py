"""What a Polda's or Mabes' pages read of the read model the worker keeps: the operation's area and the level below
any code, the roll-ups of an area and of the areas under it, its headline, and whether the worker keeps it all current
(the Perhatian items it stored: ui.perhatian_items). Cached per minute as ui.data's reads are."""
from __future__ import annotations

import pandas as pd

from ops import readmodel
from ops.area import operation_area as area_of
from ops.config import get_settings
from ops.phase import phase_at
from ops.region import children as region_children
from ui.data import at_moment, cached


def _operation_area(session):
    return area_of(session, get_settings())


operation_area = cached(_operation_area)  # the area init recorded: a kabupaten, a province or the nation


def _children(session, code: str) -> list[tuple[str, str, str]]:
    return region_children(session, code)


children = cached(_children)


def _area_rollups(session, settings, moment, parent: str) -> pd.DataFrame:
    return readmodel.rollups(session, parent, phase_at(moment, settings).tahapan)


area_rollups = at_moment(_area_rollups)  # the areas one level under `parent`, as the worker summed them


def _area_headline(session, settings, moment, code: str) -> dict | None:
    return readmodel.area_headline(session, settings, moment, code)


area_headline = at_moment(_area_headline)


def _area_rollup(session, settings, moment, code: str, tahapan: str) -> dict | None:
    return readmodel.rollup(session, code, tahapan)


area_rollup = at_moment(_area_rollup)


def _refreshed(session, settings, moment):
    return readmodel.refreshed_at(session)


readmodel_refreshed = at_moment(_refreshed)


def _current(session, settings, moment) -> bool:
    return readmodel.is_current(session, settings, moment)


readmodel_current = at_moment(_current)  # (key): whether the worker keeps the read model current at this minute
