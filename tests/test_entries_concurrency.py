"""No operator report is lost or doubled: entries saved at the same moment by several operators, the same report saved
twice (double click, retry), and accounts disabled since they logged in — on SQLite and PostgreSQL."""
import datetime as dt
import re
import threading

import pytest
from sqlalchemy import func, select

from ops import auth, entries
from ops import models as m
from ops.bootstrap import init_database
from ops.clock import from_wib
from ops.config import get_settings
from ops.db import get_engine, session_scope

TEN = from_wib(dt.datetime(2024, 11, 27, 10, 0))
AT = from_wib(dt.datetime(2024, 11, 27, 9, 55))
KEC, DESA = "16.10.05", "16.10.05.2031"
TPS = f"{DESA}.001"
REF = re.compile(r"^KJD-20241127-[0-9A-F]{6}$")


@pytest.fixture
def entry_db(db_url):
    """The region, one operator, one TPS and one logistics leg on an empty database of each kind."""
    init_database(get_settings())
    engine = get_engine(db_url)
    with session_scope(engine) as s:
        auth.create_user(s, "test", "operator", "Operator", "operator", "operator-sandi-1")
        desa = s.get(m.Region, DESA)
        s.add(m.Tps(code=TPS, desa_code=DESA, kecamatan_code=KEC, number=1, lat=desa.lat, lon=desa.lon, dpt=250,
                    kerawanan="rawan"))
        s.flush()  # the leg points at the TPS
        s.add(m.LogisticsLeg(id=1, direction="berangkat", stage="pps-tps", from_name="PPS", to_name="TPS 001",
                             from_lat=desa.lat, from_lon=desa.lon, to_lat=desa.lat, to_lon=desa.lon,
                             kecamatan_code=KEC, desa_code=DESA, tps_code=TPS, mode="darat", distance_km=1.0,
                             planned_depart=AT, planned_arrive=AT, boxes=1))
    return engine


def at_once(n: int, work):
    """Run work(i) in n threads released together by a barrier; the results, or the first error raised."""
    barrier, results, errors = threading.Barrier(n), [None] * n, []

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as e:  # reported to the test below
            errors.append(e)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return results


def save(engine, fn, *args, **kwargs) -> entries.Recorded:
    with session_scope(engine) as s:
        return fn(s, "operator", *args, **kwargs)


def incident(engine, title: str, key: str | None = None) -> entries.Recorded:
    return save(engine, entries.incident, TEN, "keributan", "sedang", KEC, title, AT, tps_code=TPS, entry_key=key)


def count(engine, model) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_operators_entering_different_incidents_at_once_all_succeed(entry_db):
    for round_ in range(3):
        saved = at_once(4, lambda i: incident(entry_db, f"Keributan {round_}-{i}"))
        assert all(r.new and REF.match(r.ref) for r in saved), [r.ref for r in saved]
        assert len({r.ref for r in saved}) == 4
    assert count(entry_db, m.Incident) == 12 and count(entry_db, m.IncidentUpdate) == 12


def test_the_same_incident_saved_at_once_by_two_threads_is_saved_once(entry_db):
    saved = at_once(2, lambda i: incident(entry_db, "Massa berkumpul", key="kunci-kejadian-1"))
    assert sorted(r.new for r in saved) == [False, True]
    assert saved[0].ref == saved[1].ref
    assert count(entry_db, m.Incident) == 1 and count(entry_db, m.IncidentUpdate) == 1


def test_the_same_form_key_twice_answers_with_the_record(entry_db):
    first = incident(entry_db, "Massa berkumpul di depan TPS", key="kunci-1")
    again = incident(entry_db, "Massa berkumpul (diketik ulang)", key="kunci-1")
    assert first.new and not again.new
    assert again.ref == first.ref and again.by == "operator" and again.at == first.at
    assert again.values["judul"] == "Massa berkumpul di depan TPS" and again.values["waktu"] == AT
    assert count(entry_db, m.Incident) == 1
    with session_scope(entry_db) as s:
        assert s.scalar(select(func.count()).select_from(m.AuditLog).where(m.AuditLog.action == "catat_kejadian")) == 1
    other = incident(entry_db, "Kejadian lain", key="kunci-2")
    assert other.new and other.ref != first.ref


def test_a_follow_up_and_a_meeting_with_the_same_form_key_are_saved_once(entry_db):
    inc = incident(entry_db, "Adu mulut")
    ups = [save(entry_db, entries.incident_update, TEN, inc.row.id, "ditangani", "personel tiba", AT,
                entry_key="kunci-tl") for _ in range(2)]
    assert [u.new for u in ups] == [True, False] and ups[1].ref == inc.ref and ups[1].by == "operator"
    meetings = [save(entry_db, entries.coordination, TEN, KEC, DESA, ["kepala_desa"], "Sambang desa", "Bhabinkamtibmas",
                     None, AT, entry_key="kunci-rapat") for _ in range(2)]
    assert [r.new for r in meetings] == [True, False] and meetings[1].by == "operator"
    assert meetings[1].values["kegiatan"] == "Sambang desa"
    assert count(entry_db, m.IncidentUpdate) == 2 and count(entry_db, m.CoordinationActivity) == 1


def test_the_same_tps_status_twice_is_already_recorded(entry_db):
    saved = at_once(2, lambda i: save(entry_db, entries.tps_status, TEN, TPS, "dibuka", AT, "Ketua KPPS", None))
    assert sorted(r.new for r in saved) == [False, True]
    again = save(entry_db, entries.tps_status, TEN, TPS, "dibuka", AT, "Ketua KPPS lain", "dikirim ulang")
    assert not again.new and again.by == "operator" and again.values["pelapor"] == "Ketua KPPS"
    assert count(entry_db, m.TpsStatusEvent) == 1
    assert save(entry_db, entries.tps_status, TEN, TPS, "dibuka", AT + dt.timedelta(minutes=1), None, None).new


def test_a_handover_twice_is_one_event(entry_db):
    saved = at_once(2, lambda i: save(entry_db, entries.handover, TEN, 1, "diserahkan", AT, "Ketua KPPS", None))
    assert sorted(r.new for r in saved) == [False, True]
    assert count(entry_db, m.LogisticsEvent) == 1
    with session_scope(entry_db) as s:
        assert s.scalar(select(func.count()).select_from(m.AuditLog).where(m.AuditLog.action == "serah_terima")) == 1


def test_saving_the_same_verification_again_is_not_a_new_change(entry_db):
    saved = at_once(2, lambda i: save(entry_db, entries.verify, TPS, "perlu_cek", "alamat berubah"))
    assert sorted(r.new for r in saved) == [False, True]
    again = save(entry_db, entries.verify, TPS, "perlu_cek", None)
    assert not again.new and again.by == "operator" and again.values["catatan"] == "alamat berubah"
    assert save(entry_db, entries.verify, TPS, "perlu_cek", "lokasi pindah ke balai desa").new
    assert save(entry_db, entries.verify, TPS, "terverifikasi", None).new
    with session_scope(entry_db) as s:
        assert s.scalar(select(func.count()).select_from(m.AuditLog).where(m.AuditLog.action == "verifikasi")) == 3


def test_the_same_kerawanan_change_twice_is_one_change(entry_db):
    saved = at_once(2, lambda i: save(entry_db, entries.kerawanan_change, TPS, "sangat_rawan", "dua keributan"))
    assert sorted(r.new for r in saved) == [False, True]
    with session_scope(entry_db) as s:
        assert s.scalar(select(func.count()).select_from(m.AuditLog).where(m.AuditLog.action == "ubah_kerawanan")) == 1


@pytest.mark.parametrize("change", [{"active": False}, {"role": "viewer"}])
def test_a_disabled_or_demoted_operator_records_nothing(entry_db, change):
    with session_scope(entry_db) as s:
        auth.update_user(s, "admin", "operator", **change)
    writes = [(entries.tps_status, TEN, TPS, "dibuka", AT, None, None),
              (entries.incident, TEN, "keributan", "sedang", KEC, "Adu mulut", AT),
              (entries.handover, TEN, 1, "berangkat", AT, None, None),
              (entries.coordination, TEN, KEC, None, ["camat"], "Rapat", "Kapolsek", None, AT),
              (entries.kerawanan_change, TPS, "sangat_rawan", "alasan"),
              (entries.verify, TPS, "terverifikasi", None)]
    for fn, *args in writes:
        with pytest.raises(auth.AuthError), session_scope(entry_db) as s:
            fn(s, "operator", *args)
    for model in (m.TpsStatusEvent, m.Incident, m.LogisticsEvent, m.CoordinationActivity):
        assert count(entry_db, model) == 0
    with session_scope(entry_db) as s:
        assert s.get(m.Tps, TPS).kerawanan == "rawan" and s.get(m.Tps, TPS).verification == "belum"
