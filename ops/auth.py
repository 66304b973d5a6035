"""Users and roles. Passwords are hashed with bcrypt (never stored or logged in clear); each role includes the ones
below it: viewer < operator < commander < admin."""
from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from functools import cache

import bcrypt
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops import models as m
from ops.audit import record
from ops.clock import as_utc, utcnow

ROLES = ("viewer", "operator", "commander", "admin")
ROLE_LABEL = {"viewer": "Pemantau", "operator": "Operator Posko", "commander": "Komandan", "admin": "Admin"}
# What each action needs; a role may do everything the roles before it may.
NEEDS = {"read": "viewer", "entry": "operator", "verify": "operator", "plan": "commander", "import": "admin",
         "users": "admin", "audit": "admin"}
USERNAME = re.compile(r"^[a-z0-9_.-]{3,40}$")
MIN_PASSWORD = 8
BCRYPT_ROUNDS = 12
# The demo accounts' password, published in the README; only `init --demo` uses it (ops/bootstrap.py).
DEMO_PASSWORD = "{username}-demo-2024"
# operation_meta key: the accounts whose password is still the published one (a JSON list), read by every page.
PUBLISHED_MARK = "published_passwords"


class AuthError(ValueError):
    pass


def may(role: str | None, action: str) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(NEEDS[action])


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"kata sandi minimal {MIN_PASSWORD} karakter")
    if len(password.encode()) > 72:
        raise AuthError("kata sandi maksimal 72 byte")  # bcrypt reads no further
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


@cache
def _dummy_hash() -> bytes:
    """Checked against when there is no real hash to check, so that every answer costs the same bcrypt work: made
    once, with the cost of real hashes, from a password nobody knows."""
    return bcrypt.hashpw(secrets.token_hex(16).encode(), bcrypt.gensalt(BCRYPT_ROUNDS))


def check_password(session: Session, username: str, password: str) -> tuple[m.AppUser | None, str]:
    """The user when the password is theirs and the account active, else None; and why, as a login_attempt reason
    (`berhasil`, `tidak_dikenal`, `sandi_salah`, `nonaktif`). An unknown user, a disabled one and a wrong password
    cost one bcrypt check each, so the time of the answer tells nothing."""
    user = session.get(m.AppUser, normal_name(username))
    secret = (password or "").encode()
    stored = user.password_hash.encode() if user is not None else _dummy_hash()
    # bcrypt reads 72 bytes at most and refuses more; no stored password is longer, so a longer one is wrong.
    matches = bcrypt.checkpw(secret[:72], stored) and len(secret) <= 72
    if user is None:
        return None, "tidak_dikenal"
    if not matches:
        return None, "sandi_salah"
    if not user.active:
        return None, "nonaktif"
    return user, "berhasil"


def authenticate(session: Session, username: str, password: str) -> m.AppUser | None:
    return check_password(session, username, password)[0]


def normal_name(username: str | None) -> str:
    return (username or "").strip().lower()


def still_signed_in(session: Session, username: str, signed_in_at: dt.datetime | None) -> tuple[m.AppUser | None, str]:
    """Whether a session that signed in at `signed_in_at` may go on: the user as the database knows them now, or None
    and why (`tidak_ada`, `nonaktif`, `diubah`: role, active flag or password changed since the sign-in)."""
    user = session.get(m.AppUser, normal_name(username))
    if user is None:
        return None, "tidak_ada"
    if not user.active:
        return None, "nonaktif"
    if signed_in_at is not None and user.changed_at is not None and as_utc(user.changed_at) > as_utc(signed_in_at):
        return None, "diubah"
    return user, "berlaku"


def authorize(session: Session, username: str | None, action: str) -> m.AppUser:
    """The user as the database knows them now, allowed to do `action`; AuthError when unknown, disabled or not allowed.

    Called by every write: a session keeps only who logged in, never what they were allowed to do at the time."""
    user = session.get(m.AppUser, normal_name(username)) if username else None
    if user is None or not user.active:
        raise AuthError("akun tidak aktif lagi: masuk kembali atau hubungi admin")
    if not may(user.role, action):
        raise AuthError(f"peran {ROLE_LABEL[user.role]} tidak dapat melakukan ini; perlu peran "
                        f"{ROLE_LABEL[NEEDS[action]]} atau di atasnya")
    return user


def create_user(session: Session, actor: str, username: str, full_name: str, role: str, password: str) -> m.AppUser:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AuthError("nama pengguna 3–40 huruf kecil, angka, titik, garis bawah atau tanda hubung")
    if role not in ROLES:
        raise AuthError(f"peran {role!r} tidak dikenal; pilih {', '.join(ROLES)}")
    if session.get(m.AppUser, username) is not None:
        raise AuthError(f"pengguna {username} sudah ada")
    user = m.AppUser(username=username, full_name=full_name.strip() or username, role=role,
                     password_hash=hash_password(password), active=True, created_at=utcnow())
    session.add(user)
    _mark_published(session, username, password)
    record(session, actor, "tambah_pengguna", "pengguna", username, None,
           {"full_name": user.full_name, "role": role, "active": True})
    return user


def update_user(session: Session, actor: str, username: str, role: str | None = None, active: bool | None = None,
                password: str | None = None) -> m.AppUser:
    user = session.get(m.AppUser, username)
    if user is None:
        raise AuthError(f"pengguna {username} tidak ada")
    before = {"role": user.role, "active": user.active}
    if role is not None:
        if role not in ROLES:
            raise AuthError(f"peran {role!r} tidak dikenal")
        user.role = role
    if active is not None:
        user.active = active
    if password:
        user.password_hash = hash_password(password)
        _mark_published(session, username, password)
    if (user.role, user.active) != (before["role"], before["active"]) or password:
        user.changed_at = utcnow()  # sessions that signed in before this end at their next page run
    after = {"role": user.role, "active": user.active, **({"password": "diganti"} if password else {})}
    record(session, actor, "ubah_pengguna", "pengguna", username, before, after)
    return user


def users(session: Session) -> list[m.AppUser]:
    return list(session.scalars(select(m.AppUser).order_by(m.AppUser.username)))


def published_password_accounts(session: Session) -> list[str]:
    """Active accounts whose password is still the one the README publishes (the demo's): one key read on every page,
    a second only while there are any."""
    names = _published(session)
    if not names:
        return []
    return list(session.scalars(select(m.AppUser.username).where(m.AppUser.username.in_(names), m.AppUser.active)
                                .order_by(m.AppUser.username)))


def _published(session: Session) -> list[str]:
    row = session.get(m.OperationMeta, PUBLISHED_MARK)
    return json.loads(row.value) if row is not None else []


def _mark_published(session: Session, username: str, password: str) -> None:
    """Remember whether `username` now has the published demo password; the mark goes when the password changes."""
    names = set(_published(session))
    published = password == DEMO_PASSWORD.format(username=username)
    if published == (username in names):
        return
    names = names | {username} if published else names - {username}
    row = session.get(m.OperationMeta, PUBLISHED_MARK)
    if names:
        session.merge(m.OperationMeta(key=PUBLISHED_MARK, value=json.dumps(sorted(names))))
    elif row is not None:
        session.delete(row)
