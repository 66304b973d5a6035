"""Invariants of the demo operation, on SQLite and PostgreSQL: real counts, real codes, TPS inside their desa."""
import csv
import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from ops import models as m
from ops.config import get_settings
from ops.db import get_engine, session_scope
from ops.region import read_region
from ops.tasks import PAM_TPS

from conftest import ROOT

REGION = ROOT / "data" / "region" / "ogan_ilir"


@pytest.fixture(scope="module")
def region():
    return read_region(REGION, "16.10")


def real_tps_counts():
    with (REGION / "tps_pilkada2024_per_kecamatan.csv").open() as f:
        return {r["kode_kecamatan"]: int(r["jumlah_tps"]) for r in csv.DictReader(f)}


def test_region_file_has_16_kecamatan_and_241_desa(region):
    assert len(region.of_level("kecamatan")) == 16
    assert len(region.of_level("desa", "kelurahan")) == 241
    assert len(region.areas) == 258


def test_tps_counts_per_kecamatan_equal_the_real_file(demo_db):
    with session_scope(get_engine(demo_db)) as s:
        got = dict(s.execute(select(m.Tps.kecamatan_code, func.count()).group_by(m.Tps.kecamatan_code)).all())
    assert got == real_tps_counts()
    assert sum(got.values()) == 667


def test_every_tps_is_inside_its_desa_and_codes_are_real(demo_db, region):
    with session_scope(get_engine(demo_db)) as s:
        tps = s.scalars(select(m.Tps)).all()
        outside = [t.code for t in tps if not region.contains(t.desa_code, t.lat, t.lon)]
        assert outside == []
        for t in tps:
            assert re.fullmatch(r"16\.10\.\d{2}\.[12]\d{3}\.\d{3}", t.code)
            assert t.code == f"{t.desa_code}.{t.number:03d}"
            assert region.areas[t.desa_code].parent_code == t.kecamatan_code
        assert len({t.desa_code for t in tps}) == 241  # every desa/kelurahan has a TPS


def test_kerawanan_split_dpt_and_personnel_are_close_to_the_real_operation(demo_db):
    with session_scope(get_engine(demo_db)) as s:
        k = Counter(s.scalars(select(m.Tps.kerawanan)))
        assert 0.012 <= k["sangat_rawan"] / 667 <= 0.022
        assert 0.08 <= k["rawan"] / 667 <= 0.12
        assert s.scalar(select(func.sum(m.Tps.dpt))) == 314226
        assert s.scalar(select(func.max(m.Tps.dpt))) <= 600
        people = s.scalars(select(m.Personnel)).all()
        assert len(people) == 331 and sum(p.bko for p in people) == 20
        assert len({p.device_id for p in people if p.device_id}) == sum(1 for p in people if p.device_id)
        # Every rawan/sangat rawan TPS says why; every river TPS is in a lowland kecamatan.
        for t in s.scalars(select(m.Tps).where(m.Tps.kerawanan != "kurang_rawan")):
            assert t.indikator
        river_kec = {"16.10.03", "16.10.05", "16.10.06", "16.10.09", "16.10.10", "16.10.11", "16.10.12"}
        assert set(s.scalars(select(m.Tps.kecamatan_code).where(m.Tps.akses == "sungai"))) <= river_kec


def test_polsek_cover_every_kecamatan_and_plans_are_complete(demo_db):
    with session_scope(get_engine(demo_db)) as s:
        covered = set(s.scalars(select(m.PolsekKecamatan.kecamatan_code)))
        assert len(covered) == 16
        legs = Counter(s.scalars(select(m.LogisticsLeg.stage)))
        assert legs == {"gudang-ppk": 16, "ppk-pps": 241, "pps-tps": 667, "tps-pps": 667, "pps-ppk": 241}
        river_legs = s.scalar(select(func.count()).select_from(m.LogisticsLeg).where(m.LogisticsLeg.mode == "sungai"))
        assert river_legs > 0
        roles = Counter(s.scalars(select(m.Stakeholder.role)))
        assert roles["camat"] == 16 and roles["kpu_ppk"] == 16 and roles["bawaslu_panwascam"] == 16
        assert roles["tokoh_agama"] == 241 and roles["tokoh_masyarakat"] == 241
        # Every TPS sits in a guard cluster that has its Polri.
        assigned = s.scalar(select(func.count(func.distinct(m.Assignment.cluster_code)))
                            .where(m.Assignment.task == PAM_TPS))
        clusters = s.scalar(select(func.count(func.distinct(m.Tps.cluster_code))))
        assert assigned == clusters


def test_demo_is_deterministic(demo_sqlite, tmp_path, monkeypatch):
    from ops.bootstrap import init_database
    from ops.config import reset_settings

    url = f"sqlite:///{tmp_path / 'again.db'}"
    monkeypatch.setenv("OPS_DATABASE_URL", url)
    reset_settings()
    init_database(get_settings(), demo=True, briefings=False)

    def fingerprint(u):
        with session_scope(get_engine(u)) as s:
            return [(t.code, t.lat, t.lon, t.kerawanan, t.dpt, t.akses) for t in
                    s.scalars(select(m.Tps).order_by(m.Tps.code))]
    assert fingerprint(url) == fingerprint(demo_sqlite)
