"""Attract conversion per channel and month of entry, and channel costs.

Hand-built scenario (Asia/Shanghai, read on 2026-11-23). Social media, June
2026 (cost 1,200):

- Amy: reached 5 June; first visit 15 June (10 days); second visit 13 Sept,
  day 90 after the first: a retained newcomer.
- Bea: reached 10 June; first visit 30 June (20 days) with a second order the
  same day (the same visit); second visit 29 Sept, day 91: not retained.
- Cai: reached 20 June, never comes.
- Dee: walks in on 25 June and pays that day (not a prospect); second visit
  5 July (retained); a card on 10 July locks her in, 15 days after her first
  visit.
- Eva: reached 12 June; a visit on 14 June refunded in full on 16 June (no
  visit); first visit 22 June (10 days).

So: entered 5, prospects 4 (Amy, Bea, Cai, Eva), prospects who came 3, first
visits 4, retained 2 (Amy, Dee), locked in 1 (Dee); median days to the first
visit 10 (10, 20, 10), to the second 50 (90, 10), to Lock-in 15; 1,200 / 4 =
300 per first visit, 1,200 / 2 = 600 per retained newcomer; converted 3 / 4 =
75 %, retained 2 / 4 = 50 %.

No channel, July 2026: Fay pays on 3 July (a walk-in). Walk-in channel, August
2026: a cost of 500 and nobody came.
"""

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_cards import CardCase


@tagged("post_install", "-at_install")
class TestChannelConversion(CardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.social = cls.env.ref("five_customer_loop.channel_social_media")
        cls.walk_in = cls.env.ref("five_customer_loop.channel_walk_in")
        cls.Conversion = cls.env["loop.channel.conversion"]
        cls.Cost = cls.env["loop.channel.cost"]

    def reached(self, name, day, channel=None):
        """A person entered with ``channel`` at noon of local ``day``."""
        with freeze_time(f"{day} 04:00:00"):
            return self.env["res.partner"].create(
                {"name": name, "loop_channel_id": (channel or self.social).id}
            )

    def build(self):
        amy = self.reached("Amy", "2026-06-05")
        self.loop_order(amy, 300.0, "2026-06-15 15:00")
        self.loop_order(amy, 300.0, "2026-09-13 15:00")
        bea = self.reached("Bea", "2026-06-10")
        self.loop_order(bea, 300.0, "2026-06-30 15:00")
        self.loop_order(bea, 100.0, "2026-06-30 17:00")
        self.loop_order(bea, 300.0, "2026-09-29 15:00")
        self.reached("Cai", "2026-06-20")
        dee = self.reached("Dee", "2026-06-25")
        self.loop_order(dee, 300.0, "2026-06-25 15:00")
        self.loop_order(dee, 300.0, "2026-07-05 15:00")
        with freeze_time("2026-07-10 04:00:00"):
            self.env["loop.card"].issue_card(
                dee, self.gold, {"origin": "D-1"}, company_id=self.company.id
            )
        eva = self.reached("Eva", "2026-06-12")
        refunded = self.loop_order(eva, 300.0, "2026-06-14 15:00")
        self.loop_order(eva, -300.0, "2026-06-16 15:00", refund_of=refunded)
        self.loop_order(eva, 300.0, "2026-06-22 15:00")
        fay = self.customer("Fay")
        self.loop_order(fay, 200.0, "2026-07-03 15:00")
        self.Cost.create(
            {"channel_id": self.social.id, "month": "2026-06-17", "amount": 1200.0}
        )
        self.Cost.create(
            {"channel_id": self.walk_in.id, "month": "2026-08-01", "amount": 500.0}
        )
        return self.Conversion._rebuild(self.company)

    def row(self, rows, channel, month):
        found = rows.filtered(
            lambda r: r.channel_id == channel and str(r.month) == month
        )
        self.assertEqual(len(found), 1, f"one row of {channel.name} in {month}")
        return found

    def test_conversion_of_a_channel_month(self):
        rows = self.build()
        june = self.row(rows, self.social, "2026-06-01")
        self.assertEqual(
            (
                june.entered_count,
                june.prospect_count,
                june.prospect_first_count,
                june.first_visit_count,
                june.retained_count,
                june.lockin_count,
            ),
            (5, 4, 3, 4, 2, 1),
        )
        self.assertAlmostEqual(june.days_to_first, 10.0)
        self.assertAlmostEqual(june.days_to_second, 50.0)
        self.assertAlmostEqual(june.days_to_lockin, 15.0)
        self.assertAlmostEqual(june.first_visit_rate, 75.0)
        self.assertAlmostEqual(june.retained_rate, 50.0)
        self.assertAlmostEqual(june.cost, 1200.0)
        self.assertAlmostEqual(june.cost_per_first_visit, 300.0)
        self.assertAlmostEqual(june.cost_per_retained, 600.0)

    def test_walk_ins_and_costs_without_customers(self):
        rows = self.build()
        july = self.row(rows, self.env["loop.channel"], "2026-07-01")
        self.assertEqual(
            (july.entered_count, july.prospect_count, july.first_visit_count),
            (1, 0, 1),
        )
        self.assertEqual((july.retained_count, july.cost), (0, 0.0))
        august = self.row(rows, self.walk_in, "2026-08-01")
        self.assertEqual((august.entered_count, august.cost), (0, 500.0))
        # no first visit: no cost per first visit (shown empty, not divided by 0)
        self.assertEqual(august.cost_per_first_visit, 0.0)
        self.assertEqual(len(rows), 3)

    def test_costs_follow_at_once(self):
        rows = self.build()
        june = self.row(rows, self.social, "2026-06-01")
        cost = self.Cost.search([("channel_id", "=", self.social.id)])
        self.assertEqual(str(cost.month), "2026-06-01")  # kept on the 1st
        cost.amount = 1600.0
        self.assertAlmostEqual(june.cost_per_first_visit, 400.0)
        self.assertAlmostEqual(june.cost_per_retained, 800.0)
        # moved to another month: June costs nothing, July gets a row
        cost.month = "2026-07-20"
        self.assertEqual(june.cost, 0.0)
        july = self.Conversion.search(
            [("channel_id", "=", self.social.id), ("month", "=", "2026-07-01")]
        )
        self.assertAlmostEqual(july.cost, 1600.0)
        cost.unlink()
        self.assertEqual(july.cost, 0.0)

    def test_bad_costs_refused(self):
        with self.assertRaises(ValidationError):
            self.Cost.create(
                {"channel_id": self.social.id, "month": "2026-06-01", "amount": -5.0}
            )
        self.assertFalse(self.Cost.search([]))
        self.Cost.create(
            {"channel_id": self.social.id, "month": "2026-06-01", "amount": 5.0}
        )
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.Cost.create(
                    {
                        "channel_id": self.social.id,
                        "month": "2026-06-30",
                        "amount": 7.0,
                    }
                )

    def test_refresh_button_rebuilds_the_current_company(self):
        self.reached("Gia", "2026-10-02")
        self.assertFalse(self.Conversion.search([]))
        action = self.Conversion.action_refresh()
        self.assertEqual(action["tag"], "soft_reload")
        october = self.Conversion.search([("month", "=", "2026-10-01")])
        self.assertEqual((october.entered_count, october.prospect_count), (1, 1))
        self.assertEqual(october.channel_id, self.social)

    def test_monthly_report_page(self):
        self.build()
        wizard = self.env["loop.monthly.report.wizard"].create({"month": "2026-06-01"})
        report = self.env.ref("five_customer_loop.loop_monthly_report_action")
        wizard.with_context(discard_logo_check=True).action_print()
        html = report._render_qweb_html(report.id, wizard.ids)[0].decode()
        self.assertIn("Attract conversion", html)
        self.assertIn(self.social.name, html)
        self.assertIn("2 (50.0 %)", html)  # retained newcomers of 4 first visits
        self.assertIn("300.00", html)  # 1,200 per 4 first visits
        self.assertIn("600.00", html)  # per 2 retained newcomers
