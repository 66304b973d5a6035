"""Words the dashboard shows for the codes stored in the database (Bahasa Indonesia), and their colours."""

KERAWANAN_LABEL = {"sangat_rawan": "Sangat rawan", "rawan": "Rawan", "kurang_rawan": "Kurang rawan"}
KERAWANAN_COLOR = {"sangat_rawan": "#d7301f", "rawan": "#fc8d59", "kurang_rawan": "#4575b4"}
AKSES_LABEL = {"darat": "Darat", "sungai": "Jalur sungai"}
VERIFIKASI_LABEL = {"belum": "Belum dicek", "terverifikasi": "Terverifikasi", "perlu_cek": "Perlu cek ulang"}
TAHAPAN_LABEL = {"sebelum": "Sebelum pemungutan", "pemungutan": "Hari pemungutan", "sesudah": "Sesudah pemungutan"}
ROLE_LABEL = {"kpu_ppk": "KPU/PPK", "bawaslu_panwascam": "Bawaslu/Panwascam", "camat": "Camat", "pps": "PPS",
              "kepala_desa": "Kepala desa", "lurah": "Lurah", "tokoh_agama": "Tokoh agama",
              "tokoh_masyarakat": "Tokoh masyarakat"}

# TPS status vocabulary of the field reports, in the order a TPS goes through them (gangguan can come at any time).
TPS_STATUS = {
    "belum_siap": "Belum siap",
    "siap": "Siap (logistik & petugas lengkap)",
    "dibuka": "TPS dibuka",
    "pemungutan": "Pemungutan suara berlangsung",
    "penghitungan": "Penghitungan suara",
    "selesai": "Penghitungan selesai",
    "kotak_dikirim": "Kotak suara dikirim ke PPK",
    "kotak_diterima_ppk": "Kotak suara diterima PPK",
    "gangguan": "Gangguan / kejadian",
}
TPS_STATUS_ORDER = {s: i for i, s in enumerate(TPS_STATUS)}
TPS_STATUS_COLOR = {"belum_siap": "#9e9e9e", "siap": "#80cbc4", "dibuka": "#4db6ac", "pemungutan": "#26a69a",
                    "penghitungan": "#ffb300", "selesai": "#43a047", "kotak_dikirim": "#1e88e5",
                    "kotak_diterima_ppk": "#3949ab", "gangguan": "#e53935", None: "#bdbdbd"}
