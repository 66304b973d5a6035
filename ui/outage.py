"""When the database does not answer: say where, since when, and that the page keeps trying; come back by itself.

Data accessors and page openings run inside `guard()`; an outage stops the page (or the fragment) with the message
instead of Streamlit's "This app has encountered an error", and a small fragment tries the database again every
`db_retry_seconds` and reruns the page once it answers. The wall shows the same facts as its own banner.
"""
from __future__ import annotations

import datetime as dt
import html
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, Iterator, NoReturn

import streamlit as st
from sqlalchemy.exc import DBAPIError

from ops.clock import fmt_age, fmt_wib, utcnow
from ops.config import get_settings
from ops.db import DatabaseError, cause, check_connection, get_engine, is_outage, safe_url


@dataclass(frozen=True)
class Outage:
    where: str  # the database URL, password hidden
    since: dt.datetime  # when this server first found it not answering
    cause: str  # the driver's words
    retry_seconds: float


@st.cache_resource
def _since() -> dict[str, dt.datetime]:
    return {}  # per database URL, shared by every session of this server


def ended() -> None:
    """The database answered: the next outage starts its own 'since'."""
    _since().pop(get_settings().database_url, None)


def _outage(error: BaseException) -> Outage:
    s = get_settings()
    since = _since().setdefault(s.database_url, utcnow())
    return Outage(safe_url(s.database_url), since, cause(error), s.db_retry_seconds)


def page_message(o: Outage) -> str:
    return (f"**Basis data tidak menjawab** sejak {fmt_wib(o.since)} ({fmt_age((utcnow() - o.since).total_seconds())}"
            f" lalu): `{o.where}`. Halaman mencoba lagi setiap {o.retry_seconds:g} detik dan tampil kembali sendiri "
            f"begitu basis data menjawab. Jika berlanjut, periksa server basis data dan `OPS_DATABASE_URL`.\n\n"
            f"Keterangan: {o.cause}")


def wall_message(o: Outage) -> str:
    return (f"⚠ Basis data tidak menjawab sejak {fmt_wib(o.since, with_date=False)} — angka tidak ditampilkan; "
            f"mencoba lagi setiap {o.retry_seconds:g} detik")


def _on_page(o: Outage) -> None:
    st.error(page_message(o), icon=":material/cloud_off:")


def on_wall(o: Outage) -> None:
    st.markdown(f"<div class='banner'>{html.escape(wall_message(o))}</div>", unsafe_allow_html=True)


_show: ContextVar[Callable[[Outage], None]] = ContextVar("outage_show", default=_on_page)


@contextmanager
def shown_by(render: Callable[[Outage], None]) -> Iterator[None]:
    """Within the block an outage is drawn by `render` (the wall's banner) instead of the page message."""
    token = _show.set(render)
    try:
        yield
    finally:
        _show.reset(token)


def answers() -> bool:
    try:
        check_connection(get_engine(get_settings().database_url))
    except DatabaseError:
        return False
    return True


def stop(error: BaseException) -> NoReturn:
    _show.get()(_outage(error))

    @st.fragment(run_every=get_settings().db_retry_seconds)
    def retry() -> None:
        if answers():
            ended()
            st.rerun(scope="app")

    retry()
    st.stop()


@contextmanager
def guard() -> Iterator[None]:
    """Turn a database that does not answer into the outage message; other database errors stay errors."""
    try:
        yield
    except DBAPIError as e:
        if not is_outage(e):
            raise
        stop(e)
