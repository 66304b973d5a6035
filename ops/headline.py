"""The headline figures of the operation at a moment, the same for Ringkasan, the wall and the briefing."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.orm import Session

from ops.clock import as_utc
from ops.config import Settings
from ops.incidents import incident_table
from ops.logistics import leg_board
from ops.readiness import per_tps
from ops.readiness.model import STATUS_RANK
from ops.weather import active_warnings


def _reached(status: pd.Series, state: str) -> int:
    return int(status.map(lambda s: STATUS_RANK.get(s, -1) if isinstance(s, str) else -1).ge(STATUS_RANK[state]).sum())


def headline(session: Session, settings: Settings, now: dt.datetime, tps: pd.DataFrame | None = None,
             legs: pd.DataFrame | None = None) -> dict:
    """`tps` (readiness.per_tps) and `legs` (logistics.leg_board) at the same moment may be passed when already known."""
    now = as_utc(now)
    tps = per_tps(session, settings, now) if tps is None else tps
    legs = leg_board(session, now) if legs is None else legs
    inc = incident_table(session, now)
    delivered = legs[(legs["stage"] == "pps-tps")] if not legs.empty else legs
    returned = legs[(legs["stage"] == "pps-ppk")] if not legs.empty else legs
    return {
        "tps": len(tps),
        "tps_dijaga": int((tps["personel_ditugaskan"] >= tps["personel_wajib"]).sum()),
        "tps_dibuka": _reached(tps["status"], "dibuka"),
        "tps_penghitungan": _reached(tps["status"], "penghitungan"),
        "tps_selesai": _reached(tps["status"], "selesai"),
        "tps_gangguan": int((tps["status"] == "gangguan").sum()),
        # Guards are counted per cluster: the TPS of one cluster share them.
        "personel_wajib": int(tps.drop_duplicates("cluster")["personel_wajib"].sum()),
        "personel_di_lokasi": int(tps.drop_duplicates("cluster")["personel_di_lokasi"].sum()),
        "kotak_tiba_tps": int(delivered["state"].eq("diserahkan").sum()) if len(delivered) else 0,
        "kotak_tps_total": len(delivered),
        "kotak_kembali_ppk": int(returned["state"].eq("diserahkan").sum()) if len(returned) else 0,
        "kotak_kembali_total": len(returned),
        "logistik_terlambat": int(legs["late"].sum()) if len(legs) else 0,
        "kejadian_terbuka": int((inc["state"] != "selesai").sum()) if len(inc) else 0,
        "kejadian_tinggi": int(((inc["state"] != "selesai") & (inc["severity"] == "tinggi")).sum()) if len(inc) else 0,
        "peringatan_aktif": len(active_warnings(session, now, ahead_hours=0)),
    }
