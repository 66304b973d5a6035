"""Settings: one typed table, config file overridden by OPS_* variables, every setting in the README."""
import re

import pytest

from ops.config import ConfigError, Settings, get_settings, load_pola, reset_settings

from conftest import ROOT


def test_defaults_come_from_config_file():
    s = get_settings()
    assert s.database_url == "sqlite:///data/ops.db"
    assert s.feed_intervals["traccar"] == 1
    assert str(s.voting_day) == "2024-11-27"
    assert load_pola(s) == {"kurang_rawan": (2, 8, 16), "rawan": (2, 2, 4), "sangat_rawan": (2, 1, 2)}


def test_environment_overrides_config(monkeypatch):
    monkeypatch.setenv("OPS_DATABASE_URL", "sqlite:////tmp/x.db")
    monkeypatch.setenv("OPS_DEMO", "1")
    monkeypatch.setenv("OPS_FEED_INTERVALS", '{"traccar": 2}')
    reset_settings()
    s = get_settings()
    assert (s.database_url, s.demo) == ("sqlite:////tmp/x.db", True)
    # A table from the environment is merged into the file's: the other feeds keep their intervals.
    assert s.feed_intervals["traccar"] == 2 and s.feed_intervals["bmkg-forecast"] == 180


def test_bad_values_and_unknown_keys_are_named(monkeypatch, tmp_path):
    monkeypatch.setenv("OPS_CLOCK_SPEED", "fast")
    reset_settings()
    with pytest.raises(ConfigError, match="clock_speed"):
        get_settings()
    bad = tmp_path / "ops.toml"
    bad.write_text("[database]\ndatabse_url = 'x'\n")
    monkeypatch.delenv("OPS_CLOCK_SPEED")
    monkeypatch.setenv("OPS_CONFIG", str(bad))
    reset_settings()
    with pytest.raises(ConfigError, match="databse_url"):
        get_settings()
    monkeypatch.setenv("OPS_CONFIG", str(tmp_path / "missing.toml"))
    reset_settings()
    with pytest.raises(ConfigError, match="does not exist"):
        get_settings()


def test_readme_documents_every_setting_and_its_variable():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields
               if not re.search(rf"`{name}`", readme) or f"OPS_{name.upper()}" not in readme]
    assert missing == []
