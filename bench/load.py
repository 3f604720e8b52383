"""Many tills at once: a load test of the loop on multi-worker Odoo.

Usage (from the repository root)::

    tools/bench.sh load --db fcl_bench_10k [--tills 20] [--desks 5] [--duration 300]

The benchmark database is copied (``<db>_load``, left behind for a look);
the copy gets tills (a POS config, an open session and a cashier each), front
desks, a top-up card sold at the tills and popular prepaid cards that several
tills pay with at once. Odoo then runs with ``--workers`` prefork workers and,
for ``--duration`` seconds, the tills and desks of ``bench/load_clients.py``
work through Odoo's HTTP endpoints while the nightly recompute runs again and
again in a process of its own, as the cron would. One till goes offline for a
while and sends what it sold meanwhile at once; some orders are sent twice at
the same moment; PostgreSQL is restarted half-way (``--no-restart`` skips it).

Then the checks (``bench/load_checks.py``): every order a till got an answer
for exists exactly once, no order the cards refused was saved, card payments
moved the cards once, every card's balance equals its ledger and never went
below zero, no two active bookings of one staff member overlap, and the
figures equal a full recompute from scratch. The command prints a report (and
writes it with ``--report``) and exits non-zero if any check fails.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402  (one of Odoo's requirements)

from bench import odoo_env  # noqa: E402  (puts Odoo on sys.path)

SERVER_RETRY = re.compile(r"(\w+), \d+ tries left, try again in")
SERVER_GAVE_UP = re.compile(r"(\w+), maximum number of tries reached")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="benchmark database (copied)")
    parser.add_argument("--tills", type=int, default=20)
    parser.add_argument("--desks", type=int, default=5)
    parser.add_argument("--duration", type=int, default=300, help="seconds")
    parser.add_argument("--workers", type=int, default=4, help="Odoo HTTP workers")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean pause between requests (s)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--offline",
        default="60,120",
        help="till 1 is offline between these seconds of the run ('' for never)",
    )
    parser.add_argument(
        "--restart-at",
        type=int,
        help="restart PostgreSQL after this many seconds (default: half-way)",
    )
    parser.add_argument("--no-restart", action="store_true")
    parser.add_argument("--no-nightly", action="store_true")
    parser.add_argument("--report", help="also write the report (JSON) here")
    parser.add_argument("--nightly-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--until", type=float, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --------------------------------------------------------------------- server
def restart_postgres():
    """Restart the local PostgreSQL cluster (fast: open transactions are lost)."""
    clusters = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout.split()
    version, name = clusters[0], clusters[1]
    subprocess.run(
        ["pg_ctlcluster", version, name, "restart", "-m", "fast"], check=True
    )


# ------------------------------------------------------------------------ CPU
class CpuMeter(threading.Thread):
    """CPU seconds used during the run by Odoo, the nightly runs, PostgreSQL
    and the clients (this process): sampled every two seconds per process, so
    a process that ends loses at most its last two seconds."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.first, self.last = server, {}, {}
        self.done = threading.Event()

    def _kind(self, proc):
        if proc.pid == os.getpid():
            return "clients"
        name, cmdline = proc.info["name"] or "", " ".join(proc.info["cmdline"] or ())
        if name.startswith("postgres"):
            return "postgresql"
        if "--nightly-worker" in cmdline:
            return "nightly"
        try:
            if os.getpgid(proc.pid) == self.server.pid:
                return "odoo"
        except OSError:
            return None
        return None

    def sample(self):
        for proc in psutil.process_iter(["name", "cmdline", "cpu_times"]):
            kind = self._kind(proc)
            times = proc.info["cpu_times"]
            if kind and times:
                used = times.user + times.system
                self.first.setdefault(proc.pid, (kind, used))
                self.last[proc.pid] = (kind, used)

    def run(self):
        while not self.done.wait(2):
            self.sample()

    def stop(self):
        self.done.set()
        self.sample()
        used = {}
        for pid, (kind, end) in self.last.items():
            used[kind] = used.get(kind, 0.0) + end - self.first[pid][1]
        return {kind: round(seconds, 1) for kind, seconds in sorted(used.items())}


# -------------------------------------------------------------------- nightly
def nightly_worker(args):
    """Full recomputes, one after the other, until ``--until``.

    Each run is ``runner.cron_run`` (committed batches, as the cron); a run
    cut by a database restart exits with 75 and the parent starts this worker
    again, which resumes the saved run (``force`` only for a new run).
    """
    import psycopg2

    from bench import runner

    registry = odoo_env.registry(args.load_db)
    today = date.today().isoformat()
    force = os.environ.get("LOAD_RESUME") != "1"
    while time.time() < args.until:
        started = time.perf_counter()
        try:
            batches = runner.cron_run(registry, today, force=force)
        except psycopg2.OperationalError as error:
            print(f"INTERRUPTED {error}".replace("\n", " "), flush=True)
            sys.exit(75)
        force = True
        print(
            "RUN "
            + json.dumps(
                {"seconds": time.perf_counter() - started, "batches": len(batches)}
            ),
            flush=True,
        )


def start_nightly(args, until, resume=False):
    cmd = [
        sys.executable,
        __file__,
        "--nightly-worker",
        "--db",
        args.db,
        "--until",
        str(until),
    ]
    env = dict(os.environ, LOAD_RESUME="1" if resume else "0")
    # its log (the queries a database restart cuts) goes beside the server's
    with open(f"/tmp/{args.load_db}.nightly.log", "a") as log:
        return subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=log, text=True, env=env
        )


# ----------------------------------------------------------------------- run
def percentile(values, share):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def summarise(journal, seconds):
    kinds = {}
    for kind, _started, latency, outcome in journal.requests:
        entry = kinds.setdefault(
            kind, {"latencies": [], "ok": 0, "refused": 0, "failed": 0}
        )
        entry["latencies"].append(latency)
        entry[outcome] += 1
    rows = {}
    for kind, entry in sorted(kinds.items()):
        lat = entry.pop("latencies")
        rows[kind] = {
            "requests": len(lat),
            "per_second": round(len(lat) / seconds, 2),
            "p50_ms": round(1000 * statistics.median(lat)),
            "p95_ms": round(1000 * percentile(lat, 0.95)),
            "p99_ms": round(1000 * percentile(lat, 0.99)),
            **entry,
        }
    return rows


def server_retries(log_path):
    retries, gave_up = {}, {}
    with open(log_path, errors="replace") as log:
        for line in log:
            for pattern, counts in ((SERVER_RETRY, retries), (SERVER_GAVE_UP, gave_up)):
                match = pattern.search(line)
                if match:
                    counts[match[1]] = counts.get(match[1], 0) + 1
    return retries, gave_up


def run(args):
    from bench import load_checks, load_clients, load_setup

    args.load_db = f"{args.db}_load"
    args.url = f"http://127.0.0.1:{args.port}"
    print(f"Copying {args.db} to {args.load_db} ...", flush=True)
    odoo_env.drop_db(args.load_db)
    subprocess.run(
        ["createdb", "-U", odoo_env.DB_USER, "-T", args.db, args.load_db], check=True
    )
    print("Updating the copy to this code ...", flush=True)
    odoo_env.run_odoo_bin(
        args.load_db, "-u", odoo_env.ADDONS, "--stop-after-init", "--no-http"
    )
    plan = load_setup.prepare(args.load_db, args.tills, args.desks)
    log_path = Path(f"/tmp/{args.load_db}.log")
    log_path.unlink(missing_ok=True)
    print(
        f"Starting Odoo with {args.workers} workers (log: {log_path}) ...", flush=True
    )
    server = odoo_env.serve(args.load_db, args.port, args.workers, log_path)
    journal = load_clients.Journal()
    nightly_runs, nightly_restarts = [], 0
    meter = CpuMeter(server)
    meter.start()
    try:
        args.began = time.time()
        stop_at = args.began + args.duration
        offline = (
            tuple(int(x) for x in args.offline.split(",")) if args.offline else None
        )
        clients = [
            load_clients.Till(
                i, plan, args, journal, stop_at, offline=offline if i == 0 else None
            )
            for i in range(args.tills)
        ] + [
            load_clients.Desk(i, plan, args, journal, stop_at)
            for i in range(args.desks)
        ]
        print(
            f"Running {args.tills} tills and {args.desks} desks for "
            f"{args.duration} s ...",
            flush=True,
        )
        for client in clients:
            client.start()
        nightly = None if args.no_nightly else start_nightly(args, stop_at)
        restart_at = None
        if not args.no_restart:
            restart_at = args.began + (args.restart_at or args.duration // 2)
        while any(client.is_alive() for client in clients):
            if restart_at and time.time() >= restart_at:
                print("  restarting PostgreSQL ...", flush=True)
                restart_postgres()
                journal.note("database_restarts")
                restart_at = None
            if nightly and nightly.poll() is not None:
                out = nightly.stdout.read()
                nightly_runs += [
                    json.loads(line[4:])
                    for line in out.splitlines()
                    if line.startswith("RUN ")
                ]
                if nightly.returncode == 75 and time.time() < stop_at:
                    nightly_restarts += 1
                    nightly = start_nightly(args, stop_at, resume=True)
                elif nightly.returncode not in (0, 75):
                    raise SystemExit(f"the nightly recompute failed:\n{out[-3000:]}")
                else:
                    nightly = None
            time.sleep(0.5)
        if nightly:
            out, _err = nightly.communicate()
            nightly_runs += [
                json.loads(line[4:])
                for line in out.splitlines()
                if line.startswith("RUN ")
            ]
        seconds = time.time() - args.began
    finally:
        cpu = meter.stop()
        odoo_env.stop(server)
    retries, gave_up = server_retries(log_path)
    print("Checking ...", flush=True)
    checks = load_checks.run_all(args.load_db, plan, journal)
    report = {
        "db": args.db,
        "tills": args.tills,
        "desks": args.desks,
        "workers": args.workers,
        "seconds": round(seconds, 1),
        "requests": len(journal.requests),
        "per_second": round(len(journal.requests) / seconds, 2),
        "kinds": summarise(journal, seconds),
        "server_retries": retries,
        "server_gave_up": gave_up,
        "answered_orders": len(journal.answered),
        "refused_orders": len(journal.refused),
        "unanswered_orders": journal.pending,
        "notes": dict(journal.notes),
        "nightly_runs": [round(run["seconds"], 1) for run in nightly_runs],
        "nightly_restarts": nightly_restarts,
        "cpu_seconds": cpu,
        "cores": os.cpu_count(),
        "checks": checks,
    }
    print(render(report))
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=1))
    failed = [name for name, check in checks.items() if not check["passed"]]
    if journal.pending:
        failed.append("unanswered orders")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    print("All checks passed.")
    return 0


def render(report):
    lines = [
        f"{report['tills']} tills, {report['desks']} desks, {report['workers']} "
        f"workers, {report['seconds']} s: {report['requests']} requests, "
        f"{report['per_second']}/s",
        "",
        "| kind | requests | /s | p50 ms | p95 ms | p99 ms | ok | refused | failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, row in report["kinds"].items():
        lines.append(
            f"| {kind} | {row['requests']} | {row['per_second']} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['p99_ms']} | {row['ok']} | {row['refused']} | "
            f"{row['failed']} |"
        )
    lines += [
        "",
        f"server retries (serialization etc.): {report['server_retries'] or 0}; "
        f"gave up: {report['server_gave_up'] or 0}",
        f"orders answered {report['answered_orders']}, refused by the cards "
        f"{report['refused_orders']}, unanswered at the end {report['unanswered_orders']}",
        f"nightly recomputes: {len(report['nightly_runs'])} "
        f"({', '.join(str(s) for s in report['nightly_runs'])} s), "
        f"resumed after the restart: {report['nightly_restarts']}",
        "CPU seconds (of "
        f"{round(report['seconds'] * report['cores'])} on {report['cores']} cores): "
        + ", ".join(f"{kind} {used}" for kind, used in report["cpu_seconds"].items()),
        f"notes: {report['notes']}",
        "",
    ]
    for name, check in report["checks"].items():
        lines.append(
            f"{'PASS' if check['passed'] else 'FAIL'}  {name}: {check['detail']}"
        )
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.nightly_worker:
        args.load_db = f"{args.db}_load"
        nightly_worker(args)
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
