"""A Polda and a national operation on real codes: the region reader at every level, `init --demo --region` at a
reduced size (SQLite and PostgreSQL), the area recorded in the database, status by kabupaten, the TPS import."""
import csv
import json
import os
from collections import Counter

import pytest
from sqlalchemy import func, select

from ops import models as m
from ops.area import operation_area
from ops.config import get_settings, reset_settings
from ops.db import get_engine, session_scope
from ops.places import load_names
from ops.region import children, kabupaten_of, read_region
from ops.status import build_status

from conftest import PG_SKIP, ROOT, _new_pg_database

REGIONS = ROOT / "data" / "region"
SCALE = 0.02  # 520 of Sumatera Selatan's 25,985 TPS: still every kabupaten
SAMPLE_PROVINCES = ("19", "65", "94")  # Bangka Belitung, Kalimantan Utara, Papua Tengah (has desa without kecamatan)


@pytest.fixture(scope="module")
def sumsel():
    return read_region(REGIONS / "sumatera_selatan", "16")


@pytest.fixture(scope="module")
def nation():
    return read_region(REGIONS / "indonesia", "")


def _init(url: str, env: dict[str, str], **kw) -> dict:
    """init_database as a fresh process would run it: with these OPS_* variables and nothing else."""
    from ops.bootstrap import init_database

    saved = {k: os.environ.get(k) for k in (*env, "OPS_DATABASE_URL")}
    os.environ.update({**env, "OPS_DATABASE_URL": url})
    reset_settings()
    try:
        return init_database(get_settings(), **kw)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_settings()


@pytest.fixture(scope="module")
def polda_sqlite(tmp_path_factory):
    """`init --demo --region sumatera_selatan` at 2 % on SQLite (treat as read-only)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('polda') / 'ops.db'}"
    report = _init(url, {"OPS_DEMO_SCALE": str(SCALE)}, demo=True, region="sumatera_selatan")
    yield url, report
    get_engine(url).dispose()


@pytest.fixture(scope="module")
def polda_postgresql():
    if PG_SKIP:
        pytest.skip(PG_SKIP)
    url, drop = _new_pg_database()
    report = _init(url, {"OPS_DEMO_SCALE": str(SCALE)}, demo=True, region="sumatera_selatan")
    yield url, report
    get_engine(url).dispose()
    drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def polda(request):
    """The reduced Polda on each kind of database: COPY on PostgreSQL, executemany on SQLite."""
    return request.getfixturevalue(f"polda_{request.param}")


def _copy_of(url: str, tmp_path) -> str:
    import sqlite3

    copy = tmp_path / "copy.db"
    with sqlite3.connect(url.removeprefix("sqlite:///")) as src, sqlite3.connect(copy) as out:
        src.backup(out)
    return f"sqlite:///{copy}"


@pytest.fixture
def use(monkeypatch):
    def set_url(url: str) -> None:
        monkeypatch.setenv("OPS_DATABASE_URL", url)
        reset_settings()
    return set_url


# ---------------------------------------------------------------- the region reader at every level

def test_province_file_reads_whole_with_its_province_row(sumsel):
    levels = Counter(a.level for a in sumsel.areas.values())
    assert levels == {"provinsi": 1, "kabupaten": 17, "kecamatan": 241, "desa": 2854, "kelurahan": 403}
    assert sumsel.skipped == []
    assert [a.code for a in sumsel.children("16")][:3] == ["16.01", "16.02", "16.03"]
    assert len(sumsel.children("16")) == 17
    # The province has no centroid in the file: it stands amid its kabupaten.
    prov = sumsel.areas["16"]
    assert -5 < prov.lat < -1.5 and 102 < prov.lon < 106.5
    # The 20 desa and kelurahan with neither centroid nor boundary stand near their kecamatan's centre.
    placed = [a for a in sumsel.of_level("desa", "kelurahan") if a.boundary is None]
    assert len(placed) == 20
    for a in placed:
        kec = sumsel.areas[a.parent_code]
        assert abs(a.lat - kec.lat) < 0.03 and abs(a.lon - kec.lon) < 0.03


def test_one_kabupaten_of_the_province_file_is_the_ogan_ilir_folder(sumsel):
    polres = read_region(REGIONS / "sumatera_selatan", "16.10")
    ogan = read_region(REGIONS / "ogan_ilir", "16.10")
    assert {c: (a.name, a.level, a.parent_code) for c, a in polres.areas.items()} == \
        {c: (a.name, a.level, a.parent_code) for c, a in ogan.areas.items()}


def test_national_file_places_desa_by_their_kecamatan_and_names_what_it_leaves_out(nation):
    levels = Counter(a.level for a in nation.areas.values())
    assert levels["provinsi"] == 38 and levels["kabupaten"] == 514 and levels["kecamatan"] == 7265
    # 143 desa of 19 kecamatan that the source file lacks cannot be placed in the tree: left out, each named.
    assert levels["desa"] + levels["kelurahan"] == 83_345 - 143
    assert len(nation.skipped) == 143
    assert "12.04.28.2001: kecamatan 12.04.28 is not in wilayah.csv" in nation.skipped
    assert len(nation.children("")) == 38
    # No desa has a centroid or a boundary in the national file: each stands within a few km of its kecamatan.
    for a in nation.of_level("desa", "kelurahan")[::97]:
        kec = nation.areas[a.parent_code]
        assert a.boundary is None
        assert abs(a.lat - kec.lat) < 0.03 and abs(a.lon - kec.lon) < 0.03
    # The one kecamatan without a centroid stands near its kabupaten's.
    lonely, kab = nation.areas["72.06.20"], nation.areas["72.06"]
    assert abs(lonely.lat - kab.lat) < 0.03 and abs(lonely.lon - kab.lon) < 0.03
    assert set(nation.geometries) == {a.code for a in nation.of_level("kabupaten")}


def test_a_province_read_from_the_national_file(nation):
    sumsel = read_region(REGIONS / "indonesia", "16")
    assert len(sumsel.of_level("desa", "kelurahan")) == 3257 and len(sumsel.of_level("kabupaten")) == 17
    assert kabupaten_of("16.10.04.2001.003") == "16.10"


# ---------------------------------------------------------------- a Polda on real codes, reduced

def test_polda_demo_covers_every_kabupaten_with_its_polres(polda, sumsel, use):
    url, report = polda
    use(url)
    status = build_status(get_settings())
    tps = status["tps"]
    assert tps["total"] == round(25_985 * SCALE) == report["tps"]
    assert sum(tps["by_kabupaten"].values()) == tps["total"]
    assert set(tps["by_kabupaten"]) == {a.code for a in sumsel.of_level("kabupaten")}
    assert status["operation"]["area"] == {"code": "16", "level": "provinsi", "command": "Polda",
                                           "name": "Polda Sumatera Selatan"}
    assert status["operation"]["kabupaten"] is None
    # Kerawanan in the Ogan Ilir shares, per kabupaten rounded.
    share = tps["by_kerawanan"]["sangat_rawan"] / tps["total"], tps["by_kerawanan"]["rawan"] / tps["total"]
    assert 0.01 <= share[0] <= 0.06 and 0.08 <= share[1] <= 0.14
    with session_scope(get_engine(url)) as s:
        leaders = s.execute(select(m.Personnel.unit).where(m.Personnel.role == "Kapolres")).scalars().all()
        assert len(leaders) == 17 and "Polres Ogan Komering Ilir" in leaders and "Polres Palembang" in leaders
        polsek = s.execute(select(m.Polsek.code, m.Polsek.name)).all()
        assert {kabupaten_of(code.removeprefix("PS-")) for code, _ in polsek} == set(tps["by_kabupaten"])
        # Named after their main kecamatan ('Polsek Kayuagung' for 16.02.xx Kayuagung).
        assert all(name == f"Polsek {sumsel.areas[code.removeprefix('PS-')].name}" for code, name in polsek)
        # Every TPS has its Polsek, and the Polsek is of its own kabupaten.
        pairs = s.execute(select(m.Tps.code, m.Tps.polsek_code)).all()
        assert all(kabupaten_of(p.removeprefix("PS-")) == kabupaten_of(c) for c, p in pairs)
        # Guards by pola, filled with the Polda's BKO.
        assert status["personnel"]["pam_tps_assigned"] == status["personnel"]["pam_tps_required"] > 0
        assert status["personnel"]["bko"] > 0
        # The fixes went in by COPY; every tracker still has its latest row and on-site facts, as the ingest keeps
        # them, so the pages read one row per tracker and judge the guards as the history says.
        from ops.personnel import judge_on_site, recent_fixes
        from ops.positions import device_posts, history
        from ops.presence import Presence, history_span

        trackers = s.scalar(select(func.count(func.distinct(m.PositionEvent.device_id))))
        assert s.scalar(select(func.count()).select_from(m.PositionLatest)) == trackers == report["trackers"] > 0
        now = s.scalar(select(func.max(m.PositionEvent.fix_time)))
        inputs = recent_fixes(s, get_settings(), now)
        assert all(isinstance(v, Presence) for v in inputs.values())
        posts = {d: p[0].places for d, p in device_posts(s, get_settings()).items() if p[0].places}
        some = sorted(posts)[:200]
        past = history(s, some, now - history_span(get_settings()), now)
        for dev in some:
            assert judge_on_site(inputs.get(dev, []), list(posts[dev]), now, get_settings()) == \
                judge_on_site(past.get(dev, []), list(posts[dev]), now, get_settings()), dev


def test_every_polda_tps_is_in_a_real_desa_of_its_kabupaten(polda, sumsel):
    url, _ = polda
    with session_scope(get_engine(url)) as s:
        rows = s.execute(select(m.Tps.code, m.Tps.desa_code, m.Tps.kecamatan_code, m.Tps.number, m.Tps.lat,
                                m.Tps.lon)).all()
    for code, desa, kec, number, lat, lon in rows:
        assert code == f"{desa}.{number:03d}"
        assert sumsel.areas[desa].level in ("desa", "kelurahan") and sumsel.areas[desa].parent_code == kec
        assert kabupaten_of(code) == kabupaten_of(desa)
        if desa in sumsel.geometries:
            assert sumsel.contains(desa, lat, lon), code


def test_polda_voting_day_has_reports_fixes_handovers_and_incidents(polda, use):
    url, report = polda
    with session_scope(get_engine(url)) as s:
        n_tps = s.scalar(select(func.count()).select_from(m.Tps))
        reported = dict(s.execute(select(m.TpsStatusEvent.status, func.count(func.distinct(m.TpsStatusEvent.tps_code)))
                                  .group_by(m.TpsStatusEvent.status)).all())
        assert reported["siap"] == n_tps  # every TPS reported ready
        assert reported["dibuka"] >= 0.95 * n_tps  # and nearly all opened by 10:00
        assert "penghitungan" not in reported  # nothing after the demo moment
        fixes = s.scalar(select(func.count()).select_from(m.PositionEvent))
        guards = s.scalar(select(func.count(func.distinct(m.PositionEvent.device_id))))
        posted = s.scalar(select(func.count(func.distinct(m.Personnel.device_id))).join(
            m.Assignment, m.Assignment.nrp == m.Personnel.nrp).where(m.Assignment.task == "pam_tps"))
        assert fixes == report["positions"] and guards > 0.9 * posted > 0  # the guards' trackers, and the patrols'
        assert s.scalar(select(func.max(m.PositionEvent.fix_time))) is not None
        stages = Counter(s.scalars(select(m.LogisticsLeg.stage).join(
            m.LogisticsEvent, m.LogisticsEvent.leg_id == m.LogisticsLeg.id).where(m.LogisticsEvent.state == "diserahkan")))
        assert stages["pps-tps"] >= 0.9 * n_tps and "tps-pps" not in stages
        incidents = Counter(kabupaten_of(k) for k in s.scalars(select(m.Incident.kecamatan_code)))
        assert len(incidents) == 17  # a few in every kabupaten
        meta = dict(s.execute(select(m.OperationMeta.key, m.OperationMeta.value)).all())
        assert meta["kind"] == "demo" and meta["simulator_until"].startswith("2024-11-27T03:00")


def test_every_later_process_follows_the_area_the_database_recorded(polda, use):
    url, _ = polda
    use(url)  # only the database: no area, region or kabupaten setting
    with session_scope(get_engine(url)) as s:
        area = operation_area(s, get_settings())
        names = load_names(s)
        kab = children(s, "16")
        assert [c for c, _, _ in children(s, "")] == ["16"]
        assert [c for c, _, _ in children(s, "16.10")][:2] == ["16.10.01", "16.10.02"]
    assert (area.code, area.level, area.command, area.kabupaten_code) == ("16", "provinsi", "Polda", None)
    assert len(kab) == 17 and kab[0] == ("16.01", "Kabupaten Ogan Komering Ulu", "kabupaten")
    assert names.area("16") == "Provinsi Sumatera Selatan" and names.area("16.71") == "Kota Palembang"
    assert names.polres("16.71") == "Polres Palembang" and names.polda("16") == "Polda Sumatera Selatan"
    assert names.area("") == "Indonesia"


def test_a_plain_init_keeps_the_recorded_area(polda_sqlite, tmp_path):
    copy = _copy_of(polda_sqlite[0], tmp_path)
    report = _init(copy, {})  # an upgrade: kabupaten_code in the settings is still 16.10
    assert report["region"] == 3516
    with session_scope(get_engine(copy)) as s:
        assert operation_area(s, get_settings()).code == "16"
        assert s.scalar(select(func.count()).select_from(m.Tps)) == round(25_985 * SCALE)


def test_polda_tps_import_accepts_any_kabupaten_of_the_province(polda_sqlite, tmp_path):
    from ops.importers import ImportRejected
    from ops.importers.tps import import_tps

    engine = get_engine(_copy_of(polda_sqlite[0], tmp_path))
    with session_scope(engine) as s:
        t = s.scalar(select(m.Tps).where(m.Tps.code.like("16.71.%")).order_by(m.Tps.code).limit(1))
        row = [t.code, t.desa_code, t.number, "Halaman Masjid", t.lat, t.lon, 250, "rawan", "darat", 2.5]
    head = "kode_tps,kode_desa,nomor,alamat,lat,lon,dpt,kerawanan,akses,jarak_km\n"
    with session_scope(engine) as s:
        report = import_tps(s, get_settings(), (head + ",".join(map(str, row)) + "\n").encode(), "tps.csv", "uji")
    assert report.rows == 1
    outside = "16.10.04.2001.901,36.01.01.2001,901,Balai,-6.5,105.9,200,rawan,darat,1\n"  # Banten: not this Polda
    with session_scope(engine) as s, pytest.raises(ImportRejected) as e:
        import_tps(s, get_settings(), (head + outside).encode(), "tps.csv", "uji")
    assert "bukan desa/kelurahan di wilayah operasi (16)" in str(e.value)


# ---------------------------------------------------------------- a national sample

@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """The national folder cut to a few provinces (as `indonesia`, so that its demo figures apply), built at a tiny
    scale: the national code paths (no desa centroids, no desa or kecamatan boundaries) end to end."""
    folder = tmp_path_factory.mktemp("wilayah") / "indonesia"
    folder.mkdir()
    src = REGIONS / "indonesia"
    with (src / "wilayah.csv").open(encoding="utf-8") as f, (folder / "wilayah.csv").open("w", encoding="utf-8") as out:
        reader = csv.DictReader(f)
        writer = csv.DictWriter(out, reader.fieldnames)
        writer.writeheader()
        writer.writerows(r for r in reader if r["kode"].split(".")[0] in SAMPLE_PROVINCES)
    geo = json.loads((src / "batas_wilayah.geojson").read_text(encoding="utf-8"))
    geo["features"] = [f for f in geo["features"] if f["properties"]["kode"].split(".")[0] in SAMPLE_PROVINCES]
    (folder / "batas_wilayah.geojson").write_text(json.dumps(geo), encoding="utf-8")
    url = f"sqlite:///{tmp_path_factory.mktemp('nasional') / 'ops.db'}"
    report = _init(url, {"OPS_REGION_DIR": str(folder), "OPS_AREA_CODE": "", "OPS_DEMO_SCALE": "0.0005"}, demo=True)
    return url, report, read_region(folder, "")


def test_national_sample_spans_every_kabupaten_of_its_provinces(national, use):
    url, report, region = national
    use(url)
    status = build_status(get_settings())
    tps = status["tps"]
    assert status["operation"]["area"] == {"code": "", "level": "nasional", "command": "Mabes", "name": "Mabes Polri"}
    assert tps["total"] == round(823_220 * 0.0005) == report["tps"]
    assert sum(tps["by_kabupaten"].values()) == tps["total"]
    assert set(tps["by_kabupaten"]) == {a.code for a in region.of_level("kabupaten")}
    with session_scope(get_engine(url)) as s:
        rows = s.execute(select(m.Tps.code, m.Tps.desa_code, m.Tps.lat, m.Tps.lon)).all()
        for code, desa, lat, lon in rows:
            d = region.areas[desa]
            assert kabupaten_of(code) == kabupaten_of(desa) and d.level in ("desa", "kelurahan")
            assert abs(lat - d.lat) < 0.01 and abs(lon - d.lon) < 0.01  # near its desa's (estimated) place
        assert s.scalar(select(func.count()).select_from(m.TpsStatusEvent)) >= tps["total"]
        assert s.scalar(select(func.count()).select_from(m.PositionEvent)) > 0
        kapolres = s.scalar(select(func.count()).select_from(m.Personnel).where(m.Personnel.role == "Kapolres"))
        assert kapolres == len(tps["by_kabupaten"])
        units = set(s.scalars(select(m.Personnel.unit).where(m.Personnel.bko)))
        assert units == {"BKO Sat Brimob Polda Kepulauan Bangka Belitung", "BKO Sat Brimob Polda Kalimantan Utara",
                         "BKO Sat Brimob Polda Papua Tengah"}


def test_national_import_checks_a_point_against_the_kabupaten_where_the_desa_has_no_boundary(national, use):
    from ops.importers import ImportRejected
    from ops.importers.tps import import_tps

    url, _, region = national
    use(url)
    engine = get_engine(url)
    with session_scope(engine) as s:
        rows = s.execute(select(m.Tps.code, m.Tps.desa_code, m.Tps.number, m.Tps.lat, m.Tps.lon).order_by(m.Tps.code))
        # a TPS inside its kabupaten's (simplified) polygon: a kecamatan centre by the coast may stand just outside
        code, desa, number, lat, lon = next(r for r in rows if region.contains(kabupaten_of(r[1]), r[3], r[4]))
    head = "kode_tps,kode_desa,nomor,alamat,lat,lon,dpt,kerawanan,akses,jarak_km\n"
    far = f"{code},{desa},{number},Balai,{lat + 2},{lon},200,rawan,darat,1\n"  # two degrees away: another kabupaten
    with session_scope(engine) as s, pytest.raises(ImportRejected) as e:
        import_tps(s, get_settings(), (head + far).encode(), "tps.csv", "uji")
    assert f"di luar {region.areas[kabupaten_of(desa)].name}" in str(e.value)
    with session_scope(engine) as s:
        ok = import_tps(s, get_settings(), (head + f"{code},{desa},{number},Balai,{lat},{lon},200,rawan,darat,1\n")
                        .encode(), "tps.csv", "uji")
    assert ok.rows == 1


# ---------------------------------------------------------------- the Ogan Ilir Polres stays as it was

def test_ogan_ilir_demo_is_one_kabupaten(demo_db, use):
    use(demo_db)
    status = build_status(get_settings())
    assert status["tps"]["by_kabupaten"] == {"16.10": 667}
    assert status["operation"]["area"] == {"code": "16.10", "level": "kabupaten", "command": "Polres",
                                           "name": "Polres Ogan Ilir"}
    assert status["operation"]["kabupaten"] == "16.10"


def test_gangguan_reports_whose_short_references_collide_both_open_incidents(demo_copy):
    """Six hex digits a day: among the thousands of KPPS gangguan reports of a province or the nation two share one.
    Both must open their incident (the second with the long reference), not end the run with a duplicate key."""
    import datetime as dt

    from ops.clock import from_wib
    from ops.incidents import open_from_reports, report_ref

    with session_scope(get_engine(demo_copy)) as s:
        busy = set(s.scalars(select(m.Incident.tps_code)))
        a, b = [c for c in s.scalars(select(m.Tps.code).order_by(m.Tps.code)) if c not in busy][:2]
    start = from_wib(dt.datetime(2024, 11, 27, 8, 0))
    seen: dict[str, dt.datetime] = {}
    for k in range(200_000):  # about 4 s of hashing finds a pair (birthday bound of 2^24)
        at = start + dt.timedelta(seconds=k)
        seen[report_ref(a, at)] = at
        hit = seen.get(report_ref(b, at + dt.timedelta(minutes=1)))
        if hit is not None:
            at_a, at_b = hit, at + dt.timedelta(minutes=1)
            break
    assert report_ref(a, at_a) == report_ref(b, at_b)
    reports = [{"tps_code": a, "status": "gangguan", "occurred_at": at_a, "reporter": "KPPS", "note": None},
               {"tps_code": b, "status": "gangguan", "occurred_at": at_b, "reporter": "KPPS", "note": None}]
    with session_scope(get_engine(demo_copy)) as s:
        assert open_from_reports(s, reports, "laporan-tps") == 2
    with session_scope(get_engine(demo_copy)) as s:
        refs = dict(s.execute(select(m.Incident.tps_code, m.Incident.ref).where(m.Incident.tps_code.in_((a, b)))).all())
    assert len(set(refs.values())) == 2
    assert sorted(len(r) for r in refs.values()) == [len("KJD-20241127-7F3A2C"), len("KJD-20241127-7F3A2C") + 4]


def test_status_reads_a_nation_of_ballot_box_legs_on_postgresql(monkeypatch):
    """The nation plans 1.6 million TPS legs: readiness must not send their ids as parameters (PostgreSQL takes at
    most 65,535 in one statement)."""
    if PG_SKIP:
        pytest.skip(PG_SKIP)
    import datetime as dt

    from ops.demo.bulk import BulkWriter

    url, drop = _new_pg_database()
    try:
        _init(url, {})  # the Ogan Ilir region, no operation
        at = dt.datetime(2024, 11, 26, 7, 0, tzinfo=dt.timezone.utc)
        with session_scope(get_engine(url)) as s:
            BulkWriter(s).write(m.LogisticsLeg, ("direction", "stage", "from_name", "to_name", "from_lat", "from_lon",
                                                 "to_lat", "to_lon", "kecamatan_code", "mode", "distance_km",
                                                 "planned_depart", "planned_arrive", "boxes"),
                                (("berangkat", "pps-tps", "PPS", "TPS", -3.2, 104.6, -3.2, 104.6, "16.10.01", "darat",
                                  1.0, at, at, 2) for _ in range(70_000)))
        monkeypatch.setenv("OPS_DATABASE_URL", url)
        reset_settings()
        assert build_status(get_settings())["tps"]["total"] == 0
    finally:
        get_engine(url).dispose()
        drop()


@pytest.mark.parametrize("page", ["ringkasan", "logistik", "cuaca", "perhatian", "dinding"])
def test_pages_open_on_the_polda_before_its_first_forecast(polda_sqlite, page, use):
    """The Polda demo opens with no forecast yet (the first run of its forecast feeds brings it), as a new operation does:
    the pages that judge river legs by the forecast must show the operation, not an error."""
    from streamlit.testing.v1 import AppTest

    use(polda_sqlite[0])
    at = AppTest.from_file(str(ROOT / "views" / f"{page}.py"), default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
