from odoo import api, fields, models


class LoopCardLiabilityLine(models.TransientModel):
    """One card type of a liability statement (per shop with the POS bridge)."""

    _name = "loop.card.liability.line"
    _description = "Card Liability Statement Line"
    _order = "company_id, type_id, id"

    wizard_id = fields.Many2one(
        "loop.card.liability.wizard", required=True, ondelete="cascade", index=True
    )
    type_id = fields.Many2one("loop.card.type", string="Card Type", readonly=True)
    card_kind = fields.Selection(related="type_id.kind", string="Card Kind", store=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    opening = fields.Monetary(readonly=True, help="Unused value at the start.")
    sold = fields.Monetary(
        readonly=True,
        help="Value put on cards by issues and top-ups, bonus included.",
    )
    paid = fields.Monetary(string="Cash Received", readonly=True)
    consumed = fields.Monetary(readonly=True)
    refunded = fields.Monetary(readonly=True)
    refunded_cash = fields.Monetary(string="Cash Refunded", readonly=True)
    expired = fields.Monetary(readonly=True, help="Value written off at expiry.")
    adjusted = fields.Monetary(readonly=True, help="Managers' adjustments (signed).")
    closing = fields.Monetary(
        readonly=True,
        help="Outstanding liability: unused value at the end.",
    )
    difference = fields.Monetary(
        compute="_compute_difference",
        help="Opening + sold − consumed − refunded − expired + adjusted − closing: "
        "always 0.",
    )

    @api.depends(
        "opening", "sold", "consumed", "refunded", "expired", "adjusted", "closing"
    )
    def _compute_difference(self):
        for line in self:
            line.difference = line.currency_id.round(
                line.opening
                + line.sold
                - line.consumed
                - line.refunded
                - line.expired
                + line.adjusted
                - line.closing
            )
