"""Two visitors confirm the same time at the same moment, on real cursors:
one booking, and one clear refusal when Odoo retries the other request.

These tests commit: the store's online booking, Mei, her hours and the
service are set up in a committed transaction; ``_cleanup`` undoes them.
"""

from datetime import datetime

import psycopg2.errors
import pytz

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

# Monday 7 December 2026, 09:20 in Shanghai; the slot: Wednesday 14:00
NOW = "2026-12-07 01:20:00"
START = pytz.timezone("Asia/Shanghai").localize(datetime(2026, 12, 9, 14, 0))


@tagged("post_install", "-at_install")
class TestOnlineConcurrency(TransactionCase):
    freeze_time = NOW

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            company = env.ref("base.main_company")
            hours = env["loop.online.booking"]._create_hours(
                "Concurrent hours", "Asia/Shanghai", range(5), ((9, 18, "morning"),)
            )
            staff = env["res.users"].create(
                {
                    "name": "Concurrent Mei",
                    "login": "concurrent_mei",
                    "tz": "Asia/Shanghai",
                }
            )
            staff.write({"loop_book_online": True, "loop_calendar_id": hours.id})
            service = env["product.product"].create(
                {"name": "Concurrent Facial", "type": "service", "loop_bookable": True}
            )
            cls.data = {
                "company": company.id,
                "was_online": company.loop_online_booking,
                "tz": company.partner_id.tz,
                "calendar": hours.id,
                "staff": staff.id,
                "staff_partner": staff.partner_id.id,
                "service": service.id,
            }
            company.loop_online_booking = True
            company.partner_id.tz = "Asia/Shanghai"
            cr.commit()  # pylint: disable=invalid-commit
        cls.addClassCleanup(cls._cleanup)

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            events = SQL(
                "SELECT id FROM calendar_event WHERE loop_staff_id = %(staff)s",
                **cls.data,
            )
            people = SQL(
                "SELECT loop_partner_id FROM calendar_event"
                " WHERE loop_staff_id = %(staff)s",
                **cls.data,
            )
            cr.execute(SQL("SELECT ARRAY(%s)", people))
            partner_ids = cr.fetchone()[0]
            for query in (
                SQL(
                    "DELETE FROM mail_message WHERE model = 'calendar.event'"
                    " AND res_id IN (%s)",
                    events,
                ),
                SQL(
                    "DELETE FROM mail_followers WHERE res_model = 'calendar.event'"
                    " AND res_id IN (%s)",
                    events,
                ),
                SQL("DELETE FROM calendar_event WHERE id IN (%s)", events),
                SQL(
                    "DELETE FROM loop_customer WHERE partner_id = ANY(%s)", partner_ids
                ),
                SQL(
                    "DELETE FROM mail_followers WHERE partner_id = ANY(%s)", partner_ids
                ),
                SQL("DELETE FROM res_partner WHERE id = ANY(%s)", partner_ids),
            ):
                cr.execute(query)
            env["res.users"].browse(cls.data["staff"]).resource_ids.unlink()
            env["res.users"].browse(cls.data["staff"]).unlink()
            env["res.partner"].browse(cls.data["staff_partner"]).unlink()
            env["resource.calendar"].browse(cls.data["calendar"]).unlink()
            env["product.product"].browse(cls.data["service"]).product_tmpl_id.unlink()
            company = env["res.company"].browse(cls.data["company"])
            company.loop_online_booking = cls.data["was_online"]
            company.partner_id.tz = cls.data["tz"]
            cr.commit()  # pylint: disable=invalid-commit

    def _env(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, self.env.ref("base.public_user").id, {})

    def _request(self, env):
        """The store, service and staff member as the page passes them (the
        public page reads them with the rights it documents)."""
        return (
            env["res.company"].sudo().browse(self.data["company"]),
            env["product.product"].sudo().browse(self.data["service"]),
            env["res.users"].sudo().browse(self.data["staff"]),
        )

    def _book(self, env, name, mobile):
        return env["loop.online.booking"]._book(
            *self._request(env), START, name, mobile
        )

    @mute_logger("odoo.sql_db")
    def test_same_slot_two_visitors(self):
        env1, env2 = self._env(), self._env()
        # visitor 2's transaction starts now: it sees the time free
        Online2 = env2["loop.online.booking"]
        free = Online2._slots(*self._request(env2), START.date())
        self.assertIn(START, next(iter(free.values())))
        self._book(env1, "王芳", "13800138000")
        env1.cr.commit()
        # visitor 2 confirms from her old snapshot: PostgreSQL refuses the
        # stale transaction instead of letting it double book Mei
        with self.assertRaises(psycopg2.errors.SerializationFailure):
            self._book(env2, "李娜", "13900139000")
        env2.cr.rollback()
        env2.invalidate_all()
        # Odoo retries her request: the time is taken, she is told so
        with self.assertRaisesRegex(UserError, "no longer free"):
            self._book(env2, "李娜", "13900139000")
        env2.cr.rollback()
        env = self._env()
        self.assertEqual(
            env["calendar.event"]
            .sudo()
            .search_count([("loop_staff_id", "=", self.data["staff"])]),
            1,
        )
