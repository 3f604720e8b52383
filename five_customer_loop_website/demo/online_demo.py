"""Demo: the chain's first store takes bookings on its website (in Chinese
when the language is loaded, as ``make run`` does).

Its beauticians (the demo's ``staff1`` … users) are bookable online, on the
salon's opening hours, every day 10:00-13:00 and 14:00-20:00; the first one is
off the day after tomorrow. A customer holding cards has her own page.
"""

from datetime import datetime, time, timedelta

import pytz

from odoo import Command, fields


def load(env):
    company = env.company
    staff = env["res.users"].search([("login", "=like", "staff%")], order="login")
    if not staff:
        return
    hours = env["loop.online.booking"]._create_hours(
        "营业时间 10:00-20:00",
        company._loop_tz(),
        range(7),
        ((10, 13, "morning"), (14, 20, "afternoon")),
        company=company,
    )
    company.write({"loop_online_booking": True, "loop_online_lead_hours": 2.0})
    # a Chinese chain: its website speaks Chinese first
    chinese = env["res.lang"]._lang_get("zh_CN")
    if chinese.active:
        website = env["website"].get_current_website()
        website.language_ids |= chinese
        website.default_lang_id = chinese
    staff.write({"loop_book_online": True, "loop_calendar_id": hours.id})
    zone = pytz.timezone(company._loop_tz())
    off = company._loop_today() + timedelta(days=2)
    env["resource.calendar.leaves"].create(
        {
            "name": "调休",
            "calendar_id": hours.id,
            "resource_id": staff[0].resource_ids.id,
            "date_from": _utc(zone, datetime.combine(off, time())),
            "date_to": _utc(zone, datetime.combine(off + timedelta(days=1), time())),
        }
    )
    portal_customer(env)


def portal_customer(env):
    """A customer with cards and a booking to come gets her page (login and
    password ``customer``), in Chinese."""
    env.cr.execute(
        """SELECT c.partner_id FROM loop_card c
            WHERE c.state = 'active'
              AND EXISTS (SELECT 1 FROM calendar_event e
                           WHERE e.loop_partner_id = c.partner_id
                             AND e.is_loop_booking AND e.start > %s
                             AND e.loop_state IN ('booked', 'confirmed'))
            GROUP BY c.partner_id ORDER BY COUNT(*) DESC, c.partner_id LIMIT 1""",
        [fields.Datetime.now()],
    )
    row = env.cr.fetchone()
    if not row or env["res.users"].search_count([("login", "=", "customer")]):
        return
    partner = env["res.partner"].browse(row[0])
    lang = env["res.lang"]._lang_get("zh_CN")
    env["res.users"].with_context(no_reset_password=True).create(
        {
            "login": "customer",
            "password": "customer",
            "partner_id": partner.id,
            "groups_id": [Command.set(env.ref("base.group_portal").ids)],
            "lang": lang.code if lang.active else "en_US",
            "tz": "Asia/Shanghai",
        }
    )


def _utc(zone, local):
    return zone.localize(local).astimezone(pytz.utc).replace(tzinfo=None)
