"""BMKG public forecast per desa (adm4): 3 days in 3-hour slots. Credit: BMKG."""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete

from ops import models as m
from ops.clock import utcnow
from ops.feeds import http as fhttp
from ops.feeds.base import Cutoff, Feed, FeedContext, FeedError, Parsed, num, parse_time
from ops.feeds.coverage import budget, plan_round


@dataclass
class Answers:
    bodies: list[tuple[str, object]]  # (desa code, JSON body | None for 404 | the FeedError instead)
    cutoff: Cutoff | None = None


class BmkgForecast(Feed):
    name = "bmkg-forecast"

    def desa_codes(self, ctx: FeedContext) -> list[str]:
        """The desa set in bmkg_forecast_desa; else this run's share of every desa with a TPS (ops.feeds.coverage)."""
        s = ctx.settings
        if s.bmkg_forecast_desa:
            return s.bmkg_forecast_desa
        return plan_round(ctx.reference.desa_info, ctx.reference.forecast_fetched,
                          budget(s.bmkg_requests_per_minute, s.bmkg_run_deadline_s))

    def fetch(self, ctx: FeedContext) -> Answers:
        """One request per desa, spaced to the rate limit, within the run's deadline; a run of desa failing in a row
        means BMKG is down, and asking the rest (each with its retries) would only take minutes to say so."""
        s = ctx.settings
        codes = self.desa_codes(ctx)
        limiter = fhttp.RateLimiter(s.bmkg_requests_per_minute)
        start = time.monotonic()
        until = start + s.bmkg_run_deadline_s
        out = Answers([])
        streak = 0

        def cutoff(reason: str) -> Cutoff:
            done = sum(1 for _, b in out.bodies if not isinstance(b, fhttp.RequestFailed))
            return Cutoff(reason, time.monotonic() - start, done, len(codes), "desa", streak)
        for code in codes:
            try:
                r = fhttp.get(ctx, s.bmkg_forecast_url, params={"adm4": code}, limiter=limiter, accept_404=True,
                              until=until)
                out.bodies.append((code, None if r.status_code == 404 else fhttp.json_body(r)))
                streak = 0
            except fhttp.RunDeadline:
                out.cutoff = cutoff("deadline")
                break
            except FeedError as e:
                out.bodies.append((code, e))
                streak = streak + 1 if isinstance(e, fhttp.RequestFailed) and e.source_down else 0
                if streak >= s.bmkg_stop_after_failures:
                    out.cutoff = cutoff("source_down")
                    break
        return out

    def parse(self, payload: Answers, ctx: FeedContext) -> Parsed:
        records, rejects, failed = [], [], []
        for code, body in payload.bodies:
            if isinstance(body, fhttp.RequestFailed):
                failed.append(f"{code}: {body}")
            elif isinstance(body, Exception):
                rejects.append(f"{code}: {body}")
            elif body is None:
                rejects.append(f"{code}: BMKG tidak mengenal kode adm4 ini (404)")
            else:
                try:
                    records.extend(parse_one(body, code))
                except FeedError as e:
                    rejects.append(f"{code}: {e}")
        return Parsed(records, rejects, failed, payload.cutoff)

    def store(self, session, parsed: Parsed, ctx: FeedContext) -> int:
        return replace_forecasts(session, "bmkg", parsed.records)


def replace_forecasts(session, source: str, records: list[dict]) -> int:
    """An area's forecast is replaced whole: its slots from this run, nothing of an older run mixed in."""
    codes = sorted({r["area_code"] for r in records})
    if codes:
        session.execute(delete(m.WeatherForecast).where(m.WeatherForecast.source == source,
                                                        m.WeatherForecast.area_code.in_(codes)))
    fetched = utcnow()
    session.add_all(m.WeatherForecast(source=source, fetched_at=fetched, **r) for r in records)
    return len(records)


def parse_one(body: dict, expected_code: str | None = None) -> list[dict]:
    """One BMKG response to forecast rows; survives nulls, extra keys, uneven days."""
    try:
        data = body["data"][0]
        days = data["cuaca"]
    except (KeyError, IndexError, TypeError):
        raise FeedError("jawaban tanpa data[0].cuaca (format berubah?)") from None
    lokasi = data.get("lokasi") or body.get("lokasi") or {}
    code = lokasi.get("adm4") or expected_code
    if expected_code and code != expected_code:
        raise FeedError(f"jawaban untuk {code}, padahal yang diminta {expected_code}")
    rows, seen = [], set()
    for day in days or []:
        for slot in day or []:
            if not isinstance(slot, dict):
                continue
            at = parse_time(slot.get("utc_datetime")) or parse_time(slot.get("datetime"))
            if at is None or at in seen:
                continue
            seen.add(at)
            code_w = num(slot.get("weather"))
            rows.append({"area_code": code, "slot": at, "analysis_at": parse_time(slot.get("analysis_date")),
                         "temp_c": num(slot.get("t")), "humidity": num(slot.get("hu")), "rain_mm": num(slot.get("tp")),
                         "rain_prob": None, "cloud": num(slot.get("tcc")),
                         "weather_code": int(code_w) if code_w is not None else None,
                         "weather_desc": (slot.get("weather_desc") or None), "wind_kmh": num(slot.get("ws")),
                         "wind_dir": slot.get("wd") or None, "visibility_m": num(slot.get("vs"))})
    if not rows:
        raise FeedError("jawaban tanpa satu pun slot prakiraan yang berwaktu")
    return rows
