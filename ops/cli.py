"""`python -m ops …`: exit 0 on success; on failure a message for a person on stderr and a non-zero exit."""
from __future__ import annotations

import argparse
import json
import sys

from ops.config import FEED_NAMES, ConfigError, get_settings
from ops.importers.kinds import KINDS

EXIT_FAIL, EXIT_USAGE = 1, 2
DEMO_ALL = "simulator"  # `fetch simulator`: the demo up to the clock, every feed once from the demo source


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops", description="Posko Pilkada: operasi, data dan umpan.")
    sub = p.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create or upgrade the schema and load the region")
    init.add_argument("--demo", action="store_true", help="also build the demo operation (replaces operation data)")
    init.add_argument("--region", choices=_region_names(), help="load data/region/REGION: the area of the database "
                      "from now on (with --demo: Ogan Ilir exact, Sumatera Selatan and Indonesia synthetic)")
    st = sub.add_parser("status", help="state of the operation, its data and its feeds")
    st.add_argument("--json", action="store_true", help="one JSON object on stdout")
    fe = sub.add_parser("fetch", help="run one feed once, now ('simulator': every feed once from the demo source)")
    fe.add_argument("feed", choices=FEED_NAMES + (DEMO_ALL,))
    fe.add_argument("--demo", action="store_true", help="fetch from the demo source instead of the feed's URL")
    sub.add_parser("worker", help="run the scheduler in the foreground")
    ck = sub.add_parser("clock", help="set the scenario clock (for drills and the demo) or return to real time")
    ck.add_argument("moment", help="operation moment in WIB (2024-11-27T10:00), or 'real'")
    ck.add_argument("--speed", type=float, default=1.0, help="operation seconds per real second")
    br = sub.add_parser("briefing", help="write the daily briefing (PDF + HTML) now and archive it")
    br.add_argument("--out", help="folder for the files (default: briefing_dir)")
    br.add_argument("--at", help="operation moment to report, WIB (2024-11-27T06:00); default: the clock now")
    pl = sub.add_parser("plan", help="plan guard clusters and every officer's shifts; --save makes it the assignments")
    pl.add_argument("--save", action="store_true", help="replace the assignments and the TPS's guard clusters")
    pl.add_argument("--no-bko", action="store_true", help="plan without the BKO reserve")
    al = sub.add_parser("alerts", help="Perhatian: what needs attention now (or at a past moment)")
    al.add_argument("--json", action="store_true", help="a JSON list on stdout")
    al.add_argument("--at", help="operation moment, WIB (2024-11-26T18:00); default: the clock now")
    al.add_argument("--all", action="store_true", help="also the items already finished (selesai)")
    sub.add_parser("notify", help="sync Perhatian and deliver the messages due to Telegram and the webhook, once")
    rm = sub.add_parser("readmodel", help="bring the read model up to the clock now (what the worker does each minute)")
    rm.add_argument("--rebuild", action="store_true", help="recompute every TPS from the history")
    im = sub.add_parser("import", help="import one of the operation's lists (CSV or XLSX)")
    im.add_argument("kind", choices=tuple(KINDS))
    im.add_argument("file")
    im.add_argument("--by", default="cli", help="who is importing (recorded in the audit log)")
    ex = sub.add_parser("export", help="write one of the operation's lists in the import format (CSV or XLSX)")
    ex.add_argument("kind", choices=tuple(KINDS))
    ex.add_argument("file", help="where to write; .csv or .xlsx decides the format")
    tp = sub.add_parser("template", help="write the template of a list: header, an example row, in XLSX a guide")
    tp.add_argument("kind", choices=tuple(KINDS))
    tp.add_argument("file", help="where to write; .csv or .xlsx decides the format")
    bk = sub.add_parser("backup", help="write a consistent snapshot of the database to a file")
    bk.add_argument("--out", required=True, help="the backup file (SQLite: a database file; PostgreSQL: pg_dump -Fc)")
    rs = sub.add_parser("restore", help="replace the database's content with a backup")
    rs.add_argument("file")
    rs.add_argument("--yes", action="store_true", help="replace a database that already holds data")
    us = sub.add_parser("user", help="add a user or change one (password read from OPS_NEW_PASSWORD or asked)")
    us.add_argument("username")
    us.add_argument("--role", choices=("viewer", "operator", "commander", "admin"))
    us.add_argument("--name", default="")
    us.add_argument("--disable", action="store_true")
    return p


def _region_names() -> list[str]:
    from ops.area import region_names

    return region_names()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from sqlalchemy.exc import DBAPIError

    from ops.backup import BackupError
    from ops.db import DatabaseError, cause, is_outage, safe_url, unreachable
    from ops.region import RegionDataError

    try:
        settings = get_settings()
        if args.command in ON_THE_OPERATION:
            from ops.calendar import current_settings

            settings = current_settings(settings)  # the operation's own calendar, once imported
        return COMMANDS[args.command](args, settings)
    except (ConfigError, DatabaseError, RegionDataError, BackupError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAIL
    except DBAPIError as e:  # the edge: one line that names the database, never a traceback
        url = get_settings().database_url
        print("error: " + (unreachable(url, e) if is_outage(e) else f"database {safe_url(url)}: {cause(e)}"),
              file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130


def cmd_init(args, settings) -> int:
    from ops.bootstrap import init_database

    report = init_database(settings, demo=args.demo, region=args.region)
    notes = report.pop("notes", [])
    parts = ", ".join(f"{k}: {v}" for k, v in report.items())
    print(f"database ready ({settings.database_url}) — {parts}")
    for note in notes:  # what init could not do, and went on without
        print(note)
    return 0


def cmd_status(args, settings) -> int:
    from ops.status import build_status

    try:
        status = build_status(settings)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        json.dump(status, sys.stdout, ensure_ascii=False, indent=1, default=str)
        print()
    else:
        t = status["tps"]
        print(f"{status['operation']['name']} — {status['operation']['clock']}")
        print(f"TPS {t['total']} (sangat rawan {t['by_kerawanan']['sangat_rawan']}, rawan {t['by_kerawanan']['rawan']},"
              f" kurang rawan {t['by_kerawanan']['kurang_rawan']}), DPT {t['dpt']}")
        print(f"Personel {status['personnel']['total']} (BKO {status['personnel']['bko']})")
        for name, f in status["feeds"].items():
            print(f"  feed {name:14s} {f['state']:6s} rows={f['rows']} last_success={f['last_success']}")
    return 0


def cmd_fetch(args, settings) -> int:
    from ops.feeds.runner import FeedFailed, run_feed

    if args.feed == DEMO_ALL:
        return _fetch_demo(settings)
    try:
        if args.demo:
            from ops.demo.source import DemoSource

            result = run_feed(args.feed, settings, source=DemoSource())
        else:
            result = run_feed(args.feed, settings)
    except FeedFailed as e:
        print(f"error: feed {args.feed} failed: {e}", file=sys.stderr)
        return EXIT_FAIL
    # A partial run stored what arrived (exit 0); its state and counts say what it missed, its problems follow.
    print(f"{args.feed}: {result.state} — stored {result.rows} record(s), rejected {result.rejected} row(s), "
          f"failed {result.failed} request(s)")
    for line in result.problems[:20]:
        print(f"  {line}")
    return 0


def _fetch_demo(settings) -> int:
    """Every feed once from the demo source up to the clock (each recorded under its own name), then the demo's
    operator entries: what the scheduler does in demo mode, at once."""
    from ops.demo.runs import catch_up

    result = catch_up(settings)
    print(f"{DEMO_ALL}: stored {result['simulated_records']} record(s) from the demo source")
    for name, error in result["failed"].items():
        print(f"error: feed {name} failed: {error}", file=sys.stderr)
    return EXIT_FAIL if result["failed"] else 0


def cmd_worker(args, settings) -> int:
    from ops.scheduler import run_worker

    return run_worker(settings)


def cmd_clock(args, settings) -> int:
    import datetime as dt

    from ops.clock import fmt_long_wib, from_wib, set_clock
    from ops.db import get_engine, session_scope, upgrade

    if args.moment == "real":
        start = None
    else:
        try:
            start = from_wib(dt.datetime.fromisoformat(args.moment))
        except ValueError:
            print(f"error: {args.moment!r} is not a moment like 2024-11-27T10:00 (WIB) or 'real'", file=sys.stderr)
            return EXIT_USAGE
    engine = get_engine(settings.database_url)
    upgrade(engine)
    with session_scope(engine) as s:
        clock = set_clock(s, start, args.speed)
    print(f"clock: {fmt_long_wib(clock.now())}" + (f" (x{args.speed})" if start else " (real time)"))
    return 0


def _moment(text: str | None):
    import datetime as dt

    from ops.clock import from_wib

    if text is None:
        return None
    try:
        return from_wib(dt.datetime.fromisoformat(text))
    except ValueError:
        raise SystemExit(f"error: {text!r} is not a moment like 2024-11-27T06:00 (WIB)") from None


def cmd_briefing(args, settings) -> int:
    from ops.briefing import BriefingError, make_briefing
    from ops.db import get_engine, has_schema

    if not has_schema(get_engine(settings.database_url)):
        print("error: the database has no schema yet: run `python -m ops init` (or `init --demo`) first.",
              file=sys.stderr)
        return EXIT_FAIL
    try:
        result = make_briefing(settings, args.out, _moment(args.at), kind="manual", made_by="cli",
                               progress=lambda step: print(f"  … {step}", file=sys.stderr))
    except BriefingError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAIL
    print(f"briefing {result.id}: {result.pdf}\n            {result.html}")
    return 0


def _engine_with_schema(settings):
    from ops.db import DatabaseError, get_engine, has_schema

    engine = get_engine(settings.database_url)
    if not has_schema(engine):
        raise DatabaseError("the database has no schema yet: run `python -m ops init` first.")
    return engine


def cmd_import(args, settings) -> int:
    from pathlib import Path

    from ops.db import session_scope
    from ops.importers import FileProblem, ImportRejected

    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path} does not exist", file=sys.stderr)
        return EXIT_FAIL
    engine = _engine_with_schema(settings)
    try:
        with session_scope(engine) as session:
            report = KINDS[args.kind].run(session, settings, path.read_bytes(), path.name, args.by)
    except FileProblem as e:
        print(f"error: {path.name}: {e}. Nothing was changed.", file=sys.stderr)
        return EXIT_FAIL
    except ImportRejected as e:
        print(f"error: {path.name}: {len(e.problems)} problem(s); nothing was changed.", file=sys.stderr)
        for p in e.problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_FAIL
    print(report)
    for w in report.warnings:  # saved all the same: a person checks these rows
        print(f"  peringatan: {w}")
    return 0


def _target(path) -> str | None:
    """The format a file is to be written in (its suffix), or None after saying why it cannot be written."""
    from ops.importers.export import FORMATS

    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        print(f"error: {path.name}: name the file {' or '.join(FORMATS)}; the name decides the format.",
              file=sys.stderr)
        return None
    if not path.parent.is_dir():
        print(f"error: folder {path.parent} does not exist.", file=sys.stderr)
        return None
    return suffix


def _write(path, data: bytes) -> bool:
    # Written beside the target and renamed, so a failed write never leaves half a list under the name.
    part = path.with_name(path.name + ".part")
    try:
        part.write_bytes(data)
        part.replace(path)
    except OSError as e:
        part.unlink(missing_ok=True)
        print(f"error: cannot write {path}: {e.strerror}.", file=sys.stderr)
        return False
    return True


def cmd_export(args, settings) -> int:
    from pathlib import Path

    from ops.db import session_scope
    from ops.importers.export import export_list

    path = Path(args.file)
    if (suffix := _target(path)) is None:
        return EXIT_FAIL
    with session_scope(_engine_with_schema(settings)) as session:
        rows, content = export_list(session, args.kind, suffix, settings)
    if not _write(path, content):
        return EXIT_FAIL
    print(f"{args.kind}: {rows} row(s) written to {path}")
    return 0


def cmd_template(args, settings) -> int:
    from pathlib import Path

    from ops.templates import template_bytes

    path = Path(args.file)
    if (suffix := _target(path)) is None or not _write(path, template_bytes(args.kind, suffix)):
        return EXIT_FAIL
    print(f"{args.kind}: template written to {path}")
    return 0


def cmd_user(args, settings) -> int:
    import getpass
    import os

    from ops import auth
    from ops.db import get_engine, session_scope, upgrade

    engine = get_engine(settings.database_url)
    upgrade(engine)
    password = os.environ.get("OPS_NEW_PASSWORD")
    try:
        with session_scope(engine) as session:
            exists = session.get(auth.m.AppUser, args.username.strip().lower()) is not None
            if not exists:
                if not args.role:
                    print("error: a new user needs --role", file=sys.stderr)
                    return EXIT_USAGE
                password = password or getpass.getpass(f"password for {args.username}: ")
                auth.create_user(session, "cli", args.username, args.name, args.role, password)
                print(f"user {args.username.lower()} added as {args.role}")
            else:
                auth.update_user(session, "cli", args.username.strip().lower(), role=args.role,
                                 active=False if args.disable else None, password=password)
                print(f"user {args.username.lower()} updated")
    except auth.AuthError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAIL
    return 0


def cmd_plan(args, settings) -> int:
    from ops import planner
    from ops.db import get_engine, has_schema, session_scope

    engine = get_engine(settings.database_url)
    if not has_schema(engine):
        print("error: the database has no schema yet: run `python -m ops init` first.", file=sys.stderr)
        return EXIT_FAIL
    with session_scope(engine) as session:
        if args.save:
            plan = planner.save_plan(session, settings, "cli", use_bko=not args.no_bko)
        else:
            plan = planner.run_planner(session, settings, use_bko=not args.no_bko)
    short = sum(max(0, c.gap) for c in plan.clusters)
    print(f"{len(plan.clusters)} klaster, {len(plan.duties)} tugas per shift, kurang {short} personel PAM TPS"
          + (" — disimpan sebagai penugasan" if args.save else " (belum disimpan: tambahkan --save)"))
    return 0


def cmd_alerts(args, settings) -> int:
    from ops import perhatian
    from ops.clock import fmt_long_wib, load_clock
    from ops.db import get_engine, has_schema, session_scope
    from ops.perhatian.model import SEVERITY_LABEL, STATE_LABEL

    engine = get_engine(settings.database_url)
    if not has_schema(engine):
        print("error: the database has no schema yet: run `python -m ops init` (or `init --demo`) first.",
              file=sys.stderr)
        return EXIT_FAIL
    with session_scope(engine) as session:
        moment = _moment(args.at) or load_clock(session).now()
        items, sit = perhatian.current(session, settings, moment)
        if not args.all:
            items = [i for i in items if i.state != "selesai"]
        out = perhatian.as_json(items, moment, sit.names)
    if args.json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1, default=str)
        print()
        return 0
    print(f"Perhatian — {fmt_long_wib(moment)}: {len(out)} hal")
    for d in out:
        print(f"[{SEVERITY_LABEL[d['severity']].upper():6s}] {d['place']['name']} — {d['title']}")
        print(f"         ➜ {d['action']} ({STATE_LABEL[d['state']].lower()}, {d['age']})")
    return 0


def cmd_notify(args, settings) -> int:
    from ops import perhatian
    from ops.db import get_engine, has_schema
    from ops.perhatian.notify import deliver_due
    from ops.perhatian.store import channels

    engine = get_engine(settings.database_url)
    if not has_schema(engine):
        print("error: the database has no schema yet: run `python -m ops init` first.", file=sys.stderr)
        return EXIT_FAIL
    synced = perhatian.sync_now(settings)
    report = deliver_due(engine, settings)
    sent = ", ".join(f"{k} {v}" for k, v in report.sent.items()) or "tidak ada"
    print(f"perhatian: {synced}; terkirim: {sent}; menunggu di outbox: {report.waiting}"
          + ("" if channels(settings) else " (tidak ada saluran: isi telegram_bot_token/telegram_chat_id atau "
                                           "webhook_url)"))
    if not report.ok:
        for channel, error in report.failed.items():
            print(f"error: {channel}: {error} — pesan tetap di outbox dan dikirim pada putaran berikut",
                  file=sys.stderr)
        return EXIT_FAIL
    return 0


def cmd_backup(args, settings) -> int:
    from ops.backup import backup

    result = backup(settings, args.out)
    print(f"backup of the {result.kind} database written: {result.path} ({result.size:,} bytes)")
    return 0


def cmd_restore(args, settings) -> int:
    from ops.backup import restore
    from ops.db import safe_url

    kind = restore(settings, args.file, overwrite=args.yes)
    print(f"{args.file} restored into {safe_url(settings.database_url)} ({kind})")
    return 0


def cmd_readmodel(args, settings) -> int:
    from ops import readmodel
    from ops.clock import load_clock
    from ops.db import get_engine, session_scope

    with session_scope(get_engine(settings.database_url)) as session:
        now = load_clock(session).now()
        report = readmodel.rebuild(session, settings, now) if args.rebuild else \
            readmodel.keep_current(session, settings, now)
    print(f"read model {report}")
    # The overview of a province or the nation lists the stored Perhatian items beside the read model: bring them to
    # the same minute, as the worker does every minute.
    from ops import perhatian
    print(f"perhatian: {perhatian.sync_now(settings, now, use_readmodel=True)}")
    from ops.readmodel import boards
    with session_scope(get_engine(settings.database_url)) as session:
        made = boards.keep(session, settings, now)
    print(f"boards: {', '.join(made) if made else f'none (above {boards.BOARD_MAX_TPS:,} TPS)'}")
    return 0


COMMANDS = {"readmodel": cmd_readmodel, "plan": cmd_plan, "alerts": cmd_alerts, "notify": cmd_notify, "import": cmd_import, "export": cmd_export, "user": cmd_user,
            "init": cmd_init, "status": cmd_status, "fetch": cmd_fetch, "worker": cmd_worker,
            "clock": cmd_clock, "briefing": cmd_briefing, "backup": cmd_backup, "restore": cmd_restore,
            "template": cmd_template}
# Commands that work on the operation: they run with its imported calendar applied to the settings.
ON_THE_OPERATION = ("readmodel", "alerts", "notify", "import", "export", "status", "fetch", "briefing")
