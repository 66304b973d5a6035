"""One operation at any level: the focus a commander drills into, the read model's roll-ups that carry a province's
figures, names that say which kabupaten, and the Ringkasan and Peta pages of a Polda from its province down to a
kecamatan."""
import datetime as dt
import re

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from ops import models as m
from ops import readmodel
from ops.clock import from_wib, load_clock
from ops.config import get_settings
from ops.db import get_engine, session_scope
from ops.focus import focus_of
from ops.headline import TPS_COUNTS, headline
from ops.perhatian.ranking import area_ranking, rollup_ranking
from ops.places import load_names

from conftest import ROOT
from test_scale_demo import _copy_of, polda_sqlite  # noqa: F401,F811 (the Polda fixture, shared)


def wib(hh: int, mm: int) -> dt.datetime:
    return from_wib(dt.datetime(2024, 11, 27, hh, mm))


# ---------------------------------------------------------------- the focus

def test_a_focus_is_a_region_inside_the_operation_and_anything_else_falls_back_to_its_top():
    kab = focus_of("16", "16.10")
    assert (kab.level, kab.child_level, kab.overview, kab.wide, kab.is_top) == \
        ("kabupaten", "kecamatan", False, True, False)
    assert kab.trail() == ["16", "16.10"]
    assert focus_of("16", "16.10.05").trail() == ["16", "16.10", "16.10.05"]
    assert focus_of("16", "16.10.05").child_of("16.10.05.2001.001") == "16.10.05.2001"
    top = focus_of("16", None)
    assert (top.code, top.level, top.overview, top.is_top) == ("16", "provinsi", True, True)
    # outside the operation, above it, or not a code at all: the operation's own area, never an error
    known = {"16", "16.10", "16.10.05", "17.01"}
    for asked in ("17.01", "", "16.99.99", "'; drop table tps;--", "16.10.05.x", "1610"):
        assert focus_of("16", asked, known).code == "16", asked
    # a desa or a TPS asked for opens its kecamatan
    assert focus_of("16", "16.10.05.2001.001", known).code == "16.10.05"
    polres = focus_of("16.10", "16")
    assert (polres.code, polres.wide, polres.overview) == ("16.10", False, False)
    nation = focus_of("", "11.01")
    assert (nation.level, nation.child_level, nation.trail()) == ("kabupaten", "kecamatan", ["", "11", "11.01"])


# ---------------------------------------------------------------- roll-ups carry the headline

@pytest.mark.parametrize("demo_db_copy", ["sqlite", "postgresql"], indirect=True)
def test_the_kabupaten_roll_up_counts_what_the_headline_counts_from_every_tps(demo_db_copy):
    s = get_settings()
    moment = wib(10, 0)
    with session_scope(get_engine(demo_db_copy)) as session:
        readmodel.rebuild(session, s, moment)
        live = headline(session, s, moment)
        rolled = readmodel.area_headline(session, s, moment, "16.10")
        kec = readmodel.rollups(session, "16.10", "pemungutan")
    for key in (*TPS_COUNTS, "tps", "tps_siap", "tps_dinilai", "logistik_terlambat", "kejadian_terbuka",
                "kejadian_tinggi", "peringatan_aktif"):
        assert rolled[key] == live[key], key
    # the kecamatan add up to the kabupaten, count by count
    for key in TPS_COUNTS:
        assert sum(a[key] for a in kec["angka"]) == rolled[key], key
    assert rolled["sungai_tunda"] is None  # boats are judged on a kabupaten's own legs, not summed


def test_ranking_from_roll_ups_agrees_with_ranking_from_the_tps(demo_copy):
    s = get_settings()
    moment = wib(10, 0)
    with session_scope(get_engine(demo_copy)) as session:
        readmodel.rebuild(session, s, moment)
        table = readmodel.table(session)
        rolled = rollup_ranking([], readmodel.rollups(session, "16.10", "pemungutan"))
    direct = area_ranking([], table, "pemungutan", s.readiness_ready_threshold, "kecamatan")
    cols = ["kode", "tps", "siap", "tps_bermasalah"]
    assert sorted(map(tuple, rolled[cols].values.tolist())) == sorted(map(tuple, direct[cols].values.tolist()))
    assert len(rolled) == 16


# ---------------------------------------------------------------- a Polda, page by page

@pytest.fixture
def polda_pages(polda_sqlite, tmp_path, monkeypatch):  # noqa: F811
    """A private copy of the 2 % Polda with its read model and Perhatian items at the operation's clock, as the
    worker keeps them."""
    from ops import perhatian

    url = _copy_of(polda_sqlite[0], tmp_path)
    monkeypatch.setenv("OPS_DATABASE_URL", url)
    monkeypatch.setenv("OPS_RUN_SCHEDULER_IN_APP", "false")
    from ops.config import reset_settings
    reset_settings()
    s = get_settings()
    with session_scope(get_engine(url)) as session:
        now = load_clock(session).now()
        readmodel.rebuild(session, s, now)
    perhatian.sync_now(s, now)
    yield url
    get_engine(url).dispose()
    reset_settings()


def _page(path: str, wilayah: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=120)
    if wilayah is not None:
        at.query_params["wilayah"] = wilayah
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_names_in_a_province_say_which_kabupaten(polda_pages):
    with session_scope(get_engine(polda_pages)) as session:
        names = load_names(session)
    assert names.wide
    assert names.kecamatan("16.10.05") == "Kec. Pemulutan, Kab. Ogan Ilir"
    assert names.tps("16.10.05.2001.001").endswith(", Kec. Pemulutan, Kab. Ogan Ilir")
    assert names.kecamatan("16.71.01").endswith(", Kota Palembang")


def test_polda_ringkasan_opens_on_its_kabupaten_and_drills_to_a_kecamatan(polda_pages):
    at = _page("views/ringkasan.py")
    heads = [h.value for h in at.subheader]
    assert any(h.startswith("Kabupaten/kota menurut masalah terberat") for h in heads), heads
    ranking = at.dataframe[0].value
    assert len(ranking) == 17 and "Kabupaten Ogan Ilir" in set(ranking.iloc[:, 0])
    # a link to a kabupaten opens it: its kecamatan, the trail in the header
    kab = _page("views/ringkasan.py", wilayah="16.10")
    heads = [h.value for h in kab.subheader]
    assert any(h.startswith("Kecamatan menurut masalah terberat") for h in heads), heads
    assert "Indralaya" in set(kab.dataframe[0].value.iloc[:, 0])
    assert any("Kabupaten Ogan Ilir" in m.value for m in kab.markdown)
    # one level further: the desa of a kecamatan
    with session_scope(get_engine(polda_pages)) as session:
        kec_code = session.scalar(select(m.Tps.kecamatan_code).where(m.Tps.kecamatan_code.like("16.10.%")).limit(1))
    kec = _page("views/ringkasan.py", wilayah=kec_code)
    assert any(h.value.startswith("Desa/kelurahan menurut") for h in kec.subheader)
    # a code outside the province (or garbage) shows the province, never an error
    other = _page("views/ringkasan.py", wilayah="31.71")
    assert any(h.value.startswith("Kabupaten/kota menurut") for h in other.subheader)


def test_polda_peta_maps_the_kabupaten_and_then_the_tps_of_one(polda_pages):
    import json

    at = _page("views/peta.py")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    hover = [c for t in spec["data"] for c in (t.get("customdata") or [])]
    assert {"16.10", "16.71"} <= {c[1] for c in hover if isinstance(c, list) and c and c[0] == "wilayah"}
    kab = _page("views/peta.py", wilayah="16.10")
    labels = kab.selectbox(key="peta_tps").options
    with session_scope(get_engine(polda_pages)) as session:
        ogan_ilir = session.scalar(select(func.count()).select_from(m.Tps).where(m.Tps.kecamatan_code.like("16.10.%")))
    # the picker offers the kabupaten's TPS and no other, by name
    assert len(labels) == ogan_ilir > 0 and all(label.startswith("TPS ") and ", Kec. " in label for label in labels)


@pytest.mark.parametrize("page", ["views/tps.py", "views/personel.py", "views/logistik.py", "views/cuaca.py",
                                  "views/koordinasi.py"])
def test_detail_pages_of_a_province_offer_its_kabupaten_and_open_one(polda_pages, page):
    at = _page(page)
    assert any("dirinci per kabupaten/kota" in i.value for i in at.info)
    buttons = [b for b in at.button if b.key and b.key.startswith("guard_")]
    assert len(buttons) == 17 and "Kabupaten Ogan Ilir" in {b.label for b in buttons}
    next(b for b in buttons if b.label == "Kabupaten Ogan Ilir").click().run()
    assert not at.exception, at.exception
    assert not any("dirinci per kabupaten/kota" in i.value for i in at.info)
    assert at.query_params["wilayah"] in ("16.10", ["16.10"])


def _recorded(at) -> int:
    """The incidents a Kejadian page counts: its "Masih terbuka" tile is against every one recorded ("/ 152")."""
    tile = next(m.value for m in at.markdown if "class='mtile" in m.value and "Masih terbuka" in m.value)
    return int(re.search(r"<small>/ ([\d.]+)</small>", tile).group(1).replace(".", ""))


def test_a_drilled_kabupaten_lists_its_own_incidents_and_tps_only(polda_pages):
    kab = _page("views/kejadian.py", wilayah="16.10")
    whole = _page("views/kejadian.py")
    with session_scope(get_engine(polda_pages)) as session:
        ours = session.scalar(select(func.count()).select_from(m.Incident)
                              .where(m.Incident.kecamatan_code.like("16.10.%")))
    assert _recorded(kab) == ours
    assert _recorded(whole) > ours
    tps = _page("views/tps.py", wilayah="16.10")
    assert not any("dirinci per kabupaten/kota" in i.value for i in tps.info)


def test_sumber_data_of_a_drilled_kabupaten_shows_its_own_forecast_coverage(polda_pages):
    """The BMKG coverage of a drilled kabupaten: its own kecamatan, each as the whole operation's table counts it."""
    from ops.weather import forecast_coverage

    with session_scope(get_engine(polda_pages)) as session:
        now = load_clock(session).now()
        whole = forecast_coverage(session, now)
        kab = forecast_coverage(session, now, "16.10")
    ours = whole[whole["kecamatan"].str.startswith("16.10.")]
    assert len(kab) and len(ours) < len(whole)
    key = ["kecamatan", "desa", "dengan_prakiraan"]
    assert kab[key].sort_values("kecamatan").values.tolist() == ours[key].sort_values("kecamatan").values.tolist()
    page = _page("views/sumber_data.py", wilayah="16.10")
    assert len(page.dataframe[0].value) == len(kab)
    assert any("Cakupan prakiraan BMKG · Kabupaten Ogan Ilir" in h.value for h in page.subheader)


def test_the_wall_of_a_polda_ranks_its_kabupaten_and_a_kiosk_url_focuses_it(polda_pages, monkeypatch):
    monkeypatch.setenv("OPS_WALL_VIEWS", '["peta", "kecamatan"]')
    from ops.config import reset_settings
    reset_settings()
    for turn, want in ((-1, "Kabupaten/kota menurut masalah terberat"), (0, "Kabupaten/kota menurut masalah terberat")):
        at = _page("views/dinding.py", wall_turn=turn)
        html = " ".join(m.value for m in at.markdown)
        assert want in html and "Kabupaten Ogan Ilir" in html and "PERHATIAN" in html
    kab = _page("views/dinding.py", wilayah="16.10", wall_turn=-1)
    html = " ".join(m.value for m in kab.markdown)
    assert "· Kabupaten Ogan Ilir" in html and "Kecamatan menurut masalah terberat" in html


def test_the_briefing_of_a_polda_ranks_its_kabupaten_by_name(polda_pages):
    from ops.briefing import text
    from ops.briefing.content import gather
    from ops.clock import utcnow

    s = get_settings()
    with session_scope(get_engine(polda_pages)) as session:
        from ops.calendar import effective_settings
        s = effective_settings(s, session)
        c = gather(session, s, load_clock(session).now(), utcnow())
    assert c.rank_level == "kabupaten" and len(c.ranking) == 17
    assert c.polres == "Polda Sumatera Selatan"
    table = next(sec for sec in text.sections(c, 180) if sec[0].startswith("Kabupaten/kota menurut masalah terberat"))
    assert "Kabupaten Ogan Ilir" in {row[0] for row in table[2]} and "Kota Palembang" in {row[0] for row in table[2]}
    assert len(c.boundaries["kecamatan"]) == 17 and c.boundaries["desa"] == []  # kabupaten outlines, no desa


def test_a_polda_perhatian_page_lists_the_most_urgent_first_a_page_at_a_time(polda_pages, monkeypatch):
    from ops.perhatian.model import SEVERITY_LABEL, SEVERITY_RANK
    from ui import perhatian as ph

    monkeypatch.setattr(ph, "PAGE_ROWS", 10)  # the 2 % Polda has a few dozen items; a whole one, hundreds
    at = _page("views/perhatian.py")
    rows = lambda a: [m.value for m in a.markdown if "class='ph-row'" in m.value]  # noqa: E731
    first = rows(at)
    pager = at.number_input(key="ph_page")
    total = sum(int(part.split(">")[-1].split()[0]) for part in
                next(m.value for m in at.markdown if "ph-sum" in m.value).split("</span>")
                if "color:" in part and "ditangani" not in part)
    assert total > 20 and len(first) == 10  # thousands at the nation: never all at once
    assert pager.max == -(-total // 10)
    by_label = {label.upper(): severity for severity, label in SEVERITY_LABEL.items()}
    order = [SEVERITY_RANK[by_label[r.split("ph-chip'>")[1].split("<")[0]]] for r in first]
    assert order == sorted(order) and len(set(order)) > 1  # kritis first, then tinggi, then sedang
    pager.set_value(pager.max).run()
    assert not at.exception, at.exception
    assert len(rows(at)) == total - 10 * (pager.max - 1)


def test_a_drilled_kabupaten_counts_its_own_officers_each_as_the_whole_operation_judges_them(polda_pages):
    from ops import duty, reaction, tasks

    s = get_settings()
    with session_scope(get_engine(polda_pages)) as session:
        now = load_clock(session).now()
        polsek = {p for p, k in session.execute(select(m.PolsekKecamatan.polsek_code, m.PolsekKecamatan.kecamatan_code))
                  if k.startswith("16.10.")}
        clusters = {c for c, k in session.execute(select(m.Tps.cluster_code, m.Tps.kecamatan_code))
                    if k.startswith("16.10.")}
        posted = {n for n, cl, t in session.execute(select(m.Assignment.nrp, m.Assignment.cluster_code,
                                                           m.Assignment.tps_code))
                  # its TPS and PPK, its Polsek's patrols and reserves, its Polres's Posko and warehouse
                  if cl in clusters or cl in polsek or cl == "16.10" or (t or "").startswith("16.10.")
                  or (cl or "").startswith("16.10.")}
        members = {n for n, p in session.execute(select(m.Personnel.nrp, m.Personnel.polsek_code))
                   if p in polsek or n in posted}
        whole = duty.duty_board(session, s, now).set_index("nrp")
        kab = duty.duty_board(session, s, now, "16.10").set_index("nrp")
        assert set(kab.index) == members and 0 < len(members) < len(whole)
        # every officer of the kabupaten has the task, post and state the whole operation's board gives it
        assert kab[["tugas", "pos", "status"]].equals(whole.loc[kab.index, ["tugas", "pos", "status"]])
        board = duty.task_board(session, s, now, area="16.10")
        assert int(board["ditugaskan"].sum()) == len(members)
        guards = board.set_index("tugas").loc[tasks.PAM_TPS]
        whole_guards = duty.task_board(session, s, now).set_index("tugas").loc[tasks.PAM_TPS]
        assert 0 < guards["wajib"] < whole_guards["wajib"]
        # reaction: the kabupaten's TPS, each reached as in the whole operation (any reserve may come)
        react = reaction.reaction_table(session, s, now, "16.10").set_index("code")
        everywhere = reaction.reaction_table(session, s, now).set_index("code")
        assert len(react) and all(c.startswith("16.10.") for c in react.index)
        assert react["reaksi_menit"].equals(everywhere.loc[react.index, "reaksi_menit"])
        assert react["nrp"].equals(everywhere.loc[react.index, "nrp"])
        # ... found from the reserves around the kabupaten alone (every reserve is read only when that cannot be shown)
        targets = [reaction.Target(t.code, t.lat, t.lon, t.akses) for t in session.execute(
            select(m.Tps.code, m.Tps.lat, m.Tps.lon, m.Tps.akses).where(m.Tps.kecamatan_code.startswith("16.10."))
            .order_by(m.Tps.code))]
        around = reaction._from_around(session, s, now, targets, (s.road_speed_kmh, s.river_speed_kmh,
                                                                   s.reaction_dispatch_minutes))
        assert around is not None and [r.code for r in around] == list(react.index)


def test_the_kejadian_chronicle_shows_open_and_severe_first_a_page_at_a_time(polda_pages, monkeypatch):
    from ui import components

    monkeypatch.setattr(components, "CHRONICLE_ROWS", 2)  # the 2 % Polda has a few; the nation 4,747
    at = _page("views/kejadian.py")
    total = _recorded(at)
    pager = at.number_input(key="inc_page")
    assert total > 2 and len(at.expander) == 2 and pager.max == -(-total // 2)
    first = [e.label for e in at.expander]
    pager.set_value(pager.max).run()
    assert not at.exception, at.exception
    assert len(at.expander) == total - 2 * (pager.max - 1) and not set(first) & {e.label for e in at.expander}
