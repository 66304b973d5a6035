"""Imports of the TPS list and the personnel roster: every row checked before anything changes; any bad row and
nothing changes, with every bad row named (row, column, reason); otherwise one transaction, audited."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

from ops.importers.spreadsheet import restore
from ops.importers.table import FileProblem, Limits, Table, read_table, shown

__all__ = ["Column", "FileProblem", "ImportRejected", "ImportReport", "Limits", "Problem", "parse_rows", "read_table"]


MAX_PROBLEMS = 1000  # problems listed before the check of a file stops


@dataclass(frozen=True)
class Problem:
    row: int | None  # row number in the file (header = 1); None for the file as a whole
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"baris {self.row}" if self.row else "berkas"
        return f"{where}, kolom {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


class ImportRejected(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or ""))  # as the file reads, top down
        problems = self.problems
        super().__init__(f"{len(problems)} masalah; tidak ada yang diubah:\n" + "\n".join(map(str, problems[:50]))
                         + (f"\n… dan {len(problems) - 50} lagi" if len(problems) > 50 else ""))


@dataclass
class ImportReport:
    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # records the file replaced (a list that is the truth for the places it names)
    verified: int = 0
    codes: list[str] = field(default_factory=list)
    # Rows saved that still look wrong (a rank that does not fit the NRP's age): worth a look, not a reason to refuse.
    warnings: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.kind}: {self.rows} baris — {self.created} baru, {self.updated} diubah, {self.unchanged} tetap"
                + (f", {self.removed} dihapus" if self.removed else "")
                + (f", {self.verified} status verifikasi dicatat" if self.verified else "")
                + (f", {len(self.warnings)} perlu diperiksa" if self.warnings else ""))


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], object]  # raises ValueError with the reason a person reads
    required: bool = True
    help: str = ""


def parse_rows(table: Table, columns: list[Column], progress: Callable[[float], None] = lambda f: None
               ) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """Each row's values parsed by its column; unknown and missing columns are problems of the file."""
    known = {c.name for c in columns}
    problems = [Problem(None, None, f"kolom wajib tidak ada: {c.name}" + (f" ({c.help})" if c.help else ""))
                for c in columns if c.required and c.name not in table.columns]
    unknown = [c for c in table.columns if c and c not in known]
    if unknown:
        problems.append(Problem(None, None, f"kolom tidak dikenal: {', '.join(unknown)}; kolom yang dikenal: "
                                            f"{', '.join(c.name for c in columns)}"))
    if problems:
        return [], problems
    out = []
    n = len(table.rows)
    width = len(table.columns)
    position = {name: i for i, name in enumerate(table.columns)}
    for i, (row_no, cells) in enumerate(table.rows):
        if len(problems) >= MAX_PROBLEMS:
            # A file this wrong is not fixed row by row; the first problems show what is wrong with it.
            del problems[MAX_PROBLEMS:]
            problems.append(Problem(None, None, f"lebih dari {MAX_PROBLEMS} masalah: pemeriksaan berhenti di baris "
                                                f"{row_no}; perbaiki yang disebut lalu impor lagi"))
            break
        record: dict = {}
        before = len(problems)
        extra = [v for v in cells[width:] if v]
        if extra:
            problems.append(Problem(row_no, None, f"lebih banyak nilai daripada kolom ({shown(', '.join(extra))})"))
        for c in columns:
            at = position.get(c.name)
            # The quote an export puts before formula text comes off here, so export -> import changes nothing.
            raw = restore(cells[at].strip() if at is not None and at < len(cells) else "")
            if not raw and c.required:
                problems.append(Problem(row_no, c.name, "kosong"))
                continue
            try:
                record[c.name] = c.parse(raw) if raw else None
            except ValueError as e:
                problems.append(Problem(row_no, c.name, f"{shown(raw)!r}: {e}"))
        record["__bad__"] = len(problems) > before  # later checks skip what cannot be checked
        out.append((row_no, record))
        if i % 500 == 0:
            progress(i / n)
    progress(1.0)
    return out, problems


def read_rows(settings, data: bytes, filename: str, columns: list[Column], progress: Callable[[float], None]
              ) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """Read the file and parse every row by its column; a file with no usable row is rejected at once."""
    table = read_table(data, filename, Limits.of(settings))
    rows, problems = parse_rows(table, columns, progress)
    if not rows:
        raise ImportRejected(problems)
    return rows, problems


def distinct(rows: list[tuple[int, dict]], column: str, problems: list[Problem]) -> Iterator[tuple[int, dict]]:
    """The rows to check further: each value of `column` once (a repeat is a problem naming the row it repeats), and
    none whose values could not be read (their problems are listed already)."""
    seen: dict = {}
    for row_no, r in rows:
        value = r.get(column)
        if value is None:
            continue
        if value in seen:
            problems.append(Problem(row_no, column, f"{value} ganda (juga di baris {seen[value]})"))
            continue
        seen[value] = row_no
        if not r["__bad__"]:
            yield row_no, r


def record_file(session, actor: str, entity: str, filename: str, report: ImportReport) -> None:
    """The audit entry for the file as a whole, beside the one per changed record."""
    from ops.audit import record

    record(session, actor, "impor", entity, filename[:60], None,
           {"baris": report.rows, "baru": report.created, "diubah": report.updated})


# A number as a person types it: digits, a decimal point or comma, an exponent from a sheet ("1E-05"); not all that
# Python's float() takes ("inf", "nan", "1_000", other scripts' digits). A whole number has digits only: "1.000" is
# a thousand to an Indonesian reader and one to Python, so it is refused rather than guessed.
NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d{1,3})?", re.ASCII)
WHOLE = re.compile(r"[+-]?\d{1,9}", re.ASCII)


def number(kind: type, low: float, high: float, unit: str = ""):
    def parse(raw: str):
        if not NUMBER.fullmatch(raw):
            raise ValueError("bukan angka")
        if kind is int and not WHOLE.fullmatch(raw):
            raise ValueError("harus bilangan bulat, tanpa titik atau koma")
        v = int(raw) if kind is int else float(raw.replace(",", "."))
        if not low <= v <= high:
            raise ValueError(f"di luar rentang {low:g}–{high:g}{unit}")
        return v
    return parse


def choice(options: dict[str, str]):
    """Accepts the code or its label, any case ('Sangat rawan', 'sangat_rawan')."""
    def parse(raw: str):
        key = raw.strip().lower().replace(" ", "_").replace("-", "_")
        if key in options:
            return options[key]
        raise ValueError(f"pilih salah satu: {', '.join(sorted({str(v) for v in options.values()}))}")
    return parse


YES = ("ya", "y", "1", "true")  # "TRUE" is how Excel writes its own boolean
NO = ("tidak", "t", "0", "false")


def boolean(raw: str) -> bool:
    key = raw.strip().lower()
    if key in YES or key in NO:
        return key in YES
    raise ValueError(f"isi ya atau tidak ({'/'.join(YES)} atau {'/'.join(NO)})")


def matching(pattern: str, reason: str):
    """Text of a set shape (a code, a phone number): the whole value must match, else `reason` is what is wrong."""
    shape = re.compile(pattern)

    def parse(raw: str):
        if not shape.fullmatch(raw):
            raise ValueError(reason)
        return raw
    return parse


# Characters that no spreadsheet cell can hold (XML 1.0 forbids them); tab and line breaks are text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def text(limit: int):
    def parse(raw: str):
        if len(raw) > limit:
            raise ValueError(f"lebih dari {limit} karakter")
        bad = CONTROL.search(raw)
        if bad:
            raise ValueError(f"berisi karakter kendali 0x{ord(bad.group()):02x} yang tidak bisa disimpan ke XLSX; "
                             "hapus karakter itu")
        return raw
    return parse
