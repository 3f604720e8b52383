"""Retention snapshots, cohorts, the dashboard and the monthly PDF.

The scenario: 14 months of paid visits (February 2025 to April 2026) of nine
customers in two stores, times in Asia/Shanghai (UTC+8):

=====  =====  ==========================================  ===========
name   staff  visits (store, local day, amount)            role
=====  =====  ==========================================  ===========
Alice  S1     A 2025-02-10 3,000; A 2025-06-15 12,000;     retained,
              A 2026-03-05 1,000                           tier C
Bob    S1     A 2025-03-20 800; A 2026-04-10 600           lost in March,
                                                           back in April
Carol  S1     A 2025-02-01 500; A 2026-03-10 700           reactivated
Dan    S2     B 2026-03-01 06:00 (= 28 Feb 22:00 UTC) 400  new in March
Erin   S2     B 2025-09-01 6,000; A 2026-03-20 1,500       two stores, D
Fay           A 2025-10-01 1,000; A 2026-03-08 500;        refund
              refund -200 on A 2026-03-09
Gus           B 2025-12-01 300                             no visit,
                                                           still kept
Ivy           A 2025-04-15 250                             lost in April
Hana          A 2026-04-01 07:00 (= 31 Mar 23:00 UTC) 900  new in April
=====  =====  ==========================================  ===========

March 2026: month [1 Mar, 1 Apr); active at start = a visit in
[1 Mar 2025, 1 Mar 2026); active at end = a visit in [1 Apr 2025, 1 Apr 2026).
April 2026: active at start in [1 Apr 2025, 1 Apr 2026), at end in
[1 May 2025, 1 May 2026).
"""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import LoopCase

MARCH = date(2026, 3, 1)
APRIL = date(2026, 4, 1)


@tagged("post_install", "-at_install")
class TestRetention(LoopCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # loop_shop codes the journals of a company's shops alike: give the
        # first shop's journals other codes before opening the second shop
        cls.shop["config"].journal_id.code = "SA"
        cls.shop["method"].journal_id.code = "CA"
        cls.shop_b = cls.loop_shop(cls.company, name="Shop B")
        cls.store_a = cls.shop["config"]
        cls.store_b = cls.shop_b["config"]
        tiers = cls.env["loop.tier"].search([("company_id", "=", cls.company.id)])
        cls.tier = {t.code: t for t in tiers}
        groups = "base.group_user,five_customer_loop.group_loop_user"
        cls.s1 = new_test_user(cls.env, login="s1", name="Staff One", groups=groups)
        cls.s2 = new_test_user(cls.env, login="s2", name="Staff Two", groups=groups)
        Partner = cls.env["res.partner"]

        def make(name, staff=None):
            return Partner.create({"name": name, "loop_user_id": staff and staff.id})

        cls.alice = make("Alice", cls.s1)
        cls.bob = make("Bob", cls.s1)
        cls.carol = make("Carol", cls.s1)
        cls.dan = make("Dan", cls.s2)
        cls.erin = make("Erin", cls.s2)
        cls.fay = make("Fay")
        cls.gus = make("Gus")
        cls.ivy = make("Ivy")
        cls.hana = make("Hana")
        a, b = cls.shop, cls.shop_b
        for partner, amount, when, shop in [
            (cls.alice, 3000.0, "2025-02-10 10:00:00", a),
            (cls.alice, 12000.0, "2025-06-15 10:00:00", a),
            (cls.alice, 1000.0, "2026-03-05 10:00:00", a),
            (cls.bob, 800.0, "2025-03-20 10:00:00", a),
            (cls.bob, 600.0, "2026-04-10 10:00:00", a),
            (cls.carol, 500.0, "2025-02-01 10:00:00", a),
            (cls.carol, 700.0, "2026-03-10 10:00:00", a),
            (cls.dan, 400.0, "2026-03-01 06:00:00", b),
            (cls.erin, 6000.0, "2025-09-01 10:00:00", b),
            (cls.erin, 1500.0, "2026-03-20 10:00:00", a),
            (cls.fay, 1000.0, "2025-10-01 10:00:00", a),
            (cls.gus, 300.0, "2025-12-01 10:00:00", b),
            (cls.ivy, 250.0, "2025-04-15 10:00:00", a),
            (cls.hana, 900.0, "2026-04-01 07:00:00", a),
        ]:
            cls.loop_order(cls, partner, amount, when, shop=shop)
        cream = cls.loop_order(
            cls, cls.fay, 500.0, "2026-03-08 10:00:00", product=cls.cream
        )
        cls.loop_order(
            cls,
            cls.fay,
            -200.0,
            "2026-03-09 10:00:00",
            product=cls.cream,
            refund_of=cream,
        )
        cls.Snapshot = cls.env["loop.retention.snapshot"]

    def _rows(self, month, by_staff=False):
        """Computed rows of ``month`` keyed by (store, tier) or (store, user)."""
        key = "user_id" if by_staff else "tier_id"
        return {
            (row["config_id"], row[key]): row
            for row in self.Snapshot._compute_month(self.company, month, by_staff)
        }

    def assertFigures(self, row, **expected):
        self.assertEqual({name: row[name] for name in expected}, expected)

    # ------------------------------------------------------------- snapshots
    def test_march_all_stores(self):
        row = self._rows(MARCH)[(False, False)]
        self.assertFigures(
            row,
            # Alice (visit 2025-06-15), Bob (2025-03-20), Erin (2025-09-01),
            # Fay (2025-10-01), Gus (2025-12-01), Ivy (2025-04-15); not Carol
            # (2025-02-01 is before 1 March 2025)
            active_start=6,
            # Dan: his 06:00 visit on 1 March is 28 February in UTC
            new_count=1,
            # Alice, Erin, Fay, Gus, Ivy still have a visit after 1 April 2025
            retained_count=5,
            # Bob's only visit in the window, 20 March 2025, left it
            lost_count=1,
            # Carol had visited before, was not active, came back on 10 March
            reactivated_count=1,
            # 5 retained + 1 new + 1 reactivated
            kept_count=7,
            # Alice, Carol, Dan, Erin, Fay; Hana's 1 April 07:00 is April
            visitor_count=5,
            # 1,000 + 700 + 400 + 1,500 + (500 - 200 refund)
            spend=3900.0,
            retention_rate=83.33,  # 5 / 6
            churn_rate=16.67,  # 100 - 83.33
            growth_rate=16.67,  # (7 - 6) / 6
            spend_per_capita=780.0,  # 3,900 / 5
        )

    def test_march_per_store(self):
        rows = self._rows(MARCH)
        self.assertFigures(
            rows[(self.store_a.id, False)],
            # Alice, Bob, Fay, Ivy had visited store A in the window
            active_start=4,
            # Erin's first visit at A (she came to B before)
            new_count=1,
            retained_count=3,  # Alice, Fay, Ivy
            lost_count=1,  # Bob
            reactivated_count=1,  # Carol
            kept_count=5,  # 3 + 1 + 1
            visitor_count=4,  # Alice, Carol, Erin, Fay
            spend=3500.0,  # 1,000 + 700 + 1,500 + 300
            retention_rate=75.0,  # 3 / 4
            churn_rate=25.0,
            growth_rate=25.0,  # (5 - 4) / 4
            spend_per_capita=875.0,  # 3,500 / 4
        )
        self.assertFigures(
            rows[(self.store_b.id, False)],
            active_start=2,  # Erin (2025-09-01), Gus (2025-12-01)
            new_count=1,  # Dan
            retained_count=2,  # neither visited B in March, both still active
            lost_count=0,
            reactivated_count=0,
            kept_count=3,
            visitor_count=1,
            spend=400.0,
            retention_rate=100.0,
            churn_rate=0.0,
            growth_rate=50.0,  # (3 - 2) / 2
            spend_per_capita=400.0,
        )

    def test_march_per_tier(self):
        rows = self._rows(MARCH)
        # tier at the start: 12-month spend in [1 Mar 2025, 1 Mar 2026):
        # Alice 12,000 (C), Erin 6,000 (D), Bob, Fay, Gus, Ivy under 5,000 (E);
        # Carol and Dan (not active at the start) by their spend at the end: E
        self.assertFigures(
            rows[(False, self.tier["C"].id)],
            active_start=1,
            retained_count=1,
            kept_count=1,
            visitor_count=1,
            spend=1000.0,
            retention_rate=100.0,
        )
        self.assertFigures(
            rows[(False, self.tier["D"].id)],
            active_start=1,
            retained_count=1,
            kept_count=1,
            spend=1500.0,
        )
        self.assertFigures(
            rows[(False, self.tier["E"].id)],
            active_start=4,  # Bob, Fay, Gus, Ivy
            new_count=1,  # Dan
            retained_count=3,  # Fay, Gus, Ivy
            lost_count=1,  # Bob
            reactivated_count=1,  # Carol
            kept_count=5,  # 3 + 1 + 1
            visitor_count=3,  # Carol, Dan, Fay
            spend=1400.0,  # 700 + 400 + 300
            retention_rate=75.0,  # 3 / 4
            churn_rate=25.0,
            growth_rate=25.0,  # (5 - 4) / 4
            spend_per_capita=466.67,  # 1,400 / 3
        )
        # tiers split the customers: their counts add up to the all-tiers row
        total = rows[(False, False)]
        for name in ("active_start", "kept_count", "visitor_count", "spend"):
            self.assertEqual(
                sum(
                    rows[(False, t.id)][name]
                    for t in self.tier.values()
                    if (False, t.id) in rows
                ),
                total[name],
            )
        # store B holds Erin (D) and Dan, Gus (E) only
        self.assertEqual(
            {tier for store, tier in rows if store == self.store_b.id},
            {False, self.tier["D"].id, self.tier["E"].id},
        )

    def test_april_lost_customer_returns(self):
        row = self._rows(APRIL)[(False, False)]
        self.assertFigures(
            row,
            # Alice, Carol, Dan, Erin, Fay, Gus, Ivy (2025-04-15 is inside
            # [1 Apr 2025, 1 Apr 2026)); Bob's 2025-03-20 is not
            active_start=7,
            new_count=1,  # Hana, 1 April 07:00 local
            retained_count=6,  # all but Ivy
            lost_count=1,  # Ivy: her visit is before 1 May 2025
            reactivated_count=1,  # Bob, lost in March, back on 10 April
            kept_count=8,  # 6 + 1 + 1
            visitor_count=2,  # Bob, Hana
            spend=1500.0,  # 600 + 900
            retention_rate=85.71,  # 6 / 7
            churn_rate=14.29,
            growth_rate=14.29,  # (8 - 7) / 7
            spend_per_capita=750.0,  # 1,500 / 2
        )
        self.assertFigures(
            self._rows(APRIL)[(self.store_a.id, False)],
            active_start=5,  # Alice, Carol, Erin, Fay, Ivy
            retained_count=4,
            lost_count=1,  # Ivy
            new_count=1,  # Hana
            reactivated_count=1,  # Bob
            kept_count=6,
            retention_rate=80.0,  # 4 / 5
            growth_rate=20.0,  # (6 - 5) / 5
        )
        # Bob counts in tier E by his spend at the end of April (600)
        self.assertEqual(
            self._rows(APRIL)[(False, self.tier["E"].id)]["reactivated_count"], 1
        )

    def test_staff_figures(self):
        rows = self._rows(MARCH, by_staff=True)
        # S1 owns Alice, Bob, Carol: Alice and Bob active at start, Alice kept
        self.assertFigures(
            rows[(False, self.s1.id)],
            owned_count=3,
            new_count=0,
            active_start=2,
            retained_count=1,
            retention_rate=50.0,  # 1 / 2
        )
        # S2 owns Dan (new in March) and Erin (retained)
        self.assertFigures(
            rows[(False, self.s2.id)],
            owned_count=2,
            new_count=1,
            active_start=1,
            retained_count=1,
            retention_rate=100.0,
        )
        # at store A, S2 owns only Erin, new there in March
        self.assertFigures(
            rows[(self.store_a.id, self.s2.id)], owned_count=1, new_count=1
        )

    def test_one_query_per_month(self):
        self.Snapshot._compute_month(self.company, MARCH)
        with self.assertQueryCount(2):  # the tier bands, then the figures
            self.Snapshot._compute_month(self.company, APRIL)

    def test_foreign_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 0.5)])
        eur_shop = self.loop_shop(self.company, currency=eur, name="Euro Shop")
        # 100 EUR at 0.5 EUR per company-currency unit = 200
        self.loop_order(self.gus, 100.0, "2026-03-12 10:00:00", shop=eur_shop)
        rows = self._rows(MARCH)
        self.assertEqual(rows[(eur_shop["config"].id, False)]["spend"], 200.0)
        self.assertEqual(rows[(False, False)]["spend"], 3900.0 + 200.0)

    # ------------------------------------------------------ storing and rebuild
    def test_snapshots_are_kept(self):
        with freeze_time("2026-04-15 10:00:00"):
            wizard = self.env["loop.retention.rebuild.wizard"].create(
                {"month_from": "2026-03-10", "month_to": "2026-03-20"}
            )
            wizard.action_rebuild()
        march = self.Snapshot.search([("month", "=", MARCH)])
        # all stores, A, B: all tiers + C, D, E at A and overall; D, E at B
        self.assertEqual(len(march), 11)
        total = march.filtered("is_total")
        self.assertEqual(total.retention_rate, 83.33)
        # a late order of March does not change the kept snapshot...
        self.loop_order(self.gus, 100.0, "2026-03-25 10:00:00", shop=self.shop_b)
        total.invalidate_recordset()
        self.assertEqual(total.visitor_count, 5)
        # ...the monthly job leaves existing months alone and fills the others
        with freeze_time("2026-04-01 03:00:00"):
            self.Snapshot._cron_monthly_snapshot()
        self.assertTrue(total.exists())
        self.assertEqual(total.visitor_count, 5)
        months = set(self.Snapshot.search([]).mapped("month"))
        # the 12 months from April 2025 to March 2026, all with data
        self.assertEqual(len(months), 12)
        self.assertIn(date(2025, 4, 1), months)
        # until the month is rebuilt
        with freeze_time("2026-04-15 10:00:00"):
            wizard.action_rebuild()
        total = self.Snapshot.search([("month", "=", MARCH), ("is_total", "=", True)])
        self.assertEqual(total.visitor_count, 6)  # Gus visited on 25 March
        self.assertEqual(len(self.Snapshot.search([("month", "=", MARCH)])), 11)

    def test_rebuild_refuses_bad_months(self):
        Wizard = self.env["loop.retention.rebuild.wizard"]
        with freeze_time("2026-04-15 10:00:00"):
            with self.assertRaises(UserError):
                Wizard.create(
                    {"month_from": "2026-03-01", "month_to": "2026-02-01"}
                ).action_rebuild()
            # April has not ended
            with self.assertRaises(UserError):
                Wizard.create(
                    {"month_from": "2026-03-01", "month_to": "2026-04-01"}
                ).action_rebuild()
        self.assertFalse(self.Snapshot.search([]))

    # ------------------------------------------------------------------ cohorts
    def test_refunded_first_visit_opens_no_cohort(self):
        Cohort = self.env["loop.cohort.analysis"]
        feb, march = date(2026, 2, 1), date(2026, 3, 1)

        def new_and_visitors(month):
            row = self._rows(month)[(False, False)]
            return row["new_count"], row["visitor_count"]

        before = new_and_visitors(feb), new_and_visitors(march)
        jack = self.customer("Jack")
        order = self.loop_order(jack, 600.0, "2026-02-10 10:00:00")
        self.loop_order(jack, -600.0, "2026-02-20 10:00:00", refund_of=order)
        self.loop_order(jack, 300.0, "2026-03-15 10:00:00")
        with freeze_time("2026-04-20 10:00:00"):
            rows = Cohort.search([("partner_id", "=", jack.id)])
            # his first visit is in March: February's order was taken back
            self.assertEqual(set(rows.mapped("cohort")), {march})
            self.assertEqual(
                rows.filtered(lambda r: r.months_since == 0).visiting_count, 1
            )
        # the snapshots count him new and visiting in March, not in February
        self.assertEqual(new_and_visitors(feb), before[0])
        self.assertEqual(new_and_visitors(march), (before[1][0] + 1, before[1][1] + 1))

    def test_cohorts(self):
        Cohort = self.env["loop.cohort.analysis"]
        with freeze_time("2026-04-20 10:00:00"):
            feb = dict(
                Cohort._read_group(
                    [
                        ("company_id", "=", self.company.id),
                        ("cohort", "=", "2025-02-01"),
                    ],
                    ["months_since"],
                    ["share:avg"],
                )
            )
            # February 2025 cohort: Alice and Carol, both in month 0; Alice
            # again in June (month 4); March 2026 would be month 13, past 12
            self.assertEqual(sorted(feb), list(range(13)))
            self.assertEqual(feb[0], 100.0)
            self.assertEqual(feb[4], 50.0)
            self.assertEqual(feb[1], 0.0)
            by_offset = dict(
                Cohort._read_group(
                    [("company_id", "=", self.company.id)],
                    ["months_since"],
                    ["share:avg"],
                )
            )
            # month 0: everyone by definition
            self.assertEqual(by_offset[0], 100.0)
            # month 6, cohorts whose 6th month is not after April 2026: Alice,
            # Carol (Aug 25), Bob (Sep 25), Ivy (Oct 25), Erin (Mar 26, came
            # back), Fay (Apr 26): 1 of 6
            self.assertAlmostEqual(by_offset[6], 100.0 / 6)
            # Dan (March 2026) has months 0 and 1 only; Hana (April) month 0
            dan = Cohort.search([("partner_id", "=", self.dan.id)])
            self.assertEqual(dan.mapped("months_since"), [0, 1])
            self.assertEqual(dan.mapped("visiting_count"), [1, 0])
            # the columns read "Month 0", "Month 1"; April 2026 is not over yet
            self.assertEqual(dan.mapped("month_label"), ["00", "01"])
            self.assertEqual(dan.mapped("complete"), [True, False])
            labels = dict(Cohort._fields["month_label"].selection)
            self.assertEqual(labels["01"], "Cohort Month 1")
            # the pivot's default filter leaves out every current month
            open_months = Cohort.search([("complete", "=", False)])
            self.assertEqual(set(open_months.mapped("period")), {date(2026, 4, 1)})

    # ---------------------------------------------------------------- dashboard
    def test_dashboard(self):
        with freeze_time("2026-04-15 10:00:00"):
            self.env["loop.retention.rebuild.wizard"].create(
                {"month_from": "2026-02-01", "month_to": "2026-03-01"}
            ).action_rebuild()
        # Jack: every 14 days, next visit 26 April (within 7 days of 20 April);
        # Lily: every 14 days until 19 January, overdue and at risk
        jack = self.customer("Jack")
        lily = self.customer("Lily")
        self.loop_order(jack, 100.0, "2026-03-29 10:00:00", shop=self.shop_b)
        self.loop_order(jack, 100.0, "2026-04-12 10:00:00", shop=self.shop_b)
        self.loop_order(lily, 100.0, "2026-01-05 10:00:00", shop=self.shop_b)
        self.loop_order(lily, 100.0, "2026-01-19 10:00:00", shop=self.shop_b)
        Dashboard = self.env["loop.dashboard"]
        with freeze_time("2026-04-20 10:00:00"):
            self.env["loop.engine"].run_all()
            Dashboard.get_dashboard_data()
            # + the card liability action and the shops of the store filter, and
            # the lost stages of the "due for a visit" definition (counted in
            # the same pass as the other headline figures)
            with self.assertQueryCount(13):
                data = Dashboard.get_dashboard_data()
        # a visit in [21 Apr 2025, 20 Apr 2026]: all but Ivy (15 Apr 2025)
        self.assertEqual(data["kept"]["count"], 10)
        # Gus: 140 days since his only visit > 60; Lily: 91 days > max(60, 2 x 14)
        self.assertEqual(data["at_risk"]["count"], 2)
        # Jack (26 April) and Lily (2 February, overdue); the others' next visit
        # is months away, and the one-visit customers have none
        self.assertEqual(data["due"]["count"], 2)
        stages = {s["name"]: s["count"] for s in data["stages"]}
        self.assertEqual(
            stages,
            {
                # Dan, Gus, Hana: one visit
                "Attract": 3,
                # Bob, Carol, Erin, Fay, Jack, Lily: two or three visits
                "Retain": 6,
                "Lock-in": 0,
                "Expand": 0,
                # Alice went from E to C on 15 June 2025: upgraded in 12 months
                "Upgrade": 1,
                # Ivy: 370 days without a visit
                "Lost": 1,
            },
        )
        tiers = {t["name"]: t["count"] for t in data["tiers"]}
        # 12-month spend on 20 April: Alice 13,000 (C), Erin 7,500 (D), others E
        self.assertEqual(
            tiers,
            {"Key": 0, "Tier A": 0, "Tier B": 0, "Tier C": 1, "Tier D": 1, "Tier E": 9},
        )
        # the trend shows the kept snapshots, not today's recomputation
        self.assertEqual(
            [(t["month"], t["retention_rate"]) for t in data["trend"]][-1],
            ("2026-03", 83.33),
        )
        self.assertEqual(len(data["trend"]), 2)
        # no prepaid card sold in this scenario: nothing owed, the action lists cards
        self.assertEqual(data["card_liability"]["amount"], 0.0)
        self.assertEqual(data["card_liability"]["action"]["res_model"], "loop.card")
        # each figure opens the records behind it (on the same day)
        Partner = self.env["res.partner"]
        with freeze_time("2026-04-20 10:00:00"):
            self.assertEqual(
                set(Partner.search(data["due"]["domain"]).ids), {jack.id, lily.id}
            )
        self.assertEqual(
            set(Partner.search(data["at_risk"]["domain"]).ids), {self.gus.id, lily.id}
        )
        upgrade = next(s for s in data["stages"] if s["name"] == "Upgrade")
        self.assertEqual(Partner.search(upgrade["domain"]), self.alice)

    # ---------------------------------------------------------------------- PDF
    def _report(self, store=None):
        wizard = self.env["loop.monthly.report.wizard"].create(
            {"month": "2026-03-15", "config_id": store and store.id}
        )
        report = self.env.ref("five_customer_loop.loop_monthly_report_action")
        return wizard, report

    def test_monthly_report_store(self):
        with freeze_time("2026-04-15 10:00:00"):
            wizard, report = self._report(self.store_a)
            values = wizard._report_values()
            html = report._render_qweb_html(report.id, wizard.ids)[0].decode()
        self.assertEqual(values["total"]["retention_rate"], 75.0)
        shares = {row["tier"].code: row["share"] for row in values["tier_rows"]}
        # store A spent 3,500: C Alice 1,000; D Erin 1,500; E Carol 700 + Fay 300
        self.assertEqual(shares, {"C": 28.57, "D": 42.86, "E": 28.57})
        self.assertIn("75.0 %", html)  # retention 3 / 4
        self.assertIn("25.0 %", html)  # churn and growth
        self.assertIn("875.00", html)  # per-capita spend 3,500 / 4
        self.assertIn("42.9 %", html)  # tier D's share
        self.assertIn("50.0 %", html)  # Staff One: Alice kept, Bob lost
        self.assertIn("Staff One", html)
        self.assertIn("Shop", html)

    def test_monthly_report_pdf(self):
        with freeze_time("2026-04-15 10:00:00"):
            self.env["loop.retention.rebuild.wizard"].create(
                {"month_from": "2026-02-01", "month_to": "2026-03-01"}
            ).action_rebuild()
            wizard, report = self._report()
            action = wizard.with_context(discard_logo_check=True).action_print()
            html = report._render_qweb_html(report.id, wizard.ids)[0].decode()
            pdf, kind = report.with_context(
                force_report_rendering=True
            )._render_qweb_pdf(report.id, wizard.ids)
        self.assertEqual(
            action["report_name"], "five_customer_loop.report_monthly_loop"
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertIn("83.3 %", html)  # 5 / 6 retained, all stores
        self.assertIn("16.7 %", html)  # churn and growth
        self.assertIn("780.00", html)  # per-capita spend 3,900 / 5
        self.assertIn("All stores", html)
        # the trend of the kept snapshots, February and March
        self.assertIn("2026-02", html)

    def test_monthly_report_refuses_open_month(self):
        with freeze_time("2026-04-15 10:00:00"):
            wizard = self.env["loop.monthly.report.wizard"].create(
                {"month": "2026-04-01"}
            )
            with self.assertRaises(UserError):
                wizard.action_print()
