from odoo import fields, models


class LoopChannel(models.Model):
    _name = "loop.channel"
    _description = "Acquisition Channel"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    is_referral = fields.Boolean(
        string="Referral Channel",
        help="Customers from this channel were brought by another customer.",
    )

    _sql_constraints = [
        (
            "name_uniq",
            "unique(name)",
            "An acquisition channel with this name already exists.",
        ),
    ]
