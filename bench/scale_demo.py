"""Grow a demo SQLite database N-fold for benchmarks: every TPS, its guards, their devices and fixes, status reports
and TPS logistics legs are cloned into new TPS numbers of the same desa (numbers + 40 per copy)."""
from __future__ import annotations

import sqlite3
import sys


def scale(path: str, factor: int) -> None:
    con = sqlite3.connect(path)
    with con:
        for k in range(1, factor):
            off = 40 * k
            code = f"substr(code, 1, length(code) - 3) || printf('%03d', number + {off})"

            def clone(table: str, replace: dict[str, str], where: str = "") -> None:
                cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] != "id" or table == "tps"]
                exprs = [replace.get(c, c) for c in cols]
                con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {table} "
                            f"WHERE {where or '1=1'}")

            clone("tps", {"code": code, "number": f"number + {off}",
                          "cluster_code": f"cluster_code || '-x{k}'"}, "number < 40")
            clone("personnel", {"nrp": f"nrp || 'x{k}'", "device_id": f"device_id || 'x{k}'"},
                  "nrp NOT LIKE '%x%' AND nrp IN (SELECT nrp FROM assignment WHERE task = 'pam_tps')")
            clone("assignment", {"nrp": f"nrp || 'x{k}'", "cluster_code": f"cluster_code || '-x{k}'",
                                 "tps_code": "NULL"}, "task = 'pam_tps' AND nrp NOT LIKE '%x%'")
            clone("position_event", {"device_id": f"device_id || 'x{k}'", "nrp": f"nrp || 'x{k}'"},
                  "device_id NOT LIKE '%x%' AND nrp IN (SELECT nrp FROM assignment WHERE task = 'pam_tps')")
            tps_code = f"substr(tps_code, 1, length(tps_code) - 3) || printf('%03d', CAST(substr(tps_code, -3) AS INTEGER) + {off})"
            clone("tps_status_event", {"tps_code": tps_code}, "CAST(substr(tps_code, -3) AS INTEGER) < 40")
            first = con.execute("SELECT COALESCE(MAX(id), 0) FROM logistics_leg").fetchone()[0]
            con.execute(f"CREATE TEMP TABLE leg_map AS SELECT id AS old_id, id + {first} AS new_id FROM logistics_leg "
                        "WHERE tps_code IS NOT NULL AND CAST(substr(tps_code, -3) AS INTEGER) < 40")
            leg_cols = [r[1] for r in con.execute("PRAGMA table_info(logistics_leg)")]
            exprs = [{"id": f"id + {first}", "tps_code": tps_code}.get(c, c) for c in leg_cols]
            con.execute(f"INSERT INTO logistics_leg ({', '.join(leg_cols)}) SELECT {', '.join(exprs)} FROM logistics_leg "
                        "WHERE id IN (SELECT old_id FROM leg_map)")
            ev_cols = [r[1] for r in con.execute("PRAGMA table_info(logistics_event)") if r[1] != "id"]
            exprs = ["(SELECT new_id FROM leg_map WHERE old_id = leg_id)" if c == "leg_id" else c for c in ev_cols]
            con.execute(f"INSERT INTO logistics_event ({', '.join(ev_cols)}) SELECT {', '.join(exprs)} "
                        "FROM logistics_event WHERE leg_id IN (SELECT old_id FROM leg_map)")
            con.execute("DROP TABLE leg_map")
    n = con.execute("SELECT COUNT(*) FROM tps").fetchone()[0]
    con.close()
    print(f"{path}: {n} TPS")


if __name__ == "__main__":
    scale(sys.argv[1], int(sys.argv[2]))
