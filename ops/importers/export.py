"""Every list in its import format: download, correct, import again.

The files open safely in a spreadsheet (formula text neutralised, see `spreadsheet`) and import back unchanged.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from ops.config import Settings, get_settings
from ops.importers.kinds import KINDS
from ops.importers.personnel import frame as personnel_frame  # noqa: F401 (the roster, as callers know it)
from ops.importers.spreadsheet import XLSX_TYPE, csv_bytes, xlsx_bytes
from ops.importers.tps import frame as tps_frame  # noqa: F401 (the TPS list, as callers know it)

FORMATS = {".csv": "text/csv", ".xlsx": XLSX_TYPE}  # file suffix -> media type


def file_bytes(frame: pd.DataFrame, kind: str, suffix: str) -> bytes:
    """The list as a file of the given kind (.csv or .xlsx)."""
    if suffix == ".xlsx":
        return xlsx_bytes({KINDS[kind].sheet: frame})
    if suffix == ".csv":
        return csv_bytes(frame)
    raise ValueError(f"no export format for {suffix!r}: name the file {' or '.join(FORMATS)}")


def export_list(session: Session, kind: str, suffix: str, settings: Settings | None = None) -> tuple[int, bytes]:
    """How many rows the list has and the file that holds them."""
    frame = KINDS[kind].frame(session, settings or get_settings())
    return len(frame), file_bytes(frame, kind, suffix)
