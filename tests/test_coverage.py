"""BMKG coverage: which desa a forecast run asks for when there are more than its budget, and the fallback."""
import datetime as dt

from ops.feeds.coverage import DesaInfo, budget, plan_round

T0 = dt.datetime(2024, 11, 27, tzinfo=dt.timezone.utc)


def test_everything_is_asked_when_it_fits():
    desa = [DesaInfo(f"d{i}", "k1", 1, False) for i in range(5)]
    assert sorted(plan_round(desa, {}, 10)) == [d.code for d in desa]


def test_priority_first_then_one_per_kecamatan_then_the_stalest():
    desa = ([DesaInfo(f"r{i}", "k1", 1, True) for i in range(4)]          # river or sangat rawan
            + [DesaInfo("k2-big", "k2", 9, False), DesaInfo("k2-small", "k2", 1, False)]
            + [DesaInfo("k3-big", "k3", 5, False), DesaInfo("k3-small", "k3", 2, False)]
            + [DesaInfo(f"k1-{i}", "k1", 1, False) for i in range(4)])
    fetched = {"r0": T0, "r1": T0 - dt.timedelta(hours=6), "k1-0": T0 - dt.timedelta(days=1)}
    plan = plan_round(desa, fetched, 8)
    # half the budget for priority desa, never-fetched and stalest first
    assert plan[:4] == ["r2", "r3", "r1", "r0"]
    # then each kecamatan without a priority desa gets its representative (the desa with the most TPS)
    assert plan[4:6] == ["k2-big", "k3-big"]
    # the rest of the budget rotates through the stalest
    assert len(plan) == 8 and set(plan[6:]) <= {"k1-1", "k1-2", "k1-3", "k2-small", "k3-small"}


def test_rotation_reaches_every_desa_over_rounds():
    desa = [DesaInfo(f"d{i:02d}", f"k{i % 3}", 1, i % 10 == 0) for i in range(30)]
    fetched: dict[str, dt.datetime] = {}
    seen = set()
    for r in range(6):
        at = T0 + dt.timedelta(hours=3 * r)
        for code in plan_round(desa, fetched, 8):
            fetched[code] = at
            seen.add(code)
    assert seen == {d.code for d in desa}


def test_budget_is_the_rate_over_the_run():
    assert budget(60, 900) == 900 and budget(60, 30) == 30 and budget(1, 1) == 1
