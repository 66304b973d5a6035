"""Places by name, as a commander says them: "TPS 001 Pegayut, Kec. Pemulutan", "Desa Pegayut, Kec. Pemulutan",
"Kec. Pemulutan", "Kabupaten Ogan Ilir", "Provinsi Sumatera Selatan", "Indonesia"; and their commands: "Polres Ogan
Ilir", "Polda Sumatera Selatan". Codes stay in the data; names are made here."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m

NATION = "Indonesia"


def polres_name(kabupaten_name: str) -> str:
    """'Kabupaten Ogan Komering Ilir' -> 'Polres Ogan Komering Ilir', 'Kota Palembang' -> 'Polres Palembang'."""
    return "Polres " + kabupaten_name.removeprefix("Kabupaten ").removeprefix("Kota ")


@dataclass(frozen=True)
class Names:
    region: dict[str, tuple[str, str]]  # code -> (name, level)
    polsek: dict[str, str]
    # Above a kabupaten (a Polda, Mabes) a kecamatan's name is not enough to find it: its kabupaten follows.
    wide: bool = False

    def name(self, code: str | None) -> str:
        return self.region.get(code or "", (code or "", ""))[0]

    def kab_short(self, code: str) -> str:
        """'Kab. Ogan Ilir', 'Kota Palembang': a kabupaten as it follows a place's name."""
        return self.name(code).replace("Kabupaten ", "Kab. ", 1)

    def kecamatan(self, code: str) -> str:
        if self.wide and code.count(".") == 2:
            return f"Kec. {self.name(code)}, {self.kab_short(code.rsplit('.', 1)[0])}"
        return f"Kec. {self.name(code)}"

    def desa(self, code: str) -> str:
        name, level = self.region.get(code, (code, "desa"))
        word = "Kel." if level == "kelurahan" else "Desa"
        return f"{word} {name}, {self.kecamatan(code.rsplit('.', 1)[0])}"

    def tps(self, code: str) -> str:
        desa_code, number = code.rsplit(".", 1)
        return f"TPS {number} {self.name(desa_code)}, {self.kecamatan(desa_code.rsplit('.', 1)[0])}"

    def tps_short(self, code: str) -> str:
        desa_code, number = code.rsplit(".", 1)
        return f"TPS {number} {self.name(desa_code)}"

    def province(self, code: str) -> str:
        return f"Provinsi {self.name(code)}"

    def kabupaten(self, code: str) -> str:
        return self.name(code)  # the files name it whole: "Kabupaten Ogan Ilir", "Kota Palembang"

    def polres(self, kabupaten_code: str) -> str:
        return polres_name(self.name(kabupaten_code))

    def polda(self, province_code: str) -> str:
        return f"Polda {self.name(province_code)}"

    def area(self, code: str) -> str:
        """Any region code by its level's way of naming it ('' is the nation)."""
        if code == "":
            return NATION
        level = self.region.get(code, ("", ""))[1]
        if level == "provinsi":
            return self.province(code)
        if level == "kecamatan":
            return self.kecamatan(code)
        if level in ("desa", "kelurahan"):
            return self.desa(code)
        if code.count(".") == 4:
            return self.tps(code)
        return self.name(code)


def load_names(session: Session) -> Names:
    region = {c: (n, lvl) for c, n, lvl in session.execute(select(m.Region.code, m.Region.name, m.Region.level))}
    polsek = dict(session.execute(select(m.Polsek.code, m.Polsek.name)).all())
    area = session.get(m.OperationMeta, "area_code")
    # The operation's area as init recorded it; a database from before areas were recorded is one kabupaten.
    wide = area is not None and area.value.count(".") < 1
    return Names(region, polsek, wide)
