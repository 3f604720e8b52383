"""The till's side of a POS order in the loop: its sync posts the order's card
moves after Odoo saved it (a refusal goes back to the till, which keeps the
order), the same order sent twice at once is saved once, and the receipt prints
the cards the order used or sold. The card moves themselves are the main
addon's (``five_customer_loop/models/pos_order.py``)."""

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.five_customer_loop.models.pos_order import DEFER


class PosOrder(models.Model):
    _inherit = "pos.order"

    loop_receipt_cards = fields.Json(
        string="Cards on the Receipt",
        compute="_compute_loop_receipt_cards",
        help="The prepaid cards the order paid with, served from or sold, with "
        "their balance and sessions left right after it: the receipt prints them.",
    )

    def _compute_loop_receipt_cards(self):
        """Per order: ``[{"code", "name", "kind", "balance", "expiry_date",
        "sessions": [{"service", "left"}]}]``, read from the ledger up to the
        order's own last move (a reprint shows the figures of that day)."""
        orders = self.filtered("id")
        rows = []
        if orders:
            self.env["loop.card.move"].flush_model()
            rows = self.env.execute_query(
                SQL(
                    """WITH mine AS (
                           SELECT pos_order_id AS order_id, card_id, MAX(id) AS last
                             FROM loop_card_move WHERE pos_order_id = ANY(%(ids)s)
                            GROUP BY pos_order_id, card_id)
                       SELECT mine.order_id, mine.card_id, m.product_id,
                              SUM(m.amount), SUM(m.sessions)
                         FROM mine JOIN loop_card_move m
                           ON m.card_id = mine.card_id AND m.id <= mine.last
                        GROUP BY mine.order_id, mine.card_id, m.product_id
                        ORDER BY mine.order_id, mine.card_id, m.product_id""",
                    ids=orders.ids,
                )
            )
        # sudo: the cards of the order's own customer, on the order's receipt
        cards = self.env["loop.card"].sudo().browse({row[1] for row in rows})
        products = (
            self.env["product.product"]
            .sudo()
            .browse({row[2] for row in rows if row[2]})
        )
        receipts = {}
        for order_id, card_id, product_id, amount, sessions in rows:
            card = cards.browse(card_id)
            entry = receipts.setdefault(order_id, {}).setdefault(
                card_id,
                {
                    "code": card.code,
                    "name": card.type_id.name,
                    "kind": card.kind,
                    "balance": 0.0,
                    "expiry_date": fields.Date.to_string(card.expiry_date),
                    "sessions": [],
                },
            )
            entry["balance"] += float(amount or 0.0)
            if product_id and card.kind == "session":
                entry["sessions"].append(
                    {
                        "service": products.browse(product_id).display_name,
                        "left": int(sessions or 0),
                    }
                )
        for order in self:
            entries = list(receipts.get(order.id, {}).values())
            for entry in entries:
                entry["balance"] = order.currency_id.round(entry["balance"])
            order.loop_receipt_cards = entries or False

    @api.model
    def sync_from_ui(self, orders):
        # the same order sent twice at once is saved once (loop.pos.sync)
        self.env["loop.pos.sync"]._claim(order.get("uuid") for order in orders)
        return super().sync_from_ui(orders)

    def _process_saved_order(self, draft):
        res = super(PosOrder, self.with_context(**{DEFER: True}))._process_saved_order(
            draft
        )
        if not draft:
            self._loop_post_card_moves()
        return res
