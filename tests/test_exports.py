"""Exports that a spreadsheet never runs: text that starts like a formula is neutralised in every CSV and XLSX the
project writes (lists, planner), no XLSX cell is a formula, and every list export imports back unchanged."""
import csv
import io
import sqlite3
import zipfile
from xml.etree import ElementTree

import pytest
from streamlit.testing.v1 import AppTest

from ops.cli import main
from ops.config import get_settings
from ops.db import get_engine, session_scope
from ops.importers.export import export_list, personnel_frame, tps_frame
from ops.importers.kinds import KINDS
from ops.importers.spreadsheet import FORMULA_START, neutralise, restore
from ops.planner import plan_tables, to_csv, to_xlsx

from conftest import ROOT
from test_imports import run_import

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
HOSTILE = ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(1)", "\t=1+1", "\r=1+1", "'=kutip sudah ada", "''+y"]
# XML turns a carriage return into a line feed, in Excel as in openpyxl: an XLSX cannot carry one back.
XLSX_SAFE = [v for v in HOSTILE if "\r" not in v]


@pytest.mark.parametrize("text, shown", [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(1)", "'@SUM(1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("'=x", "''=x"), ("''-x", "'''-x"),
    ("Balai Desa", "Balai Desa"), ("'kutip", "'kutip"), ("'", "'"), ("", ""), ("a=b", "a=b"),
])
def test_neutralise_then_restore_gives_the_text_back(text, shown):
    assert neutralise(text) == shown
    assert restore(neutralise(text)) == text


def hostile(url: str, columns: dict[str, str], values: list[str]) -> dict[str, str]:
    """Hostile text written straight into the database; {key: value} of the rows changed."""
    table, key, column = columns["table"], columns["key"], columns["column"]
    with sqlite3.connect(url.removeprefix("sqlite:///")) as c:
        keys = [r[0] for r in c.execute(f"SELECT {key} FROM {table} ORDER BY {key} LIMIT {len(values)}")]
        c.executemany(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", list(zip(values, keys)))
    return dict(zip(keys, values))


TPS_ADDRESS = {"table": "tps", "key": "code", "column": "address"}
OFFICER_NAME = {"table": "personnel", "key": "nrp", "column": "name"}
POLSEK_NAME = {"table": "polsek", "key": "code", "column": "name"}


def csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_cells(data: bytes) -> dict[str, list[tuple[str | None, str]]]:
    """{sheet part: [(cell type, text)]} read from the XML itself; a formula anywhere fails the test."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            shared = ["".join(si.itertext()) for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml"))]
        for name in z.namelist():
            if not name.startswith("xl/worksheets/"):
                continue
            root = ElementTree.fromstring(z.read(name))
            assert next(root.iter(f"{MAIN}f"), None) is None, f"{name} holds a formula"
            cells = []
            for c in root.iter(f"{MAIN}c"):
                text = "".join(c.itertext())
                cells.append((c.get("t"), shared[int(text)] if c.get("t") == "s" else text))
            out[name] = cells
    return out


def assert_safe_xlsx(data: bytes, expected: list[str]) -> None:
    cells = [c for sheet in xlsx_cells(data).values() for c in sheet]
    for kind, text in cells:
        if kind in ("s", "inlineStr", "str"):
            assert not text.startswith(FORMULA_START), text
        else:
            float(text)  # a number cell holds a number, not text that slipped past
    texts = {text for kind, text in cells if kind in ("s", "inlineStr")}
    for value in expected:
        assert "'" + value.replace("\r", "\n") in texts, value  # the XML parser reads CR as LF


@pytest.mark.parametrize("kind, target", [("tps", TPS_ADDRESS), ("personnel", OFFICER_NAME)])
def test_list_exports_neutralise_formula_text(demo_copy, kind, target):
    changed = hostile(demo_copy, target, HOSTILE)
    with session_scope(get_engine(demo_copy)) as s:
        _, as_csv = export_list(s, kind, ".csv")
        _, as_xlsx = export_list(s, kind, ".xlsx")
    column = "alamat" if kind == "tps" else "nama"
    rows = csv_cells(as_csv)
    at = rows[0].index(column)
    assert {r[0]: r[at] for r in rows[1:] if r[0] in changed} == {k: "'" + v for k, v in changed.items()}
    assert_safe_xlsx(as_xlsx, HOSTILE)


@pytest.mark.parametrize("kind, target", [("tps", TPS_ADDRESS), ("personnel", OFFICER_NAME)])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_hostile_text_survives_export_then_import(demo_copy, kind, target, suffix):
    changed = hostile(demo_copy, target, HOSTILE if suffix == ".csv" else XLSX_SAFE)
    with session_scope(get_engine(demo_copy)) as s:
        rows, data = export_list(s, kind, suffix)
    report = run_import(kind, data, f"daftar{suffix}")
    assert (report.created, report.updated, report.unchanged) == (0, 0, rows)
    frame = tps_frame if kind == "tps" else personnel_frame
    with session_scope(get_engine(demo_copy)) as s:
        after = frame(s)
    now = after.set_index(after.columns[0])["alamat" if kind == "tps" else "nama"]
    assert {k: now[k] for k in changed} == changed


@pytest.mark.parametrize("kind", ["tps", "personnel"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_demo_lists_round_trip_through_the_cli(demo_copy, tmp_path, capsys, kind, suffix):
    path = tmp_path / f"daftar{suffix}"
    assert main(["export", kind, str(path)]) == 0
    rows = 667 if kind == "tps" else 331
    assert capsys.readouterr().out == f"{kind}: {rows} row(s) written to {path}\n"
    assert main(["import", kind, str(path), "--by", "uji"]) == 0
    assert f"{rows} baris — 0 baru, 0 diubah, {rows} tetap" in capsys.readouterr().out


def test_cli_export_says_what_is_wrong(demo_copy, tmp_path, capsys):
    assert main(["export", "tps", str(tmp_path / "daftar.ods")]) == 1
    assert "name the file .csv or .xlsx" in capsys.readouterr().err
    assert main(["export", "tps", str(tmp_path / "tidak_ada" / "daftar.csv")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.part"))


def test_cli_export_without_a_schema(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPS_DATABASE_URL", f"sqlite:///{tmp_path / 'kosong.db'}")
    assert main(["export", "personnel", str(tmp_path / "p.csv")]) == 1
    assert "run `python -m ops init` first" in capsys.readouterr().err
    assert not (tmp_path / "p.csv").exists()


def test_planner_exports_hold_no_formula(demo_copy):
    hostile(demo_copy, POLSEK_NAME, HOSTILE[:4])  # polsek names appear in the plan and the balance
    hostile(demo_copy, OFFICER_NAME, HOSTILE * 50)  # officers left over appear by name
    s = get_settings()
    with session_scope(get_engine(demo_copy)) as session:
        tables = plan_tables(session, s, s.road_speed_kmh, s.river_speed_kmh, True)
    assert set(tables["cadangan"]["nama"]) & set(HOSTILE)  # the test reaches the officers' names
    assert_safe_xlsx(to_xlsx(tables), HOSTILE[:4])
    rows = csv_cells(to_csv(tables["rencana"]))
    at = rows[0].index("nama_polsek")
    assert {r[at] for r in rows[1:]} >= {"'" + v for v in HOSTILE[:4]}
    assert not any(cell.startswith(FORMULA_START) for r in rows for cell in r if not _number(cell))


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_data_page_offers_every_list_as_csv_and_xlsx_and_the_template_of_the_chosen_one(demo_copy):
    at = AppTest.from_file(str(ROOT / "views" / "data_tps.py"), default_timeout=120).run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:2] == ["Templat Daftar TPS (CSV)", "Templat Daftar TPS (XLSX)"]
    assert sorted(labels[2:]) == sorted(f"{k.label} ({x})" for k in KINDS.values() for x in ("CSV", "XLSX"))
    at.radio(key="imp_kind").set_value("legs").run()
    assert [b.proto.label for b in at.get("download_button")][:2] == [
        "Templat Rencana logistik (CSV)", "Templat Rencana logistik (XLSX)"]
