"""Laporan Harian Posko: gather the figures at a moment, draw the charts, write PDF and HTML, record in the archive.

Files are written under temporary names and renamed only when both are complete, and the archive row is added in
the same step: a failure leaves neither a half-written file nor an archive entry pointing at nothing.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ops import models as m
from ops.audit import record
from ops.briefing.content import FIGURES, gather
from ops.briefing.html_doc import render_html
from ops.briefing.images import BriefingError, chart_browser, find_chromium, to_png
from ops.briefing.pdf import render_pdf
from ops.calendar import effective_settings
from ops.charts import problem_bars, rain_heatmap
from ops.clock import WIB, as_utc, load_clock, utcnow
from ops.config import PROJECT_ROOT, Settings
from ops.db import get_engine, session_scope
from ops.maps import Base, Context, Layers, Style, View, operation_map

__all__ = ["BriefingError", "BriefingResult", "chart_browser", "make_briefing", "FIGURES"]


@dataclass(frozen=True)
class BriefingResult:
    id: int
    moment: dt.datetime
    pdf: Path
    html: Path


def output_dir(settings: Settings, out: str | Path | None) -> Path:
    path = Path(out or settings.briefing_dir)
    return path if path.is_absolute() else PROJECT_ROOT / path


def _images(c, settings: Settings, progress) -> dict[str, bytes]:
    phase = c.phase.tahapan
    progress("grafik masalah per wilayah")
    tps, names = c.tps, c.kecamatan_names
    if c.rank_level != "kecamatan":  # a Polda's bars are its kabupaten (the nation's its provinces), not 241 kecamatan
        parts = {"kabupaten": 2, "provinsi": 1}[c.rank_level]
        tps = tps.assign(kecamatan_code=tps["code"].map(lambda code: ".".join(code.split(".")[:parts])))
        names = {code: c.names.name(code) for code in set(tps["kecamatan_code"])}
    images = {"kesiapan": to_png(problem_bars(tps, names, phase, settings.readiness_ready_threshold, height=520),
                                 settings, 1000, 520)}
    progress("peta")
    peta = operation_map(Base(c.boundaries["kecamatan"], c.boundaries["desa"]), Layers(c.tps),
                         View(colour="kesiapan", shown=frozenset({"tps"})),
                         Style(height=900, width=800, max_points=settings.map_max_points),
                         Context(phase, settings.readiness_ready_threshold))
    images["peta"] = to_png(peta, settings, 800, 900)
    if not c.rain.empty:
        progress("grafik hujan")
        images["hujan"] = to_png(rain_heatmap(c.rain, c.kecamatan_names, settings.heavy_rain_mm, height=520),
                                 settings, 1100, 520)
    return images


def make_briefing(settings: Settings, out: str | Path | None = None, moment: dt.datetime | None = None,
                  kind: str = "manual", made_by: str = "sistem",
                  progress: Callable[[str], None] = lambda step: None,
                  fence: Callable[[object], None] | None = None) -> BriefingResult:
    """Write the PDF and HTML for `moment` (default: the operation clock now) and record them in the archive.

    `fence(session)` runs in the archive transaction before the files get their names (the scheduler's lease check):
    when it raises, neither the files nor the archive row are kept."""
    find_chromium(settings)  # fail before any work when the charts cannot be drawn
    folder = output_dir(settings, out)
    folder.mkdir(parents=True, exist_ok=True)
    engine = get_engine(settings.database_url)
    written = utcnow()  # machine time: only to name the files apart
    with session_scope(engine) as session:
        settings = effective_settings(settings, session)  # the operation's imported calendar, if any
        clock_now = load_clock(session).now()
        moment = as_utc(moment) if moment else clock_now
        # When it was made, on the operation clock (the one the briefing speaks of): a scheduled briefing is made at
        # the moment it describes; one made by hand, at the operation's now, whatever moment it shows.
        made_at = moment if kind == "terjadwal" else clock_now
        progress("mengumpulkan angka")
        content = gather(session, settings, moment, made_at)
    images = _images(content, settings, progress)
    progress("menyusun PDF")
    pdf = render_pdf(content, images)
    progress("menyusun HTML")
    page = render_html(content, images)
    stem = f"laporan_harian_{moment.astimezone(WIB):%Y%m%d_%H%M}_{written:%H%M%S}"
    pdf_path, html_path = folder / f"{stem}.pdf", folder / f"{stem}.html"
    tmp_pdf, tmp_html = pdf_path.with_suffix(".pdf.part"), html_path.with_suffix(".html.part")
    try:
        tmp_pdf.write_bytes(pdf)
        tmp_html.write_text(page, encoding="utf-8")
        with session_scope(engine) as session:
            row = m.Briefing(made_at=made_at, moment=moment, kind=kind, made_by=made_by, pdf_path=str(pdf_path),
                             html_path=str(html_path), figures={k: int(content.figures[k]) for k, _ in FIGURES})
            session.add(row)
            session.flush()
            record(session, made_by, "buat_laporan", "laporan", str(row.id), None,
                   {"keadaan_per": moment, "jenis": kind, "pdf": pdf_path.name})
            if fence is not None:
                fence(session)
            os.replace(tmp_pdf, pdf_path)
            os.replace(tmp_html, html_path)
            result = BriefingResult(row.id, moment, pdf_path, html_path)
    finally:
        for tmp in (tmp_pdf, tmp_html):
            tmp.unlink(missing_ok=True)
    progress("selesai")
    return result


def archive(session) -> list[m.Briefing]:
    from sqlalchemy import select
    return list(session.scalars(select(m.Briefing).order_by(m.Briefing.made_at.desc())))
