from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    """Prospects (DOMAIN "Prospects") are marked and enter the loop.

    Rows with no paid visit are prospects. People the stores reached before
    this version (referred by a customer, booked, entered with an acquisition
    channel) who are not in a company's loop yet enter it now, in Attract, as
    the engine puts them there (set-based, per batch); rows already there are
    left as they are. The Attract conversion and the return rates are built.
    """
    if not version:
        return
    cr.execute(
        "UPDATE loop_customer SET prospect = TRUE WHERE COALESCE(visit_count, 0) = 0"
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    # the services already booked or sold stay bookable (the flag is new)
    env["product.template"]._loop_mark_bookable_services()
    engine = env["loop.engine"]
    size = engine._batch_size()
    for company in env["res.company"].search([]):
        rows = env.execute_query(
            SQL(
                """SELECT p.id FROM res_partner p
                    WHERE (p.loop_referred_by_id IS NOT NULL
                           OR p.loop_channel_id IS NOT NULL
                           OR EXISTS (SELECT 1 FROM calendar_event e
                                       WHERE e.loop_partner_id = p.id
                                         AND e.is_loop_booking))
                      AND NOT EXISTS (SELECT 1 FROM loop_customer m
                                       WHERE m.partner_id = p.id
                                         AND m.company_id = %s)
                    ORDER BY p.id""",
                company.id,
            )
        )
        ids = [row[0] for row in rows]
        today = company._loop_today()
        for start in range(0, len(ids), size):
            candidates = engine._candidates(company, ids[start : start + size])
            engine._compute_stats(company, candidates, today)
            engine._classify(company, candidates, today)
    # the new measures, from the order history
    env["loop.channel.conversion"]._cron_rebuild()
    env["loop.return.rate"]._cron_rebuild()
