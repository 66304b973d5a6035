"""Everything about one TPS up to a moment: its data, status history, guards, logistics, incidents and weather."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.clock import as_utc
from ops.config import Settings
from ops.freshness import feed_states
from ops.incidents import incident_table
from ops.logistics import leg_board
from ops.personnel import officer_board
from ops.weather import forecast_source, rain_slots


class UnknownTps(LookupError):
    pass


def tps_detail(session: Session, settings: Settings, code: str, now: dt.datetime) -> dict:
    now = as_utc(now)
    t = session.get(m.Tps, code)
    if t is None:
        raise UnknownTps(f"TPS {code} tidak ada dalam daftar")
    names = dict(session.execute(select(m.Region.code, m.Region.name).where(
        m.Region.code.in_((t.desa_code, t.kecamatan_code)))).all())
    polsek = session.get(m.Polsek, t.polsek_code) if t.polsek_code else None
    info = {"code": t.code, "number": t.number, "desa": names.get(t.desa_code), "desa_code": t.desa_code,
            "kecamatan": names.get(t.kecamatan_code), "kecamatan_code": t.kecamatan_code, "address": t.address,
            "lat": t.lat, "lon": t.lon, "dpt": t.dpt, "kerawanan": t.kerawanan, "indikator": list(t.indikator or []),
            "akses": t.akses, "polsek": polsek.name if polsek else None, "distance_km": t.distance_km,
            "travel_min": t.travel_min, "linmas": t.linmas, "cluster": t.cluster_code,
            "verification": t.verification, "verified_by": t.verified_by, "verified_at": t.verified_at}
    timeline = pd.DataFrame(session.execute(
        select(m.TpsStatusEvent.occurred_at, m.TpsStatusEvent.status, m.TpsStatusEvent.reporter,
               m.TpsStatusEvent.note, m.TpsStatusEvent.source)
        .where(m.TpsStatusEvent.tps_code == code, m.TpsStatusEvent.occurred_at <= now)
        .order_by(m.TpsStatusEvent.occurred_at)).mappings().all(),
        columns=["occurred_at", "status", "reporter", "note", "source"])
    cluster_tps = list(session.scalars(select(m.Tps.code).where(m.Tps.cluster_code == t.cluster_code)
                                       .order_by(m.Tps.code))) if t.cluster_code else [code]
    guards = officer_board(session, settings, now)
    guards = guards[guards["cluster"] == t.cluster_code] if t.cluster_code else guards.iloc[0:0]
    legs = leg_board(session, now)
    if not legs.empty:
        legs = legs[(legs["tps_code"] == code) | ((legs["desa_code"] == t.desa_code) & legs["tps_code"].isna())]
    incidents = incident_table(session, now)
    incidents = incidents[incidents["tps_code"] == code] if not incidents.empty else incidents
    source = forecast_source(feed_states(session, settings, now))
    slots = rain_slots(session, source.source, now - dt.timedelta(hours=3), now + dt.timedelta(hours=24))
    area = t.desa_code if source.source == "bmkg" else t.kecamatan_code
    weather = slots[slots["area"] == area]
    stakeholders = pd.DataFrame(session.execute(
        select(m.Stakeholder.role, m.Stakeholder.name, m.Stakeholder.phone)
        .where(or_(m.Stakeholder.desa_code == t.desa_code,
                   (m.Stakeholder.kecamatan_code == t.kecamatan_code) & m.Stakeholder.desa_code.is_(None)))
        .order_by(m.Stakeholder.role)).mappings().all(), columns=["role", "name", "phone"])
    return {"tps": info, "timeline": timeline, "cluster_tps": cluster_tps, "guards": guards, "legs": legs,
            "incidents": incidents, "weather": weather, "weather_source": source, "stakeholders": stakeholders}
