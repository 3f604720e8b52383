from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_cards import CardCase


@tagged("post_install", "-at_install")
class TestCardReports(CardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop_b = cls._second_shop()
        cls.carol = cls.customer("Carol")
        cls.dave = cls.customer("Dave")

    @classmethod
    def _second_shop(cls):
        """Another POS shop of the test company (own journals and cash method)."""
        env = cls.env
        cash = env["account.journal"].create(
            {
                "name": "Cash Shop B",
                "type": "cash",
                "code": "CSHB",
                "company_id": cls.company.id,
            }
        )
        sale = env["account.journal"].create(
            {
                "name": "POS Shop B",
                "type": "sale",
                "code": "SSHB",
                "company_id": cls.company.id,
            }
        )
        method = env["pos.payment.method"].create(
            {"name": "Cash Shop B", "journal_id": cash.id, "company_id": cls.company.id}
        )
        config = env["pos.config"].create(
            {
                "name": "Shop B",
                "company_id": cls.company.id,
                "journal_id": sale.id,
                "invoice_journal_id": sale.id,
                "payment_method_ids": [Command.set(method.ids)],
            }
        )
        session = env["pos.session"].create(
            {"config_id": config.id, "user_id": env.uid}
        )
        return {"config": config, "session": session, "method": method, "env": env}

    def order(self, partner, amount, day, shop=None):
        return self.loop_order(partner, amount, f"{day} 12:00:00", shop=shop)

    def liability(self, date_from, date_to, companies=None):
        wizard = self.env["loop.card.liability.wizard"].create(
            {
                "date_from": date_from,
                "date_to": date_to,
                "company_ids": [Command.set((companies or self.company).ids)],
            }
        )
        wizard.action_open()
        return wizard

    # --------------------------------------------------------------- liability
    def test_liability_identity_every_kind(self):
        Card = self.env["loop.card"]
        # ---- before February 2026
        # carol's package: 6 months from 1 August 2025, usable until 31 January 2026
        p0 = self.issue(self.package, partner=self.carol, when="2025-08-01")
        o1 = self.order(self.alice, 10000.0, "2026-01-10")
        with self.at("2026-01-10"):
            g1 = Card.issue_card(self.alice, self.gold, {"pos_order_id": o1.id})
        o2 = self.order(self.alice, 1000.0, "2026-01-20")
        with self.at("2026-01-20"):
            g1.consume_amount(1000.0, {"pos_order_id": o2.id})
        # ---- February 2026
        with self.at("2026-02-01"):
            Card._cron_expire()  # p0 expires unused: 3,000 written off
            p1 = Card.issue_card(self.alice, self.package, {"origin": "R-p1"})
        with self.at("2026-02-02"):
            p1.consume_session(self.service, {"origin": "care record"})  # 225
        o3 = self.order(self.alice, 2000.0, "2026-02-03")
        with self.at("2026-02-03"):
            g1.top_up(2000.0, 2000.0, {"pos_order_id": o3.id})
        o4 = self.order(self.alice, 3000.0, "2026-02-05")
        with self.at("2026-02-05"):
            g1.consume_amount(3000.0, {"pos_order_id": o4.id})
        o5 = self.order(self.alice, 500.0, "2026-02-06")
        with self.at("2026-02-06"):
            wrong = g1.consume_amount(500.0, {"pos_order_id": o5.id})
        with self.at("2026-02-07"):
            wrong.action_reverse("Paid in cash instead")
        with self.at("2026-02-10"):
            g1._action_adjust(100.0, "Goodwill")
        o6 = self.order(self.bob, 10000.0, "2026-02-12", shop=self.shop_b)
        with self.at("2026-02-12"):
            g2 = Card.issue_card(self.bob, self.gold, {"pos_order_id": o6.id})
        o7 = self.order(self.bob, 5500.0, "2026-02-14", shop=self.shop_b)
        with self.at("2026-02-14"):
            g2.consume_amount(5500.0, {"pos_order_id": o7.id})
        with self.at("2026-02-15"):
            g2.action_cancel("Moving away")
        # ---- after the period: not counted
        with self.at("2026-03-05"):
            g1.consume_amount(100.0, {"origin": "late"})
        self.assertEqual(p0.state, "expired")

        wizard = self.liability("2026-02-01", "2026-02-28")
        shop, shop_b = self.shop["config"], self.shop_b["config"]
        lines = {
            (line.type_id, line.pos_config_id): tuple(
                getattr(line, name)
                for name in (
                    "opening",
                    "sold",
                    "paid",
                    "consumed",
                    "refunded",
                    "refunded_cash",
                    "expired",
                    "adjusted",
                    "closing",
                )
            )
            for line in wizard.line_ids
        }
        no_pos = self.env["pos.config"]
        self.assertEqual(
            lines,
            {
                # opening 11,000 - 1,000; top-up 2,000; consumed 3,000 + 500 - 500
                # closing 10,000 + 2,000 - 3,000 = 9,000
                (self.gold, shop): (
                    10000.0,
                    2000.0,
                    2000.0,
                    3000.0,
                    0.0,
                    0.0,
                    0.0,
                    0.0,
                    9000.0,
                ),
                # adjustment +100 and the refund of g2 (5,500 value, 5,000 cash), made
                # outside the POS: 100 - 5,500 = -5,400
                (self.gold, no_pos): (
                    0.0,
                    0.0,
                    0.0,
                    0.0,
                    5500.0,
                    5000.0,
                    0.0,
                    100.0,
                    -5400.0,
                ),
                # g2 sold for 10,000 with 11,000 of value, 5,500 consumed there
                (self.gold, shop_b): (
                    0.0,
                    11000.0,
                    10000.0,
                    5500.0,
                    0.0,
                    0.0,
                    0.0,
                    0.0,
                    5500.0,
                ),
                # opening: p0's 3,000; p1 sold 3,000; one facial 225; p0 expired 3,000
                # closing 3,000 + 3,000 - 225 - 3,000 = 2,775
                (self.package, no_pos): (
                    3000.0,
                    3000.0,
                    3000.0,
                    225.0,
                    0.0,
                    0.0,
                    3000.0,
                    0.0,
                    2775.0,
                ),
            },
        )
        self.assertEqual(set(wizard.line_ids.mapped("difference")), {0.0})
        # opening 13,000 + sold 16,000 - consumed 8,725 - refunded 5,500 - expired 3,000
        # + adjusted 100 = 11,875
        self.assertEqual(
            (
                wizard.opening,
                wizard.sold,
                wizard.consumed,
                wizard.refunded,
                wizard.expired,
                wizard.adjusted,
                wizard.closing,
            ),
            (13000.0, 16000.0, 8725.0, 5500.0, 3000.0, 100.0, 11875.0),
        )
        # the closing is what the cards held at the end of February: g1 9,100 + p1 2,775
        self.assertEqual(wizard.closing, 9100.0 + 2775.0)
        pivot = self.env["loop.card.liability.line"].read_group(
            [("wizard_id", "=", wizard.id)], ["closing:sum", "expired:sum"], ["type_id"]
        )
        self.assertEqual(
            {row["type_id"][0]: (row["closing"], row["expired"]) for row in pivot},
            # gold: 9,000 - 5,400 + 5,500
            {self.gold.id: (9100.0, 0.0), self.package.id: (2775.0, 3000.0)},
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "five_customer_loop.report_loop_card_liability", wizard.ids
            )[0]
            .decode()
        )
        self.assertIn("11,875.00", html)
        self.assertIn("Shop B", html)

        # March opens with February's closing; g1's late 100 leads to today's balances
        march = self.liability("2026-03-01", "2026-03-31")
        self.assertEqual(
            (march.opening, march.consumed, march.closing), (11875.0, 100.0, 11775.0)
        )
        self.assertEqual(march.closing, g1.balance + p1.balance)

    def test_liability_period_must_be_ordered(self):
        with self.assertRaises(UserError):
            self.env["loop.card.liability.wizard"].create(
                {"date_from": "2026-03-01", "date_to": "2026-02-01"}
            )

    # ----------------------------------------------------- consumption and risk
    def test_consumption_rate_and_session_risk(self):
        alice_card = self.issue(self.package, when="2026-06-01")
        alice_card.expiry_date = "2026-09-11"  # 73 days after 30 June
        self.issue(self.gold, partner=self.bob, when="2026-06-01")
        carol_card = self.issue(self.package, partner=self.carol, when="2026-06-30")
        carol_card.expiry_date = "2027-04-18"  # 292 days after 30 June
        self.issue(
            self.package, partner=self.dave, when="2025-12-01"
        )  # until 2026-05-31
        with self.at("2026-06-20"):
            for _i in range(5):
                alice_card.consume_session(self.service, {"origin": "care"})
            bob_card = self.env["loop.card"].search([("partner_id", "=", self.bob.id)])
            bob_card.consume_amount(2750.0, {"origin": "R"})
        with self.at("2026-06-30"):
            rows = self.env["loop.card.customer.report"].search(
                [
                    (
                        "partner_id",
                        "in",
                        (self.alice | self.bob | self.carol | self.dave).ids,
                    )
                ]
            )
            figures = {
                row.partner_id.name: (
                    row.loaded_amount,
                    row.consumed_amount,
                    row.consumption_rate,
                    row.sessions_loaded,
                    row.sessions_consumed,
                    row.session_rate,
                    row.sessions_left,
                    row.days_to_expiry,
                    row.risk_score,
                    row.balance,
                )
                for row in rows
            }
            order = rows.mapped("partner_id.name")
        self.assertEqual(
            figures,
            {
                # 5 facials of 225 = 1,125 of 3,000: 37.5 %; 5 of 15 sessions: 33.3 %;
                # 10 sessions × (1 - 73 / 365) = 10 × 0.8 = 8
                "Alice": (3000.0, 1125.0, 37.5, 15, 5, 33.3, 10, 73, 8.0, 1875.0),
                # 2,750 of 11,000 = 25 %
                "Bob": (11000.0, 2750.0, 25.0, 0, 0, 0.0, 0, 0, 0.0, 8250.0),
                # 15 sessions × (1 - 292 / 365) = 15 × 0.2 = 3
                "Carol": (3000.0, 0.0, 0.0, 15, 0, 0.0, 15, 292, 3.0, 3000.0),
                # past its expiry date: nothing left counts, nothing at risk
                "Dave": (3000.0, 0.0, 0.0, 15, 0, 0.0, 0, 0, 0.0, 0.0),
            },
        )
        # the list managers act on: highest risk first
        self.assertEqual(order[:2], ["Alice", "Carol"])

    # ------------------------------------------------------------ multi-company
    def test_multi_company_isolation(self):
        company_2 = self.setup_other_company(name="Second Store Co")["company"]
        Card2 = self.env["loop.card"].with_company(company_2)
        silver = (
            self.env["loop.card.type"]
            .with_company(company_2)
            .create(
                {
                    "name": "Silver",
                    "kind": "value",
                    "price": 1000.0,
                    "amount": 1000.0,
                    "company_id": company_2.id,
                }
            )
        )
        with self.at("2026-02-01"):
            gold = self.env["loop.card"].issue_card(
                self.alice, self.gold, {"origin": "R"}
            )
            silver_card = Card2.issue_card(self.alice, silver, {"origin": "R"})
            with self.assertRaises(UserError):
                # a type of the second company cannot be issued in the first
                self.env["loop.card"].with_company(self.company).issue_card(
                    self.alice, silver, {"origin": "R"}
                )
        self.assertEqual(silver_card.company_id, company_2)
        self.assertEqual(silver_card.move_ids.company_id, company_2)
        self.assertEqual(self.figures(self.alice).loop_card_balance, 11000.0)
        self.assertEqual(self.figures(self.alice, company_2).loop_card_balance, 1000.0)
        only_1 = {"allowed_company_ids": self.company.ids}
        self.assertEqual(
            self.env["loop.card"]
            .with_context(**only_1)
            .search([("partner_id", "=", self.alice.id)]),
            gold,
        )
        self.assertFalse(
            self.env["loop.card.move"]
            .with_context(**only_1)
            .search([("company_id", "=", company_2.id)])
        )
        staff = self.company_user("staff_one")
        as_staff = self.env(
            user=staff, context={"allowed_company_ids": self.company.ids}
        )
        with self.assertRaises(AccessError):
            as_staff["loop.card"].browse(silver_card.id).read(["balance"])
        self.assertFalse(as_staff["loop.card.type"].search([("id", "=", silver.id)]))
        self.assertEqual(
            as_staff["loop.card.move"].search([("partner_id", "=", self.alice.id)]),
            gold.move_ids,
        )
        wizard = self.liability("2026-02-01", "2026-02-28", companies=self.company)
        self.assertEqual(wizard.line_ids.type_id, self.gold)
        both = self.liability(
            "2026-02-01", "2026-02-28", companies=self.company | company_2
        )
        self.assertEqual(both.closing, 12000.0)
        with freeze_time("2026-02-01 04:00:00"):
            self.assertEqual(
                self.env["loop.card"]._pick_session_card(self.alice, self.service),
                self.env["loop.card"],
            )
