"""Visit plan (到店规划), booking habits of customers and booking peaks."""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.five_customer_loop.tests.common_bookings import utc

from .common_bookings import BookingCase


@tagged("post_install", "-at_install")
class TestBookingPlan(BookingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice.loop_user_id = cls.anna
        cls.bob.loop_user_id = cls.anna
        cls.carol = cls.customer("Carol")
        cls.dave = cls.customer("Dave")
        cls.erin = cls.customer("Erin")
        cls.frank = cls.customer("Frank")
        cls.everyone = cls.alice | cls.bob | cls.carol | cls.dave | cls.erin | cls.frank

    def _orders(self):
        """Visits, and the next visit each customer is expected (last + interval).

        - Alice: 1 May, 31 May: every 30 days, expected 30 June (today).
        - Bob: 1 June, 6 June: every 5 days, expected 11 June (past).
        - Carol: 1 April, 20 June: every 80 days, expected 8 September.
        - Dave: 15 May, 1 June: every 17 days, expected 18 June (past).
        - Erin: 10 June, 27 June: every 17 days, expected 14 July.
        - Frank never came.
        """
        for partner, days in (
            (self.alice, ("2026-05-01", "2026-05-31")),
            (self.bob, ("2026-06-01", "2026-06-06")),
            (self.carol, ("2026-04-01", "2026-06-20")),
            (self.dave, ("2026-05-15", "2026-06-01")),
            (self.erin, ("2026-06-10", "2026-06-27")),
        ):
            for day in days:
                self.loop_order(partner, 200.0, f"{day} 10:00:00")
        expected = {p.name: str(self.figures(p).loop_next_visit) for p in self.everyone}
        self.assertEqual(
            expected,
            {
                "Alice": "2026-06-30",
                "Bob": "2026-06-11",
                "Carol": "2026-09-08",
                "Dave": "2026-06-18",
                "Erin": "2026-07-14",
                "Frank": "False",
            },
        )

    def _due(self):
        self.everyone.invalidate_recordset()
        return self.everyone.filtered("loop_due_for_visit")

    def test_due_for_visit(self):
        self._orders()
        with self.clock("2026-06-20 09:00"):
            # Bob has a visit to come; Dave's future booking is cancelled
            bob_next = self.book("2026-07-02 10:00", partner=self.bob)
            cancelled = self.book("2026-07-03 10:00", partner=self.dave)
            cancelled.with_user(self.anna).action_loop_cancel()
        with self.clock("2026-06-30 09:00"):
            # expected by 7 July at the latest, with no visit booked
            self.assertEqual(self._due(), self.alice | self.dave)
            Partner = self.env["res.partner"]
            self.assertEqual(
                Partner.search(
                    [("loop_due_for_visit", "=", True), ("id", "in", self.everyone.ids)]
                ),
                self.alice | self.dave,
            )
            self.assertEqual(
                Partner.search(
                    [
                        ("loop_due_for_visit", "!=", True),
                        ("id", "in", self.everyone.ids),
                    ]
                ),
                self.bob | self.carol | self.erin | self.frank,
            )
            self.bob.invalidate_recordset()
            self.assertEqual(self.bob.loop_next_booking_date, utc("2026-07-02 10:00"))
            self.assertEqual(self.bob.loop_next_booking_id, bob_next)
            self.assertFalse(self.dave.loop_next_booking_date)
            # a two-week window brings Erin in (expected 14 July)
            self.company.loop_visit_due_days = 14
            self.assertEqual(self._due(), self.alice | self.dave | self.erin)

    def test_lost_customer_is_not_due_and_dashboard_agrees(self):
        """One definition of "due" and of "kept": the list, the dashboard, the plan.

        Gina came on 1 and 20 November 2025 (every 19 days): expected on
        9 December, overdue, but 222 days without a visit on 30 June is more
        than 180: she is lost, a win-back call, not a visit to plan. Her visits
        are within 12 months, yet a lost customer is not a kept one.
        """
        self._orders()
        gina = self.customer("Gina")
        for day in ("2025-11-01", "2025-11-20"):
            self.loop_order(gina, 200.0, f"{day} 10:00:00")
        Partner = self.env["res.partner"]
        with self.clock("2026-06-30 09:00"):
            self.env["loop.engine"].run_all()
            self.assertEqual(self.figures(gina).loop_stage_id.is_lost, True)
            self.assertEqual(str(self.figures(gina).loop_next_visit), "2025-12-09")
            gina.invalidate_recordset()
            self.assertFalse(gina.loop_due_for_visit)
            self.assertEqual(self._due(), self.alice | self.bob | self.dave)
            data = self.env["loop.dashboard"].get_dashboard_data()
            self.assertEqual(data["due_days"], 7)
            shown = self.everyone | gina
            self.assertEqual(
                Partner.search(data["due"]["domain"]) & shown,
                self.alice | self.bob | self.dave,
            )
            kept = Partner.search(data["kept"]["domain"])
            self.assertEqual(kept & shown, shown - self.frank - gina)
            # every figure is the count of the list it opens
            for key in ("kept", "prospects", "first_timers", "at_risk", "due"):
                self.assertEqual(
                    data[key]["count"], Partner.search_count(data[key]["domain"]), key
                )
            for row in data["stages"] + data["tiers"]:
                self.assertEqual(
                    row["count"], Partner.search_count(row["domain"]), row["name"]
                )

    def test_cron_invites_due_customers_once(self):
        self._orders()
        visit_due = self.env.ref("five_customer_loop.mail_activity_type_visit_due")

        def activities():
            return self.env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", self.everyone.ids),
                    ("activity_type_id", "=", visit_due.id),
                ]
            )

        with self.clock("2026-06-30 09:00"):
            self.env["res.partner"]._cron_loop_visit_plan()
            # Anna is asked to call Alice and Bob; Dave has no responsible staff
            self.assertEqual(
                sorted(
                    (a.res_id, a.user_id, str(a.date_deadline)) for a in activities()
                ),
                [
                    (self.alice.id, self.anna, "2026-06-30"),
                    (self.bob.id, self.anna, "2026-06-30"),
                ],
            )
            self.env["res.partner"]._cron_loop_visit_plan()
            self.assertEqual(len(activities()), 2)
        with self.clock("2026-07-01 09:00"):
            self.book("2026-07-03 10:00")
            self.assertNotIn(self.alice, self._due())

    def test_no_show_and_cancellation_rates(self):
        with self.clock("2026-06-01 09:00"):
            bookings = [
                self.book(f"2026-06-{day} 10:00").with_user(self.anna)
                for day in (10, 11, 12, 13, 30)
            ]
        with self.clock("2026-06-20 09:00"):
            for booking in bookings[:2]:
                booking.with_context(loop_no_rebook=True).action_loop_done()
            bookings[2].action_loop_no_show()
            bookings[3].action_loop_cancel()
            self.alice.invalidate_recordset()
            # 4 bookings are over (2 done, 1 no-show, 1 cancelled), 1 to come
            self.assertEqual(self.alice.loop_booking_count, 5)
            self.assertEqual(self.alice.loop_no_show_rate, 25.0)
            self.assertEqual(self.alice.loop_cancel_rate, 25.0)
            self.assertEqual(self.alice.loop_next_booking_date, utc("2026-06-30 10:00"))
            self.assertEqual(self.bob.loop_no_show_rate, 0.0)

    def test_peak_report(self):
        with self.clock("2026-06-01 09:00"):
            self.book("2026-06-10 10:00")  # Wednesday 10:00
            self.book("2026-06-10 10:30", partner=self.bob, staff=self.bella)
            self.book("2026-06-13 15:00")  # Saturday 15:00
            # Sunday 07:30 in Shanghai is Saturday 23:30 UTC
            self.book(
                "2026-06-14 07:30",
                loop_service_ids=[Command.set((self.service | self.massage).ids)],
            )
            self.book("2026-06-08 09:00").with_user(self.anna).action_loop_cancel()
        Peak = self.env["loop.booking.peak.report"]
        kept = [("state", "not in", ("cancelled", "no_show"))]
        self.assertEqual(
            Peak._read_group(kept, ["weekday", "hour"], ["__count", "duration:sum"]),
            [("3", "10", 2, 2.0), ("6", "15", 1, 1.0), ("7", "07", 1, 1.5)],
        )
        self.assertEqual(
            Peak._read_group([], ["weekday", "state"], ["__count"])[0],
            ("1", "cancelled", 1),
        )
        self.assertEqual(
            Peak._read_group(kept, ["staff_id"], ["__count"]),
            [(self.anna, 3), (self.bella, 1)],
        )
