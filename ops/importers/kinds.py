"""The lists an operation is set up from: one registry for the CLI (`import`, `export`, `template`), the Data page,
the templates and the setup checklist. Each list has its columns, its import, its export and an example row."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd
from sqlalchemy.orm import Session

from ops.config import Settings
from ops.importers import Column, ImportReport, calendar, legs, personnel, polsek, stakeholders, tps

Importer = Callable[..., ImportReport]  # (session, settings, data, filename, actor, progress) -> report


@dataclass(frozen=True)
class ListKind:
    label: str  # as the Data page names it
    sheet: str  # the sheet of an XLSX export or template, and the stem of its file name
    columns: list[Column]
    run: Importer
    frame: Callable[[Session, Settings], pd.DataFrame]  # the list in the database, in the import format
    example: dict[str, object]  # one row of a template (Ogan Ilir codes: replace it with the operation's own)


# In the order an operation is set up: who covers where, the TPS, the people, then the plans.
KINDS: dict[str, ListKind] = {
    "polsek": ListKind("Daftar Polsek", "daftar_polsek", polsek.COLUMNS, polsek.import_polsek, polsek.frame, {
        "kode_polsek": "PS-INDRALAYA", "nama": "Polsek Indralaya", "lat": -3.2400, "lon": 104.6614,
        "kecamatan": "16.10.04; 16.10.08"}),
    "tps": ListKind("Daftar TPS", "daftar_tps", tps.COLUMNS, tps.import_tps, tps.frame, {
        "kode_tps": "16.10.04.2006.001", "kode_desa": "16.10.04.2006", "nomor": 1,
        "alamat": "Halaman Balai Desa Tanjung Gelam", "lat": -3.2739, "lon": 104.6782, "dpt": 512,
        "kerawanan": "rawan", "akses": "darat", "jarak_km": "", "waktu_tempuh_menit": "", "kode_polsek": "",
        "indikator": "rawan banjir; sinyal seluler lemah", "verifikasi": "terverifikasi"}),
    "personnel": ListKind("Daftar personel", "daftar_personel", personnel.COLUMNS, personnel.import_personnel,
                          personnel.frame, {
        "nrp": "88120001", "nama": "Budi Santoso", "pangkat": "BRIPKA", "satuan": "Polsek Indralaya",
        "peran": "PAM TPS", "kode_polsek": "PS-INDRALAYA", "bko": "tidak", "id_perangkat": "PAM-CONTOH-01"}),
    "stakeholders": ListKind("Pemangku kepentingan", "pemangku_kepentingan", stakeholders.COLUMNS,
                             stakeholders.import_stakeholders, stakeholders.frame, {
        "peran": "kepala_desa", "nama": "Ahmad Yani", "kode_wilayah": "16.10.04.2006", "telepon": "0812-7345-1122"}),
    "legs": ListKind("Rencana logistik", "rencana_logistik", legs.COLUMNS, legs.import_legs, legs.frame, {
        "tahap": "pps-tps", "dari": "16.10.04.2006", "ke": "16.10.04.2006.001", "berangkat": "2024-11-26 14:00",
        "tiba": "2024-11-26 14:30", "akses": "darat", "kotak": 2, "pengawal": "88120001", "nama_dari": "",
        "nama_ke": ""}),
    "calendar": ListKind("Kalender operasi", "kalender_operasi", calendar.COLUMNS, calendar.import_calendar,
                         calendar.frame, {"tonggak": "pemungutan", "mulai": "2024-11-27 07:00",
                                          "selesai": "2024-11-27 13:00"}),
}
