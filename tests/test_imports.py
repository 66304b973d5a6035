"""Imports: bad files of many kinds each give a clear error and change nothing; a good file upserts in one
transaction with an audit entry per change; the verification story from a named bad row to progress moving."""
import csv
import hashlib
import io
import subprocess
import sys

import openpyxl
import pytest
from sqlalchemy import func, select, text

from ops import models as m
from ops.config import get_settings, reset_settings
from ops.db import get_engine, session_scope
from ops.importers import FileProblem, ImportRejected
from ops.importers.export import personnel_frame, tps_frame
from ops.importers.personnel import import_personnel
from ops.importers.tps import import_tps

from conftest import ROOT


def fingerprint(url: str) -> str:
    """A digest of everything an import may touch: equal before and after means nothing changed."""
    h = hashlib.sha256()
    with get_engine(url).connect() as c:
        for table in ("tps", "personnel", "audit_log"):
            for row in c.execute(text(f"SELECT * FROM {table} ORDER BY 1")):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


@pytest.fixture
def tps_csv(demo_copy) -> list[list[str]]:
    with session_scope(get_engine(demo_copy)) as s:
        frame = tps_frame(s)
    return [list(frame.columns)] + [[str(v) for v in row] for row in frame.itertuples(index=False)]


def to_csv(rows, encoding="utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def run_import(kind, data: bytes, name="daftar.csv", actor="tester"):
    s = get_settings()
    with session_scope(get_engine(s.database_url)) as session:
        fn = import_tps if kind == "tps" else import_personnel
        return fn(session, s, data, name, actor)


def rejected(kind, data, name="daftar.csv") -> list[str]:
    with pytest.raises((ImportRejected, FileProblem)) as e:
        run_import(kind, data, name)
    return [str(p) for p in e.value.problems] if isinstance(e.value, ImportRejected) else [str(e.value)]


def test_bad_tps_files_name_every_bad_row_and_change_nothing(demo_copy, tps_csv):
    before = fingerprint(demo_copy)
    rows = [r[:] for r in tps_csv[:8]]
    rows[1][4], rows[1][5] = rows[1][5], rows[1][4]                   # swapped lat/lon
    rows[2][1], rows[2][0] = "16.10.99.2001", "16.10.99.2001." + rows[2][0][-3:]  # outside the region
    rows[3][6] = "banyak"                                             # dpt not a number
    rows[4][7] = "super rawan"                                        # unknown class
    rows[5][4] = str(float(rows[5][4]) + 0.5)                          # 55 km away from its desa
    rows.append(tps_csv[7])                                           # duplicate of row 8
    problems = rejected("tps", to_csv(rows))
    assert problems == [
        "baris 2, kolom lat/lon: lat dan lon tertukar",
        "baris 3, kolom kode_desa: 16.10.99.2001 bukan desa/kelurahan di wilayah operasi (16.10)",
        "baris 4, kolom dpt: 'banyak': bukan angka",
        "baris 5, kolom kerawanan: 'super rawan': pilih salah satu: kurang_rawan, rawan, sangat_rawan",
        problems[4],
        f"baris 9, kolom kode_tps: {tps_csv[7][0]} ganda (juga di baris 8)",
    ]
    assert problems[4].startswith("baris 6, kolom lat/lon:") and "di luar desa" in problems[4]
    assert fingerprint(demo_copy) == before


@pytest.mark.parametrize("case, expected", [
    ("missing column", "kolom wajib tidak ada: kerawanan"),
    ("renamed column", "kolom tidak dikenal: kelas"),
    ("other encoding", "bukan teks UTF-8"),
    ("empty", "berkas kosong"),
    ("header only", "tanpa data"),
    ("huge", "melebihi batas"),
    ("binary", "jenis berkas .pdf tidak didukung"),
    ("merged xlsx header", "sel gabungan di baris judul"),
    ("broken xlsx", "XLSX tidak dapat dibaca"),
])
def test_unreadable_files_say_why(demo_copy, tps_csv, monkeypatch, case, expected):
    before = fingerprint(demo_copy)
    name = "daftar.csv"
    if case == "missing column":
        data = to_csv([r[:7] + r[8:] for r in tps_csv])
    elif case == "renamed column":
        data = to_csv([["kelas" if c == "kerawanan" else c for c in tps_csv[0]]] + tps_csv[1:])
    elif case == "other encoding":
        rows = [r[:] for r in tps_csv]
        rows[3][3] = "Balai Désa Pulau Négara"
        data = to_csv(rows, "cp1252")
    elif case == "empty":
        data = b"\n\n"
    elif case == "header only":
        data = to_csv(tps_csv[:1])
    elif case == "huge":
        monkeypatch.setenv("OPS_IMPORT_MAX_BYTES", "100000")
        reset_settings()
        data = to_csv(tps_csv * 3)
    elif case == "binary":
        data, name = b"%PDF-1.7 not a table", "daftar.pdf"
    elif case == "merged xlsx header":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["DAFTAR TPS PILKADA 2024 KABUPATEN OGAN ILIR"])
        sheet.merge_cells("A1:N1")
        for r in tps_csv:
            sheet.append(r)
        out = io.BytesIO()
        book.save(out)
        data, name = out.getvalue(), "daftar.xlsx"
    else:
        data, name = b"PK\x03\x04 truncated", "daftar.xlsx"
    problems = rejected("tps", data, name)
    assert any(expected in p for p in problems), problems
    assert fingerprint(demo_copy) == before


def test_good_import_upserts_audits_and_moves_verification(demo_copy, tps_csv):
    rows = [r[:] for r in tps_csv]
    header = rows[0]
    col = {c: i for i, c in enumerate(header)}
    to_check = [r for r in rows[1:] if r[col["verifikasi"]] != "terverifikasi"]
    assert to_check
    # first attempt: the operator's sheet has one bad row among the verified ones
    for r in to_check:
        r[col["verifikasi"]] = "terverifikasi"
    to_check[0][col["dpt"]] = "-5"
    problems = rejected("tps", to_csv(rows))
    assert problems == [f"baris {rows.index(to_check[0]) + 1}, kolom dpt: '-5': di luar rentang 1–1000 pemilih"]
    # fixed and imported again: every TPS verified, each change audited with who did it
    to_check[0][col["dpt"]] = "250"
    rows[1][col["kerawanan"]] = "sangat_rawan" if rows[1][col["kerawanan"]] != "sangat_rawan" else "rawan"
    report = run_import("tps", to_csv(rows), actor="operator-a")
    assert report.created == 0 and report.updated == len(to_check) + (rows[1] not in to_check)
    assert report.verified == len(to_check)
    s = get_settings()
    with session_scope(get_engine(s.database_url)) as session:
        assert session.scalar(select(func.count()).select_from(m.Tps).where(m.Tps.verification != "terverifikasi")) == 0
        audits = session.scalars(select(m.AuditLog).where(m.AuditLog.actor == "operator-a")).all()
        assert len(audits) == report.updated + 1  # one per changed TPS and one for the file
        change = next(a for a in audits if a.entity_id == rows[1][0])
        assert change.before["kerawanan"] != change.after["kerawanan"] == rows[1][col["kerawanan"]]
    again = run_import("tps", to_csv(rows), actor="operator-a")
    assert again.updated == 0 and again.unchanged == 667


def test_new_tps_from_an_xlsx_sheet(demo_copy, tps_csv):
    header, first = tps_csv[0], tps_csv[1][:]
    col = {c: i for i, c in enumerate(header)}
    first[col["nomor"]] = "90"
    first[col["kode_tps"]] = f"{first[col['kode_desa']]}.090"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    sheet.append([float(v) if c in ("lat", "lon", "jarak_km", "waktu_tempuh_menit") else
                  int(v) if c in ("nomor", "dpt") else v for c, v in zip(header, first)])
    out = io.BytesIO()
    book.save(out)
    report = run_import("tps", out.getvalue(), "tps_baru.xlsx")
    assert report.created == 1
    with session_scope(get_engine(get_settings().database_url)) as session:
        t = session.get(m.Tps, first[col["kode_tps"]])
        assert t.lat == float(first[col["lat"]]) and t.dpt == int(first[col["dpt"]]) and t.number == 90


def test_personnel_roster_checks_nrp_devices_and_polsek(demo_copy):
    with session_scope(get_engine(demo_copy)) as s:
        frame = personnel_frame(s)
    rows = [list(frame.columns)] + [[str(v) for v in r] for r in frame.itertuples(index=False)]
    before = fingerprint(demo_copy)
    bad = [r[:] for r in rows]
    bad[1][0] = "1234"                      # short NRP
    bad[2][7] = bad[3][7] or "DEV-X"        # a device twice
    bad[3][7] = bad[2][7]
    bad[4][5] = "PS-TIDAK-ADA"
    problems = rejected("personnel", to_csv(bad))
    assert problems[0].startswith("baris 2, kolom nrp: '1234': NRP harus 8 angka")
    assert any("baris 4, kolom id_perangkat" in p for p in problems)
    assert any("baris 5, kolom kode_polsek: Polsek PS-TIDAK-ADA tidak dikenal" in p for p in problems)
    assert fingerprint(demo_copy) == before
    # two officers swap trackers: allowed in one import, audited for both
    good = [r[:] for r in rows]
    i, j = next(k for k in range(1, len(good)) if good[k][7]), None
    j = next(k for k in range(i + 1, len(good)) if good[k][7])
    good[i][7], good[j][7] = good[j][7], good[i][7]
    report = run_import("personnel", to_csv(good), actor="admin-b")
    assert report.updated == 2


def test_cli_import_lists_every_bad_row_and_exits_1(demo_copy, tps_csv, tmp_path):
    rows = [r[:] for r in tps_csv[:4]]
    rows[1][8] = "udara"
    rows[3][6] = "0"
    path = tmp_path / "tps.csv"
    path.write_bytes(to_csv(rows))
    r = subprocess.run([sys.executable, "-m", "ops", "import", "tps", str(path)], cwd=ROOT, capture_output=True,
                       text=True)
    assert r.returncode == 1 and "nothing was changed" in r.stderr
    assert "baris 2, kolom akses: 'udara'" in r.stderr and "baris 4, kolom dpt: '0'" in r.stderr
    rows[1][8], rows[3][6] = "darat", "300"
    path.write_bytes(to_csv(rows))
    r = subprocess.run([sys.executable, "-m", "ops", "import", "tps", str(path), "--by", "bagops"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "TPS: 3 baris" in r.stdout


def test_import_on_postgresql_is_one_transaction(demo_postgres, monkeypatch):
    monkeypatch.setenv("OPS_DATABASE_URL", demo_postgres)
    reset_settings()
    with session_scope(get_engine(demo_postgres)) as s:
        frame = tps_frame(s)
    rows = [list(frame.columns)] + [[str(v) for v in r] for r in frame.itertuples(index=False)]
    before = fingerprint(demo_postgres)
    rows[-1][6] = "x"
    assert rejected("tps", to_csv(rows)) == [f"baris {len(rows)}, kolom dpt: 'x': bukan angka"]
    assert fingerprint(demo_postgres) == before
