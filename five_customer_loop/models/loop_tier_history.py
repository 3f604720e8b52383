from odoo import fields, models


class LoopTierHistory(models.Model):
    _name = "loop.tier.history"
    _description = "Tier Change"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    tier_from_id = fields.Many2one("loop.tier", string="From", readonly=True)
    tier_to_id = fields.Many2one("loop.tier", string="To", readonly=True)
    date = fields.Datetime(
        required=True, default=fields.Datetime.now, readonly=True, index=True
    )
    direction = fields.Selection(
        [("new", "First Tier"), ("up", "Upgrade"), ("down", "Downgrade")],
        required=True,
        readonly=True,
    )
    spend_12m = fields.Float(string="12-Month Spend", readonly=True)
    reconstructed = fields.Boolean(
        readonly=True,
        help="Derived from the order history at a month-end (the tier of the "
        "12-month spend on that day), not recorded when it happened. Rebuilt by "
        "Reconstruct History.",
    )
