"""The till's side of the card tests: orders sent as the 18.0 POS sends them."""

from uuid import uuid4

from odoo import Command

from .common_cards import CardCase


class PosCardCase(CardCase):
    """The test shop's till with a "Prepaid Card" payment method, the gold
    card and the package on sale, and the till's own way of sending orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card_method = cls.env["pos.payment.method"].create(
            {
                "name": "Prepaid Card",
                "loop_is_card": True,
                "company_id": cls.company.id,
            }
        )
        cls.config = cls.shop["config"]
        cls.config.with_context(bypass_payment_method_ids_forbidden_change=True).write(
            {"payment_method_ids": [Command.link(cls.card_method.id)]}
        )
        cls.cash = cls.shop["method"]
        cls.gold_product = cls._card_product("Gold Card", 10000.0)
        cls.gold.product_id = cls.gold_product
        cls.package_product = cls._card_product("Facial Package", 3000.0)
        cls.package.product_id = cls.package_product

    @classmethod
    def _card_product(cls, name, price):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "list_price": price,
                "available_in_pos": True,
                "taxes_id": [Command.clear()],
            }
        )

    # ------------------------------------------------------------------ helpers
    def ui_line(self, product, qty=1, price=None, card=None, refunded=None, staff=None):
        """An order line as the till serialises it (``serialize({orm: true})``)."""
        price = product.lst_price if price is None else price
        return {
            "uuid": str(uuid4()),
            "product_id": product.id,
            "full_product_name": product.display_name,
            "qty": qty,
            "price_unit": price,
            "price_subtotal": price * qty,
            "price_subtotal_incl": price * qty,
            "price_type": "manual" if card else "original",
            "discount": 0,
            "tax_ids": [Command.set([])],
            "pack_lot_ids": [],
            "note": "",
            "customer_note": "",
            "loop_card_id": card.id if card else False,
            "refunded_orderline_id": refunded.id if refunded else False,
            "loop_staff_id": staff.id if staff else False,
        }

    def ui_order(self, partner, lines, payments, uuid=None, when="2026-03-01 04:00"):
        """The order dict the 18.0 till sends to ``pos.order.sync_from_ui``.

        ``payments`` are ``(method, amount)`` pairs; ``when`` is in UTC.
        """
        uuid = uuid or str(uuid4())
        total = sum(line["price_subtotal_incl"] for line in lines)
        return {
            "uuid": uuid,
            "access_token": str(uuid4()),
            "name": f"Order {uuid[:8]}",
            "session_id": self.shop["session"].id,
            "sequence_number": 1,
            "user_id": self.env.uid,
            "partner_id": partner.id if partner else False,
            "pricelist_id": self.config.pricelist_id.id,
            "fiscal_position_id": False,
            "date_order": when,
            "state": "paid",
            "to_invoice": False,
            "amount_total": total,
            "amount_tax": 0.0,
            "amount_paid": sum(amount for _method, amount in payments),
            "amount_return": 0.0,
            "last_order_preparation_change": "{}",
            "lines": [Command.create(line) for line in lines],
            "payment_ids": [
                Command.create(
                    {
                        "uuid": str(uuid4()),
                        "amount": amount,
                        "payment_method_id": method.id,
                        "payment_date": when,
                    }
                )
                for method, amount in payments
            ],
        }

    def sync(self, *orders, when="2026-03-01"):
        """Send the orders as the till does; return the saved ``pos.order``."""
        with self.at(when):
            data = self.env["pos.order"].sync_from_ui(list(orders))
        return self.env["pos.order"].browse([vals["id"] for vals in data["pos.order"]])

    def order_of(self, uuid):
        return self.env["pos.order"].search([("uuid", "=", uuid)])

    def balance(self, partner):
        return self.figures(partner).loop_card_balance

    def two_value_cards(self):
        """Alice's cards: 500 expiring 2027-01-14, then 1,000 expiring 2027-02-28."""
        early = self.issue(self.gold, when="2026-01-15", amount=500.0, paid=500.0)
        late = self.issue(self.gold, when="2026-03-01", amount=1000.0, paid=1000.0)
        return early, late

    def refund(self, order, lines, payments, when="2026-03-05"):
        """The till's refund of ``lines`` (``[(line, qty)]``) of ``order``."""
        ui_lines = [
            self.ui_line(
                line.product_id, qty=-qty, price=line.price_unit, refunded=line
            )
            for line, qty in lines
        ]
        return self.sync(self.ui_order(order.partner_id, ui_lines, payments), when=when)
