"""The first sheet of an XLSX, read row by row, with every limit checked before the work it bounds.

An XLSX is a zip of XML parts, and a few hundred KB can unpack to gigabytes (a zip bomb). So the sizes the archive
declares are checked before anything is unpacked (zipfile never unpacks more than a part declares: it stops there and
fails the checksum), the sheet is streamed (openpyxl read-only) and the reading stops at the row limit. Whatever a
damaged file makes openpyxl raise becomes a FileProblem that says what to do.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from itertools import islice
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException

from ops.importers.table import FileProblem, Limits, data_row, header

BOMB_RATIO = 100  # real sheets pack 5-20 fold; a big part packed tighter than this is built to blow up
BOMB_FLOOR = 1_000_000  # a part smaller than this may pack as tight as it likes
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # the container of .xls files and of password-protected .xlsx
HELD_SHARE = 4  # the parts read whole may unpack to a quarter of import_max_unpacked_bytes
CONTENT_TYPES = "[Content_Types].xml"
SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
RESAVE = "buka di Excel lalu simpan ulang sebagai .xlsx atau CSV UTF-8, kemudian impor lagi"
KEEP_THE_LIST = "simpan hanya lembar daftarnya, tanpa lembar, gambar atau format lain, atau pecah berkasnya"
# Merged ranges stand after the rows in the sheet's XML; markup can only be markup there ("<" in text is escaped).
MERGE = re.compile(rb'<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3}(\d{1,7})(?::[A-Z]{1,3}(\d{1,7}))?)"')


def read_xlsx(data: bytes, limits: Limits) -> tuple[list[str], list]:
    _check_package(data, limits)
    book = _open(data)
    try:
        sheets = book.worksheets
        if not sheets:
            raise FileProblem(f"berkas XLSX tidak berisi lembar kerja: {RESAVE}")
        first = sheets[0]
        where = f"lembar '{first.title}': "
        _check_merged_header(book, first, where)
        columns, rows = _read(first, limits, where)
        if not rows:
            raise FileProblem(_no_data(first.title, bool(columns), sheets[1:], limits))
        return columns, rows
    finally:
        book.close()


def _check_package(data: bytes, limits: Limits) -> None:
    """What the file is, and what it would unpack to, from its directory alone."""
    if data.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise FileProblem("berkas XLSX dilindungi kata sandi: buka di Excel, hapus kata sandinya (File → Info → "
                              "Protect Workbook → Encrypt with Password, kosongkan), simpan, lalu impor lagi")
        raise FileProblem(f"berkas ini format Excel lama (.xls) dengan nama .xlsx: {RESAVE}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = z.infolist()
    except Exception:  # BadZipFile mostly; a forged directory raises others too
        raise FileProblem("berkas XLSX tidak dapat dibaca: bukan arsip zip yang utuh (terpotong saat diunduh, atau "
                          f"berkas lain yang diberi nama .xlsx); {RESAVE}") from None
    if any(p.flag_bits & 0x1 for p in parts):
        raise FileProblem("berkas XLSX dilindungi kata sandi: hapus kata sandinya di Excel, simpan, lalu impor lagi")
    for p in parts:
        if p.file_size > BOMB_FLOOR and p.file_size > BOMB_RATIO * max(p.compress_size, 1):
            raise FileProblem(f"bagian {p.filename} terurai {p.file_size // max(p.compress_size, 1)} kali ukurannya "
                              f"({p.file_size / 1e6:.0f} MB): berkas seperti ini (bom zip) tidak dibaca; {RESAVE}")
    unpacked = sum(p.file_size for p in parts)
    if unpacked > limits.unpacked_bytes:
        raise FileProblem(f"isi berkas XLSX terurai menjadi {unpacked / 1e6:.1f} MB, melebihi batas "
                          f"{limits.unpacked_bytes / 1e6:.1f} MB (import_max_unpacked_bytes): {KEEP_THE_LIST}")
    # The sheets are streamed; openpyxl reads every other part whole and holds several times its size in memory
    # (shared strings about eight times, styles more), so those parts together get a share of the limit.
    budget = limits.unpacked_bytes // HELD_SHARE
    content_types = next((p for p in parts if p.filename == CONTENT_TYPES), None)
    if content_types is not None and content_types.file_size > budget:
        raise FileProblem(f"bagian {CONTENT_TYPES} terlalu besar ({content_types.file_size / 1e6:.1f} MB): "
                          f"{RESAVE}")
    strings = _shared_strings_part(data) if content_types is not None else None
    held = [p for p in parts if not p.filename.startswith("xl/worksheets/") or p.filename == strings]
    if sum(p.file_size for p in held) > budget:
        big = max(held, key=lambda p: p.file_size)
        raise FileProblem(f"bagian di luar lembar (terbesar {big.filename}, {big.file_size / 1e6:.1f} MB) terurai "
                          f"menjadi {sum(p.file_size for p in held) / 1e6:.1f} MB, melebihi batas {budget / 1e6:.1f} "
                          f"MB (1/{HELD_SHARE} dari import_max_unpacked_bytes): {KEEP_THE_LIST}")


def _shared_strings_part(data: bytes) -> str | None:
    """The shared strings part, found as openpyxl finds it: the first one the content types name, wherever it is."""
    from defusedxml.ElementTree import fromstring

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            root = fromstring(z.read(CONTENT_TYPES))
    except Exception as e:
        raise FileProblem(f"berkas XLSX tidak dapat dibaca ({_why(e)}): {RESAVE}") from None
    return next((o.get("PartName", "").lstrip("/") for o in root if o.tag.endswith("}Override")
                 and o.get("ContentType") == SHARED_STRINGS), None)


def _open(data: bytes):
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    # The sheet's own <dimension> is dropped anyway (_cells_by_row). openpyxl looks it up as it opens a sheet, and
    # where a sheet has none it parses the whole sheet to find out: a hostile file's 400,000 formatted blank rows
    # cost half the import's time for nothing.
    ReadOnlyWorksheet._get_size = _no_size
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl meets a damaged package with many kinds of exception
        raise FileProblem(f"berkas XLSX tidak dapat dibaca ({_why(e)}): {RESAVE}") from None


def _no_size(sheet) -> None:
    """In place of ReadOnlyWorksheet._get_size: the size stays unknown and rows are read as they come."""


def _check_merged_header(book, sheet, where: str) -> None:
    """Merged cells in the first two rows mean a title block (kop) above the header, which is not a column row.

    Read-only openpyxl does not report merged cells, so the sheet's XML is scanned for them: a plain pass that costs
    no more than unpacking, bounded by the size check.
    """
    found: set[str] = set()
    tail = b""
    try:
        with book._archive.open(sheet._worksheet_path) as src:  # where read-only openpyxl keeps the sheet
            while chunk := src.read(1 << 20):
                buf = tail + chunk
                found.update(m.group(1).decode() for m in MERGE.finditer(buf)
                             if min(int(m.group(2)), int(m.group(3) or m.group(2))) <= 2)
                tail = buf[-300:]
    except Exception as e:
        raise FileProblem(f"{where}tidak dapat dibaca ({_why(e)}): {RESAVE}") from None
    if found:
        ranges = ", ".join(sorted(found)[:3])
        raise FileProblem(f"{where}ada sel gabungan di baris judul ({ranges}): baris 1 harus satu baris judul kolom "
                          "biasa, tanpa kop atau sel gabungan")


def _read(sheet, limits: Limits, where: str) -> tuple[list[str], list]:
    columns: list[str] | None = None
    rows: list = []
    try:
        for row_no, values in enumerate(_cells_by_row(sheet, limits.columns + 1), start=1):
            if row_no > limits.rows + 1:
                raise FileProblem(f"{where}lebih dari {limits.rows} baris di bawah judul (import_max_rows; baris "
                                  "kosong yang diformat ikut terhitung): hapus baris kosong di bawah daftar atau "
                                  "pecah berkasnya")
            cells = [_text(v) for v in values]
            if columns is None:
                columns = header(cells, limits, where)
            else:
                data_row(row_no, columns, cells, rows, limits, where)
    except FileProblem:
        raise
    except Exception as e:  # a damaged sheet fails in the middle of the stream, with many kinds of exception
        raise FileProblem(f"{where}tidak dapat dibaca ({_why(e)}): {RESAVE}") from None
    return columns or [], rows


def _cells_by_row(sheet, width: int):
    """Every row from the first, gaps filled with empty rows as they come, `width` cells each.

    The sheet's own <dimension> would cut the rows short where it says the sheet ends, and it may lie: it is dropped.
    The caller stops at its row limit, so a row numbered a billion costs no more than the limit.
    """
    sheet.reset_dimensions()
    return sheet.iter_rows(max_col=width, values_only=True)


def _text(value: object) -> str:
    """A cell as the text a person typed in it."""
    if value is None:
        return ""
    if value is True or value is False:
        return "TRUE" if value else "FALSE"  # Excel's own words for its booleans
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 12.0 is how a sheet stores 12
    return str(value).strip()


def _no_data(title: str, has_header: bool, others: list, limits: Limits) -> str:
    said = f"lembar pertama '{title}' " + ("hanya berisi baris judul kolom, tanpa data" if has_header else "kosong")
    full = next((s.title for s in others if _has_data(s, limits)), None)
    if full is not None:
        said += (f"; data ada di lembar '{full}': hanya lembar pertama yang dibaca, jadi pindahkan lembar itu ke "
                 "urutan pertama lalu simpan")
    return said


def _has_data(sheet, limits: Limits) -> bool:
    try:
        rows = islice(_cells_by_row(sheet, limits.columns), 1, limits.rows + 1)  # below the header, to the limit
        return any(any(_text(v) for v in values) for values in rows)
    except Exception:  # a damaged other sheet only loses the hint
        return False


def _why(e: BaseException) -> str:
    """What went wrong, in a few words a person can pass on."""
    e = e.__cause__ or e  # openpyxl wraps what it met in a ValueError of its own
    if isinstance(e, KeyError):
        missing = re.search(r"named '([^']+)'", str(e))
        return f"bagian {missing.group(1)} tidak ada" if missing else "ada bagian yang hilang"
    if isinstance(e, ParseError):
        line, column = e.position
        return f"XML rusak di baris {line}, kolom {column}"
    if isinstance(e, DefusedXmlException):
        return "XML memuat DTD atau entitas, yang tidak diterima"
    if isinstance(e, zipfile.BadZipFile | zlib.error | EOFError):
        return "data terkompresi rusak"
    return f"isinya tidak sah: {type(e).__name__}"
