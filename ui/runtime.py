"""The scheduler inside the dashboard server, for a single-process setup only (`run_scheduler_in_app`).

Normally `python -m ops worker` is the scheduler's home and the server only reads: feed fetching and the briefing's
Chromium then never run inside the web server. With the setting on, the server starts one scheduler, which runs
only while it holds the lease (a worker that holds it keeps it)."""
import streamlit as st

from ops.config import get_settings
from ops.scheduler import LeasedScheduler


@st.cache_resource
def _scheduler(url: str) -> LeasedScheduler:
    return LeasedScheduler(get_settings(), "app").start()


def ensure_scheduler() -> None:
    s = get_settings()
    if s.run_scheduler_in_app:
        _scheduler(s.database_url)
