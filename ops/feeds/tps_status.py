"""TPS status reports published as CSV or JSON (a field-report sheet or form export).

Columns: kode_tps, status, waktu, pelapor, catatan. `waktu` is ISO 8601; without an offset it is WIB.
Statuses: see ops.vocabulary.TPS_STATUS. Rows with unknown TPS codes or bad values are reported, not stored.
"""
from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from ops import models as m
from ops.clock import WIB, as_utc, utcnow
from ops.feeds import http as fhttp
from ops.feeds.base import Feed, FeedContext, FeedError, Parsed, parse_time
from ops.incidents import open_from_reports
from ops.vocabulary import TPS_STATUS

COLUMNS = ("kode_tps", "status", "waktu", "pelapor", "catatan")
CUT = object()  # the value of the columns a CSV row does not reach: the sheet ends mid-row (a transfer cut off)


class TpsStatus(Feed):
    name = "tps-status"

    def fetch(self, ctx: FeedContext) -> str:
        s = ctx.settings
        if not s.tps_status_url:
            raise FeedError("tps_status_url kosong: isi OPS_TPS_STATUS_URL dengan alamat lembar laporan yang diterbitkan")
        r = fhttp.get(ctx, s.tps_status_url)
        r.encoding = r.encoding or "utf-8"
        return r.text

    def parse(self, payload: str, ctx: FeedContext) -> Parsed:
        return parse_reports(payload, ctx.reference.tps_codes)

    def store(self, session, parsed: Parsed, ctx: FeedContext) -> int:
        return store_reports(session, parsed.records, source="laporan-tps")


def _rows(text: str) -> list[dict]:
    body = text.lstrip("\ufeff").strip()
    if not body:
        raise FeedError("lembar laporan kosong")
    if body[0] in "[{":
        try:
            data = json.loads(body)
        except ValueError as e:
            raise FeedError(f"JSON laporan tidak valid ({e})") from None
        if isinstance(data, dict):
            data = data.get("laporan") or data.get("rows") or data.get("data")
        if not isinstance(data, list):
            raise FeedError("JSON laporan harus berupa daftar baris (atau {\"laporan\": [...]})")
        return [r if isinstance(r, dict) else {} for r in data]
    if body.lower().startswith(("<!doctype", "<html")):
        raise FeedError("alamat itu menjawab dengan halaman HTML, bukan ekspor CSV/JSON (sudah diterbitkan?)")
    reader = csv.DictReader(io.StringIO(body), restval=CUT)
    missing = [c for c in COLUMNS[:3] if c not in (reader.fieldnames or [])]
    if missing:
        raise FeedError(f"CSV laporan tidak punya kolom {', '.join(missing)}; yang ada: {reader.fieldnames}")
    return list(reader)


def parse_reports(text: str, tps_codes: set[str]) -> Parsed:
    records, rejects = [], []
    for i, row in enumerate(_rows(text), start=2):  # row 1 is the header in the sheet
        reached = [v for v in row.values() if v is not CUT]
        if len(reached) < len(row):
            rejects.append(f"baris {i}: terpotong, hanya {len(reached)} dari {len(row)} kolom (lembar berakhir di "
                           f"tengah baris?)")
            continue
        code = str(row.get("kode_tps") or "").strip()
        status = str(row.get("status") or "").strip().lower().replace(" ", "_")
        at = parse_time(str(row.get("waktu") or ""), naive_tz=WIB)
        problems = []
        if code not in tps_codes:
            problems.append(f"kode_tps {code!r} bukan TPS operasi ini")
        if status not in TPS_STATUS:
            problems.append(f"status {row.get('status')!r} bukan salah satu dari {', '.join(TPS_STATUS)}")
        if at is None:
            problems.append(f"waktu {row.get('waktu')!r} bukan waktu seperti 2024-11-27T07:05 (WIB)")
        if problems:
            rejects.append(f"baris {i}: " + "; ".join(problems))
            continue
        records.append({"tps_code": code, "status": status, "occurred_at": at,
                        "reporter": (str(row.get("pelapor") or "").strip() or None),
                        "note": (str(row.get("catatan") or "").strip() or None)})
    return Parsed(records, rejects)


def store_reports(session, records: list[dict], source: str) -> int:
    """Append reports not seen before (the same sheet is read again and again)."""
    if not records:
        return 0
    codes = sorted({r["tps_code"] for r in records})
    seen = set()
    for code, status, at in session.execute(select(m.TpsStatusEvent.tps_code, m.TpsStatusEvent.status,
                                                   m.TpsStatusEvent.occurred_at)
                                            .where(m.TpsStatusEvent.tps_code.in_(codes),
                                                   m.TpsStatusEvent.source == source)):
        seen.add((code, status, as_utc(at)))
    now = utcnow()
    new = []
    for r in records:
        key = (r["tps_code"], r["status"], as_utc(r["occurred_at"]))
        if key in seen:
            continue
        seen.add(key)
        new.append(m.TpsStatusEvent(recorded_at=now, source=source, **r))
    session.add_all(new)
    session.flush()
    # A KPPS 'gangguan' report opens (or joins) an incident: one incident list for the Posko.
    open_from_reports(session, [{"tps_code": e.tps_code, "status": e.status, "occurred_at": e.occurred_at,
                                 "reporter": e.reporter, "note": e.note} for e in new], source)
    return len(new)
