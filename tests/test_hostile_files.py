"""Hostile and broken import files: each one is a problem named for a person, nothing in the database changes, and
reading costs bounded time and memory. The XLSX files are built here by hand with zipfile, so a test can write what
Excel never would: a bomb, broken XML, a missing part, an old .xls inside."""
import csv
import io
import json
import subprocess
import sys
import zipfile
from xml.sax.saxutils import escape

import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from ops import models as m
from ops.cli import main
from ops.config import get_settings, reset_settings
from ops.db import get_engine, session_scope
from ops.importers import FileProblem, ImportRejected
from ops.importers.export import personnel_frame, tps_frame

from conftest import ROOT
from test_imports import fingerprint, rejected, run_import, to_csv

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def row(n: int, values) -> str:
    return f'<row r="{n}">' + "".join(cell(f"{get_column_letter(i)}{n}", v) for i, v in enumerate(values, 1)) + "</row>"


def table_rows(rows: list[list]):
    """A header and data rows as sheet XML, row by row."""
    for n, values in enumerate(rows, start=1):
        yield row(n, values)


def package(sheets: dict[str, object], drop: str | None = None, head: str = "") -> bytes:
    """A minimal XLSX: {sheet name: its rows as XML strings (any iterable)}. `drop` leaves one part out; `head` goes
    before the worksheet element (a DOCTYPE, say)."""
    names = list(sheets)
    parts = {
        "[Content_Types].xml":
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{TYPES}.worksheet+xml"/>'
                      for i in range(1, len(names) + 1)) + "</Types>",
        "_rels/.rels":
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml":
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
            + "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, start=1))
            + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels":
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            + "".join(f'<Relationship Id="rId{i}" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, len(names) + 1)) + "</Relationships>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            if name != drop:
                z.writestr(name, text)
        for i, rows in enumerate(sheets.values(), start=1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as f:
                f.write(f'<?xml version="1.0" encoding="UTF-8"?>{head}<worksheet xmlns="{MAIN}"><sheetData>'.encode())
                for piece in rows:
                    f.write(piece.encode())
                f.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture
def tps_rows(demo_copy) -> list[list]:
    with session_scope(get_engine(demo_copy)) as s:
        frame = tps_frame(s)
    return [list(frame.columns)] + [list(r) for r in frame.itertuples(index=False)]


@pytest.fixture
def roster_rows(demo_copy) -> list[list[str]]:
    with session_scope(get_engine(demo_copy)) as s:
        frame = personnel_frame(s)
    return [list(frame.columns)] + [[str(v) for v in r] for r in frame.itertuples(index=False)]


def bko_of(nrps: list[str]) -> list[bool]:
    with session_scope(get_engine(get_settings().database_url)) as s:
        found = dict(s.execute(select(m.Personnel.nrp, m.Personnel.bko).where(m.Personnel.nrp.in_(nrps))).all())
    return [found[n] for n in nrps]


def cli_import(kind: str, data: bytes, name: str, tmp_path, capsys) -> tuple[int, str]:
    """The CLI in this process: a traceback would fail the test instead of reaching stderr."""
    path = tmp_path / name
    path.write_bytes(data)
    code = main(["import", kind, str(path)])
    return code, capsys.readouterr().err


# --- booleans ---------------------------------------------------------------------------------------------------

def test_roster_booleans_in_every_spelling(demo_copy, roster_rows):
    spellings = {"TRUE": True, "FALSE": False, "true": True, "false": False, "Ya": True, "tidak": False, "y": True,
                 "T": False, "1": True, "0": False}
    rows = [r[:] for r in roster_rows]
    for r, word in zip(rows[1:], spellings):
        r[6] = word
    report = run_import("personnel", to_csv(rows))
    assert report.created == 0
    assert bko_of([r[0] for r in rows[1:len(spellings) + 1]]) == list(spellings.values())


def test_excel_booleans_in_an_xlsx_roster(demo_copy, roster_rows):
    rows = [r[:] for r in roster_rows[:5]]
    for r, value in zip(rows[1:], (True, False, True, False)):
        r[6] = value  # a real Excel boolean cell (t="b"), not the word
    report = run_import("personnel", package({"Personel": table_rows(rows)}), "personel.xlsx")
    assert report.rows == 4
    assert bko_of([r[0] for r in rows[1:]]) == [True, False, True, False]


def test_a_word_that_is_no_boolean_is_named(demo_copy, roster_rows):
    before = fingerprint(demo_copy)
    rows = [r[:] for r in roster_rows[:3]]
    rows[2][6] = "mungkin"
    assert rejected("personnel", to_csv(rows)) == [
        "baris 3, kolom bko: 'mungkin': isi ya atau tidak (ya/y/1/true atau tidak/t/0/false)"]
    assert fingerprint(demo_copy) == before


# --- damaged and disguised XLSX ---------------------------------------------------------------------------------

def damaged(case: str, rows: list[list]) -> bytes:
    good = list(table_rows(rows[:4]))
    if case == "broken xml":
        return package({"Data": good[:2] + ['<row r="3"><c r="A3" t="inlineStr"><is><t>16.10</is></c></row>']})
    if case == "missing workbook":
        return package({"Data": good}, drop="xl/workbook.xml")
    if case == "missing content types":
        return package({"Data": good}, drop="[Content_Types].xml")
    if case == "entity bomb":
        laughs = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        return package({"Data": good[:1] + ['<row r="2"><c r="A2" t="inlineStr"><is><t>&b;</t></is></c></row>']},
                       head=laughs)
    if case == "xls renamed":
        return bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504) + "Workbook".encode("utf-16-le") + bytes(2000)
    if case == "password":
        # Excel keeps an encrypted workbook in the old container, with these two streams.
        return (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(64)
                + "EncryptedPackage".encode("utf-16-le") + bytes(2000))
    if case == "csv renamed":
        return to_csv([[str(v) for v in r] for r in rows[:4]])
    if case == "bad number cell":
        return package({"Data": good[:2] + ['<row r="3"><c r="A3"><v>tiga</v></c></row>']})
    raise AssertionError(case)


@pytest.mark.parametrize("case, expected", [
    ("broken xml", "tidak dapat dibaca (XML rusak di baris 1, kolom"),
    ("missing workbook", "bagian xl/workbook.xml tidak ada"),
    ("missing content types", "bagian [Content_Types].xml tidak ada"),
    ("entity bomb", "XML memuat DTD atau entitas"),
    ("xls renamed", "format Excel lama (.xls) dengan nama .xlsx"),
    ("password", "dilindungi kata sandi"),
    ("csv renamed", "bukan arsip zip"),
    ("bad number cell", "lembar 'Data': tidak dapat dibaca (isinya tidak sah: ValueError)"),
])
def test_damaged_xlsx_is_a_named_problem_in_the_cli_too(demo_copy, tps_rows, tmp_path, capsys, case, expected):
    before = fingerprint(demo_copy)
    data = damaged(case, tps_rows)
    with pytest.raises(FileProblem) as e:
        run_import("tps", data, "daftar.xlsx")
    assert expected in str(e.value)
    assert "simpan ulang" in str(e.value) or "kata sandi" in str(e.value)  # what to do about it
    code, err = cli_import("tps", data, "daftar.xlsx", tmp_path, capsys)
    assert code == 1 and expected in err and "Nothing was changed" in err and "Traceback" not in err
    assert fingerprint(demo_copy) == before


# --- sheets, rows and columns -----------------------------------------------------------------------------------

def test_data_on_a_second_sheet_is_named(demo_copy, tps_rows):
    before = fingerprint(demo_copy)
    data = package({"Petunjuk": table_rows(tps_rows[:1]), "TPS Ogan Ilir": table_rows(tps_rows[:5])})
    with pytest.raises(FileProblem) as e:
        run_import("tps", data, "daftar.xlsx")
    assert str(e.value).startswith("lembar pertama 'Petunjuk' hanya berisi baris judul kolom, tanpa data; data ada "
                                   "di lembar 'TPS Ogan Ilir'")
    empty_first = package({"Kosong": [], "Catatan": table_rows([["catatan"]]), "TPS": table_rows(tps_rows[:5])})
    with pytest.raises(FileProblem, match="lembar pertama 'Kosong' kosong; data ada di lembar 'TPS'"):
        run_import("tps", empty_first, "daftar.xlsx")
    assert fingerprint(demo_copy) == before


def test_values_past_the_last_column_are_named_not_dropped(demo_copy, tps_rows):
    rows = [r[:] for r in tps_rows[:3]]
    rows[2] = rows[2] + [None, "catatan di luar kolom"]
    assert rejected("tps", package({"Data": table_rows(rows)}), "daftar.xlsx") == [
        "baris 3: lebih banyak nilai daripada kolom (catatan di luar kolom)"]


def test_too_many_columns_is_a_file_problem(demo_copy, tps_rows):
    wide = [tps_rows[0] + [f"kolom_{i}" for i in range(60)]] + [r + [""] * 60 for r in tps_rows[1:3]]
    for data, name in ((package({"Data": table_rows(wide)}), "daftar.xlsx"),
                       (to_csv([[str(v) for v in r] for r in wide]), "daftar.csv")):
        with pytest.raises(FileProblem, match="lebih dari 50 kolom \\(import_max_columns\\)"):
            run_import("tps", data, name)


def test_blank_rows_count_toward_the_row_limit_of_a_sheet(demo_copy, tps_rows, monkeypatch):
    monkeypatch.setenv("OPS_IMPORT_MAX_ROWS", "100")
    reset_settings()
    blank = (f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(5, 200_000))
    with pytest.raises(FileProblem, match="lembar 'Data': lebih dari 100 baris di bawah judul"):
        run_import("tps", package({"Data": [*table_rows(tps_rows[:4]), *blank]}), "daftar.xlsx")
    # the same list without the blank tail is read
    assert run_import("tps", package({"Data": table_rows(tps_rows[:4])}), "daftar.xlsx").unchanged == 3


def test_a_row_far_down_the_sheet_stops_the_reading(demo_copy, tps_rows):
    # openpyxl fills the gap up to a row number with empty rows; the limit stops it long before a billion.
    far = '<row r="999999999"><c r="A999999999" t="inlineStr"><is><t>x</t></is></c></row>'
    with pytest.raises(FileProblem, match="lebih dari 50000 baris di bawah judul"):
        run_import("tps", package({"Data": [*table_rows(tps_rows[:4]), far]}), "daftar.xlsx")


def test_unpacked_size_and_the_parts_held_in_memory_are_limited(demo_copy, tps_rows, monkeypatch):
    monkeypatch.setenv("OPS_IMPORT_MAX_UNPACKED_BYTES", "200000")
    reset_settings()
    filler = [row(n, tps_rows[1]) for n in range(2, 2000)]
    with pytest.raises(FileProblem, match="melebihi batas 0.2 MB \\(import_max_unpacked_bytes\\)"):
        run_import("tps", package({"Data": [row(1, tps_rows[0]), *filler]}), "daftar.xlsx")
    # Shared strings are held whole, whatever the package calls them: a quarter of the limit.
    data = package({"Data": table_rows(tps_rows[:3])})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            text = src.read(info)
            if info.filename == "[Content_Types].xml":
                text = text.replace(b"</Types>", f'<Override PartName="/xl/worksheets/teks.xml" ContentType="{TYPES}'
                                                 f'.sharedStrings+xml"/></Types>'.encode())
            z.writestr(info, text)
        z.writestr("xl/worksheets/teks.xml", f'<sst xmlns="{MAIN}">' + "".join(
            f"<si><t>{i}</t></si>" for i in range(5000)) + "</sst>")
    with pytest.raises(FileProblem, match="terbesar xl/worksheets/teks.xml.*1/4 dari import_max_unpacked_bytes"):
        run_import("tps", out.getvalue(), "daftar.xlsx")


# --- CSV --------------------------------------------------------------------------------------------------------

def test_a_quote_after_the_first_4_kb_does_not_confuse_the_csv_reader(demo_copy):
    with session_scope(get_engine(demo_copy)) as s:
        frame = tps_frame(s)
    frame.loc[200, "alamat"] = 'Balai Desa "Lama", Dusun 2'  # row 202, far past 4 KB
    # The file as the export of the code before this change wrote it (plain pandas), with a quoted address late on.
    report = run_import("tps", frame.to_csv(index=False).encode("utf-8-sig"))
    assert (report.updated, report.unchanged) == (1, 666)
    with session_scope(get_engine(demo_copy)) as s:
        assert s.get(m.Tps, frame.loc[200, "kode_tps"]).address == 'Balai Desa "Lama", Dusun 2'


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_the_delimiter_comes_from_the_header_line(demo_copy, tps_rows, delimiter):
    rows = [[str(v) for v in r] for r in tps_rows[:6]]
    rows[1][3] = 'Jl. "Merdeka"; RT 01, "gang" \t buntu'  # every delimiter and quotes inside one cell
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    report = run_import("tps", out.getvalue().encode())
    assert (report.updated, report.unchanged) == (1, 4)
    with session_scope(get_engine(demo_copy)) as s:
        assert s.get(m.Tps, rows[1][0]).address == rows[1][3]


def test_an_unclosed_quote_is_a_file_problem(demo_copy, tps_rows):
    rows = [[str(v) for v in r] for r in tps_rows[:4]]
    text = to_csv(rows).decode().replace(rows[2][3], '"' + rows[2][3] + "x" * 200_000)
    with pytest.raises(FileProblem, match='baris 3 tidak dapat dibaca .*tanda kutip " yang tidak ditutup'):
        run_import("tps", text.encode())


# --- values -----------------------------------------------------------------------------------------------------

def test_values_python_would_read_as_numbers_are_named(demo_copy, tps_rows):
    before = fingerprint(demo_copy)
    rows = [[str(v) for v in r] for r in tps_rows[:7]]
    for r, value in zip(rows[1:], ("inf", "1e999", "nan", "1_000", "١٢٣", "2.5")):
        r[6] = value  # dpt
    assert rejected("tps", to_csv(rows)) == [
        "baris 2, kolom dpt: 'inf': bukan angka",
        "baris 3, kolom dpt: '1e999': harus bilangan bulat, tanpa titik atau koma",
        "baris 4, kolom dpt: 'nan': bukan angka",
        "baris 5, kolom dpt: '1_000': bukan angka",
        "baris 6, kolom dpt: '١٢٣': bukan angka",
        "baris 7, kolom dpt: '2.5': harus bilangan bulat, tanpa titik atau koma",
    ]
    assert fingerprint(demo_copy) == before


def test_control_characters_and_huge_cells_are_named_briefly(demo_copy, roster_rows):
    rows = [r[:] for r in roster_rows[:3]]
    rows[1][1] = "Budi\x01Santoso"
    rows[2][1] = "A" * 100_000
    problems = rejected("personnel", to_csv(rows))
    assert problems[0] == ("baris 2, kolom nama: 'Budi\\x01Santoso': berisi karakter kendali 0x01 yang tidak bisa "
                           "disimpan ke XLSX; hapus karakter itu")
    assert problems[1] == f"baris 3, kolom nama: '{'A' * 59}…': lebih dari 120 karakter"


def test_a_file_of_nothing_but_problems_stops_at_a_thousand(demo_copy, tps_rows):
    rows = [tps_rows[0]] + [["x"] * len(tps_rows[0]) for _ in range(5000)]
    with pytest.raises(ImportRejected) as e:
        run_import("tps", to_csv(rows))
    assert len(e.value.problems) == 1001
    assert str(e.value.problems[0]).startswith("berkas: lebih dari 1000 masalah: pemeriksaan berhenti di baris")


# --- time and memory, measured in a process of their own --------------------------------------------------------

# Peak memory is VmHWM, the high-water mark of this program's own memory: ru_maxrss would also carry the pytest
# process this one was forked from.
MEASURE = """
import json, re, sys, time
from ops.cli import main
start = time.process_time()
code = main(["import", "tps", sys.argv[1]])
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
print(json.dumps({"code": code, "cpu_s": time.process_time() - start, "peak_mb": peak_kb / 1024}))
"""


def bomb_rows():
    """The bomb from the probe: ten cells a row, the same few bytes over and over, 80 MB packed into 0.3 MB."""
    yield row(1, ["kode_tps"])
    block = ("<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * 10 + "</row>") * 1000
    for _ in range(205):
        yield block


def blank_rows():
    """Within every limit of the package (17 MB packed 8 fold): formatted blank rows, 400,000 of them."""
    yield from table_rows([["kode_tps", "kode_desa"], ["16.10.01.1011.001", "16.10.01.1011"]])
    yield from (f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(3, 400_000))


@pytest.mark.parametrize("make, expected", [
    (lambda: package({"Data": bomb_rows()}), "terurai 2"),  # ~240 times its packed size
    (lambda: padded(package({"Data": bomb_rows()})), "terurai 2"),
    (lambda: package({"Data": blank_rows()}), "lebih dari 50000 baris di bawah judul"),
])
def test_hostile_xlsx_costs_bounded_time_and_memory(demo_copy, tmp_path, make, expected):
    data = make()
    path = tmp_path / "daftar.xlsx"
    path.write_bytes(data)
    before = fingerprint(demo_copy)
    r = subprocess.run([sys.executable, "-c", MEASURE, str(path)], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["code"] == 1 and expected in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert result["peak_mb"] < 300, result
    assert result["cpu_s"] < 10, result
    assert fingerprint(demo_copy) == before


def padded(data: bytes) -> bytes:
    """The bomb grown to just under the 5 MB upload limit with a part of random bytes (a picture, say)."""
    import random

    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as z:
        z.writestr("xl/media/image1.png", random.Random(1).randbytes(4_990_000 - len(data)))
    assert 4_900_000 < len(out.getvalue()) < 5_000_000
    return out.getvalue()
