"""Signing in: throttling with a growing delay and a lockout, per user name and per browser session, kept in the
login_attempt table so that every dashboard server on one database sees the same count. Every failed try is audited
(the name tried and why, never the password); so are locks and an admin's unlock."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from ops import models as m
from ops.audit import record
from ops.auth import check_password, normal_name
from ops.clock import as_utc, utcnow
from ops.config import Settings
from ops.db import session_scope

# Why a try ended as it did (login_attempt.reason); the first four are failures that count toward delay and lock.
# `diperiksa` stands while the password is being checked, so that tries sent side by side count before they finish.
REASONS = {"diperiksa": "sedang diperiksa", "tidak_dikenal": "nama pengguna tidak dikenal",
           "sandi_salah": "kata sandi salah", "nonaktif": "akun nonaktif", "ditunda": "ditolak: jeda belum lewat",
           "terkunci": "ditolak: terkunci", "berhasil": "berhasil masuk", "dibuka_admin": "kunci dibuka admin"}
COUNTED = ("diperiksa", "tidak_dikenal", "sandi_salah", "nonaktif")
# Which column a count is kept by: the name tried, and the browser session it came from.
KEYS = {"pengguna": m.LoginAttempt.username, "sesi": m.LoginAttempt.session_key}


@dataclass(frozen=True)
class Standing:
    """Where one name or session stands now: failures that count, and until when it must wait or is locked."""
    failures: int
    retry_at: dt.datetime | None = None
    locked_until: dt.datetime | None = None

    def wait_seconds(self, now: dt.datetime) -> float:
        until = max((t for t in (self.retry_at, self.locked_until) if t is not None), default=None)
        return max(0.0, (until - now).total_seconds()) if until else 0.0


@dataclass(frozen=True)
class SignedIn:
    username: str
    full_name: str
    role: str
    at: dt.datetime


@dataclass(frozen=True)
class LoginResult:
    """What a try came to: the user when it succeeded; else the reason, and how long until the next try may be made
    (locked: by a lock rather than the growing delay)."""
    user: SignedIn | None
    reason: str
    wait_seconds: float = 0.0
    locked: bool = False


@dataclass(frozen=True)
class Lock:
    """A name or session that must wait or is locked now (the admin page)."""
    kind: str  # pengguna or sesi
    key: str
    failures: int
    wait_seconds: float
    locked: bool
    names: tuple[str, ...] = ()  # for a session: the names it tried


def standing(rows: Iterable[tuple[dt.datetime, bool, str | None]], settings: Settings, now: dt.datetime) -> Standing:
    """The standing of one key from its tries, oldest first. A success or an unlock starts the count afresh; a failure
    that brings the count within the window to login_max_failures locks the key and starts the count afresh too."""
    window = dt.timedelta(minutes=settings.login_window_minutes)
    recent: list[dt.datetime] = []
    locked_until = None
    for at, ok, reason in rows:
        at = as_utc(at)
        if ok:
            recent, locked_until = [], None
        elif reason in COUNTED:
            recent = [t for t in recent if t > at - window] + [at]
            if len(recent) >= settings.login_max_failures:
                locked_until, recent = at + dt.timedelta(minutes=settings.login_lockout_minutes), []
    recent = [t for t in recent if t > now - window]
    beyond = len(recent) - settings.login_delay_after_failures
    retry_at = recent[-1] + dt.timedelta(seconds=settings.login_delay_seconds * 2 ** beyond) if beyond >= 0 else None
    return Standing(len(recent), retry_at, locked_until if locked_until and locked_until > now else None)


def login(engine: Engine, settings: Settings, username: str, password: str, session_key: str) -> LoginResult:
    """One try at signing in from the browser session `session_key`. While the name or the session must wait or is
    locked, the try is refused without checking the password."""
    name = normal_name(username)[:80]
    now = utcnow()
    with session_scope(engine) as s:
        user_now, session_now = (_standing(s, settings, column, key, now)
                                 for column, key in ((KEYS["pengguna"], name), (KEYS["sesi"], session_key)))
        wait = max(user_now.wait_seconds(now), session_now.wait_seconds(now))
        if wait > 0:
            locked = bool(user_now.locked_until or session_now.locked_until)
            reason = "terkunci" if locked else "ditunda"
            s.add(m.LoginAttempt(at=now, username=name, session_key=session_key, ok=False, reason=reason))
            _audit_failure(s, name, session_key, reason)
            return LoginResult(None, reason, wait, locked)
        attempt = m.LoginAttempt(at=now, username=name, session_key=session_key, ok=False, reason="diperiksa")
        s.add(attempt)
        s.flush()
        attempt_id = attempt.id
    with session_scope(engine) as s:
        user, reason = check_password(s, username, password)
        answered = utcnow()
        attempt = s.get(m.LoginAttempt, attempt_id)
        # A wait runs from the answer, which comes a bcrypt check after the try began.
        attempt.at, attempt.ok, attempt.reason = answered, user is not None, reason
        if user is not None:
            return LoginResult(SignedIn(user.username, user.full_name, user.role, now), reason)
        _audit_failure(s, name, session_key, reason)
        s.flush()
        after = {kind: _standing(s, settings, KEYS[kind], key, answered) for kind, key in
                 (("pengguna", name), ("sesi", session_key))}
        for kind, now_standing in after.items():
            # Neither was locked before this try (else it would have been refused): this failure locked it.
            if now_standing.locked_until is not None:
                record(s, _actor(session_key), "kunci_masuk", "pengguna",
                       name[:60] if kind == "pengguna" else _actor(session_key), None,
                       {"kunci": kind, "sampai": now_standing.locked_until, "gagal": settings.login_max_failures})
        wait = max(x.wait_seconds(answered) for x in after.values())
        return LoginResult(None, reason, wait, any(x.locked_until for x in after.values()))


def locks(session: Session, settings: Settings, now: dt.datetime | None = None) -> list[Lock]:
    """Every name and session that must wait or is locked now, locked first."""
    now = now or utcnow()
    rows = list(session.execute(select(m.LoginAttempt.username, m.LoginAttempt.session_key, m.LoginAttempt.at,
                                       m.LoginAttempt.ok, m.LoginAttempt.reason)
                                .where(m.LoginAttempt.at > now - _horizon(settings))
                                .order_by(m.LoginAttempt.at, m.LoginAttempt.id)))
    out = []
    for kind, index in (("pengguna", 0), ("sesi", 1)):
        keys = dict.fromkeys(r[index] for r in rows if r[index])
        for key in keys:
            mine = [r for r in rows if r[index] == key]
            now_standing = standing(((r.at, r.ok, r.reason) for r in mine), settings, now)
            wait = now_standing.wait_seconds(now)
            if wait > 0:
                names = tuple(dict.fromkeys(r.username for r in mine if r.username)) if kind == "sesi" else ()
                locked = now_standing.locked_until is not None
                out.append(Lock(kind, key, settings.login_max_failures if locked else now_standing.failures, wait,
                                locked, names))
    return sorted(out, key=lambda x: (not x.locked, -x.wait_seconds))


def unlock(session: Session, actor: str, kind: str, key: str) -> None:
    """An admin lifts the wait or lock of a name or a session: a row that starts its count afresh, and an audit
    entry."""
    now = utcnow()
    session.add(m.LoginAttempt(at=now, username=key if kind == "pengguna" else "",
                               session_key=key if kind == "sesi" else "", ok=True, reason="dibuka_admin"))
    record(session, actor, "buka_kunci_masuk", "pengguna", key if kind == "pengguna" else _actor(key), None,
           {"kunci": kind})


def _standing(session: Session, settings: Settings, column, key: str, now: dt.datetime) -> Standing:
    rows = session.execute(select(m.LoginAttempt.at, m.LoginAttempt.ok, m.LoginAttempt.reason)
                           .where(column == key, m.LoginAttempt.at > now - _horizon(settings))
                           .order_by(m.LoginAttempt.at, m.LoginAttempt.id))
    return standing(rows, settings, now)


KEEP_BEYOND = dt.timedelta(days=1)  # a day past the horizon: the admin page still shows yesterday's tries


def prune(session: Session, settings: Settings, now: dt.datetime | None = None) -> int:
    """Drop the tries too old to count for any standing (older than the horizon and a day): a public dashboard gets
    tries around the clock, and the audit log keeps every failure anyway. Returns how many went."""
    before = (now or utcnow()) - _horizon(settings) - KEEP_BEYOND
    return session.execute(delete(m.LoginAttempt).where(m.LoginAttempt.at < before)).rowcount or 0


def _horizon(settings: Settings) -> dt.timedelta:
    # A lock in force now began within the lockout, and the failures behind it within the window before that.
    return dt.timedelta(minutes=settings.login_window_minutes + settings.login_lockout_minutes)


def _actor(session_key: str) -> str:
    """Who tried, as far as anyone knows: the browser session (its first characters, enough to tell sessions apart)."""
    return f"sesi {session_key[:8]}"


def _audit_failure(session: Session, name: str, session_key: str, reason: str) -> None:
    record(session, _actor(session_key), "gagal_masuk", "pengguna", name[:60] or None, None, {"alasan": reason})
