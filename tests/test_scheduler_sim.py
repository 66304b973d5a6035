"""One scheduler at a time (database lease), and the demo source moving the demo through the real feeds."""
import datetime as dt

from sqlalchemy import func, select

from ops import models as m
from ops.clock import from_wib, set_clock, utcnow
from ops.config import get_settings
from ops.db import get_engine, session_scope
from ops.demo.runs import catch_up
from ops.feeds.registry import FEED_NAMES
from ops.readiness import readiness_summary
from ops.scheduler import build_scheduler, feeds_to_run, try_lease


def test_only_one_holder_gets_the_lease_until_it_expires(db_url):
    from ops.db import upgrade

    upgrade(get_engine(db_url))
    s = get_settings()
    now = utcnow()
    first = try_lease(s, "worker@a", now)
    assert first
    assert not try_lease(s, "app@b", now + dt.timedelta(seconds=10))
    assert try_lease(s, "worker@a", now + dt.timedelta(seconds=20)) == first  # renewal keeps the token
    taken = try_lease(s, "app@b", now + dt.timedelta(seconds=20 + s.scheduler_lease_seconds + 1))  # the holder died
    assert taken and taken != first  # a new holder, a new token: the old holder's jobs are fenced out
    assert try_lease(s, "worker@a", now + dt.timedelta(seconds=30)) is None


def test_scheduler_jobs_have_ids_coalesce_and_one_instance(demo_copy):
    s = get_settings()
    assert feeds_to_run(s) == list(FEED_NAMES)  # a demo database runs every feed, from the demo source
    s = s.model_copy(update={"feed_intervals": {**s.feed_intervals, "traccar": 0.5}})
    sched = build_scheduler(s, token="t")
    sched.start(paused=True)
    try:
        for name in FEED_NAMES:  # each at its own interval
            job = sched.get_job(f"feed:{name}")
            assert job is not None and job.coalesce and job.max_instances == 1 and job.misfire_grace_time == 120
            assert job.trigger.interval.total_seconds() == s.feed_intervals[name] * 60
        assert sched.get_job("feed:traccar").trigger.interval.total_seconds() == 30
        assert sched.get_job("demo:entries") is not None and sched.get_job("feed:simulator") is None
        daily = sched.get_job("briefing:daily")
        fire = daily.trigger.get_next_fire_time(None, dt.datetime(2024, 11, 26, 23, 30, tzinfo=dt.timezone.utc))
        assert fire.astimezone(dt.timezone.utc) == dt.datetime(2024, 11, 26, 23, 0, tzinfo=dt.timezone.utc) \
            + dt.timedelta(days=1)  # 06:00 WIB is 23:00 UTC the day before
    finally:
        sched.shutdown(wait=False)


def test_the_demo_moves_voting_day_forward(demo_copy):
    s = get_settings().model_copy(update={"demo": True})
    engine = get_engine(demo_copy)
    with session_scope(engine) as sess:
        opened = sess.scalar(select(func.count()).select_from(m.TpsStatusEvent).where(m.TpsStatusEvent.status == "dibuka"))
        assert 655 <= opened < 667  # at 10:00 a few KPPS have not opened yet
        set_clock(sess, from_wib(dt.datetime(2024, 11, 27, 19, 0)))
    assert catch_up(s)["simulated_records"] > 0
    with session_scope(engine) as sess:
        counted = sess.scalar(select(func.count(func.distinct(m.TpsStatusEvent.tps_code)))
                              .where(m.TpsStatusEvent.status == "penghitungan"))
        assert counted == 667
        assert sess.scalar(select(func.count()).select_from(m.RecapProgress)) > 0
        ready = readiness_summary(sess, s, from_wib(dt.datetime(2024, 11, 27, 19, 0)))
        assert ready["sesudah"]["due"] and ready["sesudah"]["ready_share"] is not None
        # Replay: the same query at 10:00 still shows the morning, whatever happened since.
        morning = readiness_summary(sess, s, from_wib(dt.datetime(2024, 11, 27, 6, 0)))
        assert not morning["sesudah"]["due"] and morning["sesudah"]["ready_share"] is None
