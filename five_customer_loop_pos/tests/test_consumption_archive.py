from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import LoopCase

TODAY = "2026-06-30 12:00:00"


@tagged("post_install", "-at_install")
class TestConsumptionArchive(LoopCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2020-01-01", 0.5)])
        cls.eur_shop = cls.loop_shop(cls.company, currency=cls.eur, name="Euro Shop")
        cls.company_2 = cls.setup_other_company(name="Second Store Co")["company"]
        cls.company_2._loop_create_default_tiers()
        cls.shop_2 = cls.loop_shop(cls.company_2, name="Second Shop")

    def _alice(self):
        alice = self.customer("Alice")
        self.loop_order(alice, 1000.0, "2025-05-10 10:00:00")
        self.loop_order(alice, 500.0, "2025-12-01 09:00:00")
        cream = self.loop_order(alice, 300.0, "2025-12-01 15:00:00", product=self.cream)
        # 07:00 in Shanghai is 23:00 UTC the day before: the visit is local 2 March
        self.loop_order(alice, 200.0, "2026-03-02 07:00:00")
        self.loop_order(
            alice, -300.0, "2026-04-01 11:00:00", product=self.cream, refund_of=cream
        )
        return alice

    def test_figures_hand_computed(self):
        alice = self._alice()
        with freeze_time(TODAY):
            self.env["loop.engine"].refresh_partners(alice)
        a = self.figures(alice)
        self.assertEqual(str(a.loop_first_visit), "2025-05-10")
        self.assertEqual(str(a.loop_last_visit), "2026-03-02")
        # 10 May, 1 Dec (two orders, one visit), 2 Mar; the refund day is no visit
        self.assertEqual(a.loop_visit_count, 3)
        # the 12-month window starts on 2025-07-01
        self.assertEqual(a.loop_visit_count_12m, 2)
        self.assertAlmostEqual(a.loop_spend_total, 1000 + 500 + 300 + 200 - 300)
        self.assertAlmostEqual(a.loop_spend_12m, 500 + 300 + 200 - 300)
        self.assertAlmostEqual(a.loop_avg_ticket, 566.67)
        # 296 days between the first and last visit over 2 intervals
        self.assertAlmostEqual(a.loop_avg_interval, 148.0)
        self.assertEqual(self.days_since(alice, TODAY), 120)
        self.assertEqual(str(a.loop_next_visit), "2026-07-28")
        # the service came back on 3 visits, the cream only once: 1 of 2 products
        self.assertAlmostEqual(a.loop_repurchase_rate, 50.0)
        self.assertIn("Facial Care", a.loop_top_products)

    def test_repurchase_lines_read_again_when_orders_change(self):
        """The lines of a customer's orders are read again when her orders
        change (their digest), not every night: paid POS orders are final."""
        alice = self._alice()
        engine = self.env["loop.engine"]
        with freeze_time(TODAY):
            engine.refresh_partners(alice)
            member = self.env["loop.customer"].search(
                [("partner_id", "=", alice.id), ("company_id", "=", self.company.id)]
            )
            self.assertAlmostEqual(member.repurchase_rate, 50.0)
            digest = member.orders_digest
            # her 5 paid orders (the refund is one): count, sum and hash of ids
            self.assertEqual(digest.split(":")[0], "5")
            # a rate changed behind the engine's back stays while her orders
            # are the same: their lines were not read again
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE loop_customer SET repurchase_rate = 12.5 WHERE id = %s",
                [member.id],
            )
            self.env.invalidate_all()
            engine.run_all()
            self.assertAlmostEqual(member.repurchase_rate, 12.5)
            self.assertEqual(member.orders_digest, digest)
            # a new order: the cream is bought again, 2 products of 2
            self.loop_order(alice, 300.0, "2026-06-01 10:00:00", product=self.cream)
            engine.refresh_partners(alice)
            self.assertAlmostEqual(member.repurchase_rate, 100.0)
            self.assertNotEqual(member.orders_digest, digest)

    def test_refunded_visit_is_no_visit(self):
        # the clock stands at 2026-11-23 (TEST_NOW)
        lost = self.env.ref("five_customer_loop.stage_lost")
        retain = self.env.ref("five_customer_loop.stage_retain")
        # a visit 200 days ago; one 30 days ago, refunded in full 10 days later
        gina = self.customer("Gina")
        self.loop_order(gina, 400.0, "2026-05-07 10:00:00")
        second = self.loop_order(gina, 300.0, "2026-10-24 10:00:00")
        self.loop_order(gina, -300.0, "2026-11-03 10:00:00", refund_of=second)
        # the nightly run of 23 November
        self.env["loop.engine"].run_all()
        g = self.figures(gina)
        self.assertEqual((g.loop_visit_count, g.loop_visit_count_12m), (1, 1))
        self.assertEqual(str(g.loop_last_visit), "2026-05-07")
        self.assertAlmostEqual(g.loop_spend_total, 400.0)
        # 200 days without a visit: lost, not in Retain
        self.assertEqual(self.days_since(gina, "2026-11-23 04:00:00"), 200)
        self.assertEqual((g.loop_health, g.loop_stage_id), ("lost", lost))
        # a visit refunded in part stays a visit; so does a day with another
        # order kept, and a refund is never a visit itself
        hu = self.customer("Hu")
        self.loop_order(hu, 400.0, "2026-10-01 10:00:00")
        part = self.loop_order(hu, 300.0, "2026-11-01 10:00:00")
        self.loop_order(hu, -100.0, "2026-11-05 10:00:00", refund_of=part)
        self.loop_order(hu, 200.0, "2026-11-10 10:00:00")
        gone = self.loop_order(hu, 250.0, "2026-11-10 15:00:00", product=self.cream)
        self.loop_order(hu, -250.0, "2026-11-12 10:00:00", refund_of=gone)
        h = self.figures(hu)
        # 1 Oct, 1 Nov (300 - 100), 10 Nov (200 kept, 250 refunded)
        self.assertEqual(h.loop_visit_count, 3)
        self.assertAlmostEqual(h.loop_spend_total, 400 + 300 - 100 + 200 + 250 - 250)
        self.assertEqual(str(h.loop_last_visit), "2026-11-10")
        self.assertEqual(h.loop_stage_id, retain)

    def test_paid_order_updates_at_once(self):
        bob = self.customer("Bob")
        self.loop_order(bob, 120.0, "2026-06-01 10:00:00")
        b = self.figures(bob)
        self.assertEqual(b.loop_visit_count, 1)
        self.assertAlmostEqual(b.loop_spend_total, 120.0)
        self.assertEqual(
            b.loop_stage_id, self.env.ref("five_customer_loop.stage_attract")
        )
        self.loop_order(bob, 80.0, "2026-06-05 10:00:00")
        b = self.figures(bob)
        self.assertEqual(b.loop_visit_count, 2)
        self.assertAlmostEqual(b.loop_spend_total, 200.0)
        self.assertEqual(
            b.loop_stage_id, self.env.ref("five_customer_loop.stage_retain")
        )

    def test_foreign_currency_in_company_currency(self):
        carl = self.customer("Carl")
        # 100 EUR at 0.5 EUR per company-currency unit = 200 in company currency
        self.loop_order(carl, 100.0, "2026-05-01 10:00:00", shop=self.eur_shop)
        self.assertAlmostEqual(self.figures(carl).loop_spend_total, 200.0)

    def test_each_company_sees_its_own_figures(self):
        alice = self._alice()
        self.loop_order(alice, 999.0, "2026-06-01 10:00:00", shop=self.shop_2)
        with freeze_time(TODAY):
            self.env["loop.engine"].refresh_partners(alice)
        self.assertAlmostEqual(self.figures(alice).loop_spend_total, 1700.0)
        self.assertEqual(self.figures(alice).loop_visit_count, 3)
        other = self.figures(alice, self.company_2)
        self.assertAlmostEqual(other.loop_spend_total, 999.0)
        self.assertEqual(other.loop_visit_count, 1)
        self.assertEqual(self.days_since(alice, TODAY, self.company_2), 29)

    def test_customer_without_orders(self):
        dora = (
            self.env["res.partner"]
            .with_context(loop_enroll=True)
            .create({"name": "Dora"})
        )
        d = self.figures(dora)
        self.assertEqual(
            d.loop_stage_id, self.env.ref("five_customer_loop.stage_attract")
        )
        self.assertEqual(d.loop_visit_count, 0)
        self.assertEqual(d.loop_spend_total, 0.0)
        self.assertFalse(d.loop_last_visit)
        self.env["loop.engine"].refresh_partners(dora)
        d = self.figures(dora)
        self.assertEqual(d.loop_health, "none")
        self.assertEqual(d.loop_segment, "new")
        self.assertEqual(
            d.loop_stage_id, self.env.ref("five_customer_loop.stage_attract")
        )

    def test_nightly_batch_refreshes_time_figures(self):
        alice = self._alice()
        with freeze_time(TODAY):
            self.env["loop.engine"].run_all()
        self.assertEqual(self.days_since(alice, TODAY), 120)
        with freeze_time("2026-07-10 12:00:00"):
            self.env["loop.engine"].run_all()
        a = self.figures(alice)
        self.assertEqual(self.days_since(alice, "2026-07-10 12:00:00"), 130)
        # 1 December 2025 and 2 March 2026 are still inside the window
        self.assertEqual(a.loop_visit_count_12m, 2)

    def test_birthday_in_future_refused(self):
        with freeze_time(TODAY), self.assertRaises(ValidationError):
            self.customer("Eve", loop_birthday="2026-07-01")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Eve")]))
