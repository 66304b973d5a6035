"""Entri operator: reports received by radio or phone — TPS status, incidents, logistics hand-overs, coordination
meetings, kerawanan changes. Each is appended as an event with the operator's name and audited."""
import datetime as dt

import streamlit as st

from ops import entries
from ops.clock import WIB
from ops.coordination import ROLE_LABEL
from ops.incidents import SEVERITY_LABEL, STATE_LABEL
from ops.logistics import STAGE_LABEL
from ops.vocabulary import KERAWANAN_LABEL, TPS_STATUS
from ui import auth
from ui import components as c
from ui import data
from ui import forms

now = c.page("Entri operator")
user = auth.require("entry")
if st.session_state.get("replay_at") is not None:
    st.warning("Tayangan ulang sedang aktif: matikan dulu untuk mencatat laporan baru.")
    st.stop()
c.require_tps()
points = data.tps_points()
# Found by desa or kecamatan name (the box filters on what it shows); the code last, for the record.
tps_label = {r.code: f"TPS {r.number:03d} {r.desa}, Kec. {r.kecamatan} · {r.code}" for r in points.itertuples()}
kec_names = data.kecamatan_names()
CATEGORIES = ["keributan", "intimidasi", "politik uang", "perusakan APK", "gangguan logistik", "bencana/cuaca",
              "kecelakaan", "lainnya"]


def moment(prefix: str) -> dict:
    """A form's date and time fields start at the operation clock's minute."""
    live = now.astimezone(WIB)
    return {f"{prefix}_day": live.date(), f"{prefix}_time": live.time().replace(second=0, microsecond=0)}


def when(prefix: str) -> dt.datetime:
    a, b = st.columns(2)
    day = a.date_input("Tanggal", key=f"{prefix}_day", format="DD/MM/YYYY")
    clock = b.time_input("Jam (WIB)", key=f"{prefix}_time", step=dt.timedelta(minutes=1))
    return dt.datetime.combine(day, clock, tzinfo=WIB)


def save(form: str, fn, *args, done: str, keyed: bool = False, **kwargs) -> None:
    """Record one entry as the signed-in user; `keyed` entries carry the form's one-time key."""
    if keyed:
        kwargs["entry_key"] = forms.entry_key(form)
    forms.save(form, lambda session: fn(session, user["username"], *args, **kwargs), done)


tabs = st.tabs(["Status TPS", "Kejadian", "Serah terima logistik", "Koordinasi", "Kerawanan TPS"])

with tabs[0]:
    forms.start("f_status", {"st_tps": None, "st_status": next(iter(TPS_STATUS)), "st_reporter": "", "st_note": "",
                             **moment("st")})
    with st.form("f_status"):
        code = st.selectbox("TPS", list(tps_label), format_func=tps_label.get, index=None, key="st_tps",
                            placeholder="Ketik nama desa atau kecamatan")
        status = st.selectbox("Status", list(TPS_STATUS), format_func=TPS_STATUS.get, key="st_status")
        at = when("st")
        reporter = st.text_input("Pelapor (nama / jabatan, mis. Ketua KPPS)", key="st_reporter")
        note = st.text_area("Catatan", key="st_note", max_chars=1000)
        if st.form_submit_button("Catat status", type="primary"):
            if not code:
                st.error("Pilih TPS.")
            else:
                save("f_status", entries.tps_status, data.now(), code, status, at, reporter, note,
                     done=f"Status {TPS_STATUS[status]} untuk {code} dicatat.")

with tabs[1]:
    forms.start("f_incident", {"in_cat": CATEGORIES[0], "in_sev": next(iter(SEVERITY_LABEL)),
                               "in_kec": next(iter(kec_names)), "in_tps": None, "in_title": "", "in_desc": "",
                               "in_follow": "", **moment("in")})
    with st.form("f_incident"):
        st.markdown("**Kejadian baru**")
        a, b, d = st.columns(3)
        category = a.selectbox("Kategori", CATEGORIES, key="in_cat")
        severity = b.selectbox("Tingkat", list(SEVERITY_LABEL), format_func=SEVERITY_LABEL.get, key="in_sev")
        kec = d.selectbox("Kecamatan", list(kec_names), format_func=kec_names.get, key="in_kec")
        code = st.selectbox("TPS (bila di TPS)", list(tps_label), format_func=tps_label.get, index=None, key="in_tps",
                            placeholder="Ketik nama desa atau kecamatan")
        title = st.text_input("Judul singkat", key="in_title", max_chars=200)
        desc = st.text_area("Uraian", key="in_desc", max_chars=4000)
        follow = st.text_input("Tindak lanjut awal", key="in_follow", max_chars=1000)
        at = when("in")
        if st.form_submit_button("Catat kejadian", type="primary"):
            save("f_incident", entries.incident, data.now(), category, severity, kec, title, at, tps_code=code,
                 description=desc, follow_up=follow, keyed=True,
                 done="Kejadian dicatat.")
    table = data.incident_table(data.moment_key(data.now()))
    open_ = table[table["state"] != "selesai"] if len(table) else table
    forms.start("f_incident_update", {"iu_pick": None, "iu_state": "ditangani", "iu_note": "", **moment("iu")})
    with st.form("f_incident_update"):
        st.markdown("**Tindak lanjut kejadian**")
        options = {int(r.id): f"{r.ref} · {r.title} ({STATE_LABEL[r.state]})" for r in open_.itertuples()}
        pick = st.selectbox("Kejadian terbuka", list(options), format_func=options.get, index=None, key="iu_pick",
                            placeholder="Pilih kejadian")
        state = st.selectbox("Keadaan", ["ditangani", "selesai", "terbuka"], format_func=STATE_LABEL.get, key="iu_state")
        note = st.text_input("Tindakan / keterangan", key="iu_note", max_chars=1000)
        at = when("iu")
        if st.form_submit_button("Catat tindak lanjut"):
            if pick is None:
                st.error("Pilih kejadian.")
            else:
                save("f_incident_update", entries.incident_update, data.now(), pick, state, note, at, keyed=True,
                     done="Tindak lanjut dicatat.")

with tabs[2]:
    board = data.leg_board(data.moment_key(data.now()))
    a, b = st.columns(2)
    stage = a.selectbox("Tahap", list(STAGE_LABEL), format_func=STAGE_LABEL.get, key="lg_stage")
    kec = b.selectbox("Kecamatan", list(kec_names), format_func=kec_names.get, key="lg_kec")
    legs = board[(board["stage"] == stage) & (board["kecamatan_code"] == kec)] if len(board) else board
    options = {int(r.id): f"{r.from_name} → {r.to_name} ({r.mode}; sekarang: {r.state})" for r in legs.itertuples()}
    forms.start("f_leg", {"lg_leg": None, "lg_state": entries.LEG_STATES[0], "lg_who": "", "lg_note": "",
                          **moment("lg")})
    with st.form("f_leg"):
        leg = st.selectbox("Perjalanan", list(options), format_func=options.get, index=None, key="lg_leg",
                           placeholder="Pilih perjalanan")
        state = st.selectbox("Keadaan", list(entries.LEG_STATES), key="lg_state")
        who = st.text_input("Penerima (wajib untuk serah terima)", key="lg_who", max_chars=120)
        note = st.text_input("Catatan", key="lg_note", max_chars=1000)
        at = when("lg")
        if st.form_submit_button("Catat", type="primary"):
            if leg is None:
                st.error("Pilih leg.")
            else:
                save("f_leg", entries.handover, data.now(), leg, state, at, who, note, done="Logistik dicatat.")

with tabs[3]:
    kec = st.selectbox("Kecamatan", list(kec_names), format_func=kec_names.get, key="co_kec")
    desa_names = {r.desa_code: r.desa for r in points[points["kecamatan_code"] == kec].itertuples()}
    forms.start("f_coord", {"co_desa": None, "co_roles": [], "co_topic": "", "co_led": "", "co_notes": "",
                            **moment("co")})
    with st.form("f_coord"):
        desa = st.selectbox("Desa (kosong: tingkat kecamatan)", list(desa_names), format_func=desa_names.get,
                            index=None, key="co_desa", placeholder="Tingkat kecamatan")
        roles = st.multiselect("Yang ditemui", list(ROLE_LABEL), format_func=ROLE_LABEL.get, key="co_roles",
                               placeholder="Pilih pemangku kepentingan")
        topic = st.text_input("Kegiatan", key="co_topic", max_chars=200)
        led = st.text_input("Dipimpin oleh", key="co_led", max_chars=120)
        notes = st.text_area("Catatan", key="co_notes", max_chars=4000)
        at = when("co")
        if st.form_submit_button("Catat koordinasi", type="primary"):
            save("f_coord", entries.coordination, data.now(), kec, desa, roles, topic, led, notes, at, keyed=True,
                 done="Koordinasi dicatat.")

with tabs[4]:
    forms.start("f_kerawanan", {"kr_tps": None, "kr_new": next(iter(KERAWANAN_LABEL)), "kr_ind": "",
                                "kr_reason": ""})
    with st.form("f_kerawanan"):
        code = st.selectbox("TPS", list(tps_label), format_func=tps_label.get, index=None, key="kr_tps",
                            placeholder="Ketik nama desa atau kecamatan")
        kelas = st.selectbox("Kelas kerawanan baru", list(KERAWANAN_LABEL), format_func=KERAWANAN_LABEL.get,
                             key="kr_new")
        indikator = st.text_input("Indikator (pisahkan dengan ;) — kosong: tetap", key="kr_ind", max_chars=500)
        reason = st.text_area("Alasan perubahan (wajib)", key="kr_reason", max_chars=1000)
        if st.form_submit_button("Ubah kerawanan", type="primary"):
            if not code:
                st.error("Pilih TPS.")
            else:
                ind = [x.strip() for x in indikator.split(";") if x.strip()] or None
                save("f_kerawanan", entries.kerawanan_change, code, kelas, reason, ind,
                     done=f"Kerawanan {code} diubah menjadi {KERAWANAN_LABEL[kelas]}.")
