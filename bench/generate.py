"""Fill a benchmark database with N customers and two years of POS history.

Usage (from the repository root, with Odoo's virtual environment)::

    tools/bench.sh generate --customers 100000 --db fcl_bench_100k

or directly ``$VENV/bin/python bench/generate.py ... --template fcl_tmpl_xxx``.

The database is created from the test template (contacts, mail, calendar,
point_of_sale without demo data) and gets the addon installed; then the
generators of ``bench/generators`` run in sequence (setup, customers,
referrals, orders, history, then any plug-in such as cards or bookings, and
finally the engine's recompute), committing after each one. At 100k
customers this writes ~400k orders and ~2M order lines in a few minutes.
"""

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import odoo_env  # noqa: E402  (puts Odoo on sys.path)

PARAM = "five_customer_loop.bench"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database to create")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=date.today(),
        help="reference day: orders fall in the two years before it (default: today)",
    )
    parser.add_argument(
        "--template", help="template database (tools/bench.sh passes the test template)"
    )
    parser.add_argument(
        "--force", action="store_true", help="drop the database first if it exists"
    )
    parser.add_argument("--skip", default="", help="comma-separated generators to skip")
    parser.add_argument(
        "--list", action="store_true", help="list the generators and exit"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from bench import generators

    steps = generators.load()
    if args.list:
        for step in steps:
            print(
                f"{step.sequence:4d} {step.name:12s} {(step.__doc__ or '').strip().splitlines()[0]}"
            )
        return
    skip = {name for name in args.skip.split(",") if name}
    if odoo_env.db_exists(args.db):
        if not args.force:
            sys.exit(f"{args.db} exists: pass --force to drop and regenerate it")
        odoo_env.drop_db(args.db)
    started = time.perf_counter()
    print(f"Creating {args.db} and installing {odoo_env.ADDON} ...", flush=True)
    odoo_env.create_db(args.db, args.template)
    timings = {"create_db": time.perf_counter() - started}
    with odoo_env.environment(args.db, context={"tracking_disable": True}) as env:
        ctx = generators.Context(
            env=env, customers=args.customers, today=args.today, seed=args.seed
        )
        for step in steps:
            if step.name in skip or not step.applicable(ctx):
                print(f"  {step.name:12s} skipped", flush=True)
                continue
            t0 = time.perf_counter()
            step.run(ctx)
            env.flush_all()
            env.cr.commit()
            timings[step.name] = time.perf_counter() - t0
            print(f"  {step.name:12s} {timings[step.name]:8.1f} s", flush=True)
        summary = {
            "customers": args.customers,
            "seed": args.seed,
            "today": args.today.isoformat(),
            "company_id": ctx.company.id,
            "manager_id": ctx.manager_id,
            "open_sessions": [shop["open_session_id"] for shop in ctx.shops],
            "counts": ctx.counts,
            "timings": {k: round(v, 1) for k, v in {**timings, **ctx.timings}.items()},
        }
        env["ir.config_parameter"].set_param(PARAM, json.dumps(summary))
    t0 = time.perf_counter()
    odoo_env.psql("VACUUM ANALYZE", db=args.db)
    summary["timings"]["vacuum"] = round(time.perf_counter() - t0, 1)
    summary["timings"]["total"] = round(time.perf_counter() - started, 1)
    with odoo_env.environment(args.db) as env:
        env["ir.config_parameter"].set_param(PARAM, json.dumps(summary))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
