"""The operation's area: the part of the country a Posko watches, and so its level of command.

A Polres watches one kabupaten/kota, a Polda a province (one Polres per kabupaten/kota), Mabes the nation. `init`
records the area it loaded in the database (operation_meta), so that every later process — the dashboard, the worker,
the CLI — follows the database without settings. The settings decide what `init` loads: `init --region NAME` a folder
of data/region/, else region_dir with area_code (or, when that is unset, kabupaten_code).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from ops import models as m
from ops.config import PROJECT_ROOT, Settings
from ops.region import folder_area, level_of_code, within

REGION_ROOT = PROJECT_ROOT / "data" / "region"
# The level of an operation's area and the command that runs it: one declared list.
COMMAND = {"kabupaten": "Polres", "provinsi": "Polda", "nasional": "Mabes"}
# operation_meta keys written by init
META_KEYS = ("area_code", "region_dir", "operation_name", "command_name")


@dataclass(frozen=True)
class OperationArea:
    code: str  # '16.10' a kabupaten/kota, '16' a province, '' the nation
    region_dir: str  # where init read it (relative to the project, or absolute)
    operation_name: str
    command_name: str  # 'Polres Ogan Ilir', 'Polda Sumatera Selatan', 'Mabes Polri'

    @property
    def level(self) -> str:
        return level_of_code(self.code)

    @property
    def command(self) -> str:
        return COMMAND[self.level]

    @property
    def kabupaten_code(self) -> str | None:
        """The one kabupaten of a Polres operation; None above it."""
        return self.code if self.level == "kabupaten" else None

    def covers(self, code: str) -> bool:
        return within(code, self.code)

    def as_json(self) -> dict:
        return {"code": self.code, "level": self.level, "command": self.command, "name": self.command_name}


def region_names() -> list[str]:
    """The region folders `init --region` accepts: those under data/region/ with a wilayah.csv."""
    return sorted(p.parent.name for p in REGION_ROOT.glob("*/wilayah.csv"))


def region_dir_of(name: str) -> str:
    return str(Path("data") / "region" / name)


def configured_area(settings: Settings, region: str | None = None) -> OperationArea:
    """What `init` loads: a named region folder (its whole area unless area_code narrows it) or the settings."""
    if region is not None:
        folder = region_dir_of(region)
        code = settings.area_code if settings.area_code is not None else folder_area(settings.path(folder))
        return OperationArea(code, folder, settings.operation_name, settings.polres_name)
    code = settings.area_code if settings.area_code is not None else settings.kabupaten_code
    return OperationArea(code, settings.region_dir, settings.operation_name, settings.polres_name)


def recorded_area(session: Session) -> OperationArea | None:
    meta = {k: session.get(m.OperationMeta, k) for k in META_KEYS}
    if meta["area_code"] is None or meta["region_dir"] is None:
        return None
    values = {k: (row.value if row else "") for k, row in meta.items()}
    return OperationArea(values["area_code"], values["region_dir"], values["operation_name"], values["command_name"])


def operation_area(session: Session, settings: Settings) -> OperationArea:
    """The area of the operation in this database: as init recorded it, else as the settings say (a database made
    before areas were recorded is the settings' kabupaten)."""
    return recorded_area(session) or configured_area(settings)


def several_polres(session: Session, settings: Settings) -> bool:
    """An operation above one kabupaten/kota (a Polda, the nation): a Polres per kabupaten, each with its own HQ,
    Posko, warehouse and Polres units."""
    return operation_area(session, settings).kabupaten_code is None


def record_area(session: Session, area: OperationArea) -> None:
    for key in META_KEYS:
        session.merge(m.OperationMeta(key=key, value=getattr(area, key) if key != "area_code" else area.code))
