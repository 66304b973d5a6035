"""Reading an uploaded or given table (CSV or XLSX) into rows numbered as a spreadsheet user sees them (header = 1).

Everything that makes a file unreadable is one clear FileProblem; problems with single rows are collected elsewhere.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number in the file, values by column)


def normalise(name: str) -> str:
    return str(name or "").strip().lower().replace(" ", "_").replace("-", "_")


def read_table(data: bytes, filename: str, max_bytes: int, max_rows: int) -> Table:
    if len(data) > max_bytes:
        raise FileProblem(f"berkas {len(data) / 1e6:.1f} MB melebihi batas {max_bytes / 1e6:.1f} MB (import_max_bytes)")
    if not data.strip():
        raise FileProblem("berkas kosong")
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        columns, rows = _xlsx(data, max_rows)
    elif suffix in (".csv", ".txt", ""):
        columns, rows = _csv(data, max_rows)
    else:
        raise FileProblem(f"jenis berkas {suffix} tidak didukung: gunakan CSV (UTF-8) atau XLSX")
    if not rows:
        raise FileProblem("berkas hanya berisi baris judul kolom, tanpa data")
    dupes = {c for c in columns if columns.count(c) > 1 and c}
    if dupes:
        raise FileProblem(f"kolom ganda di baris judul: {', '.join(sorted(dupes))}")
    return Table(columns, rows)


def _csv(data: bytes, max_rows: int) -> tuple[list[str], list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise FileProblem(f"berkas bukan teks UTF-8 (baris {line} berisi byte 0x{data[e.start]:02x}): simpan ulang "
                          "sebagai 'CSV UTF-8' lalu impor lagi") from None
    if "\x00" in text:
        raise FileProblem("berkas berisi data biner, bukan CSV: simpan ulang sebagai CSV UTF-8 atau XLSX")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None) or []
    columns = [normalise(c) for c in header]
    rows = []
    for i, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= max_rows:
            raise FileProblem(f"lebih dari {max_rows} baris data (import_max_rows): pecah berkasnya")
        if len(values) > len(columns):
            rows.append((i, {**dict(zip(columns, values)), "__extra__": ", ".join(values[len(columns):])}))
        else:
            rows.append((i, dict(zip(columns, [v.strip() for v in values] + [""] * (len(columns) - len(values))))))
    return columns, rows


def _xlsx(data: bytes, max_rows: int) -> tuple[list[str], list]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise FileProblem(f"berkas XLSX tidak dapat dibaca ({type(e).__name__}): simpan ulang dari Excel") from None
    sheet = book.worksheets[0]
    merged_top = [str(r) for r in sheet.merged_cells.ranges if r.min_row <= 2]
    if merged_top:
        raise FileProblem(f"lembar '{sheet.title}' punya sel gabungan di baris judul ({', '.join(merged_top[:3])}): "
                          "baris 1 harus satu baris judul kolom biasa, tanpa kop atau sel gabungan")
    it = sheet.iter_rows(values_only=True)
    header = next(it, None) or ()
    columns = [normalise(c) for c in header]
    while columns and not columns[-1]:
        columns.pop()
    rows = []
    for i, values in enumerate(it, start=2):
        cells = ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()
                 for v in values]
        if not any(cells):
            continue
        if len(rows) >= max_rows:
            raise FileProblem(f"lebih dari {max_rows} baris data (import_max_rows): pecah berkasnya")
        rows.append((i, dict(zip(columns, cells + [""] * (len(columns) - len(cells))))))
    return columns, rows
