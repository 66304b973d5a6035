"""The area a page looks at: the operation's whole area, or a part of it a commander drilled into.

A Polda Posko opens on its province (the 17 kabupaten/kota ranked and mapped), drills into Kabupaten Ogan Ilir (its
kecamatan and TPS, as the Polres sees them) and on to one TPS; Mabes opens on the nation. The focus is a region code
inside the operation's area; the level below it is what the overview ranks. Above the kabupaten a page reads the
read model's roll-ups (a handful of rows per area), from the kabupaten down it reads the TPS of the focus.
"""
from __future__ import annotations

from dataclasses import dataclass

from ops.places import Names
from ops.region import level_of_code, within

# Levels a focus can take, top down, and the level each one ranks and maps.
CHILD_LEVEL = {"nasional": "provinsi", "provinsi": "kabupaten", "kabupaten": "kecamatan", "kecamatan": "desa"}
# Above the kabupaten the TPS are too many to read one by one on a page: the overview reads roll-ups.
OVERVIEW_LEVELS = ("nasional", "provinsi")
# Levels the read model sums up (ops.readmodel.rollup): a focus on one of them reads its figures from there.
ROLLUP_LEVELS = ("nasional", "provinsi", "kabupaten", "kecamatan")
LEVEL_WORD = {"provinsi": "Provinsi", "kabupaten": "Kabupaten/kota", "kecamatan": "Kecamatan", "desa": "Desa/kelurahan",
              "nasional": "Nasional"}


@dataclass(frozen=True)
class Focus:
    code: str  # a region code inside the operation's area ('' the nation)
    top: str  # the operation's area code

    @property
    def level(self) -> str:
        return level_of_code(self.code)

    @property
    def child_level(self) -> str:
        return CHILD_LEVEL[self.level]

    @property
    def overview(self) -> bool:
        """True above the kabupaten: pages show roll-ups per area rather than TPS."""
        return self.level in OVERVIEW_LEVELS

    @property
    def wide(self) -> bool:
        """A Polda's or Mabes' operation (whatever the focus): its pages read the read model, not every TPS live."""
        return level_of_code(self.top) in OVERVIEW_LEVELS

    @property
    def is_top(self) -> bool:
        return self.code == self.top

    def covers(self, code: str | None) -> bool:
        return code is not None and within(code, self.code)

    def child_of(self, code: str) -> str:
        """The area one level below the focus that holds `code` (a TPS, desa or kecamatan code)."""
        parts = {"provinsi": 1, "kabupaten": 2, "kecamatan": 3, "desa": 4}[self.child_level]
        return ".".join(code.split(".")[:parts])

    def trail(self) -> list[str]:
        """The codes from the operation's area down to the focus (the breadcrumb)."""
        out = [self.top]
        parts = self.code.split(".") if self.code else []
        for n in range(len(self.top.split(".")) if self.top else 0, len(parts)):
            out.append(".".join(parts[:n + 1]))
        return out


def focus_of(top: str, asked: str | None, known=None) -> Focus:
    """The focus asked for (a URL parameter, a click), if it is a region code of a level a page can show inside the
    operation's area (and among `known` codes, when given); otherwise the whole area. A TPS or desa asked for focuses
    on its kecamatan."""
    code = (asked or "").strip()
    if code and code.count(".") >= 3:
        if not all(p.isdigit() for p in code.split(".")):
            return Focus(top, top)
        code = ".".join(code.split(".")[:3])
    if code == "" and top != "":
        return Focus(top, top)
    if code == "" or (within(code, top) and level_of_code(code) in CHILD_LEVEL and all(
            p.isdigit() and len(p) == 2 for p in code.split("."))) and (known is None or code in known):
        return Focus(code, top)
    return Focus(top, top)


def area_title(names: Names, code: str) -> str:
    """The focus by name, as a page title says it: 'Provinsi Sumatera Selatan', 'Kabupaten Ogan Ilir', 'Kec. …'."""
    return names.area(code)
