"""Feeds against real HTTP servers on 127.0.0.1 serving real-format payloads, and the faults real servers have."""
import datetime as dt
import json
import threading
import time

import pytest
from sqlalchemy import func, select
from werkzeug import Response

from ops import models as m
from ops.clock import utcnow
from ops.db import get_engine, session_scope
from ops.feeds import http as fhttp
from ops.feeds.runner import FeedFailed, run_feed
from ops.freshness import judge
from ops.freshness import feed_states

import feed_helpers
from conftest import FEEDS
from feed_helpers import count, last_run

SAMPLES = CAPTURES = FEEDS  # real captures and Ogan Ilir samples, see tests/payloads/SOURCES.md


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(fhttp, "BACKOFF_S", 0.01)


def configure(monkeypatch, **env):
    return feed_helpers.configure(monkeypatch, **{"OPS_HTTP_TIMEOUT_S": "1", "OPS_HTTP_RETRIES": "2", **env})


def test_bmkg_forecast_stores_slots_and_reports_unknown_codes(demo_copy, httpserver, monkeypatch):
    body = json.loads((SAMPLES / "bmkg_prakiraan_cuaca_16.10.05.2001.json").read_text())
    httpserver.expect_request("/publik/prakiraan-cuaca", query_string="adm4=16.10.05.2001").respond_with_json(body)
    httpserver.expect_request("/publik/prakiraan-cuaca", query_string="adm4=16.10.05.2002").respond_with_json(
        json.loads((SAMPLES / "bmkg_prakiraan_cuaca_404.json").read_text()), status=404)
    s = configure(monkeypatch, OPS_BMKG_FORECAST_URL=httpserver.url_for("/publik/prakiraan-cuaca"),
                  OPS_BMKG_FORECAST_DESA='["16.10.05.2001", "16.10.05.2002"]', OPS_BMKG_REQUESTS_PER_MINUTE="6000")
    result = run_feed("bmkg-forecast", s)
    assert result.rows == 24 and result.rejected == 1 and "16.10.05.2002" in result.notes[0]
    assert count(m.WeatherForecast, m.WeatherForecast.area_code == "16.10.05.2001",
                 m.WeatherForecast.source == "bmkg") == 24
    # Running again replaces the desa's forecast instead of doubling it.
    run_feed("bmkg-forecast", s)
    assert count(m.WeatherForecast, m.WeatherForecast.area_code == "16.10.05.2001",
                 m.WeatherForecast.source == "bmkg") == 24


@pytest.mark.parametrize("fault", ["500", "html", "truncated", "drift", "timeout"])
def test_sirekap_faults_are_recorded_and_keep_the_last_good_data(demo_copy, httpserver, monkeypatch, fault):
    good = json.loads((CAPTURES / "sirekap_hhcw_pkwkk_1610.json").read_text())
    path = "/pilkada/hhcw/pkwkk/16/1610.json"
    s = configure(monkeypatch, OPS_SIREKAP_URL=httpserver.url_for(""))
    httpserver.expect_oneshot_request(path).respond_with_json(good)
    assert run_feed("sirekap", s).rows == 17
    before = count(m.RecapProgress)
    if fault == "500":
        httpserver.expect_request(path).respond_with_data("oops", status=500)
    elif fault == "html":
        httpserver.expect_request(path).respond_with_data("<!DOCTYPE html><html>Maintenance</html>",
                                                          content_type="text/html")
    elif fault == "truncated":
        httpserver.expect_request(path).respond_with_data(json.dumps(good)[:300], content_type="application/json")
    elif fault == "drift":
        httpserver.expect_request(path).respond_with_json({"mode": "hhcw", "data": {}, "ts": good["ts"]})
    else:
        # The test server answers one request at a time: the slow answers are released at the end so that they do
        # not hold up the next test's requests.
        release = threading.Event()
        httpserver.expect_request(path).respond_with_handler(lambda req: (release.wait(1.5), Response("{}"))[1])
    try:
        with pytest.raises(FeedFailed) as e:
            run_feed("sirekap", s)
    finally:
        if fault == "timeout":
            release.set()
            time.sleep(0.3)
    expect = {"500": "HTTP 500", "html": "halaman HTML", "truncated": "JSON yang tidak valid",
              "drift": "tanpa objek tungsura", "timeout": "tidak selesai dalam 1 s"}[fault]
    assert expect in str(e.value)
    run = last_run("sirekap")
    assert not run.ok and expect in run.error and run.finished_at is not None
    assert count(m.RecapProgress) == before
    with session_scope(get_engine(s.database_url)) as sess:
        state = feed_states(sess, s)["sirekap"]
    assert state.state == "error" and state.rows == 17 and state.last_success is not None


def test_429_with_retry_after_is_honoured(demo_copy, httpserver, monkeypatch):
    good = json.loads((CAPTURES / "sirekap_hhcw_pkwkk_1610.json").read_text())
    path = "/pilkada/hhcw/pkwkk/16/1610.json"
    httpserver.expect_ordered_request(path).respond_with_data("slow down", status=429, headers={"Retry-After": "1"})
    httpserver.expect_ordered_request(path).respond_with_json(good)
    s = configure(monkeypatch, OPS_SIREKAP_URL=httpserver.url_for(""))
    t0 = time.monotonic()
    assert run_feed("sirekap", s).rows == 17
    assert time.monotonic() - t0 >= 0.9


def test_traccar_needs_the_token_and_ignores_resent_and_unknown_fixes(demo_copy, httpserver, monkeypatch):
    with session_scope(get_engine(demo_copy)) as s:
        people = s.scalars(select(m.Personnel).where(m.Personnel.device_id.is_not(None)).limit(2)).all()
        devs = [(p.device_id, p.nrp) for p in people]
    devices = [{"id": 1, "uniqueId": devs[0][0], "name": "a"}, {"id": 2, "uniqueId": devs[1][0], "name": "b"},
               {"id": 3, "uniqueId": "NOT-OURS", "name": "x"}]
    positions = json.loads((SAMPLES / "traccar_api_positions.json").read_text())
    positions.append(dict(positions[0]))  # the same fix resent
    positions.append(dict(positions[1], id=150, fixTime="2024-11-27T01:52:30.000+00:00"))  # older, out of order
    positions[2] = dict(positions[2], deviceId=3)
    auth = {"Authorization": "Bearer rahasia"}
    httpserver.expect_request("/api/devices", headers=auth).respond_with_json(devices)
    httpserver.expect_request("/api/positions", headers=auth).respond_with_json(positions)
    s = configure(monkeypatch, OPS_TRACCAR_URL=httpserver.url_for(""), OPS_TRACCAR_TOKEN="rahasia")
    before = count(m.PositionEvent)
    r = run_feed("traccar", s)
    assert r.rows == 3 and any("NOT-OURS" in n for n in r.notes)
    assert run_feed("traccar", s).rows == 0  # nothing new the second time
    assert count(m.PositionEvent) == before + 3
    bad = configure(monkeypatch, OPS_TRACCAR_TOKEN="salah")
    with pytest.raises(FeedFailed, match="HTTP 500|HTTP 4"):
        run_feed("traccar", bad)


def test_nowcast_keeps_only_alerts_touching_the_kabupaten(demo_copy, httpserver, monkeypatch):
    rss = (SAMPLES / "bmkg_nowcast_rss.xml").read_text()
    httpserver.expect_request("/alerts/nowcast/id/rss.xml").respond_with_data(rss, content_type="application/xml")
    httpserver.expect_request("/alerts/nowcast/id/CSS20241127005_alert.xml").respond_with_data(
        (SAMPLES / "bmkg_nowcast_CSS20241127005_alert.xml").read_text(), content_type="application/xml")
    httpserver.expect_request("/alerts/nowcast/id/CKT20241127002_alert.xml").respond_with_data(
        (CAPTURES / "bmkg_nowcast_cap_id_CGT20260924002_alert.xml").read_text(), content_type="application/xml")
    s = configure(monkeypatch, OPS_BMKG_NOWCAST_URL=httpserver.url_for("/alerts/nowcast/id"))
    r = run_feed("bmkg-nowcast", s)
    assert r.rows == 1
    with session_scope(get_engine(s.database_url)) as sess:
        w = sess.get(m.WeatherWarning, "2.49.0.1.360.0.2024.11.27.06.16.005")
        assert w.severity == "Moderate" and "16.10.03" in w.kecamatan_codes
        assert sess.get(m.WeatherWarning, "2.49.0.1.360.0.2026.09.24.07.75.002") is None  # Gorontalo: elsewhere


def test_tps_status_sheet_stores_good_rows_and_names_bad_ones(demo_copy, httpserver, monkeypatch):
    with session_scope(get_engine(demo_copy)) as s:
        codes = s.scalars(select(m.Tps.code).order_by(m.Tps.code).limit(2)).all()
    csv_text = ("kode_tps,status,waktu,pelapor,catatan\n"
                f"{codes[0]},dibuka,2024-11-27T07:02,KPPS,\n"
                "16.10.99.2001.001,dibuka,2024-11-27T07:03,KPPS,\n"
                f"{codes[1]},terbang,2024-11-27T07:04,KPPS,\n"
                f"{codes[1]},dibuka,kemarin,KPPS,\n")
    httpserver.expect_request("/laporan.csv").respond_with_data(csv_text, content_type="text/csv")
    s = configure(monkeypatch, OPS_TPS_STATUS_URL=httpserver.url_for("/laporan.csv"))
    r = run_feed("tps-status", s)
    assert r.rows == 1 and r.rejected == 3
    assert r.notes[0].startswith("baris 3: kode_tps '16.10.99.2001.001'")
    assert "status 'terbang'" in r.notes[1] and "waktu 'kemarin'" in r.notes[2]
    assert run_feed("tps-status", s).rows == 0  # the same sheet again adds nothing


def test_state_turns_error_then_stale_while_the_data_stays(demo_copy, httpserver, monkeypatch):
    good = json.loads((CAPTURES / "sirekap_hhcw_pkwkk_1610.json").read_text())
    s = configure(monkeypatch, OPS_SIREKAP_URL=httpserver.url_for(""))
    httpserver.expect_oneshot_request("/pilkada/hhcw/pkwkk/16/1610.json").respond_with_json(good)
    run_feed("sirekap", s)
    httpserver.stop()  # the source goes away
    with pytest.raises(FeedFailed, match="koneksi gagal"):
        run_feed("sirekap", s)
    httpserver.start()
    with session_scope(get_engine(s.database_url)) as sess:
        now = utcnow()
        assert feed_states(sess, s)["sirekap"].state == "error"
        runs = [r for r in sess.scalars(select(m.FeedRun).where(m.FeedRun.feed == "sirekap").order_by(m.FeedRun.id))]
        last_ok = [r for r in runs if r.ok][-1]
        later = now + dt.timedelta(minutes=s.feed_intervals["sirekap"] * s.stale_after_intervals + 1)
        stale = judge("sirekap", runs[-1], last_ok, s.feed_intervals["sirekap"], s.stale_after_intervals, later)
        assert stale.state == "stale" and stale.rows == 17 and stale.age_seconds > 1800
    assert count(m.RecapProgress) >= 17


def many_points(sample: str):
    """An Open-Meteo server: one body per requested coordinate, as the real many-points answer."""
    body = json.loads((SAMPLES / sample).read_text())

    def handler(request):
        n = len(request.args["latitude"].split(","))
        assert n == len(request.args["longitude"].split(","))
        return Response(json.dumps([body] * n), content_type="application/json")
    return handler


def test_openmeteo_stores_every_kecamatan_and_reports_open_meteo_errors(demo_copy, httpserver, monkeypatch):
    s = configure(monkeypatch, OPS_OPENMETEO_URL=httpserver.url_for("/v1/forecast"))
    httpserver.expect_oneshot_request("/v1/forecast").respond_with_handler(many_points("openmeteo_forecast_indralaya.json"))
    before = count(m.WeatherForecast, m.WeatherForecast.source == "openmeteo")
    assert run_feed("openmeteo", s).rows == 16 * 24
    assert count(m.WeatherForecast, m.WeatherForecast.source == "openmeteo") == 16 * 24 != before
    # Open-Meteo's own error body (HTTP 400, {"error": true, "reason": ...}) is a recorded failure; data stays.
    httpserver.expect_request("/v1/forecast").respond_with_json(
        {"error": True, "reason": "Parameter 'hourly' is invalid"}, status=400)
    with pytest.raises(FeedFailed, match="400"):
        run_feed("openmeteo", s)
    assert count(m.WeatherForecast, m.WeatherForecast.source == "openmeteo") == 16 * 24
    assert not last_run("openmeteo").ok


def test_openmeteo_answer_with_too_few_points_changes_nothing(demo_copy, httpserver, monkeypatch):
    s = configure(monkeypatch, OPS_OPENMETEO_URL=httpserver.url_for("/v1/forecast"))
    body = json.loads((SAMPLES / "openmeteo_forecast_indralaya.json").read_text())
    httpserver.expect_request("/v1/forecast").respond_with_json([body, body])
    before = count(m.WeatherForecast, m.WeatherForecast.source == "openmeteo")
    with pytest.raises(FeedFailed, match="diminta 16 titik, dijawab 2"):
        run_feed("openmeteo", s)
    assert count(m.WeatherForecast, m.WeatherForecast.source == "openmeteo") == before


def test_river_discharge_flags_days_above_the_threshold(demo_copy, httpserver, monkeypatch):
    s = configure(monkeypatch, OPS_OPENMETEO_FLOOD_URL=httpserver.url_for("/v1/flood"),
                  OPS_RIVER_DISCHARGE_THRESHOLD="430")
    httpserver.expect_request("/v1/flood").respond_with_handler(many_points("openmeteo_flood_sungai_ogan.json"))
    sample = json.loads((SAMPLES / "openmeteo_flood_sungai_ogan.json").read_text())["daily"]
    with session_scope(get_engine(s.database_url)) as sess:
        river_kec = sess.scalar(select(func.count(func.distinct(m.Tps.kecamatan_code))).where(m.Tps.akses == "sungai"))
    assert run_feed("river", s).rows == 14 * river_kec
    from ops.weather import discharge_trend
    with session_scope(get_engine(s.database_url)) as sess:
        trend = discharge_trend(sess, s, dt.datetime(2024, 11, 27, 3, tzinfo=dt.timezone.utc), 10, 10)
        point = trend[trend["kecamatan"] == trend["kecamatan"].iloc[0]].set_index("day")
        for day, q in zip(sample["time"], sample["river_discharge"]):
            row = point.loc[dt.date.fromisoformat(day)]
            assert row["discharge"] == q and bool(row["above"]) == (q > 430)
        assert point["above"].any() and not point["above"].all()


@pytest.mark.parametrize("fault", ["drift", "nulls"])
def test_river_schema_drift_is_named_per_point(demo_copy, httpserver, monkeypatch, fault):
    s = configure(monkeypatch, OPS_OPENMETEO_FLOOD_URL=httpserver.url_for("/v1/flood"))
    body = json.loads((SAMPLES / "openmeteo_flood_sungai_ogan.json").read_text())
    if fault == "drift":
        body["daily"]["discharge"] = body["daily"].pop("river_discharge")  # renamed field
    else:
        body["daily"]["river_discharge"] = [None] * len(body["daily"]["time"])

    def handler(request):
        return Response(json.dumps([body] * len(request.args["latitude"].split(","))),
                        content_type="application/json")
    httpserver.expect_request("/v1/flood").respond_with_handler(handler)
    before = count(m.RiverDischarge)
    if fault == "drift":
        with pytest.raises(FeedFailed, match="daily.river_discharge"):
            run_feed("river", s)
        assert count(m.RiverDischarge) == before
    else:
        r = run_feed("river", s)  # nulls are kept as unknown, never as zero discharge
        with session_scope(get_engine(s.database_url)) as sess:
            assert sess.scalar(select(func.count()).select_from(m.RiverDischarge).where(
                m.RiverDischarge.discharge.is_(None))) == r.rows


def test_ui_falls_back_to_open_meteo_when_bmkg_fails(demo_copy, httpserver, monkeypatch):
    from ops.weather import forecast_source
    s = configure(monkeypatch, OPS_BMKG_FORECAST_URL=httpserver.url_for("/publik/prakiraan-cuaca"),
                  OPS_BMKG_FORECAST_DESA='["16.10.05.2001"]')
    with session_scope(get_engine(s.database_url)) as sess:
        assert forecast_source(feed_states(sess, s)).source == "bmkg"
    httpserver.expect_request("/publik/prakiraan-cuaca").respond_with_data("Bad gateway", status=502)
    with pytest.raises(FeedFailed):
        run_feed("bmkg-forecast", s)
    with session_scope(get_engine(s.database_url)) as sess:
        chosen = forecast_source(feed_states(sess, s))
        assert chosen.source == "openmeteo" and chosen.fallback and "Open-Meteo" in chosen.note
