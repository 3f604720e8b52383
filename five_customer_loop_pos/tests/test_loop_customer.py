from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import LoopCase

TODAY = "2026-06-30 12:00:00"


@tagged("post_install", "-at_install")
class TestLoopCustomer(LoopCase):
    """loop.customer: each customer's figures per company, the funnel's cards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="Second Store Co")["company"]
        cls.company_2._loop_create_default_tiers()
        cls.shop_2 = cls.loop_shop(cls.company_2, name="Second Shop")
        cls.attract = cls.env.ref("five_customer_loop.stage_attract")
        cls.retain = cls.env.ref("five_customer_loop.stage_retain")
        cls.lockin = cls.env.ref("five_customer_loop.stage_lockin")
        cls.Customer = cls.env["loop.customer"].with_context(
            allowed_company_ids=[cls.company.id, cls.company_2.id]
        )

    def member(self, partner, company=None):
        return self.Customer.search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", (company or self.company).id),
            ]
        )

    def test_rows_follow_the_paid_orders_per_company(self):
        alice = self.customer("Alice", phone="+86 138 0000 0001")
        self.loop_order(alice, 500.0, "2026-03-01 10:00:00")
        self.loop_order(alice, 300.0, "2026-06-01 10:00:00")
        self.loop_order(alice, 999.0, "2026-06-10 10:00:00", shop=self.shop_2)
        with freeze_time(TODAY):
            self.env["loop.engine"].refresh_partners(alice)
        here, there = self.member(alice), self.member(alice, self.company_2)
        # two visits here (Retain), one visit in the second company (Attract)
        self.assertEqual(
            (here.stage_id, here.visit_count, here.spend_12m),
            (self.retain, 2, 800.0),
        )
        with freeze_time(TODAY):
            here.invalidate_recordset(["days_since_visit"])
            self.assertEqual(here.days_since_visit, 29)
        self.assertEqual(str(here.last_visit), "2026-06-01")
        self.assertEqual(
            (there.stage_id, there.visit_count, there.spend_12m),
            (self.attract, 1, 999.0),
        )
        # the same values as the partner's company-dependent fields
        a = self.figures(alice)
        self.assertEqual(
            (here.tier_id, here.segment, here.health, here.card_balance),
            (a.loop_tier_id, a.loop_segment, a.loop_health, a.loop_card_balance),
        )
        self.assertEqual(here.name, "Alice")
        self.assertEqual(here.phone, "+86 138 0000 0001")
        # a refund brings the spend down at once
        order = self.env["pos.order"].search([("partner_id", "=", alice.id)], limit=1)
        self.loop_order(alice, -300.0, "2026-06-20 10:00:00", refund_of=order)
        self.assertEqual(self.member(alice).spend_12m, 500.0)

    def test_funnel_counts_match_the_partners(self):
        partners = self.env["res.partner"]
        for index in range(3):
            partner = self.customer(f"Customer {index}")
            for visit in range(index + 1):
                self.loop_order(partner, 100.0, f"2026-0{visit + 3}-01 10:00:00")
            partners |= partner
        groups = self.Customer.with_company(self.company).read_group(
            [("partner_id", "in", partners.ids), ("company_id", "=", self.company.id)],
            ["spend_12m:sum"],
            ["stage_id"],
        )
        counts = {
            g["stage_id"][0]: (g["stage_id_count"], g["spend_12m"])
            for g in groups
            if g["stage_id_count"]
        }
        # 1 visit: Attract; 2 and 3 visits: Retain (spend 100, then 200 + 300)
        self.assertEqual(
            counts, {self.attract.id: (1, 100.0), self.retain.id: (2, 500.0)}
        )

    def test_moving_a_card_moves_the_customer(self):
        bob = self.customer("Bob")
        self.loop_order(bob, 120.0, "2026-06-01 10:00:00")
        card = self.member(bob)
        card.with_context(loop_stage_reason="Bought a yearly card").write(
            {"stage_id": self.lockin.id}
        )
        b = self.figures(bob)
        self.assertEqual((b.loop_stage_id, b.loop_stage_pinned), (self.lockin, True))
        self.assertEqual((card.stage_id, card.stage_pinned), (self.lockin, True))
        move = self.env["loop.stage.history"].search(
            [("partner_id", "=", bob.id)], order="id desc", limit=1
        )
        self.assertEqual(
            (move.kind, move.stage_to_id, move.reason),
            ("manual", self.lockin, "Bought a yearly card"),
        )
        # the second company's loop is not touched
        self.assertFalse(self.member(bob, self.company_2))

    def test_drop_opens_the_move_wizard(self):
        """A card dropped in another column asks for the reason (a manager's)."""
        bob = self.customer("Bob")
        self.loop_order(bob, 300.0, "2026-11-02 10:00")
        card = self.member(bob)
        action = card.action_move_stage(self.lockin.id)
        self.assertEqual(action["res_model"], "loop.stage.move.wizard")
        wizard = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({"reason": "Bought a yearly card"})
        )
        self.assertEqual((wizard.partner_ids, wizard.stage_id), (bob, self.lockin))
        self.assertEqual(self.figures(bob).loop_stage_id, self.attract)  # not yet
        wizard.action_apply()
        self.assertEqual(self.figures(bob).loop_stage_id, self.lockin)
        move = self.env["loop.stage.history"].search(
            [("partner_id", "=", bob.id)], order="id desc", limit=1
        )
        self.assertEqual(move.reason, "Bought a yearly card")
        # the card's Stage History button: her stays in this company's loop
        history = card.action_view_stage_history()
        stays = self.env["loop.stage.history"].search(history["domain"])
        self.assertEqual(stays.stage_to_id, self.attract | self.lockin)
        self.assertEqual(stays.company_id, self.company)
        staff = self.company_user("loop_drop_staff")
        with self.assertRaises(AccessError):
            card.with_user(staff).action_move_stage(self.retain.id)

    def test_only_the_stage_can_be_changed(self):
        bob = self.customer("Bob")
        self.loop_order(bob, 120.0, "2026-06-01 10:00:00")
        card = self.member(bob)
        with self.assertRaises(UserError):
            card.write({"spend_12m": 1.0})
        self.assertEqual(card.spend_12m, 120.0)
        staff = new_test_user(
            self.env,
            login="loop_staff",
            groups="base.group_user,five_customer_loop.group_loop_user",
        )
        with self.assertRaises(AccessError):
            card.with_user(staff).write({"stage_id": self.lockin.id})
        self.assertEqual(self.figures(bob).loop_stage_id, self.attract)

    def test_name_archive_and_staff_follow_the_partner(self):
        carl = self.customer("Carl")
        self.loop_order(carl, 120.0, "2026-06-01 10:00:00")
        carl.write({"name": "Carl Chen", "loop_user_id": self.env.uid})
        card = self.member(carl)
        self.assertEqual((card.name, card.user_id), ("Carl Chen", self.env.user))
        carl.action_archive()
        self.assertFalse(self.member(carl))
        self.assertFalse(
            self.Customer.with_context(active_test=False)
            .search([("partner_id", "=", carl.id)])
            .active
        )

    def test_other_companies_rows_are_hidden(self):
        dora = self.customer("Dora")
        self.loop_order(dora, 80.0, "2026-06-01 10:00:00", shop=self.shop_2)
        staff = new_test_user(
            self.env,
            login="loop_staff_1",
            groups="base.group_user,five_customer_loop.group_loop_user",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        self.assertTrue(self.member(dora, self.company_2))
        self.assertFalse(
            self.env["loop.customer"]
            .with_user(staff)
            .search([("partner_id", "=", dora.id)])
        )

    def test_nightly_run_rebuilds_a_deleted_row(self):
        emma = self.customer("Emma")
        self.loop_order(emma, 120.0, "2026-06-01 10:00:00")
        self.env.cr.execute(
            "DELETE FROM loop_customer WHERE partner_id = %s", [emma.id]
        )
        self.Customer.invalidate_model()
        self.env["res.partner"].invalidate_model()
        self.assertFalse(self.member(emma))
        self.assertEqual(self.figures(emma).loop_visit_count, 0)
        with freeze_time(TODAY):
            self.env["loop.engine"].run_all()
        self.assertEqual(self.member(emma).spend_12m, 120.0)
        self.assertEqual(self.figures(emma).loop_stage_id, self.attract)

    def test_open_card_opens_the_customer(self):
        fay = self.customer("Fay")
        self.loop_order(fay, 50.0, "2026-06-01 10:00:00")
        action = self.member(fay).action_open_partner()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("res.partner", fay.id)
        )
        self.assertEqual(action["context"]["allowed_company_ids"][0], self.company.id)

    # ------------------------------------------------------------ column totals
    def _totals(self, company, exact=False):
        """{(stage, health): (count, spend)} of ``company``'s active customers.

        ``exact``: counted with SQL from the rows, else as the funnel reads
        them (the ORM's grouped read).
        """
        Customer = self.env["loop.customer"].with_context(
            allowed_company_ids=[company.id]
        )
        if exact:
            self.env.flush_all()
            self.env.cr.execute(
                """SELECT stage_id, health, COUNT(*), COALESCE(SUM(spend_12m), 0)
                     FROM loop_customer
                    WHERE active AND company_id = %s AND stage_id IS NOT NULL
                    GROUP BY 1, 2""",
                [company.id],
            )
            return {
                (stage, health or False): (count, float(spend))
                for stage, health, count, spend in self.env.cr.fetchall()
            }
        rows = Customer._read_group(
            [("stage_id", "!=", False)],
            ["stage_id", "health"],
            ["__count", "spend_12m:sum"],
        )
        return {
            (stage.id, health): (count, spend) for stage, health, count, spend in rows
        }

    def test_column_totals_follow_every_change(self):
        alice, bob, carl = (self.customer(name) for name in ("Alice", "Bob", "Carl"))
        base = self._totals(self.company, exact=True)
        self.loop_order(alice, 500.0, "2026-06-01 10:00:00")
        self.loop_order(alice, 300.0, "2026-06-10 10:00:00")
        self.loop_order(bob, 120.0, "2026-06-20 10:00:00")
        self.loop_order(carl, 70.0, "2026-06-20 11:00:00", shop=self.shop_2)
        totals = self._totals(self.company)
        self.assertEqual(totals, self._totals(self.company, exact=True))
        added = {
            stage: sum(n for (s, _h), (n, _v) in totals.items() if s == stage)
            - sum(n for (s, _h), (n, _v) in base.items() if s == stage)
            for stage in (self.attract.id, self.retain.id)
        }
        # Bob (one visit) joined Attract, Alice (two visits) Retain
        self.assertEqual(added, {self.attract.id: 1, self.retain.id: 1})
        # Carl counts in the second company only
        self.assertEqual(
            self._totals(self.company_2),
            self._totals(self.company_2, exact=True),
        )
        self.assertIn((self.attract.id, "good"), self._totals(self.company_2))
        # a card dragged, a customer archived, another deleted
        self.member(alice).write({"stage_id": self.lockin.id})
        bob.action_archive()
        self.env["loop.customer"].flush_model()
        self.assertEqual(
            self._totals(self.company), self._totals(self.company, exact=True)
        )
        carl.unlink()
        self.assertEqual(
            self._totals(self.company_2), self._totals(self.company_2, exact=True)
        )
        # the totals are the rows themselves: a row written around the engine
        # shows at once
        self.env.cr.execute(
            "UPDATE loop_customer SET health = 'at_risk' WHERE partner_id = %s",
            [alice.id],
        )
        self.Customer.invalidate_model()
        self.assertEqual(
            self._totals(self.company), self._totals(self.company, exact=True)
        )
        self.assertEqual(
            self._totals(self.company)[(self.lockin.id, "at_risk")][0],
            base.get((self.lockin.id, "at_risk"), (0, 0))[0] + 1,
        )

    def test_filtered_funnel_counts_by_stage_and_health(self):
        alice, bob = self.customer("Alice"), self.customer("Bob")
        self.loop_order(alice, 500.0, "2026-06-01 10:00:00")
        self.loop_order(bob, 120.0, "2026-06-20 10:00:00")
        Customer = self.env["loop.customer"].with_context(
            allowed_company_ids=[self.company.id]
        )
        domain = [("stage_id", "=", self.attract.id), ("health", "in", ["good"])]
        counted = Customer.read_group(domain, ["spend_12m:sum"], ["stage_id"])
        # empty columns come too (every stage is a column of the funnel)
        self.assertEqual(
            [
                (g["stage_id"][0], g["stage_id_count"])
                for g in counted
                if g["stage_id_count"]
            ],
            [(self.attract.id, Customer.search_count(domain))],
        )
        self.assertAlmostEqual(
            counted[0]["spend_12m"], sum(Customer.search(domain).mapped("spend_12m"))
        )
        # any other filter is a filter of the same grouped read
        by_name = Customer.read_group(
            [("name", "=", "Bob")], ["spend_12m:sum"], ["stage_id"]
        )
        self.assertEqual(
            [
                (g["stage_id"][0], g["stage_id_count"], g["spend_12m"])
                for g in by_name
                if g["stage_id_count"]
            ],
            [(self.attract.id, 1, 120.0)],
        )

    def test_funnel_totals_come_in_the_stages_order(self):
        """The totals by stage are counted without the stages joined, then put
        in the stages' order (sequence, not id), with the health bars."""
        alice, bob, carol = (self.customer(n) for n in ("Alice", "Bob", "Carol"))
        self.loop_order(alice, 500.0, "2026-05-01 10:00:00")
        self.loop_order(alice, 300.0, "2026-06-01 10:00:00")
        self.loop_order(bob, 120.0, "2026-06-20 10:00:00")
        self.loop_order(carol, 80.0, "2026-06-21 10:00:00")
        with freeze_time(TODAY):
            self.env["loop.engine"].refresh_partners(alice | bob | carol)
        # Attract (id below Retain's) now comes after Upgrade
        self.attract.sequence = 60
        Customer = self.env["loop.customer"].with_context(
            allowed_company_ids=[self.company.id]
        )
        domain = [("partner_id", "in", (alice | bob | carol).ids)]
        cr = self.env.cr
        cr.execute("SET LOCAL random_page_cost = 3.5")
        rows = Customer._read_group(
            domain, ["stage_id"], ["__count", "spend_12m:sum"], order="stage_id"
        )
        # Alice (two visits, 800) in Retain; Bob and Carol (one visit) in Attract
        self.assertEqual(
            [(stage, count, spend) for stage, count, spend in rows],
            [(self.retain, 1, 800.0), (self.attract, 2, 200.0)],
        )
        # the planner's page cost is the caller's again
        cr.execute("SHOW random_page_cost")
        self.assertEqual(cr.fetchone()[0], "3.5")
        by_health = Customer._read_group(
            domain, ["stage_id", "health"], ["__count"], order="stage_id,health"
        )
        self.assertEqual(
            [(stage, health, count) for stage, health, count in by_health],
            [(self.retain, "good", 1), (self.attract, "good", 2)],
        )
        # other groupings and orders are Odoo's own
        self.assertEqual(
            Customer._read_group(
                domain, ["stage_id"], ["__count"], order="stage_id desc"
            ),
            [(self.attract, 2), (self.retain, 1)],
        )
        # the card's picture is the customer's
        self.assertEqual(self.member(alice).avatar_128, alice.avatar_128)

    def test_totals_need_read_access(self):
        cashier = new_test_user(
            self.env, login="plain_cashier", groups="base.group_user"
        )
        with self.assertRaises(AccessError):
            self.env["loop.customer"].with_user(cashier).read_group(
                [("stage_id", "!=", False)], ["spend_12m:sum"], ["stage_id"]
            )

    def test_nightly_run_repairs_a_row_written_around_the_engine(self):
        gina = self.customer("Gina")
        self.loop_order(gina, 120.0, "2026-06-01 10:00:00")
        # as a merge of partners or another module's SQL would leave it
        self.env.cr.execute(
            "UPDATE loop_customer SET stage_id = %s, spend_12m = 1"
            " WHERE partner_id = %s",
            [self.lockin.id, gina.id],
        )
        self.Customer.invalidate_model()
        self.assertEqual(self.member(gina).stage_id, self.lockin)
        self.env["loop.engine"].run_all()
        card = self.member(gina)
        self.assertEqual((card.stage_id, card.spend_12m), (self.attract, 120.0))
        self.assertEqual(
            self._totals(self.company), self._totals(self.company, exact=True)
        )
