"""Batches that survive: kill a full recompute mid-run, resume it, same result.

Usage (from the repository root)::

    tools/bench.sh kill_resume --db fcl_bench_10k [--batch-size 1000] [--kill-after 3]

The database is copied twice (it is left untouched). In the first copy a full
recompute runs without interruption. In the second one the same recompute runs
in a subprocess, committing batch after batch like the cron; after
``--kill-after`` committed batches, while the next batch is being computed,
the subprocess gets SIGKILL. Then the cron's batches run again (``run_batch``
without ``force``: it resumes from the state saved with the last committed
batch) until the run is complete. Both copies must end with the same figures,
the same stage and tier history and the same activities.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import odoo_env  # noqa: E402


def digest(db, by_day=False):
    """Digests of everything a recompute writes: figures, histories, activities.

    The figures are the ``loop_customer`` rows (their one home; the columns of
    ``FIGURES`` in models/loop_customer.py), one digest per company, in partner
    order. Days since the last visit are computed when read: not stored, not
    digested. ``by_day`` cuts the moments (stage changes, history dates) to
    their day, for runs made at different times of the same day.
    """
    from odoo.addons.five_customer_loop.models.loop_customer import FIGURES

    day = "::date" if by_day else ""
    columns = ", ".join(
        f"{column}{day if kind == 'timestamp' else ''}::text"
        for column, kind in FIGURES.items()
    )
    queries = {
        "figures": "SELECT string_agg(concat_ws(':', company_id, digest, n), ' ' "
        "ORDER BY company_id) FROM (SELECT company_id, md5(string_agg(concat_ws('|', "
        f"partner_id, {columns}), ',' ORDER BY partner_id)) AS digest, COUNT(*) AS n "
        "FROM loop_customer GROUP BY company_id) AS per_company",
        "stage_history": "SELECT md5(string_agg(concat_ws('|', partner_id, stage_from_id, "
        f"stage_to_id, date{day}, date_end{day}, kind), ',' ORDER BY partner_id, date, id)), "
        "COUNT(*) "
        "FROM loop_stage_history",
        "tier_history": "SELECT md5(string_agg(concat_ws('|', partner_id, tier_from_id, "
        f"tier_to_id, date{day}, direction, spend_12m), ',' ORDER BY partner_id, date, id)), "
        "COUNT(*) FROM loop_tier_history",
        "activities": "SELECT md5(string_agg(concat_ws('|', res_id, activity_type_id, user_id, "
        "summary, date_deadline), ',' ORDER BY res_id, activity_type_id)), COUNT(*) "
        "FROM mail_activity",
        "segment_thresholds": "SELECT string_agg(concat_ws('|', loop_segment_amount, "
        "loop_segment_frequency), ',' ORDER BY id), COUNT(*) FROM res_company",
        "funnel_rows": "SELECT md5(string_agg(concat_ws('|', partner_id, company_id, name, "
        "active, user_id), ',' ORDER BY partner_id, company_id)), COUNT(*) FROM loop_customer",
    }
    return {name: odoo_env.psql(sql, db=db) for name, sql in queries.items()}


def worker(db, day, batch_size):
    """Run today's recompute from the start, printing a line per committed batch."""
    from bench import runner

    def committed(batch):
        print(f"COMMITTED {json.dumps(batch)}", flush=True)

    def started(number):
        print(f"STARTED {number}", flush=True)

    runner.cron_run(
        odoo_env.registry(db),
        day,
        batch_size=batch_size,
        on_batch=committed,
        on_start=started,
    )


def resume(db, day):
    """What the cron does after a crash: call run_batch again until nothing remains."""
    from bench import runner

    return runner.cron_run(odoo_env.registry(db), day, force=False)


def state(db):
    raw = odoo_env.psql(
        "SELECT row_to_json(r) FROM (SELECT day, phase, cursor, done"
        " FROM loop_engine_run ORDER BY id LIMIT 1) r",
        db=db,
    )
    return json.loads(raw) if raw else {}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", required=True, help="generated database (left untouched)"
    )
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument(
        "--kill-after", type=int, default=3, help="committed batches before SIGKILL"
    )
    parser.add_argument("--keep", action="store_true", help="keep the two copies")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.db, args.day, args.batch_size)

    bench = json.loads(
        odoo_env.psql(
            "SELECT value FROM ir_config_parameter WHERE key = 'five_customer_loop.bench'",
            db=args.db,
        )
    )
    # A day no benchmark run uses, so the recompute really changes every customer.
    day = (date.fromisoformat(bench["today"]) + timedelta(days=3)).isoformat()
    ref_db, kill_db = f"{args.db}_ref", f"{args.db}_kill"
    for copy in (ref_db, kill_db):
        odoo_env.drop_db(copy)
        subprocess.run(
            ["createdb", "-U", odoo_env.DB_USER, "-T", args.db, copy], check=True
        )
    try:
        print(
            f"Reference: uninterrupted recompute of {ref_db} on {day} ...", flush=True
        )
        from bench import runner

        reg = odoo_env.registry(ref_db)
        ref_batches = runner.cron_run(reg, day, batch_size=args.batch_size)
        reference = digest(ref_db)

        print(
            f"Killed run on {kill_db}: SIGKILL after {args.kill_after} committed batches ...",
            flush=True,
        )
        cmd = [
            sys.executable,
            __file__,
            "--worker",
            "--db",
            kill_db,
            "--day",
            day,
            "--batch-size",
            str(args.batch_size),
        ]
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        # Kill in the middle of the batch after the last committed one: half the
        # reference run's average batch time after it started.
        pause = sum(b["seconds"] for b in ref_batches) / len(ref_batches) / 2
        committed = 0
        for line in proc.stdout:
            if line.startswith("COMMITTED "):
                committed += 1
            elif line.startswith("STARTED ") and committed == args.kill_after:
                time.sleep(pause)
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait()
        killed_state = state(kill_db)
        if proc.returncode != -signal.SIGKILL:
            raise SystemExit(
                f"the run ended before it could be killed ({proc.returncode})"
            )
        print(
            f"  killed (exit {proc.returncode}); saved state: {killed_state}",
            flush=True,
        )
        resumed_batches = resume(kill_db, day)
        resumed = digest(kill_db)
    finally:
        for copy in (ref_db, kill_db):
            odoo_env.odoo.modules.registry.Registry.delete(copy)
            odoo_env.odoo.sql_db.close_db(copy)
        if not args.keep:
            odoo_env.drop_db(ref_db)
            odoo_env.drop_db(kill_db)

    same = reference == resumed
    lines = [
        f"| | uninterrupted | killed after {args.kill_after} batches, then resumed |",
        "|---|---|---|",
        f"| batches | {len(ref_batches)} | {committed} committed, batch {committed + 1} "
        f"killed {pause:.2f} s after its start; {len(resumed_batches)} on resume "
        f"(saved state at kill: phase {killed_state.get('phase')}, "
        f"cursor {killed_state.get('cursor')}) |",
    ]
    for name in reference:
        lines.append(f"| {name} | `{reference[name]}` | `{resumed[name]}` |")
    lines.append(f"| **identical** | | **{'yes' if same else 'NO'}** |")
    print("\n".join(lines))
    if not same:
        raise SystemExit("the resumed run differs from the uninterrupted one")
    return None


if __name__ == "__main__":
    main()
