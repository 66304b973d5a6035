"""Templates of the lists an operation is set up from: the header, one example row and — in an XLSX — a second
sheet that explains every column in Indonesian. Filled in and saved, a template imports as it is."""
from __future__ import annotations

import pandas as pd

from ops.importers.kinds import KINDS
from ops.importers.spreadsheet import csv_bytes, xlsx_bytes

GUIDE_SHEET = "petunjuk"


def example(kind: str) -> pd.DataFrame:
    """The header and the example row of a list."""
    k = KINDS[kind]
    return pd.DataFrame([{c.name: k.example.get(c.name, "") for c in k.columns}], columns=[c.name for c in k.columns])


def guide(kind: str) -> pd.DataFrame:
    """Every column with whether it must be filled and what goes in it."""
    k = KINDS[kind]
    rows = [{"kolom": c.name, "wajib": "ya" if c.required else "tidak", "isi": c.help} for c in k.columns]
    rows.append({"kolom": "", "wajib": "", "isi": (
        f"Baris 2 lembar '{k.sheet}' hanya contoh (kode wilayah Ogan Ilir): ganti dengan data operasi. Hanya lembar "
        "pertama yang dibaca; semua baris diperiksa lebih dulu dan bila satu salah tidak ada yang diubah.")})
    return pd.DataFrame(rows, columns=["kolom", "wajib", "isi"])


def template_bytes(kind: str, suffix: str) -> bytes:
    """The template of a list as a file of the given kind (.csv: header and example; .xlsx: also the guide)."""
    if suffix == ".xlsx":
        return xlsx_bytes({KINDS[kind].sheet: example(kind), GUIDE_SHEET: guide(kind)})
    if suffix == ".csv":
        return csv_bytes(example(kind))
    raise ValueError(f"no template format for {suffix!r}: name the file .csv or .xlsx")
