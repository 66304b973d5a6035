"""TPS: drill down kabupaten → kecamatan → desa → TPS, with filters, and one TPS's whole record."""
import pandas as pd
import streamlit as st

from ops.headline import readiness_tone
from ops.phase import phase_at
from ops.readiness import problem_kinds
from ops.readiness.issues import label as issue_label, sentences
from ops.vocabulary import KERAWANAN_LABEL, TAHAPAN_LABEL, TPS_STATUS_SHORT
from ui import components as c
from ui import data, tps_view, wilayah

now = c.page("TPS")
c.require_tps()
where = wilayah.focus()
wilayah.detail_guard(where, "Daftar TPS")
s = data.settings()
key = data.moment_key(now)
table = data.tps_readiness(key, wilayah.area(where))
if table.empty:
    st.info("Belum ada data TPS. Impor daftar TPS (`python -m ops import tps FILE`) atau jalankan "
            "`python -m ops init --demo`.")
    st.stop()
kec_names = data.kecamatan_names()
polsek_names = data.polsek_names()

# A TPS opened from another page (map, decisions) arrives here with its kecamatan and desa.
focus = st.session_state.pop("tps_focus", None)
if focus in set(table["code"]):
    row = table[table["code"] == focus].iloc[0]
    st.session_state.update(drill_kec=row["kecamatan_code"], drill_desa=row["desa_code"], drill_tps=focus)

phases = list(TAHAPAN_LABEL)
phase = st.segmented_control("Tahapan", phases, format_func=TAHAPAN_LABEL.get, key="tps_phase",
                             default=phase_at(now, s).tahapan) or phase_at(now, s).tahapan
with st.expander("Saring TPS", expanded=False):
    f1, f2, f3, f4 = st.columns(4)
    polsek = f1.multiselect("Polsek", sorted(polsek_names), format_func=polsek_names.get, key="f_polsek",
                            placeholder="Semua Polsek")
    kelas = f2.multiselect("Kerawanan", list(KERAWANAN_LABEL), format_func=KERAWANAN_LABEL.get, key="f_kerawanan",
                           placeholder="Semua kelas")
    akses = f3.multiselect("Akses", ["darat", "sungai"], format_func=str.capitalize, key="f_akses",
                           placeholder="Darat dan sungai")
    status = f4.multiselect("Status terakhir", list(TPS_STATUS_SHORT), format_func=TPS_STATUS_SHORT.get,
                            key="f_status", placeholder="Semua status")
    only_problem = st.toggle("Hanya TPS bermasalah (di bawah ambang siap)", key="f_problem")

score = f"skor_{phase}"
view = table.copy()
view["bermasalah"] = view[score].notna() & (view[score] < s.readiness_ready_threshold)
if polsek:
    view = view[view["polsek_code"].isin(polsek)]
if kelas:
    view = view[view["kerawanan"].isin(kelas)]
if akses:
    view = view[view["akses"].isin(akses)]
if status:
    view = view[view["status"].map(lambda v: v if isinstance(v, str) else None).isin(status)]
if only_problem:
    view = view[view["bermasalah"]]


def _pick(level_key: str, table_key: str, codes: list[str]) -> None:
    rows = st.session_state[table_key].selection.rows
    if rows:
        st.session_state[level_key] = codes[rows[0]]
        if level_key == "drill_kec":
            st.session_state["drill_desa"] = None
        if level_key != "drill_tps":
            st.session_state["drill_tps"] = None


def level_table(df: pd.DataFrame, by: str, name_col: str, level_key: str, table_key: str) -> None:
    """Coverage per area: TPS, ready, problem TPS and the commonest reasons; choosing a row goes one level down."""
    g = df.groupby(by, sort=True)
    out = pd.DataFrame({
        "Wilayah": g[name_col].first(), "TPS": g.size(), "Siap": g[score].apply(
            lambda v: int((v >= s.readiness_ready_threshold).sum())),
        "Bermasalah": g["bermasalah"].sum().astype(int),
        "Skor": g[score].mean().mul(100).round(0),
        "Alasan utama": g[f"masalah_{phase}"].apply(lambda a: "; ".join(
            issue_label(k) for k, _ in problem_kinds(a).most_common(2)))})
    out["% siap"] = (out["Siap"] / out["TPS"] * 100).round(0)
    out = out.sort_values(["Skor", "Wilayah"])
    codes = list(out.index)
    shown = out[["Wilayah", "TPS", "Siap", "% siap", "Bermasalah", "Skor", "Alasan utama"]]
    tones = [readiness_tone(ready, total, s) if judged == judged else ""  # NaN: this stage is not judged yet
             for ready, total, judged in zip(out["Siap"], out["TPS"], out["Skor"])]
    st.dataframe(c.toned(shown, {"% siap": tones}), hide_index=True,
                 width="stretch", on_select=lambda: _pick(level_key, table_key, codes), selection_mode="single-row",
                 key=table_key, column_config={
                     "Skor": st.column_config.ProgressColumn("Skor", min_value=0, max_value=100, format="%d%%"),
                     "% siap": st.column_config.NumberColumn(format="%d%%")})
    st.caption(f"Pilih satu baris untuk turun satu tingkat. % siap: hijau mencapai target "
               f"{s.readiness_target_share:.0%}, kuning sampai 15 poin di bawahnya, merah lebih rendah. Skor kosong: "
               "tahapan ini belum dinilai.")


nav = st.columns(3)
kec_codes = sorted(view["kecamatan_code"].unique())
kec = nav[0].selectbox("Kecamatan", kec_codes, index=None, format_func=kec_names.get, key="drill_kec",
                       placeholder="Seluruh kabupaten")
desa_view = view[view["kecamatan_code"] == kec] if kec else view.iloc[0:0]
desa_codes = sorted(desa_view["desa_code"].unique())
if st.session_state.get("drill_desa") not in desa_codes:
    st.session_state["drill_desa"] = None
# Names of the chosen kecamatan's desa and desa's TPS only: the whole table's took most of a run at 13,000 TPS.
desa_name = dict(zip(desa_view["desa_code"], desa_view["desa"]))
desa = nav[1].selectbox("Desa/kelurahan", desa_codes, index=None, format_func=desa_name.get, key="drill_desa",
                        placeholder="Semua desa" if kec else "Pilih kecamatan dulu", disabled=not kec)
tps_view_rows = desa_view[desa_view["desa_code"] == desa] if desa else desa_view.iloc[0:0]
tps_codes = list(tps_view_rows["code"])
if st.session_state.get("drill_tps") not in tps_codes:
    st.session_state["drill_tps"] = None
tps_label = dict(zip(tps_codes, tps_view_rows["number"].map("TPS {:03d}".format)))
code = nav[2].selectbox("TPS", tps_codes, index=None, format_func=tps_label.get, key="drill_tps",
                        placeholder="Semua TPS" if desa else "Pilih desa dulu", disabled=not desa)

crumbs = ["Kabupaten"] + [x for x in (kec_names.get(kec), desa_name.get(desa), tps_label.get(code)) if x]
st.markdown(" › ".join(f"**{c.plain(x)}**" for x in crumbs))
problem = int(view["bermasalah"].sum())
st.caption(f"{len(view)} TPS sesuai saringan · {problem} bermasalah pada tahapan {TAHAPAN_LABEL[phase].lower()}")

if code:
    tps_view.full(code, now)
elif desa:
    rows = tps_view_rows.sort_values(score)
    codes = list(rows["code"])
    st.dataframe(pd.DataFrame({
        "TPS": rows["number"].map("{:03d}".format), "Kerawanan": rows["kerawanan"].map(KERAWANAN_LABEL),
        "Akses": rows["akses"], "Status": rows["status"].map(lambda v: TPS_STATUS_SHORT[v if isinstance(v, str) else None]),
        "Skor": rows[score].mul(100).round(0), "Alasan": rows[f"masalah_{phase}"].map(lambda a: "; ".join(sentences(a)))}),
        hide_index=True, width="stretch", on_select=lambda: _pick("drill_tps", "tbl_tps", codes),
        selection_mode="single-row", key="tbl_tps",
        column_config={"Skor": st.column_config.ProgressColumn("Skor", min_value=0, max_value=100, format="%d%%")})
    st.caption("Pilih satu TPS untuk melihat riwayat lengkapnya.")
elif kec:
    level_table(desa_view, "desa_code", "desa", "drill_desa", "tbl_desa")
else:
    level_table(view, "kecamatan_code", "kecamatan", "drill_kec", "tbl_kec")
