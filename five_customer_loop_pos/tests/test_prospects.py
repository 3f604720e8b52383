"""Prospects in Attract (DOMAIN "Prospects"): reached, no paid visit yet.

A person referred by a customer of the loop, booked for a visit, or entered
with an acquisition channel takes part in the loop at once, in Attract, marked
as a prospect and counted apart from first-time customers. A plain contact
stays out. The clock is the suite's (2026-11-23, noon in Shanghai).
"""

from freezegun import freeze_time

from odoo.tests import tagged

from .common_bookings import BookingCase


@tagged("post_install", "-at_install")
class TestProspects(BookingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.attract = cls.env.ref("five_customer_loop.stage_attract")
        cls.retain = cls.env.ref("five_customer_loop.stage_retain")
        cls.social = cls.env.ref("five_customer_loop.channel_social_media")
        cls.Partner = cls.env["res.partner"]
        cls.Customer = cls.env["loop.customer"]

    def row(self, partner, company=None):
        """The partner's row in the loop of ``company`` (empty if not in it)."""
        self.Customer.invalidate_model()
        return self.Customer.with_context(active_test=False).search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", (company or self.company).id),
            ]
        )

    def test_plain_contact_stays_out(self):
        supplier = self.Partner.create({"name": "Paper Supplier", "is_company": True})
        employee = self.Partner.create({"name": "Clerk", "parent_id": supplier.id})
        self.env["loop.engine"].run_all()
        self.assertFalse(self.row(supplier))
        self.assertFalse(self.row(employee))
        self.assertFalse(self.figures(employee).loop_stage_id)
        self.assertFalse(self.figures(employee).loop_prospect)

    def test_referred_friend_enters_at_once(self):
        referrer = self.customer("Referrer")
        self.loop_order(referrer, 300.0, "2026-11-01 10:00")
        friend = self.Partner.create(
            {"name": "Friend", "loop_referred_by_id": referrer.id}
        )
        row = self.row(friend)
        self.assertEqual(row.stage_id, self.attract)
        self.assertTrue(row.prospect)
        self.assertEqual(row.visit_count, 0)
        self.assertEqual(row.health, "none")
        self.assertTrue(self.figures(friend).loop_prospect)
        # the referrer brought one customer into the loop, none paying yet
        self.assertEqual(self.figures(referrer).loop_referral_count, 1)
        self.assertEqual(self.figures(referrer).loop_referral_paid_count, 0)

    def test_channel_makes_a_prospect_of_its_company(self):
        walk_in = self.Partner.create(
            {"name": "Enquiry", "loop_channel_id": self.social.id}
        )
        self.assertTrue(self.row(walk_in).prospect)
        self.assertEqual(self.row(walk_in).stage_id, self.attract)
        # a contact of another company is that company's prospect, not ours
        other = self.setup_other_company()["company"]
        theirs = self.Partner.create(
            {
                "name": "Their Enquiry",
                "loop_channel_id": self.social.id,
                "company_id": other.id,
            }
        )
        self.assertFalse(self.row(theirs))
        self.assertTrue(self.row(theirs, other).prospect)
        # a shared contact is the prospect of the company of the user who
        # entered it, not of every company (also after a nightly run)
        self.env["loop.engine"].run_all()
        self.assertFalse(self.row(walk_in, other))
        self.assertTrue(self.row(walk_in).prospect)
        # a channel given later enters the contact then
        later = self.Partner.create({"name": "Later"})
        self.assertFalse(self.row(later))
        later.loop_channel_id = self.social
        self.assertTrue(self.row(later).prospect)

    def test_booking_makes_a_prospect_of_the_store(self):
        newcomer = self.Partner.create({"name": "First Booking"})
        self.assertFalse(self.row(newcomer))
        self.book("2026-11-25 10:00", partner=newcomer)
        row = self.row(newcomer)
        self.assertTrue(row.prospect)
        self.assertEqual(row.stage_id, self.attract)

    def test_prospect_who_pays_is_a_first_time_customer(self):
        prospect = self.Partner.create(
            {"name": "Convert", "loop_channel_id": self.social.id}
        )
        self.loop_order(prospect, 300.0, "2026-11-20 15:00")
        row = self.row(prospect)
        self.assertFalse(row.prospect)
        self.assertEqual(row.visit_count, 1)
        self.assertEqual(row.stage_id, self.attract)
        # a second visit: retained, in Retain
        self.loop_order(prospect, 300.0, "2026-11-22 15:00")
        self.assertEqual(self.row(prospect).stage_id, self.retain)

    def test_refunded_only_visit_leaves_a_prospect(self):
        prospect = self.Partner.create(
            {"name": "Refunded", "loop_channel_id": self.social.id}
        )
        order = self.loop_order(prospect, 300.0, "2026-11-10 15:00")
        self.assertFalse(self.row(prospect).prospect)
        self.loop_order(prospect, -300.0, "2026-11-12 15:00", refund_of=order)
        row = self.row(prospect)
        self.assertEqual(row.visit_count, 0)
        self.assertTrue(row.prospect)

    def test_prospect_who_never_comes_is_not_lost(self):
        """No visit is no lapse: the prospect stays in Attract, health "no visit"."""
        prospect = self.Partner.create(
            {"name": "Never", "loop_channel_id": self.social.id}
        )
        with freeze_time("2027-11-23 04:00:00"):
            self.env["loop.engine"].run_all()
            row = self.row(prospect)
            self.assertEqual(row.stage_id, self.attract)
            self.assertEqual(row.health, "none")
            self.assertTrue(row.prospect)

    def test_dashboard_counts_prospects_apart(self):
        referrer = self.customer("Regular")
        self.loop_order(referrer, 300.0, "2026-11-01 10:00")
        self.loop_order(referrer, 300.0, "2026-11-15 10:00")
        once = self.customer("Once")
        self.loop_order(once, 300.0, "2026-11-02 10:00")
        self.Partner.create({"name": "P1", "loop_channel_id": self.social.id})
        self.Partner.create({"name": "P2", "loop_referred_by_id": referrer.id})
        self.book("2026-11-26 10:00", partner=self.Partner.create({"name": "P3"}))
        data = self.env["loop.dashboard"].get_dashboard_data()
        # Attract holds the three prospects and the one first-time customer
        attract = next(s for s in data["stages"] if s["id"] == self.attract.id)
        self.assertEqual(attract["count"], 4)
        self.assertEqual(data["prospects"]["count"], 3)
        self.assertEqual(data["first_timers"]["count"], 1)
        names = self.Partner.search(data["prospects"]["domain"]).mapped("name")
        self.assertEqual(sorted(names), ["P1", "P2", "P3"])
        self.assertEqual(
            self.Partner.search(data["first_timers"]["domain"]).mapped("name"), ["Once"]
        )
        # every headline figure is the count of the customers it opens
        for key in ("kept", "prospects", "first_timers", "at_risk", "due"):
            self.assertEqual(
                data[key]["count"], self.Partner.search_count(data[key]["domain"]), key
            )
        # the funnel's rows agree
        self.assertEqual(
            self.Customer.search_count(
                [("company_id", "=", self.company.id), ("prospect", "=", True)]
            ),
            3,
        )
