"""Out to the phones: the outbox delivered to a Telegram group (Bot API sendMessage) and to a signed JSON webhook.

Each message leaves the outbox only when its channel accepted it. A channel that is down or answers 429 keeps its
messages for the next run (429 waits as long as the channel asks: Telegram's parameters.retry_after, a webhook's
Retry-After); each channel sends at most notify_rate_per_minute messages a minute."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import json
from dataclasses import dataclass, field

import requests
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ops import models as m
from ops.clock import as_utc, fmt_wib, utcnow
from ops.config import Settings
from ops.db import session_scope
from ops.feeds.http import retry_after_seconds
from ops.perhatian.model import KINDS, SEVERITY_LABEL, STATE_LABEL

SEVERITY_MARK = {"kritis": "🔴", "tinggi": "🟠", "sedang": "🟡", "info": "⚪"}
MAX_BACKOFF_S = 1800
TELEGRAM_LIMIT = 4096


class ChannelError(Exception):
    def __init__(self, message: str, retry_after: float | None = None, channel_down: bool = False):
        super().__init__(message)
        self.retry_after, self.channel_down = retry_after, channel_down


def telegram_text(p: dict) -> str:
    """The message as Telegram HTML: every text that came from people or feeds is escaped for that parse mode."""
    e = html.escape
    head = f"{SEVERITY_MARK.get(p['severity'], '')} <b>{e(SEVERITY_LABEL[p['severity']].upper())} · " \
           f"{e(KINDS.get(p['kind'], p['kind']))}</b>"
    if p["event"] == "eskalasi":
        head = f"⏫ <b>ESKALASI ke-{p['escalations']}</b> (belum ditangani)\n" + head
    elif p["event"] == "ditangani":
        head = f"✅ <b>Ditangani</b> oleh {e(p['actor'])}" + (f": {e(p['note'])}" if p.get("note") else "") + "\n" + head
    elif p["event"] == "selesai":
        head = "☑️ <b>Selesai</b>" + (f": {e(p['note'])}" if p.get("note") else "") + "\n" + head
    since = dt.datetime.fromisoformat(p["since"]) if p.get("since") else None
    lines = [head, f"<b>{e(p['place']['name'])}</b>", e(p["title"]), f"➜ {e(p['action'])}",
             f"{e(STATE_LABEL.get(p['state'], p['state']))}" + (f" · sejak {e(fmt_wib(since))}" if since else "")
             + f" · {e(p['polres'])}"]
    text = "\n".join(lines)
    return text if len(text) <= TELEGRAM_LIMIT else text[:TELEGRAM_LIMIT - 1] + "…"


def send_telegram(http: requests.Session, settings: Settings, payload: dict) -> None:
    url = f"{settings.telegram_api_url.rstrip('/')}/bot{settings.telegram_bot_token}/sendMessage"
    body = {"chat_id": settings.telegram_chat_id, "text": telegram_text(payload), "parse_mode": "HTML",
            "disable_web_page_preview": True}
    try:
        r = http.post(url, json=body, timeout=settings.http_timeout_s)
    except requests.RequestException as e:
        raise ChannelError(f"Telegram tidak dapat dihubungi ({type(e).__name__})", channel_down=True) from None
    try:
        answer = r.json()
    except ValueError:
        answer = {}
    if r.status_code == 200 and answer.get("ok") is True:
        return
    retry = (answer.get("parameters") or {}).get("retry_after") if isinstance(answer, dict) else None
    desc = answer.get("description") if isinstance(answer, dict) else None
    code = answer.get("error_code", r.status_code) if isinstance(answer, dict) else r.status_code
    raise ChannelError(f"Telegram menolak ({code}): {desc or r.text[:120]}",
                       retry_after=float(retry) if retry is not None else None,
                       channel_down=code in (401, 404) or code == 429 or r.status_code >= 500)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(http: requests.Session, settings: Settings, payload: dict) -> None:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Posko-Event": payload["event"],
               "X-Posko-Signature": signature(settings.webhook_secret, body)}
    try:
        r = http.post(settings.webhook_url, data=body, headers=headers, timeout=settings.http_timeout_s)
    except requests.RequestException as e:
        raise ChannelError(f"webhook tidak dapat dihubungi ({type(e).__name__})", channel_down=True) from None
    if 200 <= r.status_code < 300:
        return
    raise ChannelError(f"webhook menjawab HTTP {r.status_code}",
                       retry_after=retry_after_seconds(r.headers.get("Retry-After")) if r.status_code == 429 else None,
                       channel_down=r.status_code == 429 or r.status_code >= 500)


SENDERS = {"telegram": send_telegram, "webhook": send_webhook}


@dataclass
class DeliveryReport:
    sent: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # channel -> first error of this run
    waiting: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


def deliver_due(engine: Engine, settings: Settings, http: requests.Session | None = None,
                now: dt.datetime | None = None, fence=None) -> DeliveryReport:
    """Send what is due, oldest first, within each channel's rate; one commit per message sent. With `fence` (the
    scheduler's lease check) a process that lost the lease sends nothing more."""
    http = http or requests.Session()
    now = as_utc(now) if now else utcnow()
    report = DeliveryReport()
    with session_scope(engine) as s:
        pending_channels = sorted(set(s.scalars(select(m.Outbox.channel).where(m.Outbox.sent_at.is_(None)))))
    for channel in pending_channels:
        sender = SENDERS.get(channel)
        if sender is None:
            continue
        with session_scope(engine) as s:
            recent = s.scalar(select(func.count()).select_from(m.Outbox).where(
                m.Outbox.channel == channel, m.Outbox.sent_at > now - dt.timedelta(minutes=1)))
            budget = max(0, settings.notify_rate_per_minute - recent)
            due = [o.id for o in s.scalars(select(m.Outbox).where(
                m.Outbox.channel == channel, m.Outbox.sent_at.is_(None), m.Outbox.next_attempt_at <= now)
                .order_by(m.Outbox.id).limit(budget))]
        for outbox_id in due:
            with session_scope(engine) as s:
                if fence is not None:
                    fence(s)
                row = s.get(m.Outbox, outbox_id, with_for_update=True)
                if row is None or row.sent_at is not None:
                    continue  # another process sent it meanwhile
                try:
                    sender(http, settings, row.payload)
                except ChannelError as e:
                    row.attempts += 1
                    wait = e.retry_after if e.retry_after is not None else min(MAX_BACKOFF_S,
                                                                                30 * 2 ** (row.attempts - 1))
                    row.next_attempt_at = utcnow() + dt.timedelta(seconds=wait)
                    row.last_error = str(e)[:500]
                    report.failed.setdefault(channel, str(e))
                    if e.channel_down:
                        break  # the rest waits for the next run rather than hammering a channel that is down
                    continue
                row.sent_at, row.last_error = utcnow(), None
                report.sent[channel] = report.sent.get(channel, 0) + 1
    with session_scope(engine) as s:
        report.waiting = s.scalar(select(func.count()).select_from(m.Outbox).where(m.Outbox.sent_at.is_(None)))
    return report
