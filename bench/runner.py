"""Drive the loop engine the way the nightly cron does, and measure it.

``cron_run`` calls ``loop.engine.run_batch`` once per transaction and commits
in between, exactly like ``_cron_recompute`` under ``ir.cron`` (which commits
after every call and calls again while work remains). Time is frozen at noon
UTC of ``day`` so the run is reproducible; timings use the real clock.
"""

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
):
    """Run a full recompute in committed batches; return per-batch measures.

    ``force`` restarts today's run from the beginning (otherwise it resumes
    from the saved state, as the cron does after a crash). ``on_batch`` is
    called with each batch's measures after its commit, ``on_start`` with
    the batch's number before it starts.
    """
    batches = []
    with frozen(day):
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
    """Digest of every partner's tier, segment, stage and 12-month spend in ``company``.

    Returns ``(md5, rows)``. A missing spend counts as 0, as the ORM reads it
    (the ORM stores a company-dependent value equal to its fallback as null).
    """
    cid = str(company_id)
    cr.execute(
        """
        SELECT md5(string_agg(concat_ws('|', p.id, t.code, p.loop_segment->>%(cid)s,
                                        s.code, to_char(COALESCE((p.loop_spend_12m->>%(cid)s)::numeric, 0),
                                                        'FM999999999990.00')),
                              ',' ORDER BY p.id)),
               COUNT(*)
          FROM res_partner p
          LEFT JOIN loop_tier t ON t.id = (p.loop_tier_id->>%(cid)s)::int
          LEFT JOIN loop_stage s ON s.id = (p.loop_stage_id->>%(cid)s)::int
        """,
        {"cid": cid},
    )
    return cr.fetchone()


def funnel_mismatches(cr, company_id):
    """Customers whose row in the funnel's table differs from their figures in ``company``.

    The funnel (loop.member) repeats the partners' company-dependent stage, tier,
    segment, health, 12-month spend and stored value, and keeps its column totals
    in loop_member_count: 0 when the copy and the totals are exact (each differing
    customer or (stage, health) total counts one).
    """
    cid = str(company_id)
    cr.execute(
        """
        SELECT COUNT(*)
          FROM res_partner p
          FULL JOIN (SELECT * FROM loop_member WHERE company_id = %(company)s) m
                 ON m.partner_id = p.id
         WHERE (p.loop_stage_id ? %(cid)s OR m.stage_id IS NOT NULL)
           AND (m.id IS NULL OR p.id IS NULL
                OR (m.stage_id, m.tier_id, m.segment, m.health,
                    COALESCE(m.spend_12m, 0), COALESCE(m.card_balance, 0))
                   IS DISTINCT FROM
                   ((p.loop_stage_id->>%(cid)s)::int, (p.loop_tier_id->>%(cid)s)::int,
                    p.loop_segment->>%(cid)s, p.loop_health->>%(cid)s,
                    COALESCE((p.loop_spend_12m->>%(cid)s)::numeric, 0),
                    COALESCE((p.loop_card_balance->>%(cid)s)::numeric, 0)))
        """,
        {"cid": cid, "company": company_id},
    )
    rows = cr.fetchone()[0]
    # the column totals (loop_member_count) against a count of the customers
    cr.execute(
        """
        SELECT COUNT(*)
          FROM ((SELECT stage_id, health, COUNT(*) AS n, COALESCE(SUM(spend_12m), 0) AS spend
                   FROM loop_member WHERE active AND company_id = %(company)s
                  GROUP BY 1, 2
                 EXCEPT
                 SELECT stage_id, health, SUM(n), SUM(spend)
                   FROM loop_member_count WHERE company_id = %(company)s
                  GROUP BY 1, 2 HAVING SUM(n) <> 0)
                UNION ALL
                (SELECT stage_id, health, SUM(n), SUM(spend)
                   FROM loop_member_count WHERE company_id = %(company)s
                  GROUP BY 1, 2 HAVING SUM(n) <> 0
                 EXCEPT
                 SELECT stage_id, health, COUNT(*), COALESCE(SUM(spend_12m), 0)
                   FROM loop_member WHERE active AND company_id = %(company)s
                  GROUP BY 1, 2)) AS differing
        """,
        {"company": company_id},
    )
    return rows + cr.fetchone()[0]
