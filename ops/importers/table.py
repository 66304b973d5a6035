"""Reading an uploaded or given table (CSV or XLSX) into rows numbered as a spreadsheet user sees them (header = 1).

Everything that makes a file unreadable is one clear FileProblem; problems with single rows are collected elsewhere.
Every limit is checked while reading, before the file can cost more time or memory than a real list would.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

DELIMITERS = (",", ";", "\t")  # the first wins a tie: a one-column file is read as comma-separated


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class Limits:
    bytes: int  # the file as given
    rows: int  # data rows, header not counted
    columns: int
    unpacked_bytes: int  # what an XLSX's parts unpack to, all together

    @classmethod
    def of(cls, settings) -> Limits:
        return cls(settings.import_max_bytes, settings.import_max_rows, settings.import_max_columns,
                   settings.import_max_unpacked_bytes)


@dataclass(frozen=True)
class Table:
    columns: list[str]
    # (row number in the file, its cells in column order); a tuple, not a dict per row: 50,000 rows must stay small.
    # Cells past the last column are values without a column.
    rows: list[tuple[int, tuple[str, ...]]]


def normalise(name: str) -> str:
    return str(name or "").strip().lower().replace(" ", "_").replace("-", "_")


def shown(text: str, limit: int = 60) -> str:
    """A value as quoted in a message: a 5 MB cell must not become a 5 MB message."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def read_table(data: bytes, filename: str, limits: Limits) -> Table:
    if len(data) > limits.bytes:
        raise FileProblem(f"berkas {len(data) / 1e6:.1f} MB melebihi batas {limits.bytes / 1e6:.1f} MB "
                          "(import_max_bytes)")
    if not data.strip():
        raise FileProblem("berkas kosong")
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from ops.importers.xlsx import read_xlsx

        columns, rows = read_xlsx(data, limits)
    elif suffix in (".csv", ".txt", ""):
        columns, rows = _csv(data, limits)
        if not rows:
            raise FileProblem("berkas hanya berisi baris judul kolom, tanpa data")
    else:
        hint = " (berkas Excel lama: simpan sebagai .xlsx)" if suffix == ".xls" else ""
        raise FileProblem(f"jenis berkas {suffix} tidak didukung{hint}: gunakan CSV (UTF-8) atau XLSX")
    dupes = {c for c in columns if columns.count(c) > 1 and c}
    if dupes:
        raise FileProblem(f"kolom ganda di baris judul: {', '.join(sorted(dupes))}")
    return Table(columns, rows)


def header(values: Iterable[object], limits: Limits, where: str = "") -> list[str]:
    """Column names from the header row; trailing empty cells are not columns."""
    columns = [normalise(v) for v in values]
    while columns and not columns[-1]:
        columns.pop()
    if len(columns) > limits.columns:
        raise FileProblem(f"{where}baris judul punya lebih dari {limits.columns} kolom (import_max_columns): "
                          "hapus kolom yang tidak dipakai")
    return columns


def data_row(row_no: int, columns: list[str], cells: list[str], rows: list, limits: Limits, where: str = "") -> None:
    """Add one row read from the file; blank rows are skipped, and the row limit stops the reading at once."""
    if not any(cells):
        return
    if not columns:
        raise FileProblem(f"{where}baris 1 kosong: nama kolom harus di baris 1, data mulai baris 2")
    if len(rows) >= limits.rows:
        raise FileProblem(f"{where}lebih dari {limits.rows} baris data (import_max_rows): pecah berkasnya")
    while len(cells) > len(columns) and not cells[-1]:
        cells.pop()  # empty cells after the last column are nothing
    rows.append((row_no, tuple(cells)))


def delimiter(text: str) -> str:
    """The delimiter that splits the header line into the most columns.

    Only the header line is looked at: column names hold no quotes or delimiters of their own, while data may hold
    anything (an address with a quote after the first few KB made csv.Sniffer guess wrong).
    """
    first = text.split("\n", 1)[0]
    return max(DELIMITERS, key=lambda d: len(next(csv.reader([first], delimiter=d), [])))


def _csv(data: bytes, limits: Limits) -> tuple[list[str], list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise FileProblem(f"berkas bukan teks UTF-8 (baris {line} berisi byte 0x{data[e.start]:02x}): simpan ulang "
                          "sebagai 'CSV UTF-8' lalu impor lagi") from None
    if "\x00" in text:
        raise FileProblem("berkas berisi data biner, bukan CSV: simpan ulang sebagai CSV UTF-8 atau XLSX")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter(text))  # excel quoting: '"', doubled inside
    last = 0  # the last row read whole
    try:
        columns = header(next(reader, []), limits)
        last = 1
        rows: list = []
        for last, values in enumerate(reader, start=2):
            data_row(last, columns, [v.strip() for v in values], rows, limits)
    except csv.Error as e:
        # The one csv.Error a real file meets: a quote never closed swallows the rest into one cell.
        raise FileProblem(f"baris {last + 1} tidak dapat dibaca ({e}): periksa tanda kutip \" yang tidak ditutup") \
            from None
    return columns, rows
