"""Cards: consumption of a POS order, and the rights of the till's staff."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common_cards import CardCase


@tagged("post_install", "-at_install")
class TestCards(CardCase):
    # ---------------------------------------------------------------- top-up
    def test_top_up_and_consume_amount(self):
        card = self.issue(self.gold)
        order = self.loop_order(self.alice, 6000.0, "2026-02-01 12:00:00")
        with self.at("2026-02-01"):
            topup = card.top_up(5000.0, 4500.0, {"origin": "R2"})
            consume = card.consume_amount(6000.0, {"pos_order_id": order.id})
        self.assertEqual(
            (topup.kind, topup.amount, topup.paid_amount), ("topup", 5000.0, 4500.0)
        )
        self.assertEqual((consume.kind, consume.amount), ("consume", -6000.0))
        self.assertEqual(consume.pos_order_id, order)
        self.assertEqual(consume.pos_config_id, self.shop["config"])
        # 11,000 + 5,000 - 6,000
        self.assertEqual(card.balance, 10000.0)
        # 10,000 + 4,500 received in cash
        self.assertEqual(card.paid_amount, 14500.0)
        self.assertEqual(card.consumed_amount, 6000.0)

    def test_staff_rights(self):
        staff = self.company_user(
            "cashier",
            groups="five_customer_loop.group_loop_user,point_of_sale.group_pos_user",
        )
        card = self.issue(self.gold)
        as_staff = card.with_user(staff)
        with self.at("2026-02-01"):
            move = as_staff.consume_amount(100.0, {"origin": "R"})
            move.with_user(staff).action_reverse("Wrong amount")
            issued = (
                self.env["loop.card"]
                .with_user(staff)
                .issue_card(self.bob, self.gold, {"origin": "R"})
            )
            self.assertEqual(issued.balance, 11000.0)
            with self.assertRaises(AccessError):
                as_staff._action_adjust(10.0, "Gift")
            with self.assertRaises(AccessError):
                as_staff.action_cancel()
            with self.assertRaises(AccessError):
                as_staff.write({"expiry_date": "2030-01-01"})
            adjust = card._action_adjust(10.0, "Gift")
            with self.assertRaises(AccessError):
                adjust.with_user(staff).action_reverse("No gift")
        self.assertEqual(card.balance, 11010.0)
