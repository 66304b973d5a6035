"""The in-process scheduler of the dashboard server: started once per server, runs only while it holds the lease."""
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
