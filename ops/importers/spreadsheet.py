"""Tables written so that a spreadsheet never runs them, and read back unchanged.

A cell whose text starts like a formula (`=`, `+`, `-`, `@`, or a tab or carriage return before one) is run by Excel or
LibreOffice when the file is opened: `=cmd|' /C calc'!A0` starts a program. OWASP's advice for CSV injection is to
prefix such text with a single quote, which spreadsheets show as text. Every export does so in every text cell, and
the importers take that quote off again, so export → import changes nothing.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import re

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Quotes already in front of a formula start are escaped by one more, so text typed as "'=x" comes back as "'=x".
_NEUTRALISED = re.compile(f"{QUOTE}*[{re.escape(''.join(FORMULA_START))}]")


def neutralise(text: str) -> str:
    """The text as a spreadsheet shows it without running it."""
    return QUOTE + text if _NEUTRALISED.match(text) else text


def restore(text: str) -> str:
    """The text as it was before `neutralise`: one quote off where it stands before a formula start."""
    return text[1:] if text.startswith(QUOTE) and _NEUTRALISED.match(text, 1) else text


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell neutralised; numbers stay numbers (a negative latitude is not a formula)."""
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_object_dtype(out[name]) or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(lambda v: neutralise(v) if isinstance(v, str) else v)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV, UTF-8 with a byte-order mark so Excel reads the accents; the importers read it back as it was."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per table; text cells are written as strings, never as formulas, whatever they start with."""
    book = Workbook(write_only=True)
    for name, frame in tables.items():
        sheet = book.create_sheet(name[:31])  # Excel's limit for a sheet name
        sheet.append([_cell(sheet, str(c)) for c in frame.columns])
        for row in safe_frame(frame).itertuples(index=False):
            sheet.append([_cell(sheet, _plain(v)) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        # openpyxl makes any text starting with "=" a formula; a string cell is what the table holds.
        cell.data_type = "s"
    return cell


def _plain(value):
    """A value openpyxl writes as it is: numpy scalars as Python ones, missing values as an empty cell."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool | int | float | str | dt.date | dt.time):
        return value
    return neutralise(str(value))
