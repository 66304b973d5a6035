"""Entri operator: reports received by radio or phone — TPS status, incidents, logistics hand-overs, coordination
meetings, kerawanan changes. Each is appended as an event with the operator's name and audited."""
import datetime as dt

import streamlit as st

from ops import entries
from ops.clock import WIB
from ops.coordination import ROLE_LABEL
from ops.db import session_scope
from ops.incidents import SEVERITY_LABEL, STATE_LABEL
from ops.logistics import STAGE_LABEL
from ops.vocabulary import KERAWANAN_LABEL, TPS_STATUS
from ui import auth
from ui import components as c
from ui import data

now = c.page("Entri operator")
user = auth.require("entry")
if st.session_state.get("replay_at") is not None:
    st.warning("Tayangan ulang sedang aktif: matikan dulu untuk mencatat laporan baru.")
    st.stop()
c.require_tps()
points = data.tps_points()
tps_label = {r.code: f"{r.code} · TPS {r.number:03d} {r.desa} ({r.kecamatan})" for r in points.itertuples()}
kec_names = data.kecamatan_names()
CATEGORIES = ["keributan", "intimidasi", "politik uang", "perusakan APK", "gangguan logistik", "bencana/cuaca",
              "kecelakaan", "lainnya"]


def when(prefix: str) -> dt.datetime:
    live = data.now().astimezone(WIB)
    a, b = st.columns(2)
    day = a.date_input("Tanggal", live.date(), key=f"{prefix}_day", format="DD/MM/YYYY")
    clock = b.time_input("Jam (WIB)", live.time().replace(second=0, microsecond=0), key=f"{prefix}_time",
                         step=dt.timedelta(minutes=1))
    return dt.datetime.combine(day, clock, tzinfo=WIB)


def save(fn, *args, done: str, **kwargs) -> None:
    try:
        with session_scope(data.engine()) as s:
            fn(s, user["username"], *args, **kwargs)
    except entries.EntryError as e:
        st.error(f"Tidak dicatat: {e}")
        return
    st.cache_data.clear()  # the pages show the new event at once
    st.success(done)


tabs = st.tabs(["Status TPS", "Kejadian", "Serah terima logistik", "Koordinasi", "Kerawanan TPS"])

with tabs[0], st.form("f_status", clear_on_submit=True):
    code = st.selectbox("TPS", list(tps_label), format_func=tps_label.get, index=None, key="st_tps",
                        placeholder="Ketik kode atau nama desa")
    status = st.selectbox("Status", list(TPS_STATUS), format_func=TPS_STATUS.get, key="st_status")
    at = when("st")
    reporter = st.text_input("Pelapor (nama / jabatan, mis. Ketua KPPS)", key="st_reporter")
    note = st.text_area("Catatan", key="st_note", max_chars=1000)
    if st.form_submit_button("Catat status", type="primary"):
        if not code:
            st.error("Pilih TPS.")
        else:
            save(entries.tps_status, data.now(), code, status, at, reporter, note,
                 done=f"Status {TPS_STATUS[status]} untuk {code} dicatat.")

with tabs[1]:
    with st.form("f_incident", clear_on_submit=True):
        st.markdown("**Kejadian baru**")
        a, b, d = st.columns(3)
        category = a.selectbox("Kategori", CATEGORIES, key="in_cat")
        severity = b.selectbox("Tingkat", list(SEVERITY_LABEL), format_func=SEVERITY_LABEL.get, key="in_sev")
        kec = d.selectbox("Kecamatan", list(kec_names), format_func=kec_names.get, key="in_kec")
        code = st.selectbox("TPS (bila di TPS)", list(tps_label), format_func=tps_label.get, index=None, key="in_tps")
        title = st.text_input("Judul singkat", key="in_title", max_chars=200)
        desc = st.text_area("Uraian", key="in_desc", max_chars=4000)
        follow = st.text_input("Tindak lanjut awal", key="in_follow", max_chars=1000)
        at = when("in")
        if st.form_submit_button("Catat kejadian", type="primary"):
            save(entries.incident, data.now(), category, severity, kec, title, at, tps_code=code, description=desc,
                 follow_up=follow, done="Kejadian dicatat.")
    table = data.incident_table(data.moment_key(data.now()))
    open_ = table[table["state"] != "selesai"] if len(table) else table
    with st.form("f_incident_update", clear_on_submit=True):
        st.markdown("**Tindak lanjut kejadian**")
        options = {int(r.id): f"{r.ref} · {r.title} ({STATE_LABEL[r.state]})" for r in open_.itertuples()}
        pick = st.selectbox("Kejadian terbuka", list(options), format_func=options.get, index=None, key="iu_pick")
        state = st.selectbox("Keadaan", ["ditangani", "selesai", "terbuka"], format_func=STATE_LABEL.get, key="iu_state")
        note = st.text_input("Tindakan / keterangan", key="iu_note", max_chars=1000)
        at = when("iu")
        if st.form_submit_button("Catat tindak lanjut"):
            if pick is None:
                st.error("Pilih kejadian.")
            else:
                save(entries.incident_update, data.now(), pick, state, note, at, done="Tindak lanjut dicatat.")

with tabs[2]:
    board = data.leg_board(data.moment_key(data.now()))
    a, b = st.columns(2)
    stage = a.selectbox("Tahap", list(STAGE_LABEL), format_func=STAGE_LABEL.get, key="lg_stage")
    kec = b.selectbox("Kecamatan", list(kec_names), format_func=kec_names.get, key="lg_kec")
    legs = board[(board["stage"] == stage) & (board["kecamatan_code"] == kec)] if len(board) else board
    options = {int(r.id): f"{r.from_name} → {r.to_name} ({r.mode}; sekarang: {r.state})" for r in legs.itertuples()}
    with st.form("f_leg", clear_on_submit=True):
        leg = st.selectbox("Leg", list(options), format_func=options.get, index=None, key="lg_leg")
        state = st.selectbox("Keadaan", list(entries.LEG_STATES), key="lg_state")
        who = st.text_input("Penerima (wajib untuk serah terima)", key="lg_who", max_chars=120)
        note = st.text_input("Catatan", key="lg_note", max_chars=1000)
        at = when("lg")
        if st.form_submit_button("Catat", type="primary"):
            if leg is None:
                st.error("Pilih leg.")
            else:
                save(entries.handover, data.now(), leg, state, at, who, note, done="Logistik dicatat.")

with tabs[3]:
    kec = st.selectbox("Kecamatan", list(kec_names), format_func=kec_names.get, key="co_kec")
    desa_names = {r.desa_code: r.desa for r in points[points["kecamatan_code"] == kec].itertuples()}
    with st.form("f_coord", clear_on_submit=True):
        desa = st.selectbox("Desa (kosong: tingkat kecamatan)", list(desa_names), format_func=desa_names.get,
                            index=None, key="co_desa")
        roles = st.multiselect("Yang ditemui", list(ROLE_LABEL), format_func=ROLE_LABEL.get, key="co_roles")
        topic = st.text_input("Kegiatan", key="co_topic", max_chars=200)
        led = st.text_input("Dipimpin oleh", key="co_led", max_chars=120)
        notes = st.text_area("Catatan", key="co_notes", max_chars=4000)
        at = when("co")
        if st.form_submit_button("Catat koordinasi", type="primary"):
            save(entries.coordination, data.now(), kec, desa, roles, topic, led, notes, at,
                 done="Koordinasi dicatat.")

with tabs[4], st.form("f_kerawanan", clear_on_submit=True):
    code = st.selectbox("TPS", list(tps_label), format_func=tps_label.get, index=None, key="kr_tps")
    kelas = st.selectbox("Kelas kerawanan baru", list(KERAWANAN_LABEL), format_func=KERAWANAN_LABEL.get, key="kr_new")
    indikator = st.text_input("Indikator (pisahkan dengan ;) — kosong: tetap", key="kr_ind", max_chars=500)
    reason = st.text_area("Alasan perubahan (wajib)", key="kr_reason", max_chars=1000)
    if st.form_submit_button("Ubah kerawanan", type="primary"):
        if not code:
            st.error("Pilih TPS.")
        else:
            ind = [x.strip() for x in indikator.split(";") if x.strip()] or None
            save(entries.kerawanan_change, code, kelas, reason, ind,
                 done=f"Kerawanan {code} diubah menjadi {KERAWANAN_LABEL[kelas]}.")
