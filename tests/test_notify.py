"""Out to the phones, against loopback servers that speak the Telegram Bot API's request and answer format and a
webhook receiver that checks the signature: once per item and change, nothing lost on 429 or a dead channel."""
import hashlib
import hmac
import json
import os
import socket

import pytest
from sqlalchemy import func, select, update
from werkzeug import Response

from ops import models as m
from ops.clock import utcnow
from ops.config import get_settings, reset_settings
from ops.db import get_engine, session_scope

from test_cli import run

TOKEN = "123456:ABC-test"


def notify(**env):
    return run("notify", env_extra={"OPS_DATABASE_URL": os.environ["OPS_DATABASE_URL"], **env})


class BotApi:
    """sendMessage as Telegram answers it: {"ok": true, "result": {...}}, or an error with error_code and, for 429,
    parameters.retry_after."""

    def __init__(self, httpserver, fail_first: int = 0, retry_after: int = 1):
        self.messages, self.calls, self.fail_first, self.retry_after = [], 0, fail_first, retry_after
        httpserver.expect_request(f"/bot{TOKEN}/sendMessage", method="POST").respond_with_handler(self.handle)
        self.url = httpserver.url_for("")

    def handle(self, request):
        self.calls += 1
        body = request.get_json()
        if self.calls <= self.fail_first:
            return Response(json.dumps({"ok": False, "error_code": 429,
                                        "description": f"Too Many Requests: retry after {self.retry_after}",
                                        "parameters": {"retry_after": self.retry_after}}),
                            status=429, content_type="application/json")
        assert body["chat_id"] == "-1001234" and body["parse_mode"] == "HTML"
        self.messages.append(body["text"])
        return Response(json.dumps({"ok": True, "result": {
            "message_id": len(self.messages), "date": 1732676400, "chat": {"id": -1001234, "type": "supergroup"},
            "text": body["text"]}}), content_type="application/json")

    def env(self, **more):
        return {"OPS_TELEGRAM_BOT_TOKEN": TOKEN, "OPS_TELEGRAM_CHAT_ID": "-1001234",
                "OPS_TELEGRAM_API_URL": self.url, "OPS_NOTIFY_RATE_PER_MINUTE": "500", **more}


def urgent_items() -> int:
    with session_scope(get_engine(os.environ["OPS_DATABASE_URL"])) as s:
        return s.scalar(select(func.count()).select_from(m.Alert).where(
            m.Alert.severity.in_(("kritis", "tinggi")), m.Alert.state != "selesai"))


def waiting() -> int:
    with session_scope(get_engine(os.environ["OPS_DATABASE_URL"])) as s:
        return s.scalar(select(func.count()).select_from(m.Outbox).where(m.Outbox.sent_at.is_(None)))


def test_each_new_urgent_item_is_sent_once_and_a_second_run_sends_nothing(demo_copy, httpserver):
    bot = BotApi(httpserver)
    r = notify(**bot.env())
    assert r.returncode == 0, r.stderr
    sent = len(bot.messages)
    assert sent == urgent_items() > 3 and waiting() == 0
    assert any("Kec. Indralaya Utara" in t and ("TINGGI" in t or "KRITIS" in t) for t in bot.messages)
    assert len(set(bot.messages)) == sent
    again = notify(**bot.env())
    assert again.returncode == 0 and len(bot.messages) == sent


def test_a_429_loses_nothing_and_the_next_run_delivers(demo_copy, httpserver):
    bot = BotApi(httpserver, fail_first=1, retry_after=1)
    r = notify(**bot.env())
    assert r.returncode == 1 and "Too Many Requests" in r.stderr and "outbox" in r.stderr
    assert bot.messages == [] and waiting() == urgent_items()  # the channel asked to wait: nothing more was tried
    import time
    time.sleep(1.2)  # retry_after
    r = notify(**bot.env())
    assert r.returncode == 0, r.stderr
    assert len(bot.messages) == urgent_items() and waiting() == 0 and len(set(bot.messages)) == len(bot.messages)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_dead_channel_keeps_everything_in_the_outbox_until_it_answers(demo_copy, httpserver):
    bot = BotApi(httpserver)
    dead = bot.env(OPS_TELEGRAM_API_URL=f"http://127.0.0.1:{closed_port()}")
    r = notify(**dead)
    assert r.returncode == 1 and "Telegram tidak dapat dihubungi" in r.stderr and "Traceback" not in r.stderr
    pending = waiting()
    assert pending == urgent_items() > 0
    with session_scope(get_engine(os.environ["OPS_DATABASE_URL"])) as s:
        failed = s.scalars(select(m.Outbox).where(m.Outbox.attempts > 0)).all()
        assert len(failed) == 1 and "tidak dapat dihubungi" in failed[0].last_error  # the rest waited their turn
        # the backoff has passed (30 s after the first failure)
        s.execute(update(m.Outbox).values(next_attempt_at=utcnow()))
    r = notify(**bot.env())
    assert r.returncode == 0, r.stderr
    assert len(bot.messages) == pending and waiting() == 0


def test_the_rate_limit_per_channel_holds_the_rest_for_the_next_minute(demo_copy, httpserver):
    bot = BotApi(httpserver)
    r = notify(**bot.env(OPS_NOTIFY_RATE_PER_MINUTE="3"))
    assert r.returncode == 0 and len(bot.messages) == 3 and waiting() == urgent_items() - 3
    notify(**bot.env(OPS_NOTIFY_RATE_PER_MINUTE="3"))
    assert len(bot.messages) == 3  # the minute's budget is spent


def test_the_webhook_gets_signed_json(demo_copy, httpserver):
    got = []

    def hook(request):
        body = request.get_data()
        expected = "sha256=" + hmac.new(b"rahasia-posko", body, hashlib.sha256).hexdigest()
        if request.headers.get("X-Posko-Signature") != expected:
            return Response("bad signature", status=401)
        got.append(json.loads(body))
        return Response("", status=204)
    httpserver.expect_request("/perhatian", method="POST").respond_with_handler(hook)
    # Above the per-minute rate the rest would wait a minute: by the time a long suite gets here, more items are urgent.
    r = notify(OPS_WEBHOOK_URL=httpserver.url_for("/perhatian"), OPS_WEBHOOK_SECRET="rahasia-posko",
               OPS_NOTIFY_RATE_PER_MINUTE="500")
    assert r.returncode == 0, r.stderr
    assert len(got) == urgent_items() > 0
    first = got[0]
    assert {"kind", "severity", "place", "since", "facts", "action", "state", "title", "event"} <= set(first)
    assert first["place"]["name"] and first["event"] == "baru"
    wrong = notify(OPS_WEBHOOK_URL=httpserver.url_for("/perhatian"), OPS_WEBHOOK_SECRET="salah",
                   OPS_NOTIFY_RATE_PER_MINUTE="500")
    assert wrong.returncode == 0  # nothing new to send: each item went out once


def test_taking_an_item_sends_its_change(demo_copy, httpserver):
    bot = BotApi(httpserver)
    assert notify(**bot.env()).returncode == 0
    before = len(bot.messages)
    for k, v in bot.env().items():
        os.environ[k] = v
    try:
        reset_settings()
        s = get_settings()
        from ops.clock import load_clock
        from ops.perhatian import store
        with session_scope(get_engine(s.database_url)) as sess:
            row = sess.scalars(select(m.Alert).where(m.Alert.severity == "tinggi", m.Alert.state == "baru")).first()
            store.take(sess, s, row.id, "operator", "Kapolsek & 4 personel <berangkat>", load_clock(sess).now())
    finally:
        for k in bot.env():
            os.environ.pop(k, None)
        reset_settings()
    assert notify(**bot.env()).returncode == 0
    assert len(bot.messages) == before + 1
    assert "Ditangani" in bot.messages[-1] and "&lt;berangkat&gt;" in bot.messages[-1]
