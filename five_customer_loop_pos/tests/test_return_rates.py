"""Return rates (DOMAIN "Retention", family 2) on a hand-built March 2026.

Read on 2026-11-23 (Asia/Shanghai). Every order is a Facial Care at the test
shop; the cashier is the test user unless a done booking names the staff.

- Ann, new: 2 March (Anna's booking); back 31 May, day 90 (Bella's booking).
- Ben, new: 5 March, with a second order the same day (one visit); back 4
  June, day 91.
- Cat: visited 10 January; 10 and 25 March (both Anna's bookings, made on 1
  March); then nothing.
- Dan, new: a visit on 12 March refunded in full on 14 March (no visit);
  first visit 20 March; never back.
- Eve: first visit 1 December 2025; 15 March, when she books 15 April (a
  pre-booking); back on 15 April, day 31.
- Fay, new: first visit 18 March; she books on 19 March (the next day: a
  rebooking within 7 days, not a pre-booking) for 28 March, and comes.

March visits: Ann, Ben, Cat ×2, Dan, Eve, Fay ×2 = 8. New: Ann, Ben, Dan,
Fay = 4, back within 90 days: Ann, Fay = 2 (50 %). Back within 30 days: Cat
10 → 25 March, Fay 18 → 28 March = 2; 60: + Eve = 3; 90: + Ann = 4; 180: +
Ben = 5. Same staff within 90 days: Cat (Anna, Anna), Eve and Fay (cashier,
cashier); not Ann (Anna, then Bella) = 3 of 4. Pre-booked: Eve = 1;
rebooked within 7 days: Eve, Fay's 18 March = 2. Booking cycle of the Facial
Care for the March purchases: Cat 59 (10 Jan → 10 Mar), Cat 15, Eve 104, Fay
10 (Dan's refunded 12 March is no purchase) → median (15 + 59) / 2 = 37.
"""

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_bookings import BookingCase


@tagged("post_install", "-at_install")
class TestReturnRates(BookingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rate = cls.env["loop.return.rate"]

    def served(self, partner, day, staff, booked_on):
        """A booking made on ``booked_on``, done by ``staff`` on ``day``, paid."""
        with self.clock(f"{booked_on} 09:00"):
            booking = self.book(f"{day} 10:00", partner=partner, staff=staff)
        with self.clock(f"{day} 11:10"):
            booking.with_context(loop_no_rebook=True).action_loop_done()
        self.loop_order(partner, 300.0, f"{day} 11:20")

    def booked(self, partner, made_on, for_day):
        with self.clock(f"{made_on} 12:00"):
            return self.book(f"{for_day} 10:00", partner=partner, staff=self.bella)

    def build(self):
        self.ann = self.customer("Ann")
        self.served(self.ann, "2026-03-02", self.anna, "2026-02-20")
        self.served(self.ann, "2026-05-31", self.bella, "2026-05-20")
        self.ben = self.customer("Ben")
        self.loop_order(self.ben, 300.0, "2026-03-05 10:00")
        self.loop_order(self.ben, 80.0, "2026-03-05 16:00")
        self.loop_order(self.ben, 300.0, "2026-06-04 10:00")
        self.cat = self.customer("Cat")
        self.loop_order(self.cat, 300.0, "2026-01-10 10:00")
        self.served(self.cat, "2026-03-10", self.anna, "2026-03-01")
        self.served(self.cat, "2026-03-25", self.anna, "2026-03-01")
        self.dan = self.customer("Dan")
        refunded = self.loop_order(self.dan, 300.0, "2026-03-12 10:00")
        self.loop_order(self.dan, -300.0, "2026-03-14 10:00", refund_of=refunded)
        self.loop_order(self.dan, 300.0, "2026-03-20 10:00")
        self.eve = self.customer("Eve")
        self.loop_order(self.eve, 300.0, "2025-12-01 10:00")
        self.loop_order(self.eve, 300.0, "2026-03-15 10:00")
        self.booked(self.eve, "2026-03-15", "2026-04-15")
        self.loop_order(self.eve, 300.0, "2026-04-15 10:00")
        self.fay = self.customer("Fay")
        self.loop_order(self.fay, 300.0, "2026-03-18 10:00")
        self.booked(self.fay, "2026-03-19", "2026-03-28")
        self.loop_order(self.fay, 300.0, "2026-03-28 10:00")
        return self.Rate._rebuild(self.company, ["2026-03-01", "2026-06-01"])

    def ivy_converted(self):
        """Ivy, reached through social media on 2 July, pays on 10 July."""
        with freeze_time("2026-07-02 04:00:00"):
            ivy = self.env["res.partner"].create(
                {
                    "name": "Ivy",
                    "loop_channel_id": self.env.ref(
                        "five_customer_loop.channel_social_media"
                    ).id,
                }
            )
        self.loop_order(ivy, 300.0, "2026-07-10 10:00")
        return ivy

    def pick(self, rows, scope, month="2026-03-01", **keys):
        found = rows.filtered(
            lambda r: r.scope == scope
            and str(r.month) == month
            and all(r[k] == v for k, v in keys.items())
        )
        self.assertEqual(len(found), 1, f"one {scope} row of {month} {keys}")
        return found

    def counts(self, row):
        return (
            row.visit_count,
            row.new_count,
            row.new_returned_90,
            row.returned_30,
            row.returned_60,
            row.returned_90,
            row.returned_180,
            row.same_staff_90,
            row.prebook_count,
            row.rebook_7_count,
        )

    def test_company_rates(self):
        rows = self.build()
        march = self.pick(rows, "all")
        self.assertEqual(self.counts(march), (8, 4, 2, 2, 3, 4, 5, 3, 1, 2))
        self.assertAlmostEqual(march.new_retention_90, 50.0)
        self.assertAlmostEqual(march.revisit_30, 25.0)
        self.assertAlmostEqual(march.revisit_90, 50.0)
        self.assertAlmostEqual(march.revisit_180, 62.5)
        self.assertAlmostEqual(march.same_staff_rate, 75.0)
        self.assertAlmostEqual(march.prebook_rate, 12.5)
        self.assertAlmostEqual(march.rebook_rate, 25.0)
        # every window of March has closed (1 April + 180 days <= 23 November)
        self.assertTrue(march.final)
        # the store's row is the company's (one shop)
        store = self.pick(rows, "store", config_id=self.shop["config"])
        self.assertEqual(self.counts(store), self.counts(march))

    def test_staff_rates(self):
        rows = self.build()
        anna = self.pick(rows, "staff", user_id=self.anna)
        # Ann 2 March, Cat 10 and 25 March; back within 90 days: Ann, Cat's
        # 10 March; to Anna again: Cat only
        self.assertEqual(self.counts(anna), (3, 1, 1, 1, 1, 2, 2, 1, 0, 0))
        cashier = self.pick(rows, "staff", user_id=self.env.user)
        self.assertEqual(self.counts(cashier), (5, 3, 1, 1, 2, 2, 3, 2, 1, 2))
        # June: Ann's visit of 31 May is May's; Ben's 4 June is Ben's last
        june = self.pick(rows, "all", month="2026-06-01")
        self.assertEqual((june.visit_count, june.returned_180), (1, 0))
        self.assertFalse(june.final)  # its 180 days run to the end of December

    def test_service_rates_and_cycle(self):
        rows = self.build()
        facial = self.pick(rows, "service", product_id=self.service)
        self.assertEqual(self.counts(facial), (8, 4, 2, 2, 3, 4, 5, 3, 1, 2))
        self.assertAlmostEqual(facial.cycle_days, 37.0)

    def test_final_months_are_kept(self):
        rows = self.build()
        march = self.pick(rows, "all")
        june = self.pick(rows, "all", month="2026-06-01")
        # a late order lands in both months; only the open month follows it
        gus = self.customer("Gus")
        self.loop_order(gus, 300.0, "2026-03-30 10:00")
        self.loop_order(gus, 300.0, "2026-06-20 10:00")
        self.Rate._rebuild(self.company, ["2026-03-01", "2026-06-01"])
        self.assertTrue(march.exists())
        self.assertEqual(march.visit_count, 8)
        self.assertFalse(june.exists())
        june = self.Rate.search([("scope", "=", "all"), ("month", "=", "2026-06-01")])
        self.assertEqual(june.visit_count, 2)

    def test_nightly_rebuild_covers_the_last_year(self):
        self.loop_order(self.customer("Hal"), 300.0, "2026-10-05 10:00")
        with freeze_time("2026-11-23 04:00:00"):
            self.Rate._cron_rebuild()
        months = set(self.Rate.search([("scope", "=", "all")]).mapped("period"))
        self.assertEqual(months, {"2026-10"})  # months without visits have no row
        action = self.Rate.action_refresh()
        self.assertEqual(action["tag"], "soft_reload")

    def test_booking_made_the_next_day_is_no_prebooking(self):
        kim = self.customer("Kim")
        self.loop_order(kim, 300.0, "2026-03-03 10:00")
        with self.clock("2026-03-04 12:00"):
            self.book("2026-03-20 10:00", partner=kim)
        rows = self.Rate._rebuild(self.company, ["2026-03-01"])
        march = self.pick(rows, "all")
        self.assertEqual((march.prebook_count, march.rebook_7_count), (0, 1))

    def test_staff_kpis_show_return_rates(self):
        """Per staff member: back to the store and back to them within 90 days.

        March, computed now (no stored row) and then from the stored rows:
        Anna served 3 visits, 2 back within 90 days (66.7 %), 1 back to her
        (33.3 %); the cashier 5, 2 back (40 %), 2 back to them (40 %).
        """
        self.build()
        for stored in (False, True):
            if not stored:
                self.Rate.sudo().search([]).unlink()
            wizard = self.env["loop.staff.kpi.wizard"].create(
                {"date_from": "2026-03-01", "date_to": "2026-03-31"}
            )
            lines = {line.staff_id: line for line in wizard._compute_lines()}
            anna, cashier = lines[self.anna], lines[self.env.user]
            self.assertEqual(
                (anna.visit_count, anna.returned_90, anna.same_staff_90), (3, 2, 1)
            )
            self.assertAlmostEqual(anna.revisit_rate, 66.7)
            self.assertAlmostEqual(anna.same_staff_rate, 33.3)
            self.assertEqual(
                (cashier.visit_count, cashier.returned_90, cashier.same_staff_90),
                (5, 2, 2),
            )
            self.assertAlmostEqual(cashier.revisit_rate, 40.0)
            if not stored:
                self.Rate._rebuild(self.company, ["2026-03-01"])

    def test_dashboard_leads_with_what_moves(self):
        """Read on 15 July 2026: March is the last month whose 90 days have run
        out (50 % of 4 new customers back, 4 of 8 visits followed by another),
        June the last month ended (1 visit, not pre-booked); Ivy, reached on 2
        July, paid her first visit on 10 July: a prospect converted."""
        self.build()
        ivy = self.ivy_converted()
        with freeze_time("2026-07-15 04:00:00"):
            moves = self.env["loop.dashboard"].get_dashboard_data()["moves"]
        new = moves["new_retention"]
        self.assertEqual(
            (new["month"], new["numerator"], new["denominator"], new["rate"]),
            ("2026-03", 2, 4, 50.0),
        )
        self.assertEqual(new["reference"], 30.0)
        behind = self.env["res.partner"].search(new["opens"]["customers"])
        self.assertEqual(sorted(behind.mapped("name")), ["Ann", "Ben", "Dan", "Fay"])
        revisit = moves["revisit"]
        self.assertEqual(
            (revisit["numerator"], revisit["denominator"], revisit["rate"]),
            (4, 8, 50.0),
        )
        self.assertEqual(
            revisit["opens"]["rates"]["domain"], [("month", "=", "2026-03-01")]
        )
        prebook = moves["prebook"]
        self.assertEqual(
            (prebook["month"], prebook["numerator"], prebook["denominator"]),
            ("2026-06", 0, 1),
        )
        converted = moves["converted"]
        self.assertEqual((converted["month"], converted["count"]), ("2026-07", 1))
        self.assertEqual(
            self.env["res.partner"].search(converted["opens"]["customers"]), ivy
        )

    def test_dashboard_store_and_period(self):
        """The period selector shows one month's figures; the store filter the
        shop's rows. March: 2 of 4 new customers back, 4 of 8 visits followed
        by another within 90 days, 1 of 8 pre-booked; two prospects converted
        in March (Ann, booked on 20 February; Dan, whose first order was
        refunded). Ivy, a prospect reached on 2 July, converted in July at the
        shop, not at an empty second one."""
        self.build()
        self.ivy_converted()
        other = self.loop_shop(self.company, name="Second Shop", code="L2ND")
        Dashboard = self.env["loop.dashboard"]
        shop_id, other_id = self.shop["config"].id, other["config"].id
        with freeze_time("2026-07-15 04:00:00"):
            data = Dashboard.get_dashboard_data(month="2026-03-01")
            shop = Dashboard.get_dashboard_data(store_id=shop_id, month="2026-03-01")
            empty = Dashboard.get_dashboard_data(store_id=other_id, month="2026-03-01")
            july = Dashboard.get_dashboard_data(month="2026-07-01")
            july_shop = Dashboard.get_dashboard_data(
                store_id=shop_id, month="2026-07-01"
            )
            july_other = Dashboard.get_dashboard_data(
                store_id=other_id, month="2026-07-01"
            )
            with self.assertRaises(UserError):
                Dashboard.get_dashboard_data(month="2023-03-01")

        def figures(moves):
            return tuple(
                (
                    moves[key]["month"],
                    moves[key]["numerator"],
                    moves[key]["denominator"],
                )
                for key in ("new_retention", "revisit", "prebook")
            )

        march = (("2026-03", 2, 4), ("2026-03", 4, 8), ("2026-03", 1, 8))
        self.assertEqual(figures(data["moves"]), march)
        self.assertEqual(figures(shop["moves"]), march)
        self.assertEqual(
            figures(empty["moves"]),
            (("2026-03", 0, 0), ("2026-03", 0, 0), ("2026-03", 0, 0)),
        )
        self.assertIsNone(empty["moves"]["revisit"]["rate"])
        self.assertEqual(
            shop["moves"]["revisit"]["opens"]["rates"]["domain"],
            [
                ("month", "=", "2026-03-01"),
                ("scope", "=", "store"),
                ("config_id", "=", shop_id),
            ],
        )
        converted = data["moves"]["converted"]["opens"]["customers"]
        self.assertEqual(
            sorted(self.env["res.partner"].search(converted).mapped("name")),
            ["Ann", "Dan"],
        )
        self.assertEqual(shop["moves"]["converted"]["count"], 2)
        self.assertEqual(empty["moves"]["converted"]["count"], 0)
        self.assertEqual(july["moves"]["converted"]["count"], 1)
        self.assertEqual(july_shop["moves"]["converted"]["count"], 1)
        self.assertEqual(july_other["moves"]["converted"]["count"], 0)
        self.assertEqual({s["name"] for s in data["stores"]}, {"Shop", "Second Shop"})
        self.assertEqual(data["months"][0], "2026-07-01")
        self.assertEqual(len(data["months"]), 24)
