"""The TPS list and the roster in the import format: download, correct, import again.

The files open safely in a spreadsheet (formula text neutralised, see `spreadsheet`) and import back unchanged.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.importers.spreadsheet import XLSX_TYPE, csv_bytes, xlsx_bytes

FORMATS = {".csv": "text/csv", ".xlsx": XLSX_TYPE}  # file suffix -> media type


def tps_frame(session: Session) -> pd.DataFrame:
    rows = [{"kode_tps": t.code, "kode_desa": t.desa_code, "nomor": t.number, "alamat": t.address, "lat": t.lat,
             "lon": t.lon, "dpt": t.dpt, "kerawanan": t.kerawanan, "akses": t.akses, "jarak_km": t.distance_km,
             "waktu_tempuh_menit": t.travel_min, "kode_polsek": t.polsek_code or "",
             "indikator": "; ".join(t.indikator or []), "verifikasi": t.verification}
            for t in session.scalars(select(m.Tps).order_by(m.Tps.code))]
    return pd.DataFrame(rows, columns=["kode_tps", "kode_desa", "nomor", "alamat", "lat", "lon", "dpt", "kerawanan",
                                       "akses", "jarak_km", "waktu_tempuh_menit", "kode_polsek", "indikator",
                                       "verifikasi"])


def personnel_frame(session: Session) -> pd.DataFrame:
    rows = [{"nrp": p.nrp, "nama": p.name, "pangkat": p.rank, "satuan": p.unit, "peran": p.role,
             "kode_polsek": p.polsek_code or "", "bko": "ya" if p.bko else "tidak", "id_perangkat": p.device_id or ""}
            for p in session.scalars(select(m.Personnel).order_by(m.Personnel.nrp))]
    return pd.DataFrame(rows, columns=["nrp", "nama", "pangkat", "satuan", "peran", "kode_polsek", "bko",
                                       "id_perangkat"])


# kind -> (the list as a table, its sheet name in an XLSX)
LISTS: dict[str, tuple[Callable[[Session], pd.DataFrame], str]] = {
    "tps": (tps_frame, "daftar_tps"),
    "personnel": (personnel_frame, "daftar_personel"),
}


def file_bytes(frame: pd.DataFrame, kind: str, suffix: str) -> bytes:
    """The list as a file of the given kind (.csv or .xlsx)."""
    if suffix == ".xlsx":
        return xlsx_bytes({LISTS[kind][1]: frame})
    if suffix == ".csv":
        return csv_bytes(frame)
    raise ValueError(f"no export format for {suffix!r}: name the file {' or '.join(FORMATS)}")


def export_list(session: Session, kind: str, suffix: str) -> tuple[int, bytes]:
    """How many rows the list has and the file that holds them."""
    frame = LISTS[kind][0](session)
    return len(frame), file_bytes(frame, kind, suffix)
