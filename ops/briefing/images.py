"""The briefing's charts as PNG images, drawn by Plotly through Kaleido and the machine's Chromium."""
from __future__ import annotations

import os
import shutil
import warnings
from contextlib import contextmanager
from typing import Iterator

import plotly.graph_objects as go

from ops.config import Settings

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class BriefingError(RuntimeError):
    """A briefing could not be made; nothing was written."""


def find_chromium(settings: Settings) -> str:
    if settings.chromium_path:
        if os.path.exists(settings.chromium_path) or shutil.which(settings.chromium_path):
            return shutil.which(settings.chromium_path) or settings.chromium_path
        raise BriefingError(f"Chromium tidak ada di OPS_CHROMIUM_PATH={settings.chromium_path!r}; laporan tidak dibuat.")
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BriefingError("Chromium tidak ditemukan, padahal grafik laporan digambar dengannya: pasang dengan "
                        "`apt-get install chromium` atau atur OPS_CHROMIUM_PATH. Laporan tidak dibuat.")


@contextmanager
def chart_browser(settings: Settings) -> Iterator[None]:
    """One Chromium kept open for several briefings in a row (`init --demo` makes one per past day): a chart then
    takes a fraction of a second instead of a browser start of its own."""
    import kaleido

    os.environ["BROWSER_PATH"] = find_chromium(settings)
    try:
        kaleido.start_sync_server(silence_warnings=True)
    except Exception as e:  # as in to_png: a browser that cannot start shows in several exception types
        raise BriefingError(f"Chromium untuk grafik laporan tidak dapat dijalankan ({type(e).__name__}: {e}); "
                            "laporan tidak dibuat.") from e
    try:
        yield
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def to_png(fig: go.Figure, settings: Settings, width: int, height: int) -> bytes:
    os.environ["BROWSER_PATH"] = find_chromium(settings)  # Kaleido's browser finder reads this first
    try:
        with warnings.catch_warnings():  # inside chart_browser, Plotly says that its browser options go unused
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            return fig.to_image(format="png", width=width, height=height, scale=2)
    except Exception as e:  # Kaleido reports a missing or crashing browser in several exception types
        raise BriefingError(f"Grafik laporan gagal digambar dengan Chromium ({type(e).__name__}: {e}); "
                            "laporan tidak dibuat.") from e
