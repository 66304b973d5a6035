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
TPS_STATUS_COLOR = {
    "belum_siap": "#9e9e9e", "siap": "#90caf9", "dibuka": "#42a5f5", "pemungutan": "#1e88e5",
    "penghitungan": "#7e57c2", "selesai": "#43a047", "kotak_dikirim": "#2e7d32", "kotak_diterima_ppk": "#1b5e20",
    "gangguan": "#d50000", None: "#cfd8dc",
}
TPS_STATUS_SHORT = {**{k: v.split(" (")[0] for k, v in TPS_STATUS.items()}, None: "Belum ada laporan"}
# Readiness classes on the map and the wall: the threshold for "siap" comes from config.
KESIAPAN_LABEL = {"siap": "Siap", "perhatian": "Perlu perhatian", "belum": "Belum siap", None: "Belum dinilai"}
KESIAPAN_COLOR = {"siap": "#2e7d32", "perhatian": "#f9a825", "belum": "#c62828", None: "#b0bec5"}


def kesiapan_class(score: float | None, ready_threshold: float) -> str | None:
    if score is None or score != score:
        return None
    return "siap" if score >= ready_threshold else "perhatian" if score >= 0.5 else "belum"
