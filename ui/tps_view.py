"""One TPS on screen: a short card (map, wall) and the full record with its history (TPS page)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from ops.clock import fmt_wib
from ops.coordination import ROLE_LABEL
from ops.incidents import STATE_LABEL as INCIDENT_STATE
from ops.logistics import STAGE_LABEL
from ops.personnel import ON_SITE_LABEL
from ops.phase import phase_at
from ops.readiness.issues import sentences
from ops.vocabulary import KERAWANAN_LABEL, TAHAPAN_LABEL, TPS_STATUS, TPS_STATUS_SHORT
from ui import components as c
from ui import data

COMPONENT_LABEL = {"personel": "Personel sesuai pola", "logistik": "Logistik", "koordinasi": "Koordinasi",
                   "rute": "Rute / cuaca", "di_lokasi": "Personel di lokasi", "dibuka": "TPS dibuka",
                   "kejadian": "Kejadian", "penghitungan": "Penghitungan", "cuaca": "Cuaca",
                   "kotak_kembali": "Kotak suara kembali", "diterima_ppk": "Diterima PPK", "rekap": "Rekap Sirekap"}


def _row(code: str, moment: dt.datetime) -> pd.Series:
    table = data.tps_readiness(data.moment_key(moment))
    return table[table["code"] == code].iloc[0]


def _score_text(v) -> str:
    return "belum dinilai" if v is None or v != v else f"{v * 100:.0f}%"


def card(code: str, moment: dt.datetime) -> None:
    r = _row(code, moment)
    phase = phase_at(moment, data.settings()).tahapan
    left, mid, right = st.columns(3)
    left.markdown(f"**TPS {r['number']:03d} {c.plain(r['desa'])}**  \n{c.plain(r['kecamatan'])} · `{code}`  \n"
                  f"{KERAWANAN_LABEL[r['kerawanan']]} · akses {r['akses']} · DPT {c.number(r['dpt'])}")
    status = r["status"] if isinstance(r["status"], str) else None
    mid.markdown(f"**Status:** {TPS_STATUS_SHORT[status]}"
                 + (f" ({fmt_wib(r['status_at'], False)})" if status else "")
                 + f"  \n**Personel di lokasi:** {r['personel_di_lokasi']} dari {r['personel_wajib']}"
                 + (f" · {r['perangkat_senyap']} perangkat senyap" if r["perangkat_senyap"] else ""))
    right.markdown(f"**Kesiapan {TAHAPAN_LABEL[phase].lower()}:** {_score_text(r[f'skor_{phase}'])}")
    for reason in sentences(r[f"masalah_{phase}"]):
        right.markdown(f"- {c.plain(reason)}")


def full(code: str, moment: dt.datetime) -> None:
    d = data.tps_detail(data.moment_key(moment), code)
    t = d["tps"]
    r = _row(code, moment)
    st.subheader(f"TPS {t['number']:03d} {c.plain(t['desa'])}, {c.plain(t['kecamatan'])}")
    facts = [("Kerawanan", KERAWANAN_LABEL[t["kerawanan"]], "; ".join(t["indikator"]) or "—"),
             ("DPT", c.number(t["dpt"]), f"{t['linmas']} Linmas"),
             ("Akses", "Sungai" if t["akses"] == "sungai" else "Darat",
              f"{t['distance_km']} km, {t['travel_min']:.0f} menit dari Polsek" if t["distance_km"] else "—"),
             ("Polsek", t["polsek"] or "—", ""),
             ("Klaster PAM", t["cluster"] or "—", f"{len(d['cluster_tps'])} TPS dalam klaster"),
             ("Verifikasi", t["verification"].replace("_", " "),
              f"oleh {t['verified_by']} {fmt_wib(t['verified_at'])}" if t["verified_at"] else "")]
    for col, (label, value, note) in zip(st.columns(6), facts):
        # Text values, unlike figures, would be cut short in a metric tile.
        box = col.container(border=True)
        box.caption(label)
        box.markdown(f"**{c.plain(value)}**")
        if note:
            box.caption(c.plain(note))
    st.caption(f"`{code}` · {c.plain(t['address'])} · {t['lat']:.5f}, {t['lon']:.5f}")

    st.markdown("#### Kesiapan dan alasannya")
    for col, (phase, label) in zip(st.columns(3), TAHAPAN_LABEL.items()):
        box = col.container(border=True)
        box.metric(label, _score_text(r[f"skor_{phase}"]))
        comps = pd.DataFrame(r[f"komponen_{phase}"])
        if comps.empty:
            continue
        comps["Komponen"] = comps["komponen"].map(COMPONENT_LABEL).fillna(comps["komponen"])
        comps["Nilai"] = comps["skor"].map(_score_text)
        comps["Alasan"] = comps["masalah"].map(lambda a: "; ".join(sentences(a)) or "—")
        box.dataframe(comps[["Komponen", "Nilai", "Alasan"]], hide_index=True, width="stretch")

    left, right = st.columns(2)
    with left:
        st.markdown("#### Riwayat status")
        tl = d["timeline"]
        if tl.empty:
            st.write("Belum ada laporan status untuk TPS ini.")
        else:
            tl = tl.sort_values("occurred_at", ascending=False)
            st.dataframe(pd.DataFrame({"Waktu": tl["occurred_at"].map(fmt_wib),
                                       "Status": tl["status"].map(TPS_STATUS).fillna(tl["status"]),
                                       "Pelapor": tl["reporter"].fillna("—"), "Catatan": tl["note"].fillna(""),
                                       "Sumber": tl["source"]}), hide_index=True, width="stretch")
        st.markdown("#### Personel PAM TPS")
        g = d["guards"]
        if g.empty:
            st.warning("Belum ada personel ditugaskan ke TPS ini.")
        else:
            st.dataframe(pd.DataFrame({
                "Personel": g["pangkat"] + " " + g["nama"] + g["bko"].map({True: " (BKO)", False: ""}),
                "NRP": g["nrp"], "Status": g["status"].map(ON_SITE_LABEL),
                "Posisi terakhir": g["fix_at"].map(lambda v: fmt_wib(v) if v is not None and v == v else "—"),
                "Umur posisi": g["age_min"].map(lambda a: "—" if a != a or a is None else f"{a:.0f} mnt")}),
                hide_index=True, width="stretch")
    with right:
        st.markdown("#### Logistik")
        legs = d["legs"]
        if legs.empty:
            st.write("Tidak ada perjalanan logistik untuk TPS ini.")
        else:
            st.dataframe(pd.DataFrame({
                "Tahap": legs["stage"].map(STAGE_LABEL), "Moda": legs["mode"], "Rencana tiba":
                legs["planned_arrive"].map(fmt_wib), "Keadaan": legs["state"], "Dilaporkan":
                legs["state_at"].map(lambda v: fmt_wib(v) if v is not None and v == v else "—"),
                "Penerima": legs["actor"].fillna("—")}), hide_index=True, width="stretch")
        st.markdown("#### Kejadian")
        inc = d["incidents"]
        if inc.empty:
            st.write("Tidak ada kejadian tercatat di TPS ini.")
        for i in inc.itertuples():
            st.markdown(f"**{c.plain(i.title)}** · {i.severity} · {INCIDENT_STATE.get(i.state, i.state)}  \n"
                        f"{fmt_wib(i.occurred_at)} · {c.plain(i.category)} · {c.plain(i.reporter or '')}")
        st.markdown("#### Cuaca 24 jam")
        st.caption(d["weather_source"].note)
        w = d["weather"]
        if w.empty:
            st.write("Belum ada prakiraan untuk wilayah TPS ini.")
        else:
            st.dataframe(pd.DataFrame({"Slot": w["slot"].map(fmt_wib), "Hujan (mm/3 jam)": w["rain_mm"].round(1),
                                       "Angin (km/jam)": w["wind_kmh"].round(0), "Cuaca": w["desc"].fillna("")}),
                         hide_index=True, width="stretch")
        st.markdown("#### Pemangku kepentingan")
        sh = d["stakeholders"]
        st.dataframe(pd.DataFrame({"Peran": sh["role"].map(ROLE_LABEL).fillna(sh["role"]), "Nama": sh["name"],
                                   "Telepon": sh["phone"].fillna("")}), hide_index=True, width="stretch")
