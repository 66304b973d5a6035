"""The timeline drawn: a one-line strip of every milestone (Ringkasan, and dark for the wall) and the chart of the
Linimasa page. The words come from ops.timeline; every text placed into HTML is escaped."""
from __future__ import annotations

import datetime as dt
import html

import plotly.graph_objects as go

from ops.calendar import MILESTONES, h_label
from ops.clock import WIB
from ops.timeline import STATE_LABEL, Step, describe, starts, when

STATE_COLOR = {"akan_datang": "#90a4ae", "berjalan": "#1e88e5", "selesai": "#2e7d32", "terlambat": "#c62828",
               "tanpa_rencana": "#f9a825"}
# A table cell's tone (ui.components.toned), as the strip and the chart colour the states; coming and running plain.
STATE_TONE = {"selesai": "baik", "terlambat": "buruk", "tanpa_rencana": "waspada"}
MARK = {"akan_datang": "○", "berjalan": "●", "selesai": "✓", "terlambat": "!", "tanpa_rencana": "?"}
STRIP_CSS = """
<style>
.tl-strip { display: flex; flex-wrap: nowrap; gap: 0.35rem; overflow: hidden; font-size: 0.78rem; margin: 2px 0 6px; }
.tl-strip .s { flex: 0 1 auto; min-width: 0; border-top: 4px solid var(--c); padding: 1px 4px; white-space: nowrap;
               overflow: hidden; text-overflow: ellipsis; background: #fafafa; color: #37474f; }
.tl-strip .s b { color: var(--c); }
.tl-strip .s.now { background: #e3f2fd; }
.tl-strip.dark { font-size: 1vw; gap: 0.5vw; }
.tl-strip.dark .s { background: #132230; color: #cfd8dc; padding: 0.3vh 0.4vw; }
.tl-strip.dark .s.now { background: #1b3347; }
</style>
"""


def _brief(step: Step, voting_day: dt.date) -> str:
    """What a chip says after the milestone's name: nothing once done, when it starts before it does, else the count."""
    if step.state == "selesai":
        return ""
    if step.state == "tanpa_rencana":
        return "belum ada rencana"
    if step.state == "akan_datang":
        return starts(step, voting_day)
    return f"{step.done}/{step.total}" + (f" · {step.late} terlambat" if step.late else "")


def strip(steps: list[Step], voting_day: dt.date, dark: bool = False) -> str:
    """Every milestone (not the operation itself) in one line: mark, short name and what matters of it now; the full
    sentence in the tooltip. Finished milestones stay short so the ones under way have the room."""
    cells = []
    for step in steps:
        if step.total is None:
            continue  # the operation window frames the strip; it is not a step in it
        tip = f"{step.label} · {when(step, voting_day)} · {STATE_LABEL[step.state]}. {describe(step)}"
        cells.append(f"<div class='s{' now' if step.state in ('berjalan', 'terlambat') else ''}' "
                     f"style='--c:{STATE_COLOR[step.state]}' title='{html.escape(tip, quote=True)}'>"
                     f"<b>{MARK[step.state]}</b> {html.escape(MILESTONES[step.key].short)} "
                     f"<span>{html.escape(_brief(step, voting_day))}</span></div>")
    return STRIP_CSS + f"<div class='tl-strip{' dark' if dark else ''}'>{''.join(cells)}</div>"


def chart(steps: list[Step], moment: dt.datetime, voting_day: dt.date, height: int = 380) -> go.Figure:
    """The milestones as bars over the days of the operation, coloured by state, with the moment shown."""
    fig = go.Figure()
    rows = [s for s in steps if s.key != "operasi"][::-1]  # the first milestone on top
    for state, color in STATE_COLOR.items():
        mine = [s for s in rows if s.state == state]
        if not mine:
            continue
        fig.add_trace(go.Bar(
            y=[s.label for s in mine], x=[(s.end - s.start).total_seconds() * 1000 for s in mine],
            base=[s.start.astimezone(WIB).replace(tzinfo=None) for s in mine], orientation="h",
            marker_color=color, name=STATE_LABEL[state],
            hovertext=[f"{when(s, voting_day)}<br>{describe(s)}" for s in mine], hoverinfo="text+y"))
    now = moment.astimezone(WIB).replace(tzinfo=None)
    fig.add_vline(x=now, line_color="#263238", line_dash="dash")
    fig.add_annotation(x=now, y=1.02, yref="paper", text="sekarang", showarrow=False, font={"size": 11})
    # Days as the operation counts them (H-3 … H+3), never English month names.
    first = min(s.start for s in rows).astimezone(WIB).date()
    days = [first + dt.timedelta(days=i) for i in range((max(s.end for s in rows).astimezone(WIB).date() - first).days
                                                        + 2)]
    fig.update_layout(height=height, barmode="overlay", margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      xaxis={"type": "date", "tickvals": [dt.datetime.combine(d, dt.time(0)) for d in days],
                             "ticktext": [f"{h_label(d, voting_day)}<br>{d:%d/%m}" for d in days]},
                      yaxis={"categoryorder": "array", "categoryarray": [s.label for s in rows]},
                      legend={"orientation": "h", "y": -0.15})
    return fig
