"""The command room's logic on real databases: logistics and river verdicts, on-site check, planner and export,
coordination, incidents and headline figures — and replay: the same questions asked of a past moment."""
import datetime as dt
import io

import openpyxl
import pytest

from ops.clock import as_utc, from_wib
from ops.config import get_settings
from ops.db import get_engine, session_scope
from ops.headline import headline
from ops.incidents import incident_table
from ops.logistics import judge_window, leg_board, pipeline, river_legs
from ops.personnel import judge_on_site, officer_board
from ops.planner import plan_tables, to_xlsx
from ops.coordination import desa_coverage, kecamatan_coverage
from ops.readiness import overview, per_tps
from ops.tps_detail import UnknownTps, tps_detail

TEN = from_wib(dt.datetime(2024, 11, 27, 10, 0))
SIX = from_wib(dt.datetime(2024, 11, 27, 6, 0))
DAY_BEFORE = from_wib(dt.datetime(2024, 11, 26, 6, 0))


@pytest.fixture
def session(demo_db):
    with session_scope(get_engine(demo_db)) as s:
        yield s


def test_headline_replays_the_morning_and_the_day_before(session):
    s = get_settings()
    ten, six, before = (headline(session, s, t) for t in (TEN, SIX, DAY_BEFORE))
    assert ten["tps"] == six["tps"] == 667
    assert six["tps_dibuka"] == 0 < ten["tps_dibuka"] <= 667  # nobody opens before 07:00
    assert ten["kotak_di_tps"] == 667 and before["kotak_di_tps"] < 667  # boxes reach the TPS on H-1
    assert ten["personel_di_lokasi"] <= ten["personel_wajib"] == 252
    assert ten["kejadian_terbuka"] >= 1 and before["kejadian_terbuka"] <= ten["kejadian_terbuka"] + 1


def test_per_tps_agrees_with_the_rollup(session):
    s = get_settings()
    table = per_tps(session, s, TEN)
    kab = overview(session, s, TEN)["pemungutan"]["kabupaten"]
    assert len(table) == 667
    assert round(table["skor_pemungutan"].mean(), 3) == pytest.approx(kab["skor"], abs=0.001)
    assert int((table["skor_pemungutan"] >= s.readiness_ready_threshold).sum()) == kab["siap"]
    # every TPS below full marks says why, as data: a kind and its facts
    low = table[table["skor_pemungutan"] < 1]
    assert len(low) and all(len(r) and all(i["kind"] for i in r) for r in low["masalah_pemungutan"])


def test_leg_board_pipeline_moves_with_the_moment(session):
    before, ten = leg_board(session, DAY_BEFORE), leg_board(session, TEN)
    p_before, p_ten = pipeline(before).set_index("stage"), pipeline(ten).set_index("stage")
    assert p_ten.loc["pps-tps", "diserahkan"] == 667
    assert p_before.loc["pps-tps", "diserahkan"] < 667
    assert p_ten.loc["tps-pps", "direncanakan"] == 667  # boxes come back after counting
    assert (p_ten["legs"] == p_before["legs"]).all()


@pytest.mark.parametrize("rain, wind, warned, q, expected", [
    (0.0, 5, False, 300, "go"),
    (6.0, 5, False, 300, "hati-hati"),
    (0.0, 30, False, 300, "hati-hati"),
    (0.0, 5, False, 450, "hati-hati"),
    (12.0, 5, False, 300, "tunda"),
    (0.0, 45, False, 300, "tunda"),
    (0.0, 5, True, 300, "tunda"),
    (None, None, False, None, "go"),
])
def test_river_verdict_rules(rain, wind, warned, q, expected):
    v = judge_window(rain, wind, warned, q, get_settings())
    assert v.verdict == expected and v.reasons


def test_no_forecast_for_a_window_calls_for_care_and_says_so(demo_copy):
    """A window no forecast covers is no sign of calm water: hati-hati with its reason, never aman berangkat (a new
    operation before its first forecast showed every boat as safe)."""
    from ops import models as m
    from ops.logistics import route_reasons

    blind = judge_window(None, None, False, None, get_settings(), forecast=False)
    assert blind.verdict == "hati-hati" and [r["kind"] for r in blind.reasons] == ["tanpa_prakiraan"]
    assert judge_window(None, None, True, None, get_settings(), forecast=False).verdict == "tunda"  # a warning holds
    with session_scope(get_engine(demo_copy)) as s:
        s.execute(m.WeatherForecast.__table__.delete())
    with session_scope(get_engine(demo_copy)) as s:
        legs = river_legs(s, get_settings(), TEN)
    assert len(legs) and set(legs["verdict"]) <= {"hati-hati", "tunda"}
    calm = legs[legs["verdict"] == "hati-hati"]
    assert len(calm) and all("belum ada prakiraan cuaca" in route_reasons(r) for r in calm["reasons"])


def test_logistik_tiles_count_against_the_plan_and_colour_what_is_wrong(session):
    from ops.headline import leg_measures

    num = lambda text: int(text.replace(".", ""))  # noqa: E731 - 1.334 as shown

    def tiles(moment):
        board = leg_board(session, moment)
        return board, {m.key: m for m in leg_measures(board, river_legs(session, get_settings(), moment, board))}

    board, ten = tiles(TEN)
    boxes = int(board.loc[board["stage"] == "pps-tps", "boxes"].sum())
    at_tps = ten["kotak_di_tps"]
    assert (num(at_tps.value), num(at_tps.of), at_tps.tone) == (boxes, boxes, "baik")
    assert all(num(m.of) == len(board) for m in list(ten.values())[:3])
    river = [m for k, m in ten.items() if k.startswith("sungai_")]
    assert sum(num(m.value) for m in river) == num(river[0].of) > 0
    assert ten["sungai_tunda"].tone == ("buruk" if num(ten["sungai_tunda"].value) else "baik")
    # The morning before: boxes still on their way to the TPS, and a leg past its time is red.
    board, before = tiles(DAY_BEFORE)
    assert num(before["kotak_di_tps"].value) < boxes
    late = int(board["late"].sum())
    assert num(before["terlambat"].value) == late and before["terlambat"].tone == ("buruk" if late else "baik")
    board.loc[board.index[0], "late"] = True
    late_one = {m.key: m for m in leg_measures(board, board.iloc[0:0])}
    assert late_one["terlambat"].tone == "buruk" and late_one["diserahkan"].tone == "buruk"


def test_river_legs_are_judged_with_reasons(session):
    legs = river_legs(session, get_settings(), TEN)
    assert len(legs) and set(legs["mode"]) == {"sungai"}
    assert set(legs["verdict"]) <= {"go", "hati-hati", "tunda"}
    tunda = legs[legs["verdict"] == "tunda"]
    # the demo's afternoon storm over the river kecamatan postpones the boats back from the TPS
    assert len(tunda) and all(any(r["kind"] in ("hujan_lebat", "peringatan") for r in rs) for rs in tunda["reasons"])


def test_on_site_needs_a_held_presence_not_one_point():
    s = get_settings()
    tps = [(-3.2, 104.65)]
    now = TEN
    near = [(now - dt.timedelta(minutes=m), -3.2001, 104.6501) for m in range(20, -1, -1)]
    assert judge_on_site(near, tps, now, s) == "di_lokasi"
    jitter = near[:-1] + [(now, -3.25, 104.70)]  # the newest fix jumps 7 km away
    assert judge_on_site(jitter, tps, now, s) == "di_luar"
    arrived = [(now - dt.timedelta(minutes=2), -3.2001, 104.6501), (now, -3.2001, 104.6501)]
    assert judge_on_site(arrived, tps, now, s) == "di_luar"  # not held for the dwell time yet
    old = [(now - dt.timedelta(minutes=s.traccar_silent_minutes + 1), -3.2001, 104.6501)]
    assert judge_on_site(old, tps, now, s) == "senyap"


def test_officer_board_and_detail_of_one_tps(session):
    s = get_settings()
    board = officer_board(session, s, TEN)
    assert len(board) == 252 and (board["status"] == "di_lokasi").sum() > 200
    code = board.iloc[0]["cluster"]
    detail_code = next(iter(per_tps(session, s, TEN).query("cluster == @code")["code"]))
    d = tps_detail(session, s, detail_code, TEN)
    assert d["tps"]["code"] == detail_code and len(d["guards"]) == 2
    assert not d["timeline"].empty and (d["timeline"]["occurred_at"].map(lambda t: t.replace(tzinfo=None))
                                        <= TEN.replace(tzinfo=None)).all()
    with pytest.raises(UnknownTps):
        tps_detail(session, s, "16.10.99.9999.001", TEN)


def test_on_site_tiles_count_every_guard_and_colour_only_while_guards_are_due(session):
    from ops.headline import on_site_measures

    s = get_settings()
    board = officer_board(session, s, TEN)
    ten = {m.key: m for m in on_site_measures(board["status"], s, TEN)}
    assert sum(int(m.value) for m in ten.values()) == len(board) == int(ten["di_lokasi"].of)
    share = int(ten["di_lokasi"].value) / len(board)
    assert ten["di_lokasi"].tone == ("baik" if share >= 0.95 else "waspada" if share >= 0.85 else "buruk")
    assert all(m.tone == ("baik" if m.value == "0" else "waspada" if int(m.value) < 0.05 * len(board) else "buruk")
               for k, m in ten.items() if k != "di_lokasi")
    night = {m.key: m for m in on_site_measures(board["status"], s, DAY_BEFORE)}  # nobody is due at a post yet
    assert {m.tone for m in night.values()} == {"netral"} and "dinilai mulai 06:00" in night["di_lokasi"].note
    away = on_site_measures(board["status"].where(board.index >= 20, "senyap"), s, TEN)
    assert {m.key: m.tone for m in away}["senyap"] == "buruk"  # 20 of 252 silent: more than 5 %


def test_planner_fills_gaps_with_bko_and_exports(session):
    s = get_settings()
    with_bko = plan_tables(session, s, s.road_speed_kmh, s.river_speed_kmh, True)
    without = plan_tables(session, s, s.road_speed_kmh, s.river_speed_kmh, False)
    assert with_bko["rencana"]["kurang"].sum() == 0
    assert without["rencana"]["kurang"].sum() == 7  # the two short Polsek, without reinforcements
    assert with_bko["per_polsek"]["bko_dipakai"].sum() == 7
    assert set(with_bko["rencana"]["kode_tps"].str.split(", ").explode()) == set(per_tps(session, s, TEN)["code"])
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(with_bko)))
    assert book.sheetnames == ["rencana", "per_polsek", "cadangan", "kebutuhan", "jadwal"]
    assert book["rencana"].max_row == len(with_bko["rencana"]) + 1
    # slower boats make the river clusters span more minutes
    slow = plan_tables(session, s, s.road_speed_kmh, 5, True)["rencana"]["rentang_menit"].max()
    assert slow > with_bko["rencana"]["rentang_menit"].max()


def test_coordination_coverage(session):
    kec, desa = kecamatan_coverage(session, TEN), desa_coverage(session, TEN)
    assert len(kec) == 16 and len(desa) == 241
    assert 0 < desa["complete"].sum() < 241
    early = desa_coverage(session, DAY_BEFORE - dt.timedelta(days=20))
    assert early["meetings"].sum() < desa["meetings"].sum()


def test_coordination_tiles_hold_each_share_of_its_total_coloured_as_readiness():
    from ops.headline import coordination_measures

    s = get_settings()  # target 95 %: green from 95 %, amber from 80 %, red below
    tiles = {m.key: m for m in coordination_measures(241, 240, 200, 12, 16, s)}
    assert (tiles["dikunjungi"].value, tiles["dikunjungi"].of, tiles["dikunjungi"].tone) == ("240", "241", "baik")
    assert (tiles["desa_lengkap"].value, tiles["desa_lengkap"].tone) == ("200", "waspada")  # 83 %
    assert (tiles["kecamatan_lengkap"].of, tiles["kecamatan_lengkap"].tone) == ("16", "buruk")  # 75 %
    assert tiles["desa"].tone == "netral" and tiles["desa"].of is None


def test_exposure_tiles_count_river_tps_and_legs_at_risk_of_their_totals():
    import pandas as pd
    from ops.headline import exposure_measures

    river = pd.DataFrame({"kecamatan_code": ["A", "A", "B", "C"]})
    legs = pd.DataFrame({"verdict": ["go", "hati-hati", "go"]})
    tiles = {m.key: m for m in exposure_measures(river.iloc[:2], river, legs)}
    assert (tiles["tps_berisiko"].value, tiles["tps_berisiko"].of, tiles["tps_berisiko"].tone) == ("2", "4", "waspada")
    assert (tiles["perjalanan"].value, tiles["perjalanan"].of, tiles["perjalanan"].tone) == ("1", "3", "waspada")
    assert (tiles["kecamatan"].value, tiles["kecamatan"].of) == ("1", "3")
    held = {m.key: m for m in exposure_measures(river.iloc[:0], river, legs.assign(verdict="tunda"))}
    assert held["perjalanan"].tone == "buruk" and held["tps_berisiko"].tone == held["kecamatan"].tone == "baik"
    assert "river" in held["perjalanan"].feeds  # a stale source marks the tile
    blind = exposure_measures(river.iloc[:0], river, legs, forecast=False)  # no forecast stored: nothing judged
    assert {m.tone for m in blind} == {"netral"} and all("belum dapat dinilai" in m.note for m in blind)


def test_verification_tiles_hold_each_state_of_every_tps():
    from ops.headline import verification_measures

    s = get_settings()
    tiles = {m.key: m for m in verification_measures({"terverifikasi": 644, "belum": 20, "perlu_cek": 3}, 667, s)}
    assert {k: (m.value, m.of) for k, m in tiles.items()} == {
        "terverifikasi": ("644", "667"), "belum": ("20", "667"), "perlu_cek": ("3", "667")}
    assert (tiles["terverifikasi"].tone, tiles["belum"].tone, tiles["perlu_cek"].tone) == ("baik", "waspada", "buruk")
    done = {m.key: m.tone for m in verification_measures({"terverifikasi": 667}, 667, s)}
    assert done == {"terverifikasi": "baik", "belum": "baik", "perlu_cek": "baik"}


def test_planner_tiles_hold_tps_guards_and_other_posts_of_what_is_required():
    import pandas as pd
    from ops.headline import plan_measures

    plan = pd.DataFrame({"polri_wajib": [4, 4, 2], "polri_ditugaskan": [4, 3, 2], "kurang": [0, 1, 0]})
    need = pd.DataFrame({"tugas": ["PAM TPS", "Posko", "Patroli"], "wajib": [10, 6, 4], "kurang": [1, 0, 2]})
    tiles = {m.key: m for m in plan_measures(plan, need, "PAM TPS", 30.0, 8.0, use_bko=False)}
    assert (tiles["polri"].value, tiles["polri"].of, tiles["polri"].tone) == ("9", "10", "waspada")  # 90 %
    assert (tiles["kurang"].value, tiles["kurang"].tone) == ("1", "buruk") and "1 klaster" in tiles["kurang"].note
    assert "tanpa BKO" in tiles["kurang"].note
    assert (tiles["kurang_lain"].value, tiles["kurang_lain"].of, tiles["kurang_lain"].tone) == ("2", "10", "waspada")
    full = {m.key: m.tone for m in plan_measures(plan.assign(polri_ditugaskan=plan["polri_wajib"], kurang=0),
                                                  need.assign(kurang=0), "PAM TPS", 30.0, 8.0, use_bko=True)}
    assert full == {"klaster": "netral", "polri": "baik", "kurang": "baik", "kurang_lain": "baik"}


def test_base_figures_hold_each_share_of_every_tps_and_judge_only_verification():
    from ops.headline import base_measures

    tps = {"total": 667, "desa": 241, "dpt": 301_000, "by_akses": {"sungai": 58},
           "by_kerawanan": {"sangat_rawan": 40, "rawan": 200, "kurang_rawan": 427},
           "verification": {"terverifikasi": 600, "belum": 60, "perlu_cek": 7}}
    tiles = {m.key: m for m in base_measures(tps, {"total": 331, "polres": 311, "bko": 20}, get_settings())}
    assert (tiles["sungai"].value, tiles["sungai"].of) == ("58", "667")
    assert (tiles["rawan"].value, tiles["rawan"].of) == ("40 / 200", "667")
    assert (tiles["terverifikasi"].of, tiles["terverifikasi"].tone) == ("667", "waspada")  # 90 %: target 95 %
    assert {m.tone for k, m in tiles.items() if k != "terverifikasi"} == {"netral"}


def test_rain_above_the_heavy_threshold_is_warm_and_below_it_blue():
    import pandas as pd
    from plotly.colors import find_intermediate_color, hex_to_rgb
    from ops.charts import rain_heatmap

    slot = pd.Timestamp("2024-11-27 09:00", tz="Asia/Jakarta")
    fig = rain_heatmap(pd.DataFrame({"kecamatan": ["A"], "slot": [slot], "rain_mm": [12.0]}), {"A": "A"}, 10.0)
    scale = fig.data[0].colorscale
    zmax = fig.data[0].zmax

    def colour(mm: float) -> tuple:
        x = mm / zmax
        for (a, ca), (b, cb) in zip(scale, scale[1:]):
            if a <= x <= b and b > a:
                return find_intermediate_color(hex_to_rgb(ca), hex_to_rgb(cb), (x - a) / (b - a))
        raise AssertionError(mm)

    def warm(rgb: tuple) -> bool:
        return rgb[0] > rgb[2]
    assert not warm(colour(9.9)) and warm(colour(10.0)) and warm(colour(12.0)) and warm(colour(20.0))
    assert "10 lebat" in fig.data[0].colorbar.ticktext


def test_incidents_at_a_moment(session):
    inc = incident_table(session, TEN)
    assert inc.iloc[0]["severity"] == "tinggi" and inc.iloc[0]["state"] != "selesai"
    assert len(incident_table(session, SIX)) < len(inc)


def test_kejadian_tiles_say_what_is_open_and_left_without_follow_up_as_perhatian_raises_it(session):
    from ops import perhatian
    from ops.headline import incident_measures

    inc = incident_table(session, TEN)
    tiles = {m.key: m for m in incident_measures(inc, get_settings(), TEN)}
    open_ = inc[inc["state"] != "selesai"]
    assert (tiles["kejadian_terbuka"].value, tiles["kejadian_terbuka"].of) == (str(len(open_)), str(len(inc)))
    assert tiles["kejadian_tinggi"].value == str(int((open_["severity"] == "tinggi").sum()))
    assert tiles["kejadian_terbuka"].tone == "buruk" and tiles["kejadian_tinggi"].tone == "buruk"
    # Left without follow-up: the incidents Perhatian raises a step for it.
    items, _ = perhatian.evaluate(session, get_settings(), TEN)
    own = {"tinggi": "tinggi", "sedang": "sedang"}  # rendah: info
    base = dict(zip(open_["ref"], open_["severity"].map(lambda s: own.get(s, "info"))))
    raised = [i for i in items if i.kind == "kejadian" and i.severity != base[i.key.split(":", 1)[1]]]
    assert int(tiles["tanpa_tindak_lanjut"].value) == len(raised) > 0
    assert tiles["tanpa_tindak_lanjut"].tone == "buruk"
    # Nothing open: every tile green but the closed ones', which count all.
    closed = {m.key: m for m in incident_measures(inc.assign(state="selesai"), get_settings(), TEN)}
    assert {m.tone for k, m in closed.items()} == {"baik"} and closed["kejadian_selesai"].value == str(len(inc))


def test_the_newest_events_of_an_area_are_those_of_its_tps_and_legs(session):
    """The newest list of a drilled area (its TPS and legs named outright) holds the same reports and hand-overs as
    filtering the operation's events by the area in one query, for the operation, each kecamatan and a desa."""
    from sqlalchemy import select

    from ops import models as m
    from ops.events import NOTEWORTHY_STATUS, newest_events
    from ops.region import in_area

    evening = from_wib(dt.datetime(2024, 11, 27, 20, 0))
    kecamatan = sorted(session.scalars(select(m.Tps.kecamatan_code).distinct()))
    desa = session.scalar(select(m.Tps.desa_code).order_by(m.Tps.desa_code))
    for moment in (TEN, evening):
        for area in [None, *kecamatan, desa]:
            since = moment - dt.timedelta(hours=24)
            reports = session.execute(
                select(m.TpsStatusEvent.occurred_at).join(m.Tps, m.Tps.code == m.TpsStatusEvent.tps_code).where(
                    m.TpsStatusEvent.occurred_at <= moment, m.TpsStatusEvent.occurred_at > since,
                    m.TpsStatusEvent.status.in_(NOTEWORTHY_STATUS), in_area(m.Tps.kecamatan_code, area))
                .order_by(m.TpsStatusEvent.occurred_at.desc()).limit(15)).scalars().all()
            handed = session.execute(
                select(m.LogisticsEvent.occurred_at).join(m.LogisticsLeg, m.LogisticsLeg.id == m.LogisticsEvent.leg_id)
                .where(m.LogisticsEvent.occurred_at <= moment, m.LogisticsEvent.occurred_at > since,
                       m.LogisticsEvent.state == "diserahkan", in_area(m.LogisticsLeg.kecamatan_code, area))
                .order_by(m.LogisticsEvent.occurred_at.desc()).limit(15)).scalars().all()
            got = newest_events(session, moment, area=area)
            for kind, expected in (("Status TPS", reports), ("Logistik", handed)):
                shown = sorted(got.loc[got["jenis"] == kind, "at"], reverse=True)
                whole = sorted((as_utc(t) for t in expected), reverse=True)
                assert shown == whole[:len(shown)], (moment, area, kind)
                if len(got) < 15:  # nothing cut off by the list's length: every one of them is shown
                    assert len(shown) == len(whole), (moment, area, kind)


def test_reaction_tiles_hold_the_minutes_against_the_limit():
    from ops.headline import reaction_measures

    summary = {"p50": 23.0, "p90": 61.0, "max": 73.4, "over_limit": 15, "no_reserve": 1}
    tiles = {m.key: m for m in reaction_measures(summary, 667, 60)}
    assert [(tiles[k].value, tiles[k].tone) for k in ("reaksi_p50", "reaksi_p90", "reaksi_max")] == [
        ("23 mnt", "baik"), ("61 mnt", "buruk"), ("73 mnt", "buruk")]
    assert (tiles["reaksi_lewat"].value, tiles["reaksi_lewat"].of, tiles["reaksi_lewat"].tone) == ("16", "667", "buruk")
    assert "1 tanpa cadangan" in tiles["reaksi_lewat"].note
    calm = {m.key: m for m in reaction_measures({"p50": 10.0, "p90": 20.0, "max": 30.0, "over_limit": 0,
                                                 "no_reserve": 0}, 667, 60)}
    assert {m.tone for m in calm.values()} == {"baik"}
    none = {m.key: m for m in reaction_measures({"p50": None, "p90": None, "max": None, "over_limit": 0,
                                                 "no_reserve": 667}, 667, 60)}
    assert none["reaksi_p50"].value == "—" and none["reaksi_p50"].tone == "netral"
    assert none["reaksi_lewat"].tone == "buruk"


def test_need_tiles_hold_assigned_and_on_site_against_the_pola():
    from ops.headline import need_measures

    s = get_settings()
    ten = {m.key: m for m in need_measures(252, 252, 0, 245, "Polsek", s, TEN)}
    assert [(ten[k].value, ten[k].of, ten[k].tone) for k in ("ditugaskan", "kurang", "di_lokasi")] == [
        ("252", "252", "baik"), ("0", None, "baik"), ("245", "252", "baik")]
    short = {m.key: m for m in need_measures(252, 230, 22, 200, "Kecamatan", s, TEN)}
    assert [short[k].tone for k in ("ditugaskan", "kurang", "di_lokasi")] == ["waspada", "buruk", "buruk"]
    assert "per kecamatan" in short["kurang"].note
    night = {m.key: m for m in need_measures(252, 252, 0, 3, "Polsek", s, DAY_BEFORE)}  # nobody due at a TPS yet
    assert night["di_lokasi"].tone == "netral" and "dinilai mulai 06:00" in night["di_lokasi"].note
