"""Every page through Streamlit's AppTest on the demo database: no exception, the key figures present."""
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT


def run_page(path: str, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_ringkasan_shows_real_figures(demo_sqlite, monkeypatch):
    monkeypatch.setenv("OPS_DATABASE_URL", demo_sqlite)
    at = run_page("pages/ringkasan.py")
    assert not at.exception
    got = metrics(at)
    assert got["TPS"] == "667"
    assert got["DPT"] == "314.226"
    assert got["Personel Polri"] == "331"
    assert len(at.get("plotly_chart")) >= 2


def test_page_on_a_database_without_schema_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("OPS_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    at = run_page("pages/ringkasan.py")
    assert not at.exception
    assert "python -m ops init" in at.error[0].value
