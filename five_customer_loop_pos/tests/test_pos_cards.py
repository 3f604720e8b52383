"""Prepaid cards at the till: orders arrive through ``sync_from_ui`` as the POS
sends them, and the card moves are posted (or the order refused) in the same
transaction.

Card types (see ``CardCase``): ``gold`` (pay 10,000, receive 11,000, 12
months) and ``package`` (10 Facial Care + 5 Massage for 3,000, 6 months;
a facial carries 225 of value, a massage 150).
"""

import copy
from uuid import uuid4

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.five_customer_loop.tests.refusal import RefusalMixin

from ..lib import pos_rules
from ..models.pos_order import LoopCardRefusal
from .common_pos import PosCardCase


@tagged("post_install", "-at_install")
class TestPosCards(RefusalMixin, PosCardCase):
    # ------------------------------------------------------------- pure rules
    def test_pos_rules(self):
        # 700 over 500 then 1,000: 500 and 200; exactly the total: all taken
        self.assertEqual(
            pos_rules.split_payment([500.0, 1000.0], 700.0), [500.0, 200.0]
        )
        self.assertEqual(
            pos_rules.split_payment([500.0, 1000.0], 1500.0), [500.0, 1000]
        )
        self.assertEqual(pos_rules.split_payment([0.0, 80.5], 30.25), [0.0, 30.25])
        # one cent short: refused
        self.assertIsNone(pos_rules.split_payment([500.0, 1000.0], 1500.01))
        self.assertIsNone(pos_rules.split_payment([], 1.0))
        self.assertEqual(pos_rules.reversal_units([1, 2, 3], 2), [2, 3])
        self.assertEqual(pos_rules.reversal_units([1, 2, 3], 0), [])
        self.assertIsNone(pos_rules.reversal_units([1], 2))

    def test_card_method_needs_no_journal(self):
        journal = self.cash.journal_id
        with self.assertRefused(ValidationError, "leave its journal empty"):
            self.env["pos.payment.method"].create(
                {
                    "name": "Card with journal",
                    "loop_is_card": True,
                    "journal_id": journal.id,
                }
            )
        self.assertEqual(self.card_method.type, "pay_later")

    # ------------------------------------------------------------------ selling
    def test_sell_stored_value_card(self):
        order = self.sync(
            self.ui_order(
                self.alice,
                [self.ui_line(self.gold_product)],
                [(self.cash, 10000.0)],
            )
        )
        card = self.env["loop.card"].search([("partner_id", "=", self.alice.id)])
        self.assertEqual(order.state, "paid")
        # pay 10,000, receive 11,000
        self.assertEqual(
            (card.type_id, card.balance, card.paid_amount),
            (self.gold, 11000.0, 10000.0),
        )
        self.assertEqual(card.issue_date, fields.Date.to_date("2026-03-01"))
        self.assertEqual(card.move_ids.pos_order_id, order)
        self.assertEqual(card.move_ids.pos_config_id, self.config)
        self.assertEqual(order.loop_card_move_count, 1)
        # the customer's figures follow at once
        self.assertEqual(self.balance(self.alice), 11000.0)
        self.assertEqual(
            self.figures(self.alice).loop_stage_id,
            self.env.ref("five_customer_loop.stage_lockin"),
        )

    def test_sell_discounted_package_and_two_cards(self):
        """Two packages sold at 2,700 each (10% off): two cards, the price split."""
        self.sync(
            self.ui_order(
                self.alice,
                [self.ui_line(self.package_product, qty=2, price=2700.0)],
                [(self.cash, 5400.0)],
            )
        )
        cards = self.env["loop.card"].search([("partner_id", "=", self.alice.id)])
        self.assertEqual(len(cards), 2)
        for card in cards:
            # 2,700 split 3:1 by list price x sessions: 2,025 facials, 675 massages
            self.assertEqual(
                self.sessions(card),
                {"Facial Care": (10, 2025.0), "Massage": (5, 675.0)},
            )
        self.assertEqual(self.figures(self.alice).loop_card_sessions, 30)

    def test_top_up_mode(self):
        self.gold.pos_sale_mode = "top_up"
        card = self.issue(self.gold, when="2026-02-01", amount=100.0, paid=100.0)
        self.sync(
            self.ui_order(
                self.alice, [self.ui_line(self.gold_product)], [(self.cash, 10000.0)]
            )
        )
        cards = self.env["loop.card"].search([("partner_id", "=", self.alice.id)])
        self.assertEqual(cards, card, "no new card: the value went on Alice's card")
        # 100 + 11,000 credited, 100 + 10,000 received
        self.assertEqual((card.balance, card.paid_amount), (11100.0, 10100.0))
        self.assertEqual(sorted(card.move_ids.mapped("kind")), ["issue", "topup"])
        # Bob has no gold card yet: he gets a new one
        self.sync(
            self.ui_order(
                self.bob, [self.ui_line(self.gold_product)], [(self.cash, 10000.0)]
            )
        )
        self.assertEqual(
            self.env["loop.card"].search([("partner_id", "=", self.bob.id)]).balance,
            11000.0,
        )

    def test_sale_without_customer_refused(self):
        vals = self.ui_order(
            False, [self.ui_line(self.gold_product)], [(self.cash, 10000.0)]
        )
        with self.assertRefused(LoopCardRefusal, "needs a customer") as caught:
            self.sync(vals)
        self.assertEqual(
            caught.exception.context, {"loop_card_refused_order": vals["uuid"]}
        )
        self.assertFalse(self.order_of(vals["uuid"]))
        self.assertFalse(self.env["loop.card"].search([("type_id", "=", self.gold.id)]))

    def test_back_office_paid_order_issues_card(self):
        """Orders paid outside the till's sync (``action_pos_order_paid``) too."""
        order = self.loop_order(
            self.bob, 10000.0, "2026-03-01 12:00:00", product=self.gold_product
        )
        card = self.env["loop.card"].search([("partner_id", "=", self.bob.id)])
        self.assertEqual((card.balance, card.move_ids.pos_order_id), (11000.0, order))
        # paying it again posts nothing more
        order._loop_post_card_moves()
        self.assertEqual(len(card.move_ids), 1)

    # --------------------------------------------------------------- payments
    def test_pay_with_cards_earliest_expiry_first(self):
        early, late = self.two_value_cards()
        order = self.sync(
            self.ui_order(
                self.alice,
                [self.ui_line(self.service, qty=2, price=350.0)],
                [(self.card_method, 700.0)],
            )
        )
        # 700 = 500 from the card expiring first + 200 from the other
        self.assertEqual((early.balance, early.state), (0.0, "used_up"))
        self.assertEqual(late.balance, 800.0)
        moves = self.env["loop.card.move"].search([("pos_order_id", "=", order.id)])
        self.assertEqual(sorted(moves.mapped("amount")), [-500.0, -200.0])
        self.assertEqual(self.balance(self.alice), 800.0)
        # the card payment is a customer-account payment: no journal entry of its own
        self.assertEqual(order.payment_ids.payment_method_id.type, "pay_later")

    def test_mixed_payment(self):
        _early, late = self.two_value_cards()
        self.sync(
            self.ui_order(
                self.alice,
                [
                    self.ui_line(self.service, qty=1, price=300.0),
                    self.ui_line(self.cream),
                ],
                [(self.card_method, 450.0), (self.cash, 50.0)],
            )
        )
        # 450 of 500 on the early card, the late card untouched
        self.assertEqual(self.balance(self.alice), 1050.0)
        self.assertEqual(late.balance, 1000.0)

    def test_overdraft_refused_at_sync(self):
        early, late = self.two_value_cards()
        vals = self.ui_order(
            self.alice,
            [self.ui_line(self.service, qty=6, price=300.0)],
            [(self.card_method, 1800.0)],
        )
        with self.assertRefused(
            LoopCardRefusal, "1,500.00 of stored value left"
        ) as caught:
            self.sync(vals)
        self.assertIn("not enough for", str(caught.exception))
        self.assertFalse(self.order_of(vals["uuid"]))
        self.assertEqual((early.balance, late.balance), (500.0, 1000.0))
        self.assertEqual(len((early | late).move_ids), 2)

    def test_card_payment_needs_customer_and_card(self):
        vals = self.ui_order(
            False, [self.ui_line(self.service)], [(self.card_method, 300.0)]
        )
        with self.assertRefused(
            LoopCardRefusal, "needs the customer who holds the cards"
        ):
            self.sync(vals)
        vals = self.ui_order(
            self.bob, [self.ui_line(self.service)], [(self.card_method, 300.0)]
        )
        with self.assertRefused(
            LoopCardRefusal, "0.00 of stored value left: not enough"
        ):
            self.sync(vals)
        self.assertFalse(self.order_of(vals["uuid"]))

    def test_offline_order_arrives_after_balance_spent(self):
        """Till A paid offline with 500 of Alice's 1,000; till B spent 800 meanwhile.

        When A comes back online its order is refused, nothing is written, and the
        error names the order so the till keeps it (the other orders of its
        batch are sent again, see static/src/pos/pos_store.js).
        """
        card = self.issue(self.gold, when="2026-01-15", amount=1000.0, paid=1000.0)
        offline = self.ui_order(
            self.alice,
            [self.ui_line(self.service, qty=1, price=500.0)],
            [(self.card_method, 500.0)],
            when="2026-03-01 02:00",
        )
        other_till = self.ui_order(
            self.alice,
            [self.ui_line(self.service, qty=1, price=800.0)],
            [(self.card_method, 800.0)],
            when="2026-03-01 03:00",
        )
        self.sync(other_till)
        self.assertEqual(card.balance, 200.0)
        cash_order = self.ui_order(
            self.bob, [self.ui_line(self.cream)], [(self.cash, 200.0)]
        )
        with self.assertRefused(
            LoopCardRefusal, "200.00 of stored value left"
        ) as caught:
            self.sync(cash_order, offline, when="2026-03-02")
        self.assertIn(offline["name"], str(caught.exception))
        self.assertEqual(
            caught.exception.context["loop_card_refused_order"], offline["uuid"]
        )
        # nothing written: no order (not even the good one of the batch), no move
        self.assertFalse(
            self.order_of(offline["uuid"]) | self.order_of(cash_order["uuid"])
        )
        self.assertEqual((card.balance, len(card.move_ids)), (200.0, 2))
        # the till keeps the refused order as a draft and sends the rest again
        # (sync_from_ui consumes the dicts it is given: the till sends new ones)
        draft_vals = dict(offline, state="draft", access_token=str(uuid4()))
        draft_vals["lines"] = [Command.create(dict(cmd[2])) for cmd in offline["lines"]]
        saved = self.sync(dict(cash_order), draft_vals, when="2026-03-02")
        self.assertEqual(saved.mapped("state"), ["paid", "draft"])
        self.assertEqual(card.balance, 200.0)
        # the cashier settles it in cash: the till replaces the card payment line
        draft = self.order_of(offline["uuid"])
        paid_vals = dict(
            offline,
            state="paid",
            access_token=str(uuid4()),
            lines=[],
            payment_ids=[
                Command.delete(draft.payment_ids.id),
                Command.create(
                    {
                        "amount": 500.0,
                        "payment_method_id": self.cash.id,
                        "payment_date": "2026-03-02 04:00",
                    }
                ),
            ],
        )
        self.sync(paid_vals, when="2026-03-02")
        self.assertEqual(
            (draft.state, draft.payment_ids.payment_method_id), ("paid", self.cash)
        )
        self.assertEqual(card.balance, 200.0)
        self.assertFalse(
            self.env["loop.card.move"].search([("pos_order_id", "=", draft.id)])
        )

    def test_session_closes_with_card_payments(self):
        """Card payments are customer-account payments: no cash, one receivable
        line of their total in the session's journal entry."""
        self.two_value_cards()
        self.sync(
            self.ui_order(
                self.alice, [self.ui_line(self.gold_product)], [(self.cash, 10000.0)]
            ),
            self.ui_order(
                self.alice,
                [self.ui_line(self.service, qty=2, price=350.0)],
                [(self.card_method, 700.0)],
            ),
        )
        session = self.shop["session"]
        # only the card sale came in cash
        self.assertEqual(session.cash_register_balance_end, 10000.0)
        session.post_closing_cash_details(10000.0)
        self.assertTrue(session.close_session_from_ui()["successful"])
        self.assertEqual(session.state, "closed")
        card_lines = session.move_id.line_ids.filtered(
            lambda line: line.name == f"{session.name} - {self.card_method.name}"
        )
        self.assertEqual(sum(card_lines.mapped("balance")), 700.0)

    # --------------------------------------------------------------- packages
    def test_take_sessions_from_package(self):
        card = self.issue(self.package, when="2026-02-01")
        order = self.sync(
            self.ui_order(
                self.alice,
                [
                    self.ui_line(self.service, qty=2, price=0.0, card=card),
                    self.ui_line(self.cream),
                ],
                [(self.cash, 200.0)],
            )
        )
        # two facials of 225 each: 8 left carrying 1,800
        self.assertEqual(
            self.sessions(card), {"Facial Care": (8, 1800.0), "Massage": (5, 750.0)}
        )
        moves = card.move_ids.filtered(lambda m: m.kind == "consume")
        self.assertEqual(moves.pos_order_id, order)
        self.assertEqual(moves.mapped("sessions"), [-1, -1])
        self.assertEqual(order.lines.loop_card_id, card)
        self.assertEqual(self.figures(self.alice).loop_card_sessions, 13)

    def test_package_lines_refused(self):
        card = self.issue(self.package, when="2026-02-01")
        bob_card = self.issue(self.package, partner=self.bob, when="2026-02-01")
        cases = [
            (
                self.alice,
                self.ui_line(self.service, price=300.0, card=card),
                "pays nothing",
            ),
            (
                self.alice,
                self.ui_line(self.service, price=0.0, card=bob_card),
                "belongs to Bob",
            ),
            (
                self.alice,
                self.ui_line(self.cream, price=0.0, card=card),
                "not part of the package",
            ),
            (
                self.alice,
                self.ui_line(self.massage, qty=6, price=0.0, card=card),
                "has 5 session(s) of Massage left: not enough for 6",
            ),
            (
                False,
                self.ui_line(self.service, price=0.0, card=card),
                "needs the customer who holds it",
            ),
        ]
        for partner, line, message in cases:
            with self.subTest(message=message):
                total = line["price_subtotal_incl"]
                vals = self.ui_order(
                    partner, [line], [(self.cash, total)] if total else []
                )
                with self.assertRefused(LoopCardRefusal, message):
                    self.sync(vals)
                self.assertFalse(self.order_of(vals["uuid"]))
        self.assertEqual(
            self.sessions(card), {"Facial Care": (10, 2250.0), "Massage": (5, 750.0)}
        )

    def test_expired_package_refused(self):
        card = self.issue(self.package, when="2026-01-15")  # valid until 2026-07-14
        vals = self.ui_order(
            self.alice,
            [self.ui_line(self.service, price=0.0, card=card)],
            [],
            when="2026-07-15 04:00",
        )
        with self.assertRefused(LoopCardRefusal, "expired on"):
            self.sync(vals, when="2026-07-15")

    def test_offline_order_judged_when_paid(self):
        """A till offline over midnight: its order paid at 23:50 on the card's
        last day arrives at 01:00, after the expiry job wrote the card off.

        Gold card of 1,000 issued 2026-01-15, valid until 2027-01-14 (Shanghai).
        The order pays 300 at 2027-01-14 23:50 local (15:50 UTC). The expiry
        job of 2027-01-15 wrote off 1,000. Synced at 01:00 local, the order is
        accepted: the expiry is reversed (+1,000), the payment taken (-300) and
        the rest written off again (-700), all dated as they happened; the
        card ends expired with 0 left and the customer spent 300.
        """
        card = self.issue(self.gold, when="2026-01-15", amount=1000.0, paid=1000.0)
        self.assertEqual(card.expiry_date, fields.Date.to_date("2027-01-14"))
        with freeze_time("2027-01-14 16:10:00"):  # 00:10 local, the job's hour
            self.env["loop.card"]._cron_expire()
        self.assertEqual((card.state, card.balance), ("expired", 0.0))
        vals = self.ui_order(
            self.alice,
            [self.ui_line(self.service, price=300.0)],
            [(self.card_method, 300.0)],
            when="2027-01-14 15:50",
        )
        with freeze_time("2027-01-14 17:00:00"):  # 01:00 local, the next day
            order = self.env["pos.order"].browse(
                self.env["pos.order"].sync_from_ui([vals])["pos.order"][0]["id"]
            )
        self.assertEqual(order.state, "paid")
        moves = card.move_ids.sorted("id")
        self.assertEqual(
            [(m.kind, m.amount, bool(m.reversed_move_id), str(m.date)) for m in moves],
            [
                ("issue", 1000.0, False, "2026-01-15"),
                ("expire", -1000.0, False, "2027-01-15"),
                ("expire", 1000.0, True, "2027-01-14"),
                ("consume", -300.0, False, "2027-01-14"),
                ("expire", -700.0, False, "2027-01-15"),
            ],
        )
        self.assertEqual(moves[3].pos_order_id, order)
        self.assertEqual((card.state, card.balance), ("expired", 0.0))
        # the order's day is the till's, a day before its sync
        with freeze_time("2027-01-14 17:00:00"):
            self.assertEqual(order._loop_card_day(), fields.Date.to_date("2027-01-14"))

    def test_order_judged_no_later_than_now(self):
        """A till's clock ahead of the server's cannot move a card's expiry:
        the order is judged on the server's day when its stamp is later."""
        card = self.issue(self.package, when="2026-01-15")  # valid until 2026-07-14
        vals = self.ui_order(
            self.alice,
            [self.ui_line(self.service, price=0.0, card=card)],
            [],
            when="2026-07-16 04:00",
        )
        with self.assertRefused(LoopCardRefusal, "expired on"):
            self.sync(vals, when="2026-07-15")
        # and an order stamped before its session opened is judged when it opened
        draft = self.sync(
            dict(
                self.ui_order(self.alice, [], [], when="2026-07-13 04:00"),
                state="draft",
            ),
            when="2026-07-16",
        )
        draft.session_id.start_at = "2026-07-15 01:00:00"
        with self.at("2026-07-16"):
            self.assertEqual(draft._loop_card_day(), fields.Date.to_date("2026-07-15"))

    def test_same_order_synced_twice(self):
        """A retry of an order already saved is answered with that order: one
        order, one card move, the uuid received once."""
        card = self.issue(self.gold, when="2026-01-15", amount=1000.0, paid=1000.0)
        vals = self.ui_order(
            self.alice,
            [self.ui_line(self.service, price=300.0)],
            [(self.card_method, 300.0)],
        )
        retry = copy.deepcopy(vals)
        first = self.sync(vals)
        second = self.sync(retry)
        self.assertEqual(first, second)
        self.assertEqual(len(self.order_of(vals["uuid"])), 1)
        self.assertEqual((card.balance, len(card.move_ids)), (700.0, 2))
        self.assertEqual(
            self.env["loop.pos.sync"].search_count([("uuid", "=", vals["uuid"])]), 1
        )

    # ---------------------------------------------------------------- refunds
    def test_refund_card_sale_reverses_issue(self):
        order = self.sync(
            self.ui_order(
                self.alice, [self.ui_line(self.gold_product)], [(self.cash, 10000.0)]
            )
        )
        card = self.env["loop.card"].search([("partner_id", "=", self.alice.id)])
        refund = self.refund(order, [(order.lines, 1)], [(self.cash, -10000.0)])
        reversal = card.move_ids.filtered("reversed_move_id")
        self.assertEqual((reversal.amount, reversal.paid_amount), (-11000.0, -10000.0))
        self.assertEqual(reversal.pos_order_id, refund)
        self.assertEqual(
            (card.balance, card.paid_amount, card.state), (0.0, 0.0, "used_up")
        )
        self.assertEqual(self.balance(self.alice), 0.0)
        # refunding it once more: nothing left to take back
        with self.assertRefused(LoopCardRefusal, "cannot take back more"):
            self.refund(order, [(order.lines, 1)], [(self.cash, -10000.0)])

    def test_refund_of_a_used_card_refused(self):
        order = self.sync(
            self.ui_order(
                self.alice, [self.ui_line(self.gold_product)], [(self.cash, 10000.0)]
            )
        )
        self.sync(
            self.ui_order(
                self.alice, [self.ui_line(self.service)], [(self.card_method, 300.0)]
            )
        )
        card = self.env["loop.card"].search([("partner_id", "=", self.alice.id)])
        with self.assertRefused(
            LoopCardRefusal, "has 10,700.00 $ left: not enough for 11,000.00 $"
        ):
            self.refund(order, [(order.lines, 1)], [(self.cash, -10000.0)])
        self.assertEqual((card.balance, len(card.move_ids)), (10700.0, 2))

    def test_refund_package_sale_and_sessions(self):
        sale = self.sync(
            self.ui_order(
                self.alice, [self.ui_line(self.package_product)], [(self.cash, 3000.0)]
            )
        )
        card = self.env["loop.card"].search([("partner_id", "=", self.alice.id)])
        visit = self.sync(
            self.ui_order(
                self.alice,
                [self.ui_line(self.service, qty=2, price=0.0, card=card)],
                [],
            )
        )
        self.assertEqual(self.sessions(card)["Facial Care"], (8, 1800.0))
        # one of the two facials given back: 9 left
        self.refund(visit, [(visit.lines, 1)], [])
        self.assertEqual(self.sessions(card)["Facial Care"], (9, 2025.0))
        # the package cannot be refunded while a session is used
        with self.assertRefused(LoopCardRefusal, "9 session(s) of Facial Care left"):
            self.refund(sale, [(sale.lines, 1)], [(self.cash, -3000.0)])
        self.refund(visit, [(visit.lines, 1)], [])
        self.refund(sale, [(sale.lines, 1)], [(self.cash, -3000.0)])
        self.assertEqual(
            self.sessions(card), {"Facial Care": (0, 0.0), "Massage": (0, 0.0)}
        )
        self.assertEqual(card.state, "used_up")

    def test_refund_card_payment(self):
        early, late = self.two_value_cards()
        order = self.sync(
            self.ui_order(
                self.alice,
                [self.ui_line(self.service, qty=2, price=350.0)],
                [(self.card_method, 700.0)],
            )
        )
        # a partial refund cannot go back on the cards
        with self.assertRefused(LoopCardRefusal, "Only the whole prepaid card payment"):
            self.refund(order, [(order.lines, 1)], [(self.card_method, -350.0)])
        self.refund(order, [(order.lines, 2)], [(self.card_method, -700.0)])
        self.assertEqual(
            (early.balance, early.state, late.balance), (500.0, "active", 1000.0)
        )
        self.assertEqual(self.balance(self.alice), 1500.0)

    # ---------------------------------------------------------------- POS data
    def test_pos_loads_loop_status_and_cards(self):
        early, late = self.two_value_cards()
        package = self.issue(self.package, when="2026-02-01")
        self.issue(self.gold, partner=self.bob, when="2026-02-01")
        with self.at("2026-03-01"):
            data = self.shop["session"].load_data(
                [
                    "pos.config",
                    "pos.order",
                    "res.partner",
                    "loop.card",
                    "pos.payment.method",
                ]
            )
        session = data["pos.session"]["data"][0]
        self.assertEqual(
            session["_loop_card_products"],
            {
                self.gold_product.id: {
                    "kind": "value",
                    "name": "Gold Card",
                    "top_up": False,
                },
                self.package_product.id: {
                    "kind": "session",
                    "name": "Facial Package",
                    "top_up": False,
                },
            },
        )
        methods = {
            m["id"]: m["loop_is_card"] for m in data["pos.payment.method"]["data"]
        }
        self.assertEqual(methods, {self.cash.id: False, self.card_method.id: True})
        partners = {p["id"]: p for p in data["res.partner"]["data"]}
        alice = partners[self.alice.id]
        # 500 + 1,000 of stored value; 10 + 5 sessions
        self.assertEqual(
            {
                key: alice[key]
                for key in ("loop_card_balance", "loop_card_sessions", "loop_health")
            },
            {
                "loop_card_balance": 1500.0,
                "loop_card_sessions": 15,
                "loop_health": "none",
            },
        )
        self.assertEqual(alice["loop_stage_name"], "Lock-in")
        self.assertEqual(alice["loop_tier_name"], "Tier E")
        cards = {
            c["id"]: c
            for c in data["loop.card"]["data"]
            if c["partner_id"] == self.alice.id
        }
        self.assertEqual(set(cards), set((early | late | package).ids))
        self.assertEqual(
            cards[package.id]["pos_sessions"],
            {str(self.service.id): 10, str(self.massage.id): 5},
        )
        self.assertEqual(
            cards[early.id]["expiry_date"], fields.Date.to_date("2027-01-14")
        )
