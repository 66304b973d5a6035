"""Every page through Streamlit's AppTest on the demo database: no exception, the key figures present."""
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT


def run_page(path: str, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def test_ringkasan_shows_real_figures(demo_sqlite, monkeypatch):
    monkeypatch.setenv("OPS_DATABASE_URL", demo_sqlite)
    at = run_page("views/ringkasan.py")
    assert not at.exception
    got = tile_values(at)
    assert got["TPS"] == ("667", None)
    assert got["DPT"] == ("314.226", None)
    assert got["Personel Polri"] == ("331", None)
    assert got["TPS jalur sungai"][1] == "667"  # every share of its whole
    assert len(at.get("plotly_chart")) >= 2


def tile_values(at) -> dict[str, tuple[str, str | None]]:
    """Every tile on the page: its label, value and reference ('/ 667'), read from the tiles' HTML."""
    import html
    import re
    found = {}
    for block in (m.value for m in at.markdown if "class='mtile" in m.value):
        for label, value, of in re.findall(r"<div class='l'>(.*?)</div><div class='v'>(.*?)(?: <small>/ (.*?)</small>)?"
                                           r"</div>", block):
            found[html.unescape(label)] = (html.unescape(value), html.unescape(of) if of else None)
    return found


def test_page_on_a_database_without_schema_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("OPS_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    at = run_page("views/ringkasan.py")
    assert not at.exception
    assert "python -m ops init" in at.error[0].value


@pytest.fixture
def demo_env(demo_sqlite, monkeypatch):
    monkeypatch.setenv("OPS_DATABASE_URL", demo_sqlite)
    return demo_sqlite


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [x.value for x in at.caption] + [x.value for x in at.subheader]
    return "\n".join(parts)


@pytest.mark.parametrize("page, expected", [
    ("views/peta.py", "personel berposisi"),
    ("views/tps.py", "TPS sesuai saringan"),
    ("views/personel.py", "Pola pengamanan"),
    ("views/logistik.py", "Jalur sungai"),
    ("views/cuaca.py", "Hujan 72 jam"),
    ("views/kejadian.py", "Kronologi"),
    ("views/koordinasi.py", "Per kecamatan"),
    ("views/sumber_data.py", "Riwayat pengambilan"),
])
def test_every_page_renders_with_its_key_content(demo_env, page, expected):
    at = run_page(page)
    assert not at.exception, at.exception
    assert not at.error
    assert expected in texts(at)


def test_ringkasan_leads_with_perhatian_and_measures_against_targets(demo_env):
    at = run_page("views/ringkasan.py")
    import html
    blocks = [html.unescape(m.value) for m in at.markdown]  # user text in HTML is written as character references
    first = next(i for i, b in enumerate(blocks) if "Perhatian" in b)
    rows = [b for b in blocks if "class='ph-row'" in b]
    # Perhatian comes before everything else on the page, most urgent first, places by name
    assert first <= 3 and rows and "KRITIS" in rows[0]
    assert any("Kec. Indralaya Utara" in r and "Keributan antarpendukung" in r for r in rows)
    tiles = "\n".join(b for b in blocks if "mtile" in b)
    assert "TPS siap" in tiles and "/ 667" in tiles and "Personel PAM di lokasi" in tiles and "target 95%" in tiles
    ranking = at.dataframe[0].value
    assert list(ranking.columns[:3]) == ["Kecamatan", "Masalah terberat", "Hal perhatian"]
    assert ranking.iloc[0]["Masalah terberat"] == "Kritis"


def test_tps_drill_down_from_kabupaten_to_one_tps_and_back(demo_env):
    at = run_page("views/tps.py")
    kab = at.dataframe[0].value
    assert len(kab) == 16 and kab["TPS"].sum() == 667
    at.selectbox(key="drill_kec").set_value("16.10.05").run()  # Pemulutan
    desa = at.dataframe[0].value
    assert not at.exception and 0 < len(desa) < 241 and "Pemulutan" in texts(at)
    at.selectbox(key="drill_desa").set_value("16.10.05.2015").run()  # Aurstanding
    tps = at.dataframe[0].value
    assert not at.exception and len(tps) >= 1 and "Pilih satu TPS" in texts(at)
    at.selectbox(key="drill_tps").set_value("16.10.05.2015.001").run()
    assert not at.exception
    assert any(s.value.startswith("TPS ") for s in at.subheader)
    assert "Riwayat status" in texts(at) and "Kesiapan dan alasannya" in texts(at)
    at.selectbox(key="drill_kec").set_value(None).run()  # back to the kabupaten
    assert len(at.dataframe[0].value) == 16


def cell_tints(element, column: str) -> dict[int, str]:
    """Row -> background colour of one column's cells, as the table's style sent them (ui.components.toned)."""
    import re
    col = list(element.value.columns).index(column)
    out = {}
    for block in element.proto.arrow_data.styler.styles.split("}"):
        if "background-color" not in block:
            continue
        colour = block.split("background-color:")[1].strip()
        for row, c_ in re.findall(r"_row(\d+)_col(\d+)", block):
            if int(c_) == col:
                out[int(row)] = colour
    return out


def test_the_tps_level_table_colours_the_share_ready_against_the_target(demo_env):
    from ops.config import get_settings
    from ops.headline import readiness_tone
    from ui.components import TONE_TINT

    at = run_page("views/tps.py")
    table = at.dataframe[0]
    kab = table.value
    tints = cell_tints(table, "% siap")
    expected = {i: TONE_TINT[readiness_tone(int(r["Siap"]), int(r["TPS"]), get_settings())]
                for i, r in kab.reset_index(drop=True).iterrows()}
    assert tints == expected and len(set(tints.values())) > 1  # the demo at 10:00 has kecamatan on and off target
    assert "hijau mencapai target 95%" in texts(at)


def test_tps_filters_narrow_the_list(demo_env):
    at = run_page("views/tps.py")
    at.multiselect(key="f_akses").select("sungai").run()
    assert "50 TPS sesuai saringan" in texts(at)
    at.multiselect(key="f_kerawanan").select("sangat_rawan").run()
    n = int(texts(at).split(" TPS sesuai saringan")[0].split()[-1])
    assert 0 <= n < 50


def test_peta_switches_colouring_and_opens_a_tps(demo_env):
    at = run_page("views/peta.py")
    for mode in ("status", "kesiapan"):
        at.selectbox(key="peta_color").set_value(mode).run()
        assert not at.exception
    at.selectbox(key="peta_tps").set_value("16.10.05.2031.002").run()
    assert not at.exception and "Status:" in texts(at) and "16.10.05.2031.002" in texts(at)


def test_planner_runs_and_offers_the_plan_for_download(demo_env):
    at = run_page("views/personel.py", personel_tab="Perencana penugasan")
    assert "Jalankan perencana" in at.info[0].value
    submit = [b for b in at.button if b.label == "Jalankan perencana"][0]
    submit.click().run()
    assert not at.exception
    got = tile_values(at)
    assert got["Klaster"] == ("126", None) and got["Kekurangan PAM TPS"][0] == "0"
    assert len(at.get("download_button")) == 2


def tile(at, label: str) -> str:
    """The text of the headline tile that starts with `label` (the tiles are HTML: every text escaped)."""
    import re
    block = next(m.value for m in at.markdown if "class='mtile" in m.value and f">{label}" in m.value)
    part = block[block.index(f">{label}"):]
    return re.sub(r"<[^>]+>", " ", part[:part.index("</div></div>") if "</div></div>" in part else None])


def test_replay_shows_an_earlier_moment(demo_env):
    import datetime as dt
    at = run_page("views/ringkasan.py")
    ten = tile(at, "TPS dibuka")
    assert "/ 667" in ten and "0 belum dilaporkan" not in ten  # a few KPPS open late in the demo
    at.toggle(key="replay_on").set_value(True).run()
    at.date_input(key="replay_day").set_value(dt.date(2024, 11, 27)).run()
    at.time_input(key="replay_time").set_value(dt.time(6, 0)).run()
    assert not at.exception
    assert "—" in tile(at, "TPS dibuka") and "dibuka 07:00 WIB hari H" in tile(at, "TPS dibuka")
    assert "TAYANGAN ULANG" in texts(at)


def test_replay_of_the_night_before_flags_boxes_without_guards_and_voting_day_as_not_due(demo_env):
    import datetime as dt
    at = run_page("views/ringkasan.py")
    at.toggle(key="replay_on").set_value(True).run()
    at.date_input(key="replay_day").set_value(dt.date(2024, 11, 26)).run()
    at.time_input(key="replay_time").set_value(dt.time(18, 0)).run()
    assert not at.exception
    rows = " ".join(m.value for m in at.markdown if "class='ph-row'" in m.value)
    assert "Kotak suara di" in rows and "tanpa personel di lokasi malam ini" in rows
    voting_day = next(x for x in at.metric if x.label == "Hari pemungutan")
    assert voting_day.value == "belum berlaku"


ALL_PAGES = ["ringkasan", "peta", "tps", "personel", "logistik", "cuaca", "kejadian", "koordinasi", "sumber_data"]


@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_on_an_empty_operation_says_what_to_do(tmp_path, monkeypatch, page):
    from ops.bootstrap import init_database
    from ops.config import get_settings, reset_settings

    monkeypatch.setenv("OPS_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    reset_settings()
    init_database(get_settings(), demo=False)
    at = run_page(f"views/{page}.py")
    assert not at.exception, at.exception
    if page not in ("kejadian", "sumber_data"):
        assert "import tps" in at.info[0].value


def test_a_tile_on_a_stale_source_says_so(demo_copy):
    import datetime as dt

    from sqlalchemy import select

    from ops import models as m
    from ops.db import get_engine, session_scope

    with session_scope(get_engine(demo_copy)) as s:  # the tracker feed last succeeded an hour ago
        for run in s.scalars(select(m.FeedRun).where(m.FeedRun.feed == "traccar")):
            run.started_at -= dt.timedelta(hours=1)
            run.finished_at -= dt.timedelta(hours=1)
    at = run_page("views/ringkasan.py")
    assert "DATA LAMA: Posisi personel" in tile(at, "Personel PAM di lokasi")
    assert "Posisi personel · Kedaluwarsa" in " ".join(x.value for x in at.markdown)


def test_kejadian_lists_every_incident_in_words_and_filters_them(demo_env):
    at = run_page("views/kejadian.py")
    table = at.dataframe[0].value
    assert len(table) == 7 and {"severity", "state"}.isdisjoint(table.columns)
    assert table["Waktu"].str.endswith("WIB").all() and table["Kecamatan"].str.startswith("Kec. ").all()
    # A high incident and one nobody handles yet are red, a middling one and one being handled amber, a closed green.
    from ui.components import TONE_TINT
    level, state = cell_tints(at.dataframe[0], "Tingkat"), cell_tints(at.dataframe[0], "Keadaan")
    for i, r in table.reset_index(drop=True).iterrows():
        assert level.get(i) == {"Tinggi": TONE_TINT["buruk"], "Sedang": TONE_TINT["waspada"]}.get(r["Tingkat"])
        assert state[i] == TONE_TINT[{"Terbuka": "buruk", "Ditangani": "waspada", "Selesai": "baik"}[r["Keadaan"]]]
    at.multiselect(key="inc_sev").set_value(["tinggi"]).run()
    high = at.dataframe[0].value
    assert 0 < len(high) < len(table) and set(high["Tingkat"]) == {"Tinggi"}
    at.multiselect(key="inc_state").set_value(["selesai"]).run()  # high and closed: none in the demo at 10:00
    assert at.dataframe[0].value.empty or set(at.dataframe[0].value["Keadaan"]) == {"Selesai"}


@pytest.mark.parametrize("tab, expected", [("Kebutuhan vs penugasan", "Personel wajib (pola)"),
                                           ("Waktu reaksi", "Melebihi batas"), ("Cek di lokasi", "Perangkat senyap")])
def test_each_personel_tab_runs_when_opened(demo_env, tab, expected):
    at = run_page("views/personel.py", personel_tab=tab)
    assert not at.exception, at.exception
    assert any(expected in m.value for m in at.markdown if "class='mtile" in m.value)
    assert not any(">Personel (roster)<" in m.value for m in at.markdown)  # the roster tab did not run
