"""Completing bookings: the reverse appointment after the customer's paid visits."""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.five_customer_loop.tests.common_bookings import utc
from odoo.addons.five_customer_loop.tests.refusal import RefusalMixin
from odoo.addons.five_customer_loop.tests.test_booking_visits import (
    BookingVisitCase,
)

from .common_bookings import BookingCase


@tagged("post_install", "-at_install")
class TestBookingVisits(RefusalMixin, BookingVisitCase, BookingCase):
    # ----------------------------------------------------- reverse appointment
    def test_rebook_from_the_customer_rhythm_or_the_default(self):
        # Alice came on 5 Jan, 14 Feb and 26 Mar: 80 days over 2 intervals = 40
        for day in ("2026-01-05", "2026-02-14", "2026-03-26"):
            self.loop_order(self.alice, 300.0, f"{day} 10:00:00")
        self.assertEqual(self.figures(self.alice).loop_avg_interval, 40.0)
        massage = [Command.set(self.massage.ids)]
        booking = self._visit(loop_service_ids=massage)
        form = self._wizard(booking)
        self.assertEqual((form.interval_days, form.interval_source), (40, "customer"))
        # 10 June + 40 days = 20 July
        self.assertEqual(form.start, utc("2026-07-20 10:00"))

        # Bob never came: the store's default, 30 days unless set otherwise
        bob_visit = self._visit(
            "2026-06-10 14:00",
            "2026-06-10 15:00",
            partner=self.bob,
            loop_service_ids=massage,
        )
        form = self._wizard(bob_visit, "2026-06-10 15:01")
        self.assertEqual((form.interval_days, form.interval_source), (30, "default"))
        self.assertEqual(form.start, utc("2026-07-10 14:00"))
        self.company.loop_rebook_default_days = 45
        form = self._wizard(bob_visit, "2026-06-10 15:01")
        self.assertEqual(form.start, utc("2026-07-25 14:00"))
