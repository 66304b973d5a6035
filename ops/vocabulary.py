"""Words the dashboard shows for the codes stored in the database (Bahasa Indonesia), and their colours."""

KERAWANAN_LABEL = {"sangat_rawan": "Sangat rawan", "rawan": "Rawan", "kurang_rawan": "Kurang rawan"}
KERAWANAN_COLOR = {"sangat_rawan": "#d7301f", "rawan": "#fc8d59", "kurang_rawan": "#4575b4"}
TAHAPAN_LABEL = {"sebelum": "Sebelum pemungutan", "pemungutan": "Hari pemungutan", "sesudah": "Sesudah pemungutan"}
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
