"""Staff KPIs of June 2026, every figure computed by hand."""

from odoo.tests import tagged

from odoo.addons.five_customer_loop.tests.common_bookings import utc

from .common_bookings import BookingCase


@tagged("post_install", "-at_install")
class TestStaffKpis(BookingCase):
    def _customers(self):
        """Owned customers and their paid visits.

        Anna owns Cathy, Dora, Emma and Gina; Bella owns Fiona. The end of
        the period is 30 June 2026, so "a year before" is 30 June 2025: active
        then means a visit from 1 July 2024 to 30 June 2025, active now a visit
        from 1 July 2025 to 30 June 2026.

        - Cathy: 1 Mar 2025 and 5 Jun 2026: active then and now (retained).
        - Dora: 1 May 2025 only: active then, lost now.
        - Emma: first visit 12 Jun 2026: a new customer of June.
        - Gina: 15 Jun 2024 only: just outside the earlier window.
        - Fiona: first visit 20 Jun 2026: Bella's new customer.
        """
        visits = {
            "Cathy": (self.anna, ("2025-03-01", "2026-06-05")),
            "Dora": (self.anna, ("2025-05-01",)),
            "Emma": (self.anna, ("2026-06-12",)),
            "Gina": (self.anna, ("2024-06-15",)),
            "Fiona": (self.bella, ("2026-06-20",)),
        }
        for name, (staff, days) in visits.items():
            partner = self.customer(name, loop_user_id=staff.id)
            for day in days:
                self.loop_order(partner, 300.0, f"{day} 10:00:00")

    def _bookings(self):
        """June bookings of Anna and Bella (customers Alice and Bob).

        Anna: done 10 June (rebooked 5 minutes later), done 11 June (not
        rebooked), no-show 12 June, cancelled 13 June, booked 29 June; done 30
        May and booked 1 July 07:00 local (30 June 23:00 UTC) are outside June.
        Bella: done 15 June, its next booking made two days later.
        """
        with self.clock("2026-05-01 09:00"):
            b0 = self.book("2026-05-30 10:00")
            b1 = self.book("2026-06-10 10:00")
            b2 = self.book("2026-06-11 10:00", partner=self.bob)
            b3 = self.book("2026-06-12 10:00")
            b4 = self.book("2026-06-13 10:00")
            self.book("2026-06-29 10:00")
            self.book("2026-07-01 07:00")
            b7 = self.book("2026-06-15 10:00", partner=self.bob, staff=self.bella)
        with self.clock("2026-05-30 11:00"):
            self._done(b0, self.anna)
        with self.clock("2026-06-10 11:10"):
            self._done(b1, self.anna)
        with self.clock("2026-06-10 11:15"):
            wizard = (
                self.env(user=self.anna)["loop.rebook.wizard"]
                .with_context(default_event_id=b1.id)
                .create({})
            )
            wizard.action_book()
        with self.clock("2026-06-11 11:00"):
            self._done(b2, self.anna)
        with self.clock("2026-06-12 11:00"):
            b3.with_user(self.anna).action_loop_no_show()
            b4.with_user(self.anna).action_loop_cancel()
        with self.clock("2026-06-15 11:00"):
            self._done(b7, self.bella)
        with self.clock("2026-06-17 11:00"):
            late = self.book("2026-07-06 10:00", partner=self.bob, staff=self.bella)
            late.loop_rebooked_from_id = b7
        return b1, b2, b7

    def _done(self, booking, staff):
        booking.with_user(staff).with_context(loop_no_rebook=True).action_loop_done()

    def _care(self, b1, b2, b7):
        """Ratings 5 and 4 for Anna's June visits, 3 for Bella's.

        Anna also wrote a done care record without rating on 20 June and a
        cancelled one rated 1; Anna's May visit is outside the period.
        """
        for booking, stars in ((b1, "5"), (b2, "4"), (b7, "3")):
            booking.loop_care_record_ids.satisfaction = stars
        Care = self.env(user=self.anna)["loop.care.record"]
        Care.create(
            {
                "partner_id": self.alice.id,
                "product_id": self.service.id,
                "date": utc("2026-06-20 15:00"),
                "state": "done",
            }
        )
        Care.create(
            {
                "partner_id": self.alice.id,
                "product_id": self.service.id,
                "date": utc("2026-06-21 15:00"),
                "satisfaction": "1",
            }
        ).action_cancel()

    def _report(self, date_from="2026-06-01", date_to="2026-06-30"):
        wizard = self.env["loop.staff.kpi.wizard"].create(
            {"date_from": date_from, "date_to": date_to, "company_id": self.company.id}
        )
        wizard._compute_lines()
        return wizard

    def test_staff_kpis_of_june(self):
        self._customers()
        self._care(*self._bookings())
        with self.clock("2026-07-02 09:00"):
            wizard = self._report()
        lines = {line.staff_id: line for line in wizard.line_ids}
        # the cashier served the visits paid at the till without a done booking:
        # a line of visits served (its return rates: test_return_rates), no
        # customers, bookings or sessions
        cashier = lines.pop(self.env.user)
        self.assertEqual(set(lines), {self.anna, self.bella})
        self.assertEqual(
            (cashier.customer_count, cashier.booking_count, cashier.session_count),
            (0, 0, 0),
        )
        self.assertGreater(cashier.visit_count, 0)
        self.assertRecordValues(
            lines[self.anna],
            [
                {
                    # Cathy, Dora, Emma, Gina
                    "customer_count": 4,
                    # Emma came first on 12 June
                    "new_customer_count": 1,
                    # Cathy and Dora a year before; Cathy still: 1 / 2
                    "active_before_count": 2,
                    "retained_count": 1,
                    "retention_rate": 50.0,
                    # 10, 11, 12, 13 and 29 June
                    "booking_count": 5,
                    "done_count": 2,
                    # 10 June rebooked within a day: 1 / 2
                    "rebooked_count": 1,
                    "rebooking_rate": 50.0,
                    # over: 2 done + 1 no-show + 1 cancelled = 4
                    "no_show_count": 1,
                    "cancel_count": 1,
                    "over_count": 4,
                    "no_show_rate": 25.0,
                    "cancel_rate": 25.0,
                    # 10 June, 11 June and the care record of 20 June
                    "session_count": 3,
                    # (5 + 4) / 2
                    "rated_count": 2,
                    "satisfaction": 4.5,
                }
            ],
        )
        self.assertRecordValues(
            lines[self.bella],
            [
                {
                    "customer_count": 1,
                    "new_customer_count": 1,
                    # nobody to retain: 0 / 0
                    "active_before_count": 0,
                    "retention_rate": 0.0,
                    "booking_count": 1,
                    "done_count": 1,
                    # the next booking came two days later: 0 / 1
                    "rebooked_count": 0,
                    "rebooking_rate": 0.0,
                    "no_show_rate": 0.0,
                    "session_count": 1,
                    "satisfaction": 3.0,
                }
            ],
        )
        # no base, no rate: the list shows "–" beside a base of 0
        self.assertEqual(lines[self.bella].over_count, 1)
        action = wizard.action_open()
        self.assertEqual(action["domain"], [("wizard_id", "=", wizard.id)])

    def test_default_period_is_the_last_full_month(self):
        with self.clock("2026-07-02 09:00"):
            wizard = self.env["loop.staff.kpi.wizard"].create({})
        self.assertEqual(str(wizard.date_from), "2026-06-01")
        self.assertEqual(str(wizard.date_to), "2026-06-30")
        with self.clock("2026-03-31 22:00"):
            wizard = self.env["loop.staff.kpi.wizard"].create({})
        self.assertEqual(str(wizard.date_from), "2026-02-01")
        self.assertEqual(str(wizard.date_to), "2026-02-28")

    def test_kpis_cost_the_same_queries_whatever_the_staff(self):
        """The same queries of figures whatever the number of staff members."""
        self._customers()
        self._bookings()
        with self.clock("2026-07-02 09:00"):
            wizard = self._report()
            wizard._compute_lines()  # caches of access rules and groups are warm
            self.env.invalidate_all()
            # 7 queries of figures (the return rates of June computed now:
            # the nightly job has not stored them), the rest is the ORM:
            # reading the wizard, replacing its lines, checking access
            with self.assertQueryCount(28):
                wizard._compute_lines()
            self.assertEqual(len(wizard.line_ids), 3)  # Anna, Bella, the cashier
        # three more staff members with their customers and bookings
        for index in range(3):
            staff = self.company_user(f"staff{index}")
            self.customer(f"Customer {index}", loop_user_id=staff.id)
            with self.clock("2026-05-01 09:00"):
                self.book("2026-06-20 10:00", staff=staff)
        with self.clock("2026-07-02 09:00"):
            wizard._compute_lines()
            self.env.invalidate_all()
            with self.assertQueryCount(28):
                wizard._compute_lines()
            self.assertEqual(len(wizard.line_ids), 6)
