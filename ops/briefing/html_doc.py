"""The briefing as one self-contained HTML file: styles inline, charts as data: URIs, no external reference."""
from __future__ import annotations

import base64
import html

from ops.briefing import text as t
from ops.briefing.content import BriefingContent
from ops.clock import fmt_long_wib, fmt_wib

STYLE = """
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1c2833; max-width: 1000px;
       margin: 24px auto; padding: 0 16px; font-size: 14px; }
h1 { color: #1e4e79; font-size: 22px; margin-bottom: 2px; }
h2 { color: #1e4e79; font-size: 16px; border-bottom: 2px solid #1e4e79; padding-bottom: 3px; margin-top: 26px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th { background: #e8f0f8; color: #1e4e79; text-align: left; padding: 4px 6px; }
td { border-bottom: 1px solid #dde3ea; padding: 4px 6px; vertical-align: top; }
img { max-width: 100%; }
.note { color: #5d6d7e; font-size: 12px; }
.meta { color: #34495e; }
@media print { h2 { break-after: avoid; } table, img { break-inside: avoid; } }
"""


def render_html(c: BriefingContent, images: dict[str, bytes]) -> str:
    e = html.escape
    parts = [f"<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'><title>Laporan Harian Posko "
             f"{e(fmt_wib(c.moment))}</title><style>{STYLE}</style></head><body>",
             "<h1>LAPORAN HARIAN POSKO PAM PILKADA</h1>",
             f"<div class='meta'><b>{e(c.polres)}</b> · {e(c.operation)}</div>",
             f"<div class='meta'>Keadaan per {e(fmt_long_wib(c.moment))} · tahapan {e(t.phase_text(c))}</div>"]
    for title, headers, rows, _ in t.sections(c, 100):
        if title == "#pagebreak":
            parts.append("<div style='break-after:page'></div>")
            continue
        if title.startswith("#image:"):
            _, key, caption = title.split(":", 2)
            if key in images:
                data = base64.b64encode(images[key]).decode("ascii")
                parts.append((f"<h2>{e(caption)}</h2>" if caption else "")
                             + f"<img alt='{e(caption or key)}' src='data:image/png;base64,{data}'>")
            continue
        if title.startswith("#note:"):
            parts.append(f"<p class='note'>{e(title.split(':', 1)[1])}</p>")
            continue
        parts.append(f"<h2>{e(title)}</h2>")
        if headers:
            parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in headers) + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{e('' if v is None else str(v))}</td>" for v in r) + "</tr>"
                      for r in rows]
            parts.append("</table>")
        else:
            parts += [f"<p>{e(line)}</p>" for line in rows]
    parts.append(f"<p class='note'>Dibuat {e(fmt_wib(c.made_at))}. Terbatas untuk keperluan dinas.</p></body></html>")
    return "\n".join(parts)
