"""A TPS's facts as stored in the read model (JSON with moments as ISO text) and back."""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import typing
from typing import Callable

import orjson
from sqlalchemy import Text, cast

from ops.readiness.model import TpsFacts

_HINTS = typing.get_type_hints(TpsFacts)
_FIELDS = tuple(f.name for f in dataclasses.fields(TpsFacts))
TIME_FIELDS = tuple(name for name, hint in _HINTS.items() if dt.datetime in typing.get_args(hint) or hint is dt.datetime)


def to_json(f: TpsFacts) -> dict:
    # The facts are flat (text, numbers, moments, one list of text): a shallow copy does what dataclasses.asdict's
    # deep copy did, in a tenth of the time (20 s of a province's rebuild).
    d = {name: getattr(f, name) for name in _FIELDS}
    d["open_incidents"] = list(d["open_incidents"])
    for name in TIME_FIELDS:
        if d[name] is not None:
            d[name] = _utc(d[name]).isoformat()
    return d


_TIME_AT = tuple(i for i, name in enumerate(_FIELDS) if name in TIME_FIELDS)


def from_json(d: dict) -> TpsFacts:
    if len(d) == len(_FIELDS):
        # Every field and no other (the facts this version stores): passed by position. By keyword, CPython matches
        # each of the 32 decoded (not interned) names against the parameters text by text: 15 µs a TPS, 12 s of
        # reading the nation's read model.
        try:
            values = [d[name] for name in _FIELDS]
        except KeyError:
            pass
        else:
            for i in _TIME_AT:
                if values[i] is not None:
                    values[i] = dt.datetime.fromisoformat(values[i])
            return TpsFacts(*values)
    d = dict(d)
    for name in TIME_FIELDS:
        if d.get(name) is not None:
            d[name] = dt.datetime.fromisoformat(d[name])
    # Facts stored by an older version may hold a field since dropped; sorting them out row by row cost seconds at
    # the nation, so only when there are any.
    return TpsFacts(**d) if d.keys() <= _HINTS.keys() else TpsFacts(**{k: v for k, v in d.items() if k in _HINTS})


def as_text(column):
    """A stored facts column, read as its text for from_text."""
    return cast(column, Text)


def from_text(text: str) -> TpsFacts:
    """Facts read as text (as_text), decoded by orjson: the driver's json.loads took 13 s of the 20 s that reading
    the nation's 823,220 documents cost, orjson a fraction of it."""
    try:
        return from_json(orjson.loads(text))
    except orjson.JSONDecodeError:  # text only Python's json takes (a NaN that SQLite kept as written)
        return from_json(json.loads(text))


def detail_reader() -> Callable[[str], dict]:
    """Decodes stored details read as text, each distinct text once: TPS judged alike share their detail (a
    kabupaten's 1,822 TPS hold 12), and decoding the same document again for every row was a third of reading them.
    The dicts it returns are shared: read them, do not change them. One reader per read, so none outlives it."""
    return functools.cache(json.loads)


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.timezone.utc) if t.tzinfo is None else t.astimezone(dt.timezone.utc)


def same(a: TpsFacts, b: TpsFacts) -> bool:
    """Equal facts, moments compared as instants (the database may hand them back without a zone)."""
    return to_json(a) == to_json(b)
