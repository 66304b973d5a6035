"""The demo's coordination before voting day: the Kapolsek meets the PPK, Panwascam and camat of each kecamatan, the
Bhabinkamtibmas of each desa its kepala desa or lurah, PPS, tokoh agama and tokoh masyarakat — at working hours (a
pengajian or a talk with residents in the evening at most), on agendas that fit the person met and the stage of the
election, spread over the weeks before voting. Deterministic per seed."""
from __future__ import annotations

import datetime as dt
import math
import random

from ops import models as m
from ops.clock import wib_at
from ops.demo.scenario import rng_for
from ops.region import Area, RegionData

COORDINATION_DAYS = 26  # coordination starts this many days before voting day (1 Nov for 27 Nov)
CAMPAIGN_LAST = -4  # Pilkada 2024: campaign until 23 Nov (H-4), then the quiet days (masa tenang) to H-1
NOT_VISITED = 0.12  # desa whose Bhabinkamtibmas has not yet been round: coordination gaps on the Koordinasi page
MEETS_TOKOH = 0.75  # chance that a visited desa's tokoh agama (and, apart, its tokoh masyarakat) was met

# What is talked over with whom, per stage of the election: (agenda, where) — {desa} and {kecamatan} are filled in.
AGENDA: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "kpu_ppk": {
        "kampanye": (("Pemetaan TPS rawan dan kebutuhan personel PAM TPS", "Sekretariat PPK {kecamatan}"),
                     ("Rencana distribusi logistik gudang KPU → PPK → PPS dan pengawalannya",
                      "Sekretariat PPK {kecamatan}")),
        "tenang": (("Penerimaan kotak suara di gudang PPK dan penjagaannya siang-malam", "Gudang PPK {kecamatan}"),
                   ("Jadwal distribusi logistik PPK → PPS → TPS dan personel pengawal", "Gudang PPK {kecamatan}")),
    },
    "bawaslu_panwascam": {
        "kampanye": (("Jadwal patroli bersama Panwascam selama masa kampanye", "Mapolsek {polsek}"),
                     ("Sentra Gakkumdu: alur laporan dugaan politik uang", "Sekretariat Panwascam {kecamatan}")),
        "tenang": (("Patroli masa tenang dan penertiban alat peraga kampanye", "Sekretariat Panwascam {kecamatan}"),
                   ("Jadwal patroli pengawasan pada hari pemungutan", "Mapolsek {polsek}")),
    },
    "camat": {
        "kampanye": (("Kesiapan Linmas kecamatan: dua orang per TPS", "Kantor Camat {kecamatan}"),
                     ("Penertiban APK di fasilitas umum bersama Satpol PP kecamatan", "Kantor Camat {kecamatan}")),
        "tenang": (("Apel kesiapan Linmas dan pengamanan masa tenang", "Halaman Kantor Camat {kecamatan}"),),
    },
    "kepala_desa": {
        "kampanye": (("Lokasi TPS, akses jalan dan penerangan", "Balai Desa {desa}"),
                     ("Kesiapan Linmas desa dan pembagiannya per TPS", "Balai Desa {desa}")),
        "tenang": (("Ronda malam dan pos kamling menjelang hari pemungutan", "Balai Desa {desa}"),),
    },
    "pps": {
        "kampanye": (("Pendirian TPS dan tata letak bilik suara", "Sekretariat PPS {desa}"),),
        "tenang": (("Penerimaan logistik dan penyimpanan kotak suara di sekretariat PPS", "Sekretariat PPS {desa}"),),
    },
    "tokoh_agama": {
        "kampanye": (("Khotbah Jumat: ajakan Pilkada damai dan tolak politik uang", "Masjid di {desa}"),
                     ("Pengajian: menjaga kerukunan meski berbeda pilihan", "Majelis taklim di {desa}")),
        "tenang": (("Doa bersama untuk Pilkada aman dan damai", "Masjid di {desa}"),),
    },
    "tokoh_masyarakat": {
        "kampanye": (("Cooling system: Pilkada damai, tolak hoaks dan politik uang", "Rumah tokoh masyarakat, {desa}"),
                     ("Ngopi bareng warga: menjaga suasana tetap kondusif", "Warung kopi di {desa}")),
        "tenang": (("Siskamling dan pengamanan lingkungan menjelang hari pemungutan", "Pos kamling {desa}"),),
    },
}
FORKOPIMCAM = ("Rapat koordinasi Forkopimcam: kesiapan pengamanan Pilkada", "Aula Kantor Camat {kecamatan}")
JUMAT_CURHAT = ("Jumat Curhat: kamtibmas desa dan Pilkada damai", "Balai Desa {desa}")
# When a meeting may start (WIB): office hours for officials; after Friday prayers or an evening pengajian for tokoh
# agama; late afternoon or after isya for tokoh masyarakat. Nothing starts after 20:30 or before 08:00.
OFFICE = (dt.time(8, 30), dt.time(15, 0))
AFTER_JUMAT = (dt.time(13, 30), dt.time(14, 30))
MORNING = (dt.time(8, 0), dt.time(11, 0))
LATE_AFTERNOON = (dt.time(15, 30), dt.time(16, 45))
EVENING = (dt.time(19, 30), dt.time(20, 30))


def _officer(p: m.Personnel, function: str) -> str:
    """Rank, name and function, as an operator writes who led a meeting."""
    return f"{p.rank} {p.name} ({function})"


def _leaders(polsek: list[dict], people: list[m.Personnel], region: RegionData
             ) -> tuple[dict[str, str], dict[str, str]]:
    """Per kecamatan its Kapolsek; per desa its Bhabinkamtibmas: a bintara of the Polsek covering about two desa (the
    roster's own Bhabinkamtibmas when it names them)."""
    kapolsek, bhabin = {}, {}
    for p in polsek:
        own = sorted((x for x in people if x.polsek_code == p["code"]), key=lambda x: x.nrp)
        chief = next((x for x in own if x.role == "Kapolsek"), None)
        town = p["name"].removeprefix("Polsek ")
        desa = [d for k in p["kecamatan"] for d in region.desa_of(k)]
        bintara = ([x for x in own if x.role == "Bhabinkamtibmas"]
                   or [x for x in own if x.role != "Kapolsek" and not x.bko])[:max(1, math.ceil(len(desa) / 2))]
        for k in p["kecamatan"]:
            if chief is not None:
                kapolsek[k] = _officer(chief, f"Kapolsek {town}")
        for i, d in enumerate(desa):
            if bintara:
                bhabin[d.code] = _officer(bintara[i % len(bintara)], f"Bhabinkamtibmas {d.name}")
    return kapolsek, bhabin


def _stage(day: dt.date, voting_day: dt.date) -> str:
    return "kampanye" if (day - voting_day).days <= CAMPAIGN_LAST else "tenang"


def _day(r: random.Random, first: dt.date, last: dt.date, weekdays: bool = True, friday: bool = False) -> dt.date:
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    pick = [d for d in days if (d.weekday() == 4 if friday else (d.weekday() < 5 or not weekdays))] or days
    return r.choice(pick)


def _at(r: random.Random, day: dt.date, window: tuple[dt.time, dt.time]) -> dt.datetime:
    """A start on the quarter hour within the window."""
    a, b = (t.hour * 60 + t.minute for t in window)
    minutes = a + 15 * r.randint(0, (b - a) // 15)
    return wib_at(day, dt.time(minutes // 60, minutes % 60))


def meetings(region: RegionData, polsek: list[dict], people: list[m.Personnel], voting_day: dt.date, seed: int
             ) -> list[m.CoordinationActivity]:
    kapolsek, bhabin = _leaders(polsek, people, region)
    first = voting_day - dt.timedelta(days=COORDINATION_DAYS)
    polsek_of = {k: p["name"].removeprefix("Polsek ") for p in polsek for k in p["kecamatan"]}
    campaign_end = voting_day + dt.timedelta(days=CAMPAIGN_LAST)
    quiet = (campaign_end + dt.timedelta(days=1), voting_day - dt.timedelta(days=1))
    out: list[m.CoordinationActivity] = []

    def add(at: dt.datetime, kec: Area, desa: Area | None, roles: list[str], agenda: tuple[str, str],
            leader: str | None) -> None:
        topic, where = agenda
        place = where.format(kecamatan=kec.name, desa=desa.name if desa else "", polsek=polsek_of.get(kec.code, ""))
        if desa is not None and desa.level == "kelurahan":
            place = place.replace("Balai Desa", "Kantor Lurah")
        out.append(m.CoordinationActivity(occurred_at=at, recorded_at=at, kecamatan_code=kec.code,
                                          desa_code=desa.code if desa else None, roles_met=roles, topic=topic,
                                          led_by=leader, notes=f"Tempat: {place}",
                                          source="demo"))

    for kec in region.of_level("kecamatan"):
        if kec.code not in polsek_of:
            continue
        chief = kapolsek.get(kec.code)
        r = rng_for(seed, "koordinasi", kec.code)
        add(_at(r, _day(r, first + dt.timedelta(days=3), first + dt.timedelta(days=11)),
                OFFICE), kec, None, ["kpu_ppk", "bawaslu_panwascam", "camat"], FORKOPIMCAM, chief)
        for role in ("kpu_ppk", "bawaslu_panwascam", "camat"):
            day = _day(r, first + dt.timedelta(days=12), campaign_end - dt.timedelta(days=1))
            add(_at(r, day, OFFICE), kec, None, [role], r.choice(AGENDA[role]["kampanye"]), chief)
            if role != "camat" or r.random() < 0.5:  # in the quiet days logistics and patrols come first
                day = _day(r, *quiet, weekdays=False)
                add(_at(r, day, OFFICE), kec, None, [role], r.choice(AGENDA[role]["tenang"]), chief)
        for desa in region.desa_of(kec.code):
            _desa_visits(add, rng_for(seed, "koordinasi", desa.code), kec, desa, bhabin.get(desa.code), chief,
                         (first, campaign_end, *quiet), voting_day)
    return out


def _desa_visits(add, r: random.Random, kec: Area, desa: Area, bhabin: str | None, chief: str | None,
                 days: tuple[dt.date, dt.date, dt.date, dt.date], voting_day: dt.date) -> None:
    """The Bhabinkamtibmas's round of one desa: the kepala desa (often with the PPS), the PPS about the boxes in the
    quiet days when it was not there, the tokoh agama and the tokoh masyarakat apart, and now and then the kepala desa
    again in the quiet days. `days`: the first day of
    coordination, the campaign's last, the quiet days' first and last."""
    if r.random() < NOT_VISITED:
        return
    first, campaign_end, *quiet = days
    head = "kepala_desa" if desa.level == "desa" else "lurah"
    day = _day(r, first, campaign_end - dt.timedelta(days=1))
    with_pps = r.random() < 0.7
    add(_at(r, day, OFFICE), kec, desa, [head] + (["pps"] if with_pps else []),
        r.choice(AGENDA["kepala_desa"]["kampanye"] + (AGENDA["pps"]["kampanye"] if with_pps else ())), bhabin)
    if not with_pps:
        add(_at(r, _day(r, *quiet, weekdays=False), OFFICE), kec, desa, ["pps"], r.choice(AGENDA["pps"]["tenang"]),
            bhabin)
    if r.random() < MEETS_TOKOH:
        day = _day(r, first, quiet[1], weekdays=False)
        agenda = r.choice(AGENDA["tokoh_agama"][_stage(day, voting_day)])
        if agenda[0].startswith("Khotbah Jumat"):
            day = _day(r, first, campaign_end, friday=True)
            window = AFTER_JUMAT
        else:
            window = EVENING if agenda[0].startswith("Pengajian") else MORNING
        add(_at(r, day, window), kec, desa, ["tokoh_agama"], agenda, bhabin)
    if r.random() < MEETS_TOKOH:
        if r.random() < 0.2:  # the Kapolsek's own Friday morning with residents
            add(_at(r, _day(r, first, campaign_end, friday=True), MORNING), kec, desa,
                ["tokoh_masyarakat"], JUMAT_CURHAT, chief)
        else:
            day = _day(r, first, quiet[1], weekdays=False)
            add(_at(r, day, EVENING if r.random() < 0.3 else LATE_AFTERNOON), kec, desa, ["tokoh_masyarakat"],
                r.choice(AGENDA["tokoh_masyarakat"][_stage(day, voting_day)]), bhabin)
    if r.random() < 0.3:  # back to the kepala desa in the quiet days: the night watch until voting day
        add(_at(r, _day(r, *quiet, weekdays=False), OFFICE), kec, desa, [head], AGENDA["kepala_desa"]["tenang"][0],
            bhabin)
