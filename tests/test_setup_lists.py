"""The lists an operation is set up from — Polsek, stakeholders, the logistics plan, the calendar — imported through
the same checks as the TPS list: every bad row named and nothing changed, hostile files refused, every export
imported back unchanged, templates that import as they are; travel times from the Polsek headquarters."""
import csv
import hashlib
import io
import re

import openpyxl
import pytest
from sqlalchemy import select, text

from ops import models as m
from ops.cli import main
from ops.config import get_settings, reset_settings
from ops.db import get_engine, session_scope
from ops.geo import route_km
from ops.importers import FileProblem, ImportRejected
from ops.importers.kinds import KINDS
from ops.templates import GUIDE_SHEET

from test_hostile_files import bomb_rows, package
from test_imports import to_csv

NEW = ["polsek", "stakeholders", "legs", "calendar"]
TABLES = ("polsek", "polsek_kecamatan", "tps", "personnel", "stakeholder", "logistics_leg", "assignment",
          "operation_meta", "audit_log")


def fingerprint(url: str) -> str:
    """A digest of everything a list import may touch: equal before and after means nothing changed."""
    h = hashlib.sha256()
    with get_engine(url).connect() as c:
        for table in TABLES:
            for row in c.execute(text(f"SELECT * FROM {table} ORDER BY 1")):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def run(kind: str, data: bytes, name: str = "daftar.csv"):
    s = get_settings()
    with session_scope(get_engine(s.database_url)) as session:
        return KINDS[kind].run(session, s, data, name, "tester")


def problems_of(kind: str, rows: list[list]) -> list[str]:
    with pytest.raises(ImportRejected) as e:
        run(kind, to_csv(rows))
    return [str(p) for p in e.value.problems]


# --- every bad row named, nothing changed ------------------------------------------------------------------------

def test_bad_polsek_rows_are_named(demo_copy):
    before = fingerprint(demo_copy)
    head = ["kode_polsek", "nama", "lat", "lon", "kecamatan"]
    problems = problems_of("polsek", [head,
                                      ["PS-A", "Polsek A", "104.685", "-3.2478", "16.10.04"],
                                      ["PS B!", "Polsek B", "-3.2478", "104.685", "16.10.08"],
                                      ["PS-C", "Polsek C", "-3.30", "104.68", "16.10.99"],
                                      ["PS-D", "Polsek D", "-3.2478", "104.685", "16.10.04"],
                                      ["PS-A", "Polsek A lagi", "-3.2478", "104.685", "16.10.07"],
                                      ["PS-E", "Polsek E", "-3.0", "106.5", "16.10.15"]])
    assert problems == [
        "baris 2, kolom lat/lon: lat dan lon tertukar",
        "baris 3, kolom kode_polsek: 'PS B!': kode Polsek: huruf, angka, titik, garis bawah atau tanda hubung, paling "
        "banyak 20 (mis. PS-KAYUAGUNG)",
        "baris 4, kolom kecamatan: 16.10.99 bukan kecamatan di wilayah operasi (16.10)",
        "baris 5, kolom kecamatan: 16.10.04 sudah dibawahi PS-A (baris 2): satu kecamatan satu Polsek",
        "baris 6, kolom kode_polsek: PS-A ganda (juga di baris 2)",
        "baris 7, kolom lat/lon: (-3.0, 106.5) di luar kecamatan yang dibawahi (toleransi 300 m)",
    ]
    assert fingerprint(demo_copy) == before


def test_bad_stakeholder_rows_are_named(demo_copy):
    before = fingerprint(demo_copy)
    head = ["peran", "nama", "kode_wilayah", "telepon"]
    problems = problems_of("stakeholders", [head,
                                            ["bupati", "Ali", "16.10.04", ""],
                                            ["kepala_desa", "Budi", "16.10.04", ""],
                                            ["Kepala desa", "Citra", "16.10.04.1030", ""],
                                            ["pps", "Dedi", "16.10.04.2006", "telepon kantor"],
                                            ["PPS", "Eka Putri", "16.10.04.2006", "0812 1111 2222"],
                                            ["pps", "eka  putri", "16.10.04.2006", ""],
                                            ["camat", "", "16.10.04", ""]])
    assert problems[0].startswith("baris 2, kolom peran: 'bupati': pilih salah satu: bawaslu_panwascam, camat, ")
    assert problems[1:] == [
        "baris 3, kolom kode_wilayah: 16.10.04 bukan desa/kelurahan di wilayah operasi (16.10); Kepala desa dicatat "
        "per desa/kelurahan",
        "baris 4, kolom peran: Indralaya Raya adalah kelurahan: pakai peran lurah",
        "baris 5, kolom telepon: 'telepon kantor': nomor telepon: angka, boleh diawali + dan berisi spasi atau tanda "
        "hubung (mis. 0812-7345-1122)",
        "baris 7, kolom nama: eka  putri sudah tercatat sebagai PPS di sini (baris 6)",
        "baris 8, kolom nama: kosong",
    ]
    assert fingerprint(demo_copy) == before


def test_bad_legs_are_named(demo_copy):
    before = fingerprint(demo_copy)
    with session_scope(get_engine(demo_copy)) as s:
        tps = s.get(m.Tps, "16.10.05.2015.001")
        other = s.scalars(select(m.Tps).where(m.Tps.desa_code != tps.desa_code)).first()
        guard = s.scalars(select(m.Personnel.nrp)).first()
    head = ["tahap", "dari", "ke", "berangkat", "tiba", "akses", "kotak", "pengawal"]
    good = ["pps-tps", tps.desa_code, tps.code, "2024-11-26 08:00", "2024-11-26 09:00", "sungai", "2", guard]
    problems = problems_of("legs", [head,
                                    ["pps-tps", tps.desa_code, other.code] + good[3:],
                                    good[:3] + ["2024-11-26 10:00", "26/11/2024 09.00"] + good[5:],
                                    ["pps-tps", "16.10.05", tps.code] + good[3:],
                                    good[:7] + [f"{guard}; 85019999"],
                                    good[:3] + ["besok pagi"] + good[4:],
                                    good, good,
                                    good[:3] + ["2030-11-26 08:00", "2030-11-26 09:00"] + good[5:]])
    assert problems == [
        f"baris 2, kolom dari/ke: TPS {other.code} tidak di desa {tps.desa_code}",
        "baris 3, kolom tiba: tidak sesudah berangkat (2024-11-26 10:00)",
        "baris 4, kolom dari: 16.10.05 bukan desa/kelurahan di wilayah operasi (16.10); tahap ini memerlukan kode "
        "desa/kelurahan (PPS)",
        "baris 5, kolom pengawal: NRP 85019999 tidak ada di daftar personel",
        "baris 6, kolom berangkat: 'besok pagi': bukan tanggal/jam; tulis mis. 2024-11-27 07:00 atau 27/11/2024 07:00 "
        "(WIB)",
        "baris 8, kolom dari/ke: tahap pps-tps ke/dari tempat ini sudah ada di baris 7: satu perjalanan per tahap dan "
        "tempat",
        "baris 9, kolom berangkat: jauh di luar masa operasi (2024-11-24 s.d. 2024-12-01, ±14 hari)",
    ]
    assert fingerprint(demo_copy) == before


def test_bad_calendar_rows_are_named(demo_copy):
    before = fingerprint(demo_copy)
    problems = problems_of("calendar", [["tonggak", "mulai", "selesai"],
                                        ["pesta", "2024-11-27 07:00", "2024-11-27 13:00"],
                                        ["pemungutan", "2024-11-27 07:00", "2024-11-28 13:00"],
                                        ["laporan_harian", "2024-11-27 06:00", "2024-11-27 07:00"],
                                        ["penghitungan", "2024-11-27 18:00", "2024-11-27 13:00"],
                                        ["rekap_ppk", "2025-06-01 08:00", "2025-06-03 18:00"],
                                        ["Pemungutan suara", "2024-11-27 07:00", "2024-11-27 13:00"]])
    assert problems[0].startswith("baris 2, kolom tonggak: 'pesta': pilih salah satu: kotak_ke_ppk, laporan_harian,")
    assert problems[1:] == [
        "baris 3, kolom selesai: pemungutan dibuka dan ditutup pada hari yang sama",
        "baris 4, kolom mulai/selesai: isi jamnya saja di kolom mulai (mis. 06:00) dan kosongkan selesai",
        "baris 5, kolom mulai/selesai: selesai (2024-11-27 13:00) tidak sesudah mulai (2024-11-27 18:00)",
        "baris 6, kolom mulai/selesai: 2025-06-01 08:00 s.d. 2025-06-03 18:00 jauh di luar masa operasi (2024-11-24 "
        "s.d. 2024-12-01, ±7 hari)",
        "baris 7, kolom tonggak: pemungutan ganda (juga di baris 3)",
    ]
    assert fingerprint(demo_copy) == before


@pytest.mark.parametrize("kind", NEW)
@pytest.mark.parametrize("case, expected", [
    ("bomb", "terurai"),
    ("unclosed quote", "tanda kutip"),
    ("too many rows", "lebih dari 3 baris data"),
    ("old excel", "jenis berkas .xls tidak didukung"),
])
def test_hostile_files_are_refused_for_every_list(demo_copy, monkeypatch, kind, case, expected):
    before = fingerprint(demo_copy)
    columns = [c.name for c in KINDS[kind].columns]
    name = "daftar.csv"
    if case == "bomb":
        data, name = package({"Data": bomb_rows()}), "daftar.xlsx"
    elif case == "unclosed quote":
        data = (",".join(columns) + '\n"' + "x" * 200_000 + "\n").encode()  # past the csv module's field limit
    elif case == "too many rows":
        monkeypatch.setenv("OPS_IMPORT_MAX_ROWS", "3")
        reset_settings()
        data = to_csv([columns] + [[str(i)] * len(columns) for i in range(5)])
    else:
        data, name = b"\xd0\xcf\x11\xe0 an old workbook", "daftar.xls"
    with pytest.raises(FileProblem) as e:
        run(kind, data, name)
    assert expected in str(e.value)
    assert fingerprint(demo_copy) == before


# --- export -> import changes nothing; templates ------------------------------------------------------------------

@pytest.mark.parametrize("kind", NEW)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_every_new_list_round_trips_through_the_cli(demo_copy, tmp_path, capsys, kind, suffix):
    path = tmp_path / f"daftar{suffix}"
    assert main(["export", kind, str(path)]) == 0
    rows = int(capsys.readouterr().out.split(": ")[1].split()[0])
    assert rows > 0
    if kind == "calendar":  # the first import of the settings' calendar makes it the operation's own
        assert main(["import", kind, str(path)]) == 0
        assert f"{rows} baris — {rows} baru" in capsys.readouterr().out
    before = fingerprint(demo_copy)
    assert main(["import", kind, str(path), "--by", "uji"]) == 0
    assert f"{rows} baris — 0 baru, 0 diubah, {rows} tetap" in capsys.readouterr().out
    with get_engine(demo_copy).connect() as c:  # only the file's own audit entry is new
        assert c.execute(text("SELECT count(*) FROM audit_log WHERE actor = 'uji' AND action != 'impor'")).scalar() == 0


def template_rows(path) -> tuple[list[list[str]], list[list]]:
    """The first sheet's rows (or the CSV's) and the guide sheet's rows of a template."""
    if path.suffix == ".csv":
        return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))), []
    book = openpyxl.load_workbook(path, read_only=True)
    sheets = [[list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]
    assert book.sheetnames[1] == GUIDE_SHEET
    return sheets[0], sheets[1]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_templates_hold_the_header_an_example_and_a_guide_and_import_as_they_are(demo_copy, tmp_path, capsys,
                                                                                  suffix):
    for kind, k in KINDS.items():  # in the registry's order: the example escort is in the example roster
        path = tmp_path / f"templat_{kind}{suffix}"
        assert main(["template", kind, str(path)]) == 0
        rows, guide = template_rows(path)
        assert rows[0] == [c.name for c in k.columns] and len(rows) == 2
        if suffix == ".xlsx":
            assert [g[0] for g in guide[1:len(k.columns) + 1]] == [c.name for c in k.columns]
            assert all(g[2] for g in guide[1:len(k.columns) + 1])  # every column explained
        assert main(["import", kind, str(path)]) == 0, capsys.readouterr().err
    assert main(["template", "tps", str(tmp_path / "templat.ods")]) == 1


def test_data_page_preselects_the_list_the_checklist_links_to(demo_copy):
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT

    at = AppTest.from_file(str(ROOT / "views" / "data_tps.py"), default_timeout=120)
    at.query_params["impor"] = "stakeholders"
    at.run()
    assert not at.exception
    assert at.radio(key="imp_kind").value == "stakeholders"
    assert "`kode_wilayah`" in " ".join(x.value for x in at.markdown)


# --- what follows from the lists ----------------------------------------------------------------------------------

def tps_file(rows: list[dict]) -> bytes:
    columns = [c.name for c in KINDS["tps"].columns]
    return to_csv([columns] + [[str(r.get(c, "")) for c in columns] for r in rows])


def test_travel_time_comes_from_the_polsek_headquarters_when_the_file_gives_none(demo_copy):
    s = get_settings()
    with session_scope(get_engine(demo_copy)) as session:
        road, river = (session.scalars(select(m.Tps).where(m.Tps.akses == a)).first() for a in ("darat", "sungai"))
        rows = [{"kode_tps": t.code, "kode_desa": t.desa_code, "nomor": t.number, "alamat": t.address, "lat": t.lat,
                 "lon": t.lon, "dpt": t.dpt, "kerawanan": t.kerawanan, "akses": t.akses} for t in (road, river)]
        hq = {t.code: session.get(m.Polsek, t.polsek_code) for t in (road, river)}
    run("tps", tps_file(rows))
    with session_scope(get_engine(demo_copy)) as session:
        for code, speed in ((road.code, s.road_speed_kmh), (river.code, s.river_speed_kmh)):
            t = session.get(m.Tps, code)
            km = round(route_km(hq[code].hq_lat, hq[code].hq_lon, t.lat, t.lon, t.akses), 1)
            assert (t.distance_km, t.travel_min) == (km, round(km / speed * 60, 1))
    assert s.river_speed_kmh < s.road_speed_kmh  # the river TPS is timed by boat


def test_a_polsek_import_gives_tps_without_one_their_polsek_and_travel_time(db_url):
    from ops.bootstrap import init_database

    init_database(get_settings(), demo=False)
    run("tps", tps_file([{"kode_tps": "16.10.04.2006.001", "kode_desa": "16.10.04.2006", "nomor": 1,
                          "alamat": "Balai Desa", "lat": -3.2739, "lon": 104.6782, "dpt": 300,
                          "kerawanan": "rawan", "akses": "darat"}]))
    with session_scope(get_engine(db_url)) as session:
        t = session.get(m.Tps, "16.10.04.2006.001")
        assert (t.polsek_code, t.distance_km, t.travel_min) == (None, None, None)
    run("polsek", to_csv([["kode_polsek", "nama", "lat", "lon", "kecamatan"],
                          ["PS-INDRALAYA", "Polsek Indralaya", "-3.2400", "104.6614", "16.10.04; 16.10.08"]]))
    with session_scope(get_engine(db_url)) as session:
        t = session.get(m.Tps, "16.10.04.2006.001")
        km = round(route_km(-3.24, 104.6614, t.lat, t.lon, "darat"), 1)
        assert (t.polsek_code, t.distance_km) == ("PS-INDRALAYA", km) and t.travel_min > 0


def test_every_list_from_its_template_then_exported_imports_back_unchanged_on_each_database(db_url, tmp_path, capsys):
    from ops.bootstrap import init_database

    init_database(get_settings(), demo=False)
    for kind in KINDS:  # the examples make a small operation: a Polsek, a TPS, an officer who escorts its boxes …
        assert main(["template", kind, str(tmp_path / f"{kind}.csv")]) == 0
        assert main(["import", kind, str(tmp_path / f"{kind}.csv")]) == 0, capsys.readouterr().err
    capsys.readouterr()
    for kind in KINDS:
        for _ in range(2 if kind == "calendar" else 1):  # the calendar's export adds what the settings give
            assert main(["export", kind, str(tmp_path / f"{kind}.xlsx")]) == 0
            assert main(["import", kind, str(tmp_path / f"{kind}.xlsx")]) == 0
        out = capsys.readouterr().out.strip().splitlines()[-1]
        assert re.search(r"— 0 baru, 0 diubah, \d+ tetap$", out), (kind, out)
    with session_scope(get_engine(db_url)) as session:
        leg = session.scalars(select(m.LogisticsLeg)).one()
        assert (leg.stage, leg.tps_code, leg.from_name) == ("pps-tps", "16.10.04.2006.001", "PPS Tanjung Gelam")
        assert session.scalars(select(m.Assignment.nrp).where(m.Assignment.cluster_code == f"leg:{leg.id}")).all() \
            == ["88120001"]
