"""TPS alike in what a tahapan reads are judged once (ops.readiness.score_facts): the shortcut must never change an
answer. Random facts judged together equal each judged alone, and a fact a tahapan does not read (model.READS) never
changes its judgement."""
import dataclasses
import datetime as dt
import random

import pytest

from ops.config import get_settings
from ops.readiness import _detail, judge, score_facts
from ops.readiness.model import PHASES, READS, TpsFacts

UTC = dt.timezone.utc
MOMENTS = [dt.datetime(2024, 11, 26, 11, 0, tzinfo=UTC), dt.datetime(2024, 11, 27, 1, 30, tzinfo=UTC),
           dt.datetime(2024, 11, 27, 7, 0, tzinfo=UTC), dt.datetime(2024, 11, 27, 13, 0, tzinfo=UTC)]


def _value(rng: random.Random, name: str, current):
    """A random value of the kind this fact holds (few distinct values, so that cases repeat)."""
    when = dt.datetime(2024, 11, 26, 0, 0, tzinfo=UTC) + dt.timedelta(hours=rng.randrange(0, 48))
    options = {
        "kerawanan": ["kurang_rawan", "rawan", "sangat_rawan"], "akses": ["darat", "sungai"],
        "status": [None, "siap", "dibuka", "penghitungan", "selesai", "kotak_dikirim", "kotak_diterima_ppk"],
        "logistik_state": [None, "berangkat", "tiba", "diserahkan"], "return_state": [None, "berangkat", "tiba"],
        "open_incidents": [[], ["rendah"], ["sedang"], ["tinggi", "sedang"]],
        "recap_persen": [None, 40.0, 100.0], "discharge": [None, 850.0],
        "heavy_rain_mm": [None, 25.0], "voting_rain_mm": [None, 5.0, 30.0],
    }
    if name in options:
        return rng.choice(options[name])
    if isinstance(current, bool):
        return rng.random() < 0.5
    if isinstance(current, int):
        return rng.randrange(0, 4)
    if name.endswith("_at") or name.endswith("_due"):
        return rng.choice([None, when])
    return current


def random_facts(rng: random.Random, n: int) -> dict[str, TpsFacts]:
    out = {}
    for i in range(n):
        f = TpsFacts(f"16.10.01.2001.{i:03d}", "rawan", "darat", "16.10.01", "16.10.01.2001", "16.10.01")
        for field in dataclasses.fields(TpsFacts):
            if field.name not in ("code", "kecamatan_code", "desa_code", "polsek_code", "cluster_code"):
                setattr(f, field.name, _value(rng, field.name, getattr(f, field.name)))
        out[f.code] = f
    return out


@pytest.mark.parametrize("moment", MOMENTS)
def test_judged_together_equals_judged_alone(moment):
    settings = get_settings()
    facts = random_facts(random.Random(moment.hour), 400)
    together = judge(facts, settings, moment)
    assert len({id(d["sesudah"]) for _, d in together.values()}) < len(facts) / 2  # cases do repeat
    for code, f in facts.items():
        alone = judge({code: f}, settings, moment)[code]
        assert together[code] == alone, code


@pytest.mark.parametrize("phase", PHASES)
def test_a_fact_a_tahapan_does_not_read_never_changes_it(phase):
    settings = get_settings()
    rng = random.Random(7)
    unread = [f.name for f in dataclasses.fields(TpsFacts) if f.name not in READS[phase]
              and f.name not in ("code", "kecamatan_code", "desa_code", "polsek_code", "cluster_code")]
    for f in random_facts(rng, 150).values():
        for moment in MOMENTS:
            before = score_facts({f.code: f}, settings, moment)[phase][f.code]
            other = dataclasses.replace(f, open_incidents=list(f.open_incidents))
            for name in unread:
                setattr(other, name, _value(rng, name, getattr(other, name)))
            after = score_facts({f.code: other}, settings, moment)[phase][f.code]
            assert (before.score, _detail(before)) == (after.score, _detail(after)), (phase, unread)
