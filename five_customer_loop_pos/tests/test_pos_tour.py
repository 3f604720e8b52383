"""The prepaid cards in the 18.0 POS, driven in headless Chromium
(tours in static/tests/tours/pos_cards.js)."""

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPosCardTours(TestPointOfSaleHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("five_customer_loop.group_loop_manager")
        # the cashier is store staff: a Customer Loop user
        cls.pos_user.groups_id |= cls.env.ref("five_customer_loop.group_loop_user")
        company = cls.main_pos_config.company_id
        company._loop_create_default_tiers()
        cls.card_method = cls.env["pos.payment.method"].create(
            {"name": "Prepaid Card", "loop_is_card": True, "company_id": company.id}
        )
        cls.main_pos_config.write(
            {"payment_method_ids": [Command.link(cls.card_method.id)]}
        )
        product = cls.env["product.product"]
        vals = {
            "type": "service",
            "available_in_pos": True,
            "taxes_id": [Command.clear()],
        }
        cls.gold_product = product.create(
            {"name": "Gold Card", "list_price": 1000.0, **vals}
        )
        cls.facial = product.create(
            {"name": "Loop Facial", "list_price": 300.0, **vals}
        )
        cls.massage = product.create(
            {"name": "Loop Massage", "list_price": 200.0, **vals}
        )
        card_type = cls.env["loop.card.type"]
        cls.gold = card_type.create(
            {
                "name": "Gold Card",
                "kind": "value",
                "price": 1000.0,
                "amount": 1100.0,
                "product_id": cls.gold_product.id,
                "company_id": company.id,
            }
        )
        cls.package = card_type.create(
            {
                "name": "Facial Package",
                "kind": "session",
                "price": 1200.0,
                "company_id": company.id,
                "line_ids": [
                    Command.create({"product_id": cls.facial.id, "sessions": 5})
                ],
            }
        )
        partners = cls.env["res.partner"].create(
            [{"name": "Alice Loop"}, {"name": "Bob Loop"}, {"name": "Carol Loop"}]
        )
        cls.alice, cls.bob, cls.carol = partners
        cards = cls.env["loop.card"].with_company(company)
        origin = {"origin": "tour set-up"}
        cls.alice_package = cards.issue_card(cls.alice, cls.package, origin)
        cls.bob_card = cards.issue_card(
            cls.bob, cls.gold, origin, amount=10.0, paid=10.0
        )
        cls.carol_card = cards.issue_card(
            cls.carol, cls.gold, origin, amount=100.0, paid=100.0
        )

    def open_session(self):
        self.main_pos_config.with_user(self.pos_user).open_ui()
        session = self.main_pos_config.current_session_id
        session.set_opening_control(0, "")
        return session

    def test_sell_pay_refuse_and_use_package(self):
        session = self.open_session()
        self.start_pos_tour("five_customer_loop_pos_cards")
        orders = session.order_ids.sorted("id")
        self.assertEqual(orders.mapped("state"), ["paid"] * 4)
        sale, paid_by_card, package_visit, bob_visit = orders
        # 1. the card sold to Alice: 1,100 for 1,000
        gold = self.env["loop.card"].search(
            [("partner_id", "=", self.alice.id), ("type_id", "=", self.gold.id)]
        )
        self.assertEqual(
            gold.move_ids.filtered(lambda m: m.kind == "issue").pos_order_id, sale
        )
        # 2. a 200 massage paid with it: 900 left
        self.assertEqual(gold.balance, 900.0)
        self.assertEqual(paid_by_card.payment_ids.payment_method_id, self.card_method)
        # 3. one facial of the package: 4 left, the line names the card
        self.assertEqual(package_visit.lines.loop_card_id, self.alice_package)
        self.assertEqual(package_visit.amount_total, 0.0)
        self.assertEqual(self.alice_package.sessions_left, 4)
        # 4. Bob's overdraft was refused at the till: paid in cash, card untouched
        self.assertEqual(bob_visit.payment_ids.payment_method_id.name, "Cash")
        self.assertEqual(self.bob_card.balance, 10.0)
        alice = self.alice.with_company(session.company_id)
        self.assertEqual(
            (alice.loop_card_balance, alice.loop_card_sessions), (900.0, 4)
        )

    def test_refused_at_sync(self):
        session = self.open_session()
        self.start_pos_tour("five_customer_loop_pos_card_refused")
        order = session.order_ids.filtered(lambda o: o.partner_id == self.carol)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.payment_ids.payment_method_id.name, "Cash")
        # 100 - 60 spent by the other till; nothing taken by the refused order
        self.assertEqual(self.carol_card.balance, 40.0)
        self.assertFalse(
            self.env["loop.card.move"].search([("pos_order_id", "=", order.id)])
        )

    def test_refused_after_offline_payment(self):
        session = self.open_session()
        self.start_pos_tour("five_customer_loop_pos_offline_refused")
        order = session.order_ids.filtered(lambda o: o.partner_id == self.carol)
        # saved as a draft after the refusal, then paid in cash by the cashier
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.payment_ids.payment_method_id.name, "Cash")
        self.assertEqual(self.carol_card.balance, 40.0)
        self.assertFalse(
            self.env["loop.card.move"].search([("pos_order_id", "=", order.id)])
        )

    def test_front_desk_sells_scans_and_credits(self):
        """Sell a card with the till's button, scan it back, pay a facial with
        it naming the beautician; the receipt prints the balance left."""
        stella = new_test_user(
            self.env,
            login="stella",
            name="Stella Loop",
            groups="base.group_user,five_customer_loop.group_loop_user",
            company_id=self.main_pos_config.company_id.id,
        )
        dana = self.env["res.partner"].create({"name": "Dana Loop"})
        self.env.ref("five_customer_loop.seq_loop_card").number_next_actual = 7000
        session = self.open_session()
        self.start_pos_tour("five_customer_loop_pos_till")
        sale, facial = session.order_ids.sorted("id")
        card = self.env["loop.card"].search([("partner_id", "=", dana.id)])
        self.assertEqual(card.code, "LC00007000")
        self.assertEqual(sale.lines.loop_staff_id, self.pos_user)
        self.assertEqual(facial.lines.loop_staff_id, stella)
        self.assertEqual(facial.payment_ids.payment_method_id, self.card_method)
        self.assertEqual(card.balance, 800.0)
