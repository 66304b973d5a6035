"""The CLI as a user runs it: a real subprocess, exit codes, JSON on stdout, messages on stderr."""
import json
import os
import subprocess
import sys

from conftest import ROOT

from ops.feeds.registry import FEED_NAMES


def run(*args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPS_")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "ops", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_status_json_reports_the_demo_operation(demo_sqlite):
    r = run("status", "--json", env_extra={"OPS_DATABASE_URL": demo_sqlite})
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["tps"]["total"] == 667
    assert st["tps"]["by_kecamatan"]["16.10.05"] == 71 and st["tps"]["by_kecamatan"]["16.10.13"] == 19
    assert sum(st["tps"]["by_kerawanan"].values()) == 667
    assert st["personnel"]["total"] == 331
    assert tuple(st["feeds"]) == FEED_NAMES  # every feed of the registry, and no "simulator": the demo is a source
    for f in st["feeds"].values():
        assert f["state"] in ("ok", "partial", "stale", "error", "never")
        assert {"last_success", "rows", "rejected", "failed", "error"} <= set(f)
    assert set(st["readiness"]) == {"sebelum", "pemungutan", "sesudah"}


def test_init_then_status_on_a_new_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    r = run("init", env_extra={"OPS_DATABASE_URL": url})
    assert r.returncode == 0, r.stderr
    assert "region: 258" in r.stdout
    st = json.loads(run("status", "--json", env_extra={"OPS_DATABASE_URL": url}).stdout)
    assert st["tps"]["total"] == 0 and st["operation"]["kind"] == "real"


def test_bad_database_url_fails_with_a_message():
    r = run("init", env_extra={"OPS_DATABASE_URL": "nonsense://"})
    assert r.returncode == 1
    assert "database" in r.stderr.lower() and "Traceback" not in r.stderr
    r = run("init", env_extra={"OPS_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    assert r.returncode == 1 and "Cannot connect" in r.stderr and "Traceback" not in r.stderr


def test_unreadable_region_files_fail_with_a_message(tmp_path):
    (tmp_path / "wilayah.csv").write_text("kode,nama\n16.10,x\n")
    (tmp_path / "batas_wilayah.geojson").write_text("{}")
    r = run("init", env_extra={"OPS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "OPS_REGION_DIR": str(tmp_path)})
    assert r.returncode == 1 and "wilayah.csv" in r.stderr and "Traceback" not in r.stderr
    r = run("init", env_extra={"OPS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                               "OPS_REGION_DIR": str(tmp_path / "nowhere")})
    assert r.returncode == 1 and "missing" in r.stderr


def test_status_before_init_says_what_to_do(tmp_path):
    r = run("status", "--json", env_extra={"OPS_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    assert r.returncode == 1 and "ops init" in r.stderr


def test_clock_command_sets_the_scenario_moment(demo_copy):
    r = run("clock", "2024-11-27T06:00", env_extra={"OPS_DATABASE_URL": demo_copy})
    assert r.returncode == 0 and "06:0" in r.stdout
    st = json.loads(run("status", "--json", env_extra={"OPS_DATABASE_URL": demo_copy}).stdout)
    assert st["operation"]["clock"].startswith("2024-11-26T23:0")
    assert run("clock", "tomorrow", env_extra={"OPS_DATABASE_URL": demo_copy}).returncode == 2
