"""The rules of Perhatian: each a pure function from the Situation to items. Thresholds come from settings
(perhatian_*, heavy_rain_mm, river_discharge_threshold, …); severities are documented in the README, rule by rule."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from itertools import groupby

import pandas as pd

from ops.clock import as_utc, wib_at
from ops.perhatian.model import Item, Place, raise_severity
from ops.perhatian.situation import Situation
from ops.readiness.model import reached
from ops.tasks import guarded_span

GUARDED = ("sangat_rawan", "rawan")
CORE_FEEDS = ("traccar", "tps-status")  # on voting day the Posko is blind without them
KERAWANAN_RANK = {"sangat_rawan": 0, "rawan": 1, "kurang_rawan": 2}


def _utc(value) -> dt.datetime | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    return as_utc(pd.Timestamp(value).to_pydatetime())


def _tps_place(sit: Situation, row) -> Place:
    return Place("tps", row.code, sit.names.tps(row.code), row.kecamatan_code)


def _kec_place(sit: Situation, kec: str) -> Place:
    return Place("kecamatan", kec, sit.names.kecamatan(kec), kec)


def _worst_class(kelas: Iterable[str]) -> str:
    return min(kelas, key=KERAWANAN_RANK.get)


def per_tps_or_kecamatan(sit: Situation, rows: pd.DataFrame, kind: str, since: dt.datetime | None,
                         severity: Callable[[pd.DataFrame], str], facts: Callable[[pd.DataFrame], dict]) -> list[Item]:
    """One item per TPS, unless a kecamatan has more than perhatian_group_over of them: then one for the kecamatan,
    with its TPS listed (most vulnerable first), so a bad kecamatan does not drown the list."""
    if rows.empty:  # an operation before its TPS list is imported: the frame has no columns to group by
        return []
    by_kec: dict[str, list[Item]] = {}
    counts = rows["kecamatan_code"].value_counts()
    grouped = rows["kecamatan_code"].isin(counts.index[counts > sit.settings.perhatian_group_over])
    for kec, part in rows[grouped].groupby("kecamatan_code", sort=False):
        part = part.assign(_rank=part["kerawanan"].map(KERAWANAN_RANK)).sort_values(["_rank", "code"])
        by_kec[kec] = [Item(kind, severity(part), _kec_place(sit, kec), since, {
            "n_tps": len(part), "tps": list(part["code"]), **facts(part)})]
    # The rest one item a TPS, each judged on its own one-row frame taken by position: a frame per kecamatan, or a
    # filter per TPS, cost seconds at the nation's thousands of kecamatan.
    single = rows[~grouped].sort_values("kecamatan_code", kind="stable")
    for i, row in enumerate(single.itertuples()):
        one = single.iloc[i:i + 1]
        by_kec.setdefault(row.kecamatan_code, []).append(
            Item(kind, severity(one), _tps_place(sit, row), since, {"n_tps": 1, **facts(one)}))
    return [item for kec in sorted(by_kec) for item in by_kec[kec]]


def kejadian(sit: Situation) -> list[Item]:
    """Every open incident; a high one with no follow-up past perhatian_incident_followup_minutes is kritis."""
    inc = sit.incidents
    if inc.empty:
        return []
    limit = sit.settings.perhatian_incident_followup_minutes
    items = []
    open_ = inc[inc["state"] != "selesai"]
    # The TPS of the open incidents, once, as plain values (a filter of the nation's 823,220 TPS per incident, and
    # then a look-up in a frame per incident, took seconds).
    at = sit.tps[sit.tps["code"].isin(set(open_["tps_code"].dropna()))].drop_duplicates("code")
    polsek_of = dict(zip(at["code"], at["polsek_code"]))
    travel_of = {c: float(v) for c, v in zip(at["code"], at["travel_min"]) if v == v and v is not None}
    for r in open_.itertuples():
        occurred = _utc(r.occurred_at)
        minutes = (sit.moment - occurred).total_seconds() / 60
        followed = any(u["state"] != "terbuka" for u in r.updates)
        severity = {"tinggi": "tinggi", "sedang": "sedang"}.get(r.severity, "info")
        if not followed and minutes > limit:
            severity = raise_severity(severity)
        place = (Place("tps", r.tps_code, sit.names.tps(r.tps_code), r.kecamatan_code) if r.tps_code
                 else _kec_place(sit, r.kecamatan_code))
        last = r.updates[-1] if r.updates else {}
        taken = r.state == "ditangani"
        items.append(Item("kejadian", severity, place, occurred, state="ditangani" if taken else "baru",
                          taken_by=last.get("actor") if taken else None, taken_at=last.get("at") if taken else None,
                          note=last.get("note") if taken else None, facts={
            "ref": r.ref, "title": r.title, "category": r.category, "severity": r.severity, "state": r.state,
            "minutes_open": round(minutes), "followed_up": followed, "followup_limit": limit,
            "polsek": polsek_of.get(r.tps_code) if r.tps_code else None,
            "travel_min": travel_of.get(r.tps_code) if r.tps_code else None,
        }, ref=r.ref))
    return items


def personel(sit: Situation) -> list[Item]:
    """Guards not on site during voting and counting: per guard cluster (its TPS share the guards). Sangat rawan with
    nobody on site is kritis; a cluster whose only missing guards are silent trackers is a perangkat_senyap item."""
    t = sit.times
    if not (t.opening - dt.timedelta(hours=1) <= sit.moment < t.counting_end):
        return []
    tps = sit.tps[sit.tps["personel_wajib"] > 0]
    short = tps[tps["personel_di_lokasi"] < tps["personel_wajib"]].sort_values(["cluster", "code"])
    items = []
    # Each cluster's TPS as a run of plain rows, its first TPS first: a frame per cluster (the nation's thousands of
    # clusters short of guards) took seconds.
    rows = list(zip(*(short[c].tolist() for c in ("cluster", "code", "kerawanan", "personel_wajib",
                                                   "personel_di_lokasi", "perangkat_senyap", "polsek_code",
                                                   "travel_min", "kecamatan_code"))))
    for cluster, run in groupby(rows, key=lambda r: r[0]):
        part = list(run)
        _, code, _, required, on_site, silent, polsek, travel, kec = part[0]
        kelas = _worst_class(r[2] for r in part)
        required, on_site, silent = int(required), int(on_site), int(silent)
        missing = required - on_site
        facts = {"required": required, "on_site": on_site, "missing": missing, "silent": silent,
                 "kerawanan": kelas, "tps": [r[1] for r in part], "polsek": polsek,
                 "travel_min": float(travel) if travel == travel and travel is not None else None}
        place = Place("tps", code, sit.names.tps(code), kec)
        since = t.opening - dt.timedelta(hours=1)
        if silent >= missing and kelas in GUARDED:
            items.append(Item("perangkat_senyap", "tinggi" if kelas == "sangat_rawan" else "sedang", place, since, facts,
                              ref=cluster))
            continue
        if kelas == "sangat_rawan":
            severity = "kritis" if on_site == 0 else "tinggi"
        elif kelas == "rawan":
            severity = "tinggi" if on_site == 0 else "sedang"
        elif on_site == 0:
            severity = "sedang"
        else:
            continue  # a kurang rawan cluster short of one guard: readiness shows it, the commander need not act
        items.append(Item("personel_tidak_di_lokasi", severity, place, since, facts, ref=cluster))
    return items


def _by_class(part: pd.DataFrame, high: str, low: str) -> str:
    return high if part["kerawanan"].isin(GUARDED).any() else low


def tps_belum_dibuka(sit: Situation) -> list[Item]:
    h = sit.settings.voting_day
    due = wib_at(h, sit.settings.perhatian_open_by)
    if not (due <= sit.moment < sit.times.closing):
        return []
    rows = sit.tps[~sit.tps["status"].map(lambda s: reached(s if isinstance(s, str) else None, "dibuka"))]
    return per_tps_or_kecamatan(sit, rows, "tps_belum_dibuka", due, lambda p: _by_class(p, "tinggi", "sedang"),
                                lambda p: {"due": due})


def penghitungan_belum_mulai(sit: Situation) -> list[Item]:
    due = wib_at(sit.settings.voting_day, sit.settings.perhatian_counting_by)
    if not (due <= sit.moment < sit.times.counting_end + dt.timedelta(hours=6)):
        return []
    rows = sit.tps[~sit.tps["status"].map(lambda s: reached(s if isinstance(s, str) else None, "penghitungan"))]
    return per_tps_or_kecamatan(sit, rows, "penghitungan_belum_mulai", due,
                                lambda p: _by_class(p, "tinggi", "sedang"), lambda p: {"due": due})


def night_watch(sit: Situation) -> tuple[dt.datetime, dt.datetime] | None:
    """The night the moment falls in, if it is a night when ballot boxes stand at the TPS: H-1 evening to opening,
    and voting-day evening until morning."""
    s, h = sit.settings, sit.settings.voting_day
    nights = [(wib_at(h - dt.timedelta(days=1), s.perhatian_night_start), sit.times.opening),
              (wib_at(h, s.perhatian_night_start), wib_at(h + dt.timedelta(days=1), s.perhatian_night_end))]
    return next(((a, b) for a, b in nights if a <= sit.moment < b), None)


def kotak_tanpa_penjaga(sit: Situation) -> list[Item]:
    """Ballot boxes at a TPS (delivered, not yet sent back) while no guard of its cluster is on site, at night."""
    night = night_watch(sit)
    if night is None:
        return []
    tps = sit.tps
    at_tps = (tps["logistik"].eq("diserahkan") | tps["status"].map(lambda s: reached(s if isinstance(s, str) else None,
                                                                                      "siap")))
    gone = tps["status"].map(lambda s: reached(s if isinstance(s, str) else None, "kotak_dikirim")) | \
        tps["kembali"].isin(["tiba", "diserahkan"])
    rows = tps[at_tps & ~gone & (tps["personel_di_lokasi"] == 0)]
    return per_tps_or_kecamatan(sit, rows, "kotak_tanpa_penjaga", night[0], lambda p: _by_class(p, "tinggi", "sedang"),
                                lambda p: {"night_from": night[0], "night_until": night[1],
                                           "rawan": int(p["kerawanan"].isin(GUARDED).sum())})


def kotak_belum_di_ppk(sit: Situation) -> list[Item]:
    due = sit.times.closing + dt.timedelta(hours=sit.settings.perhatian_boxes_at_ppk_hours)
    if sit.moment < due:
        return []
    rows = sit.tps[~sit.tps["status"].map(lambda s: reached(s if isinstance(s, str) else None, "kotak_diterima_ppk"))]
    return per_tps_or_kecamatan(sit, rows, "kotak_belum_di_ppk", due, lambda p: "tinggi", lambda p: {"due": due})


def logistik_terlambat(sit: Situation) -> list[Item]:
    legs = sit.legs
    if legs.empty:
        return []
    late = legs[legs["late"]]
    items = []
    for (kec, stage), part in late.groupby(["kecamatan_code", "stage"], sort=True):
        due = min(_utc(x) for x in part["planned_arrive"])
        river = bool((part["mode"] == "sungai").any())
        severity = "tinggi" if river or stage == "pps-tps" else "sedang"
        items.append(Item("logistik_terlambat", severity, _kec_place(sit, kec), due, {
            "stage": stage, "n_legs": len(part), "river": river, "boxes": int(part["boxes"].sum()),
            "to": sorted(part["to_name"])[:10]}, ref=f"{kec}:{stage}"))
    return items


def jalur_sungai(sit: Situation) -> list[Item]:
    """River legs judged tunda or hati-hati whose departure window has opened or that leave within
    perhatian_river_lookahead_hours (a boat is postponed before it is loaded), per kecamatan and stage."""
    river = sit.river
    if river.empty:
        return []
    ahead = pd.Timestamp(sit.moment + dt.timedelta(hours=sit.settings.perhatian_river_lookahead_hours))
    soon = river["window_open"] | (pd.to_datetime(river["planned_depart"], utc=True) <= ahead)
    judged = river[(river["verdict"] != "go") & soon]
    items = []
    for (kec, stage, verdict), part in judged.groupby(["kecamatan_code", "stage", "verdict"], sort=True):
        first = min(_utc(x) for x in part["planned_depart"])
        reasons = {r["kind"]: r for rs in part["reasons"] for r in rs}
        # A forecast-driven item has no moment of its own: it counts from when it was first seen.
        items.append(Item("jalur_sungai", "tinggi" if verdict == "tunda" else "sedang", _kec_place(sit, kec), None, {
                              "stage": stage, "verdict": verdict, "n_legs": len(part), "first_depart": first,
                              "boxes": int(part["boxes"].sum()), "reasons": list(reasons.values())},
                          ref=f"{kec}:{stage}:{verdict}"))  # a kecamatan's boats of a stage may split both ways
    return items


def cuaca_saat_pemungutan(sit: Situation) -> list[Item]:
    """Heavy rain or thunder forecast at TPS while voting and counting run, per kecamatan; TPS reached by river or in
    the open weigh more."""
    if sit.moment >= sit.times.counting_end:
        return []
    heavy = sit.settings.heavy_rain_mm
    tps = sit.tps
    hit = tps[(tps["hujan_mm"].fillna(0) >= heavy) | tps["petir"].fillna(False).astype(bool)]
    items = []
    for kec, part in hit.groupby("kecamatan_code", sort=True):
        exposed = part[(part["akses"] == "sungai") | part["terbuka"].fillna(False).astype(bool)]
        thunder = bool(part["petir"].fillna(False).astype(bool).any())
        top = part.loc[part["hujan_mm"].fillna(0).idxmax()]
        severity = "tinggi" if len(exposed) else "sedang"
        items.append(Item("cuaca_saat_pemungutan", severity, _kec_place(sit, kec), None, {
            "n_tps": len(part), "n_exposed": len(exposed), "n_river": int((part["akses"] == "sungai").sum()),
            "mm": float(top["hujan_mm"]) if top["hujan_mm"] == top["hujan_mm"] else None,
            "at": _utc(top["hujan_at"]), "thunder": thunder, "threshold": heavy,
            "tps": list(exposed["code"]) + [c for c in part["code"] if c not in set(exposed["code"])]}))
    return items


CAP_SEVERITY = {"Extreme": "kritis", "Severe": "tinggi", "Moderate": "sedang", "Minor": "info"}


def peringatan_bmkg(sit: Situation) -> list[Item]:
    """A BMKG warning over a kecamatan; one step more urgent where boats carry ballot boxes."""
    river_kec = set(sit.tps.loc[sit.tps["akses"] == "sungai", "kecamatan_code"])
    items = []
    for w in sit.warnings:
        base = CAP_SEVERITY.get(w["severity"] or "", "sedang")
        for kec in w["kecamatan_codes"]:
            severity = raise_severity(base) if kec in river_kec else base
            items.append(Item("peringatan_bmkg", severity, _kec_place(sit, kec), _utc(w["effective"]), {
                "event": w["event"], "cap_severity": w["severity"], "effective": _utc(w["effective"]),
                "expires": _utc(w["expires"]), "river": kec in river_kec}, ref=f"{kec}:{w['identifier']}"))
    return items


def debit_sungai(sit: Situation) -> list[Item]:
    threshold = sit.settings.river_discharge_threshold
    return [Item("debit_sungai", "sedang", _kec_place(sit, kec), None, {"discharge": q, "threshold": threshold})
            for kec, q in sorted(sit.discharge.items()) if q is not None and q > threshold]


def sumber_data(sit: Situation) -> list[Item]:
    """A feed the operation runs that is failing, stale, partial or has never worked."""
    items = []
    voting = sit.times.day_start <= sit.moment < sit.times.counting_end
    for name in sit.feeds_in_use:
        f = sit.feeds.get(name)
        if f is None or f.state == "ok":
            continue
        if f.state == "stale":
            severity = "tinggi" if voting and name in CORE_FEEDS else "sedang"
        elif f.state in ("error", "never"):
            severity = "sedang"
        else:  # partial
            severity = "info"
        since = f.last_run if f.state != "stale" or f.last_success is None else f.last_success
        items.append(Item("sumber_data", severity, Place("sumber", name, name), since, {
            "feed": name, "state": f.state, "age_seconds": f.age_seconds, "error": (f.error or "")[:300]}))
    return items


def waktu_reaksi(sit: Situation) -> list[Item]:
    """While the TPS hold ballot boxes (the guarded shifts of H-1 and H), a TPS the nearest available reserve cannot
    reach within reaction_limit_minutes: sangat rawan tinggi, rawan sedang, kurang rawan info."""
    start, end = guarded_span(sit.settings)
    table = sit.reaction
    if not (start <= sit.moment < end) or table.empty:
        return []
    limit = sit.settings.reaction_limit_minutes
    rows = table[table["reaksi_menit"] > limit]

    def facts(part: pd.DataFrame) -> dict:
        worst = part.sort_values(["reaksi_menit", "code"], ascending=[False, True]).iloc[0]
        return {"minutes": float(worst.reaksi_menit), "limit": float(limit), "dari": worst.dari,
                "dari_kode": worst.dari_kode, "moda": worst.moda, "kerawanan": _worst_class(part["kerawanan"]),
                "polsek": worst.polsek_code}

    return per_tps_or_kecamatan(sit, rows, "waktu_reaksi", start,
                                lambda p: REACTION_SEVERITY[_worst_class(p["kerawanan"])], facts)


REACTION_SEVERITY = {"sangat_rawan": "tinggi", "rawan": "sedang", "kurang_rawan": "info"}

RULES: tuple[Callable[[Situation], list[Item]], ...] = (
    kejadian, personel, tps_belum_dibuka, penghitungan_belum_mulai, kotak_tanpa_penjaga, kotak_belum_di_ppk,
    logistik_terlambat, jalur_sungai, cuaca_saat_pemungutan, peringatan_bmkg, debit_sungai, waktu_reaksi, sumber_data)


def evaluate(sit: Situation) -> list[Item]:
    return [item for rule in RULES for item in rule(sit)]
