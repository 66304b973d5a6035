"""The daily briefing: a PDF whose text carries the figures and the moment, an HTML with no external reference,
a replayed moment with that moment's figures, the archive, and a clear error (and no file) without a browser."""
import datetime as dt
import io
import re
import subprocess
import sys

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from ops import models as m
from ops.clock import from_wib
from ops.config import get_settings, reset_settings
from ops.db import get_engine, session_scope
from ops.headline import headline

from conftest import CHROMIUM_SKIP, ROOT

needs_chromium = pytest.mark.skipif(CHROMIUM_SKIP is not None, reason=str(CHROMIUM_SKIP))


def cli(*args, env=None):
    import os
    return subprocess.run([sys.executable, "-m", "ops", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def pdf_text(path, pages: int | None = None) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages[:pages])


def one(folder, suffix):
    files = sorted(folder.glob(f"*{suffix}"))
    assert len(files) == 1, files
    return files[0]


@needs_chromium
def test_briefing_at_six_in_the_morning(demo_copy, tmp_path):
    out = tmp_path / "laporan"
    r = cli("briefing", "--out", str(out), "--at", "2024-11-27T06:00")
    assert r.returncode == 0, r.stderr
    text = pdf_text(one(out, ".pdf"))
    assert "LAPORAN HARIAN POSKO PAM PILKADA" in text and "Polres Ogan Ilir" in text
    assert "Rabu, 27 November 2024 · 06:00 WIB" in text
    s = get_settings()
    with session_scope(get_engine(s.database_url)) as session:
        figures = headline(session, s, from_wib(dt.datetime(2024, 11, 27, 6, 0)))
        assert session.scalar(select(func.count()).select_from(m.Briefing)) == 1
        row = session.scalars(select(m.Briefing)).one()
        assert row.figures["kotak_di_tps"] == figures["kotak_di_tps"] == 667
    assert re.search(r"TPS dengan kotak suara\s+667\s+\d+", text)
    assert re.search(rf"TPS dibuka\s+{figures['tps_dibuka']}\s", text)
    for words in ("Kecamatan menurut masalah terberat", "TPS bermasalah per kecamatan", "Personel PAM TPS",
                  "Logistik kotak suara", "Jalur sungai", "Hujan 72 jam", "Kejadian 24 jam terakhir", "Koordinasi",
                  "Sumber data", "Rambang Kuang", "Tanjung Raja"):
        assert words in text, words
    # The first page is the situation and Perhatian, with places by name.
    first = pdf_text(one(out, ".pdf"), pages=1)
    assert "Situasi" in first and "Perhatian — perlu keputusan atau tindakan" in first and "Kec." in first
    page = one(out, ".html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", page)  # every image inline, no links out
    assert page.count("data:image/png;base64,") == 3 and "06:00 WIB" in page


@needs_chromium
def test_replayed_moment_shows_that_moments_figures_and_compares_with_the_last_briefing(demo_copy, tmp_path):
    assert cli("briefing", "--out", str(tmp_path / "a"), "--at", "2024-11-27T06:00").returncode == 0
    r = cli("briefing", "--out", str(tmp_path / "b"), "--at", "2024-11-27T10:00")
    assert r.returncode == 0, r.stderr
    s = get_settings()
    with session_scope(get_engine(s.database_url)) as session:
        ten = headline(session, s, from_wib(dt.datetime(2024, 11, 27, 10, 0)))
    text = pdf_text(one(tmp_path / "b", ".pdf"))
    assert "27 November 2024 · 10:00 WIB" in text
    assert ten["tps_dibuka"] > 0 and re.search(rf"TPS dibuka\s+{ten['tps_dibuka']}\s+0\s+\+{ten['tps_dibuka']}", text)
    assert "laporan 27 Nov 2024 06:00 WIB" in " ".join(text.split())  # the previous briefing is the reference


def test_without_a_browser_nothing_is_written(demo_copy, tmp_path):
    out = tmp_path / "laporan"
    r = cli("briefing", "--out", str(out), env={"OPS_CHROMIUM_PATH": "/nonexistent/chromium"})
    assert r.returncode == 1 and "Chromium" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() or not any(out.iterdir())
    reset_settings()
    with session_scope(get_engine(get_settings().database_url)) as session:
        assert session.scalar(select(func.count()).select_from(m.Briefing)) == 0
