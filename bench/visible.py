"""When a delivery became visible: the commit of its transaction, as another connection sees it.

`delivered_at` is the clock of the claim statement; a person sees the inject only once that
transaction commits (after its timeline entries, ladders and outbox rows). No column can hold a
commit time, so a listener hears it instead: a statement trigger, installed in the benchmark's
database only (never by a migration), NOTIFYs the inject ids of each statement's `delivered`
timeline entries, and PostgreSQL hands a NOTIFY to listeners when, and only when, its
transaction commits. The listener is a process of its own (the benchmark's threads cannot delay
it) and reads the database clock as soon as it has heard: that reading is the visible time, late
by at most one round trip, so the figure errs on the slow side.

    python bench/visible.py DATABASE_URL OUT.json   # run by VisibilityWatch, stopped with SIGTERM
"""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHANNEL = "bench_visible"
# Chunks keep each payload under PostgreSQL's 8,000-byte NOTIFY limit.
TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION bench_visible_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE chunk text;
BEGIN
    FOR chunk IN
        SELECT string_agg(inject_id::text, ',') FROM (
            SELECT inject_id, (row_number() OVER ()) / 500 AS part FROM bench_new_entries
            WHERE kind = 'delivered' AND inject_id IS NOT NULL) delivered
        GROUP BY part
    LOOP
        PERFORM pg_notify('bench_visible', chunk);
    END LOOP;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS bench_visible ON timelines_timelineentry;
CREATE TRIGGER bench_visible AFTER INSERT ON timelines_timelineentry
    REFERENCING NEW TABLE AS bench_new_entries FOR EACH STATEMENT EXECUTE FUNCTION bench_visible_notify();
"""


class VisibilityWatch:
    """Start before the load, stop after it: `stop()` returns {inject id: visible at}."""

    def __init__(self, database_url: str, out: Path) -> None:
        self.url, self.out = database_url, out
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(TRIGGER_SQL)
        self.out.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__)), self.url, str(self.out)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "listening":
            raise RuntimeError("the visibility listener did not start")

    def stop(self) -> tuple[dict[int, datetime], int]:
        """The visible times, and how often the listener lost its connection (a gap in hearing)."""
        if self.proc is None:
            return {}, 0
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        self.proc = None
        data = json.loads(self.out.read_text())
        seen = {int(k): datetime.fromtimestamp(v, UTC) for k, v in data["seen"].items()}
        return seen, int(data["reconnects"])


def visible_ms(rows: list[tuple[int, datetime]], seen: dict[int, datetime]) -> list[float]:
    """visible - due in ms for the (inject id, due) rows the listener heard of."""
    return [(seen[pk] - due).total_seconds() * 1000 for pk, due in rows if pk in seen]


def _listen(url: str, out: Path) -> None:
    import psycopg2

    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    seen: dict[str, float] = {}
    reconnects, announced = 0, False
    while not stopping:
        try:
            conn = psycopg2.connect(url)
            conn.autocommit = True
            cursor = conn.cursor()
            cursor.execute(f"LISTEN {CHANNEL}")
            if not announced:
                print("listening", flush=True)
                announced = True
            while not stopping:
                if not conn.notifies and not select.select([conn], [], [], 0.2)[0]:
                    continue
                conn.poll()
                heard = list(conn.notifies)
                del conn.notifies[:]  # what arrives during the clock read waits for the next one
                if heard:
                    cursor.execute("SELECT EXTRACT(EPOCH FROM clock_timestamp())")
                    now = float(cursor.fetchone()[0])
                    for note in heard:
                        for pk in note.payload.split(","):
                            seen.setdefault(pk, now)
        except psycopg2.Error:
            reconnects += 1  # the database restarted (faults benchmark): listen again
            time.sleep(0.05)
    out.write_text(json.dumps({"seen": seen, "reconnects": reconnects}))


if __name__ == "__main__":
    _listen(sys.argv[1], Path(sys.argv[2]))
