"""The briefing as an A4 PDF (fpdf2): text and tables drawn as text, so the PDF can be searched and read aloud."""
from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

from ops.briefing.content import BriefingContent
from ops.briefing import text as t
from ops.clock import fmt_long_wib, fmt_wib

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation", "/usr/share/fonts/TTF")
FONT_FILES = (("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"), ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"))
NAVY = (30, 78, 121)


def _font(pdf: FPDF) -> str:
    """A Unicode TrueType font when the machine has one (arrows, dashes, m³); else Helvetica with ASCII stand-ins."""
    for d in FONT_DIRS:
        for regular, bold in FONT_FILES:
            if (Path(d) / regular).exists() and (Path(d) / bold).exists():
                pdf.add_font("body", "", str(Path(d) / regular))
                pdf.add_font("body", "B", str(Path(d) / bold))
                return "body"
    return "helvetica"


class _Doc(FPDF):
    def __init__(self, c: BriefingContent):
        super().__init__(format="A4")
        self.c = c
        self.face = _font(self)
        self.set_auto_page_break(True, margin=18)
        self.set_margins(14, 14, 14)

    def txt(self, s) -> str:
        s = str(s)
        if self.face == "helvetica":
            s = s.translate(str.maketrans({"→": "->", "—": "-", "–": "-", "·": "-", "³": "3", "≥": ">=", "✓": "v"}))
            s = s.encode("latin-1", "replace").decode("latin-1")
        return s

    def header(self):
        if self.page_no() == 1:
            return
        self.set_font(self.face, "", 8)
        self.set_text_color(110)
        self.cell(0, 5, self.txt(f"Laporan Harian Posko · {self.c.polres} · {fmt_long_wib(self.c.moment)}"), align="R")
        self.ln(7)

    def footer(self):
        self.set_y(-13)
        self.set_font(self.face, "", 7)
        self.set_text_color(110)
        self.cell(0, 4, self.txt(f"Dibuat {fmt_wib(self.c.made_at)} · halaman {self.page_no()}/{{nb}} · "
                                 "terbatas untuk keperluan dinas"), align="C")

    def h1(self, s: str, keep: float = 30):
        if self.get_y() + keep > self.h - self.b_margin:
            self.add_page()  # a heading never ends a page alone
        self.ln(2)
        self.set_font(self.face, "B", 12)
        self.set_text_color(*NAVY)
        self.cell(0, 7, self.txt(s), new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*NAVY)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)
        self.set_text_color(0)

    def para(self, s: str, size: float = 9.5, bold: bool = False):
        self.set_font(self.face, "B" if bold else "", size)
        self.multi_cell(0, 5, self.txt(s), new_x="LMARGIN", new_y="NEXT")

    def grid(self, headers: list[str], rows: list[list], widths: list[float], size: float = 8):
        self.set_font(self.face, "", size)
        with self.table(col_widths=widths, text_align="LEFT", line_height=4.6, headings_style=_heading(self.face),
                        borders_layout="HORIZONTAL_LINES", padding=0.8) as table:
            row = table.row()
            for h in headers:
                row.cell(self.txt(h))
            for r in rows:
                row = table.row()
                for v in r:
                    row.cell(self.txt("" if v is None else v))

    def image_png(self, png: bytes, w: float, title: str = ""):
        """A chart with its heading, kept together on one page."""
        from PIL import Image

        with Image.open(io.BytesIO(png)) as im:
            h = w * im.height / im.width
        if self.get_y() + h + (12 if title else 0) > self.h - self.b_margin:
            self.add_page()
        if title:
            self.h1(title, keep=0)
        self.image(io.BytesIO(png), x=self.l_margin, w=w)
        self.ln(2)


def _heading(face: str):
    from fpdf.fonts import FontFace
    return FontFace(family=face, emphasis="BOLD", color=NAVY, fill_color=(232, 240, 248))


def render_pdf(c: BriefingContent, images: dict[str, bytes]) -> bytes:
    pdf = _Doc(c)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(pdf.face, "B", 16)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 9, pdf.txt("LAPORAN HARIAN POSKO PAM PILKADA"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.para(f"{c.polres} · {c.operation}", 10, True)
    pdf.para(f"Keadaan per {fmt_long_wib(c.moment)} · tahapan {t.phase_text(c)}")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for title, headers, rows, widths in t.sections(c, width):
        if title == "#pagebreak":
            pdf.add_page()
            continue
        if title.startswith("#image:"):
            _, key, caption = title.split(":", 2)
            if key in images:
                pdf.image_png(images[key], width if key != "peta" else width * 0.72, caption)
            continue
        if title.startswith("#note:"):
            pdf.set_text_color(90)
            pdf.para(title.split(":", 1)[1], 8)
            pdf.set_text_color(0)
            continue
        pdf.h1(title)
        if headers:
            pdf.grid(headers, rows, widths)
        else:
            for line in rows:
                pdf.para(line)
    return bytes(pdf.output())
