"""Persiapan operasi: what an operation needs before it runs, item by item — each with its counts, what is missing
(kind, how many, a few places or names), and the list or command that fixes it. Facts only; `gap_sentence` and
`summary` are the one place they become words (the page and `status` show them)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ops import calendar
from ops import models as m
from ops.auth import ROLE_LABEL as ACCOUNT_ROLE, published_password_accounts
from ops.clock import fmt_wib, load_clock, wib_at
from ops.config import Settings, load_pola
from ops.coordination import ROLES
from ops.deployment import required_polri
from ops.feeds.registry import all_feeds
from ops.freshness import feed_states
from ops.logistics import STAGE_LABEL
from ops.perhatian.situation import feeds_in_use
from ops.places import Names, load_names
from ops.tasks import PAM_TPS

EXAMPLES = 3  # places or names listed with a gap


@dataclass(frozen=True)
class Fix:
    kind: str  # import (a list of ops.importers.kinds), page (a view), command (a CLI line)
    target: str


@dataclass(frozen=True)
class Gap:
    kind: str
    n: int
    examples: tuple[str, ...] = ()
    facts: dict = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return GAPS[self.kind][0]


@dataclass(frozen=True)
class Item:
    key: str
    counts: dict
    gaps: list[Gap]

    @property
    def done(self) -> bool:
        return not any(g.blocking for g in self.gaps)

    def as_json(self) -> dict:
        return {"done": self.done, "counts": self.counts, "fix": vars(ITEMS[self.key][1]),
                "missing": [{"kind": g.kind, "n": g.n, "blocking": g.blocking, "examples": list(g.examples),
                             **g.facts} for g in self.gaps]}


def _of(items: list[str]) -> str:
    return f": {', '.join(items)}" if items else ""


def _more(g: Gap) -> str:
    return _of(list(g.examples)) + (" …" if g.n > len(g.examples) else "")


LEVEL_WORD = {"kecamatan": "kecamatan", "desa": "desa/kelurahan", "tps": "TPS"}
# kind -> (blocks the item, the sentence). A gap that does not block is advice.
GAPS: dict[str, tuple[bool, Callable[[Gap], str]]] = {
    "wilayah_kosong": (True, lambda g: "wilayah belum dimuat: atur region_dir dan kabupaten_code, lalu "
                                       "python -m ops init"),
    "kecamatan_tanpa_polsek": (True, lambda g: f"{g.n} kecamatan tanpa Polsek{_more(g)}"),
    "tps_kosong": (True, lambda g: "belum ada TPS"),
    "tps_belum_terverifikasi": (True, lambda g: f"{g.n} TPS belum terverifikasi ({g.facts['perlu_cek']} perlu cek "
                                                f"ulang)"),
    "tps_tanpa_polsek": (True, lambda g: f"{g.n} TPS tanpa Polsek{_more(g)}"),
    "tps_tanpa_waktu_tempuh": (False, lambda g: f"{g.n} TPS tanpa jarak dan waktu tempuh dari Polsek{_more(g)}"),
    "personel_kosong": (True, lambda g: "belum ada personel"),
    "polsek_tanpa_personel": (True, lambda g: f"{g.n} Polsek tanpa personel PAM TPS{_more(g)}"),
    "personel_tanpa_perangkat": (False, lambda g: f"{g.n} personel PAM TPS tanpa id_perangkat: kehadirannya di TPS "
                                                  f"tidak terpantau"),
    "pola_kurang_personel": (True, lambda g: f"kurang {g.n} personel PAM TPS dari pola, BKO sudah dihitung "
                                             f"({g.facts['wajib']} wajib, {g.facts['tersedia']} tersedia)"),
    "polsek_kurang_personel": (False, lambda g: f"{g.n} Polsek kurang personel dari pola dan perlu BKO{_more(g)}"),
    "pola_tanpa_tps": (True, lambda g: "pola belum bisa dihitung: belum ada TPS"),
    "tps_tanpa_klaster": (False, lambda g: f"{g.n} TPS belum masuk klaster pengamanan: jalankan perencana "
                                           f"penugasan"),
    "pemangku_kosong": (True, lambda g: "belum ada pemangku kepentingan tercatat"),
    "peran_tidak_tercatat": (True, lambda g: f"{g.n} {LEVEL_WORD[ROLES[g.facts['role']].level]} tanpa "
                                             f"{ROLE_WORD.get(g.facts['role'], ROLES[g.facts['role']].label.lower())} "
                                             f"tercatat{_more(g)}"),
    "logistik_kosong": (True, lambda g: "belum ada rencana logistik"),
    "tanpa_rute": (True, lambda g: f"{g.n} {LEVEL_WORD[g.facts['level']]} tanpa perjalanan "
                                   f"{STAGE_LABEL[g.facts['stage']]}{_more(g)}"),
    "perjalanan_tanpa_pengawal": (False, lambda g: f"{g.n} perjalanan logistik tanpa pengawal tercatat"),
    "sumber_tanpa_alamat": (True, lambda g: f"{g.n} sumber data aktif belum diberi alamat{_more(g)}"),
    "sumber_tidak_menjawab": (True, lambda g: f"{g.n} sumber data belum menjawab dengan baik{_more(g)}"),
    "tanpa_admin": (True, lambda g: "belum ada akun Admin yang aktif"),
    "tanpa_operator": (True, lambda g: "belum ada akun Operator Posko atau Komandan yang aktif"),
    "sandi_demo": (False, lambda g: f"{g.n} akun masih memakai kata sandi demo{_more(g)}"),
    "kalender_belum_diimpor": (True, lambda g: f"kalender belum diimpor: memakai pengaturan (pemungutan "
                                               f"{g.facts['pemungutan']})"),
}
ROLE_WORD = {"kepala_desa": "kepala desa/lurah", "kpu_ppk": "PPK", "bawaslu_panwascam": "Panwascam"}


def gap_sentence(g: Gap) -> str:
    return GAPS[g.kind][1](g)


# item -> (label, what fixes it, its counts in words)
ITEMS: dict[str, tuple[str, Fix, Callable[[dict], str]]] = {
    "wilayah": ("Wilayah operasi", Fix("command", "python -m ops init"),
                lambda c: f"{c['kecamatan']} kecamatan, {c['desa']} desa/kelurahan"),
    "polsek": ("Polsek", Fix("import", "polsek"),
               lambda c: f"{c['polsek']} Polsek membawahi {c['kecamatan_dibawahi']} dari {c['kecamatan']} kecamatan"),
    "tps": ("TPS", Fix("import", "tps"),
            lambda c: f"{c['terverifikasi']} dari {c['total']} TPS terverifikasi, di {c['kecamatan']} kecamatan"),
    "personel": ("Daftar personel", Fix("import", "personnel"),
                 lambda c: f"{c['total']} personel: {c['pam_tps']} PAM TPS, {c['bko']} BKO"),
    "pola": ("Pola pengamanan", Fix("page", "views/personel.py"),
             lambda c: f"{c['wajib']} personel wajib menurut pola, {c['tersedia']} tersedia; {c['dalam_klaster']} "
                       f"dari {c['tps']} TPS dalam klaster"),
    "pemangku": ("Pemangku kepentingan per desa", Fix("import", "stakeholders"),
                 lambda c: f"{c['total']} orang; {c['desa_lengkap']} dari {c['desa']} desa dan {c['kecamatan_lengkap']}"
                           f" dari {c['kecamatan']} kecamatan lengkap"),
    "logistik": ("Rencana logistik per TPS", Fix("import", "legs"),
                 lambda c: f"{c['perjalanan']} perjalanan ({c['sungai']} lewat sungai); {c['tps_lengkap']} dari "
                           f"{c['tps']} TPS berangkat dan kembali terencana"),
    "sumber": ("Sumber data", Fix("page", "views/sumber_data.py"),
               lambda c: f"{c['menjawab']} dari {c['dipakai']} sumber menjawab"),
    "pengguna": ("Pengguna dan peran", Fix("command", "python -m ops user NAMA --role operator --name \"Piket 1\""),
                 lambda c: ", ".join(f"{n} {ACCOUNT_ROLE[r]}" for r, n in c.items() if n) or "belum ada akun"),
    "kalender": ("Kalender operasi", Fix("import", "calendar"),
                 lambda c: f"pemungutan {c['pemungutan']}; {c['diimpor']} dari {c['tonggak']} tonggak diimpor"),
}


def label(key: str) -> str:
    return ITEMS[key][0]


def fix(key: str) -> Fix:
    return ITEMS[key][1]


def summary(item: Item) -> str:
    return ITEMS[item.key][2](item.counts)


def _gap(kind: str, codes: list[str], name: Callable[[str], str] = str, **facts) -> list[Gap]:
    return [Gap(kind, len(codes), tuple(name(c) for c in sorted(codes)[:EXAMPLES]), facts)] if codes else []


def check(session: Session, settings: Settings) -> list[Item]:
    """Every item of the checklist for the operation in the database, with the calendar it imported applied."""
    s = calendar.effective_settings(settings, session)
    names = load_names(session)
    tps = session.execute(select(m.Tps.code, m.Tps.desa_code, m.Tps.kecamatan_code, m.Tps.polsek_code,
                                 m.Tps.kerawanan, m.Tps.verification, m.Tps.travel_min, m.Tps.cluster_code)).all()
    kecamatan = sorted(c for c, (_, level) in names.region.items() if level == "kecamatan")
    return [_wilayah(names), _polsek(session, names, kecamatan), _tps(tps, names),
            _personel(session, tps, names), _pola(session, s, tps, names), _pemangku(session, tps, names),
            _logistik(session, tps, names), _sumber(session, s), _pengguna(session), _kalender(session, s)]


def _wilayah(names: Names) -> Item:
    levels = Counter(level for _, level in names.region.values())
    counts = {"kecamatan": levels["kecamatan"], "desa": levels["desa"] + levels["kelurahan"]}
    return Item("wilayah", counts, [Gap("wilayah_kosong", 1)] if not counts["kecamatan"] else [])


def _polsek(session: Session, names: Names, kecamatan: list[str]) -> Item:
    covered = set(session.scalars(select(m.PolsekKecamatan.kecamatan_code)))
    counts = {"polsek": len(names.polsek), "kecamatan_dibawahi": len(covered & set(kecamatan)),
              "kecamatan": len(kecamatan)}
    return Item("polsek", counts, _gap("kecamatan_tanpa_polsek", [k for k in kecamatan if k not in covered],
                                       names.kecamatan))


def _tps(tps: list, names: Names) -> Item:
    states = Counter(t.verification for t in tps)
    counts = {"total": len(tps), "terverifikasi": states["terverifikasi"], "perlu_cek": states["perlu_cek"],
              "kecamatan": len({t.kecamatan_code for t in tps}), "desa": len({t.desa_code for t in tps})}
    if not tps:
        return Item("tps", counts, [Gap("tps_kosong", 1)])
    unverified = [t.code for t in tps if t.verification != "terverifikasi"]
    return Item("tps", counts, _gap("tps_belum_terverifikasi", unverified, names.tps, perlu_cek=states["perlu_cek"])
                + _gap("tps_tanpa_polsek", [t.code for t in tps if not t.polsek_code], names.tps)
                + _gap("tps_tanpa_waktu_tempuh", [t.code for t in tps if t.travel_min is None], names.tps))


def _pam(session: Session) -> list:
    return session.execute(select(m.Personnel.nrp, m.Personnel.polsek_code, m.Personnel.bko, m.Personnel.device_id)
                           .where(m.Personnel.role == "PAM TPS")).all()


def _personel(session: Session, tps: list, names: Names) -> Item:
    total = session.scalar(select(func.count()).select_from(m.Personnel))
    bko = session.scalar(select(func.count()).select_from(m.Personnel).where(m.Personnel.bko))
    pam = _pam(session)
    counts = {"total": total, "pam_tps": len(pam), "bko": bko, "perangkat": sum(1 for p in pam if p.device_id)}
    if not total:
        return Item("personel", counts, [Gap("personel_kosong", 1)])
    guarded = {t.polsek_code for t in tps if t.polsek_code}
    staffed = {p.polsek_code for p in pam if not p.bko}
    return Item("personel", counts,
                _gap("polsek_tanpa_personel", sorted(guarded - staffed), lambda c: names.polsek.get(c, c))
                + _gap("personel_tanpa_perangkat", [p.nrp for p in pam if not p.device_id]))


def _pola(session: Session, s: Settings, tps: list, names: Names) -> Item:
    pola = load_pola(s)
    per: dict[str, Counter] = defaultdict(Counter)
    for t in tps:
        per[t.polsek_code or ""][t.kerawanan] += 1
    need = {p: required_polri(dict(c), pola) for p, c in per.items()}
    people = _pam(session)
    have = Counter(p.polsek_code for p in people if not p.bko)
    bko = session.scalar(select(func.count()).select_from(m.Personnel).where(m.Personnel.bko))
    short = {p: n - have[p] for p, n in need.items() if n > have[p]}
    counts = {"wajib": sum(need.values()), "tersedia": sum(have[p] for p in need) + bko, "bko": bko, "tps": len(tps),
              "dalam_klaster": sum(1 for t in tps if t.cluster_code),
              "ditugaskan": session.scalar(select(func.count(func.distinct(m.Assignment.nrp)))
                                           .where(m.Assignment.task == PAM_TPS))}
    if not tps:
        return Item("pola", counts, [Gap("pola_tanpa_tps", 1)])
    gaps = [Gap("pola_kurang_personel", sum(short.values()) - bko, (), {"wajib": counts["wajib"],
                                                                        "tersedia": counts["tersedia"]})] \
        if sum(short.values()) > bko else []
    gaps += _gap("polsek_kurang_personel", [p for p in short if p], lambda c: names.polsek.get(c, c))
    gaps += _gap("tps_tanpa_klaster", [t.code for t in tps if not t.cluster_code], names.tps)
    return Item("pola", counts, gaps)


def _pemangku(session: Session, tps: list, names: Names) -> Item:
    desa = sorted({t.desa_code for t in tps})
    kecamatan = sorted({t.kecamatan_code for t in tps})
    known: dict[str, set[str]] = defaultdict(set)
    for kec, des, role in session.execute(select(m.Stakeholder.kecamatan_code, m.Stakeholder.desa_code,
                                                 m.Stakeholder.role)):
        # A lurah is the kepala desa of a kelurahan.
        known[des or kec].add("kepala_desa" if role == "lurah" else role)
    total = session.scalar(select(func.count()).select_from(m.Stakeholder))
    gaps, complete = ([] if total else [Gap("pemangku_kosong", 1)]), {}
    for level, places, name in (("kecamatan", kecamatan, names.kecamatan), ("desa", desa, names.desa)):
        roles = [r for r, role in ROLES.items() if role.level == level and role.met]
        for role in roles:
            gaps += _gap("peran_tidak_tercatat", [p for p in places if role not in known[p]], name, role=role)
        complete[level] = sum(1 for p in places if all(r in known[p] for r in roles))
    counts = {"total": total, "desa": len(desa),
              "desa_lengkap": complete["desa"], "kecamatan": len(kecamatan), "kecamatan_lengkap": complete["kecamatan"]}
    return Item("pemangku", counts, gaps)


# Per stage: the level whose every place needs a leg of it, and the leg's column naming that place.
ROUTE_PLACE = {"gudang-ppk": ("kecamatan", "kecamatan_code"), "ppk-pps": ("desa", "desa_code"),
               "pps-tps": ("tps", "tps_code"), "tps-pps": ("tps", "tps_code"), "pps-ppk": ("desa", "desa_code")}


def _logistik(session: Session, tps: list, names: Names) -> Item:
    from ops.importers.legs import ESCORT_TASK

    legs = session.execute(select(m.LogisticsLeg.id, m.LogisticsLeg.stage, m.LogisticsLeg.mode,
                                  m.LogisticsLeg.kecamatan_code, m.LogisticsLeg.desa_code,
                                  m.LogisticsLeg.tps_code)).all()
    places = {"kecamatan": {t.kecamatan_code for t in tps}, "desa": {t.desa_code for t in tps},
              "tps": {t.code for t in tps}}
    name = {"kecamatan": names.kecamatan, "desa": names.desa, "tps": names.tps}
    planned: dict[str, set[str]] = defaultdict(set)
    for leg in legs:
        planned[leg.stage].add(getattr(leg, ROUTE_PLACE[leg.stage][1]))
    gaps = [] if legs else [Gap("logistik_kosong", 1)]
    for stage, (level, _) in ROUTE_PLACE.items():
        gaps += _gap("tanpa_rute", sorted(places[level] - planned[stage]), name[level], stage=stage, level=level)
    escorted = set(session.scalars(select(m.Assignment.cluster_code).where(m.Assignment.task == ESCORT_TASK)))
    gaps += _gap("perjalanan_tanpa_pengawal", [str(leg.id) for leg in legs if f"leg:{leg.id}" not in escorted])
    counts = {"perjalanan": len(legs), "sungai": sum(1 for leg in legs if leg.mode == "sungai"),
              "tps": len(tps), "tps_lengkap": len(places["tps"] & planned["pps-tps"] & planned["tps-pps"])}
    return Item("logistik", counts, gaps)


def _sumber(session: Session, s: Settings) -> Item:
    used = feeds_in_use(session, s)
    states = feed_states(session, s, load_clock(session).now())
    unset = [n for n, f in all_feeds().items() if n in s.feeds_enabled and n not in used and not f.enabled(s)]
    silent = [n for n in used if states[n].state not in ("ok", "partial")]
    counts = {"dipakai": len(used), "menjawab": len(used) - len(silent)}
    label_of = {n: f.name for n, f in states.items()}
    return Item("sumber", counts, _gap("sumber_tanpa_alamat", unset, label_of.get)
                + _gap("sumber_tidak_menjawab", silent, lambda n: f"{label_of[n]} ({states[n].label.lower()})"))


def _pengguna(session: Session) -> Item:
    roles = Counter(session.scalars(select(m.AppUser.role).where(m.AppUser.active)))
    counts = {r: roles[r] for r in ACCOUNT_ROLE}
    gaps = [Gap("tanpa_admin", 1)] if not roles["admin"] else []
    gaps += [Gap("tanpa_operator", 1)] if not (roles["operator"] or roles["commander"]) else []
    gaps += _gap("sandi_demo", published_password_accounts(session))
    return Item("pengguna", counts, gaps)


def _kalender(session: Session, s: Settings) -> Item:
    done = calendar.imported(session)
    voting = fmt_wib(wib_at(s.voting_day, s.tps_open), with_date=True)
    counts = {"diimpor": len(done), "tonggak": len(calendar.MILESTONES), "pemungutan": voting}
    return Item("kalender", counts, [] if done else [Gap("kalender_belum_diimpor", 1, (), {"pemungutan": voting})])


def status_json(session: Session, settings: Settings) -> dict:
    """The `setup` key of `status --json`: the items by key, and whether every one is done."""
    items = check(session, settings)
    return {"done": all(i.done for i in items), "items": {i.key: i.as_json() for i in items}}
