"""The demo tells a believable story: coordination meetings at working hours, led by named officers, meeting named
stakeholders on agendas that fit them; river verdicts and discharge that follow the simulated rain; BMKG warnings
wherever and whenever the forecast calls for one, and nowhere else; boats only for desa off the road network; an
archive holding the briefing of every past morning; and machine time said to be machine time."""
import datetime as dt
import os
import re
import subprocess
import sys
import time
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from ops import models as m
from ops.clock import WIB, as_utc, from_wib, wib_at
from ops.config import get_settings, reset_settings
from ops.coordination import activities
from ops.db import get_engine, session_scope
from ops.demo import weather
from ops.demo.coordination import AGENDA, CAMPAIGN_LAST, FORKOPIMCAM, JUMAT_CURHAT
from ops.demo.places import kecamatan_seat, km_to_line
from ui.components import plain
from ops.geo import haversine_km
from ops.logistics import river_legs
from ops.region import read_region
from ops.lease import LEASE_NAME

from conftest import CHROMIUM_SKIP, ROOT

H = dt.date(2024, 11, 27)
TEN = from_wib(dt.datetime(2024, 11, 27, 10, 0))
DEMO = tomllib.loads((ROOT / "config" / "demo.toml").read_text(encoding="utf-8"))


def wib_hour(t: dt.datetime) -> float:
    local = as_utc(t).astimezone(WIB)
    return local.hour + local.minute / 60


# ---------------- coordination ----------------

def test_no_meeting_between_22_and_06_and_most_in_office_hours(demo_db):
    with session_scope(get_engine(demo_db)) as s:
        hours = [wib_hour(a.occurred_at) for a in s.scalars(select(m.CoordinationActivity))]
    assert len(hours) > 300
    assert not [h for h in hours if h >= 22 or h < 6]
    office = sum(8 <= h <= 17 for h in hours)
    assert office / len(hours) > 0.75  # evenings only for a pengajian or a talk with residents


def test_meetings_are_led_by_named_officers_and_meet_named_stakeholders(demo_db):
    with session_scope(get_engine(demo_db)) as s:
        roster = defaultdict(list)  # names repeat in a roster of 331: rank and name may fit more than one officer
        for p in s.scalars(select(m.Personnel)):
            roster[f"{p.rank} {p.name}"].append((p.polsek_code, p.role))
        polsek_of = dict(s.execute(select(m.PolsekKecamatan.kecamatan_code, m.PolsekKecamatan.polsek_code)).all())
        acts = activities(s, TEN)
    for led_by, kec, met in zip(acts["led_by"], acts["kecamatan_code"], acts["met"]):
        officer = re.fullmatch(r"(.+) \((Kapolsek|Bhabinkamtibmas) .+\)", led_by or "")
        assert officer and officer[1] in roster, led_by
        # the Kapolsek or a Bhabinkamtibmas of the Polsek that covers the place, not someone from elsewhere
        fits = [(polsek, role) for polsek, role in roster[officer[1]] if polsek == polsek_of[kec]]
        assert fits and (officer[2] != "Kapolsek" or ("Kapolsek" in {role for _, role in fits})), led_by
        # whoever was met has a name on record (the stakeholder table)
        assert met and all(x["name"] for x in met), met
    assert acts["led_by"].nunique() > 100  # each desa its own Bhabinkamtibmas, not one officer for all


def test_agendas_vary_and_fit_whom_they_meet(demo_db):
    with session_scope(get_engine(demo_db)) as s:
        acts = list(s.scalars(select(m.CoordinationActivity)))
    topics = Counter(a.topic for a in acts)
    assert len(topics) >= 15 and max(topics.values()) / len(acts) < 0.2
    fitting = {role: {topic for stage in stages.values() for topic, _ in stage} for role, stages in AGENDA.items()}
    fitting["lurah"] = fitting["kepala_desa"]
    for a in acts:
        if a.topic in (FORKOPIMCAM[0], JUMAT_CURHAT[0]):
            continue
        # a meeting's agenda is one of the agendas of someone it met: logistics with the PPK, sermons with ulama
        assert any(a.topic in fitting[r] for r in a.roles_met), (a.roles_met, a.topic)
    by_role = defaultdict(set)
    for a in acts:
        for r in a.roles_met:
            by_role[r].add(a.topic)
    assert all(len(t) >= 2 for r, t in by_role.items() if r != "lurah"), by_role
    # the quiet days before voting talk of boxes, guards and patrols; the campaign weeks of the campaign
    stage_of = {topic: stage for stages in AGENDA.values() for stage, agendas in stages.items() for topic, _ in agendas}
    for a in acts:
        quiet = (as_utc(a.occurred_at).astimezone(WIB).date() - H).days > CAMPAIGN_LAST
        assert stage_of.get(a.topic, "kampanye") == ("tenang" if quiet else "kampanye"), (a.occurred_at, a.topic)
    assert any(stage_of.get(a.topic) == "tenang" for a in acts)


def test_meetings_are_spread_over_the_weeks_before_voting(demo_db):
    with session_scope(get_engine(demo_db)) as s:
        days = [as_utc(t).astimezone(WIB).date() for t in s.scalars(select(m.CoordinationActivity.occurred_at))]
    weeks = Counter((H - d).days // 7 for d in days)
    assert all(d < H for d in days)
    assert all(weeks[w] >= 40 for w in (0, 1, 2, 3)), weeks


# ---------------- rivers and rain ----------------

def test_river_verdicts_at_ten_on_voting_day_are_not_all_the_same(demo_db):
    with session_scope(get_engine(demo_db)) as s:
        legs = river_legs(s, get_settings(), TEN)
    assert set(legs["verdict"]) == {"go", "hati-hati", "tunda"}
    # the boats that wait do so for the storm forecast over their own desa, not one reason for all
    reasons = Counter(r["kind"] for rs in legs["reasons"] for r in rs)
    assert reasons["hujan_lebat"] and reasons["aman"]
    # boats bringing boxes back this evening: those under the storm wait, the others may go
    back = legs[legs["stage"] == "tps-pps"]
    assert {"go", "tunda"} <= set(back["verdict"])


def test_discharge_falls_on_dry_days_and_rises_after_rain(demo_db):
    from ops.feeds.runner import load_reference

    settings = get_settings()
    threshold = settings.river_discharge_threshold
    with session_scope(get_engine(demo_db)) as s:
        rows = s.execute(select(m.RiverDischarge.point_code, m.RiverDischarge.day, m.RiverDischarge.discharge)).all()
        ref = load_reference(s, settings)
    q = {(p, d): v for p, d, v in rows}
    points = sorted({p for p, _ in q})
    assert len(points) >= 5
    dry = [H - dt.timedelta(days=k) for k in (3, 2, 1)]  # the week before voting is dry
    for p in points:
        assert all(q[(p, d)] < threshold for d in dry), [q[(p, d)] for d in dry]
    # the storm of the afternoon of H raises the river a day later where it fell; nothing rises on a dry day
    assert any(q[(p, H + dt.timedelta(days=1))] > q[(p, H)] + 40 for p in points)
    assert all(q[(p, H - dt.timedelta(days=2))] <= q[(p, H - dt.timedelta(days=3))] + 15 for p in points)
    # what the feed holds is the model's river; earlier in the month, before the data the demo keeps, the wet season
    # kept it above the threshold
    catchment = sorted(ref.kecamatan.values())

    def model(p, day):
        return weather.discharge(settings.demo_seed, p, *ref.river_points[p], day, H, catchment)
    assert all(q[(p, H)] == model(p, H) for p in points)
    wet = [model(p, H - dt.timedelta(days=k)) for p in points for k in range(10, 20)]
    assert max(wet) > threshold


def forecast_by_kecamatan(session) -> dict[tuple[dt.datetime, str], float]:
    parent = dict(session.execute(select(m.Region.code, m.Region.parent_code)).all())
    out: dict[tuple[dt.datetime, str], float] = {}
    for area, slot, mm in session.execute(select(m.WeatherForecast.area_code, m.WeatherForecast.slot,
                                                 m.WeatherForecast.rain_mm).where(m.WeatherForecast.source == "bmkg")):
        key = (as_utc(slot), parent[area])
        out[key] = max(out.get(key, 0.0), mm or 0.0)
    return out


def warned(session) -> set[tuple[dt.datetime, str]]:
    out = set()
    for w in session.scalars(select(m.WeatherWarning)):
        slot = as_utc(w.effective)
        while slot < as_utc(w.expires):
            out.update((slot, k) for k in w.kecamatan_codes)
            slot += weather.SLOT
    return out


def test_a_warning_exists_wherever_and_whenever_the_forecast_reaches_the_threshold(demo_copy):
    from ops.demo.runs import catch_up

    settings = get_settings()
    with session_scope(get_engine(demo_copy)) as s:
        forecast = forecast_by_kecamatan(s)  # BMKG's forecast as the demo's morning has it
    until = wib_at(H + dt.timedelta(days=1), dt.time(0))
    catch_up(settings, until=until)  # the afternoon and evening pass: BMKG sends its nowcasts
    with session_scope(get_engine(demo_copy)) as s:
        got = warned(s)
    slots = {slot for slot, _ in forecast if TEN < slot + weather.SLOT and slot - weather.WARNING_LEAD <= until}
    expected = {(slot, k) for (slot, k), mm in forecast.items() if slot in slots and mm >= weather.WARNING_MM}
    assert len({k for _, k in expected}) >= 3  # the storm of the afternoon of H
    assert {x for x in got if x[0] in slots} == expected
    # and none at all in the dry mornings and the dry week
    assert not [x for x in got if x[0].astimezone(WIB).hour < 12 and x[0].astimezone(WIB).hour >= 3]


def test_warnings_of_the_days_before_follow_the_simulated_forecast(demo_db):
    """Before the demo's moment the forecasts have been replaced by newer ones; the nowcasts then sent must still be
    exactly those the simulated forecast called for."""
    from ops.feeds.runner import load_reference
    from ops.demo.source import history_start, weather_points

    settings = get_settings()
    with session_scope(get_engine(demo_db)) as s:
        points = weather_points(s, load_reference(s, settings))
        got = warned(s)
    start = history_start(settings)
    calls = weather.nowcasts(settings.demo_seed, points, start, TEN + weather.WARNING_LEAD, H)
    expected = {(n.slot, k) for n in calls for k in n.kecamatan if n.sent <= TEN}
    assert expected and got == expected
    days = {slot.astimezone(WIB).date() for slot, _ in got}
    assert days == {H - dt.timedelta(days=1)}  # the storm over the Pemulutan lowlands on the eve of voting


def test_only_desa_off_the_road_network_are_reached_by_boat(demo_db):
    region = read_region(ROOT / "data" / "region" / "ogan_ilir", "16.10")
    river = DEMO["river"]
    with session_scope(get_engine(demo_db)) as s:
        by_boat = set(s.scalars(select(m.Tps.desa_code).where(m.Tps.akses == "sungai")))
        by_road = set(s.scalars(select(m.Tps.desa_code).where(m.Tps.akses == "darat")))
    assert by_boat and not by_boat & by_road
    assert all(region.areas[d].level == "desa" for d in by_boat)  # never a kelurahan, a town
    assert "16.10.03.1001" in by_road  # Kelurahan Tanjung Raja, the kecamatan's town
    road = [tuple(p) for p in river["road"]]
    for d in by_boat:
        a = region.areas[d]
        seat = kecamatan_seat(region, a.parent_code)
        assert a.parent_code in river["kecamatan"]
        assert haversine_km(a.lat, a.lon, seat.lat, seat.lon) > river["seat_km"]
        assert km_to_line(a.lat, a.lon, road) > river["road_km"]
    # and the reverse: every desa of a lowland kecamatan that is far from both is one of them
    for kec in river["kecamatan"]:
        seat = kecamatan_seat(region, kec)
        for a in region.desa_of(kec):
            far = (haversine_km(a.lat, a.lon, seat.lat, seat.lon) > river["seat_km"]
                   and km_to_line(a.lat, a.lon, road) > river["road_km"])
            assert (a.code in by_boat) == (far and a.level == "desa"), a.name


# ---------------- the briefing archive ----------------

@pytest.mark.skipif(CHROMIUM_SKIP is not None, reason=str(CHROMIUM_SKIP))
def test_init_demo_archives_the_briefing_of_every_past_morning(tmp_path, monkeypatch):
    from ops.bootstrap import init_database

    monkeypatch.setenv("OPS_DATABASE_URL", f"sqlite:///{tmp_path / 'ops.db'}")
    monkeypatch.setenv("OPS_BRIEFING_DIR", str(tmp_path / "laporan"))
    reset_settings()
    began = time.monotonic()
    report = init_database(get_settings(), demo=True)
    print(f"init --demo with its briefings: {time.monotonic() - began:.0f} s")
    assert report["briefings"] == 4 and report["notes"] == []
    with session_scope(get_engine(get_settings().database_url)) as s:
        rows = list(s.scalars(select(m.Briefing).order_by(m.Briefing.moment)))
        mornings = [as_utc(r.moment) for r in rows]
        assert mornings == [wib_at(H + dt.timedelta(days=k), dt.time(6)) for k in (-3, -2, -1, 0)]
        for r in rows:
            # made by the scheduler at the moment it describes, on the operation's clock
            assert (r.kind, r.made_by, as_utc(r.made_at)) == ("terjadwal", "penjadwal", as_utc(r.moment))
            assert Path(r.pdf_path).stat().st_size > 10_000 and Path(r.html_path).parent == tmp_path / "laporan"
        # each as the data stood that morning: guards reach their TPS only before dawn on voting day
        assert [r.figures["personel_di_lokasi"] > 0 for r in rows] == [False, False, False, True]
        html = Path(rows[0].html_path).read_text(encoding="utf-8")
    assert "Dibuat 24 Nov 2024 06:00 WIB" in html and "jam komputer" not in html
    # the Laporan page lists them, newest first, with when they were made on the operation's clock
    at = AppTest.from_file(str(ROOT / "views" / "laporan.py"), default_timeout=120).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Dibuat"]) == [f"{d} Nov 2024 06:00 WIB" for d in (27, 26, 25, 24)]


def test_init_demo_without_chromium_says_so_in_one_line_and_goes_on(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPS_")}
    env.update(OPS_DATABASE_URL=f"sqlite:///{tmp_path / 'ops.db'}", OPS_CHROMIUM_PATH=str(tmp_path / "no-chromium"),
               OPS_BRIEFING_DIR=str(tmp_path / "laporan"))
    r = subprocess.run([sys.executable, "-m", "ops", "init", "--demo"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 2 and "briefings: 0" in lines[0] and "tps: 667" in lines[0]
    assert lines[1].startswith("Laporan harian hari-hari sebelumnya tidak dibuat") and "Chromium" in lines[1]
    with session_scope(get_engine(env["OPS_DATABASE_URL"])) as s:
        assert s.scalar(select(m.Briefing.id)) is None
        assert s.scalar(select(m.TpsStatusEvent.id)) is not None  # the history was written all the same


# ---------------- machine time ----------------

def test_machine_time_on_screen_is_said_to_be_machine_time(demo_copy):
    with session_scope(get_engine(demo_copy)) as s:
        s.add(m.SchedulerLease(name=LEASE_NAME, holder="worker@posko", token="t",
                               expires_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=60)))
    at = AppTest.from_file(str(ROOT / "views" / "sumber_data.py"), default_timeout=120).run()
    assert not at.exception
    lease = [c.value for c in at.caption if c.value.startswith("Penjadwal:")]
    assert lease and plain("worker@posko") in lease[0] and "jam komputer" in lease[0]
    at = AppTest.from_file(str(ROOT / "views" / "admin.py"), default_timeout=120)
    at.session_state["user"] = {"username": "admin", "full_name": "admin", "role": "admin"}
    at.run()
    assert not at.exception
    users, log = at.dataframe[0].value, at.dataframe[1].value
    assert "Dibuat (jam komputer)" in users.columns and "Waktu (jam komputer)" in log.columns


def test_the_readme_quotes_the_verified_tps_the_data_page_shows(demo_sqlite, monkeypatch):
    quoted = re.search(r'"(\d+) dari 667 TPS terverifikasi"', (ROOT / "README.md").read_text(encoding="utf-8"))
    monkeypatch.setenv("OPS_DATABASE_URL", demo_sqlite)
    at = AppTest.from_file(str(ROOT / "views" / "data_tps.py"), default_timeout=120).run()
    assert not at.exception
    assert quoted and f"{quoted[1]} dari 667 TPS terverifikasi" in " ".join(x.value for x in at.markdown)
