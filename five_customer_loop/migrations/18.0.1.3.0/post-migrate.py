from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    """Prospects (DOMAIN "Prospects") are marked and enter the loop.

    Rows with no paid visit are prospects. People the stores reached before
    this version (referred by a customer, booked, entered with an acquisition
    channel) who are not in a company's loop yet enter it now, in Attract, as
    the engine puts them there (set-based, per batch); rows already there are
    left as they are. The Attract conversion and the return rates are built.
    The loop's win-back, birthday and follow-up calls become campaigns.
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
    _occasion_campaigns(env)


def _occasion_campaigns(env):
    """Before this version the engine raised a win-back call for every
    customer who became at risk, and the care reminders a birthday and a
    follow-up call, in every store. They are now the actions of the
    ready-made campaigns on the loop's occasions: those start in every store
    (a copy per store; the usual 20 % held out, so that the calls are
    measured), and the reminders' log becomes their members, carried over (an
    occasion already reminded is not reminded twice; they count in no result).
    """
    if not _table_exists(env.cr, "loop_care_reminder"):
        return
    ready = {
        kind: env.ref(f"five_customer_loop.loop_campaign_{kind}")
        for kind in ("win_back", "birthday", "follow_up")
    }
    for company in env["res.company"].search([]):
        for template in ready.values():
            campaign = (
                template
                if template.company_id == company
                else template.copy({"company_id": company.id, "name": template.name})
            )
            campaign.active = True
            campaign.with_company(company).action_start()
    env.flush_all()
    env.cr.execute(
        """
        INSERT INTO loop_campaign_member
               (campaign_id, partner_id, company_id, kind, user_id, holdout,
                enrol_date, occasion, activity_id, activity_user_id,
                activity_deadline, carried_over,
                create_uid, create_date, write_uid, write_date)
        SELECT k.id, r.partner_id, r.company_id, r.reason, p.loop_user_id, FALSE,
               r.create_date::date, r.occasion, r.activity_id, r.user_id,
               r.date_deadline, TRUE,
               r.create_uid, r.create_date, r.write_uid, r.write_date
          FROM loop_care_reminder r
          JOIN res_partner p ON p.id = r.partner_id
          JOIN loop_campaign k ON k.company_id = r.company_id
                              AND k.kind = r.reason AND k.state = 'running'
                              AND k.mode = 'event'
        ON CONFLICT DO NOTHING"""
    )
    # the log lives on in the members; its model is gone from the code
    env.cr.execute("DROP TABLE loop_care_reminder")


def _table_exists(cr, table):
    cr.execute("SELECT to_regclass(%s)", [table])
    return bool(cr.fetchone()[0])
