"""The customer's own page: her bookings, cards and visits, and nobody
else's (a visitor, two portal customers)."""

from datetime import datetime

import pytz
from freezegun import freeze_time

from odoo import Command, http
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.five_customer_loop.tests.common_cards import CardCase

# Monday 7 December 2026, 09:20 in Shanghai
NOW = "2026-12-07 01:20:00"


@tagged("post_install", "-at_install")
class TestPortal(CardCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.loop_online_cancel_hours = 24
        cls.staff = cls.company_user("mei", name="Mei")
        cls.anna_user, cls.bea_user = (
            new_test_user(
                cls.env,
                login=login,
                name=name,
                groups="base.group_portal",
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
                tz="Asia/Shanghai",
            )
            for login, name in (("anna", "Anna"), ("bea", "Bea"))
        )
        cls.anna, cls.bea = cls.anna_user.partner_id, cls.bea_user.partner_id
        cls.Event = cls.env["calendar.event"]

    def setUp(self):
        super().setUp()
        self.gold_anna = self.issue(self.gold, self.anna, when="2026-11-01")
        self.package_anna = self.issue(self.package, self.anna, when="2026-11-01")
        self.gold_bea = self.issue(self.gold, self.bea, when="2026-11-01")
        self.issue(self.package, self.bea, when="2026-11-01")
        self.far = self.booking(self.anna, "2026-12-10 02:00:00")  # Thu 10:00
        self.near = self.booking(self.anna, "2026-12-07 08:00:00")  # today 16:00
        self.bea_booking = self.booking(self.bea, "2026-12-10 06:00:00")

    def booking(self, partner, start):
        return self.Event.create(
            {
                "is_loop_booking": True,
                "loop_partner_id": partner.id,
                "loop_staff_id": self.staff.id,
                "loop_service_ids": [Command.set(self.service.ids)],
                "loop_company_id": self.company.id,
                "start": start,
            }
        )

    # ----------------------------------------------------------- the rules
    def test_portal_customers_read_their_own_only(self):
        for user, own, other in (
            (self.anna_user, self.anna, self.bea),
            (self.bea_user, self.bea, self.anna),
        ):
            env = self.env(user=user)
            for model in ("loop.card", "loop.card.move", "loop.card.session"):
                with self.subTest(user=user.login, model=model):
                    rows = env[model].search([])
                    self.assertTrue(rows)
                    self.assertEqual(rows.partner_id, own)
            bookings = env["calendar.event"].search([("is_loop_booking", "=", True)])
            self.assertEqual(bookings.loop_partner_id, own)
            other_card = self.env["loop.card"].search([("partner_id", "=", other.id)])
            with self.assertRaises(AccessError):
                other_card.with_user(user).read(["balance"])
            with self.assertRaises(AccessError):
                env["loop.card"].create({"partner_id": own.id, "type_id": self.gold.id})

    def test_pages_of_another_customer_are_not_found(self):
        self.authenticate("anna", "anna")
        own = self.url_open(f"/my/loop/card/{self.gold_anna.id}")
        self.assertEqual(own.status_code, 200)
        self.assertIn(self.gold_anna.code, own.text)
        self.assertEqual(
            self.url_open(f"/my/loop/card/{self.gold_bea.id}").status_code, 404
        )
        page = self.url_open("/my/loop")
        self.assertNotIn(self.gold_bea.code, page.text)
        # cancelling Bea's booking: not found, nothing changes
        with freeze_time(NOW, tick=True):
            response = self.url_open(
                f"/my/loop/booking/{self.bea_booking.id}/cancel",
                data={"csrf_token": http.Request.csrf_token(self)},
            )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.bea_booking.loop_state, "booked")

    def test_a_visitor_is_sent_to_log_in(self):
        response = self.url_open("/my/loop", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_cancellation_window(self):
        Online = self.env["loop.online.booking"].with_user(self.anna_user)
        with freeze_time(NOW):
            # today 16:00 is less than 24 hours away: refused, unchanged
            with self.assertRaisesRegex(UserError, "less than 24 hours"):
                Online._cancel(self.near)
            self.assertEqual(self.near.loop_state, "booked")
            Online._cancel(self.far)
        self.assertEqual(self.far.loop_state, "cancelled")

    def test_move_a_booking(self):
        """Anna moves Thursday's 10:00 to 11:00 (overlapping its old time: the
        old one frees it first); today's booking cannot be moved."""
        self.company.loop_online_booking = True
        hours = self.env["loop.online.booking"]._create_hours(
            "Salon hours", "Asia/Shanghai", range(5), ((9, 18, "morning"),)
        )
        self.staff.write({"loop_book_online": True, "loop_calendar_id": hours.id})
        Online = self.env["loop.online.booking"].with_user(self.anna_user)
        start = pytz.timezone("Asia/Shanghai").localize(datetime(2026, 12, 10, 11))
        with freeze_time(NOW):
            moved = Online._book(
                self.company, self.service, self.staff, start, "", "", replace=self.far
            )
            self.assertEqual(str(moved.start), "2026-12-10 03:00:00")
            self.assertEqual(moved.loop_partner_id, self.anna)
            self.assertEqual(self.far.loop_state, "cancelled")
            # inside the window: refused, nothing written
            count = self.Event.search_count([])
            with self.assertRaisesRegex(UserError, "less than 24 hours"):
                Online._book(
                    self.company,
                    self.service,
                    self.staff,
                    start,
                    "",
                    "",
                    replace=self.near,
                )
            self.assertEqual(self.Event.search_count([]), count)
            self.assertEqual(self.near.loop_state, "booked")

    # ------------------------------------------------------------ the page
    def test_tour_balance_sessions_cancel(self):
        with freeze_time(NOW, tick=True):
            self.start_tour("/my/loop", "five_customer_loop_portal", login="anna")
        self.assertEqual(self.far.loop_state, "cancelled")
        self.assertEqual(self.near.loop_state, "booked")
