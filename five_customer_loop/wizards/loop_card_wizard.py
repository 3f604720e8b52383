from odoo import api, fields, models
from odoo.exceptions import UserError

OPERATIONS = [
    ("topup", "Top Up"),
    ("consume", "Consume"),
    ("adjust", "Adjust"),
    ("cancel", "Cancel and Refund"),
    ("reverse", "Reverse a Move"),
]


class LoopCardWizard(models.TransientModel):
    """Back-office operations on a card, all through the card's public API."""

    _name = "loop.card.wizard"
    _description = "Card Operation"

    operation = fields.Selection(OPERATIONS, required=True, default="consume")
    card_id = fields.Many2one("loop.card", required=True)
    move_id = fields.Many2one("loop.card.move", string="Move to Reverse")
    card_kind = fields.Selection(related="card_id.kind")
    currency_id = fields.Many2one(related="card_id.currency_id")
    balance = fields.Monetary(related="card_id.balance")
    amount = fields.Monetary(
        help="Top up / consume: the value, positive. Adjust: added to the card, "
        "negative to take value off."
    )
    paid_amount = fields.Monetary(
        string="Cash Received",
        help="What the customer paid for the top-up; below the amount is a bonus.",
    )
    sessions = fields.Integer(
        default=1,
        help="Consume: sessions used. Adjust: sessions added, negative to take "
        "sessions off.",
    )
    product_id = fields.Many2one("product.product", string="Service")
    available_product_ids = fields.Many2many(
        "product.product", compute="_compute_available_product_ids"
    )
    origin = fields.Char(
        string="Reference",
        help="Where the operation comes from, e.g. a receipt number.",
    )
    reason = fields.Text()

    @api.depends("card_id")
    def _compute_available_product_ids(self):
        for wizard in self:
            wizard.available_product_ids = wizard.card_id.session_ids.product_id

    @api.onchange("operation", "card_id")
    def _onchange_operation(self):
        if self.operation == "adjust":
            self.sessions = 0
        if self.card_kind == "session" and not self.product_id:
            self.product_id = self.card_id.session_ids.filtered("sessions_left")[
                :1
            ].product_id

    @api.onchange("amount")
    def _onchange_amount(self):
        if self.operation == "topup":
            self.paid_amount = self.amount

    def action_apply(self):
        self.ensure_one()
        card = self.card_id
        origin = {"origin": self.origin} if self.origin else {}
        if self.operation == "topup":
            card.top_up(self.amount, self.paid_amount, origin)
        elif self.operation == "consume":
            if card.kind == "session":
                if not self.product_id:
                    raise UserError(
                        self.env._("Choose the service to use a session of.")
                    )
                card.consume_session(self.product_id, origin, sessions=self.sessions)
            else:
                card.consume_amount(self.amount, origin)
        elif self.operation == "adjust":
            card._action_adjust(
                amount=self.amount,
                reason=self.reason,
                sessions=self.sessions if card.kind == "session" else 0,
                product=self.product_id if card.kind == "session" else None,
                origin_vals=origin,
            )
        elif self.operation == "cancel":
            card.action_cancel(self.reason)
        elif self.operation == "reverse":
            if not self.move_id:
                raise UserError(self.env._("Choose the move to reverse."))
            self.move_id.action_reverse(self.reason, origin)
        return {"type": "ir.actions.act_window_close"}
