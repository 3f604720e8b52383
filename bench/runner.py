"""Drive the loop engine the way the nightly cron does, and measure it.

``cron_run`` calls ``loop.engine.run_batch`` once per transaction and commits
in between, exactly like ``_cron_recompute`` under ``ir.cron`` (which commits
after every call and calls again while work remains). Time is frozen at noon
UTC of ``day`` so the run is reproducible; timings use the real clock.
"""

import contextlib
import time

from freezegun import freeze_time

from bench.odoo_env import odoo, peak_rss_mb

# Bound method-wrappers are not patched by freezegun (same trick as odoo.sql_db).
real_clock = time.perf_counter.__call__


def frozen(day):
    """Freeze the clock at noon UTC of ``day`` (the same date in Asia/Shanghai)."""
    return freeze_time(f"{day} 12:00:00")


def cron_run(
    registry,
    day,
    batch_size=None,
    force=True,
    on_batch=None,
    max_batches=None,
    on_start=None,
    clock=True,
):
    """Run a full recompute in committed batches; return per-batch measures.

    ``force`` restarts today's run from the beginning (otherwise it resumes
    from the saved state, as the cron does after a crash). ``on_batch`` is
    called with each batch's measures after its commit, ``on_start`` with
    the batch's number before it starts. ``clock=False`` runs at this
    moment's clock (``day`` must then be today).
    """
    batches = []
    with frozen(day) if clock else contextlib.nullcontext():
        if batch_size:
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                env["ir.config_parameter"].set_param(
                    "five_customer_loop.batch_size", batch_size
                )
        first = force
        while True:
            if on_start:
                on_start(len(batches) + 1)
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                engine = env["loop.engine"]
                state = engine._load_state(env.company._loop_today(), force=first)
                phase = state["phase"]
                queries0 = cr.sql_log_count
                started = real_clock()
                done, remaining = engine.run_batch(force=first)
                env.flush_all()
                queries = cr.sql_log_count - queries0
                cr.commit()
                elapsed = real_clock() - started
            first = False
            batch = {
                "phase": phase,
                "partners": done - state["done"],
                "seconds": elapsed,
                "queries": queries,
                "done": done,
                "remaining": remaining,
                "rss_mb": peak_rss_mb(),
            }
            batches.append(batch)
            if on_batch:
                on_batch(batch)
            if not remaining or (max_batches and len(batches) >= max_batches):
                break
    return batches


def checksum(cr, company_id):
    """Digest of every customer's tier, segment, stage and 12-month spend in ``company``.

    Over the company's ``loop_customer`` rows (the figures' one home) in
    partner order. Returns ``(md5, rows)``. A missing spend counts as 0, as the
    ORM reads it.
    """
    cr.execute(
        """
        SELECT md5(string_agg(concat_ws('|', m.partner_id, t.code, m.segment, s.code,
                                        to_char(COALESCE(m.spend_12m, 0),
                                                'FM999999999990.00')),
                              ',' ORDER BY m.partner_id)),
               COUNT(*)
          FROM loop_customer m
          LEFT JOIN loop_tier t ON t.id = m.tier_id
          LEFT JOIN loop_stage s ON s.id = m.stage_id
         WHERE m.company_id = %(company)s
        """,
        {"company": company_id},
    )
    return cr.fetchone()


def funnel_missing(env):
    """Customers with paid orders in a company but no row in its funnel (loop.customer).

    Every customer who paid in a company takes part in its loop: the engine
    gives them a ``loop_customer`` row there, which the funnel, the partner's
    figures and the reports all read. Paid orders are those of the engine's
    order sources (POS, and sale orders when the bridge is installed). 0 when
    none is missing (each missing (customer, company) counts one).
    """
    from odoo.tools import SQL

    env.flush_all()
    ids = [row[0] for row in env.execute_query(SQL("SELECT id FROM res_partner"))]
    missing = 0
    for company in env["res.company"].search([]):
        orders = env["loop.engine"]._paid_orders(company, ids)
        missing += env.execute_query(
            SQL(
                """SELECT COUNT(DISTINCT src.partner_id) FROM (%(orders)s) src
                    WHERE NOT EXISTS (SELECT 1 FROM loop_customer m
                                       WHERE m.partner_id = src.partner_id
                                         AND m.company_id = %(company)s)""",
                orders=orders,
                company=company.id,
            )
        )[0][0]
    return missing


def stats_floor(env, runs=3):
    """Seconds of the engine's statistics aggregate alone over every customer.

    The ``days`` aggregate of ``loop.engine._compute_stats`` (visits, first and
    last day, spend, 12-month figures), built from the same order sources, run
    once for all partners of each company at once: no candidates, no Python,
    no writes. The best a full recompute could do with one query (its floor);
    median of ``runs`` after a warm-up run, as rows fetched by the client.
    """
    engine = env["loop.engine"]
    cr = env.cr
    engine._batch_settings()  # as run_batch
    cr.execute("SELECT id FROM res_partner ORDER BY id")
    ids = [row[0] for row in cr.fetchall()]
    queries = [
        engine._stats_query(company, ids, company._loop_today())
        for company in env["res.company"].search([])
    ]
    timings, rows = [], 0
    for run in range(runs + 1):
        started = real_clock()
        rows = 0
        for query in queries:
            cr.execute(query)
            rows += len(cr.fetchall())
        if run:  # the first run warms the caches
            timings.append(real_clock() - started)
    timings.sort()
    return {
        "seconds": timings[len(timings) // 2],
        "seconds_all": [round(t, 4) for t in timings],
        "partners": len(ids),
        "rows": rows,
    }
