"""Shared by the feed tests: settings from OPS_* variables, and what a run left in the database."""
from sqlalchemy import func, select

from ops import models as m
from ops.config import get_settings, reset_settings
from ops.db import get_engine, session_scope


def configure(monkeypatch, **env):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    reset_settings()
    return get_settings()


def count(model, *where):
    with session_scope(get_engine(get_settings().database_url)) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def last_run(feed):
    with session_scope(get_engine(get_settings().database_url)) as s:
        return s.scalars(select(m.FeedRun).where(m.FeedRun.feed == feed).order_by(m.FeedRun.id.desc())).first()
