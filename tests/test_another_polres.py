"""Polres Ogan Komering Ilir (16.02) set up from its own files alone, as a new user would: the region cut from the
Sumatera Selatan set, then the Polsek, TPS, roster, stakeholders, logistics plan and calendar — each written from
the template `python -m ops template` gives — then users and a feed. The checklist goes from missing to done as the
files land, readiness says what has no plan yet, and every page, the wall and the briefing run on it."""
import csv
import datetime as dt
import io
import json
import os
import re
import shutil
from contextlib import contextmanager

import openpyxl
import pytest
from pytest_httpserver import HTTPServer
from shapely.geometry import shape
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from ops import models as m
from ops import setup_check as sc
from ops.cli import main
from ops.config import get_settings, load_pola, reset_settings
from ops.db import get_engine, session_scope
from ops.deployment import required_polri
from ops.geo import route_km
from ops.readiness import per_tps

from conftest import CHROMIUM_SKIP, ROOT

KAB = "16.02"
POLRES = "Polres Ogan Komering Ilir"
SUMSEL = ROOT / "data" / "region" / "sumatera_selatan"
H = dt.date(2024, 11, 27)


def cut_region(folder) -> dict:
    """Kabupaten 16.02 from the province's files, in the format of data/region/<name>/; its areas by code."""
    folder.mkdir()
    with (SUMSEL / "wilayah.csv").open(encoding="utf-8") as f:
        lines = [line for i, line in enumerate(f) if i == 0 or line.startswith((KAB + ",", KAB + "."))]
    (folder / "wilayah.csv").write_text("".join(lines), encoding="utf-8")
    geo = json.loads((SUMSEL / "batas_wilayah.geojson").read_text(encoding="utf-8"))
    features = [x for x in geo["features"] if str(x["properties"]["kode"]).startswith(KAB)]
    (folder / "batas_wilayah.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    shutil.copy(SUMSEL / "SOURCES.md", folder / "SOURCES.md")  # the licence travels with the data
    rows = list(csv.DictReader(io.StringIO("".join(lines))))
    where = {str(x["properties"]["kode"]): shape(x["geometry"]).representative_point() for x in features}
    return {r["kode"]: {**r, "point": where.get(r["kode"])} for r in rows}


def point(area: dict) -> tuple[float, float]:
    return round(area["point"].y, 6), round(area["point"].x, 6)


def write_list(kind: str, folder, suffix: str, rows: list[dict]) -> str:
    """The list written into its own template: the header the template holds, the example row replaced."""
    path = folder / f"{kind}{suffix}"
    assert main(["template", kind, str(path)]) == 0
    if suffix == ".csv":
        header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        out = io.StringIO()
        csv.writer(out).writerows([header] + [[r.get(c, "") for c in header] for r in rows])
        path.write_text(out.getvalue(), encoding="utf-8")
    else:
        book = openpyxl.load_workbook(path)
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1]]
        sheet.delete_rows(2)
        for r in rows:
            sheet.append([r.get(c, "") for c in header])
        assert book.sheetnames[1] == "petunjuk"
        book.save(path)
    return str(path)


def files(areas: dict, folder) -> dict[str, str]:
    """The operation's lists: six Polsek over the 18 kecamatan; TPS in three kecamatan; their guards, people, legs;
    a calendar of its own (counting until 20:00, the briefing at 05:30)."""
    kecamatan = sorted(c for c, a in areas.items() if a["tingkat"] == "kecamatan")
    polsek = {f"PS-OKI-{i + 1}": kecamatan[i * 3:i * 3 + 3] for i in range(6)}
    of_kec = {k: p for p, ks in polsek.items() for k in ks}
    out = {"polsek": write_list("polsek", folder, ".xlsx", [
        {"kode_polsek": p, "nama": f"Polsek {areas[ks[0]]['nama']}", "lat": point(areas[ks[0]])[0],
         "lon": point(areas[ks[0]])[1], "kecamatan": "; ".join(ks)} for p, ks in polsek.items()])}
    chosen = [kecamatan[0], kecamatan[4], kecamatan[9]]
    desa = {k: sorted(c for c, a in areas.items() if a["kode_induk"] == k)[:2] for k in chosen}
    tps = []
    for k in chosen:
        for j, d in enumerate(desa[k]):
            for n in (1, 2):
                lat, lon = point(areas[d])
                tps.append({"kode_tps": f"{d}.{n:03d}", "kode_desa": d, "nomor": n, "alamat": f"Balai {areas[d]['nama']}",
                            "lat": lat, "lon": lon, "dpt": 300 + 40 * n,
                            "kerawanan": ("sangat_rawan", "rawan", "kurang_rawan")[(len(tps)) % 3],
                            "akses": "sungai" if (k, j) == (chosen[0], 1) else "darat", "verifikasi": "terverifikasi"})
    out["tps"] = write_list("tps", folder, ".csv", tps)
    pola = load_pola(get_settings())
    people, seq = [], 0
    for p in sorted({of_kec[k] for k in chosen}):
        counts: dict = {}
        for t in tps:
            if of_kec[t["kode_desa"].rsplit(".", 1)[0]] == p:
                counts[t["kerawanan"]] = counts.get(t["kerawanan"], 0) + 1
        for role in ["Kapolsek"] + ["PAM TPS"] * (required_polri(counts, pola) + 1):
            seq += 1
            people.append({"nrp": f"8805{seq:04d}", "nama": f"Personel {seq}", "pangkat": "IPTU" if role == "Kapolsek"
                           else "BRIPKA", "satuan": f"Polsek {p}", "peran": role, "kode_polsek": p, "bko": "tidak",
                           "id_perangkat": f"OKI-{seq:04d}"})
    out["personnel"] = write_list("personnel", folder, ".xlsx", people)
    who = []
    for k in chosen:
        who += [{"peran": r, "nama": f"{r} {areas[k]['nama']}", "kode_wilayah": k, "telepon": "0812-1000-2000"}
                for r in ("kpu_ppk", "bawaslu_panwascam", "camat")]
        for d in desa[k]:
            head = "lurah" if areas[d]["tingkat"] == "kelurahan" else "kepala_desa"
            who += [{"peran": r, "nama": f"{r} {areas[d]['nama']}", "kode_wilayah": d}
                    for r in (head, "pps", "kpps", "tokoh_agama", "tokoh_masyarakat")]
    out["stakeholders"] = write_list("stakeholders", folder, ".csv", who)

    def leg(stage, a, b, day, hour, akses="darat", escort=""):
        start = dt.datetime.combine(H + dt.timedelta(days=day), dt.time(hour))
        return {"tahap": stage, "dari": a, "ke": b, "berangkat": f"{start:%Y-%m-%d %H:%M}",
                "tiba": f"{start + dt.timedelta(hours=1):%Y-%m-%d %H:%M}", "akses": akses, "kotak": 2,
                "pengawal": escort}
    legs = []
    guard = {p["kode_polsek"]: p["nrp"] for p in people if p["peran"] == "PAM TPS"}
    for k in chosen:
        legs.append({**leg("gudang-ppk", "16.02.05", k, -3, 8), "nama_dari": "Gudang Logistik KPU OKI, Kayu Agung"})
        for d in desa[k]:
            river = any(t["akses"] == "sungai" for t in tps if t["kode_desa"] == d)
            mode = "sungai" if river else "darat"
            legs += [leg("ppk-pps", k, d, -2, 9, mode), leg("pps-ppk", d, k, 1, 8, mode)]
            for t in (t for t in tps if t["kode_desa"] == d):
                legs += [leg("pps-tps", d, t["kode_tps"], -1, 9 if river else 14, mode, guard[of_kec[k]]),
                         leg("tps-pps", t["kode_tps"], d, 0, 19, mode)]
    out["legs"] = write_list("legs", folder, ".xlsx", legs)
    out["calendar"] = write_list("calendar", folder, ".csv", [
        {"tonggak": "operasi", "mulai": "2024-11-23", "selesai": "2024-12-02"},
        {"tonggak": "logistik_pps_tps", "mulai": "2024-11-26 09:00", "selesai": "2024-11-26 17:00"},
        {"tonggak": "pemungutan", "mulai": "2024-11-27 07:00", "selesai": "2024-11-27 13:00"},
        {"tonggak": "penghitungan", "mulai": "2024-11-27 13:00", "selesai": "2024-11-27 20:00"},
        {"tonggak": "kotak_ke_ppk", "mulai": "2024-11-27 13:00", "selesai": "2024-11-28 15:00"},
        {"tonggak": "laporan_harian", "mulai": "05:30"}])
    return out


@contextmanager
def environment(values: dict):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    reset_settings()
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_settings()


def checklist() -> dict[str, sc.Item]:
    s = get_settings()
    with session_scope(get_engine(s.database_url)) as session:
        return {i.key: i for i in sc.check(session, s)}


def problem_kinds() -> set[str]:
    s = get_settings()
    with session_scope(get_engine(s.database_url)) as session:
        table = per_tps(session, s, session.get(m.OperationClockRow, 1).scenario_start)
    return {i["kind"] for items in table["masalah_sebelum"] for i in items}


@pytest.fixture(scope="module")
def oki(tmp_path_factory):
    """The operation built step by step; the checklist and readiness seen after each step."""
    folder = tmp_path_factory.mktemp("oki")
    sheet = HTTPServer(host="127.0.0.1")
    sheet.start()
    env = {"OPS_DATABASE_URL": f"sqlite:///{folder / 'ops.db'}", "OPS_REGION_DIR": str(folder / "region"),
           "OPS_KABUPATEN_CODE": KAB, "OPS_POLRES_NAME": POLRES,
           "OPS_OPERATION_NAME": "Operasi Mantap Praja Musi 2024 — Pilkada Ogan Komering Ilir",
           "OPS_CLOCK_START": "2024-11-26T16:00", "OPS_FEEDS_ENABLED": '["tps-status"]',
           "OPS_TPS_STATUS_URL": sheet.url_for("/laporan.csv"), "OPS_BRIEFING_DIR": str(folder / "laporan"),
           "OPS_NEW_PASSWORD": "oki-posko-2024"}
    seen: dict[str, tuple[set[str], set[str]]] = {}
    with environment(env):
        areas = cut_region(folder / "region")
        lists = files(areas, folder)
        assert main(["init"]) == 0
        seen["init"] = ({k for k, i in checklist().items() if i.done}, set())
        for kind in ("polsek", "tps", "personnel", "stakeholders", "legs", "calendar"):
            assert main(["import", kind, lists[kind], "--by", "bag-ops"]) == 0, kind
            seen[kind] = ({k for k, i in checklist().items() if i.done}, problem_kinds())
        assert main(["user", "admin", "--role", "admin", "--name", "Admin Posko OKI"]) == 0
        assert main(["user", "piket1", "--role", "operator", "--name", "Piket 1"]) == 0
        seen["users"] = ({k for k, i in checklist().items() if i.done}, set())
        codes = [t.code for t in per_tps_codes()]
        sheet.expect_request("/laporan.csv").respond_with_data(
            "kode_tps,status,waktu,pelapor,catatan\n" + "".join(f"{c},siap,2024-11-26T15:30,KPPS,\n"
                                                                for c in codes[:4]), content_type="text/csv")
        assert main(["fetch", "tps-status"]) == 0
        seen["fetch"] = ({k for k, i in checklist().items() if i.done}, set())
    yield {"env": env, "seen": seen, "areas": areas, "folder": folder}
    sheet.stop()


def per_tps_codes():
    with session_scope(get_engine(get_settings().database_url)) as session:
        return list(session.scalars(select(m.Tps).order_by(m.Tps.code)))


@pytest.fixture
def on_oki(oki, monkeypatch):
    for k, v in oki["env"].items():
        monkeypatch.setenv(k, v)
    reset_settings()
    return oki


def test_the_checklist_goes_from_missing_to_done_as_the_files_land(oki):
    done = {step: d for step, (d, _) in oki["seen"].items()}
    assert done["init"] == {"wilayah"}
    grew = {"polsek": {"polsek"}, "tps": {"tps"}, "personnel": {"personel", "pola"}, "stakeholders": {"pemangku"},
            "legs": {"logistik"}, "calendar": {"kalender"}, "users": {"pengguna"}, "fetch": {"sumber"}}
    previous = done["init"]
    for step, new in grew.items():
        assert done[step] - previous == new, step
        previous = done[step]
    assert previous == set(sc.ITEMS)


def test_readiness_says_what_has_no_plan_until_the_plans_land(oki):
    after_tps = oki["seen"]["tps"][1]
    assert {"personel_tanpa_rencana", "logistik_tanpa_rencana", "koordinasi_tanpa_rencana"} <= after_tps
    assert not {"koordinasi_belum", "logistik_belum_berangkat", "logistik_terlambat"} & after_tps
    after_plans = oki["seen"]["legs"][1]
    assert "koordinasi_belum" in after_plans and "koordinasi_tanpa_rencana" not in after_plans
    assert "logistik_tanpa_rencana" not in after_plans and after_plans & {"logistik_terlambat",
                                                                          "logistik_belum_berangkat"}


def test_travel_times_run_from_each_polsek_headquarters(on_oki):
    s = get_settings()
    with session_scope(get_engine(s.database_url)) as session:
        tps = session.scalars(select(m.Tps)).all()
        assert len(tps) == 12 and {t.akses for t in tps} == {"darat", "sungai"}
        for t in tps:
            hq = session.get(m.Polsek, t.polsek_code)
            km = round(route_km(hq.hq_lat, hq.hq_lon, t.lat, t.lon, t.akses), 1)
            speed = s.river_speed_kmh if t.akses == "sungai" else s.road_speed_kmh
            assert (t.distance_km, t.travel_min) == (km, round(km / speed * 60, 1)), t.code


def test_the_cli_works_with_the_operations_own_calendar(on_oki, capsys):
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["operation"]["polres"] == POLRES and status["tps"]["total"] == 12
    assert status["setup"]["done"] is True
    assert status["setup"]["items"]["kalender"]["counts"]["diimpor"] == 6
    assert set(status["tps"]["by_kecamatan"]) < {c for c, a in on_oki["areas"].items() if a["tingkat"] == "kecamatan"}


PAGES = re.findall(r'st\.Page\("(views/[a-z_]+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))


def test_every_page_runs_on_the_new_operation(on_oki):
    assert len(set(PAGES)) >= 17 and "views/persiapan.py" in PAGES and "views/linimasa.py" in PAGES
    for page in sorted(set(PAGES)):
        at = AppTest.from_file(str(ROOT / page), default_timeout=120).run()
        assert not at.exception, (page, at.exception)
        assert not [e.value for e in at.error], (page, [e.value for e in at.error])
        text = " ".join(x.value for x in at.markdown) + " ".join(x.value for x in at.caption)
        assert POLRES in text or page == "views/dinding.py", page
        if page == "views/ringkasan.py":
            assert "<div class='l'>TPS</div><div class='v'>12</div>" in text  # the base figures' tile
            assert "tl-strip" in text and "Ogan Komering Ilir" in text
        if page == "views/persiapan.py":
            assert "10 dari 10 bagian siap" in text
        if page == "views/linimasa.py":
            table = at.dataframe[0].value.set_index("Tonggak")
            assert table.loc["Penghitungan suara", "Jadwal"] == "H 13:00–20:00"  # the operation's own calendar
            assert table.loc["Logistik PPS → TPS", "Keadaan"] == "Terlambat"  # road legs due 15:00, no report
            assert "Kalender diimpor oleh Polres (6 dari 10 tonggak)" in text
        if page == "views/laporan.py":
            assert "05:30 WIB" in text


def test_the_wall_runs_on_the_new_operation(on_oki):
    at = AppTest.from_file(str(ROOT / "views" / "dinding.py"), default_timeout=120).run()
    assert not at.exception
    text = " ".join(x.value for x in at.markdown)
    assert "POLRES OGAN KOMERING ILIR" in text and "H-1 · Sebelum pemungutan" in text and "PERHATIAN" in text


@pytest.mark.skipif(CHROMIUM_SKIP is not None, reason=str(CHROMIUM_SKIP))
def test_the_briefing_runs_on_the_new_operation(on_oki, capsys):
    from pypdf import PdfReader

    assert main(["briefing"]) == 0
    pdf = next((on_oki["folder"] / "laporan").glob("*.pdf"))
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert POLRES in text and "Selasa, 26 November 2024" in text
    assert "Linimasa operasi" in text and "Logistik PPS → TPS" in text
    kecamatan = {a["nama"] for a in on_oki["areas"].values() if a["tingkat"] == "kecamatan"}
    assert any(name in text for name in kecamatan)
