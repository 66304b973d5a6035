"""Entry forms that never lose what was typed and never save a report twice.

A form keeps its fields until a save succeeds (no `clear_on_submit`): only then does the page put them back to their
starting values and show the answer, on the rerun that follows. A failed save — an entry refused, an account no longer
allowed, a database that cannot be reached — says so in Indonesian where the form is and leaves every value in place.

Entries with no natural key carry the form's one-time key (`entry_key`), made when the form is first shown and kept
until a save succeeds, so a retry after an error, or a second click, is found on record instead of saved again."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Callable

import streamlit as st
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from ops.auth import AuthError
from ops.clock import MACHINE_CLOCK, fmt_wib
from ops.coordination import ROLE_LABEL
from ops.db import DatabaseError, session_scope
from ops.entries import EntryError, Recorded
from ops.incidents import SEVERITY_LABEL, STATE_LABEL
from ops.vocabulary import KERAWANAN_LABEL, TPS_STATUS_SHORT
from ui import data
from ui.components import plain

_STATE = "_entry_forms"  # session state: per form its key, the last spent key and the answer to show
# The words for the fields of an answer (the audit entry's field names) and for the codes some of them hold.
FIELD_LABEL = {"status": "Status", "waktu": "Waktu", "pelapor": "Pelapor", "catatan": "Catatan",
               "kategori": "Kategori", "tingkat": "Tingkat", "judul": "Judul", "tps": "TPS", "kecamatan": "Kecamatan",
               "keadaan": "Keadaan", "tahap": "Tahap", "ke": "Ke", "penerima": "Penerima", "ditemui": "Ditemui",
               "kegiatan": "Kegiatan", "oleh": "Dipimpin", "kerawanan": "Kerawanan", "indikator": "Indikator",
               "alasan": "Alasan", "verification": "Hasil", "verified_by": "Diverifikasi oleh"}
CODE_LABEL = {"status": TPS_STATUS_SHORT, "tingkat": SEVERITY_LABEL, "keadaan": STATE_LABEL,
              "kerawanan": KERAWANAN_LABEL, "ditemui": ROLE_LABEL}


def _form(name: str) -> dict[str, Any]:
    return st.session_state.setdefault(_STATE, {}).setdefault(name, {})


def start(name: str, fields: dict[str, Any]) -> None:
    """Call before the form's widgets, which take no default of their own: each field gets its starting value when
    first shown, and again after a successful save, whose answer is then shown here."""
    form = _form(name)
    form["fields"] = list(fields)
    answer = form.pop("answer", None)
    for key, value in fields.items():
        if answer is not None or key not in st.session_state:
            st.session_state[key] = value
    if answer is not None:
        done, rec = answer
        if rec.new:
            st.success(done)
        else:
            st.info(already(rec))


def entry_key(name: str) -> str:
    """The one-time key of this submission of the form. The very values of the last successful save, submitted again
    (a second click that arrives after the first one's answer), get that save's key back and are found on record."""
    form = _form(name)
    fingerprint = repr([st.session_state.get(key) for key in form.get("fields", ())])
    if form.get("spent", (None,))[0] == fingerprint:
        return form["spent"][1]
    form["pending"] = fingerprint
    return form.setdefault("key", uuid.uuid4().hex)


def save(name: str, write: Callable[[Session], Recorded], done: str) -> None:
    """Run one entry's write in its own transaction. Saved (or found on record): remember the answer and rerun, so
    the form starts afresh. Not saved: say why here and keep the form as typed."""
    try:
        with session_scope(data.engine()) as session:
            rec = write(session)
    except (EntryError, AuthError) as e:
        st.error(f"Tidak dicatat: {e}. Isian Anda masih ada.")
        return
    except (SQLAlchemyError, DatabaseError) as e:
        st.error(database_problem(e))
        return
    form = _form(name)
    if "key" in form:
        form["spent"] = (form.pop("pending", None), form.pop("key"))
    form["answer"] = (done, rec)
    st.cache_data.clear()  # the pages show the new event at once
    st.rerun()


def database_problem(error: Exception) -> str:
    """A failed save in the operator's words, with the database's own first line for whoever fixes it."""
    orig = getattr(error, "orig", None) or error
    detail = (str(orig).strip().splitlines() or [type(orig).__name__])[0][:160]
    if isinstance(error, (OperationalError, InterfaceError, DatabaseError)):
        problem = "basis data sedang tidak dapat dihubungi"
    else:
        problem = "basis data menolak menyimpan isian ini"
    return f"Tidak tersimpan: {problem} ({detail}). Isian Anda masih ada; coba simpan lagi."


def already(rec: Recorded) -> str:
    """'Sudah tercatat' with what is on record: which entry, who recorded it and when, and its values."""
    when = f" pada {fmt_wib(rec.at)} ({MACHINE_CLOCK})" if rec.at else ""
    who = f" oleh {plain(rec.by)}" if rec.by else ""
    recorded = f", dicatat{when}{who}" if when or who else ""
    facts = " · ".join(f"{FIELD_LABEL.get(k, k)}: {plain(_value(k, v))}" for k, v in rec.values.items()
                       if v not in (None, "", []))
    return f"**Sudah tercatat** — {plain(rec.ref)}{recorded}; tidak disimpan dua kali.  \n{facts}"


def _value(field: str, value: Any) -> str:
    labels = CODE_LABEL.get(field, {})
    if isinstance(value, dt.datetime):
        return fmt_wib(value)
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value)
    return str(labels.get(value, value))
