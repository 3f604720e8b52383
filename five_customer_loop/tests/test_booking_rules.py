from datetime import date, datetime, time

from odoo.tests import BaseCase

from ..lib import booking_rules as r


class TestBookingRules(BaseCase):
    def test_transitions(self):
        self.assertTrue(r.can_transition("booked", "confirmed"))
        self.assertTrue(r.can_transition("confirmed", "done"))
        self.assertTrue(r.can_transition("cancelled", "booked"))
        self.assertTrue(r.can_transition("done", "done"))
        self.assertFalse(r.can_transition("done", "cancelled"))
        self.assertFalse(r.can_transition("arrived", "no_show"))
        self.assertFalse(r.can_transition("no_show", "done"))

    def test_rebook_interval(self):
        # the first service due decides; zero means "no interval of its own"
        self.assertEqual(r.rebook_interval([0, 28, 21], 40.0, 30), (21, "service"))
        # else the customer's rhythm, rounded to whole days
        self.assertEqual(r.rebook_interval([0], 17.6, 30), (18, "customer"))
        # else the store's default
        self.assertEqual(r.rebook_interval([], 0.4, 30), (30, "default"))

    def test_proposed_start(self):
        self.assertEqual(
            r.proposed_local_start(date(2026, 6, 10), time(10, 30), 21),
            datetime(2026, 7, 1, 10, 30),
        )

    def test_overlaps(self):
        ten, eleven, noon = (datetime(2026, 6, 10, h) for h in (10, 11, 12))
        self.assertTrue(r.overlaps(ten, noon, eleven, noon))
        self.assertFalse(r.overlaps(ten, eleven, eleven, noon))  # back to back
        self.assertFalse(r.overlaps(eleven, noon, ten, eleven))

    def test_rate(self):
        self.assertEqual(r.rate(1, 3), 33.3)
        self.assertEqual(r.rate(2, 0), 0.0)
