"""Two tills booking the same staff member at the same moment, on real cursors.

These tests commit: their customer and service are created in their own
committed transaction; ``_cleanup`` removes them and the bookings with SQL.
"""

from datetime import datetime

import psycopg2.errors

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from .common import TEST_NOW

START = datetime(2031, 3, 4, 2, 0)


@tagged("post_install", "-at_install")
class TestBookingConcurrency(TransactionCase):
    freeze_time = TEST_NOW

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            partner = env["res.partner"].create({"name": "Concurrent Customer"})
            service = env["product.product"].create(
                {"name": "Concurrent Facial", "type": "service", "loop_duration": 1.0}
            )
            cls.data = {
                "partner": partner.id,
                "service": service.id,
                "staff": env.ref("base.user_admin").id,
            }
            cr.commit()  # pylint: disable=invalid-commit
        cls.addClassCleanup(cls._cleanup)

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            events = SQL(
                "SELECT id FROM calendar_event WHERE loop_partner_id = %(partner)s",
                **cls.data,
            )
            for query in (
                SQL(
                    "DELETE FROM mail_message WHERE model = 'calendar.event' "
                    "AND res_id IN (%s)",
                    events,
                ),
                SQL(
                    "DELETE FROM mail_followers WHERE res_model = 'calendar.event' "
                    "AND res_id IN (%s)",
                    events,
                ),
                SQL("DELETE FROM calendar_event WHERE id IN (%s)", events),
                SQL("DELETE FROM product_product WHERE id = %(service)s", **cls.data),
                SQL(
                    """DELETE FROM product_template WHERE id NOT IN
                       (SELECT product_tmpl_id FROM product_product)""",
                ),
                SQL("DELETE FROM res_partner WHERE id = %(partner)s", **cls.data),
            ):
                cr.execute(query)
            cr.commit()  # pylint: disable=invalid-commit

    def _env(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def _book(self, env, start):
        return env["calendar.event"].create(
            {
                "loop_partner_id": self.data["partner"],
                "loop_staff_id": self.data["staff"],
                "loop_service_ids": [Command.set([self.data["service"]])],
                "start": start,
                "alarm_ids": [],
            }
        )

    @mute_logger("odoo.sql_db")
    def test_stale_till_must_retry_and_then_sees_the_booking(self):
        env1, env2 = self._env(), self._env()
        # till 2's transaction starts now: it sees a free staff member
        self.assertFalse(
            env2["calendar.event"].search(
                [("loop_staff_id", "=", self.data["staff"]), ("start", "=", START)]
            )
        )
        self._book(env1, START)
        env1.cr.commit()
        # till 2 books the same time from its old snapshot: PostgreSQL refuses
        # the stale transaction instead of letting it double book
        with self.assertRaises(psycopg2.errors.SerializationFailure):
            self._book(env2, START)
        env2.cr.rollback()
        env2.invalidate_all()
        # Odoo retries the request: the booking of till 1 is now in the way
        with self.assertRaisesRegex(ValidationError, "is already booked"):
            self._book(env2, START)
        env2.cr.rollback()
        env = self._env()
        self.assertEqual(
            env["calendar.event"].search_count(
                [("loop_partner_id", "=", self.data["partner"])]
            ),
            1,
        )
