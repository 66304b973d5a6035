"""Reaction time: the nearest available reserve to every TPS against hand-computed cases (two reserves, a river TPS
by boat, a busy reserve skipped), reserves from the database (base or fix, busy at an open incident), the demo's
table and per Polsek figures, and the waktu_reaksi Perhatian rule."""
import dataclasses
import datetime as dt
import json
import random

import pandas as pd
import pytest
from sqlalchemy import select

from ops import duty, models as m, reaction, tasks
from ops.config import get_settings
from ops.db import get_engine, session_scope
from ops.position_ingest import store_positions
from ops.perhatian import rules, wording
from ui.components import TONE_COLOR

from test_cli import run
from test_command_room import session  # noqa: F401  (the demo on SQLite and PostgreSQL, read-only)
from test_pages import run_page
from test_perhatian import situation, tps_row, wib


TPS = reaction.Target("T1", -3.0, 104.7)
SOUTH = reaction.Reserve("11", "Polsek Selatan", "PS-S", -3.1, 104.7)  # 0.1° of latitude: 11.1195 km straight
EAST = reaction.Reserve("22", "BKO", None, -3.0, 104.9)  # 0.2° of longitude at 3° S: 22.2083 km straight


def test_the_nearest_of_two_reserves_arrives_by_road():
    (r,) = reaction.nearest([TPS], [EAST, SOUTH], 35.0, 15.0, 10.0)
    # 11.1195 km x 1.35 (roads wind) = 15.0113 km at 35 km/h = 25.73 min, plus 10 min to get going
    assert r.reserve == SOUTH and r.mode == "darat"
    assert r.km == pytest.approx(15.011, abs=0.01) and r.minutes == pytest.approx(35.73, abs=0.02)


def test_a_river_tps_is_reached_by_boat():
    river = dataclasses.replace(TPS, akses="sungai")
    (r,) = reaction.nearest([river], [EAST, SOUTH], 35.0, 15.0, 10.0)
    # 11.1195 km x 1.5 (rivers wind more) = 16.679 km at 15 km/h = 66.72 min, plus 10
    assert r.mode == "sungai" and r.km == pytest.approx(16.679, abs=0.01)
    assert r.minutes == pytest.approx(76.72, abs=0.02)


def test_a_busy_reserve_is_skipped():
    busy = dataclasses.replace(SOUTH, available=False)
    (r,) = reaction.nearest([TPS], [busy, EAST], 35.0, 15.0, 10.0)
    # 22.2083 km x 1.35 = 29.981 km at 35 km/h = 51.40 min, plus 10
    assert r.reserve == EAST and r.minutes == pytest.approx(61.40, abs=0.02)
    (none,) = reaction.nearest([TPS], [busy], 35.0, 15.0, 10.0)
    assert none.minutes is None and none.reserve is None


@pytest.mark.parametrize("spread", [0.05, 1.0, 30.0])  # a kecamatan, a province, the nation (degrees)
def test_the_grid_search_finds_the_reserve_every_pair_would(spread):
    """The nearest-reserve search over the grid gives, for every TPS, what comparing it with every reserve gives:
    the same reserve (ties at one place: the lowest NRP), minutes and way — reserves crowded at a few HQs, some
    scattered, some busy, a river TPS among them, over a kecamatan, a province and the nation."""
    rng = random.Random(int(spread * 100))

    def point():
        return -3.0 + rng.uniform(-spread, spread) / 2, 110.0 + rng.uniform(-spread, spread)

    hqs = [point() for _ in range(6)]
    reserves = []
    for n in range(300):
        lat, lon = rng.choice(hqs) if n % 3 else point()
        reserves.append(reaction.Reserve(f"{rng.randrange(10**8):08d}", "u", None, lat, lon, available=n % 17 != 0))
    targets = [reaction.Target(f"T{k}", *point(), akses="sungai" if k % 5 == 0 else "darat") for k in range(400)]
    found = reaction.nearest(targets, reserves, 35.0, 15.0, 10.0)
    for t, r in zip(targets, found):
        best = min(((reaction.reach(t, x, 35.0, 15.0, 10.0), x.nrp, x) for x in reserves if x.available),
                   key=lambda b: (b[0][0], b[1]))
        assert (r.minutes, r.km, r.mode, r.reserve) == (*best[0], best[2]), t


def test_a_reserve_at_an_open_incident_is_busy_and_one_moved_leaves_from_its_fix(demo_copy):
    s = get_settings()
    at = wib(0, 10, 5)
    with session_scope(get_engine(demo_copy)) as ses:
        board = duty.duty_at(ses, s, at)
        kapolsek = board[(board["tugas"] == "cadangan") & (board["satuan"].str.startswith("Polsek"))].iloc[0]
        incident = ses.scalars(select(m.Incident).where(m.Incident.occurred_at <= at)
                               .order_by(m.Incident.occurred_at.desc())).first()
        tps = ses.get(m.Tps, incident.tps_code)
        before = {r.nrp: r for r in reaction.reserves_at(ses, s, at)}
        assert before[kapolsek.nrp].available and before[kapolsek.nrp].located_by in ("markas", "posisi")
        dev = ses.get(m.Personnel, kapolsek.nrp).device_id
        # through the ingest, as the Traccar feed stores fixes (it keeps position_latest, which the reserves read)
        store_positions(ses, [{"device_id": dev, "nrp": kapolsek.nrp, "fix_time": at - dt.timedelta(minutes=2),
                               "lat": tps.lat, "lon": tps.lon, "accuracy_m": 8.0, "speed_kmh": 0.0,
                               "battery": 80.0}], source="test", settings=s)
        after = {r.nrp: r for r in reaction.reserves_at(ses, s, at)}
        assert after[kapolsek.nrp].located_by == "posisi" and not after[kapolsek.nrp].available
        table = reaction.reaction_table(ses, s, at)
        assert kapolsek.nrp not in set(table["nrp"])


def test_reaction_table_and_per_polsek_on_the_demo(session):
    s = get_settings()
    table = reaction.reaction_table(session, s, wib(0, 10))
    assert len(table) == 667 and table["reaksi_menit"].notna().all()
    assert {"code", "reaksi_menit", "dari"} <= set(table.columns)  # what the map layer reads
    river = table[table["akses"] == "sungai"]
    assert (river["moda"] == "sungai").all() and river["reaksi_menit"].median() > table["reaksi_menit"].median()
    assert (table["reaksi_menit"] >= s.reaction_dispatch_minutes).all()
    per = reaction.per_polsek(table)
    assert len(per) == 10 and per["tps"].sum() == 667
    for r in per.itertuples():
        part = table[table["polsek_code"] == r.polsek_code]
        assert r.terlama_menit == part["reaksi_menit"].max() and r.terjauh_km == part["jarak_km"].max()


# ---------------- Perhatian: waktu_reaksi ----------------

def reaction_rows(*rows):
    return pd.DataFrame([{"code": code, "reaksi_menit": minutes, "dari": "Polsek Pemulutan", "dari_kode": "PS-PEMULUTAN",
                          "jarak_km": 20.0, "moda": "darat", "posisi": "markas", "nrp": "1", "polsek_code": "PS-PEMULUTAN",
                          "kecamatan_code": code[:8], "kerawanan": kelas, "akses": "darat"}
                         for code, minutes, kelas in rows])


def test_a_tps_beyond_the_reaction_limit_needs_attention_while_the_boxes_are_there():
    s = get_settings()
    table = reaction_rows(("16.10.05.2001.001", 75.0, "sangat_rawan"), ("16.10.05.2001.002", 40.0, "sangat_rawan"),
                          ("16.10.03.1001.001", 61.0, "kurang_rawan"))
    sit = dataclasses.replace(situation(wib(0, 10), tps=[tps_row()]), reaction=table)
    items = rules.waktu_reaksi(sit)
    assert [(i.severity, i.place.code) for i in items] == [("info", "16.10.03.1001.001"),
                                                           ("tinggi", "16.10.05.2001.001")]
    f = items[1].facts
    assert f["minutes"] == 75.0 and f["limit"] == s.reaction_limit_minutes and f["n_tps"] == 1
    assert items[1].since == tasks.guarded_span(s)[0]
    assert wording.title(items[1]) == "Cadangan terdekat perlu ±75 mnt ke TPS ini (batas 60 mnt)"
    # before the boxes reach the TPS, the planner's lists answer it; nothing for the commander yet
    assert rules.waktu_reaksi(dataclasses.replace(sit, moment=wib(-3, 10))) == []
    assert rules.waktu_reaksi(dataclasses.replace(sit, reaction=table.iloc[1:2])) == []


def test_many_slow_tps_in_one_kecamatan_are_one_item():
    table = reaction_rows(*[(f"16.10.05.2001.{i:03d}", 61.0 + i, "rawan" if i == 3 else "kurang_rawan")
                            for i in range(1, 8)])
    sit = dataclasses.replace(situation(wib(0, 10), tps=[tps_row()]), reaction=table)
    (item,) = rules.waktu_reaksi(sit)
    assert item.place.level == "kecamatan" and item.severity == "sedang"
    assert item.facts["n_tps"] == 7 and item.facts["minutes"] == 68.0 and item.facts["tps"][0] == "16.10.05.2001.003"
    assert wording.title(item) == "Cadangan terdekat perlu ±68 mnt ke 7 TPS (batas 60 mnt)"


def test_the_demo_raises_reaction_items_on_voting_day(demo_sqlite):
    r = run("alerts", "--json", env_extra={"OPS_DATABASE_URL": demo_sqlite})
    items = [i for i in json.loads(r.stdout) if i["kind"] == "waktu_reaksi"]
    assert items and any(i["severity"] == "tinggi" for i in items)
    assert all(i["facts"]["minutes"] > i["facts"]["limit"] for i in items)




# ---------------- status, the Personel page and the briefing ----------------

def test_status_json_gives_reaction_minutes(demo_sqlite):
    r = run("status", "--json", env_extra={"OPS_DATABASE_URL": demo_sqlite})
    assert r.returncode == 0, r.stderr
    rm = json.loads(r.stdout)["tps"]["reaction_minutes"]
    assert {"p50", "p90", "max", "over_limit"} <= set(rm)
    assert 0 < rm["p50"] <= rm["p90"] <= rm["max"] and 0 < rm["over_limit"] < 667 and rm["no_reserve"] == 0


def test_personel_page_lists_the_slowest_tps_and_per_polsek(demo_sqlite, monkeypatch):
    monkeypatch.setenv("OPS_DATABASE_URL", demo_sqlite)
    at = run_page("views/personel.py", personel_tab="Waktu reaksi")  # the tab runs when open
    assert not at.exception
    slowest = next(d.value for d in at.dataframe if "Menit" in d.value.columns)
    assert len(slowest) == 667 and slowest["Menit"].is_monotonic_decreasing and slowest.iloc[0]["Lewat batas"]
    # The "Melebihi batas" tile: the TPS beyond the limit, of every TPS, red.
    tile = next(m.value for m in at.markdown if "class='mtile" in m.value and "Melebihi batas" in m.value)
    late = int(slowest["Lewat batas"].sum())
    assert f"<div class='v'>{late} <small>/ 667</small>" in tile and late > 0
    assert TONE_COLOR["buruk"] in tile
    assert slowest.iloc[0]["TPS"].startswith("TPS ") and slowest.iloc[0]["Dari"]
    per_polsek = next(d.value for d in at.dataframe if "Terlama" in d.value.columns)
    assert len(per_polsek) == 10 and per_polsek["TPS"].sum() == 667


def test_briefing_says_how_fast_the_reserves_reach_the_tps(session):
    from ops.briefing.content import gather
    from ops.briefing.text import sections

    c = gather(session, get_settings(), wib(0, 10), wib(0, 10))
    notes = [sec[0] for sec in sections(c, 100) if sec[0].startswith("#note:Waktu reaksi cadangan")]
    assert len(notes) == 1 and f"melewati batas {get_settings().reaction_limit_minutes:.0f} mnt" in notes[0]


def test_every_drilled_kecamatan_is_reached_as_in_the_whole_operation(session):  # noqa: F811
    """A drilled area reads the reserves around it first, or every reserve when it cannot show that enough (the
    Polres demo's reserves of no Polsek wait at its HQ): either way each TPS has the whole operation's answer."""
    from ops.clock import load_clock

    s = get_settings()
    now = load_clock(session).now()
    whole = reaction.reaction_table(session, s, now).set_index("code")
    kecamatan = session.scalars(select(m.Region.code).where(m.Region.level == "kecamatan")).all()
    assert len(kecamatan) == 16
    for kec in kecamatan:
        part = reaction.reaction_table(session, s, now, kec).set_index("code")
        assert len(part) and part.equals(whole.loc[part.index]), kec
