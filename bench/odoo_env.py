"""Run Odoo 18.0 from a standalone script: configuration, registry, databases.

The benchmark scripts import this module first. It puts the Odoo source tree
on ``sys.path`` (``ODOO_SRC``, default ``/opt/odoo-18.0``), configures Odoo
with the same addons path and database role as ``tools/common.sh``, and opens
a registry without going through ``odoo-bin``.
"""

import contextlib
import getpass
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ODOO_SRC = Path(os.environ.get("ODOO_SRC", "/opt/odoo-18.0"))
ADDON = "five_customer_loop"
# installed into benchmark databases: the loop and its online booking
ADDONS = "five_customer_loop,five_customer_loop_website"
BASE_MODULES = "contacts,mail,calendar,point_of_sale,website"
DB_USER = os.environ.get("FCL_DB_USER") or getpass.getuser()

if str(ODOO_SRC) not in sys.path:
    sys.path.insert(0, str(ODOO_SRC))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import odoo  # noqa: E402
from odoo.tools import config  # noqa: E402

_configured = []


def odoo_args(db, *extra, log_level="warn"):
    args = [
        f"--addons-path={ODOO_SRC / 'addons'},{ROOT}",
        f"--db_user={DB_USER}",
        f"--database={db}",
        f"--log-level={log_level}",
        "--max-cron-threads=0",
        "--workers=0",
    ]
    if os.environ.get("PGHOST"):
        args.append(f"--db_host={os.environ['PGHOST']}")
    return args + list(extra)


def configure(db, log_level="warn"):
    """Configure this process's Odoo once (addons path, role, logging)."""
    if not _configured:
        config.parse_config(odoo_args(db, log_level=log_level), setup_logging=True)
        _configured.append(db)


def registry(db, log_level="warn"):
    configure(db, log_level=log_level)
    return odoo.modules.registry.Registry(db)


@contextlib.contextmanager
def environment(db, uid=odoo.SUPERUSER_ID, context=None, log_level="warn"):
    """An environment on a new cursor of ``db``; commits on success."""
    reg = registry(db, log_level=log_level)
    with reg.cursor() as cr:
        yield odoo.api.Environment(cr, uid, dict(context or {}))


def run_odoo_bin(db, *extra, log_path=None):
    """Run ``odoo-bin`` on ``db`` (install or update modules) and wait."""
    cmd = [sys.executable, str(ODOO_SRC / "odoo-bin"), *odoo_args(db, *extra)]
    with open(log_path or os.devnull, "w") as log:
        subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT)


def serve(db, port, workers, log_path, *extra, env=None):
    """Start Odoo serving ``db`` with ``workers`` HTTP workers (no cron) and
    wait until it answers on ``/web/health``; return its process."""
    cmd = [
        sys.executable,
        str(ODOO_SRC / "odoo-bin"),
        # odoo_args sets --workers=0: the last one given wins
        *odoo_args(db, log_level="info"),
        f"--workers={workers}",
        "--max-cron-threads=0",
        f"--http-port={port}",
        f"--db-filter=^{db}$",
        "--limit-time-real=900",
        "--limit-time-cpu=600",
        f"--logfile={log_path}",
        *extra,
    ]
    server = subprocess.Popen(cmd, env=env, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            url = f"http://127.0.0.1:{port}/web/health"
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(1)
    stop(server)
    raise SystemExit("Odoo did not answer on /web/health within two minutes")


def stop(server):
    """Stop a server started by ``serve`` (and its workers)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def psql(sql, db="postgres"):
    """Run one statement with psql (outside any transaction); return its output."""
    out = subprocess.run(
        ["psql", "-X", "-U", DB_USER, "-d", db, "-Atc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def db_exists(db):
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"


def create_db(db, template=None):
    """Create ``db`` from ``template`` (the test template) or empty, then install the addon."""
    if template:
        subprocess.run(["createdb", "-U", DB_USER, "-T", template, db], check=True)
        run_odoo_bin(
            db, "-i", ADDONS, "--stop-after-init", "--no-http", "--without-demo=all"
        )
    else:
        subprocess.run(["createdb", "-U", DB_USER, db], check=True)
        run_odoo_bin(
            db,
            "-i",
            f"{BASE_MODULES},{ADDONS}",
            "--stop-after-init",
            "--no-http",
            "--without-demo=all",
        )


def drop_db(db):
    subprocess.run(["dropdb", "-U", DB_USER, "--if-exists", db], check=True)


def peak_rss_mb():
    """Peak resident memory of this process so far, in MB (Linux: ru_maxrss in kB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
