"""The nightly recompute through OCA queue_job, against the cron path.

Usage (from the repository root)::

    tools/bench.sh queue_run --db fcl_bench_100k [--capacity 1] [--capacity 2] [--kill]

The database is copied (``<db>_cron``, ``<db>_jobs``; the source is left
untouched). In the first copy the full recompute runs as the cron runs it
(``bench/runner.py``: committed batches in one process). The second copy gets
``five_customer_loop_queue`` (and ``queue_job``) installed; Odoo then runs
with HTTP workers and the job runner (``--load=base,web,queue_job``), the
channel ``root.loop`` at each ``--capacity``; the cron method hands the day's
run to the queue and the script waits until every job is done. With
``--kill``, the first stage job is killed with its worker (SIGKILL) while it
runs: the job runner requeues it and the run ends with the same figures.

Both paths must give the same digests (figures per company, stage and tier
history, the funnel's rows); the command exits non-zero when they differ or a
job failed. The cron path runs at this moment's clock, as the jobs do; the
times of day of stage changes still differ between the two runs, so they are
compared by day.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import odoo_env  # noqa: E402

COMPARED = ("figures", "stage_history", "tier_history", "funnel_rows")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument(
        "--capacity",
        type=int,
        action="append",
        help="jobs of the channel root.loop at once (repeat: one run each)",
    )
    parser.add_argument("--workers", type=int, default=3, help="Odoo HTTP workers")
    parser.add_argument("--port", type=int, default=8098)
    parser.add_argument("--kill", action="store_true", help="kill a running job")
    parser.add_argument("--report", help="also write the results (JSON) here")
    return parser.parse_args(argv)


def copy(source, target):
    odoo_env.drop_db(target)
    subprocess.run(
        ["createdb", "-U", odoo_env.DB_USER, "-T", source, target], check=True
    )


def cron_path(db, day):
    from bench import kill_resume, runner

    started = time.perf_counter()
    batches = runner.cron_run(odoo_env.registry(db), day, force=True, clock=False)
    seconds = time.perf_counter() - started
    close(db)
    return {"seconds": round(seconds, 1), "batches": len(batches)}, kill_resume.digest(
        db, by_day=True
    )


def close(db):
    """Close this process's connections to ``db`` (so it can be dropped)."""
    import odoo

    odoo.sql_db.close_db(db)


def job_states(db):
    out = odoo_env.psql(
        "SELECT state, COUNT(*) FROM queue_job WHERE channel = 'root.loop' "
        "GROUP BY state",
        db=db,
    )
    return dict(
        (line.split("|")[0], int(line.split("|")[1]))
        for line in out.splitlines()
        if line
    )


def jobs_path(db, day, args, capacity):
    """Enqueue the day's run through the cron method; wait for its jobs."""
    log_path = Path(f"/tmp/{db}.log")
    log_path.unlink(missing_ok=True)
    server = odoo_env.serve(
        db,
        args.port,
        args.workers,
        log_path,
        "--load=base,web,queue_job",
        env=dict(
            os.environ,
            ODOO_QUEUE_JOB_CHANNELS=f"root:{capacity},root.loop:{capacity}",
            ODOO_QUEUE_JOB_PORT=str(args.port),
        ),
    )
    killed = None
    try:
        with odoo_env.environment(db) as env:
            env["loop.engine.run"]._state().queued_day = False
            started = time.time()
            env["loop.engine"]._cron_recompute()
        close(db)
        total = sum(job_states(db).values())
        while True:
            states = job_states(db)
            if args.kill and not killed:
                row = odoo_env.psql(
                    "SELECT uuid, worker_pid FROM queue_job WHERE channel = 'root.loop' "
                    "AND state = 'started' AND method_name = '_job_classify' "
                    "AND worker_pid IS NOT NULL LIMIT 1",
                    db=db,
                )
                if row:
                    uuid, pid = row.split("|")
                    os.kill(int(pid), signal.SIGKILL)
                    killed = uuid
                    print(f"    killed job {uuid} with its worker {pid}", flush=True)
            if states.get("done", 0) + states.get("failed", 0) >= total:
                break
            time.sleep(0.5)
        seconds = odoo_env.psql(
            "SELECT EXTRACT(EPOCH FROM MAX(date_done) - MIN(date_created)) "
            "FROM queue_job WHERE channel = 'root.loop'",
            db=db,
        )
        wall = time.time() - started
    finally:
        odoo_env.stop(server)
    retried = (
        odoo_env.psql(f"SELECT retry FROM queue_job WHERE uuid = '{killed}'", db=db)
        if killed
        else None
    )
    result = {
        "capacity": capacity,
        "jobs": total,
        "failed": states.get("failed", 0),
        "seconds": round(float(seconds), 1),
        "wall_seconds": round(wall, 1),
        "killed": killed,
        "killed_job_state": odoo_env.psql(
            f"SELECT state FROM queue_job WHERE uuid = '{killed}'", db=db
        )
        if killed
        else None,
        "killed_job_retry": retried,
    }
    from bench import kill_resume

    return result, kill_resume.digest(db, by_day=True)


def main(argv=None):
    args = parse_args(argv)
    capacities = args.capacity or [1, 2]
    day = date.today().isoformat()
    cron_db, jobs_db = f"{args.db}_cron", f"{args.db}_jobs"
    print(f"Cron path on a copy ({cron_db}) ...", flush=True)
    copy(args.db, cron_db)
    odoo_env.run_odoo_bin(
        cron_db, "-u", odoo_env.ADDONS, "--stop-after-init", "--no-http"
    )
    cron, reference = cron_path(cron_db, day)
    print(f"  {cron}", flush=True)
    results, failed = {"cron": cron, "jobs": []}, False
    for capacity in capacities:
        print(f"Jobs at capacity {capacity} on a copy ({jobs_db}) ...", flush=True)
        copy(args.db, jobs_db)
        odoo_env.run_odoo_bin(
            jobs_db,
            "-u",
            odoo_env.ADDONS,
            "-i",
            "five_customer_loop_queue",
            "--stop-after-init",
            "--no-http",
        )
        run, digest = jobs_path(jobs_db, day, args, capacity)
        run["same_digest"] = all(digest[key] == reference[key] for key in COMPARED)
        if not run["same_digest"]:
            run["digests"] = {key: (reference[key], digest[key]) for key in COMPARED}
        print(f"  {run}", flush=True)
        failed |= not run["same_digest"] or bool(run["failed"])
        results["jobs"].append(run)
    results["digest"] = reference["figures"]
    if args.report:
        Path(args.report).write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
